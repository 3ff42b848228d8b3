package mix

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/internal/synth"
)

// benchSession writes n stems of the given length (the generated song's
// six stems and pink noise, alternately mono and stereo, 24-bit) and a
// session in the shape of bench/mix.sh: high-pass, 4-band EQ and
// compressor on every track, two group buses, a reverb send from 8 tracks.
func benchSession(tb testing.TB, dir string, n int, seconds float64) string {
	tb.Helper()
	const rate = 48000
	frames := int(seconds * rate)
	song := synth.NewSong(rate, seconds, 3)
	st := make([]audio.Buffer, synth.NumStems)
	for i := range st {
		st[i] = audio.NewBuffer(2, frames)
	}
	song.ReadStems(st)
	pink := synth.PinkNoise(rate, 2, frames, 0.05, 9)
	var b strings.Builder
	b.WriteString("sample_rate_hz: 48000\ntracks:\n")
	for i := 0; i < n; i++ {
		src := pink
		if i%7 < 6 {
			src = st[i%7]
		}
		ch := 1 + i%2
		buf := audio.Buffer(src[:ch])
		name := fmt.Sprintf("t%02d", i)
		path := filepath.Join(dir, name+".wav")
		if _, err := os.Stat(path); err != nil {
			writeAudio(tb, path, buf, audio.Format{SampleRate: rate, Channels: ch, Type: audio.SampleInt, Bits: 24})
		}
		bus := "drums"
		if i >= n/2 {
			bus = "music"
		}
		fmt.Fprintf(&b, `  - name: %s
    file: %s.wav
    gain_db: -12
    pan: %.2f
    output: %s
    inserts:
      - {type: highpass, freq_hz: 40, slope_db_oct: 12}
      - type: eq
        bands:
          - {type: low_shelf, freq_hz: 120, gain_db: 2}
          - {type: bell, freq_hz: 400, gain_db: -3, q: 1.2}
          - {type: bell, freq_hz: 2500, gain_db: 2, q: 1}
          - {type: high_shelf, freq_hz: 8000, gain_db: 1.5}
      - {type: compressor, threshold_db: -20, ratio: 3, attack_ms: 10, release_ms: 100}
`, name, name, float64(i%5-2)/2, bus)
		if i%4 == 0 {
			b.WriteString("    sends: [{to: reverb, level_db: -10}]\n")
		}
	}
	b.WriteString("buses:\n  - {name: drums}\n  - {name: music}\n  - {name: reverb, inserts: [{type: reverb, decay_s: 1.8}]}\n")
	p := filepath.Join(dir, "session.yaml")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

func BenchmarkRender32(b *testing.B) {
	dir := b.TempDir()
	const seconds = 20
	p := benchSession(b, dir, 32, seconds)
	s := loadSession(b, p)
	b.ResetTimer()
	for b.Loop() {
		e, err := Compile(s, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.Render(context.Background(), nil, nil, nil); err != nil {
			b.Fatal(err)
		}
		e.Close()
	}
	b.ReportMetric(seconds*float64(b.N)/b.Elapsed().Seconds(), "x-realtime")
}

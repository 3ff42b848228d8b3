package audiofile

import (
	"path/filepath"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/internal/synth"
)

// BenchmarkReadWAV24Stereo decodes a 60 s 44.1 kHz 24-bit stereo WAV file
// from disk (page cache) through Open, as the CLI does.
func BenchmarkReadWAV24Stereo(b *testing.B) {
	const seconds = 60
	path := filepath.Join(b.TempDir(), "x.wav")
	w, err := Create(path, audio.Format{SampleRate: 44100, Channels: 2, Type: audio.SampleInt, Bits: 24}, WriteOptions{Dither: audio.DitherTPDF})
	if err != nil {
		b.Fatal(err)
	}
	_ = w.WriteFrames(synth.PinkNoise(44100, 2, 44100*seconds, 0.1, 1))
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	buf := audio.NewBuffer(2, 16384)
	b.ResetTimer()
	for b.Loop() {
		f, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := f.ReadFrames(buf); err != nil {
				break
			}
		}
		f.Close()
	}
	b.ReportMetric(seconds*float64(b.N)/b.Elapsed().Seconds(), "x-realtime")
}

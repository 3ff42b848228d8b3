package mp3

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/internal/synth"
	"github.com/mixdown/mixdown/internal/testutil"
)

// source returns deterministic music-like material of the given shape:
// synth.NewSong at -6 dB (so that coding overshoot stays below full scale,
// where the 16-bit decoder would clip), rounded to 16-bit values as the WAV
// file given to the encoder stores them. Mono takes the left channel.
func source(rate, channels, frames int, seed uint64) audio.Buffer {
	song := synth.NewSong(rate, 0, seed)
	st := audio.NewBuffer(2, frames)
	if _, err := audio.ReadFull(song, st); err != nil {
		panic(err)
	}
	out := audio.NewBuffer(channels, frames)
	for c := range out {
		for i, v := range st[c] {
			out[c][i] = float32(math.Round(float64(v)*0.5*32768) / 32768)
		}
	}
	return out
}

// writeWAV writes b as a 16-bit PCM WAVE file.
func writeWAV(t testing.TB, path string, b audio.Buffer, rate int) {
	t.Helper()
	nc, n := b.Channels(), b.Frames()
	data := make([]byte, n*nc*2)
	for i := 0; i < n; i++ {
		for c := 0; c < nc; c++ {
			v := math.Round(float64(b[c][i]) * 32768)
			v = math.Max(-32768, math.Min(32767, v))
			binary.LittleEndian.PutUint16(data[(i*nc+c)*2:], uint16(int16(v)))
		}
	}
	var h bytes.Buffer
	le := func(v any) { _ = binary.Write(&h, binary.LittleEndian, v) }
	h.WriteString("RIFF")
	le(uint32(36 + len(data)))
	h.WriteString("WAVEfmt ")
	le(uint32(16))
	le(uint16(1)) // PCM
	le(uint16(nc))
	le(uint32(rate))
	le(uint32(rate * nc * 2))
	le(uint16(nc * 2))
	le(uint16(16))
	h.WriteString("data")
	le(uint32(len(data)))
	h.Write(data)
	if err := os.WriteFile(path, h.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// ffmpegDecode decodes path with ffmpeg to 32-bit float at the stream's own
// rate and channel count.
func ffmpegDecode(t testing.TB, path string, channels int) audio.Buffer {
	t.Helper()
	ff := testutil.Tool(t, "ffmpeg")
	raw := path + ".f32"
	testutil.Run(t, ff, "-v", "error", "-y", "-i", path, "-f", "f32le", "-c:a", "pcm_f32le", raw)
	data, err := os.ReadFile(raw)
	if err != nil {
		t.Fatal(err)
	}
	n := len(data) / 4 / channels
	b := audio.NewBuffer(channels, n)
	for i := 0; i < n; i++ {
		for c := 0; c < channels; c++ {
			b[c][i] = math.Float32frombits(binary.LittleEndian.Uint32(data[(i*channels+c)*4:]))
		}
	}
	return b
}

// decodeAll decodes a whole stream with small, odd-sized reads and returns the
// frames, the decoder and the error that ended decoding (nil at a clean end).
func decodeAll(t testing.TB, data []byte) (audio.Buffer, *Decoder, error) {
	t.Helper()
	d, err := NewDecoder(bytes.NewReader(data))
	if err != nil {
		return nil, nil, err
	}
	nc := d.Format().Channels
	out := make(audio.Buffer, nc)
	buf := audio.NewBuffer(nc, 1013)
	for {
		n, err := d.ReadFrames(buf)
		for c := range out {
			out[c] = append(out[c], buf[c][:n]...)
		}
		if err == io.EOF {
			return out, d, nil
		}
		if err != nil {
			return out, d, err
		}
	}
}

// bestLag returns the lag (in frames, within ±maxLag) at which got best
// matches ref by normalized cross-correlation over a window of ref starting
// at frame from: got[from+lag+i] against ref[from+i].
func bestLag(ref, got []float32, from, window, maxLag int) int {
	best, bestScore := 0, math.Inf(-1)
	for lag := -maxLag; lag <= maxLag; lag++ {
		var dot, e float64
		for i := from; i < from+window; i++ {
			j := i + lag
			if j < 0 || j >= len(got) || i >= len(ref) {
				continue
			}
			dot += float64(ref[i]) * float64(got[j])
			e += float64(got[j]) * float64(got[j])
		}
		if e == 0 {
			continue
		}
		if s := dot / math.Sqrt(e); s > bestScore {
			best, bestScore = lag, s
		}
	}
	return best
}

// diff returns the largest absolute sample difference between a and b and the
// RMS of the difference relative to the RMS of a, in dB, over their common
// length.
func diff(a, b audio.Buffer) (maxAbs, relDB float64) {
	var e, s float64
	for c := range a {
		n := min(len(a[c]), len(b[c]))
		for i := 0; i < n; i++ {
			d := float64(a[c][i]) - float64(b[c][i])
			maxAbs = math.Max(maxAbs, math.Abs(d))
			e += d * d
			s += float64(a[c][i]) * float64(a[c][i])
		}
	}
	return maxAbs, 10 * math.Log10(e/s)
}

// lameEncode writes src as a WAV file in dir and encodes it with lame and the
// given options, returning the MP3 bytes and path.
func lameEncode(t testing.TB, dir, name string, src audio.Buffer, rate int, opts ...string) ([]byte, string) {
	t.Helper()
	lame := testutil.Tool(t, "lame")
	wav := filepath.Join(dir, name+".wav")
	mp3 := filepath.Join(dir, name+".mp3")
	writeWAV(t, wav, src, rate)
	args := append([]string{"--quiet", "--noreplaygain"}, opts...)
	testutil.Run(t, lame, append(args, wav, mp3)...)
	data, err := os.ReadFile(mp3)
	if err != nil {
		t.Fatal(err)
	}
	return data, mp3
}

// wantErr fails unless err wraps every target.
func wantErr(t testing.TB, err error, targets ...error) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v", targets)
	}
	for _, target := range targets {
		if !errors.Is(err, target) {
			t.Fatalf("error %q does not wrap %v", err, target)
		}
	}
}

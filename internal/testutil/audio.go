package testutil

import (
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"os/exec"
	"testing"

	"github.com/mixdown/mixdown/audio"
)

// ReadAll reads a whole stream into memory through blocks of block frames
// (0 means 4096). For tests only: production code streams.
func ReadAll(t testing.TB, r audio.Reader, block int) audio.Buffer {
	t.Helper()
	b, err := ReadAllErr(r, block)
	if err != nil {
		t.Fatalf("reading stream: %v", err)
	}
	return b
}

// ReadAllErr is ReadAll returning the error instead of failing.
func ReadAllErr(r audio.Reader, block int) (audio.Buffer, error) {
	if block <= 0 {
		block = 4096
	}
	nc := r.Format().Channels
	out := make(audio.Buffer, nc)
	buf := audio.NewBuffer(nc, block)
	hdr := make(audio.Buffer, nc)
	for {
		n, err := r.ReadFrames(buf)
		if n > 0 {
			for c := range out {
				out[c] = append(out[c], buf.Head(hdr, n)[c]...)
			}
		}
		if err == io.EOF {
			for c := range out {
				if out[c] == nil {
					out[c] = []float32{}
				}
			}
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
}

// FFmpegDecode decodes path with ffmpeg to planar float32 (ffmpeg's view of
// the file, for cross-checks); extra options (such as -map) go after the
// input.
func FFmpegDecode(t testing.TB, path string, channels int, extra ...string) audio.Buffer {
	t.Helper()
	ff := Tool(t, "ffmpeg")
	args := append([]string{"-v", "error", "-i", path}, extra...)
	out, err := exec.Command(ff, append(args, "-f", "f32le", "-acodec", "pcm_f32le", "-")...).Output()
	if err != nil {
		t.Fatalf("ffmpeg decode %s: %v", path, err)
	}
	return FromF32LE(out, channels)
}

// FromF32LE converts interleaved little-endian float32 bytes to a buffer.
func FromF32LE(raw []byte, channels int) audio.Buffer {
	n := len(raw) / 4 / channels
	b := audio.NewBuffer(channels, n)
	for i := 0; i < n; i++ {
		for c := 0; c < channels; c++ {
			b[c][i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[(i*channels+c)*4:]))
		}
	}
	return b
}

// MaxAbsDiff returns the largest |a-b| over all samples, failing the test if
// the shapes differ.
func MaxAbsDiff(t testing.TB, a, b audio.Buffer) float64 {
	t.Helper()
	if a.Channels() != b.Channels() || a.Frames() != b.Frames() {
		t.Fatalf("shape mismatch: %d ch x %d frames vs %d ch x %d frames", a.Channels(), a.Frames(), b.Channels(), b.Frames())
	}
	m := 0.0
	for c := range a {
		for i := range a[c] {
			m = math.Max(m, math.Abs(float64(a[c][i])-float64(b[c][i])))
		}
	}
	return m
}

// WriteWAV16 writes b as a plain 16-bit PCM WAVE file (rounded, clipped), for
// feeding external encoders. It does not use audio/wav, so that package's own
// tests can use it too.
func WriteWAV16(t testing.TB, path string, b audio.Buffer, rate int) {
	t.Helper()
	nc, n := b.Channels(), b.Frames()
	le := binary.LittleEndian
	h := []byte("RIFF")
	h = le.AppendUint32(h, uint32(36+n*nc*2))
	h = append(h, "WAVEfmt "...)
	h = le.AppendUint32(h, 16)
	h = le.AppendUint16(h, 1)
	h = le.AppendUint16(h, uint16(nc))
	h = le.AppendUint32(h, uint32(rate))
	h = le.AppendUint32(h, uint32(rate*nc*2))
	h = le.AppendUint16(h, uint16(nc*2))
	h = le.AppendUint16(h, 16)
	h = append(h, "data"...)
	h = le.AppendUint32(h, uint32(n*nc*2))
	for i := 0; i < n; i++ {
		for c := 0; c < nc; c++ {
			v := math.Max(-32768, math.Min(32767, math.Round(float64(b[c][i])*32768)))
			h = le.AppendUint16(h, uint16(int16(v)))
		}
	}
	if err := os.WriteFile(path, h, 0o644); err != nil {
		t.Fatal(err)
	}
}

// BestLag returns the lag (frames, within ±maxLag) at which got best matches
// ref by normalised cross-correlation over window frames of ref starting at
// from: got[from+lag+i] against ref[from+i].
func BestLag(ref, got []float32, from, window, maxLag int) int {
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

// Diff returns the largest absolute sample difference between a and b and
// the RMS of the difference relative to the RMS of a (dB), over their common
// length.
func Diff(a, b audio.Buffer) (maxAbs, relDB float64) {
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

// WantErr fails unless err wraps every target.
func WantErr(t testing.TB, err error, targets ...error) {
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

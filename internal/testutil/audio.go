package testutil

import (
	"encoding/binary"
	"io"
	"math"
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
// the file, for cross-checks).
func FFmpegDecode(t testing.TB, path string, channels int) audio.Buffer {
	t.Helper()
	ff := Tool(t, "ffmpeg")
	out, err := exec.Command(ff, "-v", "error", "-i", path, "-f", "f32le", "-acodec", "pcm_f32le", "-").Output()
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

package analysis

import (
	"encoding/binary"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/audio/audiofile"
	"github.com/mixdown/mixdown/internal/synth"
	"github.com/mixdown/mixdown/internal/testutil"
)

// writeF32 writes b as interleaved little-endian float32 (sox "-t f32").
func writeF32(t *testing.T, path string, b audio.Buffer) {
	t.Helper()
	raw := make([]byte, 0, b.Frames()*b.Channels()*4)
	for i := range b.Frames() {
		for c := range b {
			raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(b[c][i]))
		}
	}
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

// analyzeFile streams a file through an Analyzer as the CLI does.
func analyzeFile(t *testing.T, path string) *Report {
	t.Helper()
	f, err := audiofile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fm := f.Format()
	a, err := New(Options{SampleRate: fm.SampleRate, Channels: fm.Channels, Layout: fm.Layout, SourceBits: fm.Bits, SourceFloat: fm.Type == audio.SampleFloat})
	if err != nil {
		t.Fatal(err)
	}
	buf := audio.NewBuffer(fm.Channels, 16384)
	hdr := make(audio.Buffer, fm.Channels)
	for {
		n, err := f.ReadFrames(buf)
		a.Write(buf.Head(hdr, n))
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return a.Report()
}

func TestBandwidthUpsampled(t *testing.T) {
	sox := testutil.Tool(t, "sox")
	dir := t.TempDir()
	for _, from := range []int{48000, 44100} {
		raw := filepath.Join(dir, "song.f32")
		writeF32(t, raw, song(from, 20))
		up := filepath.Join(dir, "song96k.wav")
		testutil.Run(t, sox, "-t", "f32", "-r", strconv.Itoa(from), "-c", "2", raw, "-b", "24", up, "rate", "-v", "96000")

		r := analyzeFile(t, up)
		bw := r.Defects.Bandwidth
		t.Logf("upsampled %d→96000 Hz: bandwidth %.0f Hz, limited %v, upsampled %v", from, float64(bw.Hz), bw.Limited, bw.Upsampled)
		if float64(bw.Hz) < 20000 || float64(bw.Hz) > 24000 || !bw.Upsampled || hasFinding(r, "upsampled") == nil {
			t.Errorf("upsampled file: %+v", bw)
		}
		if r.Format.SampleRateHz != 96000 || r.Defects.BitDepth.ContentBits != 24 {
			t.Errorf("format %+v, bit depth %+v", r.Format, r.Defects.BitDepth)
		}
	}

	// The same song at its own rate reaches Nyquist.
	r := run(t, song(48000, 20), 48000, Options{}, 16384)
	if bw := r.Defects.Bandwidth; bw.Limited || bw.Upsampled || float64(bw.Hz) != 24000 {
		t.Errorf("48 kHz song: %+v", bw)
	}
}

func TestBandwidthPinkNoise(t *testing.T) {
	const rate = 96000
	r := run(t, synth.PinkNoise(rate, 2, 10*rate, 0.1, 1), rate, Options{}, 16384)
	bw := r.Defects.Bandwidth
	if bw.Limited || bw.Upsampled || float64(bw.Hz) != 48000 || hasFinding(r, "upsampled") != nil {
		t.Errorf("pink noise at 96 kHz: %+v", bw)
	}
}

func TestBandwidthSine(t *testing.T) {
	// A lone 1 kHz tone at 96 kHz: content stops at 1 kHz, but that is not
	// upsampled material.
	r := run(t, synth.Sine(96000, 1, 5*96000, 1000, 0.1, 0), 96000, Options{}, 16384)
	bw := r.Defects.Bandwidth
	if !bw.Limited || bw.Upsampled || float64(bw.Hz) < 1000 || float64(bw.Hz) > 1200 {
		t.Errorf("sine: %+v", bw)
	}
}

package loudness

import (
	"math"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/internal/synth"
)

// Every reading is bit-identical whatever the block sizes a programme is
// written in.
func TestBlockSizeIndependence(t *testing.T) {
	b := synth.SongBuffer(44100, 8, 1)
	type reading [8]float64
	read := func(bs int) reading {
		m, err := New(Options{SampleRate: 44100, Channels: 2, TruePeak: true})
		if err != nil {
			t.Fatal(err)
		}
		h := make(audio.Buffer, 2)
		for o := 0; o < b.Frames(); o += bs {
			m.Write(b.Slice(h, o, min(o+bs, b.Frames())))
		}
		i, g := m.Integrated()
		lra, _, _ := m.LoudnessRange()
		return reading{i, g, lra, m.MaxMomentary(), m.MaxShortTerm(), m.TruePeak(0), m.TruePeak(1), m.SamplePeak(1)}
	}
	want := read(b.Frames())
	for _, bs := range []int{1, 7, 100, 441, 4096, 10000} {
		if got := read(bs); got != want {
			t.Errorf("block %d: %v, want %v", bs, got, want)
		}
	}
}

func TestBadRatesAndSamples(t *testing.T) {
	for _, r := range []int{1000, 4000, 7999} {
		if _, err := New(Options{SampleRate: r, Channels: 1}); err == nil {
			t.Errorf("rate %d accepted", r)
		}
	}
	m, _ := New(Options{SampleRate: 48000, Channels: 1, TruePeak: true})
	x := synth.Sine(48000, 1, 48000*3, 1000, 0.1, 0)
	x[0][1000] = float32(math.NaN())
	x[0][2000] = float32(math.Inf(1))
	m.Write(x)
	i, _ := m.Integrated()
	if math.Abs(i-(-23.01)) > 0.05 { // a mono -20 dBFS tone reads 3.01 LU below its stereo calibration
		t.Errorf("NaN/Inf samples disturbed integrated loudness: %v", i)
	}
}

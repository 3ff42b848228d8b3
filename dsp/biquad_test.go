package dsp

import (
	"math"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/internal/synth"
)

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(got) || math.Abs(got-want) > tol {
		t.Errorf("%s = %.4f, want %.4f ± %g", what, got, want, tol)
	}
}

// Designs against their defining properties.
func TestCookbookDesigns(t *testing.T) {
	const fs = 48000.0
	for _, f0 := range []float64{50, 1000, 8000} {
		near(t, "low-pass at f0 (Q 0.7071)", LowPass(f0, math.Sqrt2/2, fs).MagnitudeDB(f0, fs), -3.0103, 0.001)
		near(t, "high-pass at f0 (Q 0.7071)", HighPass(f0, math.Sqrt2/2, fs).MagnitudeDB(f0, fs), -3.0103, 0.001)
		near(t, "low-pass at DC", LowPass(f0, 0.7, fs).MagnitudeDB(1e-3, fs), 0, 1e-6)
		near(t, "band-pass at f0", BandPass(f0, 2, fs).MagnitudeDB(f0, fs), 0, 1e-6)
		near(t, "all-pass anywhere", AllPass(f0, 1, fs).MagnitudeDB(f0*1.37, fs), 0, 1e-9)
		for _, g := range []float64{-12, -3, 6} {
			near(t, "bell at f0", Peak(f0, 1.4, g, fs).MagnitudeDB(f0, fs), g, 1e-6)
			near(t, "bell far away", Peak(f0, 4, g, fs).MagnitudeDB(f0/20, fs), 0, 0.05)
			near(t, "low shelf at DC", LowShelf(f0, 0.7071, g, fs).MagnitudeDB(1e-3, fs), g, 1e-6)
			near(t, "low shelf at f0 (half gain)", LowShelf(f0, 0.7071, g, fs).MagnitudeDB(f0, fs), g/2, 1e-6)
			near(t, "high shelf at Nyquist", HighShelf(f0, 0.7071, g, fs).MagnitudeDB(fs/2-1e-6, fs), g, 1e-4)
			near(t, "high shelf at f0", HighShelf(f0, 0.7071, g, fs).MagnitudeDB(f0, fs), g/2, 1e-6)
		}
		if db := Notch(f0, 10, fs).MagnitudeDB(f0, fs); db > -100 {
			t.Errorf("notch at f0 only %.1f dB", db)
		}
		near(t, "notch an octave away", Notch(f0, 10, fs).MagnitudeDB(f0*2, fs), 0, 0.05)
		if !Peak(f0, 10, 12, fs).Stable() || !HighPass(f0, 0.5, fs).Stable() {
			t.Errorf("unstable design at %g Hz", f0)
		}
	}
}

// The cascade filters a sine by its computed response, whatever the block
// size.
func TestCascade(t *testing.T) {
	const fs = 44100
	coefs := []Coefs{HighPass(80, 0.54, fs), HighPass(80, 1.31, fs), Peak(3000, 2, -6, fs)}
	x := synth.Sine(fs, 2, fs, 1000, 0.5, 0)
	whole := audio.NewBuffer(2, fs)
	audio.Copy(whole, x)
	NewCascade(2, coefs...).Process(whole)
	c := NewCascade(2, coefs...)
	parts := audio.NewBuffer(2, fs)
	audio.Copy(parts, x)
	hdr := make(audio.Buffer, 2)
	for off := 0; off < fs; off += 7 {
		c.Process(parts.Slice(hdr, off, min(off+7, fs)))
	}
	for i := range whole[0] {
		if whole[0][i] != parts[0][i] {
			t.Fatalf("block size changes frame %d", i)
		}
	}
	var peak float64
	for _, v := range whole[0][fs/2:] {
		peak = math.Max(peak, math.Abs(float64(v)))
	}
	h := c.Response(1000, fs)
	near(t, "1 kHz through the cascade (dB)", 20*math.Log10(peak/0.5), 20*math.Log10(math.Hypot(real(h), imag(h))), 0.01)
}

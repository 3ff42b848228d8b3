package loudness

import (
	"math"
	"testing"
)

// KWeightingDB at 997 Hz is the +0.691 dB that BS.1770's −0.691 constant
// cancels; the shelf gives about +4 dB at 10 kHz and the high-pass cuts
// deep below 30 Hz.
func TestKWeightingDB(t *testing.T) {
	for _, rate := range []float64{44100, 48000, 96000} {
		// Exact at 48 kHz; other rates deviate up to 0.04 dB (see kWeighting).
		tol := 0.04
		if rate == 48000 {
			tol = 0.001
		}
		if g := KWeightingDB(997, rate); math.Abs(g-0.691) > tol {
			t.Errorf("%g Hz: %.4f dB at 997 Hz, want 0.691", rate, g)
		}
		if g := KWeightingDB(10000, rate); math.Abs(g-4.04) > 0.05 {
			t.Errorf("%g Hz: %.3f dB at 10 kHz, want about +4.04", rate, g)
		}
		if g := KWeightingDB(20, rate); g > -12 {
			t.Errorf("%g Hz: %.2f dB at 20 Hz, want below -12", rate, g)
		}
	}
}

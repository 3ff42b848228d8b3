package fft_test

import (
	"fmt"
	"math"
	"math/cmplx"

	"github.com/mixdown/mixdown/dsp/fft"
)

// Find the frequency of a tone: plan once, then transform into a reused
// destination.
func ExampleNewReal() {
	const n, rate = 1024, 48000.0
	x := make([]float64, n)
	for i := range x {
		x[i] = math.Sin(2 * math.Pi * 3000 * float64(i) / rate)
	}
	plan := fft.NewReal(n)
	spec := plan.Forward(make([]complex128, n/2+1), x)
	peak := 0
	for k := range spec {
		if cmplx.Abs(spec[k]) > cmplx.Abs(spec[peak]) {
			peak = k
		}
	}
	fmt.Printf("peak at bin %d = %.0f Hz, amplitude %.2f\n", peak, float64(peak)*rate/n, 2*cmplx.Abs(spec[peak])/n)
	// Output: peak at bin 64 = 3000 Hz, amplitude 1.00
}

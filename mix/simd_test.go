package mix

import (
	"math"
	"testing"

	"github.com/mixdown/mixdown/internal/synth"
)

// TestVectorLoops: the assembly loops match the Go ones bit for bit, for
// every length.
func TestVectorLoops(t *testing.T) {
	r := synth.NewRand(3)
	a, b := make([]float32, 100), make([]float32, 100)
	for i := range a {
		a[i], b[i] = float32(r.Float()*2-1), float32(r.Float()*2-1)*1e3
	}
	run := func(asm bool, n int) [6][]float32 {
		prev := useAVX2
		useAVX2 = asm
		defer func() { useAVX2 = prev }()
		var out [6][]float32
		for k := range out {
			out[k] = make([]float32, n)
		}
		copy(out[0], a)
		addTo(out[0], b)
		scaleTo(out[1], a, 0.1234567)
		mix2To(out[2], a, b, -0.3, 0.00071)
		copy(out[3], b)
		addScaled(out[3], a, 0.7071)
		copy(out[4], a)
		addMix2(out[4], a, b, 1.3, -0.01)
		for i := range out[5] {
			out[5][i] = float32(math.Copysign(0, float64(i%2)-0.5)) * a[i%len(a)]
		}
		addZero(out[5])
		return out
	}
	for n := 0; n < 100; n++ {
		x, y := run(true, n), run(false, n)
		for k := range x {
			for i := range x[k] {
				if math.Float32bits(x[k][i]) != math.Float32bits(y[k][i]) {
					t.Fatalf("loop %d, length %d, element %d: %g, Go %g", k, n, i, x[k][i], y[k][i])
				}
			}
		}
	}
}

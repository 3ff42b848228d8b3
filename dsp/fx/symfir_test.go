package fx

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSymFIR: the kernel matches the direct sum (same order, rounded at
// each step) bit for bit, with and without an initial term, for lengths
// that exercise the 16-, 4- and 1-output paths.
func TestSymFIR(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, nt := range []int{1, 8, 33} {
		for _, n := range []int{1, 3, 4, 15, 16, 17, 37, 100} {
			taps := make([]float64, nt)
			for i := range taps {
				taps[i] = rng.NormFloat64()
			}
			hi, lw := make([]float64, n+nt-1), make([]float64, n+nt-1)
			for i := range hi {
				hi[i], lw[i] = rng.NormFloat64(), rng.NormFloat64()
			}
			init := make([]float64, n)
			for i := range init {
				init[i] = rng.NormFloat64()
			}
			for _, in := range [][]float64{nil, init} {
				want := make([]float64, n)
				for i := range want {
					acc := 0.0
					if in != nil {
						acc = in[i]
					}
					for j, tj := range taps {
						acc += tj * (hi[i+j] + lw[i-j+nt-1])
					}
					want[i] = acc
				}
				for _, avx := range []bool{false, useAVX2} {
					saved := useAVX2
					useAVX2 = avx
					got := make([]float64, n)
					symFIR(got, in, hi, lw, taps)
					useAVX2 = saved
					for i := range got {
						if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
							t.Fatalf("taps %d, n %d, init %v, avx %v: out[%d] = %v, want %v", nt, n, in != nil, avx, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
}

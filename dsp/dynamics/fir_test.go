package dynamics

import (
	"testing"

	"github.com/mixdown/mixdown/internal/synth"
)

// The assembly kernels and the portable loops give bit-identical results
// (exact products, same order of summation, exactly rounded operations),
// so the detector's output does not depend on which frames take which
// path, hence on the block size.
func TestKernelsAgree(t *testing.T) {
	r := synth.NewRand(5)
	for _, taps := range []int{4, 16, 32, 48} {
		for _, n := range []int{1, 3, 4, 7, 31, 32, 33, 64, 100, 512} {
			rc := make([]float64, taps)
			for k := range rc {
				rc[k] = float64(float32(r.Norm()))
			}
			w := make([]float64, n+taps-1)
			for k := range w {
				w[k] = float64(float32(r.Norm() * 1000))
			}
			a, b := make([]float64, n), make([]float64, n)
			firAbs(a, w, rc)
			firAbsGo(b, w, rc)
			for i := range a {
				if a[i] != b[i] {
					t.Fatalf("firAbs taps %d n %d: out[%d] %v vs %v", taps, n, i, a[i], b[i])
				}
			}
			lo, hi := w[:n], w[taps-1:]
			q1, q2 := make([]float64, n), make([]float64, n)
			for i := range q1 {
				q1[i] = r.Float() * 100
				q2[i] = q1[i]
			}
			peakMax(q1, a, lo, hi, 1.02)
			peakMaxGo(q2, a, lo, hi, 1.02)
			for i := range q1 {
				if q1[i] != q2[i] {
					t.Fatalf("peakMax n %d: q[%d] %v vs %v", n, i, q1[i], q2[i])
				}
			}
		}
	}
}

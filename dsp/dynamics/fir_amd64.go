package dynamics

import "golang.org/x/sys/cpu"

// useAVX2 selects the assembly kernels; tests switch it off to compare.
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// firAbsAVX2 computes out[i] = |Σ_{k<taps} r[k]·x[i+k]| for i in [0, n),
// n a multiple of 4, accumulating in the order of k with fused
// multiply-adds.
//
//go:noescape
func firAbsAVX2(out, x, r *float64, taps, n int)

// peakMaxAVX2 computes q[i] = max(q[i], min(a[i] + |lo[i] − hi[i]|/8,
// a[i]·clamp)) for i in [0, n), n a multiple of 4.
//
//go:noescape
func peakMaxAVX2(q, a, lo, hi *float64, n int, clamp float64)

// firAbs computes out[i] = |Σ_k r[k]·w[i+k]| for i < len(out); w holds
// len(out)+len(r)-1 values.
func firAbs(out, w, r []float64) {
	n4 := len(out) &^ 3
	if useAVX2 && n4 > 0 {
		_ = w[n4+len(r)-2] // the kernel reads w[:n4+len(r)-1]
		firAbsAVX2(&out[0], &w[0], &r[0], len(r), n4)
		firAbsGo(out[n4:], w[n4:], r)
		return
	}
	firAbsGo(out, w, r)
}

// peakMax computes q[i] = max(q[i], min(a[i] + |lo[i] − hi[i]|/8,
// a[i]·clamp)) for i < len(q); a, lo and hi are at least as long as q.
func peakMax(q, a, lo, hi []float64, clamp float64) {
	n4 := len(q) &^ 3
	if useAVX2 && n4 > 0 {
		_, _, _ = a[len(q)-1], lo[len(q)-1], hi[len(q)-1]
		peakMaxAVX2(&q[0], &a[0], &lo[0], &hi[0], n4, clamp)
		peakMaxGo(q[n4:], a[n4:], lo[n4:], hi[n4:], clamp)
		return
	}
	peakMaxGo(q, a, lo, hi, clamp)
}

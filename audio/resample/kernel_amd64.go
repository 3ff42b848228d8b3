//go:build !purego

package resample

import "golang.org/x/sys/cpu"

// useAVX selects the assembly kernels; tests switch it off to compare.
var useAVX = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// fusedFallback: amd64 without AVX2 may still have FMA3 (x/sys/cpu reports
// FMA only when the OS saves the YMM state).
var fusedFallback = cpu.X86.HasFMA

// dot1AVX is dot1Go with AVX2/FMA; n is a multiple of 4.
//
//go:noescape
func dot1AVX(c, x *float64, n int) float64

// dot2AVX is dot2Go with AVX2/FMA; n is a multiple of 4.
//
//go:noescape
func dot2AVX(c, x, y *float64, n int) (float64, float64)

// hermiteAVX is hermiteGo with AVX2/FMA; n is a multiple of 4.
//
//go:noescape
func hermiteAVX(dst, a *float64, n int, u float64)

// batch2AVX is batch2Go with AVX2/FMA; see the assembly for the contract.
//
//go:noescape
func batch2AVX(coef *float64, taps int, x0, x1 *float64, w int, out0, out1 *float64, stride, count, phase, q, step, stepFrac int)

// batch1AVX is batch1Go with AVX2/FMA.
//
//go:noescape
func batch1AVX(coef *float64, taps int, x *float64, w int, out *float64, stride, count, phase, q, step, stepFrac int)

// batch2 and batch1 run the batch kernels; the caller (batch) has checked
// every index they touch.
func batch2(coef []float64, taps int, x0, x1 []float64, w int, out0, out1 []float64, stride, count, phase, q, step, stepFrac int) {
	if useAVX {
		batch2AVX(&coef[0], taps, &x0[0], &x1[0], w, &out0[0], &out1[0], stride, count, phase, q, step, stepFrac)
		return
	}
	batch2Go(coef, taps, x0, x1, w, out0, out1, stride, count, phase, q, step, stepFrac)
}

func batch1(coef []float64, taps int, x []float64, w int, out []float64, stride, count, phase, q, step, stepFrac int) {
	if useAVX {
		batch1AVX(&coef[0], taps, &x[0], w, &out[0], stride, count, phase, q, step, stepFrac)
		return
	}
	batch1Go(coef, taps, x, w, out, stride, count, phase, q, step, stepFrac)
}

func dot1(c, x []float64) float64 {
	if useAVX {
		n := len(c)
		_ = x[n-1]
		return dot1AVX(&c[0], &x[0], n)
	}
	return dot1Go(c, x)
}

func dot2(c, x, y []float64) (float64, float64) {
	if useAVX {
		n := len(c)
		_, _ = x[n-1], y[n-1]
		return dot2AVX(&c[0], &x[0], &y[0], n)
	}
	return dot2Go(c, x, y)
}

func hermite(dst, a []float64, u float64) {
	if useAVX {
		n := len(dst)
		_ = a[4*n-1]
		hermiteAVX(&dst[0], &a[0], n, u)
		return
	}
	hermiteGo(dst, a, u)
}

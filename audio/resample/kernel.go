package resample

import "math"

// Dot-product kernels.
//
// All kernels fix their floating-point evaluation order by n alone: sixteen
// partial sums (four vectors of four lanes) take taps i with i mod 16 = lane
// in the main loop, a remainder of 4-tap groups goes to the first four lanes,
// and the partial sums are combined as ((a0+a1)+(a2+a3)) lane-wise, then
// (l0+l1)+(l2+l3). Each product is fused with its addition (one rounding).
// The AVX2/FMA assembly and the portable Go code below follow exactly this
// order, so they give bit-identical results (TestKernelsBitExact), and the
// output never depends on buffer alignment, block sizes or goroutines.
//
// On machines without hardware FMA the portable code rounds the product
// separately (math.FMA in software is far too slow); results then differ
// from the fused ones in the last bits only.

// fma is a·b + c, fused when fusedFallback is set.
func fma(a, b, c float64) float64 {
	if fusedFallback {
		return math.FMA(a, b, c)
	}
	return float64(a*b) + c
}

// dot1Go returns Σ c[i]·x[i] over len(c) taps (a multiple of 4).
func dot1Go(c, x []float64) float64 {
	n := len(c)
	x = x[:n]
	var a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15 float64
	i := 0
	for ; i+16 <= n; i += 16 {
		cc, xx := c[i:i+16:i+16], x[i:i+16:i+16]
		a0 = fma(cc[0], xx[0], a0)
		a1 = fma(cc[1], xx[1], a1)
		a2 = fma(cc[2], xx[2], a2)
		a3 = fma(cc[3], xx[3], a3)
		a4 = fma(cc[4], xx[4], a4)
		a5 = fma(cc[5], xx[5], a5)
		a6 = fma(cc[6], xx[6], a6)
		a7 = fma(cc[7], xx[7], a7)
		a8 = fma(cc[8], xx[8], a8)
		a9 = fma(cc[9], xx[9], a9)
		a10 = fma(cc[10], xx[10], a10)
		a11 = fma(cc[11], xx[11], a11)
		a12 = fma(cc[12], xx[12], a12)
		a13 = fma(cc[13], xx[13], a13)
		a14 = fma(cc[14], xx[14], a14)
		a15 = fma(cc[15], xx[15], a15)
	}
	for ; i+4 <= n; i += 4 {
		cc, xx := c[i:i+4:i+4], x[i:i+4:i+4]
		a0 = fma(cc[0], xx[0], a0)
		a1 = fma(cc[1], xx[1], a1)
		a2 = fma(cc[2], xx[2], a2)
		a3 = fma(cc[3], xx[3], a3)
	}
	return reduce16(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15)
}

// reduce16 combines the sixteen partial sums in the kernels' fixed order.
// Argument k is lane k%4 of vector k/4.
func reduce16(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15 float64) float64 {
	v0 := float64(a0+a4) + float64(a8+a12)
	v1 := float64(a1+a5) + float64(a9+a13)
	v2 := float64(a2+a6) + float64(a10+a14)
	v3 := float64(a3+a7) + float64(a11+a15)
	return float64(v0+v1) + float64(v2+v3)
}

// dot2Go is dot1Go for two signals sharing the coefficients.
func dot2Go(c, x, y []float64) (float64, float64) {
	return dot1Go(c, x), dot1Go(c, y)
}

// hermiteGo sets dst[i] = ((a3[i]·u + a2[i])·u + a1[i])·u + a0[i], where
// a holds the four rows a0 a1 a2 a3 of len(dst) each.
func hermiteGo(dst, a []float64, u float64) {
	n := len(dst)
	a0, a1, a2, a3 := a[:n], a[n:2*n], a[2*n:3*n], a[3*n:4*n]
	for i := range dst {
		dst[i] = fma(fma(fma(a3[i], u, a2[i]), u, a1[i]), u, a0[i])
	}
}

package mix

// Vector loops of the engine: the assembly versions (simd_amd64.s) do the
// arithmetic of the Go loops below element by element (every product and
// sum rounded as here), so results do not depend on which runs.

// addTo adds src to dst (float32 sums).
func addTo(dst, src []float32) {
	src = src[:len(dst)]
	i := addToAsm(dst, src)
	for ; i < len(dst); i++ {
		dst[i] += src[i]
	}
}

// scaleTo writes float32(g·src[i]) to dst[i].
func scaleTo(dst, src []float32, g float64) {
	src = src[:len(dst)]
	i := scaleToAsm(dst, src, g)
	for ; i < len(dst); i++ {
		dst[i] = float32(g * float64(src[i]))
	}
}

// mix2To writes float32(ga·a[i] + gb·b[i]) to dst[i].
func mix2To(dst, a, b []float32, ga, gb float64) {
	a, b = a[:len(dst)], b[:len(dst)]
	i := mix2ToAsm(dst, a, b, ga, gb)
	for ; i < len(dst); i++ {
		dst[i] = float32(float64(ga*float64(a[i])) + float64(gb*float64(b[i])))
	}
}

// addScaled adds float32(g·src[i]) to dst[i]: scaleTo, then addTo, in one
// pass.
func addScaled(dst, src []float32, g float64) {
	src = src[:len(dst)]
	i := addScaledAsm(dst, src, g)
	for ; i < len(dst); i++ {
		dst[i] += float32(g * float64(src[i]))
	}
}

// addMix2 adds float32(ga·a[i] + gb·b[i]) to dst[i]: mix2To, then addTo,
// in one pass.
func addMix2(dst, a, b []float32, ga, gb float64) {
	a, b = a[:len(dst)], b[:len(dst)]
	i := addMix2Asm(dst, a, b, ga, gb)
	for ; i < len(dst); i++ {
		dst[i] += float32(float64(ga*float64(a[i])) + float64(gb*float64(b[i])))
	}
}

// addZero adds +0 to dst[i] (which turns -0 into +0: what adding an
// edge's cleared block does).
func addZero(dst []float32) {
	i := addZeroAsm(dst)
	for ; i < len(dst); i++ {
		dst[i] += 0
	}
}

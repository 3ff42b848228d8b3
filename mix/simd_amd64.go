package mix

import "golang.org/x/sys/cpu"

// useAVX2 selects the assembly loops; tests switch it off to compare.
var useAVX2 = cpu.X86.HasAVX2

// The assembly loops handle the first n&^7 elements (8 at a time) and
// return how many they did.

//go:noescape
func addTo8AVX2(dst, src *float32, n int)

//go:noescape
func scaleTo8AVX2(dst, src *float32, n int, gain float64)

//go:noescape
func mix2To8AVX2(dst, a, b *float32, n int, ga, gb float64)

//go:noescape
func addScaled8AVX2(dst, src *float32, n int, gain float64)

//go:noescape
func addMix28AVX2(dst, a, b *float32, n int, ga, gb float64)

func addScaledAsm(dst, src []float32, g float64) int {
	n := len(dst) &^ 7
	if !useAVX2 || n == 0 {
		return 0
	}
	addScaled8AVX2(&dst[0], &src[0], n, g)
	return n
}

func addMix2Asm(dst, a, b []float32, ga, gb float64) int {
	n := len(dst) &^ 7
	if !useAVX2 || n == 0 {
		return 0
	}
	addMix28AVX2(&dst[0], &a[0], &b[0], n, ga, gb)
	return n
}

//go:noescape
func addZero8AVX2(dst *float32, n int)

func addZeroAsm(dst []float32) int {
	n := len(dst) &^ 7
	if !useAVX2 || n == 0 {
		return 0
	}
	addZero8AVX2(&dst[0], n)
	return n
}

func addToAsm(dst, src []float32) int {
	n := len(dst) &^ 7
	if !useAVX2 || n == 0 {
		return 0
	}
	addTo8AVX2(&dst[0], &src[0], n)
	return n
}

func scaleToAsm(dst, src []float32, g float64) int {
	n := len(dst) &^ 7
	if !useAVX2 || n == 0 {
		return 0
	}
	scaleTo8AVX2(&dst[0], &src[0], n, g)
	return n
}

func mix2ToAsm(dst, a, b []float32, ga, gb float64) int {
	n := len(dst) &^ 7
	if !useAVX2 || n == 0 {
		return 0
	}
	mix2To8AVX2(&dst[0], &a[0], &b[0], n, ga, gb)
	return n
}

package truepeak

import "golang.org/x/sys/cpu"

// useAVX2 selects the assembly kernel; tests switch it off to compare.
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func maxAbsCorr16AVX2(x *float32, r *float32, taps int, groups int) float32

// maxAbsCorr returns max over i in [0, n) of |Σ_j r[j]·x[i+j]|; x must hold
// n+len(r)-1 values.
func maxAbsCorr(x, r []float32, n int) float32 {
	m := float32(0)
	i := 0
	if useAVX2 && n >= 16 {
		g := n / 16
		_ = x[16*g+len(r)-2] // bounds check for the assembly's reads
		m = maxAbsCorr16AVX2(&x[0], &r[0], len(r), g)
		i = 16 * g
	}
	return max(m, maxAbsCorrGo(x[i:], r, n-i))
}

//go:noescape
func maxAbs8AVX2(x *float32, n int) float32

// maxAbs returns the largest |v| over x, NaN ignored.
func maxAbs(x []float32) float32 {
	m := float32(0)
	if n := len(x) &^ 7; useAVX2 && n > 0 {
		m = maxAbs8AVX2(&x[0], n)
		x = x[n:]
	}
	return max(m, maxAbsGo(x))
}

//go:build !amd64

package truepeak

// useAVX2 is false: there are no assembly kernels here.
var useAVX2 = false

func maxAbsCorr(x, r []float32, n int) float32 { return maxAbsCorrGo(x, r, n) }

// maxAbs returns the largest |v| over x, NaN ignored.
func maxAbs(x []float32) float32 { return maxAbsGo(x) }

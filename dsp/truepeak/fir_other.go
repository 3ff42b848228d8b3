//go:build !amd64

package truepeak

func maxAbsCorr(x, r []float32, n int) float32 { return maxAbsCorrGo(x, r, n) }

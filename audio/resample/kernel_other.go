//go:build !amd64 || purego

package resample

import "runtime"

// fusedFallback is set where math.FMA is always a single instruction. On
// amd64 with the purego tag there is no CPU detection, so products are
// rounded separately, as on an x86 without FMA.
var fusedFallback = runtime.GOARCH == "arm64" || runtime.GOARCH == "ppc64" ||
	runtime.GOARCH == "ppc64le" || runtime.GOARCH == "s390x" ||
	runtime.GOARCH == "riscv64" || runtime.GOARCH == "loong64"

func dot1(c, x []float64) float64               { return dot1Go(c, x) }
func dot2(c, x, y []float64) (float64, float64) { return dot2Go(c, x, y) }
func hermite(dst, a []float64, u float64)       { hermiteGo(dst, a, u) }

func batch2(coef []float64, taps int, x0, x1 []float64, w int, out0, out1 []float64, stride, count, phase, q, step, stepFrac int) {
	batch2Go(coef, taps, x0, x1, w, out0, out1, stride, count, phase, q, step, stepFrac)
}

func batch1(coef []float64, taps int, x []float64, w int, out []float64, stride, count, phase, q, step, stepFrac int) {
	batch1Go(coef, taps, x, w, out, stride, count, phase, q, step, stepFrac)
}

//go:build !amd64

package dsp

// useAVX2 is false: there are no assembly kernels here.
var useAVX2 = false

// cascadePass runs sections (1 to maxPass) sections over the interleaved
// block x (a multiple of four values), in place.
func cascadePass(x, cs, st []float64, sections int) { cascadeGo(x, cs, st, sections) }

// gatherLanes writes src[l][i] to x[4i+l] for the four lanes (each at
// least len(x)/4 long).
func gatherLanes(x []float64, src *[4][]float32) {
	for l := range cascadeLanes {
		gatherLane(x, l, src[l][:len(x)/cascadeLanes])
	}
}

// scatterLanes writes x[4i+l], rounded to float32, to dst[l][i].
func scatterLanes(dst *[4][]float32, x []float64) {
	for l := range cascadeLanes {
		scatterLane(dst[l][:len(x)/cascadeLanes], x, l)
	}
}

// flushState sets the values of st below 1e-30 in magnitude to 0.
func flushState(st []float64) {
	for i, v := range st {
		st[i] = FlushDenormal(v)
	}
}

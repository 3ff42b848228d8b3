//go:build !amd64

package loudness

// useAVX2 is false: there are no assembly kernels here.
var useAVX2 = false

// kFilter4 runs kFilterGo.
func kFilter4(k *kLanes, x *[4][]float32, n int) { kFilterGo(k, x, n) }

// kChunk is the number of frames kFilter8 gathers at a time.
const kChunk = 256

// kFilter8 runs kFilterGo on two groups of lanes.
func kFilter8(a, b *kLanes, xa, xb *[4][]float32, n int, scratch []float64) {
	kFilterGo(a, xa, n)
	kFilterGo(b, xb, n)
}

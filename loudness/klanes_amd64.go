package loudness

import "golang.org/x/sys/cpu"

// useAVX2 selects the assembly kernel, and useAVX512 the one that filters
// two groups of lanes at once in AVX-512VL's thirty-two registers; tests
// switch them off to compare with the Go reference.
var (
	useAVX2   = cpu.X86.HasAVX2
	useAVX512 = useAVX2 && cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL
)

// kFilter4AVX2 is kFilterGo over n frames of x0 to x3.
//
//go:noescape
func kFilter4AVX2(k *kLanes, x0, x1, x2, x3 *float32, n int)

// zeros is the input of idle lanes.
var zeros [maxChunk]float32

// kFilter4 runs kFilterGo or the assembly kernel.
func kFilter4(k *kLanes, x *[4][]float32, n int) {
	if !useAVX2 || n == 0 {
		kFilterGo(k, x, n)
		return
	}
	var p [4]*float32
	for l, xl := range x {
		if xl == nil {
			_ = zeros[n-1]
			p[l] = &zeros[0]
		} else {
			_ = xl[n-1]
			p[l] = &xl[0]
		}
	}
	kFilter4AVX2(k, p[0], p[1], p[2], p[3], n)
}

// kFilter8AVX512 is kFilterGo for two groups of lanes, over n frames of
// the interleaved float64 blocks xa and xb (the unscaled inputs, as
// kGather4AVX2 writes them), without the peaks.
//
//go:noescape
func kFilter8AVX512(a, b *kLanes, xa, xb *float64, n int)

// kGather4AVX2 writes p[l][i] to x[4i+l] for i < n and folds |p[l][i]|
// into peak[l] (NaN ignored).
//
//go:noescape
func kGather4AVX2(x *float64, p *[4]*float32, n int, peak *[4]float32)

// kChunk is the number of frames kFilter8 gathers at a time.
const kChunk = 256

// kFilter8 runs kFilterGo on two groups of lanes; scratch holds
// 8·kChunk values.
func kFilter8(a, b *kLanes, xa, xb *[4][]float32, n int, scratch []float64) {
	if !useAVX512 || n == 0 {
		kFilter4(a, xa, n)
		kFilter4(b, xb, n)
		return
	}
	sa, sb := scratch[:4*kChunk], scratch[4*kChunk:8*kChunk]
	var pa, pb [4]*float32
	for off := 0; off < n; off += kChunk {
		m := min(kChunk, n-off)
		for l := range 4 {
			pa[l], pb[l] = &zeros[0], &zeros[0]
			if x := xa[l]; x != nil {
				_ = x[off+m-1]
				pa[l] = &x[off]
			}
			if x := xb[l]; x != nil {
				_ = x[off+m-1]
				pb[l] = &x[off]
			}
		}
		kGather4AVX2(&sa[0], &pa, m, &a.peak)
		kGather4AVX2(&sb[0], &pb, m, &b.peak)
		kFilter8AVX512(a, b, &sa[0], &sb[0], m)
	}
}

package dsp

import "golang.org/x/sys/cpu"

// useAVX2 selects the assembly kernels (AVX2 with fused multiply-adds);
// tests switch it off to compare with the Go code.
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// The kernels run n sections (the function's number) over frames frames
// of the interleaved four-lane block at x, in place; cs and st are the
// group's coefficients and state (see cascadeGroup).
//
//go:noescape
func cascade1AVX2(x *float64, frames int, cs, st *float64)

//go:noescape
func cascade2AVX2(x *float64, frames int, cs, st *float64)

//go:noescape
func cascade3AVX2(x *float64, frames int, cs, st *float64)

//go:noescape
func cascade4AVX2(x *float64, frames int, cs, st *float64)

//go:noescape
func cascade5AVX2(x *float64, frames int, cs, st *float64)

//go:noescape
func cascade6AVX2(x *float64, frames int, cs, st *float64)

// gather4AVX2 and scatter4AVX2 are gatherLanes and scatterLanes for
// frames frames.
//
//go:noescape
func gather4AVX2(x *float64, p *[4]*float32, frames int)

//go:noescape
func scatter4AVX2(x *float64, p *[4]*float32, frames int)

// gatherLanes writes src[l][i] to x[4i+l] for the four lanes (each at
// least len(x)/4 long).
func gatherLanes(x []float64, src *[4][]float32) {
	frames := len(x) / cascadeLanes
	if !useAVX2 || frames == 0 {
		for l := range cascadeLanes {
			gatherLane(x, l, src[l][:frames])
		}
		return
	}
	var p [4]*float32
	for l, s := range src {
		_ = s[frames-1]
		p[l] = &s[0]
	}
	gather4AVX2(&x[0], &p, frames)
}

// scatterLanes writes x[4i+l], rounded to float32, to dst[l][i].
func scatterLanes(dst *[4][]float32, x []float64) {
	frames := len(x) / cascadeLanes
	if !useAVX2 || frames == 0 {
		for l := range cascadeLanes {
			scatterLane(dst[l][:frames], x, l)
		}
		return
	}
	var p [4]*float32
	for l, d := range dst {
		_ = d[frames-1]
		p[l] = &d[0]
	}
	scatter4AVX2(&x[0], &p, frames)
}

// flush4AVX2 is flushState for 4·quads values.
//
//go:noescape
func flush4AVX2(p *float64, quads int)

// flushState sets the values of st (a multiple of four) below 1e-30 in
// magnitude to 0.
func flushState(st []float64) {
	if !useAVX2 || len(st) < 4 {
		for i, v := range st {
			st[i] = FlushDenormal(v)
		}
		return
	}
	flush4AVX2(&st[0], len(st)/4)
}

// cascadePass runs sections (1 to maxPass) sections over the interleaved
// block x (a multiple of four values), in place.
func cascadePass(x, cs, st []float64, sections int) {
	frames := len(x) / cascadeLanes
	if !useAVX2 || frames == 0 {
		cascadeGo(x, cs, st, sections)
		return
	}
	_, _ = cs[20*sections-1], st[8*sections-1]
	switch sections {
	case 1:
		cascade1AVX2(&x[0], frames, &cs[0], &st[0])
	case 2:
		cascade2AVX2(&x[0], frames, &cs[0], &st[0])
	case 3:
		cascade3AVX2(&x[0], frames, &cs[0], &st[0])
	case 4:
		cascade4AVX2(&x[0], frames, &cs[0], &st[0])
	case 5:
		cascade5AVX2(&x[0], frames, &cs[0], &st[0])
	case 6:
		cascade6AVX2(&x[0], frames, &cs[0], &st[0])
	default:
		panic("dsp: internal error: cascade pass of more than six sections")
	}
}

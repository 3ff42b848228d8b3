package loudness

import "math"

// kLanes is the K-weighting filter of four channels run side by side
// (lanes), with each lane's sum of squares and sample peak, lane by lane,
// so a channel measures the same whichever channels share its group.
// kFilterGo is the reference; the assembly kernel does the same operations
// in the same order (TestKLanesKernel). The assembly reads it at the
// offsets in klanes_amd64.s (TestKLanesLayout).
//
// Each stage is a transposed direct form II section whose first state
// variable is updated as (b1·x + s2) - a1·y, so that the recurrence
// through it is an addition, a multiplication and a subtraction long
// rather than four operations; the high-pass's numerator is exactly
// (1, -2, 1), so its products by the numerator are the input itself and
// -(y + y).
type kLanes struct {
	sb0, sb1, sb2, sa1, sa2 [4]float64 // shelf coefficients (the same in every lane)
	hb0, hb1, hb2, ha1, ha2 [4]float64 // high-pass coefficients
	s1, s2, h1, h2          [4]float64 // state
	sum                     [4]float64 // sum of squares of the output
	peak                    [4]float32 // largest |input| (NaN ignored), before the gain
	gain                    [4]float64 // input gain (1 for a plain Write)
}

func (k *kLanes) setCoefs(shelf, hp biquad) {
	if hp.b0 != 1 || hp.b1 != -2 || hp.b2 != 1 {
		panic("loudness: internal error: K-weighting high-pass numerator is not (1, -2, 1)")
	}
	for l := range 4 {
		k.sb0[l], k.sb1[l], k.sb2[l], k.sa1[l], k.sa2[l] = shelf.b0, shelf.b1, shelf.b2, shelf.a1, shelf.a2
		k.hb0[l], k.hb1[l], k.hb2[l], k.ha1[l], k.ha2[l] = hp.b0, hp.b1, hp.b2, hp.a1, hp.a2
	}
}

// kFilterGo runs lanes l < len(x) over x[l] (all the same length; nil for
// an idle lane, which reads zeros) times the lane's gain, adding the
// squares of the output to sum and the largest |input| (before the gain)
// to peak.
func kFilterGo(k *kLanes, x *[4][]float32, n int) {
	for l := range 4 {
		sb0, sb1, sb2, sa1, sa2 := k.sb0[l], k.sb1[l], k.sb2[l], k.sa1[l], k.sa2[l]
		ha1, ha2 := k.ha1[l], k.ha2[l]
		s1, s2, h1, h2, sum, peak := k.s1[l], k.s2[l], k.h1[l], k.h2[l], k.sum[l], k.peak[l]
		xl := x[l]
		for i := range n {
			var v float32
			if xl != nil {
				v = xl[i]
			}
			in := float64(float64(v) * k.gain[l])
			y := float64(sb0*in) + s1
			s1 = float64(float64(sb1*in)+s2) - float64(sa1*y)
			s2 = float64(sb2*in) - float64(sa2*y)
			z := y + h1
			h1 = float64(h2-float64(y+y)) - float64(ha1*z)
			h2 = y - float64(ha2*z)
			sum += float64(z * z)
			if a := float32(math.Abs(float64(v))); a > peak {
				peak = a
			}
		}
		k.s1[l], k.s2[l], k.h1[l], k.h2[l], k.sum[l], k.peak[l] = s1, s2, h1, h2, sum, peak
	}
}

// run filters n frames of the lanes' inputs (see kFilterGo) and then, as
// kFilter does at the end of every call, resets a lane whose sum or state
// is no longer finite (its energy for the call is dropped) and flushes
// state below 1e-30 to zero.
func (k *kLanes) run(x *[4][]float32, n int) {
	start := k.sum
	kFilter4(k, x, n)
	k.finish(&start)
}

// run2 is run for two groups of lanes (the same number of frames), which
// the assembly filters together; scratch holds 8·kChunk values.
func run2(a, b *kLanes, xa, xb *[4][]float32, n int, scratch []float64) {
	startA, startB := a.sum, b.sum
	kFilter8(a, b, xa, xb, n, scratch)
	a.finish(&startA)
	b.finish(&startB)
}

// finish resets a lane whose sum or state is no longer finite (its energy
// for the call, from start, is dropped) and flushes state below 1e-30.
func (k *kLanes) finish(start *[4]float64) {
	const tiny = 1e-30
	for l := range 4 {
		if s := k.sum[l]; s-s != 0 || k.s1[l]-k.s1[l] != 0 || k.h1[l]-k.h1[l] != 0 {
			k.s1[l], k.s2[l], k.h1[l], k.h2[l] = 0, 0, 0, 0
			k.sum[l] = start[l]
			continue
		}
		if math.Abs(k.s1[l]) < tiny {
			k.s1[l] = 0
		}
		if math.Abs(k.s2[l]) < tiny {
			k.s2[l] = 0
		}
		if math.Abs(k.h1[l]) < tiny {
			k.h1[l] = 0
		}
		if math.Abs(k.h2[l]) < tiny {
			k.h2[l] = 0
		}
	}
}

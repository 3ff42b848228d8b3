package resample

import (
	"math"

	"github.com/mixdown/mixdown/audio"
)

// A conversion is a chain of stages, each a linear-phase filter evaluated on
// the zero-extended signal (the input is silence before frame 0 and after
// its end) and centred on its output times, so the chain as a whole has no
// delay:
//
//   - stagePoly: any ratio, output k at input time k·p/q (polyphase table);
//   - stageDec2: halves the rate with a half-band filter;
//   - stageInt2: doubles the rate with a half-band filter.
//
// Resampler.plan chooses the chain. A half-band stage costs about a quarter
// of a polyphase stage doing the same octave: every other coefficient is
// zero, and a decimator keeps its history split into even and odd frames so
// that the non-zero taps meet contiguous data.
//
// Indices may be negative: a stage that feeds another must produce the
// outputs the next one reads before its own output 0 (its filter's tail over
// the zero-extended input), so every stage starts at the first output its
// consumer needs. Only the first stage is fed the silence before frame 0.
type stageKind uint8

const (
	stagePoly stageKind = iota
	stageDec2
	stageInt2
)

type stage struct {
	kind stageKind

	// Input history, float64 per channel. For stagePoly and stageInt2,
	// x[c][i] is input frame base+i. For stageDec2, x holds the odd frames
	// (x[c][i] is input frame 2(base+i)+1) and ev the even ones
	// (ev[c][i] is input frame 2(base+i)).
	x, ev [][]float64
	base  int64
	next  int64 // index of the next input frame to append
	out   int64 // index of the next output frame

	// stagePoly
	tab                  *table
	p, q, step, stepFrac int
	n0                   int64 // input time of the next output: n0 + phase/q
	phase                int
	scratch              [][]float64 // per part: interpolated coefficients

	// half-band stages: taps coefficients, r non-zero odd taps per side,
	// pad leading zeros (see newHalfband).
	hb        []float64
	r, pad    int
	lookInput int // input frames beyond an output's time that it reads
}

// floorDiv is ⌊a/b⌋ for b > 0.
func floorDiv(a, b int64) int64 {
	d := a / b
	if a%b != 0 && a < 0 {
		d--
	}
	return d
}

func newPolyStage(inRate, outRate, channels, block int) *stage {
	g := gcd(inRate, outRate)
	st := &stage{kind: stagePoly, p: inRate / g, q: outRate / g}
	st.step, st.stepFrac = st.p/st.q, st.p%st.q
	st.tab = getTable(st.p, st.q)
	st.lookInput = st.tab.side
	st.x = newHistory(channels, st.tab.taps+max(block, 4*(st.step+1)))
	if !st.tab.exact {
		st.scratch = newHistory(maxParts, st.tab.taps)
	}
	return st
}

// newHalfStage returns a half-band decimator (dec true) or interpolator
// whose high rate is highRate, with passband edge passHz and stopband from
// highRate/2 − passHz.
func newHalfStage(dec bool, highRate int, passHz float64, channels, block int) *stage {
	coef, r, pad := newHalfband(passHz / float64(highRate))
	st := &stage{kind: stageInt2, hb: coef, r: r, pad: pad}
	if dec {
		st.kind = stageDec2
		st.lookInput = 2*r - 1
		st.ev = newHistory(channels, len(coef)+block)
		st.x = newHistory(channels, len(coef)+block)
		return st
	}
	for i := range st.hb {
		st.hb[i] *= 2 // interpolation gain
	}
	st.lookInput = r
	st.x = newHistory(channels, len(coef)+block)
	return st
}

func newHistory(channels, frames int) [][]float64 {
	h := make([][]float64, channels)
	backing := make([]float64, channels*frames)
	for c := range h {
		h[c] = backing[c*frames : (c+1)*frames : (c+1)*frames]
	}
	return h
}

// needStart returns the first input frame that output o reads.
func (st *stage) needStart(o int64) int64 {
	switch st.kind {
	case stagePoly:
		return floorDiv(o*int64(st.p), int64(st.q)) - int64(st.tab.side-1+st.tab.pad)
	case stageDec2:
		return 2 * (o - int64(st.r+st.pad))
	default:
		return floorDiv(o, 2) - int64(st.r-1+st.pad)
	}
}

// reset prepares the stage to produce outputs from index first on, with an
// empty history starting at the first input frame that output reads.
func (st *stage) reset(first int64) {
	st.out = first
	start := st.needStart(first)
	st.next = start
	if st.kind == stageDec2 {
		st.base = start / 2 // start is even
	} else {
		st.base = start
	}
	if st.kind == stagePoly {
		pos := first * int64(st.p)
		st.n0 = floorDiv(pos, int64(st.q))
		st.phase = int(pos - st.n0*int64(st.q))
	}
}

// stored returns the number of input frames held from the start of the
// history.
func (st *stage) stored() int {
	if st.kind == stageDec2 {
		return int(st.next - 2*st.base)
	}
	return int(st.next - st.base)
}

// capacity returns the number of input frames the history can hold.
func (st *stage) capacity() int {
	if st.kind == stageDec2 {
		return 2 * len(st.x[0])
	}
	return len(st.x[0])
}

// room drops history no future output reads and returns how many input
// frames can be appended.
func (st *stage) room() int {
	if st.capacity()-st.stored() < st.capacity()/2 {
		need := st.needStart(st.out)
		if st.kind == stageDec2 {
			need /= 2 // even
		}
		if d := int(need - st.base); d > 0 {
			keep := func(h [][]float64, n int) {
				for c := range h {
					copy(h[c], h[c][d:n])
				}
			}
			if st.kind == stageDec2 {
				n := st.stored()
				keep(st.ev, (n+1)/2)
				keep(st.x, n/2)
			} else {
				keep(st.x, st.stored())
			}
			st.base += int64(d)
		}
	}
	return st.capacity() - st.stored()
}

// push appends n input frames: src32 (from frame off) if it is non-nil,
// else src64 (from frame off) if non-nil, else zeros. n <= room().
func (st *stage) push(src32 audio.Buffer, src64 [][]float64, off, n int) {
	if st.kind != stageDec2 {
		at := st.stored()
		for c := range st.x {
			h := st.x[c][at : at+n]
			switch {
			case src32 != nil:
				for i, v := range src32[c][off : off+n] {
					h[i] = float64(v)
				}
			case src64 != nil:
				copy(h, src64[c][off:off+n])
			default:
				clear(h)
			}
		}
		st.next += int64(n)
		return
	}
	// Even input frames go to ev, odd ones to x.
	for c := range st.x {
		idx := int(st.next - 2*st.base)
		ev, od := st.ev[c], st.x[c]
		switch {
		case src32 != nil:
			splitEvenOdd32(ev, od, idx, src32[c][off:off+n])
		case src64 != nil:
			splitEvenOdd64(ev, od, idx, src64[c][off:off+n])
		default:
			e0, o0 := (idx+1)/2, idx/2 // first even and odd slots written
			clear(ev[e0 : (idx+n+1)/2])
			clear(od[o0 : (idx+n)/2])
		}
	}
	st.next += int64(n)
}

// splitEvenOdd32 stores s as history frames idx, idx+1, … of a decimator:
// even frames to ev[frame/2], odd ones to od[frame/2].
func splitEvenOdd32(ev, od []float64, idx int, s []float32) {
	if len(s) == 0 {
		return
	}
	if idx&1 != 0 {
		od[idx>>1] = float64(s[0])
		s = s[1:]
		idx++
	}
	e := idx >> 1
	np := len(s) / 2
	ev, od = ev[e:e+np+len(s)&1], od[e:e+np]
	for i := range np {
		ev[i] = float64(s[2*i])
		od[i] = float64(s[2*i+1])
	}
	if len(s)&1 != 0 {
		ev[np] = float64(s[len(s)-1])
	}
}

// splitEvenOdd64 is splitEvenOdd32 for float64 frames.
func splitEvenOdd64(ev, od []float64, idx int, s []float64) {
	if len(s) == 0 {
		return
	}
	if idx&1 != 0 {
		od[idx>>1] = s[0]
		s = s[1:]
		idx++
	}
	e := idx >> 1
	np := len(s) / 2
	ev, od = ev[e:e+np+len(s)&1], od[e:e+np]
	for i := range np {
		ev[i] = s[2*i]
		od[i] = s[2*i+1]
	}
	if len(s)&1 != 0 {
		ev[np] = s[len(s)-1]
	}
}

// avail returns how many outputs the history allows now.
func (st *stage) avail() int64 {
	var n int64
	switch st.kind {
	case stagePoly:
		// Output k is available while n0(k) + side <= last stored frame.
		lim := st.next - 1 - int64(st.tab.side)
		if st.n0 > lim {
			return 0
		}
		span := (lim+1-st.n0)*int64(st.q) - int64(st.phase)
		n = (span + int64(st.p) - 1) / int64(st.p)
	case stageDec2:
		// Output j reads input frames up to 2j + 2r − 1.
		n = floorDiv(st.next-int64(2*st.r), 2) + 1 - st.out
	default:
		// Output m reads input frames up to ⌊m/2⌋ + r.
		n = 2*(st.next-1-int64(st.r)) + 2 - st.out
	}
	return max(n, 0)
}

// advance moves past count outputs.
func (st *stage) advance(count int) {
	st.out += int64(count)
	if st.kind == stagePoly {
		adv := int64(st.phase) + int64(count)*int64(st.p)
		st.n0 += adv / int64(st.q)
		st.phase = int(adv % int64(st.q))
	}
}

// compute evaluates outputs out+from … out+from+count−1 into
// dst[c][from … from+count−1]; scr selects the scratch row of a part.
func (st *stage) compute(dst [][]float64, from, count, scr int) {
	if count <= 0 {
		return
	}
	switch st.kind {
	case stagePoly:
		st.computePoly(dst, from, count, scr)
	case stageDec2:
		j0 := st.out + int64(from)
		w := int(j0 - int64(st.r+st.pad) - st.base)
		batch(st.hb, len(st.hb), st.x, w, dst, from, 1, count, 0, 1, 1, 0)
		e := int(j0 - st.base)
		for c := range dst {
			d := dst[c][from : from+count]
			ev := st.ev[c][e : e+count]
			for i := range d {
				d[i] += 0.5 * ev[i]
			}
		}
	default:
		m0 := st.out + int64(from)
		// Even outputs are input frames; odd ones are filtered.
		i := 0
		if m0&1 != 0 {
			i = 1 // the first output is odd
		}
		for k := i; k < count; k += 2 {
			s := int((m0+int64(k))/2 - st.base) // m even: exact division
			for c := range dst {
				dst[c][from+k] = st.x[c][s]
			}
		}
		first := 1 - i // offset of the first odd output
		if n := (count - first + 1) / 2; n > 0 {
			j := floorDiv(m0+int64(first), 2)
			w := int(j - int64(st.r-1+st.pad) - st.base)
			batch(st.hb, len(st.hb), st.x, w, dst, from+first, 2, n, 0, 1, 1, 0)
		}
	}
}

func (st *stage) computePoly(dst [][]float64, from, count, scr int) {
	t := st.tab
	taps := t.taps
	adv := int64(st.phase) + int64(from)*int64(st.p)
	n0 := st.n0 + adv/int64(st.q)
	phase := int(adv % int64(st.q))
	w := int(n0 - int64(t.side-1+t.pad) - st.base)
	if t.exact {
		batch(t.coef, taps, st.x, w, dst, from, 1, count, phase, st.q, st.step, st.stepFrac)
		return
	}
	coef := st.scratch[scr]
	nc := len(dst)
	for k := from; k < from+count; k++ {
		// φ = phase/q lies in segment e at position u ∈ [0, 1).
		pos := int64(phase) * int64(t.segs)
		e := int(pos / int64(st.q))
		u := float64(pos%int64(st.q)) / float64(st.q)
		hermite(coef, t.coef[e*4*taps:(e+1)*4*taps], u)
		c := 0
		for ; c+1 < nc; c += 2 {
			dst[c][k], dst[c+1][k] = dot2(coef, st.x[c][w:w+taps], st.x[c+1][w:w+taps])
		}
		if c < nc {
			dst[c][k] = dot1(coef, st.x[c][w:w+taps])
		}
		phase += st.stepFrac
		w += st.step
		if phase >= st.q {
			phase -= st.q
			w++
		}
	}
}

// batch computes count outputs for every channel: output i is written to
// dst[c][off + i·stride] and is Σ coef[ph·taps + t]·x[c][w + t] over the
// taps, where ph and w start at phase and w and advance per output by
// stepFrac/q and step frames as in a polyphase stage (q = 1, step = 1 for a
// single coefficient row sliding one frame per output).
func batch(coef []float64, taps int, x [][]float64, w int, dst [][]float64, off, stride, count, phase, q, step, stepFrac int) {
	// Bounds of the last output, checked once for the kernels.
	last := w + (count-1)*step + ((count-1)*stepFrac+phase)/q + taps
	lastOut := off + (count-1)*stride
	nc := len(x)
	for c := range nc {
		_ = x[c][w:last]
		_ = dst[c][lastOut]
	}
	_ = coef[(q-1)*taps+taps-1]
	c := 0
	for ; c+1 < nc; c += 2 {
		batch2(coef, taps, x[c], x[c+1], w, dst[c][off:], dst[c+1][off:], stride, count, phase, q, step, stepFrac)
	}
	if c < nc {
		batch1(coef, taps, x[c], w, dst[c][off:], stride, count, phase, q, step, stepFrac)
	}
}

// batch2Go is the portable batch kernel for two channels.
func batch2Go(coef []float64, taps int, x0, x1 []float64, w int, out0, out1 []float64, stride, count, phase, q, step, stepFrac int) {
	for k := range count {
		row := coef[phase*taps : (phase+1)*taps]
		out0[k*stride], out1[k*stride] = dot2Go(row, x0[w:w+taps], x1[w:w+taps])
		phase += stepFrac
		w += step
		if phase >= q {
			phase -= q
			w++
		}
	}
}

// batch1Go is the portable batch kernel for one channel.
func batch1Go(coef []float64, taps int, x []float64, w int, out []float64, stride, count, phase, q, step, stepFrac int) {
	for k := range count {
		out[k*stride] = dot1Go(coef[phase*taps:(phase+1)*taps], x[w:w+taps])
		phase += stepFrac
		w += step
		if phase >= q {
			phase -= q
			w++
		}
	}
}

// newHalfband designs a half-band low-pass for a high rate at which the
// passband edge is passRel (< 0.25) and the stopband starts at 0.5 −
// passRel: the Kaiser-windowed sinc with its −6 dB point at a quarter of the
// high rate, whose even taps (other than the centre, ½) are zero. It returns
// the odd taps at offsets 1−2(r+pad−i), i = 0…taps−1 (pad leading zeros
// round taps = 2r+pad up to a multiple of 4), and r.
func newHalfband(passRel float64) (coef []float64, r, pad int) {
	h := kaiserHalfWidth(stopAtten, 0.5-2*passRel) // in high-rate frames
	k := kernel{s: 0.5, half: h / 2, beta: designBeta, i0b: designI0}
	r = int(math.Floor((h + 1) / 2))
	taps := halfTaps(passRel)
	pad = taps - 2*r
	coef = make([]float64, taps)
	for i := pad; i < taps; i++ {
		coef[i] = k.at(float64(2*(i-pad-r) + 1))
	}
	return coef, r, pad
}

// halfTaps is the length of newHalfband(passRel).
func halfTaps(passRel float64) int {
	h := kaiserHalfWidth(stopAtten, 0.5-2*passRel)
	r := int(math.Floor((h + 1) / 2))
	return (2*r + 3) &^ 3
}

package dsp

import (
	"fmt"

	"github.com/mixdown/mixdown/audio"
)

// CascadeBatch runs the second-order sections of several static filters
// (Filter, EQ, CurveEQ, DCBlock, HumNotch, Sections), each over its own buffer, four
// channels at a time: every channel of every buffer is a lane, the lanes
// are grouped by four, and each group runs through all its sections in one
// pass with the state in vector registers. The filters of one buffer form
// one cascade (a high-pass followed by an EQ is a single run of sections,
// without rounding to float32 between them): transposed direct form II with
// float64 state, as sosBank, the signal staying float64 from the first
// section to the last, where magnitudes below 1e-30 are written as 0.
// Cascades of more than six sections run in passes of up to six through a
// float64 scratch block (with that flush after each pass). On amd64 with
// AVX2 and FMA the kernels fuse multiply-adds (y = b0·x + s1 and the state
// updates each round once per fused operation); elsewhere every product
// and sum is rounded. Either is deterministic.
//
// Each lane's result depends only on its own input, whatever shares its
// group, and, as with sosBank, the state is flushed to zero below 1e-30
// every tickFrames frames from the start, so the output does not depend on
// how the stream is cut into buffers.
//
// A batch takes over the filters' state when it is made; the filters must
// not be used afterwards.
type CascadeBatch struct {
	chans  []int // channels per buffer
	groups []cascadeGroup
	phase  int
	x      []float64 // tickFrames frames × 4 lanes, interleaved
	zero   []float32 // tickFrames zeros: the input of idle lanes
	junk   []float32 // tickFrames: the output of idle lanes
}

// cascadeLanes is the width of the groups.
const cascadeLanes = 4

// maxPass is the largest number of sections a kernel call runs.
const maxPass = 6

type cascadeGroup struct {
	sections int
	cs       []float64 // per section: b0, b1, b2, a1, a2, each for 4 lanes
	st       []float64 // per section: s1, s2, each for 4 lanes
	buf, ch  [cascadeLanes]int
	used     int // lanes in use (the first used)
}

// staticBank returns the sections of a processor made of them, if it is
// prepared and its coefficients are not moving.
func staticBank(p Processor) (*sosBank, bool) {
	var b *sosBank
	switch q := p.(type) {
	case *Filter:
		if q.moving {
			return nil, false
		}
		b = q.bank
	case *EQ:
		b = q.bank
	case *CurveEQ:
		b = q.bank
	case *DCBlock:
		b = q.bank
	case *HumNotch:
		b = q.bank
	case *Sections:
		b = q.bank
	default:
		return nil, false
	}
	if b == nil || b.steps > 0 {
		return nil, false
	}
	return b, true
}

// StaticSections returns a copy of the second-order sections of a
// processor that IsStaticCascade accepts, in order, for engines that
// arrange them otherwise (ok is false for any other processor).
func StaticSections(p Processor) (cs []Coefs, ok bool) {
	b, ok := staticBank(p)
	if !ok {
		return nil, false
	}
	return append([]Coefs(nil), b.coefs...), true
}

// IsStaticCascade reports whether p can join a CascadeBatch: a prepared
// Filter, EQ, CurveEQ, DCBlock, HumNotch or Sections whose coefficients
// are not gliding.
func IsStaticCascade(p Processor) bool {
	_, ok := staticBank(p)
	return ok
}

// NewCascadeBatch returns a batch that runs, for each i, the processors of
// chains[i] in order over a buffer of channels[i] channels. Every
// processor must satisfy IsStaticCascade, be prepared for that many
// channels, and all must be at the same position on their flush grid
// (freshly prepared or reset, or having processed as many frames).
func NewCascadeBatch(chains [][]Processor, channels []int) (*CascadeBatch, error) {
	if len(chains) != len(channels) {
		return nil, fmt.Errorf("dsp: NewCascadeBatch: %d chains for %d channel counts", len(chains), len(channels))
	}
	type lane struct {
		buf, ch int
		cs      []Coefs
		st      []float64 // s1, s2 per section
	}
	var lanes []lane
	phase := -1
	for i, chain := range chains {
		var banks []*sosBank
		for _, p := range chain {
			b, ok := staticBank(p)
			if !ok {
				return nil, fmt.Errorf("dsp: NewCascadeBatch: chain %d: %T is not a static cascade", i, p)
			}
			if len(b.state) != channels[i] {
				return nil, fmt.Errorf("dsp: NewCascadeBatch: chain %d: %T prepared for %d channels, not %d", i, p, len(b.state), channels[i])
			}
			if phase < 0 {
				phase = b.phase
			} else if b.phase != phase {
				return nil, fmt.Errorf("dsp: NewCascadeBatch: chain %d: %T at another position of the flush grid", i, p)
			}
			banks = append(banks, b)
		}
		for c := 0; c < channels[i]; c++ {
			l := lane{buf: i, ch: c}
			for _, b := range banks {
				l.cs = append(l.cs, b.coefs...)
				l.st = append(l.st, b.state[c]...)
			}
			if len(l.cs) > 0 { // no sections: the lane passes unchanged
				lanes = append(lanes, l)
			}
		}
	}
	bt := &CascadeBatch{chans: append([]int(nil), channels...), phase: max(phase, 0),
		x:    make([]float64, tickFrames*cascadeLanes),
		zero: make([]float32, tickFrames), junk: make([]float32, tickFrames)}
	// Lanes with the same number of sections share groups where possible:
	// take them in order of decreasing length (stable), four at a time,
	// padding shorter ones with identity sections at the end.
	order := make([]int, len(lanes))
	for i := range order {
		order[i] = i
	}
	for i := 1; i < len(order); i++ { // insertion sort, stable
		for j := i; j > 0 && len(lanes[order[j]].cs) > len(lanes[order[j-1]].cs); j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
	for k := 0; k < len(order); k += cascadeLanes {
		members := order[k:min(k+cascadeLanes, len(order))]
		n := len(lanes[members[0]].cs)
		g := cascadeGroup{sections: n, cs: make([]float64, 20*n), st: make([]float64, 8*n), used: len(members)}
		for l := range cascadeLanes {
			g.buf[l], g.ch[l] = -1, 0
			for s := 0; s < n; s++ {
				c := Identity
				var s1, s2 float64
				if l < len(members) {
					ln := &lanes[members[l]]
					g.buf[l], g.ch[l] = ln.buf, ln.ch
					if s < len(ln.cs) {
						c, s1, s2 = ln.cs[s], ln.st[2*s], ln.st[2*s+1]
					}
				}
				cs := g.cs[20*s:]
				cs[l], cs[4+l], cs[8+l], cs[12+l], cs[16+l] = c.B0, c.B1, c.B2, c.A1, c.A2
				g.st[8*s+l], g.st[8*s+4+l] = s1, s2
			}
		}
		bt.groups = append(bt.groups, g)
	}
	return bt, nil
}

// Process filters bufs[i] with chain i, in place. Every buffer has the
// same number of frames and the channels given to NewCascadeBatch.
func (b *CascadeBatch) Process(bufs []audio.Buffer) {
	if len(bufs) != len(b.chans) {
		panic("dsp: CascadeBatch.Process: wrong number of buffers")
	}
	n := -1
	for i, buf := range bufs {
		if len(buf) != b.chans[i] {
			panic("dsp: CascadeBatch.Process: wrong channel count")
		}
		if len(buf) > 0 {
			if n >= 0 && buf.Frames() != n {
				panic("dsp: CascadeBatch.Process: buffers of different lengths")
			}
			n = buf.Frames()
		}
	}
	for off := 0; off < n; {
		run := min(n-off, tickFrames-b.phase)
		x := b.x[:cascadeLanes*run]
		var in, out [cascadeLanes][]float32
		for gi := range b.groups {
			g := &b.groups[gi]
			b.lanes(g, bufs, off, run, &in, &out)
			gatherLanes(x, &in)
			g.run(x)
			scatterLanes(&out, x)
		}
		off += run
		b.phase += run
		if b.phase == tickFrames {
			b.phase = 0
			for gi := range b.groups {
				flushState(b.groups[gi].st)
			}
		}
	}
}

// lanes sets in and out to group g's channels for frames [off, off+run)
// (zeros in, and a junk block out, for idle lanes).
func (b *CascadeBatch) lanes(g *cascadeGroup, bufs []audio.Buffer, off, run int, in, out *[cascadeLanes][]float32) {
	for l := range cascadeLanes {
		if l < g.used {
			in[l] = bufs[g.buf[l]][g.ch[l]][off : off+run]
			out[l] = in[l]
		} else {
			in[l], out[l] = b.zero[:run], b.junk[:run]
		}
	}
}

// gatherLane writes src into lane l of the interleaved block x.
func gatherLane(x []float64, l int, src []float32) {
	x = x[l:]
	for i, v := range src {
		x[cascadeLanes*i] = float64(v)
	}
}

// scatterLane writes lane l of x into dst, rounded to float32.
func scatterLane(dst []float32, x []float64, l int) {
	x = x[l:]
	for i := range dst {
		dst[i] = float32(x[cascadeLanes*i])
	}
}

// run passes the interleaved block x through the group's sections, in
// passes of up to maxPass.
func (g *cascadeGroup) run(x []float64) {
	n := g.sections
	passes := (n + maxPass - 1) / maxPass
	k := 0
	for p := range passes {
		size := n / passes
		if p < n%passes {
			size++
		}
		cascadePass(x, g.cs[20*k:20*(k+size)], g.st[8*k:8*(k+size)], size)
		k += size
	}
}

// cascadeGo runs sections sections over the interleaved four-lane block
// x, in place, flushing the output below 1e-30, rounding every product and
// sum (the explicit conversions forbid fused multiply-adds): the kernels'
// arithmetic where they do not run.
func cascadeGo(x, cs, st []float64, sections int) {
	for i := 0; i+cascadeLanes <= len(x); i += cascadeLanes {
		for l := range cascadeLanes {
			v := x[i+l]
			for k := range sections {
				c, s := cs[20*k:20*k+20], st[8*k:8*k+8]
				y := float64(c[l]*v) + s[l]
				s[l] = float64(float64(c[4+l]*v)+s[4+l]) - float64(c[12+l]*y)
				s[4+l] = float64(c[8+l]*v) - float64(c[16+l]*y)
				v = y
			}
			if v < 1e-30 && v > -1e-30 {
				v = 0
			}
			x[i+l] = v
		}
	}
}

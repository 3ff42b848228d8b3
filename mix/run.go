package mix

import (
	"fmt"
	"io"
	"math"
	"sync"
	"sync/atomic"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/loudness"
)

// run handles a node that is not processed (nothing it feeds is heard)
// for the block of n frames starting at internal frame f0: an unused
// source of unknown length is still read, to learn where it ends. Nodes
// that are processed run in packs (runTask).
func (e *Engine) run(nd *node, b, f0 int64, n int) {
	if nd.kind == trackNode && nd.src.length < 0 && !nd.src.eof {
		if err := nd.src.fill(nd.yAt(b).Head(nd.hdr, n), f0, n); err != nil {
			nd.err = err
		}
	}
}

// sum adds the node's inputs for block b, in their fixed order, into y.
func (nd *node) sum(y audio.Buffer, n int, b int64) {
	first := true
	for _, ed := range nd.inputs {
		if !ed.active {
			continue
		}
		if ed.lazy {
			ed.addInto(y, n, b, first)
			first = false
			continue
		}
		in := ed.at(b)
		for c := range y {
			src := in[c][:n]
			dst := y[c]
			if first {
				copy(dst, src)
				continue
			}
			addTo(dst[:n], src)
		}
		first = false
	}
	if first {
		for c := range y {
			clear(y[c])
		}
	}
}

// meterSignal returns the node's post-fader signal for its meter, from
// the frame that corresponds to the session's time zero and up to the
// last frame the render can reach (see Engine.meterEnd), as a buffer and a
// gain to apply to it: y and the fader's gain when the fader (which update
// has computed for the block) is constant over the block, else y times the
// fader in the node's meter buffer, and 1. ok is false when no frame of
// the block is to be metered.
func (e *Engine) meterSignal(nd *node, y audio.Buffer, f0 int64, n int) (m audio.Buffer, gain float64, ok bool) {
	skip := int(min(int64(n), max(0, int64(nd.outLat)-f0)))
	end := int(max(0, min(int64(n), e.meterEnd-f0)))
	if skip >= end {
		return nil, 0, false
	}
	if nd.fader.flat {
		return y.Slice(nd.mhdr, skip, end), nd.fader.s2[0], true
	}
	m = nd.mbuf.Slice(nd.mhdr, skip, end)
	out := nd.fader.out[0]
	for c := range m {
		for i, v := range y[c][skip:end] {
			m[c][i] = float32(float64(v) * out[skip+i])
		}
	}
	return m, 1, true
}

// writeMeter feeds a meter b times gain, in pieces under 1024 frames,
// below which the meter works on the calling goroutine (the render
// already keeps every core busy).
func writeMeter(m *loudness.Meter, b, hdr audio.Buffer, gain float64) {
	n := b.Frames()
	if n < 1024 {
		m.WriteScaled(b, gain)
		return
	}
	for off := 0; off < n; off += 1000 {
		m.WriteScaled(b.Slice(hdr, off, min(off+1000, n)), gain)
	}
}

// render computes the edge's signal for block b: the node's output y
// placed into the destination's layout, times the fader (unless a
// pre-fader send) and the send level, then delayed for alignment.
func (ed *edge) render(y audio.Buffer, b, f0 int64, n int, fader *control) {
	if !ed.active {
		return
	}
	lat := ed.from.outLat
	if ed.pan != nil {
		ed.pan.update(f0, n, lat)
	}
	if ed.level != nil {
		ed.level.update(f0, n, lat)
	}
	useFader := !ed.pre
	src, dst := ed.place.src, ed.place.dst
	flat := (ed.pan == nil || ed.pan.flat) && (ed.level == nil || ed.level.flat) && (!useFader || fader.flat)
	if ed.lazy {
		if !ed.mReady { // the gains are constant: set them once
			ed.setMatrix(useFader, fader)
			ed.mReady = true
		}
		return
	}
	out := ed.at(b).Head(ed.hdr, n)
	if flat {
		ed.setMatrix(useFader, fader)
		applyMatrix(out, y, ed.m, src, dst, n)
	} else {
		gs := ed.g[:n]
		for i := range gs {
			gs[i] = 1
		}
		if useFader {
			for i := range gs {
				gs[i] *= fader.value(0, i)
			}
		}
		if ed.level != nil {
			for i := range gs {
				gs[i] *= ed.level.value(0, i)
			}
		}
		for j, row := range ed.gm {
			row = row[:n]
			if ed.pan != nil {
				ed.pan.fill(row, j, n)
			} else {
				for i := range row {
					row[i] = ed.fixedM[j]
				}
			}
			for i := range row {
				row[i] *= gs[i]
			}
		}
		applyMatrixVarying(out, y, ed.gm, src, dst, n)
	}
	if ed.delay != nil {
		ed.delay.Process(out)
	}
}

// setMatrix sets the block's constant matrix m: the placement times the
// fader (unless a pre-fader send) and the send level.
func (ed *edge) setMatrix(useFader bool, fader *control) {
	g := 1.0
	if useFader {
		g = fader.s2[0]
	}
	if ed.level != nil {
		g *= ed.level.s2[0]
	}
	for j := range ed.m {
		if ed.pan != nil {
			ed.m[j] = g * ed.pan.s2[j]
		} else {
			ed.m[j] = g * ed.fixedM[j]
		}
	}
}

// addInto adds a lazy edge's signal for block b (its source's block
// placed by m, exactly as applyMatrix computes it) into y, or writes it
// there if first.
func (ed *edge) addInto(y audio.Buffer, n int, b int64, first bool) {
	x := ed.from.yAt(b)
	src := ed.place.src
	for d := 0; d < ed.place.dst; d++ {
		o := y[d][:n]
		row := ed.m[d*src : (d+1)*src]
		x0, g0, x1, g1 := x[0][:n], row[0], []float32(nil), 0.0
		if src == 2 {
			x1, g1 = x[1][:n], row[1]
			switch {
			case g1 == 0 && g0 == 1:
				x1 = nil
			case g0 == 0 && g1 == 1:
				x0, g0, x1 = x1, g1, nil
			case g1 == 0:
				x1 = nil
			case g0 == 0:
				x0, g0, x1 = x1, g1, nil
			}
		}
		switch {
		case x1 != nil && first:
			mix2To(o, x0, x1, g0, g1)
		case x1 != nil:
			addMix2(o, x0, x1, g0, g1)
		case g0 == 1 && first:
			copy(o, x0)
		case g0 == 1:
			addTo(o, x0)
		case g0 == 0 && src == 1 && first:
			clear(o)
		case g0 == 0 && src == 1:
			addZero(o) // the edge's block would hold +0
		case first:
			scaleTo(o, x0, g0)
		default:
			addScaled(o, x0, g0)
		}
	}
}

// applyMatrix computes out[d] = Σc m[d*src+c]·y[c] with constant gains.
func applyMatrix(out, y audio.Buffer, m []float64, src, dst, n int) {
	for d := 0; d < dst; d++ {
		o := out[d][:n]
		row := m[d*src : (d+1)*src]
		switch {
		case src == 1:
			g := row[0]
			x := y[0][:n]
			switch g {
			case 0:
				clear(o)
			case 1:
				copy(o, x)
			default:
				scaleTo(o, x, g)
			}
		case src == 2:
			g0, g1 := row[0], row[1]
			x0, x1 := y[0][:n], y[1][:n]
			switch {
			case g1 == 0 && g0 == 1:
				copy(o, x0)
			case g0 == 0 && g1 == 1:
				copy(o, x1)
			case g1 == 0:
				scaleTo(o, x0, g0)
			case g0 == 0:
				scaleTo(o, x1, g1)
			default:
				mix2To(o, x0, x1, g0, g1)
			}
		default:
			clear(o)
			acc := false
			for c, g := range row {
				if g == 0 {
					continue
				}
				x := y[c][:n]
				if !acc {
					for i, v := range x {
						o[i] = float32(g * float64(v))
					}
					acc = true
					continue
				}
				for i, v := range x {
					o[i] += float32(g * float64(v))
				}
			}
		}
	}
}

// applyMatrixVarying computes out[d][i] = Σc gm[d*src+c][i]·y[c][i].
func applyMatrixVarying(out, y audio.Buffer, gm [][]float64, src, dst, n int) {
	for d := 0; d < dst; d++ {
		o := out[d][:n]
		for i := range o {
			acc := 0.0
			for c := 0; c < src; c++ {
				acc += gm[d*src+c][i] * float64(y[c][i])
			}
			o[i] = float32(acc)
		}
	}
}

// fill writes the track's region for internal frames [f0, f0+n) into y:
// silence outside the region, the source (with fades and polarity) inside.
func (s *source) fill(y audio.Buffer, f0 int64, n int) error {
	if s.eof {
		zero(y, 0, n)
		return nil
	}
	a := max(f0, s.start)
	b := f0 + int64(n)
	if s.length >= 0 {
		b = min(b, s.start+s.length)
	}
	if a >= b {
		zero(y, 0, n)
		if s.length >= 0 && f0 >= s.start+s.length {
			s.eof = true
		}
		return nil
	}
	off := int(a - f0)
	want := int(b - a)
	got := 0
	defer func() { zero(y, 0, off); zero(y, off+got, n) }() // around the frames read
	stalls := 0
	for got < want {
		m, err := s.r.ReadFrames(y.Slice(s.hdr, off+got, off+want))
		got += m
		if err == io.EOF {
			s.eof = true
			s.length = s.read + int64(got)
			break
		}
		if err != nil {
			return err
		}
		if m == 0 {
			if stalls++; stalls > 100 {
				return fmt.Errorf("%s: %w", s.path, io.ErrNoProgress)
			}
		}
	}
	r0 := s.read
	s.read += int64(got)
	// Fades: raised cosine over the first fadeIn and last fadeOut frames of
	// the region.
	if s.fadeIn > 0 && r0 < s.fadeIn {
		for i := 0; i < got && r0+int64(i) < s.fadeIn; i++ {
			g := float32(0.5 - 0.5*math.Cos(math.Pi*float64(r0+int64(i))/float64(s.fadeIn)))
			for c := range y {
				y[c][off+i] *= g
			}
		}
	}
	if s.fadeOut > 0 && s.length >= 0 {
		fs := s.length - s.fadeOut
		for i := max(0, int(fs-r0)); i < got; i++ {
			k := s.length - 1 - (r0 + int64(i)) // frames after this one: fadeOut-1 .. 0
			g := float32(0.5 - 0.5*math.Cos(math.Pi*float64(k)/float64(s.fadeOut)))
			for c := range y {
				y[c][off+i] *= g
			}
		}
	}
	if s.invert {
		for c := range y {
			for i := off; i < off+got; i++ {
				y[c][i] = -y[c][i]
			}
		}
	}
	if s.length >= 0 && s.read >= s.length {
		s.eof = true
	}
	return nil
}

// zero clears frames [a, b) of y.
func zero(y audio.Buffer, a, b int) {
	if a < b {
		for c := range y {
			clear(y[c][a:b])
		}
	}
}

// pool runs the nodes of one level on several goroutines. Which goroutine
// runs which node does not change any result: nodes of a level share no
// state, and buses sum their inputs in a fixed order.
type pool struct {
	helpers []chan struct{}
	done    chan struct{}
	tasks   []*task
	next    atomic.Int64
	fn      func(*task)
	panicMu sync.Mutex
	panicV  any
	closed  bool
}

func newPool(workers int) *pool {
	p := &pool{done: make(chan struct{}, workers)}
	for i := 0; i < workers-1; i++ {
		ch := make(chan struct{})
		p.helpers = append(p.helpers, ch)
		go func() {
			for range ch {
				p.work()
				p.done <- struct{}{}
			}
		}()
	}
	return p
}

// guard runs fn, recording a panic (the first) for do to re-raise once
// every goroutine has stopped, and stopping the others early.
func (p *pool) guard(fn func()) {
	defer func() {
		if v := recover(); v != nil {
			p.panicMu.Lock()
			if p.panicV == nil {
				p.panicV = v
			}
			p.panicMu.Unlock()
			p.next.Store(int64(len(p.tasks)))
		}
	}()
	fn()
}

func (p *pool) work() { p.guard(p.loop) }

func (p *pool) loop() {
	for {
		i := int(p.next.Add(1) - 1)
		if i >= len(p.tasks) {
			return
		}
		p.fn(p.tasks[i])
	}
}

// do runs fn on every task and returns when all are done. If first is not
// nil, the calling goroutine runs it (while the helpers start on the
// tasks) before joining them.
func (p *pool) do(tasks []*task, fn func(*task), first func()) {
	h := min(len(p.helpers), len(tasks)-1)
	if first != nil {
		h = min(len(p.helpers), len(tasks))
	}
	if h <= 0 {
		if first != nil {
			first()
		}
		for _, t := range tasks {
			fn(t)
		}
		return
	}
	p.tasks, p.fn = tasks, fn
	p.next.Store(0)
	for i := 0; i < h; i++ {
		p.helpers[i] <- struct{}{}
	}
	if first != nil {
		p.guard(first)
	}
	p.work()
	for i := 0; i < h; i++ {
		<-p.done
	}
	p.tasks, p.fn = nil, nil
	if p.panicV != nil {
		v := p.panicV
		p.panicV = nil
		panic(v)
	}
}

func (p *pool) close() {
	if p.closed {
		return
	}
	p.closed = true
	for _, ch := range p.helpers {
		close(ch)
	}
}

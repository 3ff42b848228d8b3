package mix

import (
	"fmt"
	"io"
	"math"
	"sync"
	"sync/atomic"

	"github.com/mixdown/mixdown/audio"
)

// run processes one node for the block of n frames starting at internal
// frame f0 (the session timeline shifted by the master latency).
func (e *Engine) run(nd *node, f0 int64, n int) {
	if !nd.needed {
		if nd.kind == trackNode && nd.src.length < 0 && !nd.src.eof {
			// An unused source of unknown length still sets the length.
			if err := nd.src.fill(nd.y, f0, n); err != nil {
				nd.err = err
			}
		}
		return
	}
	y := nd.y.Head(nd.hdr, n)
	switch nd.kind {
	case trackNode:
		if err := nd.src.fill(y, f0, n); err != nil {
			nd.err = err
			return
		}
	default:
		nd.sum(y, n)
	}
	for _, sg := range nd.stages {
		if sg.pre != nil {
			sg.pre.Process(y)
		}
		if sg.key == nil {
			sg.p.Process(y)
			continue
		}
		key := sg.key.y.Head(sg.keyHdr, n)
		if sg.keyDelay != nil {
			k := sg.keyBuf.Head(sg.keyBufHdr, n)
			audio.Copy(k, key)
			sg.keyDelay.Process(k)
			key = k
		}
		sg.keyed.ProcessKeyed(y, key)
	}
	if nd.kind == masterNode {
		return // the render loop applies the master fader
	}
	if !nd.audible {
		return // muted: feeds sidechains only
	}
	nd.fader.update(f0, n, nd.outLat)
	if nd.meter != nil {
		e.meterNode(nd, y, f0, n)
	}
	for _, ed := range nd.outs {
		ed.render(y, f0, n, nd.fader)
	}
}

// sum adds the node's inputs, in their fixed order, into y.
func (nd *node) sum(y audio.Buffer, n int) {
	first := true
	for _, ed := range nd.inputs {
		if !ed.active {
			continue
		}
		for c := range y {
			src := ed.buf[c][:n]
			dst := y[c]
			if first {
				copy(dst, src)
				continue
			}
			for i, v := range src {
				dst[i] += v
			}
		}
		first = false
	}
	if first {
		for c := range y {
			clear(y[c])
		}
	}
}

// meterNode feeds the node's meter with its post-fader signal, from the
// frame that corresponds to the session's time zero.
func (e *Engine) meterNode(nd *node, y audio.Buffer, f0 int64, n int) {
	skip := int(min(int64(n), max(0, int64(nd.outLat)-f0)))
	if skip == n {
		return
	}
	if nd.fader.flat && nd.fader.s2[0] == 1 {
		writeMeter(nd.meter, y.Slice(nd.mhdr, skip, n), nd.mhdr2)
		return
	}
	m := nd.mbuf.Slice(nd.mhdr, skip, n)
	defer writeMeter(nd.meter, m, nd.mhdr2)
	if nd.fader.flat {
		g := nd.fader.s2[0]
		for c := range m {
			for i, v := range y[c][skip:n] {
				m[c][i] = float32(float64(v) * g)
			}
		}
	} else {
		out := nd.fader.out[0]
		for c := range m {
			for i, v := range y[c][skip:n] {
				m[c][i] = float32(float64(v) * out[skip+i])
			}
		}
	}
}

// writeMeter feeds a meter in pieces under 1024 frames, below which the
// meter works on the calling goroutine (the render already keeps every
// core busy).
func writeMeter(m interface{ Write(audio.Buffer) }, b, hdr audio.Buffer) {
	n := b.Frames()
	if n < 1024 {
		m.Write(b)
		return
	}
	for off := 0; off < n; off += 1000 {
		m.Write(b.Slice(hdr, off, min(off+1000, n)))
	}
}

// render computes the edge's signal for the block: the node's output y
// placed into the destination's layout, times the fader (unless a
// pre-fader send) and the send level, then delayed for alignment.
func (ed *edge) render(y audio.Buffer, f0 int64, n int, fader *control) {
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
	out := ed.buf.Head(ed.hdr, n)
	src, dst := ed.place.src, ed.place.dst
	flat := (ed.pan == nil || ed.pan.flat) && (ed.level == nil || ed.level.flat) && (!useFader || fader.flat)
	if flat {
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
				for i, v := range x {
					o[i] = float32(g * float64(v))
				}
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
				for i, v := range x0 {
					o[i] = float32(g0 * float64(v))
				}
			case g0 == 0:
				for i, v := range x1 {
					o[i] = float32(g1 * float64(v))
				}
			default:
				for i := range o {
					o[i] = float32(g0*float64(x0[i]) + g1*float64(x1[i]))
				}
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
	for c := range y {
		clear(y[c][:n])
	}
	if s.eof {
		return nil
	}
	a := max(f0, s.start)
	b := f0 + int64(n)
	if s.length >= 0 {
		b = min(b, s.start+s.length)
	}
	if a >= b {
		if s.length >= 0 && f0 >= s.start+s.length {
			s.eof = true
		}
		return nil
	}
	off := int(a - f0)
	want := int(b - a)
	got := 0
	zero := 0
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
			if zero++; zero > 100 {
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

// pool runs the nodes of one level on several goroutines. Which goroutine
// runs which node does not change any result: nodes of a level share no
// state, and buses sum their inputs in a fixed order.
type pool struct {
	helpers []chan struct{}
	done    chan struct{}
	tasks   []*node
	next    atomic.Int64
	fn      func(*node)
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

func (p *pool) work() {
	defer func() {
		if v := recover(); v != nil {
			p.panicMu.Lock()
			if p.panicV == nil {
				p.panicV = v
			}
			p.panicMu.Unlock()
			p.next.Store(int64(len(p.tasks))) // stop the others early
		}
	}()
	for {
		i := int(p.next.Add(1) - 1)
		if i >= len(p.tasks) {
			return
		}
		p.fn(p.tasks[i])
	}
}

// do runs fn on every task and returns when all are done.
func (p *pool) do(tasks []*node, fn func(*node)) {
	h := min(len(p.helpers), len(tasks)-1)
	if h <= 0 {
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

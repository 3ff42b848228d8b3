package mix

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/dsp"
	"github.com/mixdown/mixdown/loudness"
)

// silenceThreshold is the level (linear, -100 dBFS) under which the
// master counts as silent when deciding where the tail ends, and
// silenceHold how long it must stay there (seconds).
const (
	silenceThreshold = 1e-5
	silenceHold      = 0.1
)

// Stem describes one stem Render delivers.
type Stem struct {
	// Name of the track or bus.
	Name string
	// Kind is "bus" or "track".
	Kind string
	// FileName is Name made safe for a file name (without extension),
	// unique among the stems.
	FileName string
	// Format of the stem: the layout of the bus the node feeds.
	Format audio.Format
}

// stemTap delivers a node's main output (after its fader and placement,
// before the bus it feeds), delayed to line up with the master.
type stemTap struct {
	Stem
	edge  *edge
	delay *dsp.DelayLine
	buf   audio.Buffer
	hdr   audio.Buffer
	ehdr  audio.Buffer // for the edge's block
}

func (e *Engine) buildStems() {
	if e.opt.Stems == NoStems {
		return
	}
	var nodes []*node
	nodes = append(nodes, e.buses...)
	if e.opt.Stems == AllStems {
		nodes = append(nodes, e.tracks...)
	}
	used := map[string]bool{}
	for _, n := range nodes {
		ed := n.main
		st := &stemTap{edge: ed, buf: audio.NewBuffer(ed.to.ch, e.block), hdr: make(audio.Buffer, ed.to.ch), ehdr: make(audio.Buffer, ed.to.ch)}
		st.Name, st.Kind = n.name, n.kind.String()
		st.Format = audio.Format{SampleRate: e.rate, Channels: ed.to.ch, Layout: ed.to.layout, Type: audio.SampleFloat, Bits: 32}
		st.FileName = uniqueName(safeName(st.Kind+"-"+n.name), used)
		if d := e.latency - ed.to.inLat; d > 0 {
			st.delay = newDelayLine(d, ed.to.ch, e.rate, e.block)
		}
		e.stems = append(e.stems, st)
	}
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func safeName(s string) string {
	s = strings.Trim(unsafeChars.ReplaceAllString(s, "_"), "_.")
	if s == "" {
		s = "stem"
	}
	return s
}

func uniqueName(s string, used map[string]bool) string {
	name := s
	for i := 2; used[strings.ToLower(name)]; i++ {
		name = fmt.Sprintf("%s-%d", s, i)
	}
	used[strings.ToLower(name)] = true
	return name
}

// Stems lists the stems Render delivers, in the order it expects their
// writers.
func (e *Engine) Stems() []Stem {
	out := make([]Stem, len(e.stems))
	for i, s := range e.stems {
		out[i] = s.Stem
	}
	return out
}

// WriteError is returned by Render when an output could not be written.
type WriteError struct {
	// Target is "master" or the stem's name.
	Target string
	Err    error
}

func (w *WriteError) Error() string { return fmt.Sprintf("writing %s: %v", w.Target, w.Err) }
func (w *WriteError) Unwrap() error { return w.Err }

// Render runs the mix from start to end, writing the master to master
// and stem i to stems[i] (see Stems; stems may be nil or hold nil
// writers), and returns the report. progress, if non-nil, is called after
// each block with the number of output frames written. The writers are not
// closed. An Engine renders once.
//
// The render ends at the session's length_s if it has one. Otherwise it
// ends where the sources end, unless something is still sounding there
// (a reverb or echo tail): then it continues until the master has stayed
// below -100 dBFS for 0.1 s, or for at most tail_s after the sources.
//
// Memory stays bounded whatever the length of the session: every source
// is streamed, and every buffer is a block or a delay line.
func (e *Engine) Render(ctx context.Context, master audio.Writer, stems []audio.Writer, progress func(frames int64)) (*Report, error) {
	if e.pool == nil {
		return nil, fmt.Errorf("mix: Render on a closed Engine")
	}
	if e.rendered {
		return nil, fmt.Errorf("mix: an Engine renders once")
	}
	e.rendered = true
	if len(stems) > len(e.stems) {
		return nil, fmt.Errorf("mix: %d stem writers for %d stems", len(stems), len(e.stems))
	}
	start := time.Now()
	o := &outputs{e: e, master: master, stems: stems, progress: progress, lastLoud: -1,
		hold: int(math.Round(silenceHold * float64(e.rate)))}
	o.parts = make([]audio.Buffer, 1+len(e.stems))
	o.hdrs = make([]audio.Buffer, len(o.parts))
	o.pend = make([]audio.Buffer, len(o.parts))
	o.pendHdr = make([]audio.Buffer, len(o.parts))
	for i := range o.parts {
		ch := e.master.ch
		if i > 0 {
			ch = e.stems[i-1].Format.Channels
		}
		o.hdrs[i] = make(audio.Buffer, ch)
		o.pendHdr[i] = make(audio.Buffer, ch)
		if e.fixedLen < 0 {
			o.pend[i] = audio.NewBuffer(ch, o.hold)
		}
	}
	// The levels run in a pipeline, in steps: in each step, every level
	// processes its next block (all levels at once, on the pool), provided
	// the level below has finished that block in an earlier step and the
	// level above is at most one block behind, while this goroutine
	// delivers the master's oldest undelivered block. In the steady state,
	// level l works on block s-l in step s and block s-top-1 is delivered.
	// The buffers between levels are rings deep enough for that (see
	// allocBlocks). Every node processes its blocks in order, so the output
	// depends only on the graph and the block size, not on the pipeline.
	//
	// A render that ends on its tail ends at a frame decided while
	// delivering; blocks that start after the end of the sources are
	// therefore processed only once the previous block has been delivered
	// (and the render has not ended), so that no node, and no meter, runs
	// past the block in which the render ends.
	top := len(e.levels) - 1
	e.stepB = make([]int64, top+1)
	e.stepF0 = make([]int64, top+1)
	e.stepN = make([]int, top+1)
	next := make([]int64, top+1) // per level, the next block to process
	runs := make([]bool, top+1)
	var del int64 // the next block to deliver
	var stepTasks []*task
	run := func(t *task) { e.runTask(t, e.stepB[t.level], e.stepF0[t.level], e.stepN[t.level]) }
	var done bool
	var outErr error
	deliver := func() { done, outErr = e.deliver(o, del) }
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		horizon := e.horizon()
		e.meterEnd = int64(math.MaxInt64)
		if horizon != math.MaxInt64 {
			e.meterEnd = horizon + e.maxTail
		}
		stepTasks = stepTasks[:0]
		for l := 0; l <= top; l++ {
			b := next[l]
			f0 := b * int64(e.block)
			n := e.blockLen(f0)
			runs[l] = n > 0 && (l == 0 || b < next[l-1]) &&
				(l == top && b <= del+1 || l < top && b <= next[l+1]+1) &&
				(f0 < horizon || b <= del)
			if runs[l] {
				e.stepB[l], e.stepF0[l], e.stepN[l] = b, f0, n
				stepTasks = append(stepTasks, e.tasks[l]...)
			}
		}
		out := deliver
		if del >= next[top] {
			out = nil
		}
		if len(stepTasks) == 0 && out == nil {
			break // a fixed length, all delivered
		}
		sortTasks(stepTasks)
		e.pool.do(stepTasks, run, out)
		for _, t := range stepTasks {
			for _, nd := range t.nodes {
				if nd.err != nil {
					return nil, nd.err
				}
			}
		}
		if outErr != nil {
			return nil, outErr
		}
		if done {
			break
		}
		for l, r := range runs {
			if r {
				next[l]++
			}
		}
		if out != nil {
			del++
		}
		e.updateEnd()
	}
	return e.report(o.written, time.Since(start)), nil
}

// horizon returns the internal frame from which blocks may lie after the
// end of the render: the end of the sources when the render ends on its
// tail (and every source's length is known), else no limit.
func (e *Engine) horizon() int64 {
	if e.fixedLen >= 0 || e.unknownSrc > 0 {
		return math.MaxInt64
	}
	return e.knownEnd + int64(e.latency)
}

// blockLen returns the number of frames of the block starting at internal
// frame f0: the block size, less at the end of a fixed-length render (0 or
// less past it).
func (e *Engine) blockLen(f0 int64) int {
	if e.fixedLen < 0 {
		return e.block
	}
	return int(min(int64(e.block), e.fixedLen+int64(e.latency)-f0))
}

// deliver applies the master fader to block b of the master and hands it
// and the stems to the outputs, dropping the frames before the session's
// time zero (the master latency). It reports whether the render is
// complete.
func (e *Engine) deliver(o *outputs, b int64) (bool, error) {
	L := int64(e.latency)
	f0 := b * int64(e.block)
	n := e.blockLen(f0)
	out := e.masterOut(f0, n, e.master.yAt(b))
	skip := int(min(int64(n), max(0, L-f0)))
	o.parts[0] = out.Slice(o.hdrs[0], skip, n)
	for i, st := range e.stems {
		bb := st.buf.Head(st.hdr, n)
		if st.edge.active && st.edge.from.needed {
			audio.Copy(bb, st.edge.at(b).Head(st.ehdr, n))
		} else {
			bb.Zero()
		}
		if st.delay != nil {
			st.delay.Process(bb)
		}
		o.parts[i+1] = bb.Slice(o.hdrs[i+1], skip, n)
	}
	if n > skip {
		return o.block(f0+int64(skip)-L, n-skip)
	}
	return false, nil
}

// outputs delivers the rendered frames to the writers and meters, and
// decides where the render ends: frames after the end of the sources are
// held back (at most silenceHold seconds of them) until it is known
// whether the tail is still sounding.
type outputs struct {
	e        *Engine
	master   audio.Writer
	stems    []audio.Writer
	progress func(int64)
	parts    []audio.Buffer // this block's frames: master, then stems
	hdrs     []audio.Buffer
	pend     []audio.Buffer // held frames, same order
	pendHdr  []audio.Buffer
	pendN    int
	hold     int   // frames of silence that end the tail
	lastLoud int64 // last output frame above silenceThreshold, or -1
	written  int64
}

// block takes the frames of output frames [o0, o0+cnt) in o.parts and
// reports whether the render is complete.
func (o *outputs) block(o0 int64, cnt int) (bool, error) {
	e := o.e
	if e.fixedLen >= 0 || e.unknownSrc > 0 {
		return false, o.write(o.parts, 0, cnt)
	}
	end := e.knownEnd
	limit := end + e.maxTail
	a := int(min(int64(cnt), max(0, end-o0))) // frames before the end of the sources
	b := int(min(int64(cnt), max(int64(a), limit-o0)))
	if err := o.write(o.parts, 0, a); err != nil {
		return false, err
	}
	// The tail: the last loud frame in [a, b).
	loud := -1
	for _, x := range o.parts[0] {
		for i := b - 1; i > max(a, loud)-1; i-- {
			if v := x[i]; v > silenceThreshold || v < -silenceThreshold {
				loud = i
				break
			}
		}
	}
	if loud >= a {
		o.lastLoud = o0 + int64(loud)
		if err := o.flush(); err != nil {
			return false, err
		}
		if err := o.write(o.parts, a, loud+1); err != nil {
			return false, err
		}
		a = loud + 1
	}
	silentFrom := max(o.lastLoud+1, end)
	stop := min(limit, silentFrom+int64(o.hold))
	b = int(min(int64(b), max(int64(a), stop-o0)))
	for i, p := range o.parts {
		for c := range p {
			copy(o.pend[i][c][o.pendN:], p[c][a:b])
		}
	}
	o.pendN += b - a
	if o0+int64(cnt) < stop {
		return false, nil
	}
	// The end: keep the held frames if the tail sounded (they are its
	// last silenceHold seconds), drop them if the mix ended dry.
	if o.lastLoud >= end {
		return true, o.flush()
	}
	o.pendN = 0
	return true, nil
}

// flush writes the held frames.
func (o *outputs) flush() error {
	if o.pendN == 0 {
		return nil
	}
	n := o.pendN
	o.pendN = 0
	return o.write(o.pend, 0, n)
}

// write delivers frames [a, b) of bufs (master, then stems) to the writers
// and the master meters.
func (o *outputs) write(bufs []audio.Buffer, a, b int) error {
	if b <= a {
		return nil
	}
	e := o.e
	part := bufs[0].Slice(e.outHdr, a, b)
	if o.master != nil {
		if err := o.master.WriteFrames(part); err != nil {
			return &WriteError{Target: "master", Err: err}
		}
	}
	writeMeter(e.master.meter, part, e.outHdr2, 1)
	if e.fold != nil {
		e.fold.write(part)
	}
	for i, w := range o.stems {
		if w == nil {
			continue
		}
		st := e.stems[i]
		if err := w.WriteFrames(bufs[i+1].Slice(st.hdr, a, b)); err != nil {
			return &WriteError{Target: st.Name, Err: err}
		}
	}
	o.written += int64(b - a)
	if o.progress != nil {
		o.progress(o.written)
	}
	return nil
}

// updateEnd refreshes the known end of the sources.
func (e *Engine) updateEnd() {
	var end int64
	unknown := 0
	for _, n := range e.tracks {
		if n.src.length < 0 {
			unknown++
			continue
		}
		end = max(end, n.src.start+n.src.length)
	}
	e.knownEnd, e.unknownSrc = end, unknown
}

// masterOut applies the master fader to the master bus's block y.
func (e *Engine) masterOut(f0 int64, n int, y audio.Buffer) audio.Buffer {
	m := e.master
	out := e.out.Head(e.outHdr, n)
	m.fader.update(f0, n, m.outLat)
	for c := range out {
		x := y[c][:n]
		o := out[c]
		if m.fader.flat {
			g := m.fader.s2[0]
			if g == 1 {
				copy(o, x)
				continue
			}
			scaleTo(o, x, g)
			continue
		}
		g := m.fader.out[0]
		for i, v := range x {
			o[i] = float32(g[i] * float64(v))
		}
	}
	return out
}

// foldDown measures the ITU-R BS.775 stereo fold-down of a 5.1 master.
type foldDown struct {
	m    *loudness.Meter
	buf  audio.Buffer
	hdr  audio.Buffer
	hdr2 audio.Buffer
}

func newFoldDown(rate, block int) (*foldDown, error) {
	m, err := loudness.New(loudness.Options{SampleRate: rate, Channels: 2, TruePeak: true})
	if err != nil {
		return nil, fmt.Errorf("mix: fold-down meter: %w", err)
	}
	return &foldDown{m: m, buf: audio.NewBuffer(2, block), hdr: make(audio.Buffer, 2), hdr2: make(audio.Buffer, 2)}, nil
}

func (f *foldDown) write(x audio.Buffer) {
	n := x.Frames()
	b := f.buf.Head(f.hdr, n)
	for d := 0; d < 2; d++ {
		row := itu51ToStereo[d*6 : d*6+6]
		for i := 0; i < n; i++ {
			acc := 0.0
			for c, g := range row {
				if g != 0 {
					acc += g * float64(x[c][i])
				}
			}
			b[d][i] = float32(acc)
		}
	}
	writeMeter(f.m, b, f.hdr2, 1)
}

package mix

import (
	"fmt"
	"strings"
	"time"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/dsp"
	"github.com/mixdown/mixdown/dsp/dynamics"
	"github.com/mixdown/mixdown/loudness"
)

// Packs.
//
// A node's inserts run as a short program of operations: a run of static
// filters (high- and low-passes, EQs) becomes one cascade of biquad
// sections, a compressor keyed by its own signal a compressor operation,
// anything else (or anything with a sidechain) a plain stage. Nodes of one
// level and kind with the same program, channel count, latency, audibility
// and metering are grouped in packs of up to packSize, and a pack's nodes
// run each operation together:
// dsp.CascadeBatch runs their channels' sections four at a time,
// dynamics.CompressorBatch their gain computers, loudness.Batch their
// meters' K-weighting filters. Every channel's arithmetic is the same
// whatever else is in its pack (the batches work lane by lane), so the
// packing changes the speed, not the output; nodes alone in their pack run
// the same operations as packs of one. A pack is also the unit of work
// the pool hands to a goroutine.

// packSize is the largest number of nodes in a pack: eight compressors
// fill the compressor batch's two groups of lanes (whose smoothing runs
// interleaved), eight mono or four stereo nodes two groups of filter
// lanes.
const packSize = 8

type opKind uint8

const (
	opStage   opKind = iota // each node's stage on its own
	opCascade               // a run of static filters, batched
	opComp                  // a compressor keyed by its own signal, batched
)

// op is one operation of a pack's program.
type op struct {
	kind    opKind
	stages  [][]*stage // per node: the stages of the operation
	cascade *dsp.CascadeBatch
	comp    *dynamics.CompressorBatch
}

// task is the work of one goroutine for one level in a block: a pack of
// nodes, or one node that is not processed (see Engine.run).
type task struct {
	level  int
	nodes  []*node
	ops    []op
	meters *loudness.Batch // the nodes' meters, when there are several
	bufs   []audio.Buffer  // scratch: the nodes' blocks for a batch
	took   time.Duration   // how long the last run took (to order the tasks)
	mbufs  []audio.Buffer  // scratch: the nodes' metered signals
	mgains []float64       // and their gains
	parts  []audio.Buffer  // scratch: pieces of them
	cost   int
}

// program returns a node's operations, one slice of stages per operation,
// and its signature (the kinds of the operations).
func (n *node) program() (kinds []opKind, stages [][]*stage, sig string) {
	var b strings.Builder
	for _, sg := range n.stages {
		k := opStage
		if sg.key == nil && sg.pre == nil {
			if dsp.IsStaticCascade(sg.p) {
				k = opCascade
			} else if _, ok := sg.p.(*dynamics.Compressor); ok {
				k = opComp
			}
		}
		if k == opCascade && len(kinds) > 0 && kinds[len(kinds)-1] == opCascade {
			stages[len(stages)-1] = append(stages[len(stages)-1], sg)
			continue
		}
		kinds = append(kinds, k)
		stages = append(stages, []*stage{sg})
		fmt.Fprintf(&b, "%d,", k)
	}
	return kinds, stages, b.String()
}

// buildTasks groups each level's nodes into packs.
func (e *Engine) buildTasks() error {
	e.tasks = make([][]*task, len(e.levels))
	for l, lvl := range e.levels {
		type group struct {
			key   string
			nodes []*node
		}
		var groups []*group
		byKey := map[string]*group{}
		for _, n := range lvl {
			if !n.needed {
				e.tasks[l] = append(e.tasks[l], &task{level: l, nodes: []*node{n}})
				continue
			}
			_, _, sig := n.program()
			key := fmt.Sprintf("%d|%d|%v|%v|%d|%s", n.kind, n.ch, n.audible, n.meter != nil, n.outLat, sig)
			g := byKey[key]
			if g == nil {
				g = &group{key: key}
				byKey[key] = g
				groups = append(groups, g)
			}
			g.nodes = append(g.nodes, n)
		}
		for _, g := range groups {
			for i := 0; i < len(g.nodes); i += packSize {
				t, err := e.newTask(g.nodes[i:min(i+packSize, len(g.nodes))])
				if err != nil {
					return err
				}
				e.tasks[l] = append(e.tasks[l], t)
			}
		}
		// The costliest first, so that the last to start are short.
		ts := e.tasks[l]
		for i := 1; i < len(ts); i++ {
			for j := i; j > 0 && ts[j].cost > ts[j-1].cost; j-- {
				ts[j], ts[j-1] = ts[j-1], ts[j]
			}
		}
	}
	return nil
}

// newTask makes the pack of nodes (same program, channels, latency and
// metering).
func (e *Engine) newTask(nodes []*node) (*task, error) {
	t := &task{level: nodes[0].level, nodes: nodes, bufs: make([]audio.Buffer, len(nodes)), mbufs: make([]audio.Buffer, len(nodes)),
		mgains: make([]float64, len(nodes)), parts: make([]audio.Buffer, len(nodes))}
	progs := make([][][]*stage, len(nodes))
	var kinds []opKind
	for i, n := range nodes {
		kinds, progs[i], _ = n.program()
		t.cost += n.cost
	}
	for j, k := range kinds {
		o := op{kind: k, stages: make([][]*stage, len(nodes))}
		for i := range nodes {
			o.stages[i] = progs[i][j]
		}
		switch k {
		case opCascade:
			chains := make([][]dsp.Processor, len(nodes))
			chans := make([]int, len(nodes))
			for i, n := range nodes {
				for _, sg := range o.stages[i] {
					chains[i] = append(chains[i], sg.p)
				}
				chans[i] = n.ch
			}
			b, err := dsp.NewCascadeBatch(chains, chans)
			if err != nil {
				return nil, fmt.Errorf("mix: %w", err)
			}
			o.cascade = b
		case opComp:
			cs := make([]*dynamics.Compressor, len(nodes))
			for i := range nodes {
				cs[i] = o.stages[i][0].p.(*dynamics.Compressor)
			}
			b, err := dynamics.NewCompressorBatch(cs)
			if err != nil {
				return nil, fmt.Errorf("mix: %w", err)
			}
			o.comp = b
		}
		t.ops = append(t.ops, o)
	}
	if len(nodes) > 1 && nodes[0].meter != nil {
		ms := make([]*loudness.Meter, len(nodes))
		for i, n := range nodes {
			ms[i] = n.meter
		}
		b, err := loudness.NewBatch(ms)
		if err != nil {
			return nil, fmt.Errorf("mix: %w", err)
		}
		t.meters = b
	}
	return t, nil
}

// runTask processes the task's nodes for block b, the n frames starting at
// internal frame f0.
func (e *Engine) runTask(t *task, b, f0 int64, n int) {
	t0 := time.Now()
	defer func() { t.took = time.Since(t0) }()
	if !t.nodes[0].needed {
		e.run(t.nodes[0], b, f0, n)
		return
	}
	for i, nd := range t.nodes {
		y := nd.yAt(b).Head(nd.hdr, n)
		t.bufs[i] = y
		if nd.kind == trackNode {
			if err := nd.src.fill(y, f0, n); err != nil {
				nd.err = err
				return
			}
		} else {
			nd.sum(y, n, b)
		}
	}
	for _, o := range t.ops {
		switch o.kind {
		case opCascade:
			o.cascade.Process(t.bufs)
		case opComp:
			o.comp.Process(t.bufs)
		default:
			for i, nd := range t.nodes {
				for _, sg := range o.stages[i] {
					nd.runStage(sg, t.bufs[i], b, n)
				}
			}
		}
	}
	if t.nodes[0].kind == masterNode {
		return // the render loop applies the master fader
	}
	if !t.nodes[0].audible {
		return // muted: feeds sidechains only
	}
	metered := 0
	for i, nd := range t.nodes {
		nd.fader.update(f0, n, nd.outLat)
		if nd.meter != nil {
			if m, g, ok := e.meterSignal(nd, t.bufs[i], f0, n); ok {
				t.mbufs[metered], t.mgains[metered] = m, g
				metered++
			}
		}
	}
	switch {
	case metered == 0:
	case t.meters != nil && metered == len(t.nodes):
		t.writeBatch()
	default:
		for i, nd := range t.nodes[:metered] {
			writeMeter(nd.meter, t.mbufs[i], nd.mhdr2, t.mgains[i])
		}
	}
	for i, nd := range t.nodes {
		for _, ed := range nd.outs {
			ed.render(t.bufs[i], b, f0, n, nd.fader)
		}
	}
}

// runStage runs one insert of the node on y (n frames of block b), with
// its sidechain key if it has one.
func (nd *node) runStage(sg *stage, y audio.Buffer, b int64, n int) {
	if sg.pre != nil {
		sg.pre.Process(y)
	}
	if sg.key == nil {
		sg.p.Process(y)
		return
	}
	key := sg.key.yAt(b).Head(sg.keyHdr, n)
	if sg.keyDelay != nil {
		k := sg.keyBuf.Head(sg.keyBufHdr, n)
		audio.Copy(k, key)
		sg.keyDelay.Process(k)
		key = k
	}
	sg.keyed.ProcessKeyed(y, key)
}

// writeBatch feeds the task's batch of meters with the nodes' metered
// signals, in pieces under 1024 frames, as writeMeter does.
func (t *task) writeBatch() {
	n := t.mbufs[0].Frames()
	if n < 1024 {
		t.meters.WriteScaled(t.mbufs, t.mgains)
		return
	}
	for off := 0; off < n; off += 1000 {
		for i, nd := range t.nodes {
			t.parts[i] = t.mbufs[i].Slice(nd.mhdr2, off, min(off+1000, n))
		}
		t.meters.WriteScaled(t.parts, t.mgains)
	}
}

// sortTasks orders tasks by decreasing duration of their last run, so that
// the longest start first and the last to start are short (the order of
// the tasks does not change any result).
func sortTasks(ts []*task) {
	for i := 1; i < len(ts); i++ {
		for j := i; j > 0 && ts[j].took > ts[j-1].took; j-- {
			ts[j], ts[j-1] = ts[j-1], ts[j]
		}
	}
}

package mix

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/audio/audiofile"
	"github.com/mixdown/mixdown/audio/resample"
	"github.com/mixdown/mixdown/dsp"
	"github.com/mixdown/mixdown/loudness"
	"github.com/mixdown/mixdown/mix/session"
)

// StemMode says which signals Render delivers besides the master.
type StemMode uint8

const (
	// NoStems renders the master only.
	NoStems StemMode = iota
	// BusStems adds every bus.
	BusStems
	// AllStems adds every bus and every track.
	AllStems
)

// Options control Compile.
type Options struct {
	// BlockFrames is the number of frames processed at a time (default
	// 8192, at most 16384). The output does not depend on it.
	BlockFrames int
	// Workers is the number of goroutines that process tracks and buses
	// in parallel (default runtime.GOMAXPROCS(0)). The output does not
	// depend on it.
	Workers int
	// Stems selects the stems Render delivers.
	Stems StemMode
	// TrackTruePeak also measures the true peak of every track (buses
	// and the master always get one). It costs about as much as a
	// 4-band EQ per track.
	TrackTruePeak bool
}

const (
	defaultBlock = 8192 // large blocks keep the pipeline's steps few
	maxBlock     = 16384
	// prefetchFrames and prefetchDepth size each source's read-ahead.
	prefetchFrames = 8192
	prefetchDepth  = 2
)

type nodeKind uint8

const (
	trackNode nodeKind = iota
	busNode
	masterNode
)

func (k nodeKind) String() string {
	switch k {
	case trackNode:
		return "track"
	case busNode:
		return "bus"
	}
	return "master"
}

// node is a track, a bus or the master in the compiled graph.
type node struct {
	kind   nodeKind
	name   string
	pos    session.Pos
	layout audio.Layout
	ch     int
	ys     []audio.Buffer // ring of blocks (ch × block): block b in ys[b%len(ys)]
	hdr    audio.Buffer

	src    *source // tracks
	inputs []*edge // buses and master: summed in this order
	stages []*stage
	outs   []*edge // main edge first, then sends
	main   *edge

	fader *control // k=1: the fader (mute folded in)

	level   int // see order; also how many steps behind the sources it runs (see Render)
	inLat   int // latency of the summed input, frames
	outLat  int // latency after the inserts
	audible bool
	needed  bool
	state   string // for the report: "playing", "muted", "solo-muted", "unused"

	meter *loudness.Meter
	mbuf  audio.Buffer // post-fader signal for the meter
	mhdr  audio.Buffer
	mhdr2 audio.Buffer
	err   error
	cost  int
}

// stage is one insert in a node's chain.
type stage struct {
	p         dsp.Processor
	keyed     dsp.Keyed
	key       *node          // sidechain source, or nil
	keyDelay  *dsp.DelayLine // delays the key to the stage's input latency
	keyBuf    audio.Buffer   // delayed key (when keyDelay != nil)
	keyBufHdr audio.Buffer
	keyHdr    audio.Buffer
	pre       *dsp.DelayLine // delays the main path when the key arrives later
}

// edge carries a node's signal into a bus: its main output or a send.
type edge struct {
	from, to *node
	send     bool
	pre      bool // pre-fader send
	place    *placement
	pan      *control       // placement matrix (dst×src), nil when fixed and static
	level    *control       // send level, nil for main edges
	ring     []audio.Buffer // ring of blocks: block b in ring[b%len(ring)]
	hdr      audio.Buffer
	// lazy: the gains are constant (no automation) and the signal needs
	// no delay and feeds no stem, so the edge's block is not written: the
	// destination applies the gains (m, set on the first block) while
	// summing its inputs, from the source node's block.
	lazy   bool
	mReady bool
	delay  *dsp.DelayLine
	active bool
	fixedM []float64   // constant placement matrix when pan is nil
	m      []float64   // scratch: the block's constant matrix
	g      []float64   // scratch: per-sample scalar gain
	gm     [][]float64 // scratch: per-sample matrix entries
}

// Engine is a compiled session, ready to render once.
type Engine struct {
	sess    *session.Session
	opt     Options
	rate    int
	layout  audio.Layout
	block   int
	workers int

	nodes  []*node // tracks, buses, master: session order
	tracks []*node
	buses  []*node
	master *node
	levels [][]*node
	tasks  [][]*task // per level: packs of nodes (see pack.go)

	latency int // the master's output latency, frames
	out     audio.Buffer
	outHdr  audio.Buffer
	outHdr2 audio.Buffer

	// render length on the output timeline
	fixedLen   int64 // from length_s, or -1
	maxTail    int64
	knownEnd   int64 // end of the sources known so far
	unknownSrc int   // sources whose end is not known yet

	stems []*stemTap
	fold  *foldDown

	pool     *pool
	rendered bool
	// The block each level works on in the current step (see Render).
	stepB  []int64
	stepF0 []int64
	stepN  []int
	// meterEnd is the internal frame from which no node meters: the
	// furthest a render that ends on its tail can reach (the end of the
	// sources plus tail_s), once every source's length is known; set
	// between steps. (A fixed-length render's blocks stop at its end.)
	meterEnd int64
}

// Compile builds the processing graph of a validated session: it opens
// every source, builds and prepares every insert, and computes the
// latency compensation. Errors name the session file and line. Close the
// Engine when done.
func Compile(s *session.Session, opt Options) (_ *Engine, err error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if opt.BlockFrames == 0 {
		opt.BlockFrames = defaultBlock
	}
	if opt.BlockFrames < 1 || opt.BlockFrames > maxBlock {
		return nil, fmt.Errorf("mix: BlockFrames %d out of range (1 to %d)", opt.BlockFrames, maxBlock)
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	e := &Engine{sess: s, opt: opt, rate: s.SampleRate(), layout: layoutOf(s.OutputLayout()),
		block: opt.BlockFrames, workers: opt.Workers, fixedLen: -1}
	defer func() {
		if err != nil {
			e.Close()
		}
	}()
	errs := &compileErrs{path: s.Path}
	e.buildNodes(errs)
	if err := errs.err(); err != nil {
		return nil, err
	}
	e.buildEdges(errs)
	e.buildStages(errs)
	if err := errs.err(); err != nil {
		return nil, err
	}
	e.order()
	e.latencies()
	e.flags()
	e.buildControls()
	if err := e.buildMeters(); err != nil {
		return nil, err
	}
	e.buildStems()
	e.allocBlocks()
	if err := e.buildTasks(); err != nil {
		return nil, err
	}
	e.lengths()
	e.pool = newPool(e.workers)
	return e, nil
}

// compileErrs collects located errors.
type compileErrs struct {
	path string
	errs session.Errors
}

func (c *compileErrs) add(line int, cause error, format string, args ...any) {
	c.errs = append(c.errs, &session.Error{Path: c.path, Line: line, Msg: fmt.Sprintf(format, args...), Err: cause})
}

func (c *compileErrs) err() error {
	switch len(c.errs) {
	case 0:
		return nil
	case 1:
		return c.errs[0]
	}
	return c.errs
}

func (e *Engine) newNode(kind nodeKind, name string, pos session.Pos, layout audio.Layout) *node {
	n := &node{kind: kind, name: name, pos: pos, layout: layout, ch: layout.Count()}
	e.nodes = append(e.nodes, n)
	return n
}

func (e *Engine) buildNodes(errs *compileErrs) {
	s := e.sess
	for i := range s.Tracks {
		t := &s.Tracks[i]
		src, err := e.openSource(t)
		if err != nil {
			msg := err.Error()
			var pe *os.PathError
			if errors.As(err, &pe) {
				msg = fmt.Sprintf("%s: %v", pe.Path, pe.Err)
			}
			errs.add(t.Pos.KeyLine("file"), err, "track %q: %s", t.Name, msg)
			continue
		}
		n := e.newNode(trackNode, t.Name, t.Pos, src.layout)
		n.src = src
		e.tracks = append(e.tracks, n)
	}
	for i := range s.Buses {
		b := &s.Buses[i]
		l := e.layout
		if b.Layout != "" {
			l = layoutOf(b.Layout)
		}
		e.buses = append(e.buses, e.newNode(busNode, b.Name, b.Pos, l))
	}
	e.master = e.newNode(masterNode, session.Master, s.Master.Pos, e.layout)
	for _, n := range e.nodes {
		n.hdr = make(audio.Buffer, n.ch)
	}
}

// allocBlocks allocates the nodes' and edges' blocks. Render runs level l
// of the graph on block b in step b+l (see Render), so a block a node
// writes in step s is read up to d steps later, d being the difference of
// levels between the writer and the reader; every such buffer is a ring
// of d+1 blocks. Readers: a bus reads its input edges (or, for lazy
// edges, their source nodes' blocks), a stage its sidechain key's node,
// the output (one step after the master) the master's block and the
// stems' edges.
func (e *Engine) allocBlocks() {
	top := len(e.levels) - 1
	depth := map[*node]int{}
	for _, n := range e.nodes {
		depth[n] = max(depth[n], 1)
		for _, sg := range n.stages {
			if sg.key != nil {
				depth[sg.key] = max(depth[sg.key], n.level-sg.key.level+1)
			}
		}
	}
	depth[e.master] = max(depth[e.master], top-e.master.level+2)
	stem := map[*edge]bool{}
	for _, st := range e.stems {
		stem[st.edge] = true
	}
	for _, n := range e.nodes {
		for _, ed := range n.outs {
			ed.lazy = !stem[ed] && ed.delay == nil && ed.pan == nil && ed.place.src <= 2 &&
				(ed.level == nil || len(ed.level.envs[0].pts) == 0) && len(n.fader.envs[0].pts) == 0
			if ed.lazy {
				depth[n] = max(depth[n], ed.to.level-n.level+1)
			}
		}
	}
	for _, n := range e.nodes {
		n.ys = make([]audio.Buffer, depth[n])
		for i := range n.ys {
			n.ys[i] = audio.NewBuffer(n.ch, e.block)
		}
		for _, ed := range n.outs {
			if ed.lazy {
				continue
			}
			d := ed.to.level - n.level + 1
			if stem[ed] {
				d = max(d, top-n.level+2)
			}
			ed.ring = make([]audio.Buffer, d)
			for i := range ed.ring {
				ed.ring[i] = audio.NewBuffer(ed.to.ch, e.block)
			}
		}
	}
}

// yAt returns the node's buffer for block b.
func (n *node) yAt(b int64) audio.Buffer { return n.ys[b%int64(len(n.ys))] }

// at returns the edge's buffer for block b.
func (ed *edge) at(b int64) audio.Buffer { return ed.ring[b%int64(len(ed.ring))] }

func (e *Engine) byName(name string) *node {
	if name == "" || name == session.Master {
		return e.master
	}
	for _, n := range e.nodes {
		if n.name == name && n.kind != masterNode {
			return n
		}
	}
	return nil
}

// strip is the channel-strip view of a track or bus.
type strip struct {
	gainDB   float64
	pan      float64
	panLaw   string
	width    *float64
	angleDeg *float64
	lfeDB    *float64
	mute     bool
	solo     bool
	inserts  []session.Insert
	sends    []session.Send
	output   string
	auto     *session.Automation
}

func (e *Engine) stripOf(n *node) strip {
	s := e.sess
	switch n.kind {
	case trackNode:
		t := s.Track(n.name)
		return strip{t.GainDB, t.Pan, t.PanLaw, t.Width, t.AngleDeg, t.LFEDB, t.Mute, t.Solo, t.Inserts, t.Sends, t.Output, &t.Automation}
	case busNode:
		b := s.Bus(n.name)
		return strip{b.GainDB, b.Pan, b.PanLaw, b.Width, b.AngleDeg, b.LFEDB, b.Mute, b.Solo, b.Inserts, b.Sends, b.Output, &b.Automation}
	}
	m := &s.Master
	return strip{gainDB: m.GainDB, inserts: m.Inserts, auto: &session.Automation{GainDB: m.Automation.GainDB}}
}

func (e *Engine) buildEdges(errs *compileErrs) {
	for _, n := range e.nodes {
		if n.kind == masterNode {
			continue
		}
		st := e.stripOf(n)
		law := st.panLaw
		if law == "" {
			law = e.sess.DefaultPanLaw()
		}
		mk := func(to *node, send, pre bool, line int) *edge {
			lfe := 0.0
			if st.lfeDB != nil {
				lfe = *st.lfeDB
			}
			pl, err := newPlacement(n.layout, to.layout, law, session.WidthOr(st.width), lfe, st.lfeDB != nil)
			if err != nil {
				errs.add(line, nil, "%s %q: %v", n.kind, n.name, err)
				return nil
			}
			ed := &edge{from: n, to: to, send: send, pre: pre, place: pl, hdr: make(audio.Buffer, to.ch)}
			n.outs = append(n.outs, ed)
			to.inputs = append(to.inputs, ed)
			return ed
		}
		n.main = mk(e.byName(st.output), false, false, n.pos.KeyLine("output"))
		for _, sd := range st.sends {
			mk(e.byName(sd.To), true, sd.PreFader, sd.Pos.Line())
		}
	}
}

func (e *Engine) buildStages(errs *compileErrs) {
	for _, n := range e.nodes {
		st := e.stripOf(n)
		for i := range st.inserts {
			in := &st.inserts[i]
			if in.Bypass {
				continue
			}
			where := fmt.Sprintf("%s %q: insert %d (%s)", n.kind, n.name, i+1, in.Type)
			if n.kind == masterNode {
				where = fmt.Sprintf("master: insert %d (%s)", i+1, in.Type)
			}
			p, err := in.NewProcessor()
			if err == nil {
				err = p.Prepare(dsp.Spec{SampleRate: float64(e.rate), Channels: n.ch, MaxFrames: e.block})
			}
			if err != nil {
				errs.add(in.Pos.Line(), nil, "%s: %v (on a %d-channel signal at %d Hz)", where, err, n.ch, e.rate)
				continue
			}
			sg := &stage{p: p}
			if in.Sidechain != "" {
				k, ok := p.(dsp.Keyed)
				if !ok {
					errs.add(in.Pos.KeyLine("sidechain"), nil, "%s: does not take a sidechain", where)
					continue
				}
				sg.keyed, sg.key = k, e.byName(in.Sidechain)
				sg.keyHdr = make(audio.Buffer, sg.key.ch)
			}
			n.stages = append(n.stages, sg)
		}
	}
}

// deps returns the nodes n needs before it can run.
func (n *node) deps() []*node {
	var d []*node
	for _, ed := range n.inputs {
		d = append(d, ed.from)
	}
	for _, sg := range n.stages {
		if sg.key != nil {
			d = append(d, sg.key)
		}
	}
	return d
}

// order assigns levels: a node's level is one more than the highest level
// of the nodes it needs, so the nodes of one level are independent.
func (e *Engine) order() {
	done := map[*node]bool{}
	var visit func(n *node) int
	visit = func(n *node) int {
		if done[n] {
			return n.level
		}
		l := 0
		for _, d := range n.deps() {
			l = max(l, visit(d)+1)
		}
		n.level, done[n] = l, true
		return l
	}
	top := 0
	for _, n := range e.nodes {
		top = max(top, visit(n))
	}
	e.levels = make([][]*node, top+1)
	for _, n := range e.nodes {
		e.levels[n.level] = append(e.levels[n.level], n)
	}
}

// latencies computes every node's input and output latency in level order
// and plans the delays that keep parallel paths aligned: each input of a
// bus is delayed to the latest input's latency, and a sidechain key is
// delayed to its stage's input (or, if the key is the later one, the main
// path is delayed before the stage).
func (e *Engine) latencies() {
	for _, lvl := range e.levels {
		for _, n := range lvl {
			in := 0
			for _, ed := range n.inputs {
				in = max(in, ed.from.outLat)
			}
			n.inLat = in
			cur := in
			for _, sg := range n.stages {
				if sg.key != nil {
					k := sg.key.outLat
					switch {
					case k > cur:
						sg.pre = newDelayLine(k-cur, n.ch, e.rate, e.block)
						cur = k
					case k < cur:
						sg.keyDelay = newDelayLine(cur-k, sg.key.ch, e.rate, e.block)
						sg.keyBuf = audio.NewBuffer(sg.key.ch, e.block)
						sg.keyBufHdr = make(audio.Buffer, sg.key.ch)
					}
				}
				cur += sg.p.Latency()
			}
			n.outLat = cur
		}
	}
	for _, n := range e.nodes {
		for _, ed := range n.inputs {
			if d := n.inLat - ed.from.outLat; d > 0 {
				ed.delay = newDelayLine(d, n.ch, e.rate, e.block)
			}
		}
	}
	e.latency = e.master.outLat
}

// flags decides which nodes are heard (mute and solo) and which must be
// processed at all.
func (e *Engine) flags() {
	soloed := map[*node]bool{}
	anySolo := false
	for _, n := range e.nodes {
		if n.kind != masterNode && e.stripOf(n).solo {
			soloed[n], anySolo = true, true
		}
	}
	for _, n := range e.nodes {
		n.audible, n.state = true, "playing"
		if n.kind == masterNode {
			continue
		}
		if e.stripOf(n).mute {
			n.audible, n.state = false, "muted"
			continue
		}
		if anySolo && n.kind == trackNode {
			heard := false
			for m := n; m != nil && m.kind != masterNode; m = m.main.to {
				heard = heard || soloed[m]
			}
			if !heard {
				n.audible, n.state = false, "solo-muted"
			}
		}
	}
	for _, n := range e.nodes {
		for _, ed := range n.outs {
			ed.active = n.audible
		}
	}
	// Needed: the master, whatever feeds a needed node through an active
	// edge, and the key of a needed node's stage. Walk from the top level
	// down.
	e.master.needed = true
	for l := len(e.levels) - 1; l >= 0; l-- {
		for _, n := range e.levels[l] {
			if !n.needed {
				continue
			}
			for _, ed := range n.inputs {
				if ed.active {
					ed.from.needed = true
				}
			}
			for _, sg := range n.stages {
				if sg.key != nil {
					sg.key.needed = true
				}
			}
		}
	}
	for _, n := range e.nodes {
		if !n.needed && n.state == "playing" {
			n.state = "unused"
		}
		n.cost = n.ch * (1 + 4*len(n.stages))
	}
}

func (e *Engine) buildControls() {
	rate := float64(e.rate)
	for _, n := range e.nodes {
		st := e.stripOf(n)
		fenv := &envelope{pts: st.auto.GainDB, static: st.gainDB}
		n.fader = newControl(1, rate, e.block, func(t float64, dst []float64) { dst[0] = dbGain(fenv.at(t)) }, fenv)
		for _, ed := range n.outs {
			pl := ed.place
			if ed.send {
				var pts session.Envelope
				lvl := 0.0
				for _, sd := range st.sends {
					if sd.To == ed.to.name {
						lvl = sd.LevelDB
					}
				}
				pts = st.auto.SendDB[ed.to.name]
				senv := &envelope{pts: pts, static: lvl}
				ed.level = newControl(1, rate, e.block, func(t float64, dst []float64) { dst[0] = dbGain(senv.at(t)) }, senv)
			}
			k := pl.dst * pl.src
			ed.m = make([]float64, k)
			panEnv := &envelope{pts: st.auto.Pan, static: st.pan}
			angStatic := 30 * st.pan
			if st.angleDeg != nil {
				angStatic = *st.angleDeg
			}
			angEnv := &envelope{pts: st.auto.AngleDeg, static: angStatic}
			surround := pl.mode == placeMonoToSurround || pl.mode == placeStereoToSurround
			if surround && len(st.auto.AngleDeg) == 0 && st.angleDeg == nil && len(st.auto.Pan) > 0 {
				// The angle follows the pan envelope.
				angEnv = &envelope{pts: scaleEnvelope(st.auto.Pan, 30)}
			}
			automated := (len(panEnv.pts) > 0 && !surround) || (len(angEnv.pts) > 0 && surround)
			if !pl.dependsOnPan() || !automated {
				ed.fixedM = make([]float64, k)
				pl.matrix(ed.fixedM, panEnv.static, angEnv.static)
			} else {
				pl.useTable()
				ed.pan = newControl(k, rate, e.block, func(t float64, dst []float64) { pl.matrix(dst, panEnv.at(t), angEnv.at(t)) }, panEnv, angEnv)
			}
			if ed.pan != nil || ed.level != nil && len(ed.level.envs[0].pts) > 0 || len(fenv.pts) > 0 {
				ed.g = make([]float64, e.block)
				ed.gm = make([][]float64, k)
				for j := range ed.gm {
					ed.gm[j] = make([]float64, e.block)
				}
			}
		}
	}
}

func scaleEnvelope(env session.Envelope, f float64) session.Envelope {
	out := make(session.Envelope, len(env))
	for i, p := range env {
		out[i] = session.Point{TimeS: p.TimeS, Value: p.Value * f}
	}
	return out
}

func (e *Engine) buildMeters() error {
	for _, n := range e.nodes {
		if !n.needed || (!n.audible && n.kind != masterNode) {
			continue
		}
		m, err := loudness.New(loudness.Options{SampleRate: e.rate, Channels: n.ch, Layout: n.layout,
			TruePeak: n.kind != trackNode || e.opt.TrackTruePeak})
		if err != nil {
			return fmt.Errorf("mix: %s %q: meter: %w", n.kind, n.name, err)
		}
		n.meter = m
		n.mbuf = audio.NewBuffer(n.ch, e.block)
		n.mhdr = make(audio.Buffer, n.ch)
		n.mhdr2 = make(audio.Buffer, n.ch)
	}
	e.out = audio.NewBuffer(e.master.ch, e.block)
	e.outHdr = make(audio.Buffer, e.master.ch)
	e.outHdr2 = make(audio.Buffer, e.master.ch)
	if e.layout == audio.Layout5_1 {
		f, err := newFoldDown(e.rate, e.block)
		if err != nil {
			return err
		}
		e.fold = f
	}
	return nil
}

// lengths works out how long the render is: the end of the last region
// (known now for sources that declare their length), plus the tail.
func (e *Engine) lengths() {
	s := e.sess
	if s.LengthS != nil {
		e.fixedLen = int64(math.Round(*s.LengthS * float64(e.rate)))
	}
	e.maxTail = int64(math.Round(s.Tail() * float64(e.rate)))
	for _, n := range e.tracks {
		if n.src.length < 0 {
			e.unknownSrc++
			continue
		}
		e.knownEnd = max(e.knownEnd, n.src.start+n.src.length)
	}
}

// Close releases the sources. It may be called more than once.
func (e *Engine) Close() error {
	var first error
	for _, n := range e.tracks {
		if n.src != nil {
			if err := n.src.close(); err != nil && first == nil {
				first = err
			}
		}
	}
	if e.pool != nil {
		e.pool.close()
		e.pool = nil
	}
	return first
}

// Format returns the master output's format: the session's rate and
// layout, 32-bit float samples.
func (e *Engine) Format() audio.Format {
	return audio.Format{SampleRate: e.rate, Channels: e.master.ch, Layout: e.layout, Type: audio.SampleFloat, Bits: 32}
}

// Latency returns the latency of the master path in frames: the render
// runs that much longer and drops that many leading frames, so the output
// is aligned with the session timeline.
func (e *Engine) Latency() int { return e.latency }

// EstimatedFrames returns the length of the render in frames as far as it
// is known before rendering (the tail is decided while rendering), or -1.
func (e *Engine) EstimatedFrames() int64 {
	if e.fixedLen >= 0 {
		return e.fixedLen
	}
	if e.unknownSrc > 0 {
		return -1
	}
	return e.knownEnd
}

// source is a track's audio file, decoded and resampled ahead.
type source struct {
	path   string
	info   audiofile.Info
	file   *audiofile.File
	pf     *audio.Prefetcher
	r      audio.Reader
	layout audio.Layout
	ch     int

	start   int64 // region start on the timeline (frames)
	length  int64 // region length (frames), -1 until known
	read    int64 // region frames delivered
	eof     bool
	fadeIn  int64
	fadeOut int64
	invert  bool
	hdr     audio.Buffer
}

func (e *Engine) openSource(t *session.Track) (*source, error) {
	path := e.sess.ResolvePath(t.File)
	f, err := audiofile.Open(path)
	if err != nil {
		return nil, err
	}
	src := &source{path: path, file: f, info: f.Info(), invert: t.InvertPolarity}
	ok := false
	defer func() {
		if !ok {
			src.close()
		}
	}()
	fm := f.Format()
	src.ch = fm.Channels
	src.layout = fm.ChannelLayout()
	switch {
	case fm.Channels == 1:
		src.layout = audio.LayoutMono
	case fm.Channels == 2:
		src.layout = audio.LayoutStereo
	case fm.Channels == 6 && (src.layout == audio.Layout5_1 || src.layout == audio.Layout5_1Side):
		src.layout = audio.Layout5_1 // side and back surrounds are mixed alike
	default:
		return nil, fmt.Errorf("%s: %d channels (%s): tracks must be mono, stereo or 5.1: %w", path, fm.Channels, fm.ChannelLayout(), audio.ErrUnsupported)
	}
	var r audio.Reader = f
	srcLen := f.Length()
	rate := e.rate
	if fm.SampleRate != rate {
		rs, err := resample.NewReader(f, rate)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		r = rs
		if srcLen >= 0 {
			srcLen = resample.OutputLength(srcLen, fm.SampleRate, rate)
		}
	}
	// Decoding PCM costs about as much as copying its result out of a
	// read-ahead buffer: PCM at the session's rate is read as the render
	// needs it, by the goroutine that processes the track (the pool keeps
	// every core busy). Compressed or resampled sources are decoded ahead,
	// on their own goroutine.
	src.r = r
	if pcm := src.info.Codec == "wav" || src.info.Codec == "rf64" || src.info.Codec == "aiff" || src.info.Codec == "aifc"; !pcm || fm.SampleRate != rate {
		src.pf = audio.NewPrefetcher(r, prefetchFrames, prefetchDepth)
		src.r = src.pf
	}
	src.hdr = make(audio.Buffer, src.ch)
	fr := func(sec float64) int64 { return int64(math.Round(sec * float64(rate))) }
	startF := fr(t.StartS)
	src.start = fr(t.OffsetS)
	src.length = -1
	if srcLen >= 0 {
		src.length = max(0, srcLen-startF)
	}
	if t.EndS > 0 {
		l := fr(t.EndS) - startF
		if src.length < 0 || l < src.length {
			src.length = l
		}
	}
	src.fadeIn, src.fadeOut = fr(t.FadeInS), fr(t.FadeOutS)
	if src.fadeOut > 0 && src.length < 0 {
		return nil, fmt.Errorf("%s does not declare its length, which fade_out_s needs: set end_s", path)
	}
	if src.length >= 0 && src.fadeIn+src.fadeOut > src.length {
		return nil, fmt.Errorf("fades of %g s and %g s are longer than the region (%g s)", t.FadeInS, t.FadeOutS, float64(src.length)/float64(rate))
	}
	// Skip to the region's start.
	if startF > 0 {
		skip := audio.NewBuffer(src.ch, min(int(startF), 8192))
		for left := startF; left > 0; {
			n, err := src.r.ReadFrames(skip.Head(src.hdr, int(min(left, int64(skip.Frames())))))
			left -= int64(n)
			if err == io.EOF {
				src.eof = true
				src.length = 0
				break
			}
			if err != nil {
				return nil, err
			}
		}
	}
	ok = true
	return src, nil
}

func (s *source) close() error {
	if s.pf != nil {
		s.pf.Close()
	}
	if s.file != nil {
		err := s.file.Close()
		s.file = nil
		return err
	}
	return nil
}

package analysis

import (
	"math"
	"strconv"
	"sync"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/loudness"
)

// Internal sizes.
const (
	maxChunk       = 8192 // frames processed per step (bounds scratch memory)
	windowsPerCorr = 8    // 50 ms windows per 400 ms correlation window
)

// params are read-only settings shared by the per-channel loops.
type params struct {
	clipTol      float64
	clipRunMin   int64
	fullScaleThr float32 // clipThreshold(1, clipTol)
	silence      float32 // linear silence threshold
	gridMaxBits  int     // stop the bit-grid scan above this many bits
}

// Analyzer measures one programme: loudness, dynamics, stereo image,
// spectrum and defects. Feed it with Write, then call Report. Memory is fixed
// at creation (about 2 MB for stereo at 44.1 kHz) and does not grow with the
// length of the programme.
//
// Write runs the loudness meters on other goroutines while the rest of the
// analysis runs on the caller's; they may still be working on a copy of the
// last chunk when Write returns, and Report waits for them. Results are
// bit-identical whatever GOMAXPROCS and however the stream is cut into
// blocks. An Analyzer is not safe for concurrent use.
type Analyzer struct {
	opt   Options
	p     params
	rate  int
	nch   int
	names []string

	meter *loudness.Meter // the programme, with true peak
	fold  *loudness.Meter // (L+R)/2 as dual mono; nil for mono
	pair  *loudness.Meter // L/R only, for streams of more than two channels
	left  int             // stereo pair, −1 for mono
	right int

	frames int64
	chans  []chanStats

	winLen  int // frames per 50 ms window (rate/20)
	winPos  int // frames into the current window
	windows int64
	wLR     float64 // ΣL·R of the current window
	noise   levelHist

	// correlation window partials and totals (stereo)
	corr      corrSums
	corrTotal corrSums
	corrWins  int
	minCorr   float64
	minCorrAt int64 // start frame of the window with minCorr (−1: none)

	spec *spectrum
	hum  *hum

	pending   audio.Buffer // frames waiting for a full chunk
	pendN     int
	mid, side []float32    // the chunk's mid and side (of midBuf, sideBuf)
	midBuf    [2][]float32 // alternate chunks' mid, read by the fold meter
	sideBuf   [2][]float32 // and side, read by the spectrum
	specMid   []float32    // the chunk the spectrum and hum goroutine reads
	specSide  []float32
	jobBuf    [2]audio.Buffer
	jobHdr    [2]audio.Buffer
	slot      int          // which of the pairs the next chunk uses
	hdr       audio.Buffer // scratch headers
	foldMid   []float32
	foldHdr   audio.Buffer
	pairHdr   audio.Buffer
	wg        sync.WaitGroup
}

// corrSums are the sums a Pearson correlation needs.
type corrSums struct{ l, r, ll, rr, lr, n float64 }

func (c *corrSums) add(d corrSums) {
	c.l += d.l
	c.r += d.r
	c.ll += d.ll
	c.rr += d.rr
	c.lr += d.lr
	c.n += d.n
}

// pearson returns the correlation, NaN when a channel is constant.
func (c corrSums) pearson() float64 {
	if c.n == 0 {
		return math.NaN()
	}
	vl := c.ll - c.l*c.l/c.n
	vr := c.rr - c.r*c.r/c.n
	if vl <= 0 || vr <= 0 {
		return math.NaN()
	}
	r := (c.lr - c.l*c.r/c.n) / math.Sqrt(vl*vr)
	return max(-1, min(1, r))
}

// New returns an Analyzer for a stream described by opt. It fails if the
// format is unsupported or a threshold is out of range.
func New(opt Options) (*Analyzer, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	a := &Analyzer{opt: opt, rate: opt.SampleRate, nch: opt.Channels, left: -1, right: -1}
	a.meter, err = loudness.New(loudness.Options{SampleRate: opt.SampleRate, Channels: opt.Channels, Layout: opt.Layout, TruePeak: true, TruePeakFilter: opt.TruePeakFilter})
	if err != nil {
		return nil, err
	}
	a.names = channelNames(opt.Layout, opt.Channels)
	if opt.Channels >= 2 {
		a.left, a.right = 0, 1
		for i := range opt.Channels {
			switch opt.Layout.Speaker(i) {
			case audio.FrontLeft:
				a.left = i
			case audio.FrontRight:
				a.right = i
			}
		}
		if a.left == a.right {
			a.left, a.right = 0, 1
		}
		a.fold, _ = loudness.New(loudness.Options{SampleRate: opt.SampleRate, Channels: 1, DualMono: true})
		a.foldHdr = make(audio.Buffer, 1)
		if opt.Channels > 2 {
			a.pair, _ = loudness.New(loudness.Options{SampleRate: opt.SampleRate, Channels: 2, Layout: audio.LayoutStereo})
			a.pairHdr = make(audio.Buffer, 2)
		}
		a.midBuf = [2][]float32{make([]float32, maxChunk), make([]float32, maxChunk)}
		a.sideBuf = [2][]float32{make([]float32, maxChunk), make([]float32, maxChunk)}
		a.mid, a.side = a.midBuf[0], a.sideBuf[0]
	}
	for i := range a.jobBuf {
		a.jobBuf[i] = audio.NewBuffer(opt.Channels, maxChunk)
		a.jobHdr[i] = make(audio.Buffer, opt.Channels)
	}
	a.hdr = make(audio.Buffer, opt.Channels)
	a.pending = audio.NewBuffer(opt.Channels, maxChunk)

	a.p = params{
		clipTol:      opt.ClipTolerance,
		clipRunMin:   int64(opt.ClipRunMin),
		fullScaleThr: clipThreshold(1, opt.ClipTolerance),
		silence:      float32(math.Pow(10, opt.SilenceThresholdDB/20)),
		gridMaxBits:  32,
	}
	if !opt.SourceFloat && opt.SourceBits >= 1 && opt.SourceBits <= 32 {
		a.p.gridMaxBits = opt.SourceBits - 1
	}
	a.chans = make([]chanStats, opt.Channels)
	for i := range a.chans {
		a.chans[i].init()
	}
	a.winLen = max(1, opt.SampleRate/20)
	a.minCorr, a.minCorrAt = math.NaN(), -1
	a.spec = newSpectrum(opt.SampleRate, a.left >= 0)
	a.hum = newHum(opt.SampleRate, opt.HumMinProminenceDB, opt.HumMinLevelDB)
	return a, nil
}

// channelNames names channels by speaker position, "chN" (1-based) when
// the layout does not say.
func channelNames(l audio.Layout, n int) []string {
	names := make([]string, n)
	for i := range names {
		if s := l.Speaker(i); s != 0 {
			names[i] = s.String()
		} else {
			names[i] = "ch" + strconv.Itoa(i+1)
		}
	}
	return names
}

// Write analyzes the frames of buf, which must have Options.Channels
// channels (it panics otherwise). Any block size works, including 0.
//
// Frames are analyzed in chunks of a fixed size counted from the start of
// the stream, whatever the block sizes, so that every component (the
// loudness meter included, whose sums would otherwise round differently)
// sees the same pieces; frames short of a chunk wait in an internal buffer
// until the next Write or Report.
func (a *Analyzer) Write(buf audio.Buffer) {
	if len(buf) != a.nch {
		panic("analysis: Write buffer has the wrong channel count")
	}
	n := buf.Frames()
	off := 0
	if a.pendN > 0 {
		k := min(n, maxChunk-a.pendN)
		for c := range buf {
			copy(a.pending[c][a.pendN:], buf[c][:k])
		}
		a.pendN += k
		off = k
		if a.pendN == maxChunk {
			a.writeChunk(a.pending)
			a.pendN = 0
		}
	}
	for ; n-off >= maxChunk; off += maxChunk {
		a.writeChunk(buf.Slice(a.hdr, off, off+maxChunk))
	}
	if off < n {
		for c := range buf {
			copy(a.pending[c], buf[c][off:n])
		}
		a.pendN = n - off
	}
}

// flush analyzes the frames waiting in the internal buffer.
func (a *Analyzer) flush() {
	if a.pendN > 0 {
		a.writeChunk(a.pending.Slice(a.hdr, 0, a.pendN))
		a.pendN = 0
	}
}

func (a *Analyzer) runMeter(c audio.Buffer) {
	a.meter.Write(c)
	a.wg.Done()
}

func (a *Analyzer) runFold() {
	a.writeFold()
	a.wg.Done()
}

// writeFold feeds the fold meter (and the pair meter) with the chunk whose
// mid signal scan just computed.
func (a *Analyzer) writeFold() {
	a.foldHdr[0] = a.foldMid
	a.fold.Write(a.foldHdr)
	if a.pair != nil {
		a.pair.Write(a.pairHdr)
	}
}

// writeChunk analyzes at most maxChunk frames. The loudness meters and
// the spectrum and hum analyses run on their own goroutines, one chunk
// behind: the chunk is copied for them, the caller's goroutine scans it
// (while they may still be busy with the previous chunk), waits for them,
// starts them on this chunk and returns with them still working, so that
// they overlap the decoding and scanning of the next block. Every
// component owns its state and sees the chunks in order, so the results do
// not depend on scheduling.
func (a *Analyzer) writeChunk(c audio.Buffer) {
	n := c.Frames()
	slot := a.slot
	a.slot ^= 1
	job := a.jobBuf[slot].Slice(a.jobHdr[slot], 0, n)
	for ch := range c {
		sanitize(job[ch], c[ch])
	}
	c = job
	if a.left >= 0 {
		a.mid, a.side = a.midBuf[slot], a.sideBuf[slot]
	}
	a.scan(c)
	a.wg.Wait() // the meters are done with the previous chunk
	a.wg.Add(1)
	go a.runMeter(job)
	mid, side := c[0], []float32(nil)
	if a.left >= 0 {
		mid, side = a.mid[:n], a.side[:n]
		a.foldMid = mid
		if a.pair != nil {
			a.pairHdr[0], a.pairHdr[1] = job[a.left], job[a.right]
		}
		a.wg.Add(1)
		go a.runFold()
	}
	a.specMid, a.specSide = mid, side
	a.wg.Add(1)
	go a.runSpectrum()
	a.frames += int64(n)
}

func (a *Analyzer) runSpectrum() {
	a.spec.write(a.specMid, a.specSide)
	a.hum.write(a.specMid)
	a.wg.Done()
}

// sanitize copies src to dst, replacing NaN with 0 and clamping
// magnitudes above audio.MaxFloatSample (infinities included), as the
// decoders do, so that a damaged block cannot poison the measurements (or
// crash the meters, whose histograms index by level).
func sanitize(dst, src []float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		switch {
		case v != v:
			v = 0
		case v > audio.MaxFloatSample:
			v = audio.MaxFloatSample
		case v < -audio.MaxFloatSample:
			v = -audio.MaxFloatSample
		}
		dst[i] = v
	}
}

// wait returns when the meters have caught up with everything written.
func (a *Analyzer) wait() { a.wg.Wait() }

// scan runs the per-sample statistics over a chunk, in pieces that end at
// window boundaries, and fills the mid and side scratch.
func (a *Analyzer) scan(c audio.Buffer) {
	n := c.Frames()
	for off := 0; off < n; {
		k := min(n-off, a.winLen-a.winPos)
		pos := a.frames + int64(off)
		for ch := range a.chans {
			a.chans[ch].scan(c[ch][off:off+k], pos, &a.p)
		}
		if a.left >= 0 {
			a.wLR = midSide(a.mid[off:off+k], a.side[off:off+k], c[a.left][off:off+k], c[a.right][off:off+k], a.wLR)
		}
		off += k
		a.winPos += k
		if a.winPos == a.winLen {
			a.endWindow(a.frames + int64(off))
		}
	}
}

// midSide writes (l+r)/2 and (l−r)/2 and returns lr plus Σl·r.
func midSide(mid, side, l, r []float32, lr float64) float64 {
	mid = mid[:len(l)]
	side = side[:len(l)]
	r = r[:len(l)]
	for i, x := range l {
		y := r[i]
		lr += float64(x) * float64(y)
		mid[i] = 0.5 * (x + y)
		side[i] = 0.5 * (x - y)
	}
	return lr
}

// endWindow closes the 50 ms window that ends before frame end: the
// noise-floor histogram, the correlation windows and the channel totals.
func (a *Analyzer) endWindow(end int64) {
	a.noise.addWindow(a.chans, a.winPos)
	if a.left >= 0 {
		l, r := &a.chans[a.left], &a.chans[a.right]
		a.corr.add(corrSums{l: l.wSum, r: r.wSum, ll: l.wSq, rr: r.wSq, lr: a.wLR, n: float64(a.winPos)})
		a.wLR = 0
		a.corrWins++
		if a.corrWins == windowsPerCorr {
			a.endCorrWindow(end - int64(a.corr.n))
		}
	}
	for i := range a.chans {
		a.chans[i].endWindow()
	}
	a.winPos = 0
	a.windows++
}

// endCorrWindow closes a correlation window that started at frame start.
func (a *Analyzer) endCorrWindow(start int64) {
	c := a.corr
	a.corrTotal.add(c)
	a.corr, a.corrWins = corrSums{}, 0
	thr := float64(a.p.silence)
	if c.ll/c.n <= thr*thr || c.rr/c.n <= thr*thr {
		return
	}
	if r := c.pearson(); !math.IsNaN(r) && (math.IsNaN(a.minCorr) || r < a.minCorr) {
		a.minCorr, a.minCorrAt = r, start
	}
}

// levelHist is a histogram of window RMS levels for the noise floor.
type levelHist struct {
	count [histBins]int64
	n     int64
}

const (
	histLowDB = -200.0
	histStep  = 0.05
	histBins  = int(260 / histStep) // −200 … +60 dB
)

// addWindow records the RMS level over all channels of a window of frames
// frames, unless the window is digital silence.
func (h *levelHist) addWindow(chans []chanStats, frames int) {
	var sq float64
	for i := range chans {
		sq += chans[i].wSq
	}
	if sq == 0 || frames == 0 {
		return
	}
	db := 10 * math.Log10(sq/float64(frames*len(chans)))
	b := int(math.Floor((db - histLowDB) / histStep))
	h.count[min(max(b, 0), histBins-1)]++
	h.n++
}

// percentile returns the nearest-rank p-th percentile level (dB, the
// centre of its bin), −Inf when empty.
func (h *levelHist) percentile(p float64) float64 {
	if h.n == 0 {
		return math.Inf(-1)
	}
	rank := max(int64(math.Ceil(p/100*float64(h.n))), 1)
	var seen int64
	for b, c := range h.count {
		seen += c
		if seen >= rank {
			return histLowDB + (float64(b)+0.5)*histStep
		}
	}
	return math.Inf(-1)
}

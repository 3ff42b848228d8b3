package master

import (
	"context"
	"errors"
	"io"
	"math"
	"sync"

	"github.com/mixdown/mixdown/analysis"
	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/audio/audiofile"
	"github.com/mixdown/mixdown/dsp"
	"github.com/mixdown/mixdown/dsp/dynamics"
	"github.com/mixdown/mixdown/dsp/truepeak"
	"github.com/mixdown/mixdown/loudness"
)

// blockFrames is the processing block size.
const blockFrames = 4096

// Source opens the programme to master; it is called once per pass that
// reads the input (masters read their input more than once instead of
// holding it in memory).
type Source func() (audio.ReadCloser, error)

// FileSource opens path with audiofile.Open.
func FileSource(path string) Source {
	return func() (audio.ReadCloser, error) { return audiofile.Open(path) }
}

// Output says what to write.
type Output struct {
	// Path of the master; "" renders and measures without writing.
	Path string
	// Container; "" picks it from Path's extension.
	Container audiofile.Container
	// SampleRate (Hz) and Bits of delivery; 0 takes the target's, then the
	// input's rate and 24 bits. Bits 32 means 32-bit float.
	SampleRate int
	Bits       int
	// Dither for integer output (default TPDF; shaped for 16 bits when
	// asked).
	Dither audio.Dither
	// PreviewDir, when set, receives preview-before.wav and
	// preview-after.wav: the loudest 30 s, level-matched.
	PreviewDir string
	// TempDir holds the temporary render (default os.TempDir()).
	TempDir string
}

// Progress, if set, is told which pass runs and how far it is (0..1).
type Progress func(pass string, fraction float64)

// passStage is one step of a streaming pass: processors run in order on
// the stage's own goroutine, then observers (meters, writers) see the
// processed blocks. The stage drops its processors' latency from the start
// and flushes it with zeros at the end, so that its output frame i lines up
// with its input frame i.
type passStage struct {
	procs dsp.Chain
	sinks []func(audio.Buffer) error
}

// passPlan describes one streaming pass: a source and a pipeline of
// stages. Every stage runs on its own goroutine, so a pass with two heavy
// stages uses both cores; blocks flow through the stages in order and
// every processor sees the same blocks whatever the scheduling, so the
// output is deterministic.
type passPlan struct {
	src    audio.Reader
	stages []passStage
	total  int64 // frames expected (for progress; -1 unknown)
	name   string
	report Progress
}

// block is frames [from, to) of a pooled buffer.
type block struct {
	full     audio.Buffer
	from, to int
}

// firstError keeps the first error reported by any goroutine of a pass.
type firstError struct {
	mu  sync.Mutex
	err error
}

func (f *firstError) set(err error) {
	f.mu.Lock()
	if f.err == nil {
		f.err = err
	}
	f.mu.Unlock()
}

func (f *firstError) get() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// run streams the pass and returns the number of frames out of the last
// stage.
func (pp *passPlan) run(ctx context.Context) (int64, error) {
	nc := pp.src.Format().Channels
	pf := audio.NewPrefetcher(pp.src, blockFrames, 4)
	defer pf.Close()
	nbuf := 4 + 3*len(pp.stages)
	pool := make(chan audio.Buffer, nbuf)
	for i := 0; i < nbuf; i++ {
		pool <- audio.NewBuffer(nc, blockFrames)
	}
	var errs firstError
	in := make(chan block, 2)
	ch := in
	for _, st := range pp.stages {
		out := make(chan block, 2)
		go st.run(ch, out, pool, nc, &errs)
		ch = out
	}
	var outFrames int64
	done := make(chan struct{})
	go func() {
		for b := range ch {
			outFrames += int64(b.to - b.from)
			pool <- b.full
		}
		close(done)
	}()

	var read int64
	hdr := make(audio.Buffer, nc)
	for {
		if err := ctx.Err(); err != nil {
			errs.set(err)
			break
		}
		if errs.get() != nil {
			break
		}
		full := <-pool
		n, err := audio.ReadFull(pf, full.Head(hdr, blockFrames))
		if err != nil && err != io.EOF {
			errs.set(err)
		}
		if n > 0 && errs.get() == nil {
			read += int64(n)
			in <- block{full: full, to: n}
			if pp.report != nil && pp.total > 0 {
				pp.report(pp.name, math.Min(1, float64(read)/float64(pp.total)))
			}
		} else {
			pool <- full
		}
		if n < blockFrames || err != nil {
			break
		}
	}
	close(in)
	<-done
	return outFrames, errs.get()
}

// run is the stage's goroutine: it processes the blocks from in, feeds its
// sinks and passes the blocks on to out (closing it at the end).
func (st passStage) run(in <-chan block, out chan<- block, pool chan audio.Buffer, nc int, errs *firstError) {
	defer close(out)
	lat := 0
	if len(st.procs) > 0 {
		lat = st.procs.Latency()
	}
	skip, pad := lat, lat
	hdr := make(audio.Buffer, nc)
	handle := func(b block) {
		if len(st.procs) > 0 {
			st.procs.Process(b.full.Slice(hdr, b.from, b.to))
		}
		if skip > 0 {
			k := min(skip, b.to-b.from)
			skip -= k
			b.from += k
		}
		if b.from == b.to {
			pool <- b.full
			return
		}
		if errs.get() == nil {
			v := b.full.Slice(hdr, b.from, b.to)
			for _, s := range st.sinks {
				if err := s(v); err != nil {
					errs.set(err)
					break
				}
			}
		}
		out <- b
	}
	for b := range in {
		handle(b)
	}
	for pad > 0 && errs.get() == nil {
		full := <-pool
		n := min(pad, blockFrames)
		for c := range full {
			clear(full[c][:n])
		}
		pad -= n
		handle(block{full: full, to: n})
	}
}

// meterSink feeds a loudness meter (with true peak when tp is set) on
// its own goroutine, so metering overlaps processing.
type meterSink struct {
	m *loudness.Meter
	*asyncSink
}

func newMeterSink(rate, channels int, tp *truepeak.Filter) (*meterSink, error) {
	m, err := loudness.New(loudness.Options{SampleRate: rate, Channels: channels, TruePeak: tp != nil, TruePeakFilter: tp})
	if err != nil {
		return nil, err
	}
	return &meterSink{m: m, asyncSink: newAsyncSink(channels, func(b audio.Buffer) error { m.Write(b); return nil })}, nil
}

// close waits for the meter and returns it.
func (s *meterSink) close() *loudness.Meter {
	s.asyncSink.close()
	return s.m
}

// asyncSink hands blocks to fn on its own goroutine, so the work
// overlaps the pass; fn sees the blocks in order. The first error fn
// returns is returned by the following write and by close.
type asyncSink struct {
	fn     func(audio.Buffer) error
	ch     chan audio.Buffer
	free   chan audio.Buffer
	wg     sync.WaitGroup
	mu     sync.Mutex
	err    error
	closed bool
}

func newAsyncSink(channels int, fn func(audio.Buffer) error) *asyncSink {
	s := &asyncSink{fn: fn, ch: make(chan audio.Buffer, 2), free: make(chan audio.Buffer, 3)}
	for i := 0; i < 3; i++ {
		s.free <- audio.NewBuffer(channels, blockFrames)
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for b := range s.ch {
			if s.failed() == nil {
				if err := s.fn(b); err != nil {
					s.mu.Lock()
					s.err = err
					s.mu.Unlock()
				}
			}
			s.free <- b[:len(b):len(b)]
		}
	}()
	return s
}

func (s *asyncSink) failed() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *asyncSink) write(b audio.Buffer) error {
	if err := s.failed(); err != nil {
		return err
	}
	c := <-s.free
	for i := range c {
		c[i] = c[i][:cap(c[i])][:b.Frames()]
		copy(c[i], b[i])
	}
	s.ch <- c
	return nil
}

// close waits until fn has seen every block; later calls do nothing but
// return the error.
func (s *asyncSink) close() error {
	if !s.closed {
		s.closed = true
		close(s.ch)
		s.wg.Wait()
	}
	return s.failed()
}

// Result is what a master run produced and measured.
type Result struct {
	Plan       *Plan                         `json:"plan"`
	Input      *analysis.Report              `json:"-"`
	Output     *analysis.Report              `json:"-"`
	GainDB     float64                       `json:"gain_db"`
	TrimDB     float64                       `json:"trim_db"`
	Limiter    dynamics.GainReductionStats   `json:"limiter"`
	Multiband  []dynamics.GainReductionStats `json:"multiband,omitempty"`
	Iterations int                           `json:"loudness_iterations"`
	// ReachedLUFS is the integrated loudness of the written master and
	// TruePeakDBTP its true peak measured at 8x (finer than the meters it
	// is judged by).
	ReachedLUFS  float64 `json:"reached_lufs"`
	TruePeakDBTP float64 `json:"true_peak_dbtp"`
	// Shortfall explains a target that was not met (empty when met).
	Shortfall string `json:"shortfall,omitempty"`
	// PreviewStartS is where the loudest 30 s begin (s).
	PreviewStartS float64      `json:"preview_start_s"`
	OutFormat     audio.Format `json:"-"`
	Chain         []string     `json:"chain"`
	// EQRealized (and EQSideRealized for mid/side EQ) is the response
	// the fitted EQ sections actually give at the ISO third-octave
	// centres, to compare with the plan.
	EQRealized     []EQPoint `json:"eq_realized,omitempty"`
	EQSideRealized []EQPoint `json:"eq_side_realized,omitempty"`
	afterClip      audio.Buffer
}

func loudnessMeter(rate, channels int) (*loudness.Meter, error) {
	return loudness.New(loudness.Options{SampleRate: rate, Channels: channels})
}

// ErrSilent is returned for programmes with nothing to master.
var ErrSilent = errors.New("silent programme")

// verifyFilter is the true-peak detector the written master is checked
// with: 8x, finer than libebur128 (4x) and about as fine as ffmpeg's
// 192 kHz resampling at 44.1 kHz.
func verifyFilter() *truepeak.Filter { return truepeak.Design(8, 24) }

package resample

import (
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/mixdown/mixdown/audio"
)

// ErrRate is wrapped by New and NewReader for a sample rate outside
// audio.MinSampleRate..audio.MaxSampleRate; it also wraps audio.ErrUnsupported.
var ErrRate = fmt.Errorf("resample: sample rate out of range: %w", audio.ErrUnsupported)

// blockFrames is the number of input frames each stage buffers beyond its
// filter length, and tmpFrames the most frames moved between stages at once.
const (
	blockFrames = 4096
	tmpFrames   = 2048
)

// Parallel work: a batch is split over goroutines only when it holds at least
// parallelMACs multiply-adds per part, and into at most maxParts parts.
const (
	parallelMACs = 1 << 17
	maxParts     = 8
)

// A Resampler converts a stream of planar float32 audio from one sample rate
// to another. It keeps filter state and history in float64.
//
// Output frame k is the band-limited value of the input at time
// k·inRate/outRate input frames: there is no delay, and input before the
// first frame and after the last is taken as silence. Converting N input
// frames gives exactly OutputLength(N, inRate, outRate) output frames once
// Flush reports done. When inRate == outRate the samples pass through
// unchanged.
//
// The output is a pure function of the input samples: it does not depend on
// how the input is split between Process calls, on the size of dst, or on
// GOMAXPROCS. A Resampler is not safe for concurrent use (but see
// SetParallel).
type Resampler struct {
	inRate, outRate int
	channels        int
	stages          []*stage // empty for a pass-through
	stageRates      []int    // input rate of each stage in Hz
	tmp             [][]float64

	outN, inN int64 // frames produced and consumed
	leadZeros int64 // silence before input frame 0 still to feed the first stage

	parallel bool
	flushing bool
	outTotal int64 // when flushing: OutputLength(inN)

	// The current batch, shared with helpers (see run).
	bStage          *stage
	bDst            [][]float64
	bCount          int
	bChunk, bChunks int
	bNext, bSlots   atomic.Int64
	bState          atomic.Int64
	bDone           chan struct{}
}

// New returns a Resampler from inRate to outRate Hz for the given number of
// channels. It returns an error wrapping ErrRate for a rate outside
// audio.MinSampleRate..audio.MaxSampleRate, and one wrapping
// audio.ErrUnsupported for a channel count outside 1..audio.MaxChannels.
func New(inRate, outRate, channels int) (*Resampler, error) {
	for _, r := range [2]int{inRate, outRate} {
		if r < audio.MinSampleRate || r > audio.MaxSampleRate {
			return nil, fmt.Errorf("%d Hz (supported: %d to %d Hz): %w", r, audio.MinSampleRate, audio.MaxSampleRate, ErrRate)
		}
	}
	if channels < 1 || channels > audio.MaxChannels {
		return nil, fmt.Errorf("resample: %d channels (supported: 1 to %d): %w", channels, audio.MaxChannels, audio.ErrUnsupported)
	}
	r := &Resampler{inRate: inRate, outRate: outRate, channels: channels}
	r.bDone = make(chan struct{}, 1)
	if inRate != outRate {
		r.plan()
		r.tmp = newHistory(channels, tmpFrames)
	}
	r.Reset()
	return r, nil
}

// plan builds the stage chain. Downsampling may start with half-band
// decimators and upsampling may end with half-band interpolators; of the
// chains that are valid, plan takes the one with the fewest multiply-adds
// per output frame (a single polyphase stage is always a candidate).
//
// A chain must alias and image exactly like the single-stage design: with
// fp and fs the passband and stopband edges of the whole conversion (20 and
// 24.1 kHz for 44.1 kHz), only content between the lower Nyquist frequency
// and fs may fold, and only into fp…Nyquist. So a half-band stage that is
// not the one at the lower rate's end of the chain passes up to fs and
// rejects from half its high rate minus fs; it exists only where that leaves
// a transition band. The half-band stage at the end (e.g. 96 → 48 kHz, or
// 48 → 96 kHz) is the single-stage design itself: passband fp, stopband
// from fs.
func (r *Resampler) plan() {
	low := min(r.inRate, r.outRate)
	fp := passEdge * float64(low)
	fs := float64(low) - fp
	type cand struct {
		n    int // half-band stages
		cost float64
	}
	// Cost in multiply-adds per output frame at the output rate, plus a
	// small overhead per stage for moving frames.
	const overhead = 6
	out := float64(r.outRate)
	best := cand{0, polyCost(r.inRate, r.outRate)}
	if r.inRate > r.outRate {
		cost, f := 0.0, r.inRate
		for n := 1; f%2 == 0 && f/2 >= r.outRate; n++ {
			edge := fs
			if f/2 == r.outRate {
				edge = fp
			} else if float64(f)/2-fs <= fs+1 {
				break // no transition band left
			}
			cost += (float64(halfTaps(edge/float64(f))) + overhead) * float64(f) / 2 / out
			f /= 2
			c := cost
			if f != r.outRate {
				c += polyCost(f, r.outRate) + overhead
			}
			if c < best.cost {
				best = cand{n, c}
			}
		}
		f = r.inRate
		for n := 0; n < best.n; n++ {
			edge := fs
			if f/2 == r.outRate {
				edge = fp
			}
			r.add(newHalfStage(true, f, edge, r.channels, blockFrames/2), f)
			f /= 2
		}
		if f != r.outRate {
			r.add(newPolyStage(f, r.outRate, r.channels, blockFrames), f)
		}
		return
	}
	// Upsampling: n interpolators from f = outRate/2ⁿ; the first of them
	// (at the low end) is the single-stage design if f == inRate.
	cost, f := 0.0, r.outRate
	for n := 1; f%2 == 0 && f/2 >= r.inRate; n++ {
		f /= 2
		edge := fs
		if f == r.inRate {
			edge = fp
		} else if float64(f)-fs <= fs+1 {
			break
		}
		cost += (float64(halfTaps(edge/float64(2*f)))/2 + overhead) * 2 * float64(f) / out
		c := cost
		if f != r.inRate {
			c += (polyCost(r.inRate, f) + overhead) * float64(f) / out
		}
		if c < best.cost {
			best = cand{n, c}
		}
	}
	f = r.outRate >> best.n
	if f != r.inRate {
		r.add(newPolyStage(r.inRate, f, r.channels, blockFrames), r.inRate)
	}
	for range best.n {
		edge := fs
		if f == r.inRate {
			edge = fp
		}
		r.add(newHalfStage(false, 2*f, edge, r.channels, blockFrames/2), f)
		f *= 2
	}
}

func (r *Resampler) add(st *stage, rate int) {
	r.stages = append(r.stages, st)
	r.stageRates = append(r.stageRates, rate)
}

// polyCost is the number of taps per output frame of a polyphase stage.
func polyCost(inRate, outRate int) float64 {
	k := newKernel(inRate, outRate)
	return float64((2*int(math.Ceil(k.reach())) + 3) &^ 3)
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// InRate returns the input sample rate in Hz.
func (r *Resampler) InRate() int { return r.inRate }

// OutRate returns the output sample rate in Hz.
func (r *Resampler) OutRate() int { return r.outRate }

// Channels returns the number of channels.
func (r *Resampler) Channels() int { return r.channels }

// Lookahead returns an upper bound on how many input frames beyond an output
// frame's own time the filters read: output frame k can be produced once
// input frames up to ⌊k·inRate/outRate⌋ + Lookahead() have been given (or
// Flush was called). It is 0 for a pass-through. It is not a delay: the
// output is aligned with the input.
func (r *Resampler) Lookahead() int {
	la := 0.0
	for i, st := range r.stages {
		la += float64(st.lookInput) * float64(r.inRate) / float64(r.stageRates[i])
	}
	return int(math.Ceil(la)) + len(r.stages)
}

// SetParallel lets Process and Flush share large batches of work with helper
// goroutines (at most GOMAXPROCS − 1, and only those idle at that moment).
// The output is bit-identical either way. It is off by default: on machines
// whose cores share floating-point units (SMT siblings, many small cloud
// VMs) the hand-off costs more than it gains; on a machine with idle
// physical cores it approaches a speed-up of the number of cores.
func (r *Resampler) SetParallel(on bool) { r.parallel = on }

// Reset returns the Resampler to its initial state, ready for a new stream.
func (r *Resampler) Reset() {
	r.outN, r.inN = 0, 0
	r.flushing, r.outTotal = false, 0
	if len(r.stages) == 0 {
		return
	}
	// Each stage starts at the first output its consumer reads (output 0
	// for the last); the first stage's history starts with the silence
	// before input frame 0.
	first := int64(0)
	for i := len(r.stages) - 1; i >= 0; i-- {
		r.stages[i].reset(first)
		first = r.stages[i].next
	}
	r.leadZeros = max(0, -r.stages[0].next)
}

// OutputLength returns the number of output frames that inFrames input frames
// convert to: inFrames·outRate/inRate rounded to the nearest integer, halves
// rounded up. It panics if inFrames is negative or a rate is not positive.
func OutputLength(inFrames int64, inRate, outRate int) int64 {
	if inFrames < 0 || inRate <= 0 || outRate <= 0 {
		panic("resample: OutputLength with negative length or non-positive rate")
	}
	// ⌊(2·N·out + in) / (2·in)⌋ in 128-bit arithmetic.
	hi, lo := bits.Mul64(uint64(inFrames), 2*uint64(outRate))
	lo, carry := bits.Add64(lo, uint64(inRate), 0)
	hi += carry
	d := 2 * uint64(inRate)
	if hi >= d {
		panic("resample: OutputLength overflows int64")
	}
	quo, _ := bits.Div64(hi, lo, d)
	if quo > 1<<63-1 {
		panic("resample: OutputLength overflows int64")
	}
	return int64(quo)
}

// Process converts input frames from src into output frames in dst and
// returns how many output frames it wrote to the start of dst and how many
// input frames it consumed from the start of src. Unconsumed input must be
// passed again in the next call. Whenever dst and src are both non-empty it
// makes progress (produced + consumed > 0), and it consumes all of src when
// dst has room for the output that input allows. Process never allocates.
//
// It panics if dst or src has the wrong number of channels or if Flush has
// been called since the last Reset.
func (r *Resampler) Process(dst, src audio.Buffer) (produced, consumed int) {
	if len(dst) != r.channels || len(src) != r.channels {
		panic("resample: Process with wrong channel count")
	}
	if r.flushing {
		panic("resample: Process after Flush (call Reset first)")
	}
	if len(r.stages) == 0 {
		n := audio.Copy(dst, src)
		r.inN += int64(n)
		r.outN += int64(n)
		return n, n
	}
	nIn := src.Frames()
	for {
		progress := r.pump(dst, &produced, -1)
		if r.leadZeros > 0 {
			z := int(min(int64(r.stages[0].room()), r.leadZeros))
			r.stages[0].push(nil, nil, 0, z)
			r.leadZeros -= int64(z)
			progress = progress || z > 0
			if r.leadZeros > 0 {
				continue
			}
		}
		if c := min(r.stages[0].room(), nIn-consumed); c > 0 {
			r.stages[0].push(src, nil, consumed, c)
			consumed += c
			r.inN += int64(c)
			progress = true
		}
		if !progress {
			return produced, consumed
		}
	}
}

// Flush emits the output that remains after the last input frame, treating
// the input beyond its end as silence, up to the exact total of
// OutputLength(consumed frames). It returns the number of frames written to
// dst and whether the stream is complete; call it until done is true (a dst
// of any non-zero size makes progress). After that, Reset starts a new
// stream. Flush never allocates. It panics if dst has the wrong number of
// channels.
func (r *Resampler) Flush(dst audio.Buffer) (produced int, done bool) {
	if len(dst) != r.channels {
		panic("resample: Flush with wrong channel count")
	}
	if !r.flushing {
		r.flushing = true
		r.outTotal = OutputLength(r.inN, r.inRate, r.outRate)
		r.leadZeros = 0 // Flush feeds silence anyway
	}
	if len(r.stages) == 0 {
		return 0, true
	}
	for r.outN < r.outTotal {
		progress := r.pump(dst, &produced, r.outTotal-r.outN)
		if z := r.stages[0].room(); z > 0 {
			r.stages[0].push(nil, nil, 0, z) // silence after the end
			progress = true
		}
		if !progress {
			break
		}
	}
	return produced, r.outN == r.outTotal
}

// pump moves what each stage can produce into the next stage, and what the
// last one can produce (at most limit frames if limit >= 0) into dst from
// frame *produced on. It reports whether anything moved.
func (r *Resampler) pump(dst audio.Buffer, produced *int, limit int64) bool {
	progress := false
	last := r.stages[len(r.stages)-1]
	n := min(last.avail(), int64(dst.Frames()-*produced), tmpFrames)
	if limit >= 0 {
		n = min(n, limit)
	}
	if n > 0 {
		r.run(last, int(n))
		for c := range dst {
			d := dst[c][*produced : *produced+int(n)]
			t := r.tmp[c][:len(d)]
			for i, v := range t {
				d[i] = float32(v)
			}
		}
		*produced += int(n)
		r.outN += n
		progress = true
	}
	for i := len(r.stages) - 2; i >= 0; i-- {
		st, nx := r.stages[i], r.stages[i+1]
		n := int(min(st.avail(), int64(nx.room()), tmpFrames))
		if n > 0 {
			r.run(st, n)
			nx.push(nil, r.tmp, 0, n)
			progress = true
		}
	}
	return progress
}

// run computes the next count outputs of st into r.tmp and advances st. A
// large batch is cut into chunks that this goroutine and any helper that is
// idle right now claim one at a time, so the caller never waits for a helper
// that has not started: at worst it does all the work itself. Which
// goroutine computes an output does not change its value.
func (r *Resampler) run(st *stage, count int) {
	defer st.advance(count)
	helpers := 0
	if r.parallel {
		helpers = min(maxParts, runtime.GOMAXPROCS(0)) - 1
	}
	chunk := max(32, parallelMACs/st.macsPerOutput(r.channels))
	nchunks := (count + chunk - 1) / chunk
	if nchunks < 2 || helpers < 1 {
		st.compute(r.tmp, 0, count, 0)
		return
	}
	r.bStage, r.bDst, r.bCount, r.bChunk, r.bChunks = st, r.tmp, count, chunk, nchunks
	r.bNext.Store(0)
	r.bSlots.Store(1) // slot 0 is the caller's
	r.bState.Store(0) // open, no helpers attached
	startHelpers()
	for range min(helpers, nchunks-1) {
		select {
		case helperJobs <- r:
		default:
		}
	}
	r.work(0)
	// Close the batch; wait for attached helpers to finish their last chunk.
	for {
		st := r.bState.Load()
		if r.bState.CompareAndSwap(st, st|batchClosed) {
			if st != 0 {
				<-r.bDone
			}
			break
		}
	}
	r.bStage, r.bDst = nil, nil
}

// macsPerOutput is the rough cost of one output frame.
func (st *stage) macsPerOutput(channels int) int {
	if st.kind == stagePoly {
		return st.tab.taps * (channels + 1)
	}
	return len(st.hb) * channels
}

// batchClosed marks bState once the caller has finished a batch; the low
// bits count attached helpers.
const batchClosed = 1 << 62

// work claims and computes chunks of the current batch until none is left.
func (r *Resampler) work(slot int) {
	for {
		i := int(r.bNext.Add(1) - 1)
		if i >= r.bChunks {
			return
		}
		a := i * r.bChunk
		b := min(a+r.bChunk, r.bCount)
		r.bStage.compute(r.bDst, a, b-a, slot)
	}
}

// help is run by a helper goroutine given r: it joins r's batch if that is
// still open.
func (r *Resampler) help() {
	for {
		st := r.bState.Load()
		if st&batchClosed != 0 {
			return
		}
		if r.bState.CompareAndSwap(st, st+1) {
			break
		}
	}
	if slot := int(r.bSlots.Add(1) - 1); slot < maxParts {
		r.work(slot)
	}
	if r.bState.Add(-1) == batchClosed {
		r.bDone <- struct{}{}
	}
}

// Helper goroutines shared by all Resamplers. A batch is offered only to
// helpers idle at that moment (a send that would block is skipped).
var (
	helperOnce sync.Once
	helperJobs chan *Resampler
)

func startHelpers() {
	helperOnce.Do(func() {
		helperJobs = make(chan *Resampler)
		for range min(maxParts, runtime.NumCPU()) - 1 {
			go func() {
				for r := range helperJobs {
					r.help()
				}
			}()
		}
	})
}

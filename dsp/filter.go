package dsp

import (
	"fmt"
	"math"
	"math/cmplx"

	"github.com/mixdown/mixdown/audio"
)

// FilterParams configure a Filter. The zero values of SlopeDBOct and Shape
// select 12 dB/oct and Butterworth.
type FilterParams struct {
	// Type is "highpass" or "lowpass".
	Type string `json:"type" yaml:"type"`
	// FreqHz is the corner frequency in Hz: -3 dB for Butterworth, -6 dB
	// for Linkwitz-Riley. It must lie between 1 Hz and 0.49 × the sample
	// rate.
	FreqHz float64 `json:"freq_hz" yaml:"freq_hz"`
	// SlopeDBOct is the asymptotic slope in dB per octave: 6, 12, 18, 24,
	// 36 or 48 (the filter order is SlopeDBOct/6). 0 means 12.
	SlopeDBOct int `json:"slope_db_oct,omitempty" yaml:"slope_db_oct,omitempty"`
	// Shape is "butterworth" (maximally flat, the default) or
	// "linkwitz-riley" (a squared Butterworth of half the order, -6 dB at
	// FreqHz, whose low- and high-pass outputs sum to an all-pass; even
	// orders only, so slopes 12, 24, 36 and 48).
	Shape string `json:"shape,omitempty" yaml:"shape,omitempty"`
}

// Filter shapes.
const (
	ShapeButterworth   = "butterworth"
	ShapeLinkwitzRiley = "linkwitz-riley"
)

// Validate checks the parameters that do not depend on the sample rate.
func (p FilterParams) Validate() error {
	if p.Type != "highpass" && p.Type != "lowpass" {
		return fmt.Errorf("dsp: filter type %q: want \"highpass\" or \"lowpass\"", p.Type)
	}
	if !(p.FreqHz >= 1) || math.IsInf(p.FreqHz, 0) {
		return fmt.Errorf("dsp: filter freq_hz %g out of range (1 Hz to 0.49 × sample rate)", p.FreqHz)
	}
	switch p.SlopeDBOct {
	case 0, 6, 12, 18, 24, 36, 48:
	default:
		return fmt.Errorf("dsp: filter slope_db_oct %d: want 6, 12, 18, 24, 36 or 48", p.SlopeDBOct)
	}
	switch p.Shape {
	case "", ShapeButterworth:
	case ShapeLinkwitzRiley:
		if s := p.slope(); s%12 != 0 {
			return fmt.Errorf("dsp: filter slope_db_oct %d with shape %q: Linkwitz-Riley needs 12, 24, 36 or 48", s, p.Shape)
		}
	default:
		return fmt.Errorf("dsp: filter shape %q: want %q or %q", p.Shape, ShapeButterworth, ShapeLinkwitzRiley)
	}
	return nil
}

func (p FilterParams) slope() int {
	if p.SlopeDBOct == 0 {
		return 12
	}
	return p.SlopeDBOct
}

// validateAt checks the parameters for sample rate fs in Hz.
func (p FilterParams) validateAt(fs float64) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if p.FreqHz > 0.49*fs {
		return fmt.Errorf("dsp: filter freq_hz %g out of range (1 Hz to 0.49 × sample rate = %g Hz)", p.FreqHz, 0.49*fs)
	}
	return nil
}

// appendDesign appends the filter's sections at sample rate fs to dst:
// bilinear transforms, prewarped at FreqHz, of the analogue Butterworth (or
// Linkwitz-Riley) prototype. With room for 4 sections in dst it does not
// allocate.
func (p FilterParams) appendDesign(dst []Coefs, fs float64) []Coefs {
	return appendPass(dst, p.Type == "highpass", p.FreqHz, p.slope()/6, p.Shape == ShapeLinkwitzRiley, fs)
}

// butterworthQ returns the quality factor of second-order section k (1 …
// n/2, lowest Q first) of an order-n Butterworth filter. The poles of the
// normalised prototype lie on the unit circle at angles π(2j+n-1)/(2n),
// j = 1 … n, so pair j has Q = -1/(2 cos(π(2j+n-1)/(2n))); section k is
// pair j = n/2+1-k.
func butterworthQ(n, k int) float64 {
	j := n/2 + 1 - k
	return -1 / (2 * math.Cos(math.Pi*float64(2*j+n-1)/float64(2*n)))
}

// appendPass appends a high- or low-pass of the given order at freq Hz:
// Butterworth, or with lr a Linkwitz-Riley of that (even) order, the square
// of a Butterworth of half the order.
func appendPass(dst []Coefs, high bool, freq float64, order int, lr bool, fs float64) []Coefs {
	if lr {
		start := len(dst)
		half := order / 2
		dst = appendPass(dst, high, freq, half, false, fs)
		if half%2 == 1 {
			dst = dst[:len(dst)-1] // the first-order section, squared below
		}
		n := len(dst) - start
		for i := 0; i < n; i++ {
			dst = append(dst, dst[start+i])
		}
		if half%2 == 1 {
			// The two first-order sections of the squared odd prototype
			// make one second-order section with Q = 1/2.
			if high {
				dst = append(dst, HighPass(freq, 0.5, fs))
			} else {
				dst = append(dst, LowPass(freq, 0.5, fs))
			}
		}
		return dst
	}
	for k := 1; k <= order/2; k++ {
		q := butterworthQ(order, k)
		if high {
			dst = append(dst, HighPass(freq, q, fs))
		} else {
			dst = append(dst, LowPass(freq, q, fs))
		}
	}
	if order%2 == 1 {
		dst = append(dst, firstOrder(high, freq, fs))
	}
	return dst
}

// firstOrder is the bilinear transform of 1/(s+1) (low-pass) or s/(s+1)
// (high-pass), prewarped to freq Hz.
func firstOrder(high bool, freq, fs float64) Coefs {
	k := math.Tan(math.Pi * freq / fs)
	a1 := (k - 1) / (k + 1)
	if high {
		return Coefs{B0: 1 / (1 + k), B1: -1 / (1 + k), A1: a1}
	}
	return Coefs{B0: k / (1 + k), B1: k / (1 + k), A1: a1}
}

// Filter is a Butterworth or Linkwitz-Riley high- or low-pass of 6 to 48
// dB/oct: second-order sections with the prototype's per-section Q, plus a
// first-order section for odd orders, each the bilinear transform prewarped
// at the corner frequency. Its response is therefore exactly the analogue
// one on a warped frequency axis: |H(f)|² = 1/(1 + (t(f)/t(fc))^(2n)) for an
// order-n Butterworth low-pass, with t(f) = tan(πf/fs); the low-pass reaches
// zero at Nyquist. It has no latency.
type Filter struct {
	p      FilterParams
	fs     float64
	bank   *sosBank
	design []Coefs  // scratch for redesigns while gliding
	freq   Smoother // log2 of the corner frequency, stepped every tickFrames
	moving bool
}

// NewFilter returns a filter with parameters p, validated by Prepare.
func NewFilter(p FilterParams) *Filter { return &Filter{p: p} }

// Params returns the parameters (with FreqHz the target of SetFreq).
func (f *Filter) Params() FilterParams { return f.p }

// Prepare validates the parameters for spec and allocates the state.
func (f *Filter) Prepare(spec Spec) error {
	if err := spec.Validate(); err != nil {
		return err
	}
	if err := f.p.validateAt(spec.SampleRate); err != nil {
		return err
	}
	f.fs = spec.SampleRate
	f.design = f.p.appendDesign(make([]Coefs, 0, 4), f.fs)
	f.bank = newSOSBank(spec.Channels, f.design)
	f.bank.tick = f.tick
	f.freq.SetTime(0.02, f.fs/tickFrames)
	f.freq.Jump(math.Log2(f.p.FreqHz))
	f.moving = false
	return nil
}

// SetFreq retunes the corner frequency to hz (clamped to 1 Hz … 0.49 × the
// sample rate). Once prepared the change is smoothed: the corner glides
// exponentially on a log-frequency scale with a 20 ms time constant, the
// coefficients being recomputed every 64 frames, so that a moving filter
// does not click. Not safe for concurrent use with Process.
func (f *Filter) SetFreq(hz float64) {
	hz = max(hz, 1)
	if f.bank == nil {
		f.p.FreqHz = hz
		return
	}
	hz = min(hz, 0.49*f.fs)
	f.p.FreqHz = hz
	f.freq.SetTarget(math.Log2(hz))
	f.moving = true
}

func (f *Filter) tick() {
	if !f.moving {
		return
	}
	f.freq.Next()
	if f.freq.Settled() {
		f.moving = false
	}
	p := f.p
	p.FreqHz = math.Exp2(f.freq.Value())
	f.design = p.appendDesign(f.design[:0], f.fs)
	f.bank.setCoefs(f.design)
}

// Process filters buf in place.
func (f *Filter) Process(buf audio.Buffer) { f.bank.process(buf) }

// Reset clears the state; a glide in progress jumps to its target.
func (f *Filter) Reset() {
	if f.moving {
		f.freq.Jump(f.freq.Target())
		f.moving = false
		f.design = f.p.appendDesign(f.design[:0], f.fs)
		f.bank.setCoefs(f.design)
	}
	f.bank.reset()
}

// Latency is 0 frames.
func (f *Filter) Latency() int { return 0 }

// Response returns the complex response at freq Hz for the prepared sample
// rate (48 kHz before Prepare), or NaN if the parameters are invalid.
func (f *Filter) Response(freq float64) complex128 {
	fs := f.fs
	if f.bank == nil {
		fs = 48000
	}
	if f.p.validateAt(fs) != nil {
		return cmplx.NaN()
	}
	if f.bank == nil {
		return responseOf(f.p.appendDesign(nil, fs), freq, fs)
	}
	return responseOf(f.bank.coefs, freq, fs)
}

// NewSubsonic returns a 24 dB/oct (fourth-order) Butterworth high-pass at
// freqHz, the usual subsonic filter for mastering (20 to 30 Hz): it removes
// rumble and DC while costing less than 0.1 dB an octave above freqHz.
func NewSubsonic(freqHz float64) *Filter {
	return NewFilter(FilterParams{Type: "highpass", FreqHz: freqHz, SlopeDBOct: 24})
}

func responseOf(cs []Coefs, freq, fs float64) complex128 {
	h := complex(1, 0)
	for _, c := range cs {
		h *= c.Response(freq, fs)
	}
	return h
}

// tickFrames is the grid, in frames from the start of the stream (or the
// last Reset), on which processors flush filter state to zero when it has
// decayed below 1e-30 and step smoothed parameters. Tying both to absolute
// stream positions rather than to buffer boundaries keeps the output
// independent of the block size.
const tickFrames = 64

// sosBank runs a cascade of second-order sections over every channel of a
// buffer, in transposed direct form II with float64 state. It is the engine
// behind Filter, EQ, CurveEQ, Crossover, DCBlock, HumNotch and Sections.
//
// Speed comes from instruction-level parallelism, the recurrence of one
// section being latency-bound: up to four sections run in one pass over the
// samples, two samples per loop iteration, so that their recurrences
// overlap in the CPU; cascades of one or two sections run two channels at
// once for the same reason; longer cascades pass through a float64 scratch
// block between groups of two to four sections. The arithmetic of each
// sample is the same whichever path runs it, so the output does not depend
// on the block size.
//
// A coefficient ramp (setTarget) moves the sections linearly from one
// design to another, a step every tickFrames frames.
type sosBank struct {
	coefs []Coefs
	state [][]float64 // per channel: s1, s2 of each section
	tmp   []float64   // tickFrames of scratch for cascades of more than 4
	phase int         // frames since the last tick, 0 … tickFrames-1
	tick  func()      // called after every tick (may change coefs)

	from, to []Coefs // coefficient ramp
	step     int     // ticks done
	steps    int     // ramp length in ticks; 0 when not ramping
}

func newSOSBank(channels int, coefs []Coefs) *sosBank {
	b := &sosBank{coefs: append([]Coefs(nil), coefs...), state: make([][]float64, channels)}
	for c := range b.state {
		b.state[c] = make([]float64, 2*len(coefs))
	}
	if len(coefs) > 4 {
		b.tmp = make([]float64, tickFrames)
	}
	b.from = make([]Coefs, len(coefs))
	b.to = make([]Coefs, len(coefs))
	return b
}

// setCoefs replaces the coefficients at once (same count), cancelling a
// ramp.
func (b *sosBank) setCoefs(cs []Coefs) {
	if len(cs) != len(b.coefs) {
		panic("dsp: internal error: section count changed")
	}
	copy(b.coefs, cs)
	b.steps = 0
}

// setTarget starts a linear ramp of the coefficients from their present
// values to cs over the given number of ticks (at once for 0). Every
// intermediate section is stable when both ends are: the stable region of
// (a1, a2) is a triangle, hence convex.
func (b *sosBank) setTarget(cs []Coefs, ticks int) {
	if ticks <= 0 {
		b.setCoefs(cs)
		return
	}
	copy(b.from, b.coefs)
	copy(b.to, cs)
	b.step, b.steps = 0, ticks
}

// finishRamp jumps to the end of a ramp in progress.
func (b *sosBank) finishRamp() {
	if b.steps > 0 {
		copy(b.coefs, b.to)
		b.steps = 0
	}
}

func (b *sosBank) reset() {
	for _, s := range b.state {
		clear(s)
	}
	b.phase = 0
	b.finishRamp()
}

func (b *sosBank) onTick() {
	for _, s := range b.state {
		for i, v := range s {
			s[i] = FlushDenormal(v)
		}
	}
	if b.steps > 0 {
		b.step++
		t := float64(b.step) / float64(b.steps)
		if b.step >= b.steps {
			copy(b.coefs, b.to)
			b.steps = 0
		} else {
			for i := range b.coefs {
				f, g := b.from[i], b.to[i]
				b.coefs[i] = Coefs{
					B0: f.B0 + t*(g.B0-f.B0), B1: f.B1 + t*(g.B1-f.B1), B2: f.B2 + t*(g.B2-f.B2),
					A1: f.A1 + t*(g.A1-f.A1), A2: f.A2 + t*(g.A2-f.A2),
				}
			}
		}
	}
	if b.tick != nil {
		b.tick()
	}
}

// process filters buf in place.
func (b *sosBank) process(buf audio.Buffer) {
	n := buf.Frames()
	for off := 0; off < n; {
		run := min(n-off, tickFrames-b.phase)
		switch {
		case len(b.coefs) == 0:
		case len(b.coefs) <= 2:
			// One or two sections are bound by the latency of their
			// recurrences: run channels in pairs so that two independent
			// recurrences overlap.
			ch := 0
			for ; ch+1 < len(buf); ch += 2 {
				sosPair(b.coefs, b.state[ch], b.state[ch+1], buf[ch][off:off+run], buf[ch+1][off:off+run])
			}
			if ch < len(buf) {
				b.runChannel(ch, buf[ch][off:off+run])
			}
		default:
			for ch, x := range buf {
				b.runChannel(ch, x[off:off+run])
			}
		}
		off += run
		b.phase += run
		if b.phase == tickFrames {
			b.phase = 0
			b.onTick()
		}
	}
}

// runChannel filters x (at most tickFrames frames) of channel ch in place.
// Longer cascades run in groups of two to four sections of as equal sizes
// as possible (five sections as 3 + 2, not 4 + 1: a lone section is bound
// by the latency of its recurrence rather than by throughput).
func (b *sosBank) runChannel(ch int, x []float32) {
	cs, st := b.coefs, b.state[ch]
	n := len(cs)
	if n <= 4 {
		runGroup(cs, st, x, x)
		return
	}
	groups := (n + 3) / 4
	t := b.tmp[:len(x)]
	k := 0
	for g := range groups {
		size := n / groups
		if g < n%groups {
			size++
		}
		c, s := cs[k:k+size], st[2*k:2*(k+size)]
		switch g {
		case 0:
			runGroup(c, s, x, t)
		case groups - 1:
			runGroup(c, s, t, x)
		default:
			runGroup(c, s, t, t)
		}
		k += size
	}
}

type sample interface{ ~float32 | ~float64 }

// runGroup runs one to four sections over in, writing out (which may be
// in). Values below 1e-30 in magnitude are written as 0, so that decaying
// state never produces subnormal output.
func runGroup[I, O sample](cs []Coefs, st []float64, in []I, out []O) {
	switch len(cs) {
	case 1:
		sos1(cs, st, in, out)
	case 2:
		sos2(cs, st, in, out)
	case 3:
		sos3(cs, st, in, out)
	case 4:
		sos4(cs, st, in, out)
	}
}

func sos1[I, O sample](cs []Coefs, st []float64, in []I, out []O) {
	c := &cs[0]
	st = st[:2]
	p1, p2 := st[0], st[1]
	out = out[:len(in)]
	i := 0
	// Two samples per iteration: the compiler then keeps the state in
	// registers without shuffling it at the end of every sample.
	for ; i+1 < len(in); i += 2 {
		x, w := float64(in[i]), float64(in[i+1])
		y := c.B0*x + p1
		p1 = c.B1*x + p2 - c.A1*y
		p2 = c.B2*x - c.A2*y
		v := c.B0*w + p1
		p1 = c.B1*w + p2 - c.A1*v
		p2 = c.B2*w - c.A2*v
		x, w = y, v
		if x < 1e-30 && x > -1e-30 {
			x = 0
		}
		if w < 1e-30 && w > -1e-30 {
			w = 0
		}
		out[i], out[i+1] = O(x), O(w)
	}
	if i < len(in) {
		x := float64(in[i])
		y := c.B0*x + p1
		p1 = c.B1*x + p2 - c.A1*y
		p2 = c.B2*x - c.A2*y
		x = y
		if x < 1e-30 && x > -1e-30 {
			x = 0
		}
		out[i] = O(x)
	}
	st[0], st[1] = p1, p2
}

func sos2[I, O sample](cs []Coefs, st []float64, in []I, out []O) {
	c, d := &cs[0], &cs[1]
	st = st[:4]
	p1, p2, q1, q2 := st[0], st[1], st[2], st[3]
	out = out[:len(in)]
	i := 0
	// Two samples per iteration, as in sos1.
	for ; i+1 < len(in); i += 2 {
		x, w := float64(in[i]), float64(in[i+1])
		y := c.B0*x + p1
		p1 = c.B1*x + p2 - c.A1*y
		p2 = c.B2*x - c.A2*y
		v := c.B0*w + p1
		p1 = c.B1*w + p2 - c.A1*v
		p2 = c.B2*w - c.A2*v
		x, w = y, v
		y = d.B0*x + q1
		q1 = d.B1*x + q2 - d.A1*y
		q2 = d.B2*x - d.A2*y
		v = d.B0*w + q1
		q1 = d.B1*w + q2 - d.A1*v
		q2 = d.B2*w - d.A2*v
		x, w = y, v
		if x < 1e-30 && x > -1e-30 {
			x = 0
		}
		if w < 1e-30 && w > -1e-30 {
			w = 0
		}
		out[i], out[i+1] = O(x), O(w)
	}
	if i < len(in) {
		x := float64(in[i])
		y := c.B0*x + p1
		p1 = c.B1*x + p2 - c.A1*y
		p2 = c.B2*x - c.A2*y
		x = y
		y = d.B0*x + q1
		q1 = d.B1*x + q2 - d.A1*y
		q2 = d.B2*x - d.A2*y
		x = y
		if x < 1e-30 && x > -1e-30 {
			x = 0
		}
		out[i] = O(x)
	}
	st[0], st[1], st[2], st[3] = p1, p2, q1, q2
}

func sos3[I, O sample](cs []Coefs, st []float64, in []I, out []O) {
	c, d, e := &cs[0], &cs[1], &cs[2]
	st = st[:6]
	p1, p2, q1, q2, r1, r2 := st[0], st[1], st[2], st[3], st[4], st[5]
	out = out[:len(in)]
	i := 0
	// Two samples per iteration, as in sos1.
	for ; i+1 < len(in); i += 2 {
		x, w := float64(in[i]), float64(in[i+1])
		y := c.B0*x + p1
		p1 = c.B1*x + p2 - c.A1*y
		p2 = c.B2*x - c.A2*y
		v := c.B0*w + p1
		p1 = c.B1*w + p2 - c.A1*v
		p2 = c.B2*w - c.A2*v
		x, w = y, v
		y = d.B0*x + q1
		q1 = d.B1*x + q2 - d.A1*y
		q2 = d.B2*x - d.A2*y
		v = d.B0*w + q1
		q1 = d.B1*w + q2 - d.A1*v
		q2 = d.B2*w - d.A2*v
		x, w = y, v
		y = e.B0*x + r1
		r1 = e.B1*x + r2 - e.A1*y
		r2 = e.B2*x - e.A2*y
		v = e.B0*w + r1
		r1 = e.B1*w + r2 - e.A1*v
		r2 = e.B2*w - e.A2*v
		x, w = y, v
		if x < 1e-30 && x > -1e-30 {
			x = 0
		}
		if w < 1e-30 && w > -1e-30 {
			w = 0
		}
		out[i], out[i+1] = O(x), O(w)
	}
	if i < len(in) {
		x := float64(in[i])
		y := c.B0*x + p1
		p1 = c.B1*x + p2 - c.A1*y
		p2 = c.B2*x - c.A2*y
		x = y
		y = d.B0*x + q1
		q1 = d.B1*x + q2 - d.A1*y
		q2 = d.B2*x - d.A2*y
		x = y
		y = e.B0*x + r1
		r1 = e.B1*x + r2 - e.A1*y
		r2 = e.B2*x - e.A2*y
		x = y
		if x < 1e-30 && x > -1e-30 {
			x = 0
		}
		out[i] = O(x)
	}
	st[0], st[1], st[2], st[3], st[4], st[5] = p1, p2, q1, q2, r1, r2
}

func sos4[I, O sample](cs []Coefs, st []float64, in []I, out []O) {
	c, d, e, g := &cs[0], &cs[1], &cs[2], &cs[3]
	st = st[:8]
	p1, p2, q1, q2, r1, r2, s1, s2 := st[0], st[1], st[2], st[3], st[4], st[5], st[6], st[7]
	out = out[:len(in)]
	i := 0
	// Two samples per iteration, as in sos1.
	for ; i+1 < len(in); i += 2 {
		x, w := float64(in[i]), float64(in[i+1])
		y := c.B0*x + p1
		p1 = c.B1*x + p2 - c.A1*y
		p2 = c.B2*x - c.A2*y
		v := c.B0*w + p1
		p1 = c.B1*w + p2 - c.A1*v
		p2 = c.B2*w - c.A2*v
		x, w = y, v
		y = d.B0*x + q1
		q1 = d.B1*x + q2 - d.A1*y
		q2 = d.B2*x - d.A2*y
		v = d.B0*w + q1
		q1 = d.B1*w + q2 - d.A1*v
		q2 = d.B2*w - d.A2*v
		x, w = y, v
		y = e.B0*x + r1
		r1 = e.B1*x + r2 - e.A1*y
		r2 = e.B2*x - e.A2*y
		v = e.B0*w + r1
		r1 = e.B1*w + r2 - e.A1*v
		r2 = e.B2*w - e.A2*v
		x, w = y, v
		y = g.B0*x + s1
		s1 = g.B1*x + s2 - g.A1*y
		s2 = g.B2*x - g.A2*y
		v = g.B0*w + s1
		s1 = g.B1*w + s2 - g.A1*v
		s2 = g.B2*w - g.A2*v
		x, w = y, v
		if x < 1e-30 && x > -1e-30 {
			x = 0
		}
		if w < 1e-30 && w > -1e-30 {
			w = 0
		}
		out[i], out[i+1] = O(x), O(w)
	}
	if i < len(in) {
		x := float64(in[i])
		y := c.B0*x + p1
		p1 = c.B1*x + p2 - c.A1*y
		p2 = c.B2*x - c.A2*y
		x = y
		y = d.B0*x + q1
		q1 = d.B1*x + q2 - d.A1*y
		q2 = d.B2*x - d.A2*y
		x = y
		y = e.B0*x + r1
		r1 = e.B1*x + r2 - e.A1*y
		r2 = e.B2*x - e.A2*y
		x = y
		y = g.B0*x + s1
		s1 = g.B1*x + s2 - g.A1*y
		s2 = g.B2*x - g.A2*y
		x = y
		if x < 1e-30 && x > -1e-30 {
			x = 0
		}
		out[i] = O(x)
	}
	st[0], st[1], st[2], st[3], st[4], st[5], st[6], st[7] = p1, p2, q1, q2, r1, r2, s1, s2
}

// sosPair runs one or two sections over two channels x and z (the same
// length) in place, with the arithmetic of sos1 and sos2 for each.
func sosPair(cs []Coefs, sx, sz []float64, x, z []float32) {
	c := &cs[0]
	d := c
	two := len(cs) == 2
	if two {
		d = &cs[1]
	}
	sx, sz = sx[:2*len(cs)], sz[:2*len(cs)]
	p1, p2, P1, P2 := sx[0], sx[1], sz[0], sz[1]
	var q1, q2, Q1, Q2 float64
	if two {
		q1, q2, Q1, Q2 = sx[2], sx[3], sz[2], sz[3]
	}
	z = z[:len(x)]
	for i, v := range x {
		a, b := float64(v), float64(z[i])
		y := c.B0*a + p1
		w := c.B0*b + P1
		p1 = c.B1*a + p2 - c.A1*y
		P1 = c.B1*b + P2 - c.A1*w
		p2 = c.B2*a - c.A2*y
		P2 = c.B2*b - c.A2*w
		if two {
			a, b = y, w
			y = d.B0*a + q1
			w = d.B0*b + Q1
			q1 = d.B1*a + q2 - d.A1*y
			Q1 = d.B1*b + Q2 - d.A1*w
			q2 = d.B2*a - d.A2*y
			Q2 = d.B2*b - d.A2*w
		}
		if y < 1e-30 && y > -1e-30 {
			y = 0
		}
		if w < 1e-30 && w > -1e-30 {
			w = 0
		}
		x[i], z[i] = float32(y), float32(w)
	}
	sx[0], sx[1], sz[0], sz[1] = p1, p2, P1, P2
	if two {
		sx[2], sx[3], sz[2], sz[3] = q1, q2, Q1, Q2
	}
}

package fx

import (
	"fmt"
	"math"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/dsp"
)

// ReverbParams configures a Reverb. The zero value is not valid; start from
// DefaultReverbParams.
type ReverbParams struct {
	// DecayS is the reverberation time RT60 at mid frequencies (below
	// HFCrossoverHz), in seconds: the time the tail takes to fall by 60 dB.
	// 0.1 to 30.
	DecayS float64 `json:"decay_s" yaml:"decay_s"`
	// PreDelayMS is the time from the dry sound to the first sample of the
	// wet signal (the first early reflection), in milliseconds, rounded to
	// the nearest frame. 0 to 500.
	PreDelayMS float64 `json:"pre_delay_ms" yaml:"pre_delay_ms"`
	// HFDecayRatio is the RT60 at high frequencies relative to DecayS, the
	// damping: 1 decays all frequencies alike, 0.5 makes the highs die twice
	// as fast as the mids. It holds fully at the top of the band and to
	// within about 10 % from three times HFCrossoverHz. 0.05 to 1.
	HFDecayRatio float64 `json:"hf_decay_ratio" yaml:"hf_decay_ratio"`
	// HFCrossoverHz is the frequency in Hz around which the decay time moves
	// from DecayS to HFDecayRatio·DecayS (the geometric-mean point of the
	// absorption shelves). 200 to 20000; lowered to 0.4 × the sample rate
	// when above it.
	HFCrossoverHz float64 `json:"hf_crossover_hz" yaml:"hf_crossover_hz"`
	// SizeM is the room's characteristic dimension in metres: the delay
	// lines span about 0.55 to 1.65 times the time sound takes to cross it,
	// and the early reflections spread over 0.8 times that time. Larger
	// rooms have sparser, slower-building tails. 2 to 50.
	SizeM float64 `json:"size_m" yaml:"size_m"`
	// Width of the wet signal, 0 (mono) to 1 (fully decorrelated left and
	// right). The wet level does not change with Width.
	Width float64 `json:"width" yaml:"width"`
	// Diffusion, 0 to 1, sets the input all-pass diffusers' coefficients:
	// 0 leaves the input undiffused (grainier onset), 1 smears it most.
	Diffusion float64 `json:"diffusion" yaml:"diffusion"`
	// LowCutHz is a 12 dB/octave high-pass on the wet signal, in Hz: 0 for
	// off, or 10 to 2000. (A fixed 5 Hz DC blocker at the input is always
	// on.)
	LowCutHz float64 `json:"low_cut_hz" yaml:"low_cut_hz"`
	// HighCutHz is a 12 dB/octave low-pass on the wet signal, in Hz: 0 for
	// off, or 500 to 24000; at or above 0.45 × the sample rate it is off.
	HighCutHz float64 `json:"high_cut_hz" yaml:"high_cut_hz"`
	// Mix is the wet proportion, 0 to 1: the output is
	// (1-Mix)·dry + Mix·wet. An effect-return bus uses 1. Mix 0 returns the
	// input untouched.
	Mix float64 `json:"mix" yaml:"mix"`
	// ModulationDepthMS is the peak excursion, in milliseconds, of the slow
	// (0.6 to 0.9 Hz) modulation of the delay lines that keeps the tail
	// from ringing metallically. 0 (off) to 2; 0.2 to 0.5 is subtle.
	ModulationDepthMS float64 `json:"modulation_depth_ms" yaml:"modulation_depth_ms"`
}

// DefaultReverbParams is a medium hall on an effect-return bus: 1.6 s
// decay, 20 ms pre-delay, highs decaying at half the rate above 4 kHz, a
// 12 m room, full width, fully wet, low cut at 80 Hz and high cut at
// 12 kHz.
func DefaultReverbParams() ReverbParams {
	return ReverbParams{
		DecayS:            1.6,
		PreDelayMS:        20,
		HFDecayRatio:      0.5,
		HFCrossoverHz:     4000,
		SizeM:             12,
		Width:             1,
		Diffusion:         0.7,
		LowCutHz:          80,
		HighCutHz:         12000,
		Mix:               1,
		ModulationDepthMS: 0.3,
	}
}

// Validate reports parameters out of range, naming each by its tag.
func (p ReverbParams) Validate() error {
	c := checker{effect: "reverb"}
	c.inRange("decay_s", p.DecayS, 0.1, 30, " s")
	c.inRange("pre_delay_ms", p.PreDelayMS, 0, 500, " ms")
	c.inRange("hf_decay_ratio", p.HFDecayRatio, 0.05, 1, "")
	c.inRange("hf_crossover_hz", p.HFCrossoverHz, 200, 20000, " Hz")
	c.inRange("size_m", p.SizeM, 2, 50, " m")
	c.inRange("width", p.Width, 0, 1, "")
	c.inRange("diffusion", p.Diffusion, 0, 1, "")
	c.offOrRange("low_cut_hz", p.LowCutHz, 10, 2000, " Hz")
	c.offOrRange("high_cut_hz", p.HighCutHz, 500, 24000, " Hz")
	c.inRange("mix", p.Mix, 0, 1, "")
	c.inRange("modulation_depth_ms", p.ModulationDepthMS, 0, 2, " ms")
	return c.err()
}

// The network's fixed shape.
const (
	fdnLines      = 16         // delay lines; the mixing matrix is a 16×16 Hadamard
	fdnChunk      = flushEvery // most frames the network advances at once
	numDiffusers  = 4          // input all-passes per channel
	numEarly      = 8          // early reflections per channel
	speedOfSound  = 343.0
	earlyEnergy   = 0.12 // share of the wet impulse response's energy in the early reflections
	dcBlockHz     = 5.0
	lfoRateHz1    = 0.61
	lfoRateHz2    = 0.89
	lineSpanRatio = 3.0 // longest / shortest line
	modEvery      = 4   // every 4th line is modulated
)

// Diffuser lengths in ms (left, right): mutually prime at common rates,
// different per side so that the two inputs are decorrelated.
var diffuserMS = [2][numDiffusers]float64{{4.771, 3.595, 2.734, 1.791}, {4.533, 3.713, 2.531, 1.873}}

// Early-reflection times as fractions of the room's span, and their
// relative amplitudes; the first is at exactly the pre-delay on both sides.
var (
	earlyPos  = [2][numEarly]float64{{0, 0.083, 0.191, 0.287, 0.413, 0.529, 0.667, 0.871}, {0, 0.107, 0.163, 0.311, 0.397, 0.571, 0.733, 0.947}}
	earlyGain = [2][numEarly]float64{{1, 0.78, 0.83, 0.61, 0.55, 0.49, 0.37, 0.30}, {1, 0.86, 0.71, 0.66, 0.52, 0.43, 0.40, 0.27}}
)

// allpass is a Schroeder all-pass section, H(z) = (z^-M - g)/(1 - g·z^-M),
// run over a step of frames at a time.
type allpass struct {
	buf []float64 // the last M values of the internal state
	pos int
	g   float64
}

// run filters x in place, over contiguous stretches of the ring.
func (a *allpass) run(x []float64) {
	g := a.g
	for len(x) > 0 {
		buf := a.buf[a.pos:]
		if len(buf) > len(x) {
			buf = buf[:len(x)]
		}
		seg := x[:len(buf)]
		for j, d := range buf {
			v := seg[j] + g*d + denormGuard - denormGuard
			buf[j] = v
			seg[j] = d - g*v
		}
		x = x[len(seg):]
		if a.pos += len(seg); a.pos == len(a.buf) {
			a.pos = 0
		}
	}
}

// Reverb is an algorithmic stereo reverb: a feedback delay network (Jot &
// Chaigne 1991) of 16 delay lines of mutually prime lengths scaled by the
// room size, mixed through a cyclically permuted 16×16 Hadamard matrix
// (computed as a fast Walsh-Hadamard transform), each line ending in a
// second-order shelving absorption filter whose gains at low and high
// frequencies make every line lose exactly 60 dB per DecayS (and per
// HFDecayRatio·DecayS in the highs), so that the whole tail decays at those
// rates. Before the network the input is DC-blocked, pre-delayed and
// smeared by four Schroeder all-passes per channel; eight early
// reflections per side, the first exactly at the pre-delay, lead into the
// tail. Every fourth line is slowly modulated through a first-order
// all-pass interpolator (lossless, so modulation does not shorten the
// high-frequency decay). The left and right inputs enter every line with
// orthogonal sign patterns, and the outputs are two different rows of the
// matrix output, so that they are decorrelated.
//
// At frequencies below HFCrossoverHz the wet impulse response carries the
// energy of the impulse to within about 0.5 dB, so the wet level does not
// depend on the decay time or size (damping and the tone filters take
// energy away above and below). It accepts mono (treated as both sides
// equal; the output is the wet mid, level-matched) or stereo. Latency is 0.
//
// The network runs in steps of up to 64 frames counted from the start of
// the stream (every line is read before any is written, which is exact
// because no line is shorter than a step), on amd64 with AVX2 and FMA in an
// assembly kernel whose lanes are four lines each; elsewhere in Go. The
// two kernels agree to rounding (the assembly fuses multiply-adds); each is
// deterministic and independent of the block size.
type Reverb struct {
	p        ReverbParams
	prepared bool
	block    int // frames per network step, a power of two <= fdnChunk
	phase    int // frames done in the current step; steps are aligned to the stream's start

	dry, wet float64 // mix gains
	side     float64 // width applied to the side signal
	comp     float64 // keeps the wet level independent of width
	outScale float64 // network output gain
	tone     [2]toneFilter

	// input stage
	dc       [2]dcBlocker
	in       [2][]float32 // ring of DC-blocked input
	inMask   int
	inPos    int
	preDelay int
	earlyTap [2][numEarly]int // delay of each reflection in frames
	earlyG   [2][numEarly]float64
	diff     [2][numDiffusers]allpass

	// network
	net      fdn
	delay    [fdnLines]int
	modDepth float64           // frames
	modCos   [fdnLines]float64 // per-line LFO phase offsets
	modSin   [fdnLines]float64
	lfo      [2][2]float64 // two quadrature oscillators: cos, sin
	lfoRot   [2][2]float64 // their rotations per step: cos, sin

	// scratch for one step
	x    [2][fdnChunk]float64 // DC-blocked input
	u, e [2][fdnChunk]float64 // diffused network input, early reflections
	o    [2][fdnChunk]float64 // network output
}

// NewReverb returns a reverb with parameters p (checked by Prepare).
func NewReverb(p ReverbParams) *Reverb { return &Reverb{p: p} }

// Params returns the parameters.
func (r *Reverb) Params() ReverbParams { return r.p }

// Prepare validates the parameters and allocates the delay memory (about
// 1 MB at 48 kHz for the default size). It fails for more than two
// channels.
func (r *Reverb) Prepare(spec dsp.Spec) error {
	if err := spec.Validate(); err != nil {
		return err
	}
	if err := r.p.Validate(); err != nil {
		return err
	}
	if spec.Channels > 2 {
		return fmt.Errorf("fx: reverb: %d channels (supported: 1 or 2)", spec.Channels)
	}
	p, fs := r.p, spec.SampleRate
	r.dry, r.wet = 1-p.Mix, p.Mix
	r.side = p.Width
	r.comp = math.Sqrt(2 / (1 + p.Width*p.Width))
	if spec.Channels == 1 {
		r.side, r.comp = 0, math.Sqrt2
	}
	for c := range r.tone {
		r.tone[c] = newToneFilter(p.LowCutHz, p.HighCutHz, fs)
	}

	// Delay-line lengths: geometric spread between 0.55 and 1.65 times the
	// crossing time, each moved up to a distinct prime.
	cross := p.SizeM / speedOfSound * fs
	prev := 0
	for i := range r.delay {
		d := int(math.Round(0.55 * cross * math.Pow(lineSpanRatio, float64(i)/(fdnLines-1))))
		d = nextPrime(max(d, prev+1, 5))
		r.delay[i], prev = d, d
	}
	r.modDepth = min(p.ModulationDepthMS*fs/1000, float64(r.delay[0])/4)
	// A step may not be longer than the shortest line (minus the
	// modulation), so that every line is read before it is written.
	r.block = fdnChunk
	for r.block > 1 && r.block > r.delay[0]-int(math.Ceil(r.modDepth))-2 {
		r.block /= 2
	}
	r.net.alloc(nextPow2(r.delay[fdnLines-1]+int(math.Ceil(r.modDepth))+2+fdnChunk), r.delay)
	r.net.modulated = r.modDepth > 0

	// Absorption (Jot & Chaigne): per-line gains for 60 dB per RT60, g =
	// 10^(-3·m/(RT60·fs)) for a line of m frames, at low frequencies and,
	// with the high-frequency RT60, at Nyquist, joined by a second-order
	// shelf (the cookbook high shelf, Q 0.7071) whose gain in dB is half-way
	// at the crossover. The matrix's 1/4 normalisation is folded in.
	fc := min(p.HFCrossoverHz, 0.4*fs)
	tHF := p.HFDecayRatio * p.DecayS
	for i, m := range r.delay {
		g0 := math.Pow(10, -3*float64(m)/(p.DecayS*fs))
		gPi := math.Pow(10, -3*float64(m)/(tHF*fs))
		q := dsp.HighShelf(fc, math.Sqrt2/2, 20*math.Log10(gPi/g0), fs)
		s, g, l := 0.25*g0, i%4, i/4
		n := &r.net
		n.b0[g][l], n.b1[g][l], n.b2[g][l], n.a1[g][l], n.a2[g][l] = s*q.B0, s*q.B1, s*q.B2, q.A1, q.A2
	}

	// Energy of the tail per output channel for a unit impulse on both
	// inputs: the inputs put 16 + 16 into the lines (each enters every line
	// with gain ±1); a pass through line i keeps a fraction
	// g_i² = 10^(-6·m_i/(RT60·fs)) of the energy, G on average over the
	// lines, and every pass is read through an output tap of gain outScale
	// on one matrix output (a ±1/4 combination of the 16 lines). So the tail
	// carries about 32/16·outScale²·G/(1-G) (exact for the first pass, and
	// for later ones while the lines hold equal energy); make that
	// 1-earlyEnergy.
	decay := 0.0
	for _, m := range r.delay {
		decay += math.Pow(10, -6*float64(m)/(p.DecayS*fs)) / fdnLines
	}
	r.outScale = math.Sqrt((1 - earlyEnergy) * (1 - decay) / (2 * decay))

	// Modulation: two slow quadrature oscillators; each modulated line
	// follows one of them with its own phase.
	for j, rate := range [2]float64{lfoRateHz1, lfoRateHz2} {
		w := 2 * math.Pi * rate / fs * float64(r.block)
		r.lfoRot[j] = [2]float64{math.Cos(w), math.Sin(w)}
	}
	for i := range fdnLines {
		ph := 2 * math.Pi * math.Mod(float64(i)*0.618034, 1)
		r.modCos[i], r.modSin[i] = math.Cos(ph), math.Sin(ph)
	}

	// Input stage.
	r.preDelay = int(math.Round(p.PreDelayMS * fs / 1000))
	span := 0.8 * p.SizeM / speedOfSound * fs
	longest := r.preDelay
	for c := range 2 {
		sum := 0.0
		for t := range numEarly {
			sum += earlyGain[c][t] * earlyGain[c][t]
		}
		for t := range numEarly {
			r.earlyTap[c][t] = r.preDelay + int(math.Round(earlyPos[c][t]*span))
			r.earlyG[c][t] = earlyGain[c][t] * math.Sqrt(earlyEnergy/sum)
			longest = max(longest, r.earlyTap[c][t])
		}
	}
	size := nextPow2(longest + fdnChunk)
	r.inMask = size - 1
	for c := range r.in {
		r.in[c] = make([]float32, size)
	}
	for c := range r.diff {
		for d := range numDiffusers {
			g := 0.75 * p.Diffusion
			if d >= 2 {
				g = 0.625 * p.Diffusion
			}
			n := max(1, int(math.Round(diffuserMS[c][d]*fs/1000)))
			r.diff[c][d] = allpass{buf: make([]float64, n), g: g}
		}
		r.dc[c] = newDCBlocker(dcBlockHz, fs)
	}
	r.prepared = true
	r.Reset()
	return nil
}

// Reset clears the delay lines and filters.
func (r *Reverb) Reset() {
	if !r.prepared {
		return
	}
	r.net.reset()
	r.phase = 0
	for c := range 2 {
		clear(r.in[c])
		r.dc[c].reset()
		r.tone[c].reset()
		for d := range r.diff[c] {
			clear(r.diff[c][d].buf)
			r.diff[c][d].pos = 0
		}
	}
	r.inPos = 0
	r.lfo = [2][2]float64{{1, 0}, {1, 0}}
}

// Latency is 0: the wet signal starts after the pre-delay, the dry signal
// is not delayed.
func (r *Reverb) Latency() int { return 0 }

// Process adds the reverb to buf in place. buf must have the channel count
// Prepare was given.
func (r *Reverb) Process(buf audio.Buffer) {
	if r.wet == 0 {
		return
	}
	left := buf[0]
	var right []float32
	for off := 0; off < len(left); {
		if r.phase == 0 {
			r.startStep()
		}
		k := min(r.block-r.phase, len(left)-off)
		if len(buf) > 1 {
			right = buf[1][off : off+k]
		}
		r.step(left[off:off+k], right)
		r.phase = (r.phase + k) & (r.block - 1)
		off += k
	}
}

// startStep runs at the start of every step (steps are counted from the
// start of the stream, so nothing here depends on how the stream is cut
// into buffers). It zeroes recirculating state that has decayed below
// 1e-30, and advances the modulation: the oscillators are evaluated once
// per step and the delays ramp linearly between those points.
func (r *Reverb) startStep() {
	r.net.flush()
	for c := range 2 {
		r.dc[c].flush()
		r.tone[c].flush()
	}
	if r.modDepth == 0 {
		// Group 0 read through the interpolator at a whole delay is a plain
		// read (see fdn.readModulated).
		for q := range 4 {
			r.net.modStart[q], r.net.modSlope[q] = float64(r.delay[q*modEvery]), 0
		}
		return
	}
	var next [2][2]float64
	for o := range 2 {
		c, s := r.lfo[o][0], r.lfo[o][1]
		rc, rs := r.lfoRot[o][0], r.lfoRot[o][1]
		next[o] = [2]float64{c*rc - s*rs, s*rc + c*rs}
	}
	for q := range 4 {
		i, o := q*modEvery, q&1
		// sin(θ+φ) = sin θ cos φ + cos θ sin φ
		v0 := r.lfo[o][1]*r.modCos[i] + r.lfo[o][0]*r.modSin[i]
		v1 := next[o][1]*r.modCos[i] + next[o][0]*r.modSin[i]
		r.net.modStart[q] = float64(r.delay[i]) + r.modDepth*v0
		r.net.modSlope[q] = r.modDepth * (v1 - v0) / float64(r.block)
	}
	r.lfo = next
}

// step runs k <= r.block frames: every line is read before any is written,
// which is exact because no line is shorter than a step.
func (r *Reverb) step(left, right []float32) {
	k := len(left)
	r.input(left, right)
	r.net.run(k, r.phase, &r.u, &r.o)
	r.output(left, right)
}

// input runs the DC blocker, the pre-delay, the early reflections and the
// diffusers for one step.
func (r *Reverb) input(left, right []float32) {
	k := len(left)
	xl, xr := r.x[0][:k], r.x[1][:k]
	if right == nil {
		right = left
	}
	right = right[:len(xl)]
	// dcBlocker.tick for both sides, with the state in local variables.
	dl, dr := &r.dc[0], &r.dc[1]
	rl, lx1, ly1 := dl.r, dl.x1, dl.y1
	rr, rx1, ry1 := dr.r, dr.x1, dr.y1
	for j, v := range left {
		x := float64(v)
		y := x - lx1 + rl*ly1
		lx1, ly1 = x, y
		xl[j] = y
		x = float64(right[j])
		y = x - rx1 + rr*ry1
		rx1, ry1 = x, y
		xr[j] = y
	}
	dl.x1, dl.y1, dr.x1, dr.y1 = lx1, ly1, rx1, ry1
	p, mask := r.inPos, r.inMask
	for c := range 2 {
		ring := r.in[c]
		for j, v := range r.x[c][:k] {
			ring[(p+j)&mask] = float32(v)
		}
		e := r.e[c][:k]
		g, t := &r.earlyG[c], &r.earlyTap[c]
		q0, q1, q2, q3 := p-t[0], p-t[1], p-t[2], p-t[3]
		q4, q5, q6, q7 := p-t[4], p-t[5], p-t[6], p-t[7]
		for j := range e {
			e[j] = g[0]*float64(ring[(q0+j)&mask]) + g[1]*float64(ring[(q1+j)&mask]) +
				g[2]*float64(ring[(q2+j)&mask]) + g[3]*float64(ring[(q3+j)&mask]) +
				g[4]*float64(ring[(q4+j)&mask]) + g[5]*float64(ring[(q5+j)&mask]) +
				g[6]*float64(ring[(q6+j)&mask]) + g[7]*float64(ring[(q7+j)&mask])
		}
		u := r.u[c][:k]
		q := p - r.preDelay
		for j := range u {
			u[j] = float64(ring[(q+j)&mask])
		}
		for d := range r.diff[c] {
			r.diff[c][d].run(u)
		}
	}
	r.inPos = (p + k) & mask
}

// output adds the early reflections to the network output, applies width
// and tone, and mixes with the dry signal.
func (r *Reverb) output(left, right []float32) {
	k := len(left)
	oL, oR := r.o[0][:k], r.o[1][:k]
	eL, eR := r.e[0][:k], r.e[1][:k]
	if right == nil {
		t := &r.tone[0]
		for j := range left {
			m := 0.5 * r.comp * (r.outScale*oL[j] + eL[j] + r.outScale*oR[j] + eR[j])
			left[j] = float32(r.dry*float64(left[j]) + r.wet*t.tick(m))
		}
		return
	}
	right = right[:k]
	if !r.tone[0].use {
		for j := range left {
			wl, wr := r.outScale*oL[j]+eL[j], r.outScale*oR[j]+eR[j]
			m, s := 0.5*(wl+wr), 0.5*r.side*(wl-wr)
			wl, wr = r.comp*(m+s), r.comp*(m-s)
			left[j] = float32(r.dry*float64(left[j]) + r.wet*wl)
			right[j] = float32(r.dry*float64(right[j]) + r.wet*wr)
		}
		return
	}
	// toneFilter.tick for both sides, with the state in local variables
	// (the same arithmetic as biquad.tick; a section that is off passes
	// its input).
	tl, tr := &r.tone[0], &r.tone[1]
	useHP, useLP := tl.useHP, tl.useLP
	hc, lc := tl.hp.c, tl.lp.c
	h1l, h2l, l1l, l2l := tl.hp.s1, tl.hp.s2, tl.lp.s1, tl.lp.s2
	h1r, h2r, l1r, l2r := tr.hp.s1, tr.hp.s2, tr.lp.s1, tr.lp.s2
	outScale, side, comp, dry, wet := r.outScale, r.side, r.comp, r.dry, r.wet
	for j := range left {
		wl, wr := outScale*oL[j]+eL[j], outScale*oR[j]+eR[j]
		m, s := 0.5*(wl+wr), 0.5*side*(wl-wr)
		wl, wr = comp*(m+s), comp*(m-s)
		if useHP {
			y := hc.B0*wl + h1l
			h1l = hc.B1*wl - hc.A1*y + h2l
			h2l = hc.B2*wl - hc.A2*y
			z := hc.B0*wr + h1r
			h1r = hc.B1*wr - hc.A1*z + h2r
			h2r = hc.B2*wr - hc.A2*z
			wl, wr = y, z
		}
		if useLP {
			y := lc.B0*wl + l1l
			l1l = lc.B1*wl - lc.A1*y + l2l
			l2l = lc.B2*wl - lc.A2*y
			z := lc.B0*wr + l1r
			l1r = lc.B1*wr - lc.A1*z + l2r
			l2r = lc.B2*wr - lc.A2*z
			wl, wr = y, z
		}
		left[j] = float32(dry*float64(left[j]) + wet*wl)
		right[j] = float32(dry*float64(right[j]) + wet*wr)
	}
	tl.hp.s1, tl.hp.s2, tl.lp.s1, tl.lp.s2 = h1l, h2l, l1l, l2l
	tr.hp.s1, tr.hp.s2, tr.lp.s1, tr.lp.s2 = h1r, h2r, l1r, l2r
}

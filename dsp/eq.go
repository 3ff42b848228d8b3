package dsp

import (
	"fmt"
	"math"
	"math/cmplx"
	"sync"
	"sync/atomic"

	"github.com/mixdown/mixdown/audio"
)

// EQ band types.
const (
	BandBell      = "bell"
	BandLowShelf  = "low_shelf"
	BandHighShelf = "high_shelf"
	BandNotch     = "notch"
	BandHighPass  = "highpass"
	BandLowPass   = "lowpass"
	BandBandPass  = "bandpass"
)

// EQBand is one band of a parametric EQ.
//
// Q follows the analogue prototypes of the Audio EQ Cookbook (R.
// Bristow-Johnson): a bell's bandwidth between the frequencies where it
// reaches half its gain in dB is FreqHz/Q; a shelf with Q = 0.7071 is the
// steepest without overshoot, and reaches half its gain in dB at FreqHz; a
// notch or band-pass is FreqHz/Q wide at -3 dB. Q = 0 selects the default:
// 1 for bells and band-passes, 0.7071 for shelves, high- and low-passes, 10
// for notches.
type EQBand struct {
	// Type is "bell", "low_shelf", "high_shelf", "notch", "highpass",
	// "lowpass" or "bandpass".
	Type string `json:"type" yaml:"type"`
	// FreqHz is the centre or corner frequency in Hz, from 1 Hz to 0.49 ×
	// the sample rate.
	FreqHz float64 `json:"freq_hz" yaml:"freq_hz"`
	// GainDB is the gain of a bell at FreqHz, of a shelf on its shelf, of a
	// band-pass at its peak, from -30 to +30 dB. Other types ignore it.
	GainDB float64 `json:"gain_db,omitempty" yaml:"gain_db,omitempty"`
	// Q is the quality factor, 0.1 to 40 (0 for the type's default).
	// High- and low-passes use it only at 12 dB/oct (their resonance);
	// steeper ones are Butterworth.
	Q float64 `json:"q,omitempty" yaml:"q,omitempty"`
	// SlopeDBOct is the slope of a highpass or lowpass band: 6, 12, 18,
	// 24, 36 or 48 dB/oct (0 means 12). Other types ignore it.
	SlopeDBOct int `json:"slope_db_oct,omitempty" yaml:"slope_db_oct,omitempty"`
	// Bypass leaves the band out.
	Bypass bool `json:"bypass,omitempty" yaml:"bypass,omitempty"`
}

// EQParams configure an EQ.
type EQParams struct {
	// Bands, applied in order (at most 32).
	Bands []EQBand `json:"bands" yaml:"bands"`
	// OutputDB is a gain applied after the bands, -60 to +30 dB.
	OutputDB float64 `json:"output_db,omitempty" yaml:"output_db,omitempty"`
}

// maxEQBands bounds the number of bands of an EQ.
const maxEQBands = 32

func (b EQBand) q() float64 {
	if b.Q != 0 {
		return b.Q
	}
	switch b.Type {
	case BandBell, BandBandPass:
		return 1
	case BandNotch:
		return 10
	}
	return math.Sqrt2 / 2
}

// Validate checks the band's parameters that do not depend on the sample
// rate.
func (b EQBand) Validate() error {
	switch b.Type {
	case BandBell, BandLowShelf, BandHighShelf, BandNotch, BandHighPass, BandLowPass, BandBandPass:
	default:
		return fmt.Errorf("dsp: EQ band type %q: want bell, low_shelf, high_shelf, notch, highpass, lowpass or bandpass", b.Type)
	}
	if !(b.FreqHz >= 1) || math.IsInf(b.FreqHz, 0) {
		return fmt.Errorf("dsp: EQ band freq_hz %g out of range (1 Hz to 0.49 × sample rate)", b.FreqHz)
	}
	if !(b.GainDB >= -30 && b.GainDB <= 30) {
		return fmt.Errorf("dsp: EQ band gain_db %g out of range (-30 to 30 dB)", b.GainDB)
	}
	if b.Q != 0 && !(b.Q >= 0.1 && b.Q <= 40) {
		return fmt.Errorf("dsp: EQ band q %g out of range (0.1 to 40, or 0 for the default)", b.Q)
	}
	if b.Type == BandHighPass || b.Type == BandLowPass {
		switch b.SlopeDBOct {
		case 0, 6, 12, 18, 24, 36, 48:
		default:
			return fmt.Errorf("dsp: EQ band slope_db_oct %d: want 6, 12, 18, 24, 36 or 48", b.SlopeDBOct)
		}
	}
	return nil
}

// Validate checks the parameters that do not depend on the sample rate.
func (p EQParams) Validate() error {
	if len(p.Bands) > maxEQBands {
		return fmt.Errorf("dsp: EQ has %d bands (at most %d)", len(p.Bands), maxEQBands)
	}
	for i, b := range p.Bands {
		if err := b.Validate(); err != nil {
			return fmt.Errorf("band %d: %w", i+1, err)
		}
	}
	if !(p.OutputDB >= -60 && p.OutputDB <= 30) {
		return fmt.Errorf("dsp: EQ output_db %g out of range (-60 to 30 dB)", p.OutputDB)
	}
	return nil
}

func (p EQParams) validateAt(fs float64) error {
	if err := p.Validate(); err != nil {
		return err
	}
	for i, b := range p.Bands {
		if b.FreqHz > 0.49*fs {
			return fmt.Errorf("band %d: dsp: EQ band freq_hz %g out of range (1 Hz to 0.49 × sample rate = %g Hz)", i+1, b.FreqHz, 0.49*fs)
		}
	}
	return nil
}

// design returns the EQ's sections at sample rate fs (validated).
func (p EQParams) design(fs float64) []Coefs {
	var cs []Coefs
	for _, b := range p.Bands {
		if !b.Bypass {
			cs = b.appendDesign(cs, fs)
		}
	}
	if g := DBToGain(p.OutputDB); g != 1 {
		if len(cs) == 0 {
			cs = append(cs, Coefs{B0: g})
		} else {
			cs[0].B0 *= g
			cs[0].B1 *= g
			cs[0].B2 *= g
		}
	}
	return cs
}

// appendDesign appends the band's sections at sample rate fs. Bells and
// shelves of 0 dB add none.
func (b EQBand) appendDesign(dst []Coefs, fs float64) []Coefs {
	q := b.q()
	switch b.Type {
	case BandBell, BandLowShelf, BandHighShelf:
		if b.GainDB == 0 {
			return dst
		}
		return append(dst, analogBand{b.Type, b.FreqHz, q, b.GainDB}.design(fs))
	case BandNotch:
		return append(dst, Notch(b.FreqHz, q, fs))
	case BandBandPass:
		c := BandPass(b.FreqHz, q, fs)
		g := DBToGain(b.GainDB)
		c.B0, c.B1, c.B2 = c.B0*g, c.B1*g, c.B2*g
		return append(dst, c)
	}
	high := b.Type == BandHighPass
	if b.SlopeDBOct == 0 || b.SlopeDBOct == 12 {
		if high {
			return append(dst, HighPass(b.FreqHz, q, fs))
		}
		return append(dst, LowPass(b.FreqHz, q, fs))
	}
	return appendPass(dst, high, b.FreqHz, b.SlopeDBOct/6, false, fs)
}

// EQ is a parametric equaliser: a cascade of bands (see EQBand) and an
// output gain. It has no latency.
//
// Bells and shelves are designed so that the digital response follows the
// analogue prototype's magnitude up to near Nyquist instead of being
// squeezed towards it ("cramped") as with the plain bilinear transform: a
// 16 kHz bell at 44.1 kHz keeps its analogue width and shape. At 44.1 kHz,
// bells (Q 0.5 to 4) and shelves (Q 0.5 to 1) from 1 to 16 kHz with gains
// up to ±12 dB follow the prototype within 0.3 dB up to 20 kHz and within
// 0.006 dB below fs/8 (see analogBand.design). Designing costs about 0.3 ms
// per bell or shelf, in Prepare and SetParams. Notches, band-passes, high-
// and low-passes are bilinear transforms prewarped at FreqHz (exact at
// FreqHz; a low-pass reaches zero at Nyquist).
type EQ struct {
	p    EQParams
	fs   float64
	bank *sosBank
	// resp caches a 48 kHz design for Response before Prepare.
	resp []Coefs
}

// NewEQ returns an EQ with parameters p, validated by Prepare.
func NewEQ(p EQParams) *EQ {
	p.Bands = append([]EQBand(nil), p.Bands...)
	return &EQ{p: p}
}

// Params returns a copy of the parameters.
func (e *EQ) Params() EQParams {
	p := e.p
	p.Bands = append([]EQBand(nil), p.Bands...)
	return p
}

// Prepare validates the parameters for spec, designs the bands and
// allocates the state.
func (e *EQ) Prepare(spec Spec) error {
	if err := spec.Validate(); err != nil {
		return err
	}
	if err := e.p.validateAt(spec.SampleRate); err != nil {
		return err
	}
	e.fs = spec.SampleRate
	e.bank = newSOSBank(spec.Channels, e.p.design(e.fs))
	return nil
}

// SetParams changes the parameters of a prepared EQ. When the new
// parameters have the same number of sections (the same bands, bypassed
// alike, no bell or shelf moving to or from 0 dB, the same slopes) the
// coefficients glide to the new design over about 20 ms, without clicks;
// otherwise SetParams returns an error and the EQ must be prepared again.
// Not safe for concurrent use with Process.
func (e *EQ) SetParams(p EQParams) error {
	if e.bank == nil {
		return fmt.Errorf("dsp: EQ.SetParams before Prepare")
	}
	if err := p.validateAt(e.fs); err != nil {
		return err
	}
	cs := p.design(e.fs)
	if len(cs) != len(e.bank.coefs) {
		return fmt.Errorf("dsp: EQ.SetParams changes the number of filter sections from %d to %d; Prepare again", len(e.bank.coefs), len(cs))
	}
	p.Bands = append([]EQBand(nil), p.Bands...)
	e.p = p
	e.bank.setTarget(cs, rampTicks(e.fs))
	return nil
}

// rampTicks is the number of ticks of a coefficient glide: about 20 ms.
func rampTicks(fs float64) int { return max(1, int(math.Round(0.02*fs/tickFrames))) }

// Process equalises buf in place.
func (e *EQ) Process(buf audio.Buffer) { e.bank.process(buf) }

// Reset clears the state; a glide in progress jumps to its end.
func (e *EQ) Reset() { e.bank.reset() }

// Latency is 0 frames.
func (e *EQ) Latency() int { return 0 }

// Response returns the EQ's gain in dB at freq Hz, output gain included, as
// realised at the prepared sample rate (48 kHz before Prepare; NaN if the
// parameters are invalid there).
func (e *EQ) Response(freq float64) (db float64) {
	var cs []Coefs
	fs := e.fs
	if e.bank != nil {
		cs = e.bank.coefs
		if e.bank.steps > 0 {
			cs = e.bank.to
		}
	} else {
		fs = 48000
		if e.resp == nil {
			if e.p.validateAt(fs) != nil {
				return math.NaN()
			}
			e.resp = e.p.design(fs)
		}
		cs = e.resp
	}
	return 20 * math.Log10(cmplx.Abs(responseOf(cs, freq, fs)))
}

// analogBand is the analogue prototype of a bell or shelf (Audio EQ
// Cookbook), with Ω = f/f0 and A = 10^(gain/40):
//
//	bell        H(s) = (s² + s·A/Q + 1) / (s² + s/(A·Q) + 1)
//	low shelf   H(s) = A·(s² + s·√A/Q + A) / (A·s² + s·√A/Q + 1)
//	high shelf  H(s) = A·(A·s² + s·√A/Q + 1) / (s² + s·√A/Q + A)
type analogBand struct {
	typ       string
	f0, q, db float64
}

// mag2 returns |H(j·2πf)|², the prototype's squared magnitude at f Hz.
func (b analogBand) mag2(f float64) float64 {
	w := f / b.f0
	w2 := w * w
	a := math.Pow(10, b.db/40)
	switch b.typ {
	case BandBell:
		u := (1 - w2) * (1 - w2)
		n, d := w*a/b.q, w/(a*b.q)
		return (u + n*n) / (u + d*d)
	case BandLowShelf:
		k := a * w2 / (b.q * b.q)
		return a * a * ((a-w2)*(a-w2) + k) / ((1-a*w2)*(1-a*w2) + k)
	default: // high shelf
		k := a * w2 / (b.q * b.q)
		return a * a * ((1-a*w2)*(1-a*w2) + k) / ((a-w2)*(a-w2) + k)
	}
}

// design returns a second-order section whose magnitude follows the
// prototype's at sample rate fs.
//
// It starts from closed-form designs and keeps the best, then refines it
// numerically (refineMagnitude):
//   - the bilinear transform prewarped at f0 (the cookbook design), exact
//     at DC and f0 but cramped towards Nyquist;
//   - for bells, M. Vicanek's matched design ("Matched Second Order Digital
//     Filters", 2016): poles placed by the impulse-invariant map z = e^(sT)
//     of the analogue poles, numerator chosen so that the magnitude matches
//     the prototype's at DC and at f0, with zero slope at f0;
//   - for shelves, the same matched poles with a numerator matching the
//     prototype's magnitude at DC, f0 and Nyquist.
//
// The prototypes mirror in dB (H(s; -g) = 1/H(s; g)), and so do the
// designs: only bell and low-shelf boosts and high-shelf cuts are designed,
// cuts and high-shelf boosts being their inverses. For shelves that is the
// variant whose poles lie at f0/√A, below f0, rather than above it and
// perhaps beyond Nyquist; the refinement converges reliably from those.
func (b analogBand) design(fs float64) Coefs {
	key := designKey{b, fs}
	if c, ok := designCache.Load(key); ok {
		return c.(Coefs)
	}
	c := b.designAt(fs)
	if designCached.Add(1) <= maxDesignCache {
		designCache.Store(key, c)
	}
	return c
}

// designCache holds the sections design has computed (at most
// maxDesignCache of them, so that a program that keeps changing its EQs
// does not grow without bound): designing is slow (about 0.3 ms) and
// deterministic, and sessions often repeat a band on many tracks.
var (
	designCache  sync.Map // designKey → Coefs
	designCached atomic.Int64
)

const maxDesignCache = 1024

type designKey struct {
	b  analogBand
	fs float64
}

// designAt is design without the cache.
func (b analogBand) designAt(fs float64) Coefs {
	if (b.db < 0) != (b.typ == BandHighShelf) && b.db != 0 {
		b.db = -b.db
		c := b.designAt(fs)
		if inv := (Coefs{B0: 1 / c.B0, B1: c.A1 / c.B0, B2: c.A2 / c.B0, A1: c.B1 / c.B0, A2: c.B2 / c.B0}); inv.Stable() {
			return inv
		}
		b.db = -b.db
	}
	w0 := 2 * math.Pi * b.f0 / fs
	a := math.Pow(10, b.db/40)
	mag2 := func(w float64) float64 { return b.mag2(w * fs / (2 * math.Pi)) }
	var starts [2]Coefs
	switch b.typ {
	case BandBell:
		starts[0] = Peak(b.f0, b.q, b.db, fs)
		starts[1] = matchedPeak(w0, b.q, a)
	case BandLowShelf:
		starts[0] = LowShelf(b.f0, b.q, b.db, fs)
		starts[1] = matchedThreePoint(w0/math.Sqrt(a), b.q, w0, mag2)
	default:
		starts[0] = HighShelf(b.f0, b.q, b.db, fs)
		starts[1] = matchedThreePoint(w0*math.Sqrt(a), b.q, w0, mag2)
	}
	return refineMagnitude(starts[:], b.mag2, b.f0, fs)
}

// matchedPoles returns the denominator of the impulse-invariant map of the
// analogue pole pair with natural frequency w rad/sample and quality q.
func matchedPoles(w, q float64) (a1, a2 float64) {
	z := 1 / (2 * q)
	e := math.Exp(-z * w)
	if z <= 1 {
		a1 = -2 * e * math.Cos(math.Sqrt(1-z*z)*w)
	} else {
		a1 = -2 * e * math.Cosh(math.Sqrt(z*z-1)*w)
	}
	return a1, e * e
}

// phis returns the basis φ0 = cos²(w/2), φ1 = sin²(w/2), φ2 = 4·φ0·φ1 in
// which a second-order polynomial's squared magnitude on the unit circle is
// linear: |c0 + c1·z⁻¹ + c2·z⁻²|² = (c0+c1+c2)²·φ0 + (c0-c1+c2)²·φ1 -
// 4·c0·c2·φ2 (Vicanek 2016).
func phis(w float64) (p0, p1, p2 float64) {
	s := math.Sin(w / 2)
	p1 = s * s
	p0 = 1 - p1
	return p0, p1, 4 * p0 * p1
}

// numeratorFromSquares returns b0, b1, b2 (minimum phase) from the
// squared-magnitude coefficients B0 = (b0+b1+b2)², B1 = (b0-b1+b2)², B2 =
// -4·b0·b2, or ok = false if none exist.
func numeratorFromSquares(B0, B1, B2 float64) (b0, b1, b2 float64, ok bool) {
	if !(B0 >= 0 && B1 >= 0) {
		return 0, 0, 0, false
	}
	s0, s1 := math.Sqrt(B0), math.Sqrt(B1)
	w := (s0 + s1) / 2
	d := w*w + B2
	if !(d >= 0) || w == 0 {
		return 0, 0, 0, false
	}
	b0 = (w + math.Sqrt(d)) / 2
	return b0, (s0 - s1) / 2, -B2 / (4 * b0), true
}

// matchedPeak is Vicanek's matched peaking EQ at w0 rad/sample with
// quality q and A = 10^(gain/40); it returns the zero Coefs if the design
// does not exist.
func matchedPeak(w0, q, a float64) Coefs {
	a1, a2 := matchedPoles(w0, q*a)
	A0 := (1 + a1 + a2) * (1 + a1 + a2)
	A1 := (1 - a1 + a2) * (1 - a1 + a2)
	A2 := -4 * a2
	p0, p1, p2 := phis(w0)
	g2 := a * a * a * a
	r1 := (A0*p0 + A1*p1 + A2*p2) * g2
	r2 := (-A0 + A1 + 4*(p0-p1)*A2) * g2
	B0 := A0
	B2 := (r1 - r2*p1 - B0) / (4 * p1 * p1)
	B1 := r2 + B0 + 4*(p1-p0)*B2
	b0, b1, b2, ok := numeratorFromSquares(B0, B1, B2)
	if !ok {
		return Coefs{}
	}
	return Coefs{B0: b0, B1: b1, B2: b2, A1: a1, A2: a2}
}

// matchedThreePoint places the poles by the impulse-invariant map of an
// analogue pair (natural frequency wp rad/sample, quality q) and chooses
// the numerator so that the squared magnitude equals mag2 (a function of
// rad/sample) at DC, at wm and at Nyquist. It returns the zero Coefs if
// that is impossible.
func matchedThreePoint(wp, q, wm float64, mag2 func(w float64) float64) Coefs {
	a1, a2 := matchedPoles(wp, q)
	A0 := (1 + a1 + a2) * (1 + a1 + a2)
	A1 := (1 - a1 + a2) * (1 - a1 + a2)
	A2 := -4 * a2
	p0, p1, p2 := phis(wm)
	B0 := mag2(0) * A0
	B1 := mag2(math.Pi) * A1
	B2 := (mag2(wm)*(A0*p0+A1*p1+A2*p2) - B0*p0 - B1*p1) / p2
	b0, b1, b2, ok := numeratorFromSquares(B0, B1, B2)
	if !ok {
		return Coefs{}
	}
	return Coefs{B0: b0, B1: b1, B2: b2, A1: a1, A2: a2}
}

// magRational is the squared magnitude of a second-order section as a
// rational function of t = tan²(ω/2)/tan²(ω0/2), the bilinear transform's
// warped frequency squared and normalised to the design frequency:
//
//	|H|² = (n0 + n1·t + n2·t²) / (1 + d1·t + d2·t²)
//
// Every second-order section has this form, and every such function that
// stays positive for t ≥ 0 is realised by a stable, minimum-phase section
// (toCoefs).
type magRational struct{ n0, n1, n2, d1, d2 float64 }

func (r magRational) at(t float64) (num, den float64) {
	return r.n0 + t*(r.n1+t*r.n2), 1 + t*(r.d1+t*r.d2)
}

// realisable reports whether numerator and denominator factor as squared
// magnitudes of real polynomials with non-negative coefficients (stable,
// minimum-phase analogue sections in the warped domain).
func (r magRational) realisable() bool {
	return r.n0 >= 0 && r.n2 >= 0 && r.d2 > 0 && r.d1+2*math.Sqrt(r.d2) > 0 &&
		r.n1+2*math.Sqrt(r.n0*r.n2) >= 0
}

// fromCoefs expresses c's squared magnitude as a magRational for the
// normalisation x0 = tan²(ω0/2). With cos ω = (1-x)/(1+x), x = tan²(ω/2),
// the φ basis of phis becomes φ0 = 1/(1+x), φ1 = x/(1+x), φ2 = 4x/(1+x)²,
// so (1+x)²·|B|² = B0 + (B0+B1+4·B2)·x + B1·x² with B0 = (b0+b1+b2)², B1 =
// (b0-b1+b2)², B2 = -4·b0·b2.
func fromCoefs(c Coefs, x0 float64) magRational {
	B0 := (c.B0 + c.B1 + c.B2) * (c.B0 + c.B1 + c.B2)
	B1 := (c.B0 - c.B1 + c.B2) * (c.B0 - c.B1 + c.B2)
	B2 := -4 * c.B0 * c.B2
	A0 := (1 + c.A1 + c.A2) * (1 + c.A1 + c.A2)
	A1 := (1 - c.A1 + c.A2) * (1 - c.A1 + c.A2)
	A2 := -4 * c.A2
	return magRational{
		n0: B0 / A0, n1: (B0 + B1 + 4*B2) * x0 / A0, n2: B1 * x0 * x0 / A0,
		d1: (A0 + A1 + 4*A2) * x0 / A0, d2: A1 * x0 * x0 / A0,
	}
}

// toCoefs realises r (which must be realisable): it factors the numerator
// and denominator as |β2·s² + β1·s + β0|² and |s² + α1·s + α0|² at s = j·√x,
// x = x0·t, and maps the analogue section by s = (1-z⁻¹)/(1+z⁻¹), under
// which s = j·tan(ω/2) on the unit circle.
func (r magRational) toCoefs(x0 float64) Coefs {
	// Multiply through by k = x0²/d2 to make the denominator monic in x.
	k := x0 * x0 / r.d2
	N0, N1, N2 := k*r.n0, k*r.n1/x0, k*r.n2/(x0*x0)
	D0, D1 := k, k*r.d1/x0
	a0 := math.Sqrt(D0)
	a1 := math.Sqrt(max(0, D1+2*a0))
	b2, b0 := math.Sqrt(N2), math.Sqrt(N0)
	b1 := math.Sqrt(max(0, N1+2*b0*b2))
	d0 := 1 + a1 + a0
	return Coefs{
		B0: (b2 + b1 + b0) / d0, B1: 2 * (b0 - b2) / d0, B2: (b2 - b1 + b0) / d0,
		A1: 2 * (a0 - 1) / d0, A2: (1 - a1 + a0) / d0,
	}
}

// refineMagnitude returns the second-order section whose magnitude best
// follows target (the analogue squared magnitude as a function of Hz) at
// sample rate fs, starting from the best of starts (zero Coefs are
// skipped).
//
// The error is measured in dB on a 1/8-octave grid from min(20 Hz,
// f0/10) to 0.4535 × fs (20 kHz at 44.1 kHz), weighted 50 times more below
// fs/8 than above, so that the low and middle frequencies, where a
// second-order section can follow the prototype almost exactly, are held
// to about 1/50 of the error allowed near Nyquist (where the digital
// response must level off). The DC gain is kept exact; the other four
// degrees of freedom of magRational are adjusted by damped Gauss-Newton
// (Levenberg-Marquardt) steps on the L^p norm of the error, p rising from
// 2 to 32, which approaches the minimax solution; of all the iterates the
// one with the smallest weighted maximum error is returned, so the result
// is never worse than the best start.
func refineMagnitude(starts []Coefs, target func(f float64) float64, f0, fs float64) Coefs {
	x0 := math.Tan(math.Pi * f0 / fs)
	x0 *= x0
	var g magGrid
	g.init(target, f0, fs, x0)
	best, bestErr := Coefs{}, math.Inf(1)
	var r magRational
	for _, c := range starts {
		if c == (Coefs{}) || !c.Stable() {
			continue
		}
		cr := fromCoefs(c, x0)
		if e := g.maxErr(cr); e < bestErr {
			best, bestErr, r = c, e, cr
		}
	}
	if math.IsInf(bestErr, 1) {
		return best
	}
	r.n0 = g.t0 // exact DC gain
	if e := g.maxErr(r); e < bestErr {
		bestErr = e
	} else {
		r = fromCoefs(best, x0)
	}
	if !(bestErr > 1e-9) {
		return best
	}
	// Damped Gauss-Newton (Levenberg-Marquardt) on the L^p norm of the
	// weighted log error, for p = 2, 4, … 32 in turn, each stage starting
	// where the previous one ended; the iterate with the smallest maximum
	// error is kept.
	cur, curErr := r, bestErr
	for p := 2; p <= 32; p *= 2 {
		scale := curErr // errors are measured relative to this in the stage
		obj := g.lp(cur, p, scale)
		lambda := 1e-3
		for it := 0; it < 8; it++ {
			var jtj [4][4]float64
			var jtr [4]float64
			for i, t := range g.t {
				num, den := cur.at(t)
				res := g.w[i] * (math.Log(num/den) - g.logT[i])
				// The gradient of Σ|res|^p is that of Σ wt·res² with the
				// IRLS weight wt = |res/scale|^(p-2).
				wt := pow2k(res/scale, p-2)
				j := [4]float64{t / num, t * t / num, -t / den, -t * t / den}
				for a := range 4 {
					ja := g.w[i] * j[a] * wt
					jtr[a] += ja * res
					for b := a; b < 4; b++ {
						jtj[a][b] += ja * g.w[i] * j[b]
					}
				}
			}
			for a := range 4 {
				for b := 0; b < a; b++ {
					jtj[a][b] = jtj[b][a]
				}
			}
			improved := false
			for try := 0; try < 6 && !improved; try++ {
				m := jtj
				for a := range 4 {
					m[a][a] *= 1 + lambda
				}
				d, ok := solve4(m, [4]float64{-jtr[0], -jtr[1], -jtr[2], -jtr[3]})
				if !ok {
					break
				}
				c := magRational{cur.n0, cur.n1 + d[0], cur.n2 + d[1], cur.d1 + d[2], cur.d2 + d[3]}
				if o := g.lp(c, p, scale); o < obj {
					cur, obj = c, o
					curErr = g.maxErr(c)
					if curErr < bestErr {
						r, bestErr = c, curErr
					}
					lambda = max(lambda*0.2, 1e-9)
					improved = true
				} else {
					lambda *= 10
				}
			}
			if !improved {
				break
			}
		}
	}
	c := r.toCoefs(x0)
	if !c.Stable() {
		return best
	}
	return c
}

// magGrid holds the frequencies and targets refineMagnitude fits.
type magGrid struct {
	t, logT, w []float64 // normalised warped frequency, ln target, weight
	t0         float64   // target at DC
}

func (g *magGrid) init(target func(f float64) float64, f0, fs, x0 float64) {
	lo := math.Min(20, f0/10)
	hi := 0.4535 * fs
	n := int(math.Ceil(8*math.Log2(hi/lo))) + 1
	g.t = make([]float64, 0, n+1)
	g.logT = make([]float64, 0, n+1)
	g.w = make([]float64, 0, n+1)
	add := func(f float64) {
		x := math.Tan(math.Pi * f / fs)
		w := 1.0
		if f < fs/8 {
			w = 50
		}
		g.t = append(g.t, x*x/x0)
		g.logT = append(g.logT, math.Log(target(f)))
		g.w = append(g.w, w)
	}
	for i := range n {
		add(lo * math.Pow(hi/lo, float64(i)/float64(n-1)))
	}
	if f0 < hi {
		add(f0)
	}
	g.t0 = target(0)
}

// maxErr returns the largest weighted |ln|H|² - ln target| on the grid, or
// +Inf if r is not realisable.
func (g *magGrid) maxErr(r magRational) float64 {
	if !r.realisable() {
		return math.Inf(1)
	}
	m := 0.0
	for i, t := range g.t {
		num, den := r.at(t)
		if !(num > 0 && den > 0) {
			return math.Inf(1)
		}
		m = max(m, g.w[i]*math.Abs(math.Log(num/den)-g.logT[i]))
	}
	return m
}

// lp returns Σ|e/scale|^p over the grid for the weighted log errors e of
// r, or +Inf if r is not realisable; p is a power of two.
func (g *magGrid) lp(r magRational, p int, scale float64) float64 {
	if !r.realisable() {
		return math.Inf(1)
	}
	s := 0.0
	for i, t := range g.t {
		num, den := r.at(t)
		if !(num > 0 && den > 0) {
			return math.Inf(1)
		}
		s += pow2k(g.w[i]*(math.Log(num/den)-g.logT[i])/scale, p)
	}
	return s
}

// pow2k returns |x|^k for k = 0 or a power of two, by repeated squaring.
func pow2k(x float64, k int) float64 {
	if k == 0 {
		return 1
	}
	x = math.Abs(x)
	for ; k > 1; k /= 2 {
		x *= x
	}
	return x
}

// solve4 solves m·x = b by Gaussian elimination with partial pivoting.
func solve4(m [4][4]float64, b [4]float64) ([4]float64, bool) {
	for c := range 4 {
		p := c
		for r := c + 1; r < 4; r++ {
			if math.Abs(m[r][c]) > math.Abs(m[p][c]) {
				p = r
			}
		}
		if m[p][c] == 0 || math.IsNaN(m[p][c]) {
			return b, false
		}
		m[c], m[p] = m[p], m[c]
		b[c], b[p] = b[p], b[c]
		for r := c + 1; r < 4; r++ {
			f := m[r][c] / m[c][c]
			for k := c; k < 4; k++ {
				m[r][k] -= f * m[c][k]
			}
			b[r] -= f * b[c]
		}
	}
	var x [4]float64
	for r := 3; r >= 0; r-- {
		s := b[r]
		for k := r + 1; k < 4; k++ {
			s -= m[r][k] * x[k]
		}
		x[r] = s / m[r][r]
	}
	return x, true
}

// Package fx holds mixdown's time-based and colouring effects: an
// algorithmic stereo reverb, a tempo-syncable feedback delay, an oversampled
// saturator, a mid/side stereo-width control, and the pan laws the mixer
// uses. Every effect is a dsp.Processor and passes the dsp/dsptest
// conformance suite.
//
// Parameters live in plain structs (ReverbParams, DelayParams,
// SaturationParams, WidthParams) with snake_case json and yaml tags whose
// names carry their units, so that a session file decodes straight into
// them. Decode on top of the Default…Params value to get sensible values
// for the fields a session leaves out. Each struct has a Validate method
// that names the offending parameter (by its tag) and its allowed range;
// Prepare calls it. Parameters are read at Prepare: to change them, make a
// new processor or Prepare again.
//
// References for the designs:
//
//   - M. R. Schroeder, "New method of measuring reverberation time",
//     J. Acoust. Soc. Am. 37 (1965): the backward-integrated energy decay
//     curve the tests measure RT60 from.
//   - M. R. Schroeder, "Natural sounding artificial reverberation",
//     J. Audio Eng. Soc. 10 (1962): all-pass diffusers.
//   - J.-M. Jot and A. Chaigne, "Digital delay networks for designing
//     artificial reverberators", 90th AES Convention (1991), preprint 3030:
//     the feedback delay network with a unitary feedback matrix and per-line
//     absorption filters whose gain is set by the line length and the RT60.
//   - J. Dattorro, "Effect design, part 1: reverberator and other filters",
//     J. Audio Eng. Soc. 45 (1997): modulated delays against metallic
//     ringing, input diffusion.
//   - J. S. Abel and P. Huang, "A simple, robust measure of reverberation
//     echo density", 121st AES Convention (2006): the echo-density measure
//     in the tests.
//   - S. H. Linkwitz, "Active crossover networks for noncoincident drivers",
//     J. Audio Eng. Soc. 24 (1976): the Linkwitz-Riley crossover, whose
//     low- and high-pass outputs are in phase and sum to an all-pass; the
//     mono-bass split of Width.
//   - ITU-R BS.775: the 5.1 loudspeaker angles used by SurroundPan.
package fx

import (
	"fmt"
	"math"
	"strings"

	"github.com/mixdown/mixdown/dsp"
)

// checker collects parameter range errors for one effect.
type checker struct {
	effect string
	errs   []string
}

// inRange records an error unless lo <= v <= hi (NaN fails).
func (c *checker) inRange(name string, v, lo, hi float64, unit string) {
	if !(v >= lo && v <= hi) {
		c.add("%s = %g out of range (%g to %g%s)", name, v, lo, hi, unit)
	}
}

// offOrRange records an error unless v is 0 (off) or lo <= v <= hi.
func (c *checker) offOrRange(name string, v, lo, hi float64, unit string) {
	if v != 0 && !(v >= lo && v <= hi) {
		c.add("%s = %g out of range (0 for off, or %g to %g%s)", name, v, lo, hi, unit)
	}
}

func (c *checker) add(format string, args ...any) {
	c.errs = append(c.errs, fmt.Sprintf(format, args...))
}

func (c *checker) err() error {
	if len(c.errs) == 0 {
		return nil
	}
	return fmt.Errorf("fx: %s: %s", c.effect, strings.Join(c.errs, "; "))
}

// flush returns 0 for magnitudes below 1e-30 so that recirculating state
// never reaches the slow subnormal range. Callers apply it per sample, or
// at fixed intervals counted from the start of the stream (flushEvery
// frames), so that the output never depends on how the stream is cut into
// buffers.
func flush(x float64) float64 {
	if x > -1e-30 && x < 1e-30 {
		return 0
	}
	return x
}

// flushEvery is the interval, in frames from the start of the stream, at
// which processors flush filter state that is not flushed per sample. In
// that time no filter here can decay from 1e-30 into the subnormal range.
const flushEvery = 64

// biquad is one second-order section with its own transposed direct form II
// state, for use inside per-sample loops (feedback paths, where a
// block-wise dsp.Cascade cannot be used). Its owner flushes it every
// flushEvery frames.
type biquad struct {
	c      dsp.Coefs
	s1, s2 float64
}

func (b *biquad) tick(x float64) float64 {
	y := b.c.B0*x + b.s1
	b.s1 = b.c.B1*x - b.c.A1*y + b.s2
	b.s2 = b.c.B2*x - b.c.A2*y
	return y
}

func (b *biquad) flush() { b.s1, b.s2 = flush(b.s1), flush(b.s2) }

func (b *biquad) reset() { b.s1, b.s2 = 0, 0 }

// toneFilter is an optional high-pass (low cut) followed by an optional
// low-pass (high cut), each a second-order Butterworth section.
type toneFilter struct {
	hp, lp            biquad
	useHP, useLP, use bool
}

// maxCutFraction is the highest cutoff, as a fraction of the sample rate,
// that still filters: above it a low-pass would have no audible effect and
// the bilinear design degrades, so it is treated as off.
const maxCutFraction = 0.45

func newToneFilter(lowCutHz, highCutHz, fs float64) toneFilter {
	var t toneFilter
	if lowCutHz > 0 && lowCutHz < maxCutFraction*fs {
		t.hp.c, t.useHP = dsp.HighPass(lowCutHz, math.Sqrt2/2, fs), true
	}
	if highCutHz > 0 && highCutHz < maxCutFraction*fs {
		t.lp.c, t.useLP = dsp.LowPass(highCutHz, math.Sqrt2/2, fs), true
	}
	t.use = t.useHP || t.useLP
	return t
}

func (t *toneFilter) tick(x float64) float64 {
	if t.useHP {
		x = t.hp.tick(x)
	}
	if t.useLP {
		x = t.lp.tick(x)
	}
	return x
}

// response returns the filter's complex response at freq Hz.
func (t *toneFilter) response(freq, fs float64) complex128 {
	h := complex(1, 0)
	if t.useHP {
		h *= t.hp.c.Response(freq, fs)
	}
	if t.useLP {
		h *= t.lp.c.Response(freq, fs)
	}
	return h
}

func (t *toneFilter) reset() { t.hp.reset(); t.lp.reset() }

func (t *toneFilter) flush() { t.hp.flush(); t.lp.flush() }

// dcBlocker is a first-order high-pass, y[n] = x[n] - x[n-1] + R·y[n-1].
// Its owner flushes it every flushEvery frames.
type dcBlocker struct{ r, x1, y1 float64 }

func newDCBlocker(cutoffHz, fs float64) dcBlocker {
	return dcBlocker{r: math.Exp(-2 * math.Pi * cutoffHz / fs)}
}

func (d *dcBlocker) tick(x float64) float64 {
	y := x - d.x1 + d.r*d.y1
	d.x1, d.y1 = x, y
	return y
}

func (d *dcBlocker) flush() { d.x1, d.y1 = flush(d.x1), flush(d.y1) }

func (d *dcBlocker) reset() { d.x1, d.y1 = 0, 0 }

// nextPow2 returns the smallest power of two >= n (n >= 1).
func nextPow2(n int) int {
	p := 1
	for p < n {
		p <<= 1
	}
	return p
}

func isPrime(n int) bool {
	if n < 2 {
		return false
	}
	for d := 2; d*d <= n; d++ {
		if n%d == 0 {
			return false
		}
	}
	return true
}

// nextPrime returns the smallest prime >= n.
func nextPrime(n int) int {
	for !isPrime(n) {
		n++
	}
	return n
}

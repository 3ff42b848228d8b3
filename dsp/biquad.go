package dsp

import (
	"math"
	"math/cmplx"

	"github.com/mixdown/mixdown/audio"
)

// Coefs are the coefficients of a second-order section normalised so that
// a0 = 1: y[n] = b0·x[n] + b1·x[n-1] + b2·x[n-2] - a1·y[n-1] - a2·y[n-2].
type Coefs struct{ B0, B1, B2, A1, A2 float64 }

// Identity passes the signal unchanged.
var Identity = Coefs{B0: 1}

// Response returns the complex frequency response at freq Hz for sample
// rate fs Hz.
func (c Coefs) Response(freq, fs float64) complex128 {
	z1 := cmplx.Exp(complex(0, -2*math.Pi*freq/fs)) // z^-1
	z2 := z1 * z1
	num := complex(c.B0, 0) + complex(c.B1, 0)*z1 + complex(c.B2, 0)*z2
	den := 1 + complex(c.A1, 0)*z1 + complex(c.A2, 0)*z2
	return num / den
}

// MagnitudeDB returns the gain at freq Hz in dB.
func (c Coefs) MagnitudeDB(freq, fs float64) float64 {
	return 20 * math.Log10(cmplx.Abs(c.Response(freq, fs)))
}

// Stable reports whether both poles lie inside the unit circle.
func (c Coefs) Stable() bool {
	return math.Abs(c.A2) < 1 && math.Abs(c.A1) < 1+c.A2
}

// rbj returns the common terms of the Audio EQ Cookbook (R. Bristow-Johnson)
// designs: cos ω0 and α = sin ω0 / (2Q).
func rbj(freq, q, fs float64) (cosw, alpha float64) {
	w := 2 * math.Pi * freq / fs
	return math.Cos(w), math.Sin(w) / (2 * q)
}

func norm(b0, b1, b2, a0, a1, a2 float64) Coefs {
	return Coefs{B0: b0 / a0, B1: b1 / a0, B2: b2 / a0, A1: a1 / a0, A2: a2 / a0}
}

// LowPass is a second-order low-pass at freq Hz with quality q (0.7071 for
// Butterworth).
func LowPass(freq, q, fs float64) Coefs {
	c, a := rbj(freq, q, fs)
	return norm((1-c)/2, 1-c, (1-c)/2, 1+a, -2*c, 1-a)
}

// HighPass is a second-order high-pass at freq Hz with quality q.
func HighPass(freq, q, fs float64) Coefs {
	c, a := rbj(freq, q, fs)
	return norm((1+c)/2, -(1 + c), (1+c)/2, 1+a, -2*c, 1-a)
}

// BandPass is a second-order band-pass with 0 dB gain at freq Hz.
func BandPass(freq, q, fs float64) Coefs {
	c, a := rbj(freq, q, fs)
	return norm(a, 0, -a, 1+a, -2*c, 1-a)
}

// Notch rejects freq Hz completely; q sets its width (bandwidth = freq/q).
func Notch(freq, q, fs float64) Coefs {
	c, a := rbj(freq, q, fs)
	return norm(1, -2*c, 1, 1+a, -2*c, 1-a)
}

// AllPass has unit gain and a phase turning through -180° at freq Hz.
func AllPass(freq, q, fs float64) Coefs {
	c, a := rbj(freq, q, fs)
	return norm(1-a, -2*c, 1+a, 1+a, -2*c, 1-a)
}

// Peak is a bell (peaking EQ) of gainDB at freq Hz with quality q.
func Peak(freq, q, gainDB, fs float64) Coefs {
	c, a := rbj(freq, q, fs)
	A := math.Pow(10, gainDB/40)
	return norm(1+a*A, -2*c, 1-a*A, 1+a/A, -2*c, 1-a/A)
}

// LowShelf raises or lowers everything below about freq Hz by gainDB; q
// shapes the knee (0.7071 gives the steepest shelf without overshoot).
func LowShelf(freq, q, gainDB, fs float64) Coefs {
	c, a := rbj(freq, q, fs)
	A := math.Pow(10, gainDB/40)
	s := 2 * math.Sqrt(A) * a
	return norm(A*((A+1)-(A-1)*c+s), 2*A*((A-1)-(A+1)*c), A*((A+1)-(A-1)*c-s),
		(A+1)+(A-1)*c+s, -2*((A-1)+(A+1)*c), (A+1)+(A-1)*c-s)
}

// HighShelf raises or lowers everything above about freq Hz by gainDB.
func HighShelf(freq, q, gainDB, fs float64) Coefs {
	c, a := rbj(freq, q, fs)
	A := math.Pow(10, gainDB/40)
	s := 2 * math.Sqrt(A) * a
	return norm(A*((A+1)+(A-1)*c+s), -2*A*((A-1)+(A+1)*c), A*((A+1)+(A-1)*c-s),
		(A+1)-(A-1)*c+s, 2*((A-1)-(A+1)*c), (A+1)-(A-1)*c-s)
}

// Cascade runs a fixed series of second-order sections over every channel
// of a buffer, with float64 state in transposed direct form II. It is a
// simple reference engine (the filters and EQs use a faster internal one);
// it is not itself a Processor (it has no Prepare), but its methods follow
// the same rules: no allocation after NewCascade, and output independent of
// block size (state is flushed of subnormals on every sample, not at buffer
// ends).
type Cascade struct {
	coefs []Coefs
	state [][]float64 // per channel: s1, s2 of each section
}

// NewCascade makes a cascade of the given sections for channels channels.
func NewCascade(channels int, coefs ...Coefs) *Cascade {
	c := &Cascade{coefs: append([]Coefs(nil), coefs...), state: make([][]float64, channels)}
	for ch := range c.state {
		c.state[ch] = make([]float64, 2*len(coefs))
	}
	return c
}

// SetCoefs replaces the sections' coefficients (same count), keeping the
// state. It panics on a count mismatch.
func (c *Cascade) SetCoefs(coefs ...Coefs) {
	if len(coefs) != len(c.coefs) {
		panic("dsp: Cascade.SetCoefs with a different number of sections")
	}
	copy(c.coefs, coefs)
}

// Coefs returns the sections' coefficients (shared, do not modify).
func (c *Cascade) Coefs() []Coefs { return c.coefs }

// Reset clears the state.
func (c *Cascade) Reset() {
	for _, s := range c.state {
		clear(s)
	}
}

// Process filters buf in place.
func (c *Cascade) Process(buf audio.Buffer) {
	for ch, x := range buf {
		c.ProcessChannel(ch, x)
	}
}

// ProcessChannel filters one channel's samples in place.
func (c *Cascade) ProcessChannel(ch int, x []float32) {
	st := c.state[ch]
	for k, q := range c.coefs {
		s1, s2 := st[2*k], st[2*k+1]
		for i, v := range x {
			in := float64(v)
			y := q.B0*in + s1
			s1 = FlushDenormal(q.B1*in - q.A1*y + s2)
			s2 = FlushDenormal(q.B2*in - q.A2*y)
			x[i] = float32(y)
		}
		st[2*k], st[2*k+1] = s1, s2
	}
}

// Response returns the cascade's complex response at freq Hz.
func (c *Cascade) Response(freq, fs float64) complex128 {
	return responseOf(c.coefs, freq, fs)
}

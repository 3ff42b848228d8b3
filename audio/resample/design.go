package resample

import (
	"math"
	"runtime"
	"sync"
	"weak"
)

// Filter design.
//
// The converter evaluates, for output frame k, the band-limited input at
// time t = k·inRate/outRate (in input frames):
//
//	y[k] = Σ_n x[n]·g(t − n)
//
// where g is a Kaiser-windowed sinc, the impulse response of a linear-phase
// low-pass filter centred on t (so there is no delay). With s = min(1,
// outRate/inRate), time measured in frames of the lower of the two rates is
// u = s·τ, and
//
//	g(τ) = s · sinc(s·τ) · kaiser(s·τ / halfWidth)
//
// The cutoff (−6 dB point) sits exactly at the lower Nyquist frequency. The
// passband runs to passEdge·lowRate (20 kHz at 44.1 kHz) and the stopband
// starts at (1 − passEdge)·lowRate (24.1 kHz at 44.1 kHz): the transition
// band is symmetric about the lower Nyquist, so whatever the filter lets
// through above that Nyquist can only alias (downsampling) or image
// (upsampling) into the band between passEdge·lowRate and the lower Nyquist,
// never below 20 kHz at 44.1 kHz. This halves the filter length compared with
// a stopband that starts at the Nyquist frequency itself.
const (
	// passEdge is the passband edge as a fraction of the lower sample rate.
	passEdge = 20000.0 / 44100.0
	// stopAtten is the design stopband attenuation in dB; the passband ripple
	// of a window design is the same δ, so ±20·log10(1+δ) dB.
	stopAtten = 165.0
)

// kaiserBeta returns the Kaiser window shape for a stopband attenuation of
// atten dB (Kaiser's empirical formula for atten > 50 dB).
func kaiserBeta(atten float64) float64 { return 0.1102 * (atten - 8.7) }

// kaiserHalfWidth returns the window half-width, in frames of the lower rate,
// that reaches atten dB across a transition band of width dw (fraction of the
// lower rate), from Kaiser's length estimate N−1 = (A − 7.95)/(2.285·Δω).
func kaiserHalfWidth(atten, dw float64) float64 {
	return (atten - 7.95) / (2.285 * 2 * math.Pi * dw) / 2
}

var (
	designBeta = kaiserBeta(stopAtten)
	designHalf = kaiserHalfWidth(stopAtten, 1-2*passEdge)
	designI0   = besselI0(designBeta)
)

// besselI0 is the modified Bessel function of the first kind, order 0, by its
// power series Σ ((x/2)^k / k!)²; every term is positive, so the sum is
// accurate to a few ulps for the arguments used here (x < 30).
func besselI0(x float64) float64 {
	q := x * x / 4
	sum, term := 1.0, 1.0
	for k := 1; k < 500; k++ {
		term *= q / float64(k*k)
		sum += term
		if term < sum*1e-18 {
			break
		}
	}
	return sum
}

// besselI1OverX is I1(x)/x by its series ½ Σ (x²/4)^k / (k!(k+1)!); it is
// finite at x = 0, which the window's derivative needs at the window edge.
func besselI1OverX(x float64) float64 {
	q := x * x / 4
	sum, term := 0.5, 0.5
	for k := 1; k < 500; k++ {
		term *= q / float64(k*(k+1))
		sum += term
		if term < sum*1e-18 {
			break
		}
	}
	return sum
}

// kernel is the continuous impulse response g of one conversion.
type kernel struct {
	s    float64 // min(1, outRate/inRate)
	half float64 // window half-width in lower-rate frames
	beta float64
	i0b  float64 // I0(beta)
}

func newKernel(inRate, outRate int) kernel {
	s := 1.0
	if outRate < inRate {
		s = float64(outRate) / float64(inRate)
	}
	return kernel{s: s, half: designHalf, beta: designBeta, i0b: designI0}
}

// reach is the half-length of g in input frames: g(τ) = 0 for |τ| ≥ reach.
func (k kernel) reach() float64 { return k.half / k.s }

// at returns g(tau), tau in input frames.
func (k kernel) at(tau float64) float64 {
	x := k.s * tau
	r := x / k.half
	if r <= -1 || r >= 1 {
		return 0
	}
	w := besselI0(k.beta*math.Sqrt(1-r*r)) / k.i0b
	return k.s * sinc(x) * w
}

// deriv returns dg/dτ at tau, tau in input frames.
func (k kernel) deriv(tau float64) float64 {
	x := k.s * tau
	r := x / k.half
	if r <= -1 || r >= 1 {
		return 0
	}
	z := k.beta * math.Sqrt(1-r*r)
	w := besselI0(z) / k.i0b
	// d/dr I0(β√(1−r²)) = I1(z)·β·(−r/√(1−r²)) = −β²·r·I1(z)/z.
	dw := -k.beta * k.beta * r * besselI1OverX(z) / k.i0b / k.half
	return k.s * k.s * (dsinc(x)*w + sinc(x)*dw)
}

// sinc is sin(πx)/(πx), exactly 0 at non-zero integers (so that an integer
// upsampling ratio keeps the input samples exactly).
func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	if x == math.Trunc(x) {
		return 0
	}
	px := math.Pi * x
	return math.Sin(px) / px
}

// dsinc is d/dx sin(πx)/(πx).
func dsinc(x float64) float64 {
	px := math.Pi * x
	if math.Abs(px) < 1e-3 {
		// −π²x/3 + π⁴x³/30 − …; the next term is below 1e-16 here.
		return math.Pi * (-px/3 + px*px*px/30)
	}
	return (px*math.Cos(px) - math.Sin(px)) / (px * x)
}

// Coefficient tables.
//
// Output frame k sits at input time t = n0 + φ with n0 = ⌊k·P/Q⌋ and
// φ = (k·P mod Q)/Q, where P/Q is inRate/outRate in lowest terms. It reads
// the taps input frames n0 − side − pad + 1 … n0 + side, where side =
// ⌈reach⌉ and pad (< 4) leading zero coefficients round taps up to a
// multiple of 4 for the vector kernels.
//
// When Q is small enough, the table holds the exact coefficients of every
// one of the Q phases ("exact" mode, e.g. 160 phases for 44.1 → 48 kHz).
// Otherwise (44100 → 44101 Hz has 44101 phases) each input frame interval is
// split into segs segments and each coefficient is a cubic Hermite polynomial
// in the position inside its segment, built from the exact value and
// derivative of g at both segment ends ("interpolated" mode): the
// coefficients for any φ are then exact to far below the stopband level.
type table struct {
	taps  int       // coefficients per output frame, a multiple of 4
	side  int       // ⌈reach⌉: lookahead in input frames
	pad   int       // leading zero coefficients
	exact bool      // exact phases (else Hermite segments)
	segs  int       // interpolated mode: segments per input frame
	coef  []float64 // exact: Q rows of taps; interpolated: segs blocks of 4 rows (a0 a1 a2 a3)
}

// interpSegsPerFrame is the number of Hermite segments per lower-rate frame.
// The cubic Hermite error is about (h·π)⁴/384 of the kernel scale for a
// segment of h lower-rate frames: 1e-11 (−220 dB) at 1/128.
const interpSegsPerFrame = 128

// maxExactCoefs bounds the size of an exact table (8 bytes each) beyond the
// size an interpolated table would need.
const maxExactCoefs = 1 << 18

type tableKey struct{ p, q int }

var (
	tableMu    sync.Mutex
	tableCache = map[tableKey]weak.Pointer[table]{}
)

// getTable returns the (shared, read-only) table for the reduced ratio p/q,
// building it on first use. Tables are cached while some Resampler uses them.
func getTable(p, q int) *table {
	key := tableKey{p, q}
	tableMu.Lock()
	if wp, ok := tableCache[key]; ok {
		if t := wp.Value(); t != nil {
			tableMu.Unlock()
			return t
		}
	}
	tableMu.Unlock()
	// Build outside the lock; two goroutines racing build equal tables.
	t := buildTable(p, q)
	tableMu.Lock()
	defer tableMu.Unlock()
	if wp, ok := tableCache[key]; ok {
		if old := wp.Value(); old != nil {
			return old
		}
	}
	wp := weak.Make(t)
	tableCache[key] = wp
	runtime.AddCleanup(t, func(k tableKey) {
		tableMu.Lock()
		if cur, ok := tableCache[k]; ok && cur.Value() == nil {
			delete(tableCache, k)
		}
		tableMu.Unlock()
	}, key)
	return t
}

// buildTable computes the coefficients for inRate/outRate = p/q (lowest terms).
func buildTable(p, q int) *table {
	k := newKernel(p, q)
	side := int(math.Ceil(k.reach()))
	n := 2 * side
	taps := (n + 3) &^ 3
	t := &table{taps: taps, side: side, pad: taps - n}
	segs := int(math.Ceil(interpSegsPerFrame * k.s))
	interpSize := segs * 4 * taps
	if q*taps <= max(interpSize, maxExactCoefs) {
		t.exact = true
		t.coef = make([]float64, q*taps)
		for ph := range q {
			phi := float64(ph) / float64(q)
			row := t.coef[ph*taps : (ph+1)*taps]
			for i := range row {
				j := i - t.pad - side + 1 // input frame relative to n0
				row[i] = k.at(phi - float64(j))
			}
		}
		return t
	}
	t.segs = segs
	t.coef = make([]float64, interpSize)
	h := 1 / float64(segs)
	for e := range segs {
		blk := t.coef[e*4*taps : (e+1)*4*taps]
		a0, a1, a2, a3 := blk[:taps], blk[taps:2*taps], blk[2*taps:3*taps], blk[3*taps:]
		phi0, phi1 := float64(e)*h, float64(e+1)*h
		for i := range taps {
			j := float64(i - t.pad - side + 1)
			f0, f1 := k.at(phi0-j), k.at(phi1-j)
			d0, d1 := k.deriv(phi0-j)*h, k.deriv(phi1-j)*h
			a0[i] = f0
			a1[i] = d0
			a2[i] = 3*(f1-f0) - 2*d0 - d1
			a3[i] = 2*(f0-f1) + d0 + d1
		}
	}
	return t
}

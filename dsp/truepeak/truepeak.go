// Package truepeak estimates the peak of the continuous signal that a
// sampled signal represents ("true peak", ITU-R BS.1770 Annex 2) by
// polyphase FIR oversampling. The loudness meter uses the Annex 2 4x filter;
// a mastering limiter verifies its ceiling with a finer filter from Design.
package truepeak

import (
	"math"
)

// Filter is a polyphase interpolation filter: Factor phases of Taps
// coefficients each. Phase p of input position n estimates the signal at
// n - Delay() + p/Factor (in input samples).
type Filter struct {
	factor, taps int
	coef         []float64 // coef[p*taps+k] multiplies x[n-k]
	gain         float64   // max over phases of Σ|coef|: bounds |output| / max|input|
	name         string
}

// annex2 holds phases 0 and 1 of the BS.1770-4 Annex 2 48-tap filter; phase
// 2 is phase 1 reversed and phase 3 is phase 0 reversed.
var annex2 = [2][12]float64{
	{0.0017089843750, 0.0109863281250, -0.0196533203125, 0.0332031250000, -0.0594482421875, 0.1373291015625,
		0.9721679687500, -0.1022949218750, 0.0476074218750, -0.0266113281250, 0.0148925781250, -0.0083007812500},
	{-0.0291748046875, 0.0292968750000, -0.0517578125000, 0.0891113281250, -0.1665039062500, 0.4650878906250,
		0.7797851562500, -0.2003173828125, 0.1015625000000, -0.0582275390625, 0.0330810546875, -0.0189208984375},
}

// Annex2 returns the 4x, 48-tap interpolator of ITU-R BS.1770-4 Annex 2.
// Its worst-case under-read is 0.688 dB at half the sample rate and a few
// hundredths of a dB below 0.25 of the sample rate.
func Annex2() *Filter {
	f := &Filter{factor: 4, taps: 12, coef: make([]float64, 48), name: "BS.1770 Annex 2 (4x, 48 taps)"}
	for k := 0; k < 12; k++ {
		f.coef[0*12+k] = annex2[0][k]
		f.coef[1*12+k] = annex2[1][k]
		f.coef[2*12+k] = annex2[1][11-k]
		f.coef[3*12+k] = annex2[0][11-k]
	}
	f.computeGain()
	return f
}

// Design returns a Kaiser-windowed (β = 9) sinc interpolator with the given
// factor (2 to 64) and taps per phase (4 to 64), each phase normalised to
// unity gain at DC. Phase 0 is the input sample itself, so the detector never
// reads below the sample peak. More phases shrink the grid error (a sine at
// frequency f can peak between grid points, under-reading by up to
// 1 - cos(π f / (factor·fs))); more taps flatten the passband. The tests
// give measured bounds. It panics on out-of-range arguments.
func Design(factor, taps int) *Filter {
	if factor < 2 || factor > 64 || taps < 4 || taps > 64 {
		panic("truepeak: Design arguments out of range")
	}
	n := factor * taps
	f := &Filter{factor: factor, taps: taps, coef: make([]float64, n), name: "Kaiser-windowed sinc"}
	// The prototype has its centre at index c = factor*taps/2, so phase p
	// tap k (prototype index p + factor*k) sits at input offset k - c/factor
	// + p/factor; phase 0 reduces to a single unit tap (a Nyquist filter).
	c := float64(n / 2)
	beta := 9.0 // about 90 dB stopband
	i0b := besselI0(beta)
	for p := 0; p < factor; p++ {
		for k := 0; k < taps; k++ {
			j := float64(p + factor*k)
			m := j - c
			x := m / float64(factor)
			s := 1.0
			if m != 0 {
				s = math.Sin(math.Pi*x) / (math.Pi * x)
			}
			r := m / (c + 1)
			w := 0.0
			if r > -1 && r < 1 {
				w = besselI0(beta*math.Sqrt(1-r*r)) / i0b
			}
			f.coef[p*taps+k] = s * w
		}
	}
	// Normalise every phase to unity gain at DC.
	for p := 0; p < factor; p++ {
		sum := 0.0
		for k := 0; k < taps; k++ {
			sum += f.coef[p*taps+k]
		}
		for k := 0; k < taps; k++ {
			f.coef[p*taps+k] /= sum
		}
	}
	f.computeGain()
	return f
}

func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 60; k++ {
		term *= (x / 2) / float64(k)
		sum += term * term
	}
	return sum
}

func (f *Filter) computeGain() {
	f.gain = 0
	for p := 0; p < f.factor; p++ {
		s := 0.0
		for k := 0; k < f.taps; k++ {
			s += math.Abs(f.coef[p*f.taps+k])
		}
		f.gain = math.Max(f.gain, s)
	}
}

// Factor returns the oversampling factor.
func (f *Filter) Factor() int { return f.factor }

// Taps returns the number of coefficients per phase.
func (f *Filter) Taps() int { return f.taps }

// Delay returns the filter's group delay in input samples.
func (f *Filter) Delay() float64 { return float64(f.taps*f.factor/2) / float64(f.factor) }

func (f *Filter) String() string { return f.name }

// Detector tracks the largest absolute value of one channel's oversampled
// signal, and of its samples (a true peak can never read below the sample
// peak). It streams: memory is the filter's history plus one block,
// whatever the length. Input is processed in fixed blocks counted from the
// start of the stream, so the reading does not depend on how the stream is
// cut into Write calls.
type Detector struct {
	f    *Filter
	rev  [][]float32 // per phase (identity phases omitted): coefficients reversed for correlation
	work []float32   // taps-1 samples of history followed by the current block
	fill int         // samples of the current block received so far
	peak float64
}

// blockLen is the number of input samples per block (a multiple of the
// assembly kernel's 16 outputs). A block whose largest possible output
// cannot beat the running peak is skipped without filtering (exact, since
// |y| <= gain·max|x| over the window).
const blockLen = 128

// NewDetector returns a detector using f.
func NewDetector(f *Filter) *Detector {
	d := &Detector{f: f, work: make([]float32, f.taps-1+blockLen)}
	for p := 0; p < f.factor; p++ {
		c := f.coef[p*f.taps : (p+1)*f.taps]
		if isUnitTap(c) {
			continue // this phase reproduces the samples: the sample peak covers it
		}
		r := make([]float32, f.taps)
		for k := range c {
			r[f.taps-1-k] = float32(c[k])
		}
		d.rev = append(d.rev, r)
	}
	return d
}

func isUnitTap(c []float64) bool {
	ones := 0
	for _, v := range c {
		switch v {
		case 0:
		case 1:
			ones++
		default:
			return false
		}
	}
	return ones == 1
}

// Reset clears the history and the peak.
func (d *Detector) Reset() {
	clear(d.work)
	d.fill = 0
	d.peak = 0
}

// Peak returns the largest absolute value seen so far (linear, 1.0 = full
// scale), including the samples of a block still being filled.
func (d *Detector) Peak() float64 {
	if d.fill == 0 {
		return d.peak
	}
	return math.Max(d.peak, d.blockPeak(d.fill))
}

// Write feeds samples.
func (d *Detector) Write(x []float32) {
	h := d.f.taps - 1
	for len(x) > 0 {
		n := copy(d.work[h+d.fill:], x)
		d.fill += n
		x = x[n:]
		if d.fill == blockLen {
			d.peak = math.Max(d.peak, d.blockPeak(blockLen))
			copy(d.work, d.work[blockLen:blockLen+h])
			d.fill = 0
		}
	}
}

// blockPeak returns the largest |sample| and |output| for the first n
// samples of the current block.
func (d *Detector) blockPeak(n int) float64 {
	h := d.f.taps - 1
	w := d.work[:h+n]
	blockMax, histMax := maxAbs(w[h:]), maxAbs(w[:h])
	peak := math.Max(d.peak, float64(blockMax))
	if float64(max(blockMax, histMax))*d.f.gain > peak {
		for _, r := range d.rev {
			peak = math.Max(peak, float64(maxAbsCorr(w, r, n)))
		}
	}
	return peak
}

// maxAbsGo returns the largest |v| over x, NaN ignored.
func maxAbsGo(x []float32) float32 {
	var m float32
	for _, v := range x {
		m = max(m, abs32(v))
	}
	return m
}

func abs32(v float32) float32 {
	if v < 0 {
		return -v
	}
	if v != v {
		return 0 // NaN: ignore
	}
	return v
}

// Oversample writes the Factor() oversampled values for each sample of x to
// dst (len(dst) >= len(x)*Factor(), phase-major per input sample) and
// returns dst[:len(x)*Factor()]. It shares the history with Write: use a
// Detector for one or the other. Output is delayed by the filter's Delay().
func (d *Detector) Oversample(dst []float64, x []float32) []float64 {
	f := d.f
	h, t, L := f.taps-1, f.taps, f.factor
	out := dst[:len(x)*L]
	o := 0
	for len(x) > 0 {
		n := min(len(x), blockLen)
		w := d.work[:h+n]
		copy(w[h:], x[:n])
		for i := 0; i < n; i++ {
			win := w[i : i+t]
			for p := 0; p < L; p++ {
				c := f.coef[p*t : p*t+t]
				var a float64
				for k := 0; k < t; k++ {
					a += c[k] * float64(win[t-1-k])
				}
				out[o] = a
				o++
			}
		}
		copy(d.work, w[n:n+h])
		x = x[n:]
	}
	return out
}

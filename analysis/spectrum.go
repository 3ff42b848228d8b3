package analysis

import (
	"math"
	"math/bits"

	"github.com/mixdown/mixdown/dsp/fft"
)

// spectrum accumulates the long-term average power spectrum of mid and side
// (Hann window, no overlap: for an average over the whole programme,
// overlap would only add cost). It keeps |M|², |S|² and Re(M·S̄) per bin,
// from which the left (M+S) and right (M−S) spectra follow without more
// transforms.
type spectrum struct {
	rate   int
	n      int
	plan   fft.Real
	win    []float64
	ones   []float64 // all 1: the "window" of the raw first frame
	u      float64   // Σ win²
	fm, fs []float64
	fill   int
	xm, xs []complex128
	pm     []float64 // Σ|M|² per bin
	ps     []float64 // Σ|S|²
	px     []float64 // ΣRe(M·S̄)
	frames int       // full frames accumulated
	stereo bool
}

// spectrumSize is the FFT length: the power of two nearest 0.37 s (16384 at
// 44.1 and 48 kHz, about 2.7-2.9 Hz per bin), at least 256.
func spectrumSize(rate int) int {
	n := 1 << bits.Len(uint(float64(rate)*0.37))
	if float64(n)/float64(rate) > 0.37*1.5 {
		n /= 2
	}
	return max(n, 256)
}

func newSpectrum(rate int, stereo bool) *spectrum {
	n := spectrumSize(rate)
	s := &spectrum{rate: rate, n: n, plan: fft.NewReal(n), stereo: stereo,
		win: hann(n), ones: ones(n), fm: make([]float64, n), xm: make([]complex128, n/2+1), pm: make([]float64, n/2+1)}
	for _, w := range s.win {
		s.u += w * w
	}
	if stereo {
		s.fs = make([]float64, n)
		s.xs = make([]complex128, n/2+1)
		s.ps = make([]float64, n/2+1)
		s.px = make([]float64, n/2+1)
	}
	return s
}

func ones(n int) []float64 {
	w := make([]float64, n)
	for i := range w {
		w[i] = 1
	}
	return w
}

// hann returns a periodic Hann window of length n.
func hann(n int) []float64 {
	w := make([]float64, n)
	for i := range w {
		w[i] = 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(n))
	}
	return w
}

// write adds mid (and side, for stereo) samples.
func (s *spectrum) write(mid, side []float32) {
	for len(mid) > 0 {
		k := min(len(mid), s.n-s.fill)
		// The first frame is kept raw (Report may need it with another
		// window); later ones are windowed as they are copied.
		w := s.win[s.fill : s.fill+k]
		if s.frames == 0 {
			w = s.ones[:k]
		}
		windowInto(s.fm[s.fill:s.fill+k], mid[:k], w)
		if s.stereo {
			windowInto(s.fs[s.fill:s.fill+k], side[:k], w)
			side = side[k:]
		}
		mid = mid[k:]
		s.fill += k
		if s.fill == s.n {
			if s.frames == 0 {
				windowInPlace(s.fm, s.win)
				if s.stereo {
					windowInPlace(s.fs, s.win)
				}
			}
			s.frame(s.fm, s.fs, s.pm, s.ps, s.px)
			s.frames++
			s.fill = 0
		}
	}
}

func windowInto(dst []float64, src []float32, w []float64) {
	dst = dst[:len(src)]
	w = w[:len(src)]
	for i, v := range src {
		dst[i] = float64(v) * w[i]
	}
}

func windowInPlace(x, w []float64) {
	w = w[:len(x)]
	for i := range x {
		x[i] *= w[i]
	}
}

// frame transforms the windowed frames fm and fs and adds their powers to
// pm, ps and px.
func (s *spectrum) frame(fm, fs, pm, ps, px []float64) {
	xm := s.plan.Forward(s.xm, fm)
	if !s.stereo {
		for k, v := range xm {
			pm[k] += real(v)*real(v) + imag(v)*imag(v)
		}
		return
	}
	xs := s.plan.Forward(s.xs, fs)
	pm, ps, px = pm[:len(xm)], ps[:len(xm)], px[:len(xm)]
	for k, m := range xm {
		v := xs[k]
		pm[k] += real(m)*real(m) + imag(m)*imag(m)
		ps[k] += real(v)*real(v) + imag(v)*imag(v)
		px[k] += real(m)*real(v) + imag(m)*imag(v)
	}
}

// specResult is the normalised average spectrum: one-sided mean-square
// power per bin (Σ over bins of a signal's spectrum is its mean square).
type specResult struct {
	n        int
	binHz    float64
	mid      []float64
	side     []float64 // nil for mono
	left     []float64 // nil for mono
	right    []float64
	frames   int // frames averaged (0: nothing)
	partialN int // length of the partial frame used when no full one existed
}

// result normalises the accumulated spectrum. When not even one full frame
// was seen, the partial frame is analysed with a Hann window of its own
// length. The spectrum's state is not modified.
func (s *spectrum) result() specResult {
	r := specResult{n: s.n, binHz: float64(s.rate) / float64(s.n), frames: s.frames}
	pm, ps, px, u := s.pm, s.ps, s.px, s.u*float64(s.frames)
	if s.frames == 0 {
		if s.fill < 2 {
			return r
		}
		// Work on copies: the analyzer may continue after Report.
		w := make([]float64, s.n)
		copy(w, hann(s.fill))
		fm := append([]float64(nil), s.fm...)
		clear(fm[s.fill:])
		windowInPlace(fm, w)
		var fs []float64
		pm = make([]float64, s.n/2+1)
		if s.stereo {
			fs = append([]float64(nil), s.fs...)
			clear(fs[s.fill:])
			windowInPlace(fs, w)
			ps, px = make([]float64, s.n/2+1), make([]float64, s.n/2+1)
		}
		s.frame(fm, fs, pm, ps, px)
		u = 0
		for _, v := range w {
			u += v * v
		}
		r.frames, r.partialN = 1, s.fill
	}
	// One-sided: bins other than DC and Nyquist count twice.
	scale := func(k int) float64 {
		if k == 0 || k == s.n/2 {
			return 1 / (float64(s.n) * u)
		}
		return 2 / (float64(s.n) * u)
	}
	nb := s.n/2 + 1
	r.mid = make([]float64, nb)
	for k := range r.mid {
		r.mid[k] = pm[k] * scale(k)
	}
	if s.stereo {
		r.side, r.left, r.right = make([]float64, nb), make([]float64, nb), make([]float64, nb)
		for k := range r.side {
			g := scale(k)
			r.side[k] = ps[k] * g
			r.left[k] = max(0, (pm[k]+ps[k]+2*px[k])*g)
			r.right[k] = max(0, (pm[k]+ps[k]-2*px[k])*g)
		}
	}
	return r
}

// bandPower integrates a per-bin power spectrum over [lo, hi) Hz, each bin
// standing for the interval of one bin width around its centre and
// weighted by its overlap with the band.
func bandPower(p []float64, binHz, lo, hi float64) float64 {
	var sum float64
	k0 := max(0, int(math.Floor(lo/binHz-0.5)))
	k1 := min(len(p)-1, int(math.Ceil(hi/binHz+0.5)))
	for k := k0; k <= k1; k++ {
		a := (float64(k) - 0.5) * binHz
		b := (float64(k) + 0.5) * binHz
		ov := min(b, hi) - max(a, lo)
		if ov > 0 {
			sum += p[k] * ov / binHz
		}
	}
	return sum
}

// isoCentres are the nominal ISO 266 1/3-octave centres from 25 Hz to
// 20 kHz; band n (0 = 25 Hz) has exact centre 1000·10^((n−16)/10) Hz.
var isoCentres = [...]float64{25, 31.5, 40, 50, 63, 80, 100, 125, 160, 200, 250, 315, 400, 500, 630,
	800, 1000, 1250, 1600, 2000, 2500, 3150, 4000, 5000, 6300, 8000, 10000, 12500, 16000, 20000}

// bandLevelDB converts mean-square power to dB re a full-scale sine.
func bandLevelDB(p float64) Num { return Num(10 * math.Log10(2*p)) }

// bands computes the 1/3-octave report.
func (r specResult) bands(nch int) Spectrum {
	out := Spectrum{FFTSize: r.n, ResolutionHz: r.binHz, Bands: []Band{}}
	nyq := r.binHz * float64(r.n) / 2
	for i, nominal := range isoCentres {
		exact := 1000 * math.Pow(10, float64(i-16)/10)
		if exact >= nyq {
			break
		}
		lo, hi := exact*math.Pow(10, -0.05), exact*math.Pow(10, 0.05)
		b := Band{CentreHz: nominal, LowHz: lo, HighHz: hi}
		level := func(p []float64) Num {
			if r.frames == 0 {
				return Num(math.Inf(-1))
			}
			return bandLevelDB(bandPower(p, r.binHz, lo, min(hi, nyq)))
		}
		b.MidDB = level(r.mid)
		if r.side != nil {
			sd := level(r.side)
			b.SideDB = &sd
			if nch == 2 {
				b.ChannelDB = []Num{level(r.left), level(r.right)}
			}
		} else if nch == 1 {
			b.ChannelDB = []Num{b.MidDB}
		}
		out.Bands = append(out.Bands, b)
	}
	return out
}

// Bandwidth analysis: the total (left + right, or mono) power is averaged
// in groups of bwGroup bins (about 45 Hz at the FFT sizes used).
const (
	bwGroup   = 16
	bwCliffDB = 30.0
	bwGapOct  = 1.0 / 8
)

// bandwidth finds the top of the highest cliff in the spectrum (see
// Bandwidth).
func (r specResult) bandwidth(rate int) Bandwidth {
	nyq := float64(rate) / 2
	out := Bandwidth{Hz: Num(math.NaN()), NyquistHz: nyq}
	if r.frames == 0 {
		return out
	}
	total := r.mid
	if r.left != nil {
		total = make([]float64, len(r.mid))
		for k := range total {
			total[k] = r.left[k] + r.right[k]
		}
	}
	ng := (len(total) - 1) / bwGroup // groups, skipping the Nyquist bin
	level := make([]float64, ng)
	var any bool
	for g := range level {
		var s float64
		for _, v := range total[g*bwGroup : (g+1)*bwGroup] {
			s += v
		}
		level[g] = 10 * math.Log10(s)
		any = any || s > 0
	}
	if !any {
		return out
	}
	// sufMax[g] = max(level[g:]).
	sufMax := make([]float64, ng+1)
	sufMax[ng] = math.Inf(-1)
	for g := ng - 1; g >= 0; g-- {
		sufMax[g] = max(level[g], sufMax[g+1])
	}
	groupHz := r.binHz * bwGroup
	out.Hz = Num(nyq)
	for g := ng - 1; g >= 1; g-- {
		centre := (float64(g) + 0.5) * groupHz
		j := max(g+2, int(math.Ceil(centre*math.Exp2(bwGapOct)/groupHz-0.5)))
		if j >= ng {
			continue
		}
		if level[g] >= sufMax[j]+bwCliffDB {
			out.Hz = Num(float64(g+1) * groupHz)
			out.Limited = true
			break
		}
	}
	if out.Limited && rate >= 88200 && float64(out.Hz) < 0.55*nyq && float64(out.Hz) >= 8000 {
		out.Upsampled = true
	}
	return out
}

package analysis

import "math"

// firDecimator low-pass filters a stream and keeps every factor-th sample.
// Input is appended to a linear buffer that starts with the last
// len(taps)−1 samples of the previous call, so every output is one dot
// product over contiguous memory.
type firDecimator struct {
	taps   []float64 // symmetric
	factor int
	buf    []float64 // history then new input
	phase  int       // inputs since the last output
}

// newFIRDecimator returns a decimator taking at most maxIn samples per call.
func newFIRDecimator(taps []float64, factor, maxIn int) *firDecimator {
	h := len(taps) - 1
	return &firDecimator{taps: taps, factor: factor, buf: make([]float64, h, h+maxIn)}
}

// decimate filters src and appends the outputs to dst, returning it.
func decimate[T float32 | float64](d *firDecimator, dst []float64, src []T) []float64 {
	h := len(d.taps) - 1
	buf := d.buf
	for _, v := range src {
		buf = append(buf, float64(v))
	}
	// The first output falls on the sample that completes the phase.
	for e := h + d.factor - d.phase - 1; e < len(buf); e += d.factor {
		dst = append(dst, dot(d.taps, buf[e-h:e+1]))
	}
	d.phase = (d.phase + len(src)) % d.factor
	n := copy(buf, buf[len(buf)-h:])
	d.buf = buf[:n]
	return dst
}

// dot returns Σ taps[i]·w[i] in a fixed order, two accumulators wide.
func dot(taps, w []float64) float64 {
	w = w[:len(taps)]
	var s0, s1 float64
	i := 0
	for ; i+1 < len(taps); i += 2 {
		s0 += taps[i] * w[i]
		s1 += taps[i+1] * w[i+1]
	}
	if i < len(taps) {
		s0 += taps[i] * w[i]
	}
	return s0 + s1
}

// boxcarPower returns the taps of k cascaded length-m moving averages
// (length k·(m−1)+1, unity gain at DC): a cheap anti-alias filter for
// decimation by m whose nulls sit on the bands that would alias onto DC.
func boxcarPower(m, k int) []float64 {
	h := []float64{1}
	for range k {
		g := make([]float64, len(h)+m-1)
		for i, v := range h {
			for j := range m {
				g[i+j] += v / float64(m)
			}
		}
		h = g
	}
	return h
}

// boxcarGain returns the magnitude response of boxcarPower(m, k) at f Hz
// for a sample rate of rate Hz.
func boxcarGain(m, k int, f, rate float64) float64 {
	x := math.Pi * f / rate
	if x == 0 {
		return 1
	}
	g := math.Abs(math.Sin(float64(m)*x) / (float64(m) * math.Sin(x)))
	return math.Pow(g, float64(k))
}

// kaiserLowpass designs a linear-phase low-pass FIR (Kaiser-windowed sinc,
// odd length, unity gain at DC) with cutoff fc Hz, transition width tw Hz
// and stopband attenuation attDB at sample rate rate Hz.
func kaiserLowpass(fc, tw, attDB, rate float64) []float64 {
	beta := 0.1102 * (attDB - 8.7)
	n := int(math.Ceil((attDB-7.95)/(14.36*tw/rate))) + 1
	n |= 1
	c := float64(n-1) / 2
	h := make([]float64, n)
	sum := 0.0
	i0b := besselI0(beta)
	for i := range h {
		t := float64(i) - c
		s := 2 * fc / rate
		if t != 0 {
			s = math.Sin(2*math.Pi*fc/rate*t) / (math.Pi * t)
		}
		r := t / c
		h[i] = s * besselI0(beta*math.Sqrt(max(0, 1-r*r))) / i0b
		sum += h[i]
	}
	for i := range h {
		h[i] /= sum
	}
	return h
}

// besselI0 is the zeroth-order modified Bessel function of the first kind.
func besselI0(x float64) float64 {
	s, t := 1.0, 1.0
	for k := 1; k < 50; k++ {
		t *= (x / (2 * float64(k))) * (x / (2 * float64(k)))
		s += t
		if t < 1e-17*s {
			break
		}
	}
	return s
}

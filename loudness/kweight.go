package loudness

import "math"

// biquad is a second-order IIR section (a0 = 1) in transposed direct form
// II, with float64 state.
type biquad struct {
	b0, b1, b2, a1, a2 float64
	s1, s2             float64
}

// kWeighting returns the two stages of the BS.1770 K-weighting filter
// designed for sampleRate: a high shelf of about +4 dB above 1.5 kHz
// (modelling the head) and a high-pass at about 38 Hz (the "RLB" curve).
// The analogue prototypes are those whose bilinear transforms reproduce the
// 48 kHz coefficients printed in BS.1770 to about 1e-8 (shelf 1681.97 Hz,
// gain 3.99984 dB, Q 0.70718; high-pass 38.1355 Hz, Q 0.50033), so every
// rate gets the same response rather than reused 48 kHz numbers.
func kWeighting(sampleRate float64) (shelf, hp biquad) {
	const (
		shelfF0   = 1681.974450955533
		shelfGain = 3.999843853973347 // dB
		shelfQ    = 0.7071752369554196
		hpF0      = 38.13547087602444
		hpQ       = 0.5003270373238773
	)
	k := math.Tan(math.Pi * shelfF0 / sampleRate)
	vh := math.Pow(10, shelfGain/20)
	vb := math.Pow(vh, 0.4996667741545416)
	a0 := 1 + k/shelfQ + k*k
	shelf = biquad{
		b0: (vh + vb*k/shelfQ + k*k) / a0,
		b1: 2 * (k*k - vh) / a0,
		b2: (vh - vb*k/shelfQ + k*k) / a0,
		a1: 2 * (k*k - 1) / a0,
		a2: (1 - k/shelfQ + k*k) / a0,
	}
	k = math.Tan(math.Pi * hpF0 / sampleRate)
	d := 1 + k/hpQ + k*k
	hp = biquad{b0: 1, b1: -2, b2: 1, a1: 2 * (k*k - 1) / d, a2: (1 - k/hpQ + k*k) / d}
	return shelf, hp
}

// response returns the magnitude of the cascade at freq Hz.
func response(shelf, hp biquad, freq, sampleRate float64) float64 {
	w := 2 * math.Pi * freq / sampleRate
	h := func(q biquad) float64 {
		c1, s1 := math.Cos(w), math.Sin(w)
		c2, s2 := math.Cos(2*w), math.Sin(2*w)
		nr, ni := q.b0+q.b1*c1+q.b2*c2, -q.b1*s1-q.b2*s2
		dr, di := 1+q.a1*c1+q.a2*c2, -q.a1*s1-q.a2*s2
		return math.Hypot(nr, ni) / math.Hypot(dr, di)
	}
	return h(shelf) * h(hp)
}

// kFilter runs both stages over x and returns sum plus the sum of squares
// of the output, accumulated sample by sample so that the total does not
// depend on how a stream is cut into calls. The filtered signal itself is
// not kept. A non-finite input (NaN) resets the filter and contributes no
// energy, so one damaged sample cannot silence the rest of the programme.
func kFilter(x []float32, s, h *biquad, sum float64) float64 {
	sb0, sb1, sb2, sa1, sa2 := s.b0, s.b1, s.b2, s.a1, s.a2
	hb0, hb1, hb2, ha1, ha2 := h.b0, h.b1, h.b2, h.a1, h.a2
	s1, s2, h1, h2 := s.s1, s.s2, h.s1, h.s2
	start := sum
	for _, v := range x {
		in := float64(v)
		y := sb0*in + s1
		s1 = sb1*in - sa1*y + s2
		s2 = sb2*in - sa2*y
		z := hb0*y + h1
		h1 = hb1*y - ha1*z + h2
		h2 = hb2*y - ha2*z
		sum += z * z
	}
	if sum-sum != 0 || s1-s1 != 0 || h1-h1 != 0 { // NaN or Inf somewhere in x
		s.s1, s.s2, h.s1, h.s2 = 0, 0, 0, 0
		return start
	}
	// Flush subnormal state so silence after a signal stays fast.
	const tiny = 1e-30
	if math.Abs(s1) < tiny {
		s1 = 0
	}
	if math.Abs(s2) < tiny {
		s2 = 0
	}
	if math.Abs(h1) < tiny {
		h1 = 0
	}
	if math.Abs(h2) < tiny {
		h2 = 0
	}
	s.s1, s.s2, h.s1, h.s2 = s1, s2, h1, h2
	return sum
}

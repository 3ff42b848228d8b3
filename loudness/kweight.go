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

// KWeightingDB returns the gain in dB of the BS.1770 K-weighting filter,
// as this meter designs it for sampleRate Hz, at freqHz Hz (about +4 dB
// above 2 kHz, 0 dB around 1 kHz, falling below 100 Hz). It serves as a
// spectral weight for estimating loudness from band levels.
func KWeightingDB(freqHz, sampleRate float64) float64 {
	shelf, hp := kWeighting(sampleRate)
	return 20 * math.Log10(response(shelf, hp, freqHz, sampleRate))
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

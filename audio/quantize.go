package audio

import "math"

// Dither selects how a Quantizer decorrelates its rounding error from the
// signal when reducing word length.
type Dither uint8

const (
	// DitherNone rounds to the nearest step. It is right only when the
	// signal already sits on the target grid (16-bit audio written as 16-bit).
	DitherNone Dither = iota
	// DitherTPDF adds triangular-PDF noise of ±1 LSB peak before rounding:
	// the error is then signal-independent with a flat spectrum.
	DitherTPDF
	// DitherShaped is TPDF dither with error feedback through the 5-tap
	// E-weighted filter of Lipshitz, Vanderkooy and Wannamaker ("Minimally
	// audible noise shaping", JAES 39(11), 1991), which moves noise from the
	// 1-6 kHz region, where hearing is most sensitive, towards the top octave.
	// The filter was designed for 44.1 kHz and suits 44.1 and 48 kHz; at
	// sample rates of 64 kHz and above DitherShaped acts as plain DitherTPDF.
	DitherShaped
)

func (d Dither) String() string {
	switch d {
	case DitherNone:
		return "none"
	case DitherTPDF:
		return "tpdf"
	case DitherShaped:
		return "shaped"
	}
	return "unknown"
}

// lipshitzE are the error-feedback coefficients h_k of the E-weighted shaper:
// the noise transfer function is 1 - Σ h_k z^-k.
var lipshitzE = [5]float64{2.033, -2.165, 1.959, -1.590, 0.6149}

// Quantizer converts float samples to integers of a given word length, with
// optional dither, clipping to the integer range and counting clipped samples.
// Each channel has its own deterministic noise generator and shaping state,
// so output does not depend on block sizes. A Quantizer is not safe for
// concurrent use on the same channel.
type Quantizer struct {
	bits    int
	scale   float64
	lo, hi  float64
	dither  Dither
	shaped  bool
	rng     []uint64
	err     [][len(lipshitzE)]float64
	clipped int64
	buf     []int32
}

// NewQuantizer returns a quantizer to bits-bit integers (1 to 32) for the
// given channel count. sampleRate (Hz) matters only for DitherShaped. seed
// makes the dither sequence reproducible. It panics on invalid arguments.
func NewQuantizer(bits, channels, sampleRate int, d Dither, seed uint64) *Quantizer {
	if bits < 1 || bits > 32 || channels < 1 {
		panic("audio: NewQuantizer with invalid bits or channels")
	}
	q := &Quantizer{
		bits:   bits,
		scale:  math.Ldexp(1, bits-1),
		dither: d,
		shaped: d == DitherShaped && sampleRate < 64000,
		rng:    make([]uint64, channels),
		err:    make([][len(lipshitzE)]float64, channels),
	}
	q.lo, q.hi = -q.scale, q.scale-1
	for c := range q.rng {
		q.rng[c] = splitmix(seed + uint64(c)*golden)
	}
	return q
}

// Bits returns the output word length.
func (q *Quantizer) Bits() int { return q.bits }

// Channels returns the channel count the quantizer was made for.
func (q *Quantizer) Channels() int { return len(q.rng) }

// Clipped returns how many samples so far fell outside the integer range and
// were clipped.
func (q *Quantizer) Clipped() int64 { return q.clipped }

// Reset restores the noise generators and shaping state to their initial
// condition for seed.
func (q *Quantizer) Reset(seed uint64) {
	for c := range q.rng {
		q.rng[c] = splitmix(seed + uint64(c)*golden)
		q.err[c] = [len(lipshitzE)]float64{}
	}
	q.clipped = 0
}

func (q *Quantizer) scratch(n int) []int32 {
	if cap(q.buf) < n {
		q.buf = make([]int32, n)
	}
	return q.buf[:n]
}

// Quantize converts src (full scale ±1.0) of channel ch to integers in dst,
// scaled by 2^(bits-1), and returns dst[:len(src)].
func (q *Quantizer) Quantize(dst []int32, src []float32, ch int) []int32 {
	dst = dst[:len(src)]
	if !q.shaped && q.dither != DitherNone {
		return q.quantizeTPDF(dst, src, ch)
	}
	state := q.rng[ch]
	e := &q.err[ch]
	for i, x := range src {
		v := float64(x) * q.scale
		if q.shaped {
			v -= lipshitzE[0]*e[0] + lipshitzE[1]*e[1] + lipshitzE[2]*e[2] + lipshitzE[3]*e[3] + lipshitzE[4]*e[4]
		}
		d := 0.0
		if q.dither != DitherNone {
			state += golden
			r := mix64(state)
			// Two independent uniforms in [-0.5, 0.5) LSB from one draw.
			d = float64(uint32(r))/(1<<32) + float64(r>>32)/(1<<32) - 1
		}
		y := math.Floor(v + d + 0.5)
		if y > q.hi {
			y = q.hi
			q.clipped++
		} else if y < q.lo {
			y = q.lo
			q.clipped++
		}
		if q.shaped {
			// Keep the fed-back error bounded when clipping makes it large.
			err := y - v
			if err > 4 {
				err = 4
			} else if err < -4 {
				err = -4
			}
			e[4], e[3], e[2], e[1], e[0] = e[3], e[2], e[1], e[0], err
		}
		dst[i] = int32(y)
	}
	q.rng[ch] = state
	return dst
}

// quantizeTPDF is Quantize for plain TPDF dither (the common case),
// without the per-sample branches; it gives the same values.
func (q *Quantizer) quantizeTPDF(dst []int32, src []float32, ch int) []int32 {
	state := q.rng[ch]
	scale, hi, lo := q.scale, q.hi, q.lo
	var clipped int64
	for i, x := range src {
		state += golden
		r := mix64(state)
		d := float64(uint32(r))/(1<<32) + float64(r>>32)/(1<<32) - 1
		y := math.Floor(float64(x)*scale + d + 0.5)
		if y > hi {
			y = hi
			clipped++
		} else if y < lo {
			y = lo
			clipped++
		}
		dst[i] = int32(y)
	}
	q.rng[ch] = state
	q.clipped += clipped
	return dst
}

const golden = 0x9E3779B97F4A7C15

// splitmix seeds a generator state; mix64 is the SplitMix64 output function.
func splitmix(x uint64) uint64 { return mix64(x + golden) }

func mix64(x uint64) uint64 {
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
	x = (x ^ (x >> 27)) * 0x94D049BB133111EB
	return x ^ (x >> 31)
}

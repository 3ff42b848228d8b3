package fx

import "math"

// This file holds a small 2x/4x oversampler for Saturation. It has the
// shape of the dsp.Oversampler being written for the dsp package (up
// returns a buffer at factor times the rate, down brings it back, latency
// in frames), so that Saturation can switch to the shared one when it
// lands.

// halfband is a linear-phase half-band low-pass of length 4K+3: centre
// tap 1/2, every other tap zero, side taps t[j] at offsets ±(2j+1).
type halfband struct {
	k    int
	taps []float64 // t[0..K], normalised so that 1/2 + 2·Σt = 1 (unity gain at DC)
}

// designHalfband returns a Kaiser-windowed half-band filter with passband
// edge pass (as a fraction of its own sample rate, below 0.25; the
// stopband starts at 0.5-pass) and about attenDB of stopband rejection.
func designHalfband(pass, attenDB float64) *halfband {
	width := 0.5 - 2*pass
	n := int(math.Ceil((attenDB - 7.95) / (14.36 * width)))
	k := max(1, n/4) // length 4K+3 >= n
	beta := 0.1102 * (attenDB - 8.7)
	c := float64(2*k + 1)
	h := &halfband{k: k, taps: make([]float64, k+1)}
	sum := 0.0
	for j := range h.taps {
		off := float64(2*j + 1)
		x := off / 2
		s := math.Sin(math.Pi*x) / (math.Pi * x) / 2
		r := off / (c + 1)
		w := besselI0(beta*math.Sqrt(1-r*r)) / besselI0(beta)
		h.taps[j] = s * w
		sum += h.taps[j]
	}
	for j := range h.taps {
		h.taps[j] *= 0.25 / sum
	}
	return h
}

func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 60; k++ {
		term *= x / 2 / float64(k)
		sum += term * term
	}
	return sum
}

// hbStage doubles or halves the rate of one channel with a halfband
// filter. Its latency is K+1/2 frames of the lower rate each way.
type hbStage struct {
	h    *halfband
	up   []float64 // input history + block, at the lower rate
	down []float64 // input history + block, at the higher rate
	// scratch: the filter's outputs, and down's even and odd samples and
	// its centre terms
	acc, ev, od, init []float64
}

func newHBStage(h *halfband, maxLow int) *hbStage {
	half := 2*h.k + 1 + maxLow
	return &hbStage{h: h, up: make([]float64, 2*h.k+1+maxLow), down: make([]float64, 4*h.k+2+2*maxLow),
		acc: make([]float64, maxLow), ev: make([]float64, half), od: make([]float64, half), init: make([]float64, maxLow)}
}

func (s *hbStage) reset() {
	clear(s.up)
	clear(s.down)
}

// upsample writes 2·len(x) samples to y: the even outputs are the
// interpolating FIR over x, 2·Σ t[j]·(x[m−K+j] + x[m−K−1−j]), the odd ones x
// delayed by K.
func (s *hbStage) upsample(y, x []float64) {
	k := s.h.k
	hist := 2*k + 1
	buf := s.up[:hist+len(x)]
	copy(buf[hist:], x)
	acc := s.acc[:len(x)]
	symFIR(acc, nil, buf[hist-k:], buf, s.h.taps)
	y = y[:2*len(x)]
	odd := buf[hist-k:]
	for m, v := range acc {
		y[2*m], y[2*m+1] = 2*v, odd[m]
	}
	copy(buf, buf[len(x):])
}

// downsample writes len(u)/2 samples to z: with the history, output m is
// centred on the odd sample c = 2K+1+2m, z[m] = u[c]/2 + Σ t[j]·(u[c+2j+1] +
// u[c−2j−1]), a symmetric filter over the even samples.
func (s *hbStage) downsample(z, u []float64) {
	k := s.h.k
	hist := 4*k + 2
	buf := s.down[:hist+len(u)]
	copy(buf[hist:], u)
	half := len(buf) / 2
	ev, od := s.ev[:half], s.od[:half]
	for i := range ev {
		ev[i], od[i] = buf[2*i], buf[2*i+1]
	}
	init := s.init[:len(z)]
	for m := range init {
		init[m] = 0.5 * od[k+m]
	}
	symFIR(z, init, ev[k+1:], ev, s.h.taps)
	copy(buf, buf[len(u):])
}

// Oversampler filter designs: the first stage keeps 0 to 0.45 × the base
// rate flat and rejects from 0.55 × it (about 100 dB); the second, at twice
// the rate, only has to reject images of what the first let through.
var (
	halfband2x = designHalfband(0.225, 100)
	halfband4x = designHalfband(0.1375, 100)
)

// oversampler raises a block to factor (1, 2 or 4) times the rate and
// brings it back. Its round-trip latency is a whole number of base-rate
// frames: 4x inserts one frame of delay at the 2x rate to make it so.
type oversampler struct {
	factor int
	a, b   []*hbStage // per channel: the 1x↔2x and 2x↔4x stages
	mid    []float64  // per channel: the one-sample delay at 2x (4x only)
	hi     [][]float64
	tmp    []float64
	lat    int
}

func newOversampler(factor, channels, maxFrames int) *oversampler {
	o := &oversampler{factor: factor}
	if factor == 1 {
		return o
	}
	o.a = make([]*hbStage, channels)
	o.hi = make([][]float64, channels)
	for c := range o.a {
		o.a[c] = newHBStage(halfband2x, maxFrames)
		o.hi[c] = make([]float64, factor*maxFrames)
	}
	o.tmp = make([]float64, 2*maxFrames)
	o.lat = 2*halfband2x.k + 1
	if factor == 4 {
		o.b = make([]*hbStage, channels)
		for c := range o.b {
			o.b[c] = newHBStage(halfband4x, 2*maxFrames)
		}
		o.mid = make([]float64, channels)
		o.lat += halfband4x.k + 1
	}
	return o
}

func (o *oversampler) latency() int { return o.lat }

func (o *oversampler) reset() {
	for c := range o.a {
		o.a[c].reset()
		if o.b != nil {
			o.b[c].reset()
			o.mid[c] = 0
		}
	}
}

// up returns channel c of x (n frames) at factor times the rate, in a
// buffer owned by the oversampler.
func (o *oversampler) up(c int, x []float64) []float64 {
	n := len(x)
	if o.factor == 2 {
		y := o.hi[c][:2*n]
		o.a[c].upsample(y, x)
		return y
	}
	mid := o.tmp[:2*n]
	o.a[c].upsample(mid, x)
	y := o.hi[c][:4*n]
	o.b[c].upsample(y, mid)
	return y
}

// down brings u (factor·len(z) samples of channel c) back into z.
func (o *oversampler) down(c int, z, u []float64) {
	if o.factor == 2 {
		o.a[c].downsample(z, u)
		return
	}
	mid := o.tmp[:2*len(z)]
	o.b[c].downsample(mid, u)
	// One frame of delay at the 2x rate makes the total latency whole.
	prev := o.mid[c]
	for i, v := range mid {
		mid[i], prev = prev, v
	}
	o.mid[c] = prev
	o.a[c].downsample(z, mid)
}

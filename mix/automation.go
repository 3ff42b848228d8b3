package mix

import (
	"math"
	"sort"

	"github.com/mixdown/mixdown/mix/session"
)

// Automation and smoothing.
//
// A control (a fader, a pan position, a send level) has a static value or a
// breakpoint envelope. Envelopes are interpolated linearly between
// breakpoints in the control's own unit: for levels that is dB, so a fade
// is a straight line on a dB scale (an exponential curve in amplitude).
// Whatever the envelope, the resulting linear gains then pass through a
// 2-pole smoother (two one-pole low-passes in series, each with time
// constant smoothTau), so that even a jump becomes a short S-shaped
// transition (about 10 ms from 10 % to 90 %) whose spectrum falls at 12 dB
// per octave above 64 Hz: no zipper noise and no clicks. The envelope is
// read smoothLead seconds ahead, which is the delay a ramp acquires through
// the smoother, so automated ramps arrive on time.
//
// Everything is computed per sample from the absolute frame index, so the
// output does not depend on how the render is cut into blocks.
const (
	smoothTau  = 0.0025         // seconds, per pole
	smoothLead = 2 * smoothTau  // seconds
	settleEps  = 1e-9           // a smoother within this of its target snaps to it
	ln10over20 = math.Ln10 / 20 // dB to natural-log amplitude
)

// dbGain converts dB to a linear gain.
func dbGain(db float64) float64 { return math.Exp(db * ln10over20) }

// envelope is a control's value over time: static, or breakpoints.
type envelope struct {
	pts    session.Envelope
	static float64
}

// at returns the value at t seconds.
func (e *envelope) at(t float64) float64 {
	if len(e.pts) == 0 {
		return e.static
	}
	return e.pts.At(t)
}

// constantOver reports whether the value is the same for every t in
// [t0, t1].
func (e *envelope) constantOver(t0, t1 float64) bool {
	if len(e.pts) == 0 {
		return true
	}
	v := e.pts.At(t0)
	if e.pts.At(t1) != v {
		return false
	}
	// Every breakpoint inside the interval must carry the same value
	// (linear segments between equal values are flat).
	i := sort.Search(len(e.pts), func(i int) bool { return e.pts[i].TimeS > t0 })
	for ; i < len(e.pts) && e.pts[i].TimeS <= t1; i++ {
		if e.pts[i].Value != v {
			return false
		}
	}
	return true
}

// control is a set of k gains (a fader: 1; a placement matrix: dst×src)
// computed from envelopes and smoothed per sample.
type control struct {
	envs  []*envelope
	eval  func(t float64, dst []float64) // targets at time t seconds
	coef  float64
	rate  float64
	s1    []float64 // smoother states
	s2    []float64
	tgt   []float64
	out   [][]float64 // per gain, per sample (valid when !flat)
	flat  bool        // after update: every gain is constant, equal to s2
	ready bool
}

func newControl(k int, rate float64, maxFrames int, eval func(t float64, dst []float64), envs ...*envelope) *control {
	c := &control{envs: envs, eval: eval, rate: rate,
		coef: 1 - math.Exp(-1/(smoothTau*rate)),
		s1:   make([]float64, k), s2: make([]float64, k), tgt: make([]float64, k),
		out: make([][]float64, k)}
	for j := range c.out {
		c.out[j] = make([]float64, maxFrames)
	}
	return c
}

// time returns the envelope time of frame f of a signal that lags the
// session timeline by lat frames.
func (c *control) time(f int64, lat int) float64 {
	return float64(f-int64(lat))/c.rate + smoothLead
}

// update computes the gains for frames [f0, f0+n) of a signal with
// latency lat. The smoothers start settled on the value at the first frame
// rendered.
func (c *control) update(f0 int64, n, lat int) {
	t0, t1 := c.time(f0, lat), c.time(f0+int64(n-1), lat)
	if !c.ready {
		c.eval(t0, c.tgt)
		copy(c.s1, c.tgt)
		copy(c.s2, c.tgt)
		c.ready = true
	}
	constant := true
	for _, e := range c.envs {
		if !e.constantOver(t0, t1) {
			constant = false
			break
		}
	}
	if constant {
		c.eval(t0, c.tgt)
		settled := true
		for j, t := range c.tgt {
			if c.s1[j] != t || c.s2[j] != t {
				settled = false
				break
			}
		}
		if settled {
			c.flat = true
			return
		}
	}
	c.flat = false
	a := c.coef
	for i := 0; i < n; i++ {
		if !constant {
			c.eval(c.time(f0+int64(i), lat), c.tgt)
		}
		for j, t := range c.tgt {
			s1 := c.s1[j] + a*(t-c.s1[j])
			s2 := c.s2[j] + a*(s1-c.s2[j])
			if math.Abs(s1-t) < settleEps && math.Abs(s2-t) < settleEps {
				s1, s2 = t, t
			}
			c.s1[j], c.s2[j] = s1, s2
			c.out[j][i] = s2
		}
	}
}

// value returns gain j at sample i of the last update.
func (c *control) value(j, i int) float64 {
	if c.flat {
		return c.s2[j]
	}
	return c.out[j][i]
}

// fill writes gain j for n samples into dst.
func (c *control) fill(dst []float64, j, n int) {
	if c.flat {
		v := c.s2[j]
		for i := range dst[:n] {
			dst[i] = v
		}
		return
	}
	copy(dst[:n], c.out[j][:n])
}

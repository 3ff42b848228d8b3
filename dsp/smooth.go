package dsp

import "math"

// Smoother moves a parameter towards its target with a one-pole low-pass, so
// that changes (automation, gain moves) never step and "zipper". The time
// constant is set once; Next advances one sample.
type Smoother struct {
	coef, cur, target float64
}

// SetTime sets the time constant in seconds (63 % of a step is covered in
// that time) for a sample rate in Hz. A time of 0 makes changes immediate.
func (s *Smoother) SetTime(seconds, sampleRate float64) {
	if seconds <= 0 {
		s.coef = 1
		return
	}
	s.coef = 1 - math.Exp(-1/(seconds*sampleRate))
}

// SetTarget sets the value to move towards.
func (s *Smoother) SetTarget(v float64) { s.target = v }

// Jump sets the current value and the target at once.
func (s *Smoother) Jump(v float64) { s.cur, s.target = v, v }

// Target returns the target.
func (s *Smoother) Target() float64 { return s.target }

// Value returns the current value.
func (s *Smoother) Value() float64 { return s.cur }

// Settled reports whether the value has reached the target (within 1e-9
// relative), after which callers may skip per-sample smoothing.
func (s *Smoother) Settled() bool {
	d := s.target - s.cur
	if d > -1e-9*math.Abs(s.target)-1e-15 && d < 1e-9*math.Abs(s.target)+1e-15 {
		s.cur = s.target
		return true
	}
	return false
}

// Next advances one sample and returns the new value.
func (s *Smoother) Next() float64 {
	s.cur += s.coef * (s.target - s.cur)
	return s.cur
}

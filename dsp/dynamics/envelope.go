package dynamics

import (
	"math"

	"github.com/mixdown/mixdown/dsp"
)

// OnePoleCoef returns the coefficient a of the one-pole smoother
// y += a·(x − y) whose step response covers 1−1/e (63.2 %) of a step in
// ms milliseconds at sampleRate Hz: a = 1 − exp(−1/(ms·sampleRate/1000)),
// so that after n samples the remaining fraction is exactly
// exp(−n/(ms·sampleRate/1000)). A time of 0 or less gives 1 (the follower
// jumps to its input).
func OnePoleCoef(ms, sampleRate float64) float64 {
	if !(ms > 0) {
		return 1
	}
	return -math.Expm1(-1000 / (ms * sampleRate))
}

// ballistics is a one-pole follower with separate coefficients for a rising
// and a falling input (the "branching" smoother of Giannoulis et al.).
type ballistics struct {
	att, rel float64 // coefficients (see OnePoleCoef)
	y        float64
}

func (b *ballistics) set(attackMS, releaseMS, sampleRate float64) {
	b.att = OnePoleCoef(attackMS, sampleRate)
	b.rel = OnePoleCoef(releaseMS, sampleRate)
}

// next advances one sample towards x and returns the new value, flushed to
// zero below 1e-30.
func (b *ballistics) next(x float64) float64 {
	a := b.rel
	if x > b.y {
		a = b.att
	}
	b.y = dsp.FlushDenormal(b.y + a*(x-b.y))
	return b.y
}

// PeakFollower tracks the envelope of |x| with attack and release times: a
// one-pole smoother of |x| that uses the attack coefficient while |x| is
// above the envelope and the release coefficient while it is below. A step
// of |x| from 0 to 1 brings the envelope to 1−1/e in the attack time; a
// step from 1 to 0 brings it to 1/e in the release time. State is float64
// and flushed to zero below 1e-30, so silence never reaches subnormal
// numbers. The zero value follows instantly (both times 0).
type PeakFollower struct{ b ballistics }

// NewPeakFollower returns a follower with the given attack and release
// times in milliseconds (0 = instantaneous) at sampleRate Hz.
func NewPeakFollower(attackMS, releaseMS, sampleRate float64) *PeakFollower {
	f := &PeakFollower{}
	f.SetTimes(attackMS, releaseMS, sampleRate)
	return f
}

// SetTimes changes the attack and release times (milliseconds) for a
// sample rate in Hz, keeping the current envelope.
func (f *PeakFollower) SetTimes(attackMS, releaseMS, sampleRate float64) {
	f.b.set(attackMS, releaseMS, sampleRate)
}

// Next feeds one sample and returns the envelope (linear amplitude).
func (f *PeakFollower) Next(x float64) float64 { return f.b.next(math.Abs(x)) }

// Process feeds every sample of x and writes the envelope to env, which
// must be at least as long as x.
func (f *PeakFollower) Process(env []float64, x []float32) {
	env = env[:len(x)]
	for i, v := range x {
		env[i] = f.b.next(math.Abs(float64(v)))
	}
}

// Value returns the current envelope (linear amplitude).
func (f *PeakFollower) Value() float64 { return f.b.y }

// Reset sets the envelope to 0.
func (f *PeakFollower) Reset() { f.b.y = 0 }

// RMSFollower tracks the root-mean-square level of x: a one-pole smoother
// of x² (attack coefficient while x² is above the mean square, release
// while below) followed by a square root. The time constants are exact on
// the mean square: a step of x² reaches 1−1/e of its size in the attack
// time, so the RMS output reaches √(1−1/e) ≈ 0.795 of the step's RMS. With
// equal attack and release the smoother is an exponentially weighted
// average whose time constant is the averaging window. State is float64
// and flushed to zero below 1e-30.
type RMSFollower struct{ b ballistics }

// NewRMSFollower returns a follower with the given attack and release
// times in milliseconds at sampleRate Hz.
func NewRMSFollower(attackMS, releaseMS, sampleRate float64) *RMSFollower {
	f := &RMSFollower{}
	f.SetTimes(attackMS, releaseMS, sampleRate)
	return f
}

// SetTimes changes the attack and release times (milliseconds) for a
// sample rate in Hz, keeping the current level.
func (f *RMSFollower) SetTimes(attackMS, releaseMS, sampleRate float64) {
	f.b.set(attackMS, releaseMS, sampleRate)
}

// Next feeds one sample and returns the RMS level (linear amplitude).
func (f *RMSFollower) Next(x float64) float64 { return math.Sqrt(f.b.next(x * x)) }

// Process feeds every sample of x and writes the RMS level to env, which
// must be at least as long as x.
func (f *RMSFollower) Process(env []float64, x []float32) {
	env = env[:len(x)]
	for i, v := range x {
		s := float64(v)
		env[i] = math.Sqrt(f.b.next(s * s))
	}
}

// MeanSquare returns the current mean square (linear power).
func (f *RMSFollower) MeanSquare() float64 { return f.b.y }

// Value returns the current RMS level (linear amplitude).
func (f *RMSFollower) Value() float64 { return math.Sqrt(f.b.y) }

// Reset sets the level to 0.
func (f *RMSFollower) Reset() { f.b.y = 0 }

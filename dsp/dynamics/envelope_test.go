package dynamics

import (
	"math"
	"testing"
)

// A step covers 1−1/e of its size in exactly the attack time going up and
// falls to 1/e in exactly the release time coming down; silence takes the
// state to exactly 0, never through subnormal numbers.
func TestFollowers(t *testing.T) {
	const fs = 48000.0
	const att, rel = 2.5, 40.0 // 120 and 1920 samples
	pf := NewPeakFollower(att, rel, fs)
	var v float64
	for range int(att * fs / 1000) {
		v = pf.Next(-1) // the magnitude counts
	}
	near(t, "peak follower after the attack time", v, 1-1/math.E, 1e-12)
	for range 100000 {
		pf.Next(1)
	}
	for range int(rel * fs / 1000) {
		v = pf.Next(0)
	}
	near(t, "peak follower after the release time", v, 1/math.E, 1e-12)

	rf := NewRMSFollower(att, rel, fs)
	for range int(att * fs / 1000) {
		v = rf.Next(0.5)
	}
	near(t, "RMS follower mean square after the attack time", rf.MeanSquare(), 0.25*(1-1/math.E), 1e-12)
	near(t, "RMS follower level after the attack time", v, 0.5*math.Sqrt(1-1/math.E), 1e-12)

	// Silence: the state decays to exactly zero without subnormals.
	for _, f := range []interface {
		Next(float64) float64
		Value() float64
	}{pf, rf} {
		for i := 0; i < int(200*fs); i++ {
			x := f.Next(0)
			if x != 0 && math.Abs(x) < 2.2250738585072014e-308 {
				t.Fatalf("subnormal envelope %g after %d samples", x, i)
			}
			if x == 0 {
				break
			}
		}
		if f.Value() != 0 {
			t.Errorf("envelope %g after 200 s of silence", f.Value())
		}
	}

	// Process matches Next.
	x := sine(fs, 1000, 440, 0.7, 0)
	env := make([]float64, len(x))
	a, b := NewPeakFollower(1, 10, fs), NewPeakFollower(1, 10, fs)
	a.Process(env, x)
	for i, s := range x {
		if w := b.Next(float64(s)); w != env[i] {
			t.Fatalf("PeakFollower.Process differs from Next at %d", i)
		}
	}
	c, d := NewRMSFollower(1, 10, fs), NewRMSFollower(1, 10, fs)
	c.Process(env, x)
	for i, s := range x {
		if w := d.Next(float64(s)); w != env[i] {
			t.Fatalf("RMSFollower.Process differs from Next at %d", i)
		}
	}
	a.Reset()
	c.Reset()
	if a.Value() != 0 || c.Value() != 0 {
		t.Error("Reset left state")
	}
	if OnePoleCoef(0, fs) != 1 || OnePoleCoef(-1, fs) != 1 {
		t.Error("a time of 0 must follow instantly")
	}
}

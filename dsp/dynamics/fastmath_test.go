package dynamics

import (
	"math"
	"testing"
)

func TestFastMath(t *testing.T) {
	worstE, worstL := 0.0, 0.0
	for x := 0.0; x < 60; x += 0.000731 {
		got, want := expNeg(x), math.Exp(-x)
		worstE = math.Max(worstE, math.Abs(got/want-1))
	}
	for x := 1e-12; x < 4; x *= 1.0000731 {
		worstL = math.Max(worstL, math.Abs(lnFast(x)-math.Log(x)))
	}
	t.Logf("expNeg relative error %.3g, lnFast absolute error %.3g", worstE, worstL)
	if worstE > 1e-11 || worstL > 1e-13 {
		t.Errorf("expNeg relative error %.3g (limit 1e-11), lnFast absolute error %.3g (limit 1e-13)", worstE, worstL)
	}
	if expNeg(0) != 1 {
		t.Errorf("expNeg(0) = %v", expNeg(0))
	}
}

// The table-driven functions against the standard library's, over the
// arguments the limiter gives them (a gain reduction of 0 to 24 dB).
func BenchmarkFastMath(b *testing.B) {
	xs := make([]float64, 1024)
	for i := range xs {
		xs[i] = 0.001 + 2.76*float64(i)/float64(len(xs))
	}
	sink := 0.0
	for _, c := range []struct {
		name string
		f    func(float64) float64
	}{
		{"expNeg", expNeg}, {"math.Exp", func(x float64) float64 { return math.Exp(-x) }},
		{"lnFast", lnFast}, {"math.Log", math.Log},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				for _, x := range xs {
					sink += c.f(x)
				}
			}
		})
	}
	if sink == 1 {
		b.Log(sink)
	}
}

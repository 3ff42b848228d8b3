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

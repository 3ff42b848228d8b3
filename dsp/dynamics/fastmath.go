package dynamics

import "math"

// Table-driven exponential and logarithm for the limiter's per-frame gain
// arithmetic, about 2.2 times faster than math.Exp and math.Log
// (BenchmarkFastMath) and accurate to about 1e-12 (TestFastMath).

// exp2Frac[j] = 2^(-j/64).
var exp2Frac = func() (t [64]float64) {
	for j := range t {
		t[j] = math.Exp2(-float64(j) / 64)
	}
	return t
}()

// lnTab[j] = ln(c_j) and invTab[j] = 1/c_j for c_j = 1 + (j+½)/64, the
// centre of the j-th sixty-fourth of [1, 2).
var lnTab, invTab = func() (l, inv [64]float64) {
	for j := range l {
		c := 1 + (float64(j)+0.5)/64
		l[j], inv[j] = math.Log(c), 1/c
	}
	return l, inv
}()

// expNeg returns e^(-x) for 0 <= x <= 700 with a relative error below
// 1e-11: with y = 64·x·log2(e) = 64·k + j + f (integers k, j < 64 and
// f in [0, 1)), e^(-x) = 2^(-k) · 2^(-j/64) · e^(-f·ln2/64), the last
// factor by a fourth-degree Taylor polynomial (argument under 0.011).
func expNeg(x float64) float64 {
	y := x * (64 * math.Log2E)
	n := uint64(y)
	z := (y - float64(n)) * (math.Ln2 / 64)
	p := 1 - z*(1-z*(1.0/2-z*(1.0/6-z*(1.0/24))))
	v := exp2Frac[n&63] * p
	return math.Float64frombits(math.Float64bits(v) - (n>>6)<<52)
}

// lnFast returns the natural logarithm of a positive normal x with an
// absolute error below 1e-13: x = 2^k·m, m in [1, 2) lies in the j-th
// sixty-fourth of the octave, r = m/c_j − 1 is under 1/129 in magnitude,
// and ln x = k·ln2 + ln c_j + ln(1+r) with ln(1+r) to r⁵.
func lnFast(x float64) float64 {
	b := math.Float64bits(x)
	k := int64(b>>52&0x7ff) - 1023
	j := b >> 46 & 63
	m := math.Float64frombits(b&(1<<52-1) | 1023<<52)
	r := m*invTab[j] - 1
	p := r * (1 - r*(1.0/2-r*(1.0/3-r*(1.0/4-r*(1.0/5)))))
	return float64(k)*math.Ln2 + lnTab[j] + p
}

package dynamics

import "math"

// firAbsGo is the portable firAbs: out[i] = |Σ_k r[k]·w[i+k]|, summed in
// the order of k. With float32-valued samples and coefficients every
// product is exact in float64, so fused and unfused multiply-adds give the
// same sums and this loop matches the assembly bit for bit.
func firAbsGo(out, w, r []float64) {
	t := len(r)
	i := 0
	for ; i+3 < len(out); i += 4 {
		var s0, s1, s2, s3 float64
		x := w[i : i+t+3]
		for k, c := range r {
			s0 += c * x[k]
			s1 += c * x[k+1]
			s2 += c * x[k+2]
			s3 += c * x[k+3]
		}
		out[i], out[i+1], out[i+2], out[i+3] = math.Abs(s0), math.Abs(s1), math.Abs(s2), math.Abs(s3)
	}
	for ; i < len(out); i++ {
		var s float64
		x := w[i : i+t]
		for k, c := range r {
			s += c * x[k]
		}
		out[i] = math.Abs(s)
	}
}

// peakMaxGo is the portable peakMax. For inputs that are not NaN it gives
// the same results as the assembly (every operation is exactly rounded).
func peakMaxGo(q, a, lo, hi []float64, clamp float64) {
	a, lo, hi = a[:len(q)], lo[:len(q)], hi[:len(q)]
	for i, v := range a {
		q[i] = max(q[i], min(v+0.125*math.Abs(lo[i]-hi[i]), v*clamp))
	}
}

package truepeak

// maxAbsCorrGo is the portable kernel: max over i in [0, n) of
// |Σ_j r[j]·x[i+j]|, accumulated in float32 like the assembly version.
func maxAbsCorrGo(x, r []float32, n int) float32 {
	m := float32(0)
	t := len(r)
	for i := 0; i < n; i++ {
		w := x[i : i+t]
		var a0, a1 float32
		j := 0
		for ; j+1 < t; j += 2 {
			a0 += r[j] * w[j]
			a1 += r[j+1] * w[j+1]
		}
		if j < t {
			a0 += r[j] * w[j]
		}
		a := a0 + a1
		if a < 0 {
			a = -a
		}
		m = max(m, a)
	}
	return m
}

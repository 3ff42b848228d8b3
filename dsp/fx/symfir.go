package fx

// symFIR computes out[i] = init[i] + Σ_j t[j]·(hi[i+j] + lo[i−j]) for
// i < len(out), with init nil meaning 0: the symmetric half of a
// linear-phase filter, hi running forward from the centre and lo
// backward. lo is passed as lw, lo[i−j] = lw[i−j+len(t)−1]. Each output is
// summed in the order of j with every sum and product rounded (no fused
// multiply-add), so the assembly and the Go loop give the same values and
// an output does not depend on which of them computed it.
func symFIR(out, init, hi, lw, t []float64) {
	n, nt := len(out), len(t)
	_ = hi[n+nt-2]
	_ = lw[n+nt-2]
	if init != nil {
		_ = init[n-1]
	}
	i := 0
	if useAVX2 && n >= 4 {
		i = n &^ 3
		var ip *float64
		if init != nil {
			ip = &init[0]
		}
		symFIRAVX2(&out[0], ip, &hi[0], &lw[nt-1], &t[0], nt, i)
	}
	for ; i < n; i++ {
		acc := 0.0
		if init != nil {
			acc = init[i]
		}
		for j, tj := range t {
			acc += tj * (hi[i+j] + lw[i-j+nt-1])
		}
		out[i] = acc
	}
}

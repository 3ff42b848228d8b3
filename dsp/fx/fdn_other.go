//go:build !amd64

package fx

var useAVX2 = false

func fdnRunAVX2(n *fdn, k int, u, o *float64, rows *float32) {
	panic("fx: no AVX2 kernel on this architecture")
}

func fdnScatterAVX(rows *float32, blocks int, dst *[16]uintptr) {
	panic("fx: no AVX2 kernel on this architecture")
}

func symFIRAVX2(out, init, hi, lo, t *float64, nt, n int) {
	panic("fx: no AVX2 kernel on this architecture")
}

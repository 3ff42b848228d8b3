//go:build !amd64

package fft

var useAVX2 = false

func radix4AVX2(y, x, tw *complex128, q0, l4, s int) {
	panic("fft: no AVX2 kernel on this architecture")
}

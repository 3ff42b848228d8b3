package fft

import "golang.org/x/sys/cpu"

// useAVX2 selects the assembly butterflies; tests switch it off to compare.
var useAVX2 = cpu.X86.HasAVX2

// radix4AVX2 is radix4's loop for butterflies q0 … l4−1 at stride s (even),
// two sub-transforms per vector, with the same operations in the same order
// as the Go loop (no fused multiply-add), hence the same values.
//
//go:noescape
func radix4AVX2(y, x, tw *complex128, q0, l4, s int)

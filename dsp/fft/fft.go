// Package fft computes discrete Fourier transforms of real sequences behind a
// small interface, so that the implementation can be replaced by a faster
// one without touching the callers. Two implementations are provided: Gonum
// wraps gonum.org/v1/gonum/dsp/fourier (any length) and Pow2 is this
// package's radix-4 transform for powers of two; NewReal picks the faster.
//
// A transform is a plan made once for a length and reused: it owns its
// scratch memory, and its methods write into a destination the caller
// provides (destination first, as in f(dst, src) dst), so steady-state use
// allocates nothing. A plan is not safe for concurrent use; make one per
// goroutine.
package fft

import (
	"fmt"

	"gonum.org/v1/gonum/dsp/fourier"
)

// Real is a plan for transforms of real sequences of length Len().
//
// The transforms are unnormalised: Forward computes
//
//	X[k] = Σ_{j=0}^{n-1} x[j]·exp(-2πi·jk/n),  k = 0 … n/2,
//
// and Inverse computes n·x from X, so Inverse(Forward(x)) = n·x. Coefficient
// k is at frequency k·rate/n Hz; X[0] and, for even n, X[n/2] are real.
type Real interface {
	// Len returns the sequence length n the plan was made for.
	Len() int
	// Forward writes the n/2+1 coefficients of src into dst and returns dst.
	// It panics if len(src) != n or len(dst) != n/2+1. src is not modified.
	Forward(dst []complex128, src []float64) []complex128
	// Inverse writes the real sequence whose coefficients are src (n/2+1 of
	// them; imaginary parts of src[0] and, for even n, src[n/2] are ignored),
	// scaled by n, into dst and returns dst. It panics if len(dst) != n or
	// len(src) != n/2+1. src is not modified.
	Inverse(dst []float64, src []complex128) []float64
}

// NewReal returns the package's fastest plan for real sequences of length n:
// Pow2 when n is a power of two ≥ 2 (five to six times faster than gonum's
// FFTPACK at 8192 points here), Gonum otherwise. It panics if n < 1.
func NewReal(n int) Real {
	if n >= 2 && n&(n-1) == 0 {
		return NewPow2(n)
	}
	return NewGonum(n)
}

// Gonum is a Real plan backed by gonum.org/v1/gonum/dsp/fourier (FFTPACK).
type Gonum struct {
	f *fourier.FFT
	n int
}

// NewGonum returns a gonum-backed plan for length n. It panics if n < 1.
func NewGonum(n int) *Gonum {
	if n < 1 {
		panic(fmt.Sprintf("fft: length %d < 1", n))
	}
	return &Gonum{f: fourier.NewFFT(n), n: n}
}

// Len returns the sequence length.
func (g *Gonum) Len() int { return g.n }

// Forward implements Real.
func (g *Gonum) Forward(dst []complex128, src []float64) []complex128 {
	if len(src) != g.n || len(dst) != g.n/2+1 {
		panic(fmt.Sprintf("fft: Forward with len(dst)=%d, len(src)=%d for length %d", len(dst), len(src), g.n))
	}
	return g.f.Coefficients(dst, src)
}

// Inverse implements Real.
func (g *Gonum) Inverse(dst []float64, src []complex128) []float64 {
	if len(dst) != g.n || len(src) != g.n/2+1 {
		panic(fmt.Sprintf("fft: Inverse with len(dst)=%d, len(src)=%d for length %d", len(dst), len(src), g.n))
	}
	return g.f.Sequence(dst, src)
}

package fft

import (
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"
)

// naive is the textbook O(n²) DFT, the reference for the fast one.
func naive(x []float64) []complex128 {
	n := len(x)
	out := make([]complex128, n/2+1)
	for k := range out {
		var s complex128
		for j, v := range x {
			s += complex(v, 0) * cmplx.Exp(complex(0, -2*math.Pi*float64(j*k)/float64(n)))
		}
		out[k] = s
	}
	return out
}

func TestForwardMatchesDFT(t *testing.T) {
	for _, n := range []int{1, 2, 3, 8, 15, 64, 100, 1024} {
		x := make([]float64, n)
		for i := range x {
			x[i] = math.Sin(0.37*float64(i*i)) + 0.1*float64(i%7)
		}
		p := NewReal(n)
		if p.Len() != n {
			t.Fatalf("Len() = %d, want %d", p.Len(), n)
		}
		got := p.Forward(make([]complex128, n/2+1), x)
		want := naive(x)
		for k := range want {
			if cmplx.Abs(got[k]-want[k]) > 1e-9*float64(n) {
				t.Fatalf("n=%d k=%d: got %v, want %v", n, k, got[k], want[k])
			}
		}
		back := p.Inverse(make([]float64, n), got)
		for i := range x {
			if math.Abs(back[i]/float64(n)-x[i]) > 1e-12*float64(n) {
				t.Fatalf("n=%d: inverse[%d] = %v, want %v", n, i, back[i]/float64(n), x[i])
			}
		}
	}
}

func TestSineBin(t *testing.T) {
	const n = 4096
	x := make([]float64, n)
	for i := range x {
		x[i] = 0.5 * math.Cos(2*math.Pi*100*float64(i)/n)
	}
	X := NewReal(n).Forward(make([]complex128, n/2+1), x)
	if got := cmplx.Abs(X[100]); math.Abs(got-0.5*n/2) > 1e-9 {
		t.Fatalf("|X[100]| = %v, want %v", got, 0.5*n/2)
	}
}

func TestPanics(t *testing.T) {
	p := NewReal(16)
	for name, f := range map[string]func(){
		"zero length":     func() { NewReal(0) },
		"short src":       func() { p.Forward(make([]complex128, 9), make([]float64, 15)) },
		"wrong dst":       func() { p.Forward(make([]complex128, 8), make([]float64, 16)) },
		"inverse dst":     func() { p.Inverse(make([]float64, 15), make([]complex128, 9)) },
		"inverse src len": func() { p.Inverse(make([]float64, 16), make([]complex128, 10)) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func TestForwardAllocs(t *testing.T) {
	p := NewReal(8192)
	x := make([]float64, 8192)
	dst := make([]complex128, 4097)
	if a := testing.AllocsPerRun(10, func() { p.Forward(dst, x) }); a != 0 {
		t.Fatalf("Forward allocates %v times per call", a)
	}
}

func BenchmarkForward8192(b *testing.B) {
	p := NewReal(8192)
	x := make([]float64, 8192)
	for i := range x {
		x[i] = math.Sin(float64(i))
	}
	dst := make([]complex128, 4097)
	for b.Loop() {
		p.Forward(dst, x)
	}
}

func TestPow2MatchesGonum(t *testing.T) {
	for n := 2; n <= 1<<15; n *= 2 {
		x := make([]float64, n)
		for i := range x {
			x[i] = math.Sin(0.37*float64(i*i)) + 0.1*float64(i%7) - 0.2
		}
		p, g := NewPow2(n), NewGonum(n)
		got := p.Forward(make([]complex128, n/2+1), x)
		want := g.Forward(make([]complex128, n/2+1), x)
		tol := 1e-12 * float64(n) * math.Log2(float64(n)+1)
		for k := range want {
			if cmplx.Abs(got[k]-want[k]) > tol {
				t.Fatalf("n=%d k=%d: got %v, want %v", n, k, got[k], want[k])
			}
		}
		back := p.Inverse(make([]float64, n), got)
		wantBack := g.Inverse(make([]float64, n), want)
		for i := range back {
			if math.Abs(back[i]-wantBack[i]) > tol*4 {
				t.Fatalf("n=%d inverse[%d]: got %v, want %v", n, i, back[i], wantBack[i])
			}
		}
	}
}

func BenchmarkGonum8192(b *testing.B) {
	p := NewGonum(8192)
	x := make([]float64, 8192)
	dst := make([]complex128, 4097)
	for b.Loop() {
		p.Forward(dst, x)
	}
}

func BenchmarkForward(b *testing.B) {
	for _, n := range []int{4096, 8192, 16384, 32768} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			p := NewReal(n)
			x := make([]float64, n)
			dst := make([]complex128, n/2+1)
			for b.Loop() {
				p.Forward(dst, x)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/sample")
		})
	}
}

// TestKernelMatchesGo: the assembly butterflies give the Go loop's values
// bit for bit, forward and inverse, at every size that uses them.
func TestKernelMatchesGo(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for n := 2; n <= 1<<15; n *= 2 {
		src := make([]float64, n)
		for i := range src {
			src[i] = rng.NormFloat64()
		}
		p := NewPow2(n)
		run := func(avx bool) ([]complex128, []float64) {
			saved := useAVX2
			useAVX2 = avx
			defer func() { useAVX2 = saved }()
			f := p.Forward(make([]complex128, n/2+1), src)
			return f, p.Inverse(make([]float64, n), f)
		}
		fa, ia := run(true)
		fg, ig := run(false)
		for k := range fa {
			if math.Float64bits(real(fa[k])) != math.Float64bits(real(fg[k])) || math.Float64bits(imag(fa[k])) != math.Float64bits(imag(fg[k])) {
				t.Fatalf("n %d: bin %d: kernel %v, Go %v", n, k, fa[k], fg[k])
			}
		}
		for i := range ia {
			if math.Float64bits(ia[i]) != math.Float64bits(ig[i]) {
				t.Fatalf("n %d: inverse sample %d: kernel %v, Go %v", n, i, ia[i], ig[i])
			}
		}
	}
}

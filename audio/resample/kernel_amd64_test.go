//go:build !purego

package resample

import (
	"math"
	"testing"

	"github.com/mixdown/mixdown/internal/synth"
)

func randSlice(r *synth.Rand, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = r.Norm()
	}
	return s
}

// The AVX2/FMA kernels give bit-identical results to the portable Go code
// (which models their exact order of operations).
func TestKernelsBitExact(t *testing.T) {
	if !useAVX {
		t.Skip("no AVX2/FMA on this machine")
	}
	if !fusedFallback {
		t.Fatal("AVX2 without FMA?")
	}
	rng := synth.NewRand(42)
	for n := 4; n <= 1200; n += 4 {
		c, x, y := randSlice(rng, n), randSlice(rng, n), randSlice(rng, n)
		a := dot1AVX(&c[0], &x[0], n)
		if b := dot1Go(c, x); math.Float64bits(a) != math.Float64bits(b) {
			t.Fatalf("dot1 n=%d: asm %v, Go %v", n, a, b)
		}
		a0, a1 := dot2AVX(&c[0], &x[0], &y[0], n)
		b0, b1 := dot2Go(c, x, y)
		if math.Float64bits(a0) != math.Float64bits(b0) || math.Float64bits(a1) != math.Float64bits(b1) {
			t.Fatalf("dot2 n=%d: asm %v %v, Go %v %v", n, a0, a1, b0, b1)
		}
		// Batch kernels: several phases and strides.
		const q, count = 3, 9
		tab := randSlice(rng, q*n)
		xs, ys := randSlice(rng, n+3*count), randSlice(rng, n+3*count)
		for _, stride := range []int{1, 2} {
			o0, o1 := make([]float64, stride*count), make([]float64, stride*count)
			g0, g1 := make([]float64, stride*count), make([]float64, stride*count)
			batch2AVX(&tab[0], n, &xs[0], &ys[0], 1, &o0[0], &o1[0], stride, count, 1, q, 2, 2)
			batch2Go(tab, n, xs, ys, 1, g0, g1, stride, count, 1, q, 2, 2)
			m0, m1 := make([]float64, stride*count), make([]float64, stride*count)
			batch1AVX(&tab[0], n, &xs[0], 1, &m0[0], stride, count, 1, q, 2, 2)
			batch1Go(tab, n, ys, 1, m1, stride, count, 1, q, 2, 2)
			for i := range o0 {
				if math.Float64bits(o0[i]) != math.Float64bits(g0[i]) || math.Float64bits(o1[i]) != math.Float64bits(g1[i]) ||
					math.Float64bits(m0[i]) != math.Float64bits(g0[i]) || math.Float64bits(m1[i]) != math.Float64bits(g1[i]) {
					t.Fatalf("batch n=%d stride %d output %d: asm %v %v / %v, Go %v %v / %v", n, stride, i, o0[i], o1[i], m0[i], g0[i], g1[i], m1[i])
				}
			}
		}
		coefs := randSlice(rng, 4*n)
		u := rng.Float()
		ha, hb := make([]float64, n), make([]float64, n)
		hermiteAVX(&ha[0], &coefs[0], n, u)
		hermiteGo(hb, coefs, u)
		for i := range ha {
			if math.Float64bits(ha[i]) != math.Float64bits(hb[i]) {
				t.Fatalf("hermite n=%d i=%d: asm %v, Go %v", n, i, ha[i], hb[i])
			}
		}
	}
}

// Whole conversions through the batch assembly kernels and through the
// portable per-frame Go path are bit-identical, for 1, 2 and 3 channels and
// exact and interpolated tables, and half-band stages.
func TestAsmAndGoConversionsIdentical(t *testing.T) {
	if !useAVX {
		t.Skip("no AVX2/FMA on this machine")
	}
	defer func() { useAVX = true }()
	for _, pr := range [][2]int{{44100, 48000}, {96000, 44100}, {44100, 44101}, {192000, 44100}, {8000, 44100}, {192000, 48000}, {48000, 96000}} {
		for _, nc := range []int{1, 2, 3} {
			in := synth.WhiteNoise(pr[0], nc, 20011, 0.3, uint64(nc))
			useAVX = true
			a := convert(t, in, pr[0], pr[1], 4096, 4096)
			useAVX = false
			b := convert(t, in, pr[0], pr[1], 4096, 4096)
			useAVX = true
			if !identical(a, b) {
				t.Errorf("%d→%d, %d channels: assembly and Go outputs differ", pr[0], pr[1], nc)
			}
		}
	}
}

// Without hardware FMA the portable code rounds products separately; the
// float32 output then differs by at most about one float32 rounding step.
func TestUnfusedFallbackClose(t *testing.T) {
	defer func(a, f bool) { useAVX, fusedFallback = a, f }(useAVX, fusedFallback)
	for _, pr := range [][2]int{{44100, 48000}, {44100, 44101}} {
		in := synth.WhiteNoise(pr[0], 2, 20011, 0.3, 5)
		useAVX, fusedFallback = false, true
		a := convert(t, in, pr[0], pr[1], 4096, 4096)
		fusedFallback = false
		b := convert(t, in, pr[0], pr[1], 4096, 4096)
		for c := range a {
			for i := range a[c] {
				d := math.Abs(float64(a[c][i] - b[c][i]))
				if d > 1.2e-7*math.Max(math.Abs(float64(a[c][i])), 1e-3) {
					t.Fatalf("%v ch %d frame %d: fused %g unfused %g", pr, c, i, a[c][i], b[c][i])
				}
			}
		}
	}
}

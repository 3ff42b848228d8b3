package resample

import (
	"math"
	"testing"
)

// The prototype low-pass (the continuous kernel g for an upsampler, in
// lower-rate frames) meets its design: passband ripple far inside ±0.01 dB
// up to the passband edge, stopband below −155 dB from the stopband edge up.
// Its response is evaluated by sampling g 64 times per frame, which is exact
// to far below these levels because g's spectrum at 64 frames⁻¹ is nil.
func TestPrototypeResponse(t *testing.T) {
	k := newKernel(1, 1)
	const os = 64
	n := int(k.half * os)
	g := make([]float64, n+1)
	for i := range g {
		g[i] = k.at(float64(i)/os) / os
	}
	resp := func(f float64) float64 {
		s := g[0]
		for i := 1; i <= n; i++ {
			s += 2 * g[i] * math.Cos(2*math.Pi*f*float64(i)/os)
		}
		return s
	}
	pmax, pmin := math.Inf(-1), math.Inf(1)
	for f := 0.0; f <= passEdge; f += passEdge / 400 {
		db := 20 * math.Log10(resp(f))
		pmax, pmin = math.Max(pmax, db), math.Min(pmin, db)
	}
	smax := math.Inf(-1)
	step := 0.0005
	if testing.Short() {
		step = 0.002
	}
	for f := 1 - passEdge; f < 3; f += step {
		smax = math.Max(smax, 20*math.Log10(math.Abs(resp(f))))
	}
	half := 20 * math.Log10(resp(0.5))
	t.Logf("half-width %.2f frames, β %.3f: passband %.2g…%.2g dB, −%.2f dB at Nyquist, stopband %.1f dB", k.half, k.beta, pmin, pmax, -half, smax)
	if pmin < -1e-6 || pmax > 1e-6 {
		t.Errorf("passband ripple %.2g…%.2g dB", pmin, pmax)
	}
	if smax > -155 {
		t.Errorf("stopband %.1f dB", smax)
	}
}

// The Hermite-interpolated coefficients match the exact kernel to −180 dB of
// its peak (the window's own step at the edge of its support is 2e-9).
func TestInterpolatedCoefficients(t *testing.T) {
	for _, pr := range [][2]int{{44100, 44101}, {192000, 44101}, {1535999, 1000}} {
		g := gcd(pr[0], pr[1])
		p, q := pr[0]/g, pr[1]/g
		tab := buildTable(p, q)
		if tab.exact {
			t.Fatalf("%v: expected an interpolated table", pr)
		}
		k := newKernel(p, q)
		coef := make([]float64, tab.taps)
		var worst, peak float64
		for _, phase := range []int{0, 1, q / 3, q / 2, q - 1, 12345 % q} {
			pos := int64(phase) * int64(tab.segs)
			e := int(pos / int64(q))
			u := float64(pos%int64(q)) / float64(q)
			hermiteGo(coef, tab.coef[e*4*tab.taps:(e+1)*4*tab.taps], u)
			phi := float64(phase) / float64(q)
			for i, c := range coef {
				j := i - tab.pad - tab.side + 1
				want := k.at(phi - float64(j))
				worst = math.Max(worst, math.Abs(c-want))
				peak = math.Max(peak, math.Abs(want))
			}
		}
		if worst > 1e-9*peak {
			t.Errorf("%v: interpolated coefficients off by %.2g (peak %.2g)", pr, worst, peak)
		}
		if testing.Verbose() {
			t.Logf("%v: worst coefficient error %.2g of peak", pr, worst/peak)
		}
	}
}

// Derivative used for the Hermite table, against a central difference.
func TestKernelDerivative(t *testing.T) {
	for _, k := range []kernel{newKernel(1, 1), newKernel(96000, 44100)} {
		for _, tau := range []float64{0, 1e-5, 0.3, 1.7, -4.2, 20.5, k.reach() - 0.01, -k.reach() + 0.3} {
			const h = 1e-5
			num := (k.at(tau+h) - k.at(tau-h)) / (2 * h)
			if d := k.deriv(tau); math.Abs(d-num) > 1e-8 {
				t.Errorf("s=%g τ=%g: deriv %g, numeric %g", k.s, tau, d, num)
			}
		}
	}
}

// Half-band stages: flat to their passband edge, below −155 dB from half
// their high rate minus that edge, for the edges plan uses (the whole
// conversion's passband edge, or its stopband edge for an intermediate
// stage) at the high rates it uses them.
func TestHalfbandResponse(t *testing.T) {
	for _, c := range []struct{ high, edge float64 }{
		{96000, 20000}, {88200, 20000}, {96000, 21770}, {192000, 24100}, {192000, 26230}, {22050, 4535}, {1536000, 546.5},
	} {
		pass := c.edge / c.high
		coef, r, pad := newHalfband(pass)
		resp := func(f float64) float64 {
			s := 0.5
			for i := pad; i < len(coef); i++ {
				tau := float64(2*(i-pad-r) + 1)
				s += coef[i] * math.Cos(2*math.Pi*f*tau)
			}
			return s
		}
		pmin, pmax := math.Inf(1), math.Inf(-1)
		for f := 0.0; f <= pass; f += pass / 300 {
			db := 20 * math.Log10(resp(f))
			pmin, pmax = math.Min(pmin, db), math.Max(pmax, db)
		}
		smax := math.Inf(-1)
		for f := 0.5 - pass; f <= 0.5; f += (pass + 1e-3) / 300 {
			smax = math.Max(smax, 20*math.Log10(math.Abs(resp(f))))
		}
		if pmin < -1e-6 || pmax > 1e-6 || smax > -155 {
			t.Errorf("half-band at %g Hz, edge %g Hz: passband %.2g…%.2g dB, stopband %.1f dB", c.high, c.edge, pmin, pmax, smax)
		}
		if testing.Verbose() {
			t.Logf("half-band at %6g Hz, edge %5g Hz: %3d taps, passband %.2g…%.2g dB, stopband %.1f dB", c.high, c.edge, len(coef), pmin, pmax, smax)
		}
	}
}

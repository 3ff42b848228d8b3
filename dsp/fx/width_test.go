package fx

import (
	"math"
	"math/cmplx"
	"strings"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/dsp"
	"github.com/mixdown/mixdown/dsp/dsptest"
	"github.com/mixdown/mixdown/internal/synth"
)

var stereoSpecs = []dsp.Spec{{SampleRate: 44100, Channels: 2, MaxFrames: 512}, {SampleRate: 96000, Channels: 2, MaxFrames: 333}}

func TestWidthConformance(t *testing.T) {
	for _, p := range []WidthParams{
		{Width: 1},
		{Width: 1.6, MonoBelowHz: 120, BalanceDB: -3, SwapChannels: true},
		{Width: 0.3, MonoBelowHz: 20},
		{Width: 0},
	} {
		dsptest.Run(t, func() dsp.Processor { return NewWidth(p) }, dsptest.Options{Specs: stereoSpecs, Seconds: 2})
	}
	if err := NewWidth(DefaultWidthParams()).Prepare(dsp.Spec{SampleRate: 48000, Channels: 1, MaxFrames: 64}); err == nil || !strings.Contains(err.Error(), "stereo only") {
		t.Errorf("mono stream: %v", err)
	}
}

// stereoNoise returns noise whose channels have correlation rho.
func stereoNoise(fs, frames int, rho float64) audio.Buffer {
	a := synth.WhiteNoise(fs, 2, frames, 0.2, 9)
	b := audio.NewBuffer(2, frames)
	k := math.Sqrt(1 - rho*rho)
	for i := range b[0] {
		b[0][i] = a[0][i]
		b[1][i] = float32(rho*float64(a[0][i]) + k*float64(a[1][i]))
	}
	return b
}

func midSide(b audio.Buffer) (m, s []float64) {
	m, s = make([]float64, b.Frames()), make([]float64, b.Frames())
	for i := range m {
		m[i] = 0.5 * (float64(b[0][i]) + float64(b[1][i]))
		s[i] = 0.5 * (float64(b[0][i]) - float64(b[1][i]))
	}
	return m, s
}

// Width 0 makes L = R; width 1 is bit-exact; the side energy scales by
// Width² with the mid untouched, and the correlation moves accordingly.
func TestWidthScaling(t *testing.T) {
	const fs = 48000
	spec := dsp.Spec{SampleRate: fs, Channels: 2, MaxFrames: 512}
	in := stereoNoise(fs, fs, 0.4)
	inM, inS := midSide(in)
	eM, eS := energy(inM), energy(inS)
	for _, w := range []float64{0, 0.5, 1, 1.5, 2} {
		out := run(t, NewWidth(WidthParams{Width: w}), spec, in)
		switch w {
		case 0:
			if ok, _ := sameBits(audio.Buffer{out[0]}, audio.Buffer{out[1]}); !ok {
				t.Error("width 0: left and right differ")
			}
		case 1:
			if ok, where := sameBits(in, out); !ok {
				t.Errorf("width 1 is not transparent (%s)", where)
			}
		}
		m, s := midSide(out)
		gotS, gotM := energy(s)/eS, energy(m)/eM
		c := correlation(f64(out[0]), f64(out[1]))
		want := (eM - w*w*eS) / (eM + w*w*eS)
		t.Logf("width %.1f: side energy ×%.4f (want %.4f), mid ×%.6f, correlation %.3f (want %.3f)", w, gotS, w*w, gotM, c, want)
		if math.Abs(gotS-w*w) > 1e-6 || math.Abs(gotM-1) > 1e-6 || math.Abs(c-want) > 1e-4 {
			t.Errorf("width %.1f: side ×%.6f, mid ×%.6f, correlation %.4f (want %.4f)", w, gotS, gotM, c, want)
		}
	}
}

// Mono bass: the side is removed below MonoBelowHz (at least 30 dB down an
// octave below), untouched above (within 0.1 dB an octave above), and in
// phase with the mid everywhere, so mono content keeps its magnitude.
func TestWidthMonoBass(t *testing.T) {
	const fs = 48000
	for _, fc := range []float64{60, 120, 300} {
		w := NewWidth(WidthParams{Width: 1, MonoBelowHz: fc})
		if err := w.Prepare(dsp.Spec{SampleRate: fs, Channels: 2, MaxFrames: 512}); err != nil {
			t.Fatal(err)
		}
		for _, f := range []float64{fc / 4, fc / 2, fc, 2 * fc, 4 * fc, 10000} {
			side, mid := w.SideResponse(f, fs), w.MidResponse(f, fs)
			if d := cmplx.Phase(side / mid); cmplx.Abs(side) > 1e-9 && math.Abs(d) > 1e-6 {
				t.Errorf("%g Hz crossover at %g Hz: side and mid differ in phase by %.2g rad", fc, f, d)
			}
			if m := cmplx.Abs(mid); math.Abs(m-1) > 1e-12 {
				t.Errorf("%g Hz crossover: mid magnitude %.6f at %g Hz", fc, m, f)
			}
		}
		// Measured on signals: a side-only sine (L = -R) and a mono sine.
		measure := func(f float64, side bool) float64 {
			n := 4 * fs
			x := sine(n, f, 0.5, fs)
			y := append([]float64(nil), x...)
			if side {
				for i := range y {
					y[i] = -y[i]
				}
			}
			w.Reset()
			out := process(w, 512, buffer(x, y))
			return db(toneAmp(f64(out[0][fs:]), f, fs) / 0.5)
		}
		below, above, at := measure(fc/2, true), measure(2*fc, true), measure(fc, true)
		t.Logf("mono below %g Hz: side at %g Hz %.1f dB, at %g Hz %.1f dB, at %g Hz %.3f dB; mono content at %g Hz %.4f dB", fc, fc/2, below, fc, at, 2*fc, above, fc/2, measure(fc/2, false))
		if below > -30 || math.Abs(above) > 0.1 || math.Abs(at+6.02) > 0.05 {
			t.Errorf("mono below %g Hz: side %.1f dB an octave below, %.3f dB an octave above, %.2f dB at the crossover", fc, below, above, at)
		}
		for _, f := range []float64{fc / 4, fc, 3 * fc} {
			if g := measure(f, false); math.Abs(g) > 0.005 {
				t.Errorf("mono below %g Hz: mono content at %g Hz changed by %.4f dB", fc, f, g)
			}
		}
	}
}

func TestWidthBalanceSwap(t *testing.T) {
	const fs = 44100
	in := stereoNoise(fs, 4096, 0.2)
	spec := dsp.Spec{SampleRate: fs, Channels: 2, MaxFrames: 512}
	out := run(t, NewWidth(WidthParams{Width: 1, SwapChannels: true}), spec, in)
	if ok, _ := sameBits(audio.Buffer{in[0], in[1]}, audio.Buffer{out[1], out[0]}); !ok {
		t.Error("swap does not exchange the channels exactly")
	}
	out = run(t, NewWidth(WidthParams{Width: 1, BalanceDB: 6}), spec, in)
	gl, gr := energy(f64(out[0]))/energy(f64(in[0])), energy(f64(out[1]))/energy(f64(in[1]))
	if math.Abs(10*math.Log10(gl)+6) > 1e-4 || gr != 1 {
		t.Errorf("balance +6 dB: left %.4f dB, right %.4f dB", 10*math.Log10(gl), 10*math.Log10(gr))
	}
	// Swap with a width change: the side flips sign.
	out = run(t, NewWidth(WidthParams{Width: 0.5, SwapChannels: true}), spec, in)
	ref := run(t, NewWidth(WidthParams{Width: 0.5}), spec, in)
	for i := range out[0] {
		if math.Abs(float64(out[0][i]-ref[1][i])) > 1e-7 || math.Abs(float64(out[1][i]-ref[0][i])) > 1e-7 {
			t.Fatalf("frame %d: swapped (%g, %g), unswapped (%g, %g)", i, out[0][i], out[1][i], ref[0][i], ref[1][i])
		}
	}
}

func TestWidthValidate(t *testing.T) {
	for want, p := range map[string]WidthParams{
		"width = 2.5 out of range (0 to 2)":                    {Width: 2.5},
		"mono_below_hz = 10 out of range (0 for off, or 20 to": {Width: 1, MonoBelowHz: 10},
		"balance_db = -30 out of range (-24 to 24 dB)":         {Width: 1, BalanceDB: -30},
		"mono_below_hz = 500 at or above 0.45 × the 1000 Hz":   {Width: 1, MonoBelowHz: 500},
	} {
		err := NewWidth(p).Prepare(dsp.Spec{SampleRate: 1000, Channels: 2, MaxFrames: 64})
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "fx: width: ") {
			t.Errorf("got %v, want an error containing %q", err, want)
		}
	}
}

package dsp_test

import (
	"fmt"
	"math"
	"math/cmplx"
	"strings"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/dsp"
	"github.com/mixdown/mixdown/dsp/dsptest"
	"github.com/mixdown/mixdown/internal/synth"
)

// within reports got ≈ want ± tol.
func within(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(got) || math.Abs(got-want) > tol {
		t.Errorf("%s = %.5f, want %.5f ± %g", what, got, want, tol)
	}
}

func db(h complex128) float64 { return 20 * math.Log10(cmplx.Abs(h)) }

// process runs p over a copy of in in blocks of block frames.
func process(p dsp.Processor, in audio.Buffer, block int) audio.Buffer {
	out := audio.NewBuffer(in.Channels(), in.Frames())
	audio.Copy(out, in)
	hdr := make(audio.Buffer, in.Channels())
	for off := 0; off < out.Frames(); off += block {
		p.Process(out.Slice(hdr, off, min(off+block, out.Frames())))
	}
	return out
}

func prepared(t testing.TB, p dsp.Processor, fs float64, channels int) dsp.Processor {
	t.Helper()
	if err := p.Prepare(dsp.Spec{SampleRate: fs, Channels: channels, MaxFrames: 512}); err != nil {
		t.Fatal(err)
	}
	return p
}

// sineGainDB measures the steady-state gain of p at freq Hz with a sine.
func sineGainDB(t testing.TB, p dsp.Processor, fs, freq float64) float64 {
	t.Helper()
	n := int(fs)
	in := synth.Sine(int(fs), 1, n, freq, 0.5, 0)
	out := process(p, in, 512)
	// Least-squares fit of a sine and cosine at freq over the second half.
	var ss, cc, sc, ys, yc float64
	w := 2 * math.Pi * freq / fs
	for i := n / 2; i < n; i++ {
		s, c := math.Sin(w*float64(i)), math.Cos(w*float64(i))
		y := float64(out[0][i])
		ss += s * s
		cc += c * c
		sc += s * c
		ys += y * s
		yc += y * c
	}
	det := ss*cc - sc*sc
	a := (ys*cc - yc*sc) / det
	b := (yc*ss - ys*sc) / det
	return 20 * math.Log10(math.Hypot(a, b)/0.5)
}

// benchRealTime reports how many times faster than real time p processes
// stereo at 44.1 kHz in 512-frame blocks.
func benchRealTime(b *testing.B, p dsp.Processor) {
	const fs, block = 44100, 512
	if err := p.Prepare(dsp.Spec{SampleRate: fs, Channels: 2, MaxFrames: block}); err != nil {
		b.Fatal(err)
	}
	src := synth.SongBuffer(fs, float64(block)/fs, 3)
	buf := audio.NewBuffer(2, block)
	for b.Loop() {
		audio.Copy(buf, src)
		p.Process(buf)
	}
	b.ReportMetric(float64(b.N)*block/fs/b.Elapsed().Seconds(), "x_realtime")
}

// confSeconds is the length of the conformance suite's signal: shorter
// with -short (the race detector makes the suite slow).
func confSeconds() float64 {
	if testing.Short() {
		return 1
	}
	return 1.5
}

var filterCases = []dsp.FilterParams{
	{Type: "highpass", FreqHz: 80},
	{Type: "lowpass", FreqHz: 12000, SlopeDBOct: 6},
	{Type: "highpass", FreqHz: 30, SlopeDBOct: 18},
	{Type: "lowpass", FreqHz: 5000, SlopeDBOct: 24, Shape: dsp.ShapeLinkwitzRiley},
	{Type: "highpass", FreqHz: 200, SlopeDBOct: 36, Shape: dsp.ShapeLinkwitzRiley},
	{Type: "lowpass", FreqHz: 2000, SlopeDBOct: 48},
}

func TestFilterConformance(t *testing.T) {
	for i, p := range filterCases {
		if testing.Short() && i%2 == 1 {
			continue
		}
		t.Run(fmt.Sprintf("%s_%g_%d_%s", p.Type, p.FreqHz, p.SlopeDBOct, p.Shape), func(t *testing.T) {
			dsptest.Run(t, func() dsp.Processor { return dsp.NewFilter(p) }, dsptest.Options{Seconds: confSeconds()})
		})
	}
	// Latency 0: a high-pass far below the test pulse's band moves its peak
	// only by its small phase lead there (0.18 frames).
	dsptest.CheckLatency(t, func() dsp.Processor { return dsp.NewFilter(dsp.FilterParams{Type: "highpass", FreqHz: 10}) },
		dsp.Spec{SampleRate: 48000, Channels: 2, MaxFrames: 256}, 0.25)
}

// The bilinear Butterworth is exactly Butterworth on the warped axis
// t(f) = tan(πf/fs): |H|² = 1/(1 + (t(f)/t(fc))^(2n)) for a low-pass,
// 1/(1 + (t(fc)/t(f))^(2n)) for a high-pass. Away from Nyquist that is the
// analogue 1/(1 + (f/fc)^(2n)).
func TestButterworthMagnitude(t *testing.T) {
	for _, fs := range []float64{44100, 96000} {
		for _, fc := range []float64{100, 1000, 5000} {
			for _, slope := range []int{6, 12, 18, 24, 36, 48} {
				n := float64(slope / 6)
				for _, typ := range []string{"lowpass", "highpass"} {
					f := dsp.NewFilter(dsp.FilterParams{Type: typ, FreqHz: fc, SlopeDBOct: slope})
					prepared(t, f, fs, 1)
					within(t, fmt.Sprintf("%s %d dB/oct at fc %g Hz", typ, slope, fc), db(f.Response(fc)), -10*math.Log10(2), 1e-6)
					worst := 0.0
					for fr := 10.0; fr < 0.49*fs; fr *= 1.05 {
						r := math.Tan(math.Pi*fr/fs) / math.Tan(math.Pi*fc/fs)
						if typ == "highpass" {
							r = 1 / r
						}
						want := -10 * math.Log10(1+math.Pow(r, 2*n))
						if want < -150 {
							continue
						}
						worst = max(worst, math.Abs(db(f.Response(fr))-want))
					}
					if worst > 0.01 {
						t.Errorf("%g Hz: %s %d dB/oct at %g Hz departs from the Butterworth magnitude by %.4f dB", fs, typ, slope, fc, worst)
					}
				}
			}
		}
	}
	// The analogue formula, at frequencies where warping is negligible.
	for _, slope := range []int{6, 12, 18, 24, 36, 48} {
		n := float64(slope / 6)
		const fc, fs = 100, 44100
		lp := dsp.NewFilter(dsp.FilterParams{Type: "lowpass", FreqHz: fc, SlopeDBOct: slope})
		hp := dsp.NewFilter(dsp.FilterParams{Type: "highpass", FreqHz: fc, SlopeDBOct: slope})
		prepared(t, lp, fs, 1)
		prepared(t, hp, fs, 1)
		for fr := 10.0; fr <= 300; fr *= 1.1 {
			within(t, fmt.Sprintf("%d dB/oct low-pass at %.1f Hz", slope, fr), db(lp.Response(fr)), -10*math.Log10(1+math.Pow(fr/fc, 2*n)), 0.01)
			within(t, fmt.Sprintf("%d dB/oct high-pass at %.1f Hz", slope, fr), db(hp.Response(fr)), -10*math.Log10(1+math.Pow(fc/fr, 2*n)), 0.01)
		}
	}
}

// The slope measured over an octave well into the stopband is the nominal
// one within 0.5 dB.
func TestFilterSlope(t *testing.T) {
	for _, shape := range []string{dsp.ShapeButterworth, dsp.ShapeLinkwitzRiley} {
		for _, slope := range []int{6, 12, 18, 24, 36, 48} {
			if shape == dsp.ShapeLinkwitzRiley && slope%12 != 0 {
				continue
			}
			hp := dsp.NewFilter(dsp.FilterParams{Type: "highpass", FreqHz: 1000, SlopeDBOct: slope, Shape: shape})
			prepared(t, hp, 44100, 1)
			within(t, fmt.Sprintf("%s high-pass %d dB/oct slope from 62.5 to 125 Hz", shape, slope),
				db(hp.Response(125))-db(hp.Response(62.5)), float64(slope), 0.5)
			lp := dsp.NewFilter(dsp.FilterParams{Type: "lowpass", FreqHz: 200, SlopeDBOct: slope, Shape: shape})
			prepared(t, lp, 96000, 1)
			within(t, fmt.Sprintf("%s low-pass %d dB/oct slope from 1.6 to 3.2 kHz", shape, slope),
				db(lp.Response(1600))-db(lp.Response(3200)), float64(slope), 0.5)
		}
	}
}

// Linkwitz-Riley: -6 dB at fc, and low-pass plus high-pass (same order and
// frequency) is an all-pass: flat magnitude. At 12 and 36 dB/oct (orders
// 2 and 6) the flat sum is low-pass minus high-pass.
func TestLinkwitzRiley(t *testing.T) {
	const fs = 48000
	for _, slope := range []int{12, 24, 36, 48} {
		for _, fc := range []float64{80, 1000, 8000} {
			lp := dsp.NewFilter(dsp.FilterParams{Type: "lowpass", FreqHz: fc, SlopeDBOct: slope, Shape: dsp.ShapeLinkwitzRiley})
			hp := dsp.NewFilter(dsp.FilterParams{Type: "highpass", FreqHz: fc, SlopeDBOct: slope, Shape: dsp.ShapeLinkwitzRiley})
			prepared(t, lp, fs, 1)
			prepared(t, hp, fs, 1)
			within(t, fmt.Sprintf("LR%d low-pass at fc", slope), db(lp.Response(fc)), -20*math.Log10(2), 1e-6)
			within(t, fmt.Sprintf("LR%d high-pass at fc", slope), db(hp.Response(fc)), -20*math.Log10(2), 1e-6)
			sign := complex(1, 0)
			if slope%24 != 0 {
				sign = -1 // orders 2 and 6 sum flat with one output inverted
			}
			worst := 0.0
			for f := 10.0; f < 0.49*fs; f *= 1.1 {
				worst = max(worst, math.Abs(db(lp.Response(f)+sign*hp.Response(f))))
			}
			if worst > 0.001 {
				t.Errorf("LR%d at %g Hz: low-pass + high-pass departs from flat by %.4f dB", slope, fc, worst)
			}
		}
	}
}

// The response computed from the coefficients is what a sine measures.
func TestFilterResponseMatchesSignal(t *testing.T) {
	const fs = 44100
	for _, p := range filterCases {
		for _, f := range []float64{50, 440, 3000, 11000} {
			flt := dsp.NewFilter(p)
			prepared(t, flt, fs, 1)
			want := db(flt.Response(f))
			if want < -60 {
				continue
			}
			within(t, fmt.Sprintf("%+v at %g Hz (dB)", p, f), sineGainDB(t, flt, fs, f), want, 0.01)
		}
	}
}

func TestFilterValidation(t *testing.T) {
	spec := dsp.Spec{SampleRate: 44100, Channels: 2, MaxFrames: 64}
	for _, c := range []struct {
		p    dsp.FilterParams
		want string
	}{
		{dsp.FilterParams{Type: "bandpass", FreqHz: 100}, "filter type"},
		{dsp.FilterParams{Type: "lowpass", FreqHz: 0}, "freq_hz 0 out of range (1 Hz to 0.49"},
		{dsp.FilterParams{Type: "lowpass", FreqHz: 30000}, "freq_hz 30000 out of range (1 Hz to 0.49 × sample rate = 21609 Hz)"},
		{dsp.FilterParams{Type: "lowpass", FreqHz: math.NaN()}, "freq_hz"},
		{dsp.FilterParams{Type: "lowpass", FreqHz: 100, SlopeDBOct: 30}, "slope_db_oct 30: want 6, 12, 18, 24, 36 or 48"},
		{dsp.FilterParams{Type: "lowpass", FreqHz: 100, SlopeDBOct: 18, Shape: dsp.ShapeLinkwitzRiley}, "Linkwitz-Riley needs 12, 24, 36 or 48"},
		{dsp.FilterParams{Type: "lowpass", FreqHz: 100, Shape: "bessel"}, "filter shape \"bessel\""},
	} {
		err := dsp.NewFilter(c.p).Prepare(spec)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one containing %q", c.p, err, c.want)
		}
	}
	if err := dsp.NewFilter(dsp.FilterParams{Type: "lowpass", FreqHz: 100}).Prepare(dsp.Spec{SampleRate: 44100}); err == nil {
		t.Error("Prepare accepted a spec with no channels")
	}
}

// SetFreq glides: no step in the output, and the filter ends up at the new
// design.
func TestFilterSetFreq(t *testing.T) {
	const fs = 48000
	f := dsp.NewFilter(dsp.FilterParams{Type: "highpass", FreqHz: 100, SlopeDBOct: 24})
	prepared(t, f, fs, 1)
	in := synth.Sine(fs, 1, fs/2, 1000, 0.5, 0)
	out := audio.NewBuffer(1, fs/2)
	audio.Copy(out, in)
	hdr := make(audio.Buffer, 1)
	f.Process(out.Slice(hdr, 0, 4800))
	f.SetFreq(2000)
	f.Process(out.Slice(hdr, 4800, fs/2))
	// Another one, gliding, must not allocate either.
	g := dsp.NewFilter(dsp.FilterParams{Type: "highpass", FreqHz: 100, SlopeDBOct: 24})
	prepared(t, g, fs, 1)
	g.SetFreq(2000)
	scratch := audio.NewBuffer(1, 64)
	if a := testing.AllocsPerRun(5, func() { g.Process(scratch) }); a != 0 {
		t.Errorf("Process allocates %.0f times while gliding", a)
	}
	// The largest step between samples stays that of the sine.
	maxStep := 0.5 * 2 * math.Pi * 1000 / fs
	for i := 1; i < out.Frames(); i++ {
		if d := math.Abs(float64(out[0][i] - out[0][i-1])); d > 1.05*maxStep {
			t.Fatalf("step of %.4f at frame %d (a sine of that amplitude moves at most %.4f)", d, i, maxStep)
		}
	}
	h := dsp.NewFilter(dsp.FilterParams{Type: "highpass", FreqHz: 2000, SlopeDBOct: 24})
	prepared(t, h, fs, 1)
	for _, fr := range []float64{500, 2000, 8000} {
		within(t, fmt.Sprintf("after the glide, response at %g Hz", fr), db(f.Response(fr)), db(h.Response(fr)), 1e-6)
	}
}

func TestSubsonic(t *testing.T) {
	s := dsp.NewSubsonic(25)
	prepared(t, s, 44100, 2)
	within(t, "subsonic at 25 Hz", db(s.Response(25)), -3.0103, 0.001)
	within(t, "subsonic slope 6.25 → 12.5 Hz", db(s.Response(12.5))-db(s.Response(6.25)), 24, 0.5)
	if g := db(s.Response(50)); g < -0.1 {
		t.Errorf("subsonic costs %.2f dB at 50 Hz", g)
	}
}

func ExampleFilter() {
	hp := dsp.NewFilter(dsp.FilterParams{Type: "highpass", FreqHz: 80, SlopeDBOct: 24})
	if err := hp.Prepare(dsp.Spec{SampleRate: 48000, Channels: 2, MaxFrames: 1024}); err != nil {
		panic(err)
	}
	for _, f := range []float64{20, 40, 80, 160, 1000} {
		fmt.Printf("%5.0f Hz: %6.2f dB\n", f, 20*math.Log10(cmplx.Abs(hp.Response(f))))
	}
	buf := audio.NewBuffer(2, 1024) // a block of the stream
	hp.Process(buf)
	// Output:
	//    20 Hz: -48.17 dB
	//    40 Hz: -24.10 dB
	//    80 Hz:  -3.01 dB
	//   160 Hz:  -0.02 dB
	//  1000 Hz:  -0.00 dB
}

// A 24 dB/oct filter on 44.1 kHz stereo.
func BenchmarkFilter24(b *testing.B) {
	benchRealTime(b, dsp.NewFilter(dsp.FilterParams{Type: "highpass", FreqHz: 80, SlopeDBOct: 24}))
}

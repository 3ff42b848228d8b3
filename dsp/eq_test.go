package dsp_test

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/dsp"
	"github.com/mixdown/mixdown/dsp/dsptest"
	"github.com/mixdown/mixdown/internal/synth"
)

// analogDB is the magnitude in dB at f Hz of the analogue prototypes of the
// Audio EQ Cookbook, written out here independently of the package:
//
//	bell        (s² + s·A/Q + 1) / (s² + s/(A·Q) + 1)
//	low shelf   A·(s² + s·√A/Q + A) / (A·s² + s·√A/Q + 1)
//	high shelf  A·(A·s² + s·√A/Q + 1) / (s² + s·√A/Q + A)
func analogDB(typ string, f0, q, gain, f float64) float64 {
	a := math.Pow(10, gain/40)
	s := complex(0, f/f0)
	var h complex128
	switch typ {
	case dsp.BandBell:
		h = (s*s + s*complex(a/q, 0) + 1) / (s*s + s*complex(1/(a*q), 0) + 1)
	case dsp.BandLowShelf:
		r := complex(math.Sqrt(a)/q, 0)
		h = complex(a, 0) * (s*s + r*s + complex(a, 0)) / (complex(a, 0)*s*s + r*s + 1)
	case dsp.BandHighShelf:
		r := complex(math.Sqrt(a)/q, 0)
		h = complex(a, 0) * (complex(a, 0)*s*s + r*s + 1) / (s*s + r*s + complex(a, 0))
	}
	return db(h)
}

func oneBand(t testing.TB, b dsp.EQBand, fs float64) *dsp.EQ {
	t.Helper()
	e := dsp.NewEQ(dsp.EQParams{Bands: []dsp.EQBand{b}})
	prepared(t, e, fs, 1)
	return e
}

// Bells and shelves follow their analogue prototypes up to 20 kHz at
// 44.1 kHz (within 0.5 dB; within 0.01 dB below fs/8), where the plain
// bilinear design is cramped towards Nyquist.
func TestEQDecramped(t *testing.T) {
	type result struct{ all, low float64 }
	check := func(fs float64, freqs, qs, gains []float64) {
		fmax := math.Min(20000, 0.4535*fs)
		for _, typ := range []string{dsp.BandBell, dsp.BandLowShelf, dsp.BandHighShelf} {
			var worst result
			var where string
			for _, f0 := range freqs {
				for _, q := range qs {
					if typ != dsp.BandBell && q > 1 {
						continue // steep shelves overshoot; not a decramping case
					}
					for _, g := range gains {
						e := oneBand(t, dsp.EQBand{Type: typ, FreqHz: f0, GainDB: g, Q: q}, fs)
						var r result
						for f := 20.0; f <= fmax; f *= 1.02 {
							d := math.Abs(e.Response(f) - analogDB(typ, f0, q, g, f))
							r.all = max(r.all, d)
							if f < fs/8 {
								r.low = max(r.low, d)
							}
						}
						if r.all > 0.5 || r.low > 0.01 {
							t.Errorf("%g Hz: %s at %g Hz, Q %g, %+g dB departs from the analogue prototype by %.3f dB (%.4f dB below fs/8)",
								fs, typ, f0, q, g, r.all, r.low)
						}
						if r.all > worst.all {
							worst.all, where = r.all, fmt.Sprintf("%g Hz Q %g %+g dB", f0, q, g)
						}
						worst.low = max(worst.low, r.low)
					}
				}
			}
			t.Logf("%g Hz %-10s largest error %.3f dB (%s), below fs/8 %.4f dB", fs, typ, worst.all, where, worst.low)
		}
	}
	qs := []float64{0.5, 0.7071, 1, 2, 4}
	check(44100, []float64{1000, 2000, 4000, 8000, 12000, 16000}, qs, []float64{-12, -6, -3, 3, 6, 12})
	if !testing.Short() {
		check(48000, []float64{30, 300, 3000, 10000, 16000, 20000}, qs, []float64{-12, -1, 6})
		check(96000, []float64{100, 5000, 16000, 30000}, qs, []float64{-9, 2, 12})
	}

	// The cookbook's bilinear bell, for comparison, is far off at 16 kHz.
	c := dsp.Peak(16000, 1, 6, 44100)
	if d := math.Abs(c.MagnitudeDB(19000, 44100) - analogDB(dsp.BandBell, 16000, 1, 6, 19000)); d < 1 {
		t.Errorf("the bilinear bell is only %.2f dB off at 19 kHz: the decramping test shows nothing", d)
	}
}

// halfGainWidth returns the distance in Hz between the frequencies either
// side of f0 where a bell reaches half its gain in dB.
func halfGainWidth(e *dsp.EQ, f0, gain float64) float64 {
	edge := func(lo, hi float64) float64 { // bisection on |response| = gain/2
		inside := func(f float64) bool { return math.Abs(e.Response(f)) > math.Abs(gain)/2 }
		in := inside(lo)
		for range 60 {
			m := math.Sqrt(lo * hi)
			if inside(m) == in {
				lo = m
			} else {
				hi = m
			}
		}
		return math.Sqrt(lo * hi)
	}
	return edge(f0, f0*16) - edge(f0, f0/16)
}

// The bands against their definitions (see EQBand).
func TestEQBandDefinitions(t *testing.T) {
	const fs = 48000
	for _, g := range []float64{-9, 6} {
		for _, q := range []float64{0.7071, 2, 5} {
			b := oneBand(t, dsp.EQBand{Type: dsp.BandBell, FreqHz: 1000, GainDB: g, Q: q}, fs)
			within(t, fmt.Sprintf("bell %+g dB Q %g at f0", g, q), b.Response(1000), g, 0.005)
			within(t, fmt.Sprintf("bell %+g dB Q %g half-gain width / (f0/Q)", g, q), halfGainWidth(b, 1000, g)/(1000/q), 1, 0.005)
			within(t, fmt.Sprintf("bell %+g dB Q %g at 10 Hz", g, q), b.Response(10), 0, 0.05)
		}
		ls := oneBand(t, dsp.EQBand{Type: dsp.BandLowShelf, FreqHz: 300, GainDB: g}, fs)
		within(t, "low shelf at 5 Hz", ls.Response(5), g, 0.01)
		within(t, "low shelf at f0 (half gain)", ls.Response(300), g/2, 0.005)
		within(t, "low shelf at 15 kHz", ls.Response(15000), 0, 0.01)
		hs := oneBand(t, dsp.EQBand{Type: dsp.BandHighShelf, FreqHz: 3000, GainDB: g}, fs)
		within(t, "high shelf at 20 Hz", hs.Response(20), 0, 0.01)
		within(t, "high shelf at f0 (half gain)", hs.Response(3000), g/2, 0.005)
		within(t, "high shelf at 20 kHz", hs.Response(20000), g, 0.1)
		// Q = 0.7071 is the steepest shelf without overshoot: the response
		// moves monotonically from one plateau to the other.
		for _, s := range []struct {
			eq  *dsp.EQ
			dir float64 // sign of the slope along frequency
		}{{ls, -math.Copysign(1, g)}, {hs, math.Copysign(1, g)}} {
			prev := s.eq.Response(10)
			for f := 10.0; f < 20000; f *= 1.01 {
				r := s.eq.Response(f)
				if (r-prev)*s.dir < -1e-9 {
					t.Errorf("shelf %+g dB overshoots: its response turns back at %.0f Hz", g, f)
					break
				}
				prev = r
			}
		}
	}
	n := oneBand(t, dsp.EQBand{Type: dsp.BandNotch, FreqHz: 1000, Q: 10}, fs)
	if d := n.Response(1000); d > -100 {
		t.Errorf("notch only %.1f dB deep at f0", d)
	}
	within(t, "notch an octave away", n.Response(2000), 0, 0.05)
	bp := oneBand(t, dsp.EQBand{Type: dsp.BandBandPass, FreqHz: 1000, Q: 2, GainDB: 3}, fs)
	within(t, "band-pass at f0", bp.Response(1000), 3, 1e-6)
	hi := 1000 * (math.Sqrt(1+1/16.0) + 1/4.0)
	within(t, "band-pass at its upper -3 dB edge (analogue)", bp.Response(hi), 3-10*math.Log10(2), 0.02)
	for _, slope := range []int{6, 12, 24, 48} {
		hp := oneBand(t, dsp.EQBand{Type: dsp.BandHighPass, FreqHz: 100, SlopeDBOct: slope}, fs)
		within(t, fmt.Sprintf("%d dB/oct high-pass band at fc", slope), hp.Response(100), -10*math.Log10(2), 1e-6)
		within(t, fmt.Sprintf("%d dB/oct high-pass band slope", slope), hp.Response(12.5)-hp.Response(6.25), float64(slope), 0.5)
		lp := oneBand(t, dsp.EQBand{Type: dsp.BandLowPass, FreqHz: 5000, SlopeDBOct: slope}, fs)
		within(t, fmt.Sprintf("%d dB/oct low-pass band at fc", slope), lp.Response(5000), -10*math.Log10(2), 1e-6)
	}
	// At 12 dB/oct Q sets the resonance: 20·log10(Q) at fc.
	res := oneBand(t, dsp.EQBand{Type: dsp.BandLowPass, FreqHz: 1000, Q: 4}, fs)
	within(t, "resonant low-pass at fc", res.Response(1000), 20*math.Log10(4), 1e-6)
}

var fourBands = dsp.EQParams{Bands: []dsp.EQBand{
	{Type: dsp.BandLowShelf, FreqHz: 120, GainDB: 2.5},
	{Type: dsp.BandBell, FreqHz: 400, GainDB: -3, Q: 1.5},
	{Type: dsp.BandBell, FreqHz: 3000, GainDB: 2, Q: 0.8},
	{Type: dsp.BandHighShelf, FreqHz: 10000, GainDB: 3},
}}

func TestEQConformance(t *testing.T) {
	mixed := dsp.EQParams{Bands: append(append([]dsp.EQBand(nil), fourBands.Bands...),
		dsp.EQBand{Type: dsp.BandHighPass, FreqHz: 30, SlopeDBOct: 18},
		dsp.EQBand{Type: dsp.BandNotch, FreqHz: 60},
		dsp.EQBand{Type: dsp.BandLowPass, FreqHz: 18000, SlopeDBOct: 6},
		dsp.EQBand{Type: dsp.BandBandPass, FreqHz: 1000, Q: 0.3, GainDB: 6},
	), OutputDB: -2}
	for name, p := range map[string]dsp.EQParams{"four_bands": fourBands, "eight_bands": mixed, "empty": {}} {
		t.Run(name, func(t *testing.T) {
			dsptest.Run(t, func() dsp.Processor { return dsp.NewEQ(p) }, dsptest.Options{Seconds: confSeconds()})
		})
	}
	dsptest.CheckLatency(t, func() dsp.Processor {
		return dsp.NewEQ(dsp.EQParams{Bands: []dsp.EQBand{{Type: dsp.BandBell, FreqHz: 15000, GainDB: 3, Q: 4}}})
	}, dsp.Spec{SampleRate: 48000, Channels: 2, MaxFrames: 256}, 0.1)
}

// Response reports what a sine measures, output gain included.
func TestEQResponseMatchesSignal(t *testing.T) {
	const fs = 44100
	p := fourBands
	p.OutputDB = -1.5
	for _, f := range []float64{40, 120, 400, 1000, 3000, 10000, 18000} {
		e := dsp.NewEQ(p)
		prepared(t, e, fs, 1)
		within(t, fmt.Sprintf("EQ at %g Hz (dB)", f), sineGainDB(t, e, fs, f), e.Response(f), 0.01)
	}
	// Before Prepare, Response reports a 48 kHz design.
	before, after := dsp.NewEQ(p), dsp.NewEQ(p)
	prepared(t, after, 48000, 2)
	within(t, "response before Prepare", before.Response(3000), after.Response(3000), 1e-12)
}

func TestEQOutputAndBypass(t *testing.T) {
	const fs = 48000
	p := fourBands
	p.Bands = append([]dsp.EQBand(nil), p.Bands...)
	p.Bands[1].Bypass = true
	p.OutputDB = 4
	e := dsp.NewEQ(p)
	prepared(t, e, fs, 2)
	q := fourBands
	q.Bands = []dsp.EQBand{q.Bands[0], q.Bands[2], q.Bands[3]}
	f := dsp.NewEQ(q)
	prepared(t, f, fs, 2)
	for _, fr := range []float64{50, 400, 5000} {
		within(t, fmt.Sprintf("bypassed band and output gain at %g Hz", fr), e.Response(fr), f.Response(fr)+4, 1e-9)
	}
	// Nothing to do leaves the signal bit-identical.
	flat := dsp.NewEQ(dsp.EQParams{Bands: []dsp.EQBand{{Type: dsp.BandBell, FreqHz: 1000, GainDB: 0}, {Type: dsp.BandNotch, FreqHz: 50, Bypass: true}}})
	prepared(t, flat, fs, 2)
	in := synth.SongBuffer(fs, 0.5, 1)
	out := process(flat, in, 512)
	for c := range in {
		for i := range in[c] {
			if in[c][i] != out[c][i] {
				t.Fatalf("a flat EQ changed frame %d", i)
			}
		}
	}
}

func TestEQSetParams(t *testing.T) {
	const fs = 48000
	e := dsp.NewEQ(fourBands)
	if err := e.SetParams(fourBands); err == nil {
		t.Error("SetParams before Prepare succeeded")
	}
	prepared(t, e, fs, 1)
	p := fourBands
	p.Bands = append([]dsp.EQBand(nil), p.Bands...)
	p.Bands[2].GainDB = -4
	p.Bands[2].FreqHz = 2500
	if err := e.SetParams(p); err != nil {
		t.Fatal(err)
	}
	buf := audio.NewBuffer(1, 64)
	if a := testing.AllocsPerRun(5, func() { e.Process(buf) }); a != 0 {
		t.Errorf("Process allocates %.0f times while gliding", a)
	}
	in := synth.Sine(fs, 1, fs/4, 2500, 0.5, 0)
	out := process(e, in, 100)
	maxStep := 0.5 * 2 * math.Pi * 2500 / fs * 1.5 // within the EQ's largest gain
	for i := 1; i < out.Frames(); i++ {
		if d := math.Abs(float64(out[0][i] - out[0][i-1])); d > maxStep {
			t.Fatalf("step of %.4f at frame %d while gliding", d, i)
		}
	}
	want := dsp.NewEQ(p)
	prepared(t, want, fs, 1)
	within(t, "after the glide, sine gain at 2.5 kHz", sineGainDB(t, e, fs, 2500), want.Response(2500), 0.01)
	p.Bands[2].GainDB = 0 // the bell disappears: a different layout
	if err := e.SetParams(p); err == nil || !strings.Contains(err.Error(), "number of filter sections") {
		t.Errorf("SetParams with a new layout: %v", err)
	}
}

func TestEQValidation(t *testing.T) {
	spec := dsp.Spec{SampleRate: 44100, Channels: 2, MaxFrames: 64}
	for _, c := range []struct {
		b    dsp.EQBand
		want string
	}{
		{dsp.EQBand{Type: "peak", FreqHz: 100}, `band 1: dsp: EQ band type "peak"`},
		{dsp.EQBand{Type: dsp.BandBell, FreqHz: 0.5}, "freq_hz 0.5 out of range (1 Hz to 0.49 × sample rate)"},
		{dsp.EQBand{Type: dsp.BandBell, FreqHz: 22000}, "freq_hz 22000 out of range (1 Hz to 0.49 × sample rate = 21609 Hz)"},
		{dsp.EQBand{Type: dsp.BandBell, FreqHz: 100, GainDB: 31}, "gain_db 31 out of range (-30 to 30 dB)"},
		{dsp.EQBand{Type: dsp.BandBell, FreqHz: 100, Q: 0.05}, "q 0.05 out of range (0.1 to 40"},
		{dsp.EQBand{Type: dsp.BandHighPass, FreqHz: 100, SlopeDBOct: 8}, "slope_db_oct 8"},
	} {
		err := dsp.NewEQ(dsp.EQParams{Bands: []dsp.EQBand{c.b}}).Prepare(spec)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one containing %q", c.b, err, c.want)
		}
	}
	if err := dsp.NewEQ(dsp.EQParams{OutputDB: 40}).Prepare(spec); err == nil || !strings.Contains(err.Error(), "output_db 40 out of range (-60 to 30 dB)") {
		t.Errorf("output_db 40: %v", err)
	}
	if err := dsp.NewEQ(dsp.EQParams{Bands: make([]dsp.EQBand, 33)}).Prepare(spec); err == nil || !strings.Contains(err.Error(), "33 bands") {
		t.Errorf("33 bands: %v", err)
	}
	if r := dsp.NewEQ(dsp.EQParams{Bands: []dsp.EQBand{{Type: "x"}}}).Response(100); !math.IsNaN(r) {
		t.Errorf("Response of an invalid EQ = %g, want NaN", r)
	}
}

// Sessions store EQs as JSON or YAML with snake_case keys.
func TestEQParamsJSON(t *testing.T) {
	const doc = `{"bands": [
		{"type": "highpass", "freq_hz": 40, "slope_db_oct": 18},
		{"type": "bell", "freq_hz": 2500, "gain_db": -2.5, "q": 3, "bypass": true}
	], "output_db": 1.5}`
	var p dsp.EQParams
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		t.Fatal(err)
	}
	want := dsp.EQParams{Bands: []dsp.EQBand{
		{Type: "highpass", FreqHz: 40, SlopeDBOct: 18},
		{Type: "bell", FreqHz: 2500, GainDB: -2.5, Q: 3, Bypass: true},
	}, OutputDB: 1.5}
	if fmt.Sprint(p) != fmt.Sprint(want) {
		t.Errorf("decoded %+v, want %+v", p, want)
	}
	out, _ := json.Marshal(dsp.EQBand{Type: "notch", FreqHz: 60})
	if string(out) != `{"type":"notch","freq_hz":60}` {
		t.Errorf("encoded %s", out)
	}
	var f dsp.FilterParams
	if err := json.Unmarshal([]byte(`{"type": "lowpass", "freq_hz": 9000, "slope_db_oct": 24, "shape": "linkwitz-riley"}`), &f); err != nil || f.Validate() != nil || f.SlopeDBOct != 24 {
		t.Errorf("filter params %+v: %v", f, err)
	}
}

func ExampleEQ() {
	eq := dsp.NewEQ(dsp.EQParams{Bands: []dsp.EQBand{
		{Type: "highpass", FreqHz: 30, SlopeDBOct: 24},
		{Type: "bell", FreqHz: 250, GainDB: -3, Q: 1.4},
		{Type: "high_shelf", FreqHz: 16000, GainDB: 4},
	}})
	if err := eq.Prepare(dsp.Spec{SampleRate: 44100, Channels: 2, MaxFrames: 512}); err != nil {
		panic(err)
	}
	for _, f := range []float64{30, 250, 1000, 16000, 20000} {
		fmt.Printf("%5.0f Hz: %+.2f dB\n", f, eq.Response(f))
	}
	// Output:
	//    30 Hz: -3.03 dB
	//   250 Hz: -3.00 dB
	//  1000 Hz: -0.11 dB
	// 16000 Hz: +2.02 dB
	// 20000 Hz: +2.80 dB
}

// A four-band EQ (two shelves, two bells) on 44.1 kHz stereo.
func BenchmarkEQ4Bands(b *testing.B) { benchRealTime(b, dsp.NewEQ(fourBands)) }

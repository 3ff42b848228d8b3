package dsp_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/dsp"
	"github.com/mixdown/mixdown/dsp/dsptest"
	"github.com/mixdown/mixdown/internal/synth"
)

// randomCurve returns random gains within ±6 dB at octave spacing from
// 31.25 Hz to 16 kHz: a smooth curve once interpolated.
func randomCurve(r *synth.Rand) []dsp.CurvePoint {
	var pts []dsp.CurvePoint
	for f := 31.25; f <= 16001; f *= 2 {
		pts = append(pts, dsp.CurvePoint{FreqHz: f, GainDB: 12*r.Float() - 6})
	}
	return pts
}

// curveError returns the largest |Response - Target| from lo to hi Hz.
func curveError(c *dsp.CurveEQ, lo, hi float64) float64 {
	e := 0.0
	for f := lo; f <= hi; f *= 1.005 {
		e = max(e, math.Abs(c.Response(f)-c.Target(f)))
	}
	return e
}

func TestCurveEQFollowsRandomCurves(t *testing.T) {
	r := synth.NewRand(11)
	trials := 12
	if testing.Short() {
		trials = 3
	}
	for _, fs := range []float64{44100, 48000, 96000} {
		worst := 0.0
		for range trials {
			pts := randomCurve(r)
			c := dsp.NewCurveEQ(pts, 12, 12)
			prepared(t, c, fs, 2)
			e := curveError(c, 30, 16000)
			if e > 0.5 {
				t.Errorf("%g Hz: curve %v followed within %.3f dB from 30 Hz to 16 kHz", fs, pts, e)
			}
			worst = max(worst, e)
			// Fit reports the error over 25 Hz to 20 kHz (0.45·fs at most).
			within(t, "Fit()", c.Fit(), curveError(c, 25, min(20000, 0.45*fs)), 0.02)
		}
		t.Logf("%g Hz: random ±6 dB curves followed within %.3f dB from 30 Hz to 16 kHz", fs, worst)
	}
}

// At 2 bells per octave (two thirds of the sections) the same random curves,
// which move at octave spacing, are still followed closely.
func TestCurveEQSparseBells(t *testing.T) {
	r := synth.NewRand(12)
	for _, fs := range []float64{44100, 48000, 96000} {
		worst := 0.0
		for range 6 {
			pts := randomCurve(r)
			dense, sparse := dsp.NewCurveEQ(pts, 12, 12), dsp.NewCurveEQ(pts, 12, 12)
			sparse.SetBellsPerOctave(2)
			prepared(t, dense, fs, 2)
			prepared(t, sparse, fs, 2)
			if len(sparse.Gains()) > len(dense.Gains())*2/3+2 {
				t.Errorf("%d sections at 2 per octave, %d at 3", len(sparse.Gains()), len(dense.Gains()))
			}
			e := curveError(sparse, 30, 16000)
			if e > 0.5 {
				t.Errorf("%g Hz: curve %v followed within %.3f dB at 2 bells per octave", fs, pts, e)
			}
			worst = max(worst, e)
		}
		t.Logf("%g Hz: 2 bells per octave follow random curves within %.3f dB from 30 Hz to 16 kHz", fs, worst)
	}
}

// A smooth curve given at the ISO third-octave centres, as a spectrum
// analyser would give it.
func TestCurveEQThirdOctaves(t *testing.T) {
	var pts []dsp.CurvePoint
	for _, f := range dsp.ISOThirdOctaveHz {
		x := math.Log2(f / 25)
		pts = append(pts, dsp.CurvePoint{FreqHz: f, GainDB: 4*math.Sin(0.9*x) - 0.3*x + 1})
	}
	c := dsp.NewCurveEQ(pts, 8, 8)
	prepared(t, c, 44100, 2)
	for _, p := range pts {
		within(t, fmt.Sprintf("target at %g Hz", p.FreqHz), c.Target(p.FreqHz), p.GainDB, 1e-12)
	}
	if e := curveError(c, 30, 16000); e > 0.5 {
		t.Errorf("third-octave curve followed within %.3f dB", e)
	}
	t.Logf("third-octave curve: followed within %.3f dB from 30 Hz to 16 kHz, Fit %.3f dB", curveError(c, 30, 16000), c.Fit())
}

// The target interpolates the points without overshoot, is flat outside
// them and clipped to the limits.
func TestCurveEQTarget(t *testing.T) {
	pts := []dsp.CurvePoint{{1000, 6}, {100, 0}, {200, 3}, {400, 3.5}, {4000, -9}}
	c := dsp.NewCurveEQ(pts, 5, 4)
	for _, p := range pts {
		within(t, fmt.Sprintf("target at %g Hz", p.FreqHz), c.Target(p.FreqHz), min(max(p.GainDB, -4), 5), 1e-12)
	}
	within(t, "below the first point", c.Target(20), 0, 0)
	within(t, "above the last point", c.Target(15000), -4, 0)
	prev := c.Target(100)
	for f := 100.0; f <= 1000; f *= 1.01 {
		v := c.Target(f)
		if v < prev-1e-12 || v > 5 {
			t.Errorf("target not monotonic between rising points: %.4f after %.4f at %.1f Hz", v, prev, f)
			break
		}
		prev = v
	}
	// Clipped to +5 dB near 1 kHz, and the filter follows the clipped
	// curve.
	prepared(t, c, 48000, 1)
	within(t, "response at 1 kHz (clipped to +5 dB)", c.Response(1000), 5, 0.5)
	within(t, "response at 10 kHz (clipped to -4 dB)", c.Response(10000), -4, 0.5)
}

// SetAmount scales the curve in dB, refits without allocating, and glides
// without clicks.
func TestCurveEQSetAmount(t *testing.T) {
	const fs = 48000
	pts := []dsp.CurvePoint{{60, 4}, {250, -3}, {2000, 2}, {10000, 5}}
	c := dsp.NewCurveEQ(pts, 6, 6)
	prepared(t, c, fs, 1)
	full := make(map[float64]float64)
	for _, f := range []float64{60, 250, 2000, 10000} {
		full[f] = c.Target(f)
	}
	if a := testing.AllocsPerRun(3, func() { c.SetAmount(0.7) }); a != 0 {
		t.Errorf("SetAmount allocates %.1f times", a)
	}
	c.Reset()
	in := synth.Sine(fs, 1, fs/2, 250, 0.5, 0)
	hdr := make(audio.Buffer, 1)
	out := audio.NewBuffer(1, fs/2)
	audio.Copy(out, in)
	c.SetAmount(1)
	c.Reset()
	c.Process(out.Slice(hdr, 0, fs/4))
	c.SetAmount(0.5)
	if c.Amount() != 0.5 {
		t.Errorf("Amount() = %g", c.Amount())
	}
	c.Process(out.Slice(hdr, fs/4, fs/2))
	maxStep := 0.5 * 2 * math.Pi * 250 / fs * 1.2
	for i := 100; i < out.Frames(); i++ { // after the start-up transient
		if d := math.Abs(float64(out[0][i] - out[0][i-1])); d > maxStep {
			t.Fatalf("step of %.4f at frame %d", d, i)
		}
	}
	for f, g := range full {
		within(t, fmt.Sprintf("half-amount target at %g Hz", f), c.Target(f), g/2, 1e-12)
		within(t, fmt.Sprintf("half-amount response at %g Hz", f), c.Response(f), g/2, 0.25)
	}
	within(t, "after the glide, sine gain at 250 Hz", sineGainDB(t, c, fs, 250), c.Response(250), 0.01)
	c.SetAmount(0)
	if e := curveError(c, 20, 20000); e > 1e-12 {
		t.Errorf("amount 0 leaves %.2g dB", e)
	}
}

func TestCurveEQConformance(t *testing.T) {
	f := func() dsp.Processor {
		return dsp.NewCurveEQ([]dsp.CurvePoint{{40, 3}, {300, -2}, {3000, 1.5}, {12000, 4}}, 6, 6)
	}
	dsptest.Run(t, f, dsptest.Options{Seconds: confSeconds()})
	dsptest.CheckLatency(t, func() dsp.Processor {
		return dsp.NewCurveEQ([]dsp.CurvePoint{{8000, 0}, {16000, 2}}, 6, 6)
	}, dsp.Spec{SampleRate: 48000, Channels: 2, MaxFrames: 256}, 0.1)
}

func TestCurveEQValidation(t *testing.T) {
	spec := dsp.Spec{SampleRate: 48000, Channels: 2, MaxFrames: 64}
	for _, c := range []struct {
		pts       []dsp.CurvePoint
		boost, cu float64
		want      string
	}{
		{nil, 6, 6, "no points"},
		{[]dsp.CurvePoint{{100, 1}, {100, 2}}, 6, 6, "two points at 100 Hz"},
		{[]dsp.CurvePoint{{0, 1}}, 6, 6, "freq_hz 0 out of range (1 Hz to 100 kHz)"},
		{[]dsp.CurvePoint{{100, 50}}, 6, 6, "gain_db 50 out of range (-40 to 40 dB)"},
		{[]dsp.CurvePoint{{100, 1}}, 30, 6, "max boost 30 dB out of range (0 to 24 dB)"},
		{[]dsp.CurvePoint{{100, 1}}, 6, -1, "max cut -1 dB out of range (0 to 24 dB)"},
	} {
		eq := dsp.NewCurveEQ(c.pts, c.boost, c.cu)
		if err := eq.Prepare(spec); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want an error containing %q", c.pts, err, c.want)
		}
		if !math.IsNaN(eq.Response(1000)) || !math.IsNaN(eq.Fit()) || !math.IsNaN(eq.Target(1000)) {
			t.Errorf("%v: an invalid curve reports numbers", c.pts)
		}
	}
}

func ExampleCurveEQ() {
	// A tonal-balance correction: a little more low end, a dip in the low
	// mids, more air.
	eq := dsp.NewCurveEQ([]dsp.CurvePoint{
		{FreqHz: 50, GainDB: 2}, {FreqHz: 300, GainDB: -1.5}, {FreqHz: 3000, GainDB: 0}, {FreqHz: 12000, GainDB: 3},
	}, 4, 4)
	if err := eq.Prepare(dsp.Spec{SampleRate: 44100, Channels: 2, MaxFrames: 512}); err != nil {
		panic(err)
	}
	for _, f := range []float64{50, 300, 1000, 12000} {
		fmt.Printf("%5.0f Hz: target %+.2f dB, realised %+.2f dB\n", f, eq.Target(f), eq.Response(f))
	}
	fmt.Printf("followed within %.2f dB\n", eq.Fit())
	eq.SetAmount(0.5) // half the correction, gliding there without a click
	// Output:
	//    50 Hz: target +2.00 dB, realised +2.01 dB
	//   300 Hz: target -1.50 dB, realised -1.49 dB
	//  1000 Hz: target -1.01 dB, realised -1.02 dB
	// 12000 Hz: target +3.00 dB, realised +3.01 dB
	// followed within 0.09 dB
}

// A curve EQ (32 sections) on 44.1 kHz stereo.
func BenchmarkCurveEQ(b *testing.B) {
	benchRealTime(b, dsp.NewCurveEQ([]dsp.CurvePoint{{50, 2}, {300, -1.5}, {3000, 0}, {12000, 3}}, 4, 4))
}

// Fitting a curve EQ's 32 gains to a new amount of its curve.
func BenchmarkCurveEQFit(b *testing.B) {
	eq := dsp.NewCurveEQ([]dsp.CurvePoint{{50, 2}, {300, -1.5}, {3000, 0}, {12000, 3}}, 4, 4)
	if err := eq.Prepare(dsp.Spec{SampleRate: 44100, Channels: 2, MaxFrames: 512}); err != nil {
		b.Fatal(err)
	}
	for i := 0; b.Loop(); i++ {
		eq.SetAmount(0.5 + 0.5*float64(i%2))
	}
}

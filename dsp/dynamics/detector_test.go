package dynamics

import (
	"math"
	"testing"

	"github.com/mixdown/mixdown/dsp/truepeak"
	"github.com/mixdown/mixdown/internal/refmeter"
	"github.com/mixdown/mixdown/internal/synth"
)

// The limiter's detector against the analytic peak of Gaussian tone bursts
// s(t) = exp(-((t-t0)/σ)²)·sin(2πf(t-t0)+φ), whose samples' true peak is
// the maximum of s itself, at sub-sample positions t0 and phases φ: it may
// read high (that only costs a little level) but must not read low beyond
// the interpolation filter's own passband error.
func TestDetectorAccuracy(t *testing.T) {
	for _, factor := range []int{4, 8, 16} {
		clamp := 1 / math.Cos(math.Pi/float64(2*factor))
		d := newTPDetector(truepeak.Design(factor, detectorTaps), 1000, clamp, 200000)
		// Limits (dB): the under-read of the parabola model for a sine
		// grows as (f/factor)⁴, the over-read bound c/16 as (f/factor)².
		lim := map[int][4]float64{4: {0.002, 0.03, 0.01, 0.1}, 8: {0.0005, 0.008, 0.0005, 0.03}, 16: {0.0005, 0.003, 0.0005, 0.008}}[factor]
		for _, band := range []struct{ lo, hi, under, over float64 }{
			{0.005, 0.2, lim[0], lim[1]},
			{0.2, 0.4, lim[2], lim[3]},
		} {
			under, over := 0.0, 0.0
			for fn := band.lo; fn <= band.hi; fn += 0.0171 {
				for k := 0; k < 24; k++ {
					t0 := 500 + float64(k)/24
					phi := float64(k) * 0.77
					const sigma = 25.0
					s := func(t float64) float64 {
						return math.Exp(-math.Pow((t-t0)/sigma, 2)) * math.Sin(2*math.Pi*fn*(t-t0)+phi)
					}
					x := make([]float32, 1000)
					for i := range x {
						x[i] = float32(0.8 * s(float64(i)))
					}
					// The analytic peak: a fine scan, then golden-section
					// refinement around the best point.
					best := t0
					for tt := t0 - 60; tt < t0+60; tt += 1.0 / 64 {
						if math.Abs(s(tt)) > math.Abs(s(best)) {
							best = tt
						}
					}
					a, b := best-1.0/64, best+1.0/64
					for range 60 {
						m1, m2 := b-(b-a)*0.618, a+(b-a)*0.618
						if math.Abs(s(m1)) > math.Abs(s(m2)) {
							b = m2
						} else {
							a = m1
						}
					}
					truth := 0.8 * math.Abs(s((a+b)/2))
					d.reset()
					q := make([]float64, 1000)
					d.run(q, x)
					m := 0.0
					for _, v := range q {
						m = math.Max(m, v)
					}
					e := 20 * math.Log10(m/truth)
					under = math.Max(under, -e)
					over = math.Max(over, e)
				}
			}
			t.Logf("%2dx, %.3f to %.3f of the rate: under-read %.4f dB, over-read %.4f dB", factor, band.lo, band.hi, under, over)
			if under > band.under || over > band.over {
				t.Errorf("%dx, %.3f to %.3f of the rate: under-read %.4f dB (limit %g), over-read %.4f dB (limit %.3g)", factor, band.lo, band.hi, under, band.under, over, band.over)
			}
		}
	}
}

// The meter-compatible reading matches libebur128's true peak.
func TestMeterFilterMatchesLibebur128(t *testing.T) {
	for _, rate := range []int{44100, 48000, 96000} {
		worst := 0.0
		for seed := uint64(1); seed <= 6; seed++ {
			x := songSegment(rate, seed, float64(seed), 1)
			synth.Gain(x, 2)
			x = x[:1]
			d := newTPDetector(truepeak.Design(8, detectorTaps), x.Frames(), 1, float64(rate))
			// The meter's reading alone: the samples (its phase 0) and its
			// other phases.
			got := 0.0
			h := d.taps - 1
			w := d.work[:h+x.Frames()]
			for i, v := range x[0] {
				w[h+i] = float64(v)
				got = math.Max(got, math.Abs(float64(v)))
			}
			for _, r := range d.compat {
				c := d.crow[:x.Frames()]
				firAbs(c, w[d.compatStart:], r)
				for _, v := range c {
					got = math.Max(got, v)
				}
			}
			want := refmeter.Libebur128(t, x, rate).MaxTruePeakDB()
			worst = math.Max(worst, math.Abs(20*math.Log10(got)-want))
		}
		t.Logf("%d Hz: largest difference from libebur128 %.6f dB", rate, worst)
		if worst > 1e-4 {
			t.Errorf("%d Hz: the meter-compatible reading differs from libebur128 by %.6f dB", rate, worst)
		}
	}
}

// TestDetectorSkip checks that skipping quiet stretches changes no reading
// that matters: wherever the full computation reads above the threshold
// the skipping detector reads the same, elsewhere at most the threshold;
// and on music at a limiter's level some stretches are skipped.
func TestDetectorSkip(t *testing.T) {
	const rate = 44100
	song := synth.SongBuffer(rate, 6, 5)[0]
	for _, thr := range []float64{0.05, 0.3, 0.6, 2} {
		for _, block := range []int{1, 37, 64, 500, 4096} {
			full := newTPDetector(truepeak.Design(8, detectorTaps), 4096, 1.02, rate)
			skip := newTPDetector(truepeak.Design(8, detectorTaps), 4096, 1.02, rate)
			skip.skipUnder(thr)
			qf, qs := make([]float64, 4096), make([]float64, 4096)
			skipped, differ := 0, 0
			for off := 0; off < len(song); off += block {
				x := song[off:min(off+block, len(song))]
				full.run(qf[:len(x)], x)
				skip.run(qs[:len(x)], x)
				for i := range x {
					switch {
					case qf[i] > thr && qs[i] != qf[i]:
						differ++
					case qf[i] <= thr && qs[i] > thr:
						differ++
					case qs[i] == 0 && qf[i] > 0:
						skipped++
					}
				}
			}
			if block == 4096 {
				t.Logf("threshold %g: %.0f %% of frames skipped (gain bound %.3f)", thr, 100*float64(skipped)/float64(len(song)), skip.gain)
			}
			if differ > 0 {
				t.Errorf("threshold %g, blocks of %d: %d readings differ", thr, block, differ)
			}
			if thr == 0.6 && block >= 64 && skipped < len(song)/10 {
				t.Errorf("threshold %g, blocks of %d: only %d of %d frames skipped", thr, block, skipped, len(song))
			}
		}
	}
}

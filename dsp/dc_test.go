package dsp_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/dsp"
	"github.com/mixdown/mixdown/dsp/dsptest"
)

func TestDCConformance(t *testing.T) {
	dsptest.Run(t, func() dsp.Processor { return dsp.NewDCBlock() }, dsptest.Options{Seconds: confSeconds()})
	dsptest.Run(t, func() dsp.Processor { return dsp.NewSubsonic(25) }, dsptest.Options{Seconds: confSeconds()})
	dsptest.Run(t, func() dsp.Processor { return dsp.NewHumNotch(60, 8, 10) }, dsptest.Options{Seconds: confSeconds()})
}

func TestDCBlock(t *testing.T) {
	const fs = 48000
	d := dsp.NewDCBlock()
	prepared(t, d, fs, 2)
	in := audio.NewBuffer(2, 2*fs)
	for c := range in {
		for i := range in[c] {
			in[c][i] = 0.1 + 0.3*float32(math.Sin(2*math.Pi*1000*float64(i)/fs))
		}
	}
	out := process(d, in, 512)
	mean := 0.0
	for _, v := range out[0][fs:] {
		mean += float64(v)
	}
	mean /= fs
	if math.Abs(mean) > 1e-5 {
		t.Errorf("DC left after a second: %g", mean)
	}
	within(t, "DC blocker at 20 Hz (dB)", sineGainDB(t, prepared(t, dsp.NewDCBlock(), fs, 1), fs, 20), -0.26, 0.01)
	within(t, "DC blocker at 50 Hz (dB)", sineGainDB(t, prepared(t, dsp.NewDCBlock(), fs, 1), fs, 50), -0.04, 0.01)
}

// Each hum harmonic is removed by at least 40 dB (measured with a sine);
// half-way between harmonics and an octave below the mains frequency the
// response stays within 0.5 dB.
func TestHumNotch(t *testing.T) {
	for _, fs := range []float64{44100, 96000} {
		for _, mains := range []float64{50, 60} {
			const harmonics, q = 10, 10
			h := dsp.NewHumNotch(mains, harmonics, q)
			prepared(t, h, fs, 1)
			if h.Notches() != harmonics {
				t.Errorf("%d notches, want %d", h.Notches(), harmonics)
			}
			for k := 1; k <= harmonics; k++ {
				f := float64(k) * mains
				if d := h.Response(f); d > -100 {
					t.Errorf("%g Hz mains at %g Hz: notch only %.1f dB deep at harmonic %d", mains, fs, d, k)
				}
				if !testing.Short() || k == 1 || k == harmonics {
					if d := sineGainDB(t, prepared(t, dsp.NewHumNotch(mains, harmonics, q), fs, 1), fs, f); d > -40 {
						t.Errorf("%g Hz mains at %g Hz: a sine at harmonic %d loses only %.1f dB", mains, fs, k, -d)
					}
				}
				mid := (float64(k) + 0.5) * mains
				within(t, fmt.Sprintf("%g Hz mains: half-way above harmonic %d (dB)", mains, k), h.Response(mid), 0, 0.5)
			}
			within(t, "an octave below the mains frequency (dB)", h.Response(mains/2), 0, 0.5)
			within(t, "an octave above the highest notch (dB)", h.Response(2*harmonics*mains), 0, 0.5)
		}
	}
	// Harmonics at or above 0.49 × the sample rate are left out.
	h := dsp.NewHumNotch(60, 100, 10)
	prepared(t, h, 8000, 1)
	if h.Notches() != 65 {
		t.Errorf("at 8 kHz, %d notches for 100 harmonics of 60 Hz, want 65", h.Notches())
	}
}

func TestHumNotchValidation(t *testing.T) {
	spec := dsp.Spec{SampleRate: 48000, Channels: 1, MaxFrames: 64}
	for _, c := range []struct {
		h    *dsp.HumNotch
		want string
	}{
		{dsp.NewHumNotch(5, 4, 10), "mains_hz 5 out of range (10 to 1000 Hz)"},
		{dsp.NewHumNotch(50, 0, 10), "harmonics 0 out of range (1 to 100)"},
		{dsp.NewHumNotch(50, 4, 0.5), "q 0.5 out of range (1 to 1000)"},
	} {
		if err := c.h.Prepare(spec); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v, want an error containing %q", err, c.want)
		}
	}
	if r := dsp.NewHumNotch(50, 4, 10).Response(100); !math.IsNaN(r) {
		t.Errorf("Response before Prepare = %g, want NaN", r)
	}
}

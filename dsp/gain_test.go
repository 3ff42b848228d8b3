package dsp_test

import (
	"math"
	"strings"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/dsp"
	"github.com/mixdown/mixdown/dsp/dsptest"
	"github.com/mixdown/mixdown/internal/synth"
)

func TestGainConformance(t *testing.T) {
	for _, p := range []dsp.GainParams{{GainDB: -6}, {GainDB: 3, Invert: true}, {}} {
		dsptest.Run(t, func() dsp.Processor { return dsp.NewGain(p) }, dsptest.Options{Seconds: confSeconds()})
		dsptest.CheckLatency(t, func() dsp.Processor { return dsp.NewGain(p) }, dsp.Spec{SampleRate: 48000, Channels: 2, MaxFrames: 64}, 0.01)
	}
	// A glide is block-size independent too.
	in := synth.SongBuffer(48000, 0.5, 2)
	var ref audio.Buffer
	for _, block := range []int{512, 1, 7, 64} {
		g := dsp.NewGain(dsp.GainParams{GainDB: -6, SmoothingMS: 50})
		prepared(t, g, 48000, 2)
		g.SetGainDB(3)
		out := process(g, in, block)
		if ref == nil {
			ref = out
			continue
		}
		for c := range ref {
			for i := range ref[c] {
				if out[c][i] != ref[c][i] {
					t.Fatalf("gliding in blocks of %d: frame %d differs", block, i)
				}
			}
		}
	}
}

func TestGain(t *testing.T) {
	const fs = 48000
	in := synth.WhiteNoise(fs, 2, 1000, 0.2, 1)
	for _, p := range []dsp.GainParams{{GainDB: -6}, {GainDB: 12, Invert: true}, {GainDB: 0}} {
		g := dsp.NewGain(p)
		prepared(t, g, fs, 2)
		out := process(g, in, 100)
		want := math.Pow(10, p.GainDB/20)
		if p.Invert {
			want = -want
		}
		for c := range in {
			for i := range in[c] {
				if out[c][i] != float32(float64(in[c][i])*want) {
					t.Fatalf("%+v: frame %d is %g, want %g", p, i, out[c][i], float64(in[c][i])*want)
				}
			}
		}
	}
}

// SetGainDB and SetInvert glide smoothly to their targets.
func TestGainGlide(t *testing.T) {
	const fs = 48000
	g := dsp.NewGain(dsp.GainParams{GainDB: 0, SmoothingMS: 10})
	prepared(t, g, fs, 1)
	ones := audio.NewBuffer(1, fs/3)
	for i := range ones[0] {
		ones[0][i] = 1
	}
	g.SetGainDB(-20)
	out := process(g, ones, 64)
	// A one-pole glide: after one time constant 63 % of the way in linear
	// gain, settled (within 1e-9) after about 21.
	within(t, "gain after 10 ms", float64(out[0][480]), 1-0.9*(1-math.Exp(-481.0/480)), 1e-4)
	within(t, "gain after 100 ms", float64(out[0][fs/10]), 0.1+0.9*math.Exp(-10), 1e-5)
	within(t, "gain after 333 ms", float64(out[0][fs/3-1]), 0.1, 1e-7)
	within(t, "GainDB() after the glide", g.GainDB(), -20, 1e-6)
	g.SetInvert(true)
	out = process(g, ones, 64)
	for i := 1; i < out.Frames(); i++ {
		if math.Abs(float64(out[0][i]-out[0][i-1])) > 0.01 {
			t.Fatalf("polarity change steps by %g at frame %d", out[0][i]-out[0][i-1], i)
		}
	}
	within(t, "inverted gain at the end", float64(out[0][out.Frames()-1]), -0.1, 1e-6)
	buf := audio.NewBuffer(2, 512)
	g.SetGainDB(6)
	if a := testing.AllocsPerRun(5, func() { g.Process(buf) }); a != 0 {
		t.Errorf("Process allocates %.1f times", a)
	}
}

func TestGainValidation(t *testing.T) {
	spec := dsp.Spec{SampleRate: 48000, Channels: 2, MaxFrames: 64}
	for _, c := range []struct {
		p    dsp.GainParams
		want string
	}{
		{dsp.GainParams{GainDB: 50}, "gain_db 50 out of range (-120 to 40 dB)"},
		{dsp.GainParams{GainDB: math.Inf(-1)}, "gain_db -Inf out of range"},
		{dsp.GainParams{SmoothingMS: -1}, "smoothing_ms -1 out of range (0.1 to 1000 ms, or 0 for 20 ms)"},
	} {
		if err := dsp.NewGain(c.p).Prepare(spec); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error containing %q", c.p, err, c.want)
		}
	}
}

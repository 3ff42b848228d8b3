package dsp_test

import (
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/dsp"
	"github.com/mixdown/mixdown/dsp/dsptest"
)

// cascadeProc adapts Cascade to the Processor contract for the suite.
type cascadeProc struct{ c *dsp.Cascade }

func (p *cascadeProc) Prepare(s dsp.Spec) error {
	p.c = dsp.NewCascade(s.Channels, dsp.HighPass(30, 0.7071, s.SampleRate), dsp.LowPass(8000, 0.7071, s.SampleRate), dsp.Peak(1000, 4, 9, s.SampleRate))
	return nil
}
func (p *cascadeProc) Process(b audio.Buffer) { p.c.Process(b) }
func (p *cascadeProc) Reset()                 { p.c.Reset() }
func (p *cascadeProc) Latency() int           { return 0 }

func TestCascadeConformance(t *testing.T) {
	dsptest.Run(t, func() dsp.Processor { return &cascadeProc{} }, dsptest.Options{Seconds: 2})
}

// TestSections runs a designed cascade through the suite and checks that
// it filters as its sections do, that it may join a batch, and that an
// unstable design is refused.
func TestSections(t *testing.T) {
	design := func(fs float64) []dsp.Coefs {
		return []dsp.Coefs{dsp.AllPass(300, 0.54, fs), dsp.HighPass(40, 0.7071, fs), dsp.Peak(2500, 1.2, -4, fs)}
	}
	dsptest.Run(t, func() dsp.Processor { return dsp.NewSections(design) }, dsptest.Options{Seconds: 2})

	const rate = 48000
	s := dsp.NewSections(design)
	if err := s.Prepare(dsp.Spec{SampleRate: rate, Channels: 1, MaxFrames: 4096}); err != nil {
		t.Fatal(err)
	}
	if !dsp.IsStaticCascade(s) {
		t.Error("prepared Sections is not a static cascade")
	}
	x := audio.NewBuffer(1, 4096)
	x[0][0] = 1
	ref := dsp.NewCascade(1, design(rate)...)
	y := audio.NewBuffer(1, 4096)
	copy(y[0], x[0])
	s.Process(x)
	ref.Process(y)
	for i := range x[0] {
		if d := x[0][i] - y[0][i]; d > 1e-6 || d < -1e-6 {
			t.Fatalf("impulse response differs from the sections' at %d: %g vs %g", i, x[0][i], y[0][i])
		}
	}
	bad := dsp.NewSections(func(float64) []dsp.Coefs { return []dsp.Coefs{{B0: 1, A1: -2.5, A2: 1.2}} })
	if err := bad.Prepare(dsp.Spec{SampleRate: rate, Channels: 1, MaxFrames: 64}); err == nil {
		t.Error("unstable section accepted")
	}
}

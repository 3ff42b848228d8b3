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

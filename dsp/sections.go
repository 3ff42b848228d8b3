package dsp

import (
	"fmt"

	"github.com/mixdown/mixdown/audio"
)

// Sections is a fixed cascade of second-order sections designed elsewhere
// (a crossover's all-pass, a filter made by another package), as a
// Processor with the same engine as Filter: transposed direct form II
// with float64 state, flushed of subnormals every 64 frames. It can join
// a CascadeBatch. It has no latency.
type Sections struct {
	design func(fs float64) []Coefs
	bank   *sosBank
}

// NewSections returns the cascade whose sections design returns for a
// sample rate in Hz (called by Prepare; every section must be stable).
func NewSections(design func(fs float64) []Coefs) *Sections {
	return &Sections{design: design}
}

// Prepare designs the sections for spec's sample rate.
func (s *Sections) Prepare(spec Spec) error {
	if err := spec.Validate(); err != nil {
		return err
	}
	cs := s.design(spec.SampleRate)
	for i, c := range cs {
		if !c.Stable() {
			return fmt.Errorf("dsp: section %d of %d is unstable: %+v", i+1, len(cs), c)
		}
	}
	s.bank = newSOSBank(spec.Channels, cs)
	return nil
}

// Process filters buf in place.
func (s *Sections) Process(buf audio.Buffer) { s.bank.process(buf) }

// Reset clears the state.
func (s *Sections) Reset() { s.bank.reset() }

// Latency is 0 frames.
func (s *Sections) Latency() int { return 0 }

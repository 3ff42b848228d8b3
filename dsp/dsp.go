// Package dsp defines the Processor contract every mixdown effect follows,
// and small building blocks shared by the effects in its subpackages:
// biquad sections and their designs, filters, crossovers, delay lines and
// parameter smoothing.
//
// The contract, checked for every processor by dsp/dsptest:
//   - Prepare(spec) allocates everything and may fail (an unsupported channel
//     count, a parameter that makes no sense at this sample rate).
//   - Process(buf) works in place on at most spec.MaxFrames frames. It never
//     allocates, never fails and never blocks. Its output does not depend on
//     how a stream is cut into buffers: 1, 7, 64 or MaxFrames frames at a
//     time give bit-identical results.
//   - Reset() returns the processor to its state just after Prepare.
//   - Latency() is the delay the processor adds, in frames, so that the mix
//     graph can align parallel paths.
//
// Audio is planar float32 (audio.Buffer); state, envelopes and coefficients
// are float64. Processors flush subnormal numbers themselves.
package dsp

import (
	"fmt"

	"github.com/mixdown/mixdown/audio"
)

// Spec describes the stream a Processor is prepared for.
type Spec struct {
	// SampleRate in Hz.
	SampleRate float64
	// Channels of the buffers Process receives.
	Channels int
	// MaxFrames is the largest buffer Process receives.
	MaxFrames int
}

// Validate reports whether the spec is usable.
func (s Spec) Validate() error {
	switch {
	case !(s.SampleRate >= audio.MinSampleRate && s.SampleRate <= audio.MaxSampleRate):
		return fmt.Errorf("dsp: sample rate %g Hz out of range", s.SampleRate)
	case s.Channels < 1 || s.Channels > audio.MaxChannels:
		return fmt.Errorf("dsp: %d channels out of range", s.Channels)
	case s.MaxFrames < 1 || s.MaxFrames > 1<<20:
		return fmt.Errorf("dsp: MaxFrames %d out of range (1 to 1048576)", s.MaxFrames)
	}
	return nil
}

// Processor transforms audio in place. See the package documentation for
// the contract.
type Processor interface {
	Prepare(spec Spec) error
	Process(buf audio.Buffer)
	Reset()
	Latency() int
}

// Keyed is a Processor whose behaviour is driven by a key (sidechain)
// signal: a compressor ducking a bass under the kick, a de-esser listening
// to a filtered copy. ProcessKeyed processes buf using key, which has the
// same number of frames and any number of channels (a processor combines
// them, e.g. by their maximum); Process(buf) is ProcessKeyed(buf, buf).
type Keyed interface {
	Processor
	ProcessKeyed(buf, key audio.Buffer)
}

// Chain runs processors in series. It is itself a Processor whose latency
// is the sum of its members'.
type Chain []Processor

// Prepare prepares every member.
func (c Chain) Prepare(spec Spec) error {
	for i, p := range c {
		if err := p.Prepare(spec); err != nil {
			return fmt.Errorf("stage %d: %w", i+1, err)
		}
	}
	return nil
}

// Process runs every member on buf in order.
func (c Chain) Process(buf audio.Buffer) {
	for _, p := range c {
		p.Process(buf)
	}
}

// Reset resets every member.
func (c Chain) Reset() {
	for _, p := range c {
		p.Reset()
	}
}

// Latency returns the sum of the members' latencies in frames.
func (c Chain) Latency() int {
	n := 0
	for _, p := range c {
		n += p.Latency()
	}
	return n
}

// FlushDenormal returns 0 for magnitudes below 1e-30, so that filter and
// envelope state decaying in silence never reaches the slow subnormal range.
func FlushDenormal(x float64) float64 {
	if x > -1e-30 && x < 1e-30 {
		return 0
	}
	return x
}

// DBToGain converts decibels to a linear amplitude factor.
func DBToGain(db float64) float64 { return pow10(db / 20) }

// GainToDB converts a linear amplitude factor to decibels (-Inf for 0).
func GainToDB(g float64) float64 { return 20 * log10(g) }

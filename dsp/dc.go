package dsp

import (
	"fmt"
	"math"
	"math/cmplx"

	"github.com/mixdown/mixdown/audio"
)

// DCBlockHz is the -3 dB corner of DCBlock, in Hz.
const DCBlockHz = 5.0

// DCBlock removes DC offset: a first-order high-pass with its -3 dB
// corner at DCBlockHz (5 Hz), the bilinear transform of s/(s+ωc). It costs
// 0.26 dB at 20 Hz and nothing measurable above 50 Hz; for a steeper
// subsonic filter use NewSubsonic. It has no latency.
type DCBlock struct{ bank *sosBank }

// NewDCBlock returns a DC blocker.
func NewDCBlock() *DCBlock { return &DCBlock{} }

// Prepare allocates the state.
func (d *DCBlock) Prepare(spec Spec) error {
	if err := spec.Validate(); err != nil {
		return err
	}
	d.bank = newSOSBank(spec.Channels, []Coefs{firstOrder(true, DCBlockHz, spec.SampleRate)})
	return nil
}

// Process filters buf in place.
func (d *DCBlock) Process(buf audio.Buffer) { d.bank.process(buf) }

// Reset clears the state.
func (d *DCBlock) Reset() { d.bank.reset() }

// Latency is 0 frames.
func (d *DCBlock) Latency() int { return 0 }

// HumNotch removes mains hum: a notch at the mains frequency and at each
// of its harmonics below 0.49 × the sample rate. Every notch has the same
// width in Hz, mainsHz/q at -3 dB (the notch at harmonic k has Q = k·q), so
// the notches stay narrow and the music between the harmonics is left
// alone: with q = 10 at 50 Hz (5 Hz wide notches) the response is within
// 0.2 dB of flat half-way between harmonics and an octave below the mains
// frequency. Each notch is the bilinear transform prewarped at its
// frequency, so it reaches zero gain exactly there. It has no latency.
type HumNotch struct {
	mainsHz   float64
	harmonics int
	q         float64
	fs        float64
	bank      *sosBank
}

// NewHumNotch returns a hum remover for mains at mainsHz (10 to 1000 Hz,
// usually 50 or 60) with notches at harmonics 1 … harmonics (1 to 100) of
// width mainsHz/q at -3 dB (q from 1 to 1000; 10 to 30 suits most hum).
// The arguments are validated by Prepare.
func NewHumNotch(mainsHz float64, harmonics int, q float64) *HumNotch {
	return &HumNotch{mainsHz: mainsHz, harmonics: harmonics, q: q}
}

// Prepare validates the parameters and designs the notches for spec.
func (h *HumNotch) Prepare(spec Spec) error {
	if err := spec.Validate(); err != nil {
		return err
	}
	switch {
	case !(h.mainsHz >= 10 && h.mainsHz <= 1000):
		return fmt.Errorf("dsp: hum notch mains_hz %g out of range (10 to 1000 Hz)", h.mainsHz)
	case h.harmonics < 1 || h.harmonics > 100:
		return fmt.Errorf("dsp: hum notch harmonics %d out of range (1 to 100)", h.harmonics)
	case !(h.q >= 1 && h.q <= 1000):
		return fmt.Errorf("dsp: hum notch q %g out of range (1 to 1000)", h.q)
	case h.mainsHz > 0.49*spec.SampleRate:
		return fmt.Errorf("dsp: hum notch mains_hz %g above 0.49 × sample rate", h.mainsHz)
	}
	h.fs = spec.SampleRate
	h.bank = newSOSBank(spec.Channels, h.design(h.fs))
	return nil
}

func (h *HumNotch) design(fs float64) []Coefs {
	var cs []Coefs
	for k := 1; k <= h.harmonics; k++ {
		f := float64(k) * h.mainsHz
		if f > 0.49*fs {
			break
		}
		cs = append(cs, Notch(f, float64(k)*h.q, fs))
	}
	return cs
}

// Notches returns the number of notches in use (harmonics below 0.49 × the
// sample rate), 0 before Prepare.
func (h *HumNotch) Notches() int {
	if h.bank == nil {
		return 0
	}
	return len(h.bank.coefs)
}

// Process filters buf in place.
func (h *HumNotch) Process(buf audio.Buffer) { h.bank.process(buf) }

// Reset clears the state.
func (h *HumNotch) Reset() { h.bank.reset() }

// Latency is 0 frames.
func (h *HumNotch) Latency() int { return 0 }

// Response returns the gain in dB at freq Hz at the prepared sample rate
// (NaN before Prepare).
func (h *HumNotch) Response(freq float64) (db float64) {
	if h.bank == nil {
		return math.NaN()
	}
	return 20 * math.Log10(cmplx.Abs(responseOf(h.bank.coefs, freq, h.fs)))
}

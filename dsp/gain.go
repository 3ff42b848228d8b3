package dsp

import (
	"fmt"
	"math"

	"github.com/mixdown/mixdown/audio"
)

// GainParams configure a Gain.
type GainParams struct {
	// GainDB is the gain in dB, -120 to +40.
	GainDB float64 `json:"gain_db" yaml:"gain_db"`
	// Invert flips the polarity.
	Invert bool `json:"invert,omitempty" yaml:"invert,omitempty"`
	// SmoothingMS is the time constant in milliseconds with which changes
	// made by SetGainDB and SetInvert take effect, 0.1 to 1000; 0 selects
	// 20 ms.
	SmoothingMS float64 `json:"smoothing_ms,omitempty" yaml:"smoothing_ms,omitempty"`
}

// Validate checks the parameters.
func (p GainParams) Validate() error {
	if !(p.GainDB >= -120 && p.GainDB <= 40) {
		return fmt.Errorf("dsp: gain gain_db %g out of range (-120 to 40 dB)", p.GainDB)
	}
	if p.SmoothingMS != 0 && !(p.SmoothingMS >= 0.1 && p.SmoothingMS <= 1000) {
		return fmt.Errorf("dsp: gain smoothing_ms %g out of range (0.1 to 1000 ms, or 0 for 20 ms)", p.SmoothingMS)
	}
	return nil
}

func (p GainParams) factor() float64 {
	g := DBToGain(p.GainDB)
	if p.Invert {
		return -g
	}
	return g
}

// Gain multiplies the signal by a gain, optionally inverting its polarity.
// Changes glide exponentially (a one-pole smoother on the linear factor,
// stepped every sample), so automation does not click; a polarity change
// glides through zero. It has no latency.
type Gain struct {
	p      GainParams
	g      Smoother
	moving bool
}

// NewGain returns a gain with parameters p, validated by Prepare.
func NewGain(p GainParams) *Gain { return &Gain{p: p} }

// Params returns the parameters (the targets of any glide in progress).
func (g *Gain) Params() GainParams { return g.p }

// Prepare validates the parameters.
func (g *Gain) Prepare(spec Spec) error {
	if err := spec.Validate(); err != nil {
		return err
	}
	if err := g.p.Validate(); err != nil {
		return err
	}
	ms := g.p.SmoothingMS
	if ms == 0 {
		ms = 20
	}
	g.g.SetTime(ms/1000, spec.SampleRate)
	g.g.Jump(g.p.factor())
	g.moving = false
	return nil
}

// SetGainDB sets the gain in dB (clamped to -120 … +40).
func (g *Gain) SetGainDB(db float64) {
	g.p.GainDB = min(max(db, -120), 40)
	g.retarget()
}

// SetInvert sets the polarity inversion.
func (g *Gain) SetInvert(invert bool) {
	g.p.Invert = invert
	g.retarget()
}

func (g *Gain) retarget() {
	g.g.SetTarget(g.p.factor())
	g.moving = g.g.Value() != g.g.Target()
}

// Process applies the gain to buf in place.
func (g *Gain) Process(buf audio.Buffer) {
	n := buf.Frames()
	i := 0
	if g.moving {
		for ; i < n && g.moving; i++ {
			v := g.g.Next()
			if g.g.Settled() {
				v = g.g.Value()
				g.moving = false
			}
			for _, x := range buf {
				x[i] = float32(float64(x[i]) * v)
			}
		}
	}
	if i == n {
		return
	}
	v := g.g.Value()
	if v == 1 {
		return
	}
	for _, x := range buf {
		x = x[i:n]
		for j, s := range x {
			x[j] = float32(float64(s) * v)
		}
	}
}

// Reset jumps a glide in progress to its target.
func (g *Gain) Reset() {
	g.g.Jump(g.g.Target())
	g.moving = false
}

// Latency is 0 frames.
func (g *Gain) Latency() int { return 0 }

// GainDB returns the present gain in dB (during a glide, where it has got
// to; -Inf when a polarity glide passes through zero).
func (g *Gain) GainDB() float64 { return GainToDB(math.Abs(g.g.Value())) }

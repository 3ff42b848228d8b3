package session

import (
	"github.com/mixdown/mixdown/dsp"
	"github.com/mixdown/mixdown/dsp/dynamics"
	"github.com/mixdown/mixdown/dsp/fx"
)

// The processor kinds sessions can use. Each decodes its YAML keys straight
// into the processor's own parameter struct, starting from its defaults, and
// the processor validates them.
func init() {
	Register("highpass", "high-pass filter, 6 to 48 dB/octave, Butterworth or Linkwitz-Riley (dsp.Filter)",
		dsp.FilterParams{Type: "highpass", FreqHz: 80, SlopeDBOct: 12}, validated(dsp.FilterParams.Validate, dsp.NewFilter), Hide("type"))
	Register("lowpass", "low-pass filter, 6 to 48 dB/octave, Butterworth or Linkwitz-Riley (dsp.Filter)",
		dsp.FilterParams{Type: "lowpass", FreqHz: 12000, SlopeDBOct: 12}, validated(dsp.FilterParams.Validate, dsp.NewFilter), Hide("type"))
	Register("eq", "parametric EQ: bells, shelves, notches, high/low/band-passes (dsp.EQ)",
		dsp.EQParams{}, validated(dsp.EQParams.Validate, dsp.NewEQ))
	Register("gain", "gain and polarity (dsp.Gain)",
		dsp.GainParams{}, validated(dsp.GainParams.Validate, dsp.NewGain))
	Register("compressor", "compressor: soft knee, peak or RMS detector, lookahead, parallel mix, sidechain (dynamics.Compressor)",
		dynamics.DefaultCompressorParams(), validated(dynamics.CompressorParams.Validate, dynamics.NewCompressor))
	Register("gate", "noise gate with hold, hysteresis and sidechain filters (dynamics.Gate)",
		dynamics.DefaultGateParams(), validated(dynamics.GateParams.Validate, dynamics.NewGate))
	expander := dynamics.DefaultGateParams()
	expander.Ratio, expander.RangeDB, expander.AttackMS, expander.HoldMS, expander.ReleaseMS = 2, -20, 2, 0, 150
	Register("expander", "downward expander: a gate with a gentle ratio and range (dynamics.Gate)",
		expander, validated(dynamics.GateParams.Validate, dynamics.NewGate))
	Register("deesser", "de-esser: split-band or wideband reduction of sibilance (dynamics.DeEsser)",
		dynamics.DefaultDeEsserParams(), validated(dynamics.DeEsserParams.Validate, dynamics.NewDeEsser))
	Register("limiter", "true-peak lookahead limiter (dynamics.Limiter)",
		dynamics.DefaultLimiterParams(), validated(dynamics.LimiterParams.Validate, dynamics.NewLimiter))
	Register("reverb", "algorithmic stereo reverb (fx.Reverb)",
		fx.DefaultReverbParams(), validated(fx.ReverbParams.Validate, fx.NewReverb))
	Register("delay", "echo with feedback, tempo sync, filtering and ping-pong (fx.Delay)",
		fx.DefaultDelayParams(), validated(fx.DelayParams.Validate, fx.NewDelay))
	Register("saturation", "oversampled waveshaper: tanh, soft or tube curve (fx.Saturation)",
		fx.DefaultSaturationParams(), validated(fx.SaturationParams.Validate, fx.NewSaturation), Rename("curve", "type"))
	Register("width", "stereo width with mono bass, balance and channel swap (fx.Width)",
		fx.DefaultWidthParams(), validated(fx.WidthParams.Validate, fx.NewWidth))
}

// validated makes a kind's constructor: the parameters are checked (those
// that do not depend on the sample rate; Prepare checks the rest), then the
// processor is made.
func validated[P any, T dsp.Processor](validate func(P) error, newProc func(P) T) func(P) (dsp.Processor, error) {
	return func(p P) (dsp.Processor, error) {
		if err := validate(p); err != nil {
			return nil, err
		}
		return newProc(p), nil
	}
}

package dynamics

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/dsp"
)

// GateParams configure a Gate: a noise gate or, with a small ratio and
// range, a downward expander. Start from DefaultGateParams.
type GateParams struct {
	// ThresholdDB is the key level at which the gate opens (dBFS peak,
	// -120 to 0).
	ThresholdDB float64 `json:"threshold_db" yaml:"threshold_db"`
	// RangeDB is the gain when fully closed (dB, -120 to 0): -80 is a
	// gate, -10 a gentle expander.
	RangeDB float64 `json:"range_db" yaml:"range_db"`
	// Ratio is the downward expansion ratio while closed (1 to +Inf): each
	// dB the key falls under the threshold lowers the gain by Ratio−1 dB,
	// down to RangeDB. A large ratio (20 or more) makes a gate.
	Ratio float64 `json:"ratio" yaml:"ratio"`
	// AttackMS is the opening time: the gain covers 1−1/e of the way from
	// its closed value to 1 in this time (ms, 0 to 1000).
	AttackMS float64 `json:"attack_ms" yaml:"attack_ms"`
	// HoldMS keeps the gate open for this long after the key falls below
	// the closing threshold (ms, 0 to 5000).
	HoldMS float64 `json:"hold_ms" yaml:"hold_ms"`
	// ReleaseMS is the closing time: the gain covers 1−1/e of the way down
	// in this time (ms, 0 to 10000). The gain moves in the linear domain,
	// so a closing gate fades out at a steady 8.7 dB per ReleaseMS.
	ReleaseMS float64 `json:"release_ms" yaml:"release_ms"`
	// HysteresisDB puts the closing threshold this far under the opening
	// one, so that a key hovering at the threshold does not make the gate
	// chatter (dB, 0 to 24).
	HysteresisDB float64 `json:"hysteresis_db" yaml:"hysteresis_db"`
	// SidechainHPHz and SidechainLPHz band-limit the key with 12 dB/octave
	// Butterworth filters (Hz, 0 = off; 10 to 20000 and below 0.45 × the
	// sample rate; the high-pass below the low-pass), e.g. to open a gate on
	// a tom but not on the cymbals bleeding into its microphone.
	SidechainHPHz float64 `json:"sidechain_hp_hz" yaml:"sidechain_hp_hz"`
	SidechainLPHz float64 `json:"sidechain_lp_hz" yaml:"sidechain_lp_hz"`
}

// DefaultGateParams returns a drum gate: threshold -40 dBFS, range -80 dB,
// ratio 100, 0.5 ms attack, 20 ms hold, 100 ms release, 4 dB hysteresis,
// no sidechain filters.
func DefaultGateParams() GateParams {
	return GateParams{ThresholdDB: -40, RangeDB: -80, Ratio: 100, AttackMS: 0.5, HoldMS: 20, ReleaseMS: 100, HysteresisDB: 4}
}

// UnmarshalJSON decodes p starting from DefaultGateParams.
func (p *GateParams) UnmarshalJSON(b []byte) error {
	type plain GateParams
	q := plain(DefaultGateParams())
	if err := json.Unmarshal(b, &q); err != nil {
		return err
	}
	*p = GateParams(q)
	return nil
}

// UnmarshalYAML decodes p starting from DefaultGateParams (see
// CompressorParams.UnmarshalYAML).
func (p *GateParams) UnmarshalYAML(unmarshal func(any) error) error {
	type plain GateParams
	q := plain(DefaultGateParams())
	if err := unmarshal(&q); err != nil {
		return err
	}
	*p = GateParams(q)
	return nil
}

// Validate reports the first parameter out of range.
func (p GateParams) Validate() error {
	const who = "gate"
	switch {
	case !inRange(p.ThresholdDB, -120, 0):
		return rangeErr(who, "threshold_db", p.ThresholdDB, "-120 to 0 dB")
	case !inRange(p.RangeDB, -120, 0):
		return rangeErr(who, "range_db", p.RangeDB, "-120 to 0 dB")
	case !(p.Ratio >= 1):
		return rangeErr(who, "ratio", p.Ratio, "1 to +Inf")
	case !inRange(p.AttackMS, 0, 1000):
		return rangeErr(who, "attack_ms", p.AttackMS, "0 to 1000 ms")
	case !inRange(p.HoldMS, 0, 5000):
		return rangeErr(who, "hold_ms", p.HoldMS, "0 to 5000 ms")
	case !inRange(p.ReleaseMS, 0, 10000):
		return rangeErr(who, "release_ms", p.ReleaseMS, "0 to 10000 ms")
	case !inRange(p.HysteresisDB, 0, 24):
		return rangeErr(who, "hysteresis_db", p.HysteresisDB, "0 to 24 dB")
	case p.SidechainHPHz != 0 && !inRange(p.SidechainHPHz, 10, 20000):
		return rangeErr(who, "sidechain_hp_hz", p.SidechainHPHz, "0 = off, or 10 to 20000 Hz")
	case p.SidechainLPHz != 0 && !inRange(p.SidechainLPHz, 10, 20000):
		return rangeErr(who, "sidechain_lp_hz", p.SidechainLPHz, "0 = off, or 10 to 20000 Hz")
	case p.SidechainHPHz != 0 && p.SidechainLPHz != 0 && p.SidechainLPHz <= p.SidechainHPHz:
		return rangeErr(who, "sidechain_lp_hz", p.SidechainLPHz, fmt.Sprintf("above sidechain_hp_hz %g Hz", p.SidechainHPHz))
	}
	return nil
}

// gateDetectorReleaseMS is the release of the gate's key envelope (a peak
// follower with instantaneous attack): short enough that the gate closes
// promptly, long enough that the envelope of a tone above 100 Hz dips by
// under 1 dB between its peaks. Hold and hysteresis cover lower notes.
const gateDetectorReleaseMS = 5

// Gate is a noise gate and downward expander. The key (the programme
// itself, or a sidechain of any channel count, through optional high- and
// low-pass filters; the loudest channel counts) drives a peak envelope
// with instant attack and a 5 ms release. The gate opens when the envelope
// reaches the threshold and closes when it has stayed under the threshold
// less the hysteresis for the hold time. Open, the gain target is 1;
// closed, it is (envelope/threshold)^(Ratio−1), but not under RangeDB. The
// gain moves towards its target with the attack (rising) and release
// (falling) one-poles in the linear domain, and is applied to every
// channel. It implements dsp.Keyed; Latency is 0.
type Gate struct {
	p                       GateParams
	key                     keyFilter
	env, g                  float64
	open                    bool
	holdLeft, holdFrames    int
	envRel, attA, relA      float64
	openLin, closeLin       float64
	rangeLin, expo, lnRange float64
	lnThr                   float64
	stats                   grStats
	prepared                bool
}

// NewGate returns a gate with the given parameters; Prepare validates them.
func NewGate(p GateParams) *Gate { return &Gate{p: p} }

// Params returns the parameters.
func (g *Gate) Params() GateParams { return g.p }

// Prepare validates the parameters for spec and allocates the state.
func (g *Gate) Prepare(spec dsp.Spec) error {
	if err := spec.Validate(); err != nil {
		return err
	}
	p := g.p
	if err := p.Validate(); err != nil {
		return err
	}
	fs := spec.SampleRate
	var coefs []dsp.Coefs
	if p.SidechainHPHz > 0 {
		if p.SidechainHPHz >= 0.45*fs {
			return rangeErr("gate", "sidechain_hp_hz", p.SidechainHPHz, fmt.Sprintf("below %g Hz at %g Hz", 0.45*fs, fs))
		}
		coefs = append(coefs, dsp.HighPass(p.SidechainHPHz, math.Sqrt2/2, fs))
	}
	if p.SidechainLPHz > 0 {
		if p.SidechainLPHz >= 0.45*fs {
			return rangeErr("gate", "sidechain_lp_hz", p.SidechainLPHz, fmt.Sprintf("below %g Hz at %g Hz", 0.45*fs, fs))
		}
		coefs = append(coefs, dsp.LowPass(p.SidechainLPHz, math.Sqrt2/2, fs))
	}
	g.key.prepare(coefs...)
	g.envRel = OnePoleCoef(gateDetectorReleaseMS, fs)
	g.attA = OnePoleCoef(p.AttackMS, fs)
	g.relA = OnePoleCoef(p.ReleaseMS, fs)
	g.holdFrames = int(math.Round(p.HoldMS * fs / 1000))
	g.openLin = dbToGain(p.ThresholdDB)
	g.closeLin = dbToGain(p.ThresholdDB - p.HysteresisDB)
	g.rangeLin = dbToGain(p.RangeDB)
	g.lnRange = -p.RangeDB * math.Ln10 / 20 // -ln(rangeLin) ≥ 0
	g.expo = p.Ratio - 1
	g.lnThr = math.Log(g.openLin)
	g.prepared = true
	g.Reset()
	return nil
}

// Reset closes the gate and clears the detector and the statistics.
func (g *Gate) Reset() {
	g.key.reset()
	g.env = 0
	g.open = false
	g.holdLeft = 0
	g.g = g.rangeLin
	g.stats.reset()
}

// Latency returns 0.
func (g *Gate) Latency() int { return 0 }

// Stats returns the gain-reduction (attenuation) statistics since Prepare
// or Reset.
func (g *Gate) Stats() GainReductionStats { return g.stats.stats() }

// GainReductionDB returns the attenuation of the last frame (dB, ≥ 0).
func (g *Gate) GainReductionDB() float64 { return g.stats.cur }

// Open reports whether the gate was open at the last frame.
func (g *Gate) Open() bool { return g.open }

// Process gates buf in place, keyed by itself.
func (g *Gate) Process(buf audio.Buffer) { g.ProcessKeyed(buf, buf) }

// closedTarget returns the gain target of a closed gate for envelope env.
func (g *Gate) closedTarget(env float64) float64 {
	if g.expo == 0 {
		return 1 // ratio 1: no expansion
	}
	if !(env > 0) {
		return g.rangeLin
	}
	// (env/threshold)^(Ratio−1) = e^-x with x = (Ratio−1)·ln(threshold/env).
	x := g.expo * (g.lnThr - lnFast(env))
	if !(x < g.lnRange) { // also NaN: Inf·0 for an infinite ratio at the threshold
		return g.rangeLin
	}
	if x <= 0 {
		return 1
	}
	return expNeg(x)
}

// ProcessKeyed gates buf in place, driven by key (same frames, any number
// of channels; the loudest channel counts).
func (g *Gate) ProcessKeyed(buf, key audio.Buffer) {
	if !g.prepared {
		panic("dynamics: Gate.ProcessKeyed before Prepare")
	}
	checkKey("Gate", buf, key)
	kc := key.Channels()
	filtered := g.key.active()
	for i := 0; i < buf.Frames(); i++ {
		lv := 0.0
		for k := 0; k < kc; k++ {
			v := float64(key[k][i])
			if filtered {
				v = g.key.next(k, v)
			}
			lv = max(lv, math.Abs(v))
		}
		if lv > g.env {
			g.env = lv
		} else {
			g.env = dsp.FlushDenormal(g.env + g.envRel*(lv-g.env))
		}
		switch {
		case g.env >= g.openLin:
			g.open, g.holdLeft = true, g.holdFrames
		case g.open && g.env < g.closeLin:
			if g.holdLeft > 0 {
				g.holdLeft--
			} else {
				g.open = false
			}
		case g.open:
			g.holdLeft = g.holdFrames // in the hysteresis band: stay open
		}
		t := 1.0
		if !g.open {
			t = g.closedTarget(g.env)
		}
		a := g.relA
		if t > g.g {
			a = g.attA
		}
		gg := g.g + a*(t-g.g)
		if math.Abs(t-gg) < 1e-9*t { // arrived: snap, so an open gate is exactly unity
			gg = t
		}
		g.g = gg
		if gg == 1 {
			g.stats.addIdle(1)
			continue
		}
		for ch := range buf {
			buf[ch][i] = float32(float64(buf[ch][i]) * gg)
		}
		g.stats.add(-lnFast(gg) * (20 / math.Ln10))
	}
}

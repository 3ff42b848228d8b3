package dynamics

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/dsp"
)

// De-esser modes of DeEsserParams.Mode.
const (
	// DeEsserSplit attenuates only the sibilant band around FreqHz.
	DeEsserSplit = "split"
	// DeEsserWideband attenuates the whole signal while sibilance lasts.
	DeEsserWideband = "wideband"
)

// DeEsserParams configure a DeEsser. Start from DefaultDeEsserParams.
type DeEsserParams struct {
	// FreqHz is the centre of the sibilant band (Hz, 2000 to 16000 and
	// below 0.45 × the sample rate; usually 4000 to 10000).
	FreqHz float64 `json:"freq_hz" yaml:"freq_hz"`
	// ThresholdDB is the peak level of the band-passed key above which the
	// band is reduced (dBFS, -80 to 0).
	ThresholdDB float64 `json:"threshold_db" yaml:"threshold_db"`
	// RangeDB is the largest reduction, as a gain (dB, -40 to 0; -6 cuts
	// sibilance by at most 6 dB).
	RangeDB float64 `json:"range_db" yaml:"range_db"`
	// Mode is DeEsserSplit ("split") or DeEsserWideband ("wideband").
	Mode string `json:"mode" yaml:"mode"`
	// Q is the quality of the band-pass used to detect, and in split mode
	// to attenuate, the band (0.3 to 10; bandwidth = FreqHz/Q).
	Q float64 `json:"q" yaml:"q"`
}

// DefaultDeEsserParams returns a split-band de-esser at 7 kHz, Q 1,
// threshold -30 dBFS, at most 6 dB of reduction.
func DefaultDeEsserParams() DeEsserParams {
	return DeEsserParams{FreqHz: 7000, ThresholdDB: -30, RangeDB: -6, Mode: DeEsserSplit, Q: 1}
}

// UnmarshalJSON decodes p starting from DefaultDeEsserParams.
func (p *DeEsserParams) UnmarshalJSON(b []byte) error {
	type plain DeEsserParams
	q := plain(DefaultDeEsserParams())
	if err := json.Unmarshal(b, &q); err != nil {
		return err
	}
	*p = DeEsserParams(q)
	return nil
}

// UnmarshalYAML decodes p starting from DefaultDeEsserParams (see
// CompressorParams.UnmarshalYAML).
func (p *DeEsserParams) UnmarshalYAML(unmarshal func(any) error) error {
	type plain DeEsserParams
	q := plain(DefaultDeEsserParams())
	if err := unmarshal(&q); err != nil {
		return err
	}
	*p = DeEsserParams(q)
	return nil
}

// Validate reports the first parameter out of range.
func (p DeEsserParams) Validate() error {
	const who = "de-esser"
	switch {
	case !inRange(p.FreqHz, 2000, 16000):
		return rangeErr(who, "freq_hz", p.FreqHz, "2000 to 16000 Hz")
	case !inRange(p.ThresholdDB, -80, 0):
		return rangeErr(who, "threshold_db", p.ThresholdDB, "-80 to 0 dB")
	case !inRange(p.RangeDB, -40, 0):
		return rangeErr(who, "range_db", p.RangeDB, "-40 to 0 dB")
	case p.Mode != DeEsserSplit && p.Mode != DeEsserWideband:
		return rangeErr(who, "mode", fmt.Sprintf("%q", p.Mode), `"split" or "wideband"`)
	case !inRange(p.Q, 0.3, 10):
		return rangeErr(who, "q", p.Q, "0.3 to 10")
	}
	return nil
}

// The de-esser's detector ballistics (ms) and the width of its soft knee
// (dB): fast enough to catch the onset of an "s", slow enough to hold over
// the gaps of its noise.
const (
	deEsserAttackMS  = 1
	deEsserReleaseMS = 60
	deEsserKneeDB    = 6
)

// DeEsser reduces sibilance. The key (the programme, or a sidechain of any
// channel count; the loudest channel counts) goes through two band-passes
// at FreqHz in series (Audio EQ Cookbook, 0 dB peak gain; 12 dB/octave
// skirts keep a voice's harmonics out of the detector); the amount by
// which its peak level exceeds the threshold, through a 6 dB soft knee, is
// the gain reduction, capped at −RangeDB and smoothed in dB with a 1 ms
// attack and a 60 ms release.
//
// In split mode the output is x − (1−g)·bp(x), where bp is the same
// band-pass on the programme: because the cookbook band-pass and notch with
// the same frequency and Q sum to exactly x, this is notch(x) + g·bp(x), a
// bell of depth g centred on FreqHz whose skirts leave the rest of the
// spectrum alone (a 7 kHz, Q 1 bell cut by 6 dB changes 1 kHz by 0.05 dB),
// and which is exactly x when g is 1. In wideband mode the output is g·x.
// It implements dsp.Keyed; Latency is 0.
type DeEsser struct {
	p          DeEsserParams
	key        keyFilter
	prog       keyFilter // the band-pass on the programme (split mode)
	cv         curve
	maxGR      float64
	kneeStart  float64 // linear level below which the reduction is 0
	attA, relA float64
	gr         float64
	split      bool
	stats      grStats
	prepared   bool
}

// NewDeEsser returns a de-esser with the given parameters; Prepare
// validates them.
func NewDeEsser(p DeEsserParams) *DeEsser { return &DeEsser{p: p} }

// Params returns the parameters.
func (d *DeEsser) Params() DeEsserParams { return d.p }

// Prepare validates the parameters for spec and allocates the state.
func (d *DeEsser) Prepare(spec dsp.Spec) error {
	if err := spec.Validate(); err != nil {
		return err
	}
	p := d.p
	if err := p.Validate(); err != nil {
		return err
	}
	fs := spec.SampleRate
	if p.FreqHz >= 0.45*fs {
		return rangeErr("de-esser", "freq_hz", p.FreqHz, fmt.Sprintf("below %g Hz at %g Hz", 0.45*fs, fs))
	}
	bp := dsp.BandPass(p.FreqHz, p.Q, fs)
	d.key.prepare(bp, bp)
	d.prog.prepare(bp)
	d.cv = curve{thr: p.ThresholdDB, knee: deEsserKneeDB, slope: 1}
	d.maxGR = -p.RangeDB
	d.kneeStart = dbToGain(p.ThresholdDB - deEsserKneeDB/2)
	d.attA = OnePoleCoef(deEsserAttackMS, fs)
	d.relA = OnePoleCoef(deEsserReleaseMS, fs)
	d.split = p.Mode == DeEsserSplit
	d.prepared = true
	d.Reset()
	return nil
}

// Reset clears the filters, the detector and the statistics.
func (d *DeEsser) Reset() {
	d.key.reset()
	d.prog.reset()
	d.gr = 0
	d.stats.reset()
}

// Latency returns 0.
func (d *DeEsser) Latency() int { return 0 }

// Stats returns the gain-reduction statistics since Prepare or Reset (of
// the band in split mode, of the whole signal in wideband mode).
func (d *DeEsser) Stats() GainReductionStats { return d.stats.stats() }

// GainReductionDB returns the reduction of the last frame (dB, ≥ 0).
func (d *DeEsser) GainReductionDB() float64 { return d.stats.cur }

// Process de-esses buf in place, keyed by itself.
func (d *DeEsser) Process(buf audio.Buffer) { d.ProcessKeyed(buf, buf) }

// ProcessKeyed de-esses buf in place, driven by key (same frames, any
// number of channels; the loudest channel counts).
func (d *DeEsser) ProcessKeyed(buf, key audio.Buffer) {
	if !d.prepared {
		panic("dynamics: DeEsser.ProcessKeyed before Prepare")
	}
	checkKey("DeEsser", buf, key)
	kc := key.Channels()
	for i := 0; i < buf.Frames(); i++ {
		lv := 0.0
		for k := 0; k < kc; k++ {
			lv = max(lv, math.Abs(d.key.next(k, float64(key[k][i]))))
		}
		t := 0.0
		if lv > d.kneeStart {
			t = min(d.cv.gr(gainToDB(lv)), d.maxGR)
		}
		a := d.relA
		if t > d.gr {
			a = d.attA
		}
		gr := d.gr + a*(t-d.gr)
		if gr < 1e-9 {
			gr = 0
		}
		d.gr = gr
		if d.split {
			// The band-pass runs on every frame so that its state is
			// current when reduction starts.
			cut := 0.0
			if gr > 0 {
				cut = 1 - dbToGain(-gr)
			}
			for ch := range buf {
				x := float64(buf[ch][i])
				b := d.prog.next(ch, x)
				if cut != 0 {
					buf[ch][i] = float32(x - cut*b)
				}
			}
		} else if gr > 0 {
			g := dbToGain(-gr)
			for ch := range buf {
				buf[ch][i] = float32(float64(buf[ch][i]) * g)
			}
		}
		if gr > 0 {
			d.stats.add(gr)
		} else {
			d.stats.addIdle(1)
		}
	}
}

package dynamics

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/dsp"
)

// Level detectors of CompressorParams.Detector.
const (
	// DetectorPeak compares the instantaneous absolute sample value of the
	// key with the threshold.
	DetectorPeak = "peak"
	// DetectorRMS compares the RMS level of the key over RMSWindowMS with
	// the threshold (a full-scale sine reads −3 dBFS).
	DetectorRMS = "rms"
)

// CompressorParams configure a Compressor. Start from
// DefaultCompressorParams: StereoLink and Mix default to true and 1, not to
// their zero values.
type CompressorParams struct {
	// ThresholdDB is the level above which the gain is reduced (dBFS,
	// -100 to 20).
	ThresholdDB float64 `json:"threshold_db" yaml:"threshold_db"`
	// Ratio is the compression ratio above the threshold (1 to +Inf): 4
	// means a level 8 dB over the threshold comes out 2 dB over. +Inf (YAML
	// .inf) holds the level at the threshold, a limiter within the attack
	// time.
	Ratio float64 `json:"ratio" yaml:"ratio"`
	// KneeDB is the width of the soft knee centred on the threshold (dB, 0
	// to 48; 0 is a hard knee). Inside it the curve is quadratic.
	KneeDB float64 `json:"knee_db" yaml:"knee_db"`
	// AttackMS is the time the gain reduction takes to cover 1−1/e of a
	// step increase (ms, 0 to 1000; 0 is instantaneous).
	AttackMS float64 `json:"attack_ms" yaml:"attack_ms"`
	// ReleaseMS is the time the gain reduction takes to cover 1−1/e of a
	// step decrease (ms, 0 to 10000).
	ReleaseMS float64 `json:"release_ms" yaml:"release_ms"`
	// MakeupDB is a gain applied after compression (dB, -40 to 40).
	MakeupDB float64 `json:"makeup_db" yaml:"makeup_db"`
	// AutoMakeup adds half the static curve's gain reduction at 0 dBFS to
	// MakeupDB. (The full amount, as Giannoulis et al. suggest, brings
	// peaks back to full scale and overshoots on most programme.)
	AutoMakeup bool `json:"auto_makeup" yaml:"auto_makeup"`
	// Detector is DetectorPeak ("peak") or DetectorRMS ("rms").
	Detector string `json:"detector" yaml:"detector"`
	// RMSWindowMS is the time constant of the RMS detector's mean square
	// (ms, 0.1 to 1000); used with Detector "rms".
	RMSWindowMS float64 `json:"rms_window_ms" yaml:"rms_window_ms"`
	// SidechainHPHz is the cutoff of a 12 dB/octave Butterworth high-pass
	// applied to the key before detection, so that bass does not drive the
	// compressor (Hz, 0 = off, else 10 to 5000 and below 0.45 × the sample
	// rate).
	SidechainHPHz float64 `json:"sidechain_hp_hz" yaml:"sidechain_hp_hz"`
	// StereoLink applies one gain, driven by the loudest key channel, to
	// every channel (default true). Unlinked, each channel is driven by its
	// own key channel when the key has as many channels as the programme,
	// and by the loudest key channel otherwise.
	StereoLink bool `json:"stereo_link" yaml:"stereo_link"`
	// LookaheadMS delays the programme but not the key, so the gain moves
	// before the transient arrives (ms, 0 to 100). Latency reports it.
	LookaheadMS float64 `json:"lookahead_ms" yaml:"lookahead_ms"`
	// Mix blends the compressed signal with the dry one for parallel
	// compression (0 to 1; 1 = fully compressed, the default). Makeup
	// applies to the compressed signal only.
	Mix float64 `json:"mix" yaml:"mix"`
}

// DefaultCompressorParams returns a gentle bus compressor: threshold
// -20 dBFS, ratio 4, 6 dB knee, 10 ms attack, 100 ms release, peak
// detector (10 ms RMS window when switched to "rms"), stereo linked, no
// lookahead, fully wet.
func DefaultCompressorParams() CompressorParams {
	return CompressorParams{ThresholdDB: -20, Ratio: 4, KneeDB: 6, AttackMS: 10, ReleaseMS: 100,
		Detector: DetectorPeak, RMSWindowMS: 10, StereoLink: true, Mix: 1}
}

// UnmarshalJSON decodes p starting from DefaultCompressorParams, so absent
// fields keep their defaults.
func (p *CompressorParams) UnmarshalJSON(b []byte) error {
	type plain CompressorParams
	q := plain(DefaultCompressorParams())
	if err := json.Unmarshal(b, &q); err != nil {
		return err
	}
	*p = CompressorParams(q)
	return nil
}

// UnmarshalYAML decodes p starting from DefaultCompressorParams, so absent
// fields keep their defaults. (This is the yaml packages' function-based
// unmarshaler interface, which spares this package a YAML import.)
func (p *CompressorParams) UnmarshalYAML(unmarshal func(any) error) error {
	type plain CompressorParams
	q := plain(DefaultCompressorParams())
	if err := unmarshal(&q); err != nil {
		return err
	}
	*p = CompressorParams(q)
	return nil
}

// Validate reports the first parameter out of range.
func (p CompressorParams) Validate() error {
	const who = "compressor"
	switch {
	case !inRange(p.ThresholdDB, -100, 20):
		return rangeErr(who, "threshold_db", p.ThresholdDB, "-100 to 20 dB")
	case !(p.Ratio >= 1):
		return rangeErr(who, "ratio", p.Ratio, "1 to +Inf")
	case !inRange(p.KneeDB, 0, 48):
		return rangeErr(who, "knee_db", p.KneeDB, "0 to 48 dB")
	case !inRange(p.AttackMS, 0, 1000):
		return rangeErr(who, "attack_ms", p.AttackMS, "0 to 1000 ms")
	case !inRange(p.ReleaseMS, 0, 10000):
		return rangeErr(who, "release_ms", p.ReleaseMS, "0 to 10000 ms")
	case !inRange(p.MakeupDB, -40, 40):
		return rangeErr(who, "makeup_db", p.MakeupDB, "-40 to 40 dB")
	case p.Detector != DetectorPeak && p.Detector != DetectorRMS:
		return rangeErr(who, "detector", fmt.Sprintf("%q", p.Detector), `"peak" or "rms"`)
	case !inRange(p.RMSWindowMS, 0.1, 1000):
		return rangeErr(who, "rms_window_ms", p.RMSWindowMS, "0.1 to 1000 ms")
	case p.SidechainHPHz != 0 && !inRange(p.SidechainHPHz, 10, 5000):
		return rangeErr(who, "sidechain_hp_hz", p.SidechainHPHz, "0 = off, or 10 to 5000 Hz")
	case !inRange(p.LookaheadMS, 0, 100):
		return rangeErr(who, "lookahead_ms", p.LookaheadMS, "0 to 100 ms")
	case !inRange(p.Mix, 0, 1):
		return rangeErr(who, "mix", p.Mix, "0 to 1")
	}
	return nil
}

// StaticGainReductionDB returns the gain reduction (dB, ≥ 0, makeup not
// included) of the static curve for a steady detector level in dBFS: with
// threshold T, ratio R and knee width W (Giannoulis et al. 2012, eq. 4),
// 0 below T − W/2, (1 − 1/R)·(x − T + W/2)²/(2W) inside the knee and
// (1 − 1/R)·(x − T) above T + W/2.
func (p CompressorParams) StaticGainReductionDB(levelDB float64) float64 {
	return curve{thr: p.ThresholdDB, knee: p.KneeDB, slope: 1 - 1/p.Ratio}.gr(levelDB)
}

// MakeupGainDB returns the total makeup gain (dB): MakeupDB plus the
// automatic part when AutoMakeup is set.
func (p CompressorParams) MakeupGainDB() float64 {
	if p.AutoMakeup {
		return p.MakeupDB + 0.5*p.StaticGainReductionDB(0)
	}
	return p.MakeupDB
}

// curve is a soft-knee downward compression curve in dB.
type curve struct{ thr, knee, slope float64 }

func (c curve) gr(x float64) float64 {
	d := x - c.thr
	switch {
	case 2*d <= -c.knee:
		return 0
	case 2*d >= c.knee:
		return c.slope * d
	}
	s := d + c.knee/2
	return c.slope * s * s / (2 * c.knee)
}

// Compressor is a feed-forward compressor: the key's level (peak or RMS,
// after an optional sidechain high-pass) goes through a soft-knee static
// curve in dB, the resulting gain reduction is smoothed in the dB domain
// by attack and release one-poles (the log-domain "smooth branching"
// detector of Giannoulis et al. 2012), and the programme, delayed by the
// lookahead, is multiplied by the gain. It implements dsp.Keyed.
type Compressor struct {
	p                CompressorParams
	cv               curve
	kneeStartPow     float64 // detector power below which the gain reduction is 0
	rms              bool
	rmsA, attA, relA float64
	makeup, mix      float64 // linear makeup, wet share
	hp               keyFilter
	ms               []float64 // RMS mean square per key channel
	gr               []float64 // smoothed gain reduction per gain path (dB)
	lastGR, lastG    []float64 // cache of the gain factor per path
	kp               compLanes // lane 0: the gain computer (linked), lanes 1-3 idle
	pw, gains        []float32 // gainChunk frames × 4 lanes of scratch (linked)
	grs              []float64
	delay            [][]float32
	pos              int
	stats            grStats
	prepared         bool
	grTrace          []float64 // when set, ProcessKeyed records each frame's gain reduction (dB)
}

// NewCompressor returns a compressor with the given parameters; Prepare
// validates them.
func NewCompressor(p CompressorParams) *Compressor { return &Compressor{p: p} }

// Params returns the parameters.
func (c *Compressor) Params() CompressorParams { return c.p }

// Prepare validates the parameters for spec and allocates the state.
func (c *Compressor) Prepare(spec dsp.Spec) error {
	if err := spec.Validate(); err != nil {
		return err
	}
	p := c.p
	if err := p.Validate(); err != nil {
		return err
	}
	fs := spec.SampleRate
	if p.SidechainHPHz >= 0.45*fs {
		return rangeErr("compressor", "sidechain_hp_hz", p.SidechainHPHz, fmt.Sprintf("below %g Hz at %g Hz", 0.45*fs, fs))
	}
	c.cv = curve{thr: p.ThresholdDB, knee: p.KneeDB, slope: 1 - 1/p.Ratio}
	c.kneeStartPow = math.Pow(10, (p.ThresholdDB-p.KneeDB/2)/10)
	c.rms = p.Detector == DetectorRMS
	c.rmsA = OnePoleCoef(p.RMSWindowMS, fs)
	c.attA = OnePoleCoef(p.AttackMS, fs)
	c.relA = OnePoleCoef(p.ReleaseMS, fs)
	c.makeup = dbToGain(p.MakeupGainDB())
	c.mix = p.Mix
	if p.SidechainHPHz > 0 {
		c.hp.prepare(dsp.HighPass(p.SidechainHPHz, math.Sqrt2/2, fs))
	} else {
		c.hp.prepare()
	}
	c.ms = make([]float64, audio.MaxChannels)
	c.gr = make([]float64, spec.Channels)
	c.lastGR = make([]float64, spec.Channels)
	c.lastG = make([]float64, spec.Channels)
	c.pw = make([]float32, 4*gainChunk)
	c.gains = make([]float32, 4*gainChunk)
	c.grs = make([]float64, 4*gainChunk)
	for l := 1; l < 4; l++ {
		c.kp.idleLane(l)
	}
	c.kp.setLane(0, c)
	la := int(math.Round(p.LookaheadMS * fs / 1000))
	c.delay = nil
	if la > 0 {
		c.delay = make([][]float32, spec.Channels)
		for ch := range c.delay {
			c.delay[ch] = make([]float32, la)
		}
	}
	c.prepared = true
	c.Reset()
	return nil
}

// Reset clears the detector, the gain, the lookahead delay and the
// statistics.
func (c *Compressor) Reset() {
	c.hp.reset()
	clear(c.ms)
	clear(c.gr)
	for i := range c.lastG {
		c.lastGR[i] = 0
		c.lastG[i] = c.wetGain(0)
	}
	for _, d := range c.delay {
		clear(d)
	}
	c.pos = 0
	c.stats.reset()
}

// Latency returns the lookahead in frames.
func (c *Compressor) Latency() int {
	if len(c.delay) == 0 {
		return 0
	}
	return len(c.delay[0])
}

// Stats returns the gain-reduction statistics since Prepare or Reset.
func (c *Compressor) Stats() GainReductionStats { return c.stats.stats() }

// GainReductionDB returns the gain reduction of the last frame processed
// (dB, ≥ 0, the largest over channels when unlinked), for meters.
func (c *Compressor) GainReductionDB() float64 { return c.stats.cur }

// Process compresses buf in place, keyed by itself.
func (c *Compressor) Process(buf audio.Buffer) { c.ProcessKeyed(buf, buf) }

// keyPower returns the detector's power (squared amplitude) for one sample
// x of key channel k.
func (c *Compressor) keyPower(k int, x float64) float64 {
	if c.hp.active() {
		x = c.hp.next(k, x)
	}
	p := x * x
	if c.rms {
		m := c.ms[k]
		m = dsp.FlushDenormal(m + c.rmsA*(p-m))
		c.ms[k] = m
		return m
	}
	return p
}

// target returns the static gain reduction (dB) for a detector power: the
// curve at the power's level in dB (by fastLog2), 0 at or below the start
// of the knee (and for NaN).
func (c *Compressor) target(pow float64) float64 { return float64(c.kp.target(0, float32(pow))) }

// smooth advances gain path j towards the target gain reduction t (dB):
// the arithmetic of compLanes.smooth.
func (c *Compressor) smooth(j int, t float64) float64 {
	g := smoothStep(c.gr[j], t, c.attA, 1-c.attA, c.relA, 1-c.relA)
	c.gr[j] = g
	return g
}

// wetGain returns the factor applied to the delayed programme for a gain
// reduction of gr dB: 1 + mix·(makeup·10^(−gr/20) − 1) (by fastExp2),
// exactly 1 when the compressed path is at unity.
func (c *Compressor) wetGain(gr float64) float64 { return float64(c.kp.wet(0, gr)) }

// factor returns wetGain(gr) for path j, cached.
func (c *Compressor) factor(j int, gr float64) float64 {
	if gr != c.lastGR[j] {
		c.lastGR[j] = gr
		c.lastG[j] = c.wetGain(gr)
	}
	return c.lastG[j]
}

// ProcessKeyed compresses buf in place, driven by key (same frames, any
// number of channels; with StereoLink, or when the channel counts differ,
// the loudest key channel drives every channel).
func (c *Compressor) ProcessKeyed(buf, key audio.Buffer) {
	if !c.prepared {
		panic("dynamics: Compressor.ProcessKeyed before Prepare")
	}
	checkKey("Compressor", buf, key)
	if !c.linked(len(buf), key.Channels()) {
		c.processUnlinked(buf, key)
		return
	}
	c.processLinked(buf, key)
}

// gainChunk is the number of frames the linked path computes at a time.
const gainChunk = 256

// linked reports whether ProcessKeyed on bufCh channels with a key of
// keyCh channels takes the linked path (one gain for every channel).
func (c *Compressor) linked(bufCh, keyCh int) bool { return c.p.StereoLink || keyCh != bufCh }

// processLinked is ProcessKeyed with one gain for every channel. It works
// gainChunk frames at a time: the detector powers of the chunk first, then
// the gain computer (compGain, on lane 0), then the gains are applied
// channel by channel. The arithmetic is that of the per-frame helpers
// keyPower, target, smooth and wetGain, so the result is the same.
func (c *Compressor) processLinked(buf, key audio.Buffer) {
	n := buf.Frames()
	for off := 0; off < n; off += gainChunk {
		m := min(gainChunk, n-off)
		c.detect(key, off, m, c.pw, 0)
		c.kp.setLane(0, c)
		compGain(&c.kp, c.pw[:4*m], c.gains[:4*m], c.grs[:4*m])
		c.kp.getLane(0, c, m)
		c.applyLane(buf, off, m, c.gains, 0)
		if c.grTrace != nil {
			tr := c.grTrace[off : off+m]
			for i := range tr {
				tr[i] = c.grs[4*i]
			}
		}
	}
}

// detect writes the detector power of key frames [off, off+m) to lane l of
// the interleaved array pw: the loudest channel's (after the sidechain
// high-pass and RMS averaging, if any), rounded to float32.
func (c *Compressor) detect(key audio.Buffer, off, m int, pw []float32, l int) {
	pw = pw[l : 4*m]
	plain := !c.hp.active() && !c.rms
	switch {
	case c.plainPeak(len(key)):
		k0, k1 := key[0][off:off+m], key[len(key)-1][off:off+m]
		for i, v := range k0 {
			pw[4*i] = peakPower(v, k1[i])
		}
	case plain:
		for i := range m {
			p := 0.0
			for k := range key {
				x := float64(key[k][off+i])
				p = max(p, x*x)
			}
			pw[4*i] = float32(p)
		}
	default:
		for i := range m {
			p := 0.0
			for k := range key {
				p = max(p, c.keyPower(k, float64(key[k][off+i])))
			}
			pw[4*i] = float32(p)
		}
	}
}

// plainPeak reports whether the detector is the peak of a key of keyCh
// channels, one or two, with no sidechain filter: detect's fast case.
func (c *Compressor) plainPeak(keyCh int) bool { return !c.hp.active() && !c.rms && keyCh <= 2 }

// applyLane multiplies frames [off, off+m) of each channel of buf,
// delayed by the lookahead, by the gains of lane l (interleaved), and
// advances the lookahead position. (A gain of exactly 1 leaves a sample
// unchanged, so it needs no test.)
func (c *Compressor) applyLane(buf audio.Buffer, off, m int, gains []float32, l int) {
	gains = gains[l : 4*m]
	pos := c.pos
	for ch, x := range buf {
		x = x[off : off+m]
		if c.delay == nil {
			for i, v := range x {
				x[i] = v * gains[4*i]
			}
			continue
		}
		d := c.delay[ch]
		p := c.pos
		for i, v := range x {
			w := d[p]
			d[p] = v
			x[i] = w * gains[4*i]
			if p++; p == len(d) {
				p = 0
			}
		}
		pos = p
	}
	c.pos = pos
}

// processUnlinked is ProcessKeyed with a gain per channel, each driven by
// its own key channel.
func (c *Compressor) processUnlinked(buf, key audio.Buffer) {
	n := buf.Frames()
	la := c.Latency()
	for i := 0; i < n; i++ {
		var grMax float64
		for ch := range buf {
			gr := c.smooth(ch, c.target(c.keyPower(ch, float64(key[ch][i]))))
			grMax = max(grMax, gr)
			c.apply(buf, ch, i, c.factor(ch, gr))
		}
		if la > 0 {
			c.pos++
			if c.pos == la {
				c.pos = 0
			}
		}
		c.stats.add(grMax)
		if c.grTrace != nil {
			c.grTrace[i] = grMax
		}
	}
}

// apply writes the delayed sample of channel ch, times g, to buf[ch][i].
func (c *Compressor) apply(buf audio.Buffer, ch, i int, g float64) {
	x := buf[ch][i]
	if c.delay != nil {
		d := c.delay[ch]
		x, d[c.pos] = d[c.pos], x
	}
	if g != 1 {
		x = float32(float64(x) * g)
	}
	buf[ch][i] = x
}

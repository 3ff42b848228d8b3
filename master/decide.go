package master

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/mixdown/mixdown/analysis"
)

// Options are the user's choices for one master. Amounts run from 0 (leave
// that aspect alone) to 1 (full automatic correction); values above 1
// exaggerate (up to 2).
type Options struct {
	Target Target `json:"target"`
	// Curve is the tonal-balance target (nil: the built-in "neutral").
	Curve *Curve `json:"-"`
	// Reference, when set, replaces the curve and the target loudness: the
	// master matches the reference's loudness, mid and side spectra and
	// width.
	Reference *analysis.Report `json:"-"`
	// Amounts per aspect (default 1 each).
	EQAmount       float64 `json:"eq_amount"`
	DynamicsAmount float64 `json:"dynamics_amount"`
	WidthAmount    float64 `json:"width_amount"`
	LoudnessAmount float64 `json:"loudness_amount"`
	// Saturation adds soft saturation (0 = off, 1 = about 6 dB of drive).
	Saturation float64 `json:"saturation"`
	// MonoBelowHz keeps the low end mono below this frequency (Hz); 0 off.
	MonoBelowHz float64 `json:"mono_below_hz"`
	// SubsonicHz is the corner of the DC/subsonic high-pass (Hz).
	SubsonicHz float64 `json:"subsonic_hz"`
	// MaxBoostDB and MaxCutDB cap the tonal EQ per band (positive dB).
	MaxBoostDB float64 `json:"max_boost_db"`
	MaxCutDB   float64 `json:"max_cut_db"`
	// ReferenceMaxDB caps the EQ per band (boost and cut, positive dB) in
	// reference mode, where the user asked for a match and larger moves
	// are expected.
	ReferenceMaxDB float64 `json:"reference_max_db"`
	// MaxLimitDB is the most gain reduction the limiter may apply (dB); a
	// loudness target that needs more is not met, and the report says so.
	MaxLimitDB float64 `json:"max_limit_db"`
}

// DefaultOptions returns full automatic amounts for target t.
func DefaultOptions(t Target) Options {
	return Options{Target: t, EQAmount: 1, DynamicsAmount: 1, WidthAmount: 1, LoudnessAmount: 1,
		MonoBelowHz: 100, SubsonicHz: 20, MaxBoostDB: 3, MaxCutDB: 4, ReferenceMaxDB: 10, MaxLimitDB: 6}
}

// Validate checks the options' ranges.
func (o *Options) Validate() error {
	for _, a := range []struct {
		name string
		v    float64
	}{{"eq", o.EQAmount}, {"dynamics", o.DynamicsAmount}, {"width", o.WidthAmount}, {"loudness", o.LoudnessAmount}, {"saturation", o.Saturation}} {
		if !(a.v >= 0 && a.v <= 2) {
			return fmt.Errorf("%s amount %g out of range [0, 2] (0 %% to 200 %%)", a.name, a.v)
		}
	}
	switch {
	case o.MonoBelowHz != 0 && !(o.MonoBelowHz >= 20 && o.MonoBelowHz <= 500):
		return fmt.Errorf("mono-below %g Hz out of range [20, 500] (0 turns it off)", o.MonoBelowHz)
	case !(o.SubsonicHz >= 5 && o.SubsonicHz <= 40):
		return fmt.Errorf("subsonic high-pass %g Hz out of range [5, 40]", o.SubsonicHz)
	case !(o.MaxBoostDB >= 0 && o.MaxBoostDB <= 12) || !(o.MaxCutDB >= 0 && o.MaxCutDB <= 12) || !(o.ReferenceMaxDB >= 0 && o.ReferenceMaxDB <= 12):
		return fmt.Errorf("EQ caps %g/%g/%g dB out of range [0, 12]", o.MaxBoostDB, o.MaxCutDB, o.ReferenceMaxDB)
	case !(o.MaxLimitDB >= 0 && o.MaxLimitDB <= 30):
		return fmt.Errorf("max limit %g dB out of range [0, 30]", o.MaxLimitDB)
	}
	return o.Target.Validate()
}

// Decision is one choice the mastering engine made, with its reason.
type Decision struct {
	// Aspect: "dc", "hum", "eq", "dynamics", "width", "saturation" or
	// "loudness".
	Aspect string `json:"aspect"`
	// Action says what is done ("cut 1.8 dB around 100 Hz").
	Action string `json:"action"`
	// Reason says why, from the measurements.
	Reason string `json:"reason"`
	// Amount is the user's amount for the aspect (0..2).
	Amount float64 `json:"amount"`
}

// EQPoint is one point of an EQ correction curve.
type EQPoint struct {
	FreqHz float64 `json:"freq_hz"`
	GainDB float64 `json:"gain_db"`
}

// BandComp is one multiband compressor band's settings.
type BandComp struct {
	LowHz, HighHz float64 `json:"-"`
	ThresholdDB   float64 `json:"threshold_db"`
	Ratio         float64 `json:"ratio"`
	AttackMS      float64 `json:"attack_ms"`
	ReleaseMS     float64 `json:"release_ms"`
	KneeDB        float64 `json:"knee_db"`
}

// Plan is the full set of mastering decisions for one programme.
type Plan struct {
	Decisions []Decision `json:"decisions"`
	// SubsonicHz: high-pass corner removing DC and subsonic content.
	SubsonicHz float64 `json:"subsonic_hz"`
	// HumHz and HumHarmonics: mains notches (0 when no hum was found).
	HumHz        float64 `json:"hum_hz,omitempty"`
	HumHarmonics int     `json:"hum_harmonics,omitempty"`
	// EQMid is the tonal correction for the mid signal (or both channels
	// when EQSide is nil); EQSide for the side signal (reference mode).
	EQMid  []EQPoint `json:"eq_mid,omitempty"`
	EQSide []EQPoint `json:"eq_side,omitempty"`
	// Crossovers and Bands describe the multiband compressor (nil: off).
	CrossoversHz []float64  `json:"crossovers_hz,omitempty"`
	Bands        []BandComp `json:"bands,omitempty"`
	// Width scales the side signal (1 = unchanged); MonoBelowHz keeps the
	// lows mono.
	Width       float64 `json:"width"`
	MonoBelowHz float64 `json:"mono_below_hz"`
	// SaturationDriveDB is the soft saturation's drive (0: off), relative
	// to SaturationPeakDB: saturation starts about that many dB below the
	// programme's peak, whatever its level.
	SaturationDriveDB float64 `json:"saturation_drive_db,omitempty"`
	// SaturationPeakDB is the input's true peak (dBTP), which the
	// saturation is referred to.
	SaturationPeakDB float64 `json:"saturation_peak_db,omitempty"`
	// TargetLUFS and CeilingDBTP are what the loudness stage aims for.
	TargetLUFS  float64 `json:"target_lufs"`
	CeilingDBTP float64 `json:"ceiling_dbtp"`
	MaxLimitDB  float64 `json:"max_limit_db"`
}

// Decide makes the plan for a programme analyzed as in.
func Decide(in *analysis.Report, o Options) (*Plan, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if !isFinite(float64(in.Loudness.IntegratedLUFS)) {
		return nil, fmt.Errorf("the programme is silent (no block above -70 LUFS): nothing to master")
	}
	p := &Plan{SubsonicHz: o.SubsonicHz, Width: 1, MaxLimitDB: o.MaxLimitDB}
	if tp := float64(in.Loudness.TruePeakDBTP); isFinite(tp) {
		p.SaturationPeakDB = round2(tp)
	}
	p.decideDC(in)
	p.decideHum(in)
	if err := p.decideEQ(in, o); err != nil {
		return nil, err
	}
	p.decideLoudness(in, o)
	p.decideDynamics(in, o)
	p.decideWidth(in, o)
	if o.Saturation > 0 {
		p.SaturationDriveDB = round2(6 * o.Saturation)
		p.add("saturation", fmt.Sprintf("soft saturation with %.1f dB of drive (from %.1f dB below the peak)", p.SaturationDriveDB, p.SaturationDriveDB), "asked for (--saturation); off unless asked", o.Saturation)
	}
	return p, nil
}

func (p *Plan) add(aspect, action, reason string, amount float64) {
	p.Decisions = append(p.Decisions, Decision{Aspect: aspect, Action: action, Reason: reason, Amount: amount})
}

func (p *Plan) decideDC(in *analysis.Report) {
	worst := math.Inf(-1)
	for _, c := range in.Defects.DCOffset {
		if v := float64(c.DBFS); isFinite(v) {
			worst = math.Max(worst, v)
		}
	}
	reason := "always: removes DC and inaudible subsonic energy that wastes headroom"
	if worst > -60 {
		reason = fmt.Sprintf("DC offset of %.1f dBFS found; a high-pass also removes subsonic energy that wastes headroom", worst)
	}
	p.add("dc", fmt.Sprintf("high-pass at %g Hz (12 dB/oct)", p.SubsonicHz), reason, 1)
}

func (p *Plan) decideHum(in *analysis.Report) {
	h := in.Defects.Hum
	if !h.Detected {
		return
	}
	n := 0
	for _, l := range h.Harmonics {
		n = max(n, l.Harmonic)
	}
	// The notches sit on the measured fundamental (mains drifts a little).
	p.HumHz, p.HumHarmonics = float64(h.MainsHz), max(n, 1)
	if f := float64(h.FrequencyHz); isFinite(f) && math.Abs(f-p.HumHz) < 0.02*p.HumHz {
		p.HumHz = f
	}
	p.add("hum", fmt.Sprintf("notches at %d Hz and its harmonics up to %d", h.MainsHz, p.HumHarmonics),
		fmt.Sprintf("mains hum found at %.2f Hz, %.1f dBFS", float64(h.FrequencyHz), float64(h.LevelDBFS)), 1)
}

// eqRange is where the tonal EQ acts: below 31.5 Hz the subsonic filter
// rules, and the curves' top bands come from lossy sources (wide spread).
const eqLowHz, eqHighHz = 31.5, 12500.0

func (p *Plan) decideEQ(in *analysis.Report, o Options) error {
	mid, side, err := Normalized(in)
	if err != nil {
		return err
	}
	if o.Reference != nil {
		rmid, rside, err := Normalized(o.Reference)
		if err != nil {
			return fmt.Errorf("reference: %w", err)
		}
		ro := o
		ro.MaxBoostDB, ro.MaxCutDB = o.ReferenceMaxDB, o.ReferenceMaxDB
		p.EQMid = matchCurve(mid, rmid, nil, ro)
		if side != nil && rside != nil {
			p.EQSide = matchCurve(selfNormalized(side), selfNormalized(rside), nil, ro)
		}
		p.explainEQ("mid", p.EQMid, "to match the reference's long-term mid spectrum", o.EQAmount)
		if p.EQSide != nil {
			p.explainEQ("side", p.EQSide, "to match the shape of the reference's side spectrum", o.EQAmount)
		}
		return nil
	}
	c := o.Curve
	if c == nil {
		c, err = BuiltinCurve("neutral")
		if err != nil {
			return err
		}
	}
	target := map[float64]float64{}
	spread := map[float64]float64{}
	for _, b := range c.Bands {
		target[b.CentreHz] = b.MidDB
		spread[b.CentreHz] = b.MidSpreadDB
	}
	p.EQMid = matchCurve(mid, target, spread, o)
	p.explainEQ("", p.EQMid, fmt.Sprintf("towards the %q tonal balance (%d tracks; corrections only outside the tracks' normal spread)", c.Name, c.Tracks), o.EQAmount)
	return nil
}

// selfNormalized re-references a spectrum to its own 200 Hz-5 kHz mean.
func selfNormalized(m map[float64]float64) map[float64]float64 {
	var s float64
	var n int
	for f, v := range m {
		if f >= NormLowHz && f <= NormHighHz {
			s += v
			n++
		}
	}
	out := map[float64]float64{}
	for f, v := range m {
		out[f] = v - s/float64(max(n, 1))
	}
	return out
}

// matchCurve computes per-band corrections moving measured towards target:
// beyond the spread (if given), smoothed over neighbouring bands, capped,
// scaled by the EQ amount.
func matchCurve(measured, target, spread map[float64]float64, o Options) []EQPoint {
	var freqs []float64
	for f := range measured {
		if _, ok := target[f]; ok && f >= eqLowHz*0.99 && f <= eqHighHz*1.01 {
			freqs = append(freqs, f)
		}
	}
	sort.Float64s(freqs)
	raw := make([]float64, len(freqs))
	for i, f := range freqs {
		d := target[f] - measured[f]
		if s := spread[f]; s > 0 {
			d = math.Copysign(math.Max(math.Abs(d)-s, 0), d)
		}
		raw[i] = d
	}
	// Smooth with a [1 2 1]/4 kernel, twice (about 2/3-octave resolution):
	// a mastering EQ moves broad regions, not single third-octaves.
	for pass := 0; pass < 2; pass++ {
		sm := make([]float64, len(raw))
		for i := range raw {
			a, c := raw[max(i-1, 0)], raw[min(i+1, len(raw)-1)]
			sm[i] = (a + 2*raw[i] + c) / 4
		}
		raw = sm
	}
	out := make([]EQPoint, len(freqs))
	for i, f := range freqs {
		g := raw[i] * o.EQAmount
		g = math.Max(-o.MaxCutDB, math.Min(o.MaxBoostDB, g))
		out[i] = EQPoint{FreqHz: f, GainDB: round2(g)}
	}
	return out
}

// explainEQ adds one decision per contiguous region that moves by 0.5 dB or
// more.
func (p *Plan) explainEQ(label string, eq []EQPoint, why string, amount float64) {
	var parts []string
	for i := 0; i < len(eq); {
		if math.Abs(eq[i].GainDB) < 0.5 {
			i++
			continue
		}
		j, peak := i, eq[i]
		for j < len(eq) && math.Abs(eq[j].GainDB) >= 0.5 && (eq[j].GainDB > 0) == (eq[i].GainDB > 0) {
			if math.Abs(eq[j].GainDB) > math.Abs(peak.GainDB) {
				peak = eq[j]
			}
			j++
		}
		verb := "cut"
		if peak.GainDB > 0 {
			verb = "boost"
		}
		parts = append(parts, fmt.Sprintf("%s %.1f dB around %s (%s-%s)", verb, math.Abs(peak.GainDB), hz(peak.FreqHz), hz(eq[i].FreqHz), hz(eq[j-1].FreqHz)))
		i = j
	}
	aspect := "eq"
	prefix := ""
	if label != "" {
		prefix = label + ": "
	}
	if len(parts) == 0 {
		p.add(aspect, prefix+"no tonal correction", "the spectrum is already within the target's normal range "+why, amount)
		return
	}
	p.add(aspect, prefix+strings.Join(parts, "; "), why, amount)
}

func hz(f float64) string {
	if f >= 1000 {
		return fmt.Sprintf("%g kHz", math.Round(f/100)/10)
	}
	return fmt.Sprintf("%g Hz", f)
}

func (p *Plan) decideLoudness(in *analysis.Report, o Options) {
	inI := float64(in.Loudness.IntegratedLUFS)
	target, ceiling := o.Target.Resolve(in.Format.Channels)
	reason := fmt.Sprintf("preset %q", o.Target.Name)
	if o.Target.Name == "" {
		reason = "asked for (--lufs/--ceiling)"
	}
	if o.Reference != nil {
		target = float64(o.Reference.Loudness.IntegratedLUFS)
		reason = fmt.Sprintf("the reference's integrated loudness (BS.1770, gated) is %.1f LUFS", target)
	}
	goal := inI + o.LoudnessAmount*(target-inI)
	if o.LoudnessAmount != 1 {
		reason += fmt.Sprintf("; loudness amount %.0f %% of the way from the input's %.1f LUFS", 100*o.LoudnessAmount, inI)
	}
	p.TargetLUFS, p.CeilingDBTP = round2(goal), ceiling
	p.add("loudness", fmt.Sprintf("integrated %.1f LUFS, true peak at most %.1f dBTP (input %.1f LUFS, %.1f dBTP)", goal, ceiling, inI, float64(in.Loudness.TruePeakDBTP)),
		reason+fmt.Sprintf("; a lookahead true-peak limiter may reduce peaks by up to %.1f dB before mixdown stops short of the target", o.MaxLimitDB), o.LoudnessAmount)
}

// Multiband crossover frequencies (Hz): lows, low mids, presence, air.
var multibandCrossovers = []float64{120, 1200, 7000}

func (p *Plan) decideDynamics(in *analysis.Report, o Options) {
	plr := float64(in.Loudness.PLRLU)
	room := p.CeilingDBTP - p.TargetLUFS // the PLR the master can have
	excess := plr - room                 // what the limiter alone would have to take
	if o.Reference != nil && isFinite(float64(o.Reference.Loudness.PLRLU)) {
		room = math.Min(room, float64(o.Reference.Loudness.PLRLU))
		excess = plr - room
	}
	switch {
	case o.DynamicsAmount == 0:
		p.add("dynamics", "no compression", "dynamics amount 0", 0)
		return
	case !isFinite(plr) || excess <= 2:
		p.add("dynamics", "no multiband compression",
			fmt.Sprintf("the input's peak-to-loudness ratio (%.1f LU) already fits the %.1f LU the target leaves under the ceiling; the limiter alone handles the rest", plr, room), o.DynamicsAmount)
		return
	}
	// Take up to half the excess (at most 4 dB) with gentle, slow
	// compression so the limiter has less to do; ratio grows with the
	// excess, thresholds sit a few dB above each band's RMS level.
	share := math.Min(excess/2, 4) * o.DynamicsAmount
	ratio := 1 + math.Min(excess/6, 1.5)*o.DynamicsAmount
	rms := bandRMS(in, append([]float64{0}, append(multibandCrossovers, math.Inf(1))...))
	p.CrossoversHz = multibandCrossovers
	times := [][2]float64{{40, 250}, {25, 160}, {10, 100}, {5, 80}}
	edges := append([]float64{20}, append(multibandCrossovers, 20000)...)
	for b := 0; b < 4; b++ {
		// The threshold is where `share` dB of reduction happens on peaks
		// about 8 dB over the band's RMS (typical music crest in a band).
		over := 8.0
		thr := rms[b] + over - share*ratio/(ratio-1+1e-9)
		thr = math.Min(thr, rms[b]+over-0.5)
		p.Bands = append(p.Bands, BandComp{LowHz: edges[b], HighHz: edges[b+1], ThresholdDB: round2(thr), Ratio: round2(ratio),
			AttackMS: times[b][0], ReleaseMS: times[b][1], KneeDB: 6})
	}
	p.add("dynamics", fmt.Sprintf("4-band compression (crossovers 120 Hz, 1.2 kHz, 7 kHz), ratio %.2f:1, thresholds a few dB over each band's level, aiming at about %.1f dB of peak reduction", ratio, share),
		fmt.Sprintf("the input's peak-to-loudness ratio is %.1f LU but the target leaves %.1f LU under the ceiling: the limiter alone would take %.1f dB; compression shares the work so the limiter stays transparent", plr, room, excess), o.DynamicsAmount)
}

// bandRMS returns the RMS level (dBFS) of the mid signal between the given
// edges (Hz) from the 1/3-octave spectrum.
func bandRMS(in *analysis.Report, edges []float64) []float64 {
	out := make([]float64, len(edges)-1)
	for b := range out {
		var pw float64
		for _, band := range in.Spectrum.Bands {
			if band.CentreHz >= edges[b] && band.CentreHz < edges[b+1] && isFinite(float64(band.MidDB)) {
				pw += math.Pow(10, float64(band.MidDB)/10) / 2
			}
		}
		out[b] = 10 * math.Log10(math.Max(pw, 1e-12))
	}
	return out
}

func (p *Plan) decideWidth(in *analysis.Report, o Options) {
	p.MonoBelowHz = o.MonoBelowHz
	st := in.Stereo
	if st == nil || in.Format.Channels != 2 {
		p.add("width", "none", "the programme is not stereo", o.WidthAmount)
		p.MonoBelowHz = 0
		return
	}
	sm := float64(st.SideToMidDB)
	typical, source := -10.0, "typical released music"
	c := o.Curve
	if c == nil {
		c, _ = BuiltinCurve("neutral")
	}
	if c != nil {
		if v, ok := c.SideToMidDB(); ok {
			typical, source = round2(v), fmt.Sprintf("the %q curve's tracks", c.Name)
		}
	}
	if o.Reference != nil && o.Reference.Stereo != nil && isFinite(float64(o.Reference.Stereo.SideToMidDB)) {
		typical, source = float64(o.Reference.Stereo.SideToMidDB), "the reference"
	}
	w := 1.0
	reason := ""
	switch {
	case !isFinite(sm) || sm < -30:
		reason = "the content is (nearly) mono: widening would invent a stereo image"
	case float64(st.MonoFoldDropLU) < -4.5 || float64(st.Correlation) < 0.15:
		w = 0.8
		reason = fmt.Sprintf("the mono fold-down loses %.1f LU (correlation %.2f): narrowing protects mono playback", -float64(st.MonoFoldDropLU), float64(st.Correlation))
	default:
		diff := typical - sm // dB of side to add
		if o.Reference == nil && math.Abs(diff) < 3 {
			reason = fmt.Sprintf("side/mid ratio %.1f dB is within 3 dB of %s (%.1f dB)", sm, source, typical)
		} else {
			w = math.Pow(10, diff/20)
			lo, hi := 0.7, 1.3 // ±2.3 dB towards a curve's typical width
			if o.Reference != nil {
				lo, hi = 0.5, 2 // ±6 dB when asked to match a reference
			}
			w = math.Max(lo, math.Min(hi, w))
			reason = fmt.Sprintf("side/mid ratio %.1f dB against %.1f dB for %s", sm, typical, source)
		}
	}
	w = 1 + (w-1)*o.WidthAmount
	p.Width = round2(w)
	action := "width unchanged"
	if p.Width != 1 {
		action = fmt.Sprintf("side level ×%.2f (%+.1f dB)", p.Width, 20*math.Log10(p.Width))
	}
	if p.MonoBelowHz > 0 {
		action += fmt.Sprintf("; lows mono below %g Hz", p.MonoBelowHz)
		reason += "; mono lows keep bass centred on every system and cut-able to vinyl"
	}
	p.add("width", action, reason, o.WidthAmount)
}

// Automatic saturation: when the loudness target needs more than
// Options.MaxLimitDB of limiting, soft saturation before the limiter rounds
// the peaks off so the limiter can stay within it (what loud masters do
// with a clipper). The drive grows by 3/4 of the missing loudness (at least 2 dB
// a step), up to maxAutoDriveDB scaled by the dynamics amount, and never
// when the user set the saturation.
const maxAutoDriveDB = 9

// autoSaturation raises the plan's saturation drive for a loudness
// shortfall of missingLU, records the decision, and reports whether it
// did (false: the user set the saturation, the dynamics amount is 0, or
// the drive is at its maximum).
func autoSaturation(p *Plan, o Options, missingLU float64) bool {
	limit := maxAutoDriveDB * math.Min(o.DynamicsAmount, 1)
	if o.Saturation > 0 || limit <= 0 || p.SaturationDriveDB >= limit-0.01 {
		return false
	}
	prev := p.SaturationDriveDB
	p.SaturationDriveDB = round2(math.Min(limit, prev+math.Max(2, 0.75*missingLU)))
	reason := fmt.Sprintf("reaching %.1f LUFS under the %.1f dBTP ceiling needs more than %.1f dB of peak limiting (--max-limit); saturation rounds the peaks off first so the limiter stays within it (--dynamics 0 or an explicit --saturation turns this off)",
		p.TargetLUFS, p.CeilingDBTP, o.MaxLimitDB)
	action := fmt.Sprintf("soft saturation with %.1f dB of drive (from %.1f dB below the peak), added automatically", p.SaturationDriveDB, p.SaturationDriveDB)
	for i := range p.Decisions {
		if p.Decisions[i].Aspect == "saturation" {
			p.Decisions[i].Action, p.Decisions[i].Reason = action, reason
			return true
		}
	}
	p.add("saturation", action, reason, o.DynamicsAmount)
	return true
}

package master

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/mixdown/mixdown/analysis"
	"github.com/mixdown/mixdown/dsp/dynamics"
)

// ReportSchema identifies the JSON of a master report.
const ReportSchema = "mixdown.master/v1"

// Report explains one master: what was measured, decided and done, and
// whether the result meets the target. Loudness values are LUFS, ranges and
// ratios LU, peaks dBTP/dBFS, levels dB.
type Report struct {
	Schema    string     `json:"schema"`
	Input     string     `json:"input"`
	Output    string     `json:"output,omitempty"`
	Reference string     `json:"reference,omitempty"`
	Target    TargetInfo `json:"target"`
	Before    Figures    `json:"before"`
	After     Figures    `json:"after"`
	Chain     []string   `json:"chain"`
	Decisions []Decision `json:"decisions"`
	EQ        EQReport   `json:"eq"`
	Dynamics  struct {
		Multiband []dynamics.GainReductionStats `json:"multiband,omitempty"`
		Limiter   dynamics.GainReductionStats   `json:"limiter"`
	} `json:"dynamics"`
	Loudness struct {
		GainDB       float64 `json:"gain_db"`
		TrimDB       float64 `json:"trim_db"`
		Iterations   int     `json:"iterations"`
		ReachedLUFS  float64 `json:"reached_lufs"`
		TruePeakDBTP float64 `json:"true_peak_dbtp_8x"`
	} `json:"loudness"`
	Checks    []Check            `json:"checks"`
	QC        []analysis.Finding `json:"qc"`
	Shortfall string             `json:"shortfall,omitempty"`
	Preview   *Preview           `json:"preview,omitempty"`
	// Match says how close the master came to the reference (reference
	// mastering only).
	Match *ReferenceMatch `json:"reference_match,omitempty"`
}

// ReferenceMatch compares input and master with the reference. Spectral
// distances are SpectralDistanceDB (RMS 1/3-octave band-level difference,
// 31.5 Hz-16 kHz, level removed; the side from twice the mono-below
// frequency up), in dB.
type ReferenceMatch struct {
	ReferenceLUFS    float64     `json:"reference_lufs"`
	LoudnessDiffLU   float64     `json:"loudness_difference_lu"`
	MidDistanceDB    [2]float64  `json:"mid_distance_db_before_after"`
	SideDistanceDB   *[2]float64 `json:"side_distance_db_before_after,omitempty"`
	ReferenceSideMid *float64    `json:"reference_side_to_mid_db,omitempty"`
}

// TargetInfo is the target as applied.
type TargetInfo struct {
	Preset      string  `json:"preset,omitempty"`
	LUFS        float64 `json:"integrated_lufs"`
	CeilingDBTP float64 `json:"ceiling_dbtp"`
	ToleranceLU float64 `json:"tolerance_lu"`
	SampleRate  int     `json:"sample_rate_hz"`
	Bits        int     `json:"bits"`
}

// Figures are the measurements compared before and after.
type Figures struct {
	IntegratedLUFS float64   `json:"integrated_lufs"`
	RangeLU        float64   `json:"range_lu"`
	TruePeakDBTP   float64   `json:"true_peak_dbtp"`
	PLRLU          float64   `json:"plr_lu"`
	SideToMidDB    *float64  `json:"side_to_mid_db,omitempty"`
	Correlation    *float64  `json:"correlation,omitempty"`
	Spectrum       []EQPoint `json:"spectrum_mid_db"`
}

// EQReport gives the tonal EQ as planned and as realized.
type EQReport struct {
	Planned      []EQPoint `json:"planned,omitempty"`
	PlannedSide  []EQPoint `json:"planned_side,omitempty"`
	Realized     []EQPoint `json:"realized,omitempty"`
	RealizedSide []EQPoint `json:"realized_side,omitempty"`
}

// Check is one pass/fail line.
type Check struct {
	Name   string `json:"name"`
	Pass   bool   `json:"pass"`
	Detail string `json:"detail"`
}

// Preview names the level-matched before/after clips.
type Preview struct {
	Before  string  `json:"before"`
	After   string  `json:"after"`
	StartS  float64 `json:"start_s"`
	LengthS float64 `json:"length_s"`
}

func num(n analysis.Num) float64 { return float64(n) }

func figures(r *analysis.Report) Figures {
	if r == nil {
		return Figures{}
	}
	f := Figures{IntegratedLUFS: round2(num(r.Loudness.IntegratedLUFS)), RangeLU: round2(r.Loudness.RangeLU),
		TruePeakDBTP: round2(num(r.Loudness.TruePeakDBTP)), PLRLU: round2(num(r.Loudness.PLRLU))}
	if st := r.Stereo; st != nil {
		if v := num(st.SideToMidDB); isFinite(v) {
			v = round2(v)
			f.SideToMidDB = &v
		}
		if v := num(st.Correlation); isFinite(v) {
			v = round2(v)
			f.Correlation = &v
		}
	}
	for _, b := range r.Spectrum.Bands {
		if v := num(b.MidDB); isFinite(v) {
			f.Spectrum = append(f.Spectrum, EQPoint{FreqHz: b.CentreHz, GainDB: round2(v)})
		}
	}
	return f
}

// NewReport assembles the report of a master run.
func NewReport(res *Result, o Options, input, output, reference string) *Report {
	r := &Report{Schema: ReportSchema, Input: input, Output: output, Reference: reference,
		Before: figures(res.Input), After: figures(res.Output), Chain: res.Chain, Decisions: res.Plan.Decisions}
	r.Target = TargetInfo{Preset: o.Target.Name, LUFS: res.Plan.TargetLUFS, CeilingDBTP: res.Plan.CeilingDBTP,
		ToleranceLU: o.Target.ToleranceLU, SampleRate: res.OutFormat.SampleRate, Bits: res.OutFormat.Bits}
	if r.Target.ToleranceLU == 0 {
		r.Target.ToleranceLU = 0.1
	}
	r.EQ = EQReport{Planned: res.Plan.EQMid, PlannedSide: res.Plan.EQSide, Realized: res.EQRealized, RealizedSide: res.EQSideRealized}
	r.Dynamics.Multiband, r.Dynamics.Limiter = res.Multiband, res.Limiter
	r.Loudness.GainDB, r.Loudness.TrimDB, r.Loudness.Iterations = round2(res.GainDB), round2(res.TrimDB), res.Iterations
	r.Loudness.ReachedLUFS, r.Loudness.TruePeakDBTP = round3(res.ReachedLUFS), round3(res.TruePeakDBTP)
	r.Shortfall = res.Shortfall

	aim := res.Plan.TargetLUFS
	d := res.ReachedLUFS - aim
	r.Checks = append(r.Checks,
		Check{"loudness within 0.1 LU of the aim", math.Abs(d) <= 0.1, fmt.Sprintf("%.2f LUFS for %.1f LUFS (%+.2f LU)", res.ReachedLUFS, aim, d)},
		Check{"true peak under the ceiling", res.TruePeakDBTP <= res.Plan.CeilingDBTP, fmt.Sprintf("%.2f dBTP (8x) for a %.1f dBTP ceiling", res.TruePeakDBTP, res.Plan.CeilingDBTP)})
	if o.Target.Name != "" && o.Reference == nil {
		want, _ := o.Target.Resolve(res.OutFormat.Channels)
		dd := res.ReachedLUFS - want
		r.Checks = append(r.Checks, Check{fmt.Sprintf("%s: integrated within ±%g LU of %.0f LUFS", o.Target.Name, o.Target.ToleranceLU, want),
			math.Abs(dd) <= o.Target.ToleranceLU, fmt.Sprintf("%+.2f LU", dd)})
	}
	if res.Shortfall != "" {
		r.Checks = append(r.Checks, Check{"target reached without excess limiting", false, res.Shortfall})
	}
	r.QC = qc(res.Input)
	if ref := o.Reference; ref != nil && res.Output != nil {
		m := &ReferenceMatch{ReferenceLUFS: round2(num(ref.Loudness.IntegratedLUFS))}
		m.LoudnessDiffLU = round2(res.ReachedLUFS - m.ReferenceLUFS)
		m.MidDistanceDB = [2]float64{round2(SpectralDistanceDB(res.Input, ref, false, DistanceLowHz)), round2(SpectralDistanceDB(res.Output, ref, false, DistanceLowHz))}
		sideLow := math.Max(DistanceLowHz, 2*res.Plan.MonoBelowHz) // the lows are mono by choice
		if sb, sa := SpectralDistanceDB(res.Input, ref, true, sideLow), SpectralDistanceDB(res.Output, ref, true, sideLow); isFinite(sb) && isFinite(sa) {
			m.SideDistanceDB = &[2]float64{round2(sb), round2(sa)}
		}
		if ref.Stereo != nil && isFinite(num(ref.Stereo.SideToMidDB)) {
			v := round2(num(ref.Stereo.SideToMidDB))
			m.ReferenceSideMid = &v
		}
		r.Match = m
		if o.EQAmount > 0 && isFinite(m.MidDistanceDB[0]) {
			r.Checks = append(r.Checks, Check{"mid spectrum closer to the reference", m.MidDistanceDB[1] <= m.MidDistanceDB[0],
				fmt.Sprintf("%.1f dB -> %.1f dB RMS band difference (31.5 Hz-16 kHz)", m.MidDistanceDB[0], m.MidDistanceDB[1])})
		}
	}
	return r
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// qc lists the input's technical problems relevant to a master: the
// analyzer's findings, plus the checks mastering engineers make on heads,
// tails and mono compatibility.
func qc(in *analysis.Report) []analysis.Finding {
	var out []analysis.Finding
	for _, f := range in.Findings {
		switch f.Code {
		case "clipping", "dc_offset", "hum", "phase", "bit_depth", "upsampled", "silent":
			out = append(out, f)
		}
	}
	if nf := num(in.Defects.NoiseFloor.DBFS); isFinite(nf) && nf > -60 {
		out = append(out, analysis.Finding{Code: "noise_floor", Severity: analysis.Warning,
			Message: fmt.Sprintf("noise floor %.1f dBFS: quiet passages carry audible noise that loudness processing raises", nf)})
	}
	s := in.Defects.Silence
	if !s.AllSilent && s.HeadS < 0.01 {
		out = append(out, analysis.Finding{Code: "head_silence", Severity: analysis.Info,
			Message: fmt.Sprintf("audio starts after %.0f ms: check that the start is not cut (masters usually begin with a short silence)", 1000*s.HeadS)})
	}
	if !s.AllSilent && s.TailS < 0.01 {
		out = append(out, analysis.Finding{Code: "tail_silence", Severity: analysis.Warning,
			Message: fmt.Sprintf("audio runs to the last %.0f ms: the ending may be cut off (a fade or decay to silence is expected)", 1000*s.TailS)})
	}
	if st := in.Stereo; st != nil {
		if d := num(st.MonoFoldDropLU); isFinite(d) && d < -3.5 {
			out = append(out, analysis.Finding{Code: "mono_compatibility", Severity: analysis.Warning,
				Message: fmt.Sprintf("the mono fold-down is %.1f LU quieter (correlation %.2f): parts of the mix cancel in mono", -d, num(st.Correlation))})
		}
	}
	return out
}

// WriteText prints the report as tables.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("Master of %s", r.Input)
	if r.Output != "" {
		p(" -> %s", r.Output)
	}
	p("\n")
	tgt := r.Target.Preset
	if tgt == "" {
		tgt = "custom"
	}
	p("Target      %s: %.1f LUFS, ceiling %.1f dBTP, %d Hz, %d-bit\n", tgt, r.Target.LUFS, r.Target.CeilingDBTP, r.Target.SampleRate, r.Target.Bits)
	if r.Reference != "" {
		p("Reference   %s\n", r.Reference)
	}
	p("\n%-22s %12s %12s\n", "", "before", "after")
	row := func(name string, a, c float64, unit string) {
		p("%-22s %9.1f %-2s %9.1f %-2s\n", name, a, unit, c, unit)
	}
	row("integrated loudness", r.Before.IntegratedLUFS, r.After.IntegratedLUFS, "LUFS")
	row("loudness range", r.Before.RangeLU, r.After.RangeLU, "LU")
	row("true peak", r.Before.TruePeakDBTP, r.After.TruePeakDBTP, "dBTP")
	row("peak-to-loudness", r.Before.PLRLU, r.After.PLRLU, "LU")
	if r.Before.SideToMidDB != nil && r.After.SideToMidDB != nil {
		row("side/mid", *r.Before.SideToMidDB, *r.After.SideToMidDB, "dB")
	}
	p("\nChain       %s\n", strings.Join(r.Chain, " -> "))
	p("\nDecisions\n")
	for _, d := range r.Decisions {
		p("  %-10s %s\n  %-10s because %s\n", d.Aspect, d.Action, "", d.Reason)
	}
	if len(r.EQ.Realized) > 0 {
		p("\nEQ applied (dB)\n ")
		for _, e := range r.EQ.Realized {
			if e.FreqHz >= 31 && e.FreqHz <= 16000 {
				p(" %s:%+.1f", hz(e.FreqHz), e.GainDB)
			}
		}
		p("\n")
	}
	p("\nGain reduction  limiter max %.1f dB, mean %.1f dB, active %.1f %%\n", r.Dynamics.Limiter.MaxDB, r.Dynamics.Limiter.MeanDB, r.Dynamics.Limiter.PercentActive)
	for i, s := range r.Dynamics.Multiband {
		p("                band %d max %.1f dB, mean %.1f dB, active %.1f %%\n", i+1, s.MaxDB, s.MeanDB, s.PercentActive)
	}
	p("Loudness stage  gain %+.2f dB, trim %+.2f dB, %d limiter pass(es); reached %.2f LUFS, true peak %.2f dBTP (8x)\n",
		r.Loudness.GainDB, r.Loudness.TrimDB, r.Loudness.Iterations, r.Loudness.ReachedLUFS, r.Loudness.TruePeakDBTP)
	p("\nChecks\n")
	for _, c := range r.Checks {
		mark := "PASS"
		if !c.Pass {
			mark = "FAIL"
		}
		p("  %s  %s: %s\n", mark, c.Name, c.Detail)
	}
	if len(r.QC) > 0 {
		p("\nQC of the input\n")
		for _, f := range r.QC {
			p("  %-8s %-18s %s\n", f.Severity, f.Code, f.Message)
		}
	}
	if m := r.Match; m != nil {
		p("\nReference match  loudness %+.2f LU from the reference's %.1f LUFS; mid spectrum %.1f -> %.1f dB RMS band difference",
			m.LoudnessDiffLU, m.ReferenceLUFS, m.MidDistanceDB[0], m.MidDistanceDB[1])
		if m.SideDistanceDB != nil {
			p("; side %.1f -> %.1f dB", m.SideDistanceDB[0], m.SideDistanceDB[1])
		}
		p("\n")
	}
	if r.Preview != nil {
		p("\nPreview     %s and %s (loudest %g s from %.1f s, level-matched)\n", r.Preview.Before, r.Preview.After, r.Preview.LengthS, r.Preview.StartS)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

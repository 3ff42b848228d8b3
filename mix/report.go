package mix

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mixdown/mixdown/analysis"
	"github.com/mixdown/mixdown/loudness"
)

// ReportSchema identifies the JSON layout of Report.
const ReportSchema = "mixdown.mix/v1"

// Report describes a render: its format and length, the latency that was
// compensated, meters on the master, every bus and every track, the
// fold-down check of a 5.1 mix, and warnings. Levels are dBFS (sample
// peak), dBTP (true peak), LUFS and LU; null stands for silence (−∞) or
// a value that was not measured.
type Report struct {
	Schema        string  `json:"schema"`
	Session       string  `json:"session,omitempty"`
	SampleRateHz  int     `json:"sample_rate_hz"`
	Layout        string  `json:"layout"`
	Channels      int     `json:"channels"`
	Frames        int64   `json:"frames"`
	Seconds       float64 `json:"seconds"`
	LatencyFrames int     `json:"latency_frames"`
	// RenderSeconds is the wall time of the render and RealtimeFactor the
	// audio seconds rendered per second of it (they vary between runs).
	RenderSeconds  float64      `json:"render_seconds"`
	RealtimeFactor float64      `json:"realtime_factor"`
	Master         Meter        `json:"master"`
	FoldDown       *FoldDown    `json:"fold_down,omitempty"`
	Buses          []NodeReport `json:"buses"`
	Tracks         []NodeReport `json:"tracks"`
	Warnings       []string     `json:"warnings"`
}

// Meter holds the measurements of one signal.
type Meter struct {
	// SamplePeakDBFS is the largest |sample| over all channels.
	SamplePeakDBFS analysis.Num `json:"sample_peak_dbfs"`
	// TruePeakDBTP is the 4× oversampled peak (null when not measured).
	TruePeakDBTP analysis.Num `json:"true_peak_dbtp"`
	// IntegratedLUFS is the gated BS.1770 loudness.
	IntegratedLUFS analysis.Num `json:"integrated_lufs"`
	// LoudnessRangeLU is the EBU Tech 3342 loudness range.
	LoudnessRangeLU analysis.Num `json:"loudness_range_lu"`
	// MaxShortTermLUFS is the loudest 3-second window.
	MaxShortTermLUFS analysis.Num `json:"max_short_term_lufs"`
}

// NodeReport is the entry of a track or bus.
type NodeReport struct {
	Name string `json:"name"`
	// Output is the bus the node feeds ("master" for the master bus).
	Output string `json:"output"`
	// State: "playing", "muted", "solo-muted" or "unused" (nothing it
	// feeds is heard). Only playing nodes are metered.
	State    string `json:"state"`
	Channels int    `json:"channels"`
	// LatencyFrames is the latency of the node's output relative to the
	// session timeline (its own inserts and those upstream), compensated
	// where paths meet.
	LatencyFrames int `json:"latency_frames"`
	// Meter measures the node after its fader, before it is panned into
	// the bus it feeds (null for nodes that are not playing).
	Meter *Meter `json:"meter"`
	// Source describes a track's file.
	Source *SourceReport `json:"source,omitempty"`
}

// SourceReport describes a track's source file.
type SourceReport struct {
	Path         string `json:"path"`
	Codec        string `json:"codec"`
	SampleRateHz int    `json:"sample_rate_hz"`
	Channels     int    `json:"channels"`
	Resampled    bool   `json:"resampled"`
}

// FoldDown is the check of a 5.1 mix folded to stereo with the ITU-R
// BS.775 coefficients (Lo = L + 0.707·C + 0.707·Ls, LFE dropped).
type FoldDown struct {
	Meter
	// LossDB is how much quieter the fold-down is than the 5.1 mix
	// (integrated loudness difference).
	LossDB analysis.Num `json:"loss_db"`
	// Clips is true when the fold-down's true peak exceeds 0 dBTP.
	Clips bool `json:"clips"`
	// TooQuiet is true when LossDB exceeds the session's
	// fold_down_max_loss_db.
	TooQuiet bool `json:"too_quiet"`
}

func db(x float64) analysis.Num { return analysis.Num(20 * math.Log10(x)) }

func readMeter(m *loudness.Meter, channels int, tp bool) Meter {
	var r Meter
	peak, tpk := 0.0, 0.0
	for c := 0; c < channels; c++ {
		peak = math.Max(peak, m.SamplePeak(c))
		if tp {
			tpk = math.Max(tpk, m.TruePeak(c))
		}
	}
	r.SamplePeakDBFS = db(peak)
	r.TruePeakDBTP = analysis.Num(math.NaN())
	if tp {
		r.TruePeakDBTP = db(tpk)
	}
	i, _ := m.Integrated()
	r.IntegratedLUFS = analysis.Num(i)
	lra, _, _ := m.LoudnessRange()
	r.LoudnessRangeLU = analysis.Num(lra)
	r.MaxShortTermLUFS = analysis.Num(m.MaxShortTerm())
	return r
}

func (e *Engine) report(frames int64, took time.Duration) *Report {
	r := &Report{Schema: ReportSchema, Session: e.sess.Path, SampleRateHz: e.rate, Layout: e.sess.OutputLayout(),
		Channels: e.master.ch, Frames: frames, Seconds: float64(frames) / float64(e.rate), LatencyFrames: e.latency,
		RenderSeconds: took.Seconds(), Buses: []NodeReport{}, Tracks: []NodeReport{}, Warnings: []string{}}
	if took > 0 {
		r.RealtimeFactor = r.Seconds / took.Seconds()
	}
	r.Master = readMeter(e.master.meter, e.master.ch, true)
	for _, n := range e.nodes {
		if n.kind == masterNode {
			continue
		}
		nr := NodeReport{Name: n.name, Output: n.main.to.name, State: n.state, Channels: n.ch, LatencyFrames: n.outLat}
		if n.meter != nil {
			m := readMeter(n.meter, n.ch, n.kind != trackNode || e.opt.TrackTruePeak)
			nr.Meter = &m
		}
		if n.kind == trackNode {
			s := n.src
			nr.Source = &SourceReport{Path: s.path, Codec: s.info.Codec, SampleRateHz: s.info.Format.SampleRate,
				Channels: s.info.Format.Channels, Resampled: s.info.Format.SampleRate != e.rate}
			r.Tracks = append(r.Tracks, nr)
		} else {
			r.Buses = append(r.Buses, nr)
		}
	}
	if sp, tp := float64(r.Master.SamplePeakDBFS), float64(r.Master.TruePeakDBTP); sp > 0 || tp > 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("the master peaks at %+.2f dBFS (true peak %+.2f dBTP): it will clip when written as integer samples; lower the master gain or add a limiter", sp, tp))
	}
	if e.fold != nil {
		f := &FoldDown{Meter: readMeter(e.fold.m, 2, true)}
		f.LossDB = analysis.Num(math.NaN())
		if r.Master.IntegratedLUFS.Finite() && f.IntegratedLUFS.Finite() {
			f.LossDB = r.Master.IntegratedLUFS - f.IntegratedLUFS
		}
		f.Clips = float64(f.TruePeakDBTP) > 0
		f.TooQuiet = f.LossDB.Finite() && float64(f.LossDB) > e.sess.FoldDownMaxLoss()
		if f.Clips {
			r.Warnings = append(r.Warnings, fmt.Sprintf("the stereo fold-down clips (true peak %+.2f dBTP)", float64(f.TruePeakDBTP)))
		}
		if f.TooQuiet {
			r.Warnings = append(r.Warnings, fmt.Sprintf("the stereo fold-down is %.1f dB quieter than the 5.1 mix (more than %.1f dB)", float64(f.LossDB), e.sess.FoldDownMaxLoss()))
		}
		r.FoldDown = f
	}
	return r
}

func num(v analysis.Num, format string) string {
	if !v.Finite() {
		if math.IsNaN(float64(v)) {
			return "-"
		}
		return "-inf"
	}
	return fmt.Sprintf(format, float64(v))
}

// WriteText writes the report as tables.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "mix: %s, %d Hz %s, %.2f s (%d frames), path latency %d frames compensated\n",
		r.Session, r.SampleRateHz, r.Layout, r.Seconds, r.Frames, r.LatencyFrames)
	if r.RenderSeconds > 0 {
		fmt.Fprintf(&b, "rendered in %.2f s (%.0fx real time)\n", r.RenderSeconds, r.RealtimeFactor)
	}
	b.WriteString("\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\tstate\toutput\tch\tlatency\tpeak dBFS\tTP dBTP\tLUFS\tLRA LU\t")
	row := func(kind, name, state, out string, ch, lat int, m *Meter) {
		if m == nil {
			fmt.Fprintf(tw, "%s %s\t%s\t%s\t%d\t%d\t\t\t\t\t\n", kind, name, state, out, ch, lat)
			return
		}
		fmt.Fprintf(tw, "%s %s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\t\n", kind, name, state, out, ch, lat,
			num(m.SamplePeakDBFS, "%.2f"), num(m.TruePeakDBTP, "%.2f"), num(m.IntegratedLUFS, "%.1f"), num(m.LoudnessRangeLU, "%.1f"))
	}
	for _, t := range r.Tracks {
		row("track", t.Name, t.State, t.Output, t.Channels, t.LatencyFrames, t.Meter)
	}
	for _, bu := range r.Buses {
		row("bus", bu.Name, bu.State, bu.Output, bu.Channels, bu.LatencyFrames, bu.Meter)
	}
	m := r.Master
	row("master", "", "playing", "", r.Channels, r.LatencyFrames, &m)
	if r.FoldDown != nil {
		f := r.FoldDown.Meter
		row("fold-down", "Lo/Ro", "check", "", 2, r.LatencyFrames, &f)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if r.FoldDown != nil {
		fmt.Fprintf(&b, "\nstereo fold-down: %s dB quieter than the 5.1 mix, true peak %s dBTP\n", num(r.FoldDown.LossDB, "%.1f"), num(r.FoldDown.TruePeakDBTP, "%+.2f"))
	}
	for _, wn := range r.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", wn)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

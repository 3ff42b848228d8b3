package analysis

import (
	"fmt"
	"math"
	"strings"
)

// Report returns the measurements of everything written so far. It is
// meant to be called once, at the end (it costs a few milliseconds). It may
// also be called mid-stream, and writing may continue after it; but since
// it first analyzes the frames waiting for a full chunk, the final report
// of a stream that was reported on mid-stream can differ in the last bits
// from one that was not.
func (a *Analyzer) Report() *Report {
	a.flush()
	a.wait()
	r := &Report{Schema: SchemaVersion, Findings: []Finding{}}
	r.Format = FormatInfo{SampleRateHz: a.rate, Channels: a.nch, ChannelNames: append([]string(nil), a.names...),
		SourceBits: a.opt.SourceBits, SourceFloat: a.opt.SourceFloat}
	a.loudnessReport(r)
	a.dynamicsReport(r)
	a.stereoReport(r)
	spec := a.spec.result()
	r.Spectrum = spec.bands(a.nch)
	a.defectsReport(r, spec)
	r.Findings = a.findings(r)
	return r
}

func db20(v float64) Num { return Num(20 * math.Log10(v)) }
func db10(v float64) Num { return Num(10 * math.Log10(v)) }

func (a *Analyzer) seconds(frames int64) float64 { return float64(frames) / float64(a.rate) }

func (a *Analyzer) loudnessReport(r *Report) {
	m := a.meter
	l := &r.Loudness
	i, gate := m.Integrated()
	l.IntegratedLUFS, l.RelativeGateLUFS = Num(i), Num(gate)
	lra, lo, hi := m.LoudnessRange()
	l.RangeLU, l.RangeLowLUFS, l.RangeHighLUFS = lra, Num(lo), Num(hi)
	l.MaxMomentaryLUFS, l.MaxShortTermLUFS = Num(m.MaxMomentary()), Num(m.MaxShortTerm())
	var sp, tp float64
	for c := range a.nch {
		s, t := m.SamplePeak(c), m.TruePeak(c)
		sp, tp = max(sp, s), max(tp, t)
		l.Channels = append(l.Channels, ChannelPeak{Channel: a.names[c], SamplePeakDBFS: db20(s), TruePeakDBTP: db20(t)})
	}
	l.SamplePeakDBFS, l.TruePeakDBTP = db20(sp), db20(tp)
	l.PLRLU = Num(float64(l.TruePeakDBTP) - i)
	l.Frames, l.DurationS = a.frames, a.seconds(a.frames)
}

// channel totals including the window in progress.
func (a *Analyzer) chanSums(c int) (sum, sq float64) {
	cs := &a.chans[c]
	return cs.sum + cs.wSum, cs.sq + cs.wSq
}

func (a *Analyzer) dynamicsReport(r *Report) {
	d := &r.Dynamics
	n := float64(a.frames)
	var sqAll float64
	var peak float32
	for c := range a.nch {
		_, sq := a.chanSums(c)
		sqAll += sq
		p := a.chans[c].peak
		peak = max(peak, p)
		rms := db10(sq / n)
		pk := db20(float64(p))
		d.Channels = append(d.Channels, ChannelDynamics{Channel: a.names[c], RMSDBFS: rms, PeakDBFS: pk, CrestDB: pk - rms})
	}
	d.RMSDBFS = db10(sqAll / (n * float64(a.nch)))
	d.PeakDBFS = db20(float64(peak))
	d.CrestDB = d.PeakDBFS - d.RMSDBFS
}

func (a *Analyzer) stereoReport(r *Report) {
	if a.left < 0 {
		return
	}
	l, rt := &a.chans[a.left], &a.chans[a.right]
	cur := corrSums{l: l.wSum, r: rt.wSum, ll: l.wSq, rr: rt.wSq, lr: a.wLR, n: float64(a.winPos)}
	tail := a.corr
	tail.add(cur)
	total := a.corrTotal
	total.add(tail)
	s := &Stereo{Channels: [2]int{a.left, a.right}, Correlation: Num(total.pearson()),
		MinCorrelation: Num(a.minCorr), MinCorrelationTimeS: Num(math.NaN()),
		CorrelationWindowS: float64(a.winLen*windowsPerCorr) / float64(a.rate)}
	if a.minCorrAt >= 0 {
		s.MinCorrelationTimeS = Num(a.seconds(a.minCorrAt))
	} else if thr := float64(a.p.silence); tail.n > 0 && tail.ll/tail.n > thr*thr && tail.rr/tail.n > thr*thr {
		// Shorter than one window: use what there is.
		if c := tail.pearson(); !math.IsNaN(c) {
			s.MinCorrelation, s.MinCorrelationTimeS = Num(c), Num(a.seconds(a.frames-int64(tail.n)))
		}
	}
	mid := (total.ll + total.rr + 2*total.lr) / 4
	side := (total.ll + total.rr - 2*total.lr) / 4
	s.SideToMidDB = Num(10 * math.Log10(max(side, 0)/max(mid, 0)))
	fold, _ := a.fold.Integrated()
	pair, _ := a.meter.Integrated()
	if a.pair != nil {
		pair, _ = a.pair.Integrated()
	}
	s.MonoFoldLUFS = Num(fold)
	s.MonoFoldDropLU = Num(fold - pair)
	if math.IsInf(pair, -1) {
		s.MonoFoldDropLU = Num(math.NaN())
	}
	r.Stereo = s
}

func (a *Analyzer) defectsReport(r *Report, spec specResult) {
	d := &r.Defects
	n := float64(a.frames)
	for c := range a.nch {
		sum, _ := a.chanSums(c)
		dc := 0.0
		if n > 0 {
			dc = sum / n
		}
		d.DCOffset = append(d.DCOffset, DCOffset{Channel: a.names[c], Linear: dc, DBFS: db20(math.Abs(dc))})
	}
	a.clipReport(&d.Clipping)
	a.silenceReport(&d.Silence)
	d.NoiseFloor = a.noiseReport()
	d.Hum = a.hum.result()
	d.BitDepth = a.bitDepthReport()
	d.Bandwidth = spec.bandwidth(a.rate)
}

func (a *Analyzer) clipReport(c *Clipping) {
	c.MinRunSamples = a.opt.ClipRunMin
	c.FirstTimeS = Num(math.NaN())
	c.PerChannel = make([]int64, a.nch)
	var peak float32
	for i := range a.chans {
		peak = max(peak, a.chans[i].peak)
	}
	if peak == 0 {
		c.ThresholdDBFS = Num(math.NaN())
		return
	}
	thr := clipThreshold(float64(peak), a.p.clipTol)
	c.ThresholdDBFS = db20(float64(thr))
	var all clipAgg
	first := -1
	for i := range a.chans {
		cs := &a.chans[i]
		agg := cs.store.total(thr)
		if cs.runLen >= a.p.clipRunMin && cs.runMin >= thr {
			agg.merge(clipAgg{count: 1, total: cs.runLen, longest: cs.runLen, first: cs.runStart})
		}
		c.PerChannel[i] = agg.count
		if agg.count > 0 && (all.count == 0 || agg.first < all.first) {
			first = i
		}
		all.merge(agg)
	}
	c.Runs, c.LongestSamples, c.TotalSamples = all.count, all.longest, all.total
	if all.count > 0 {
		c.FirstTimeS = Num(a.seconds(all.first))
		c.FirstChannel = a.names[first]
	}
}

func (a *Analyzer) silenceReport(s *Silence) {
	s.ThresholdDBFS = a.opt.SilenceThresholdDB
	var firstLoud, firstNZ, lastLoud, lastNZ int64 = -1, -1, -1, -1
	for i := range a.chans {
		cs := &a.chans[i]
		firstLoud = minSeen(firstLoud, cs.firstLoud)
		firstNZ = minSeen(firstNZ, cs.firstNZ)
		lastLoud = max(lastLoud, cs.lastLoud)
		lastNZ = max(lastNZ, cs.lastNZ)
	}
	dur := a.seconds(a.frames)
	if firstLoud < 0 {
		s.AllSilent = true
		s.HeadS, s.TailS = dur, dur
		if firstNZ < 0 {
			s.HeadExactS, s.TailExactS = dur, dur
			s.HeadExactZero, s.TailExactZero = true, true
		} else {
			s.HeadExactS, s.TailExactS = a.seconds(firstNZ), a.seconds(a.frames-1-lastNZ)
		}
		return
	}
	s.HeadS, s.HeadExactS = a.seconds(firstLoud), a.seconds(firstNZ)
	s.HeadExactZero = firstNZ == firstLoud
	s.TailS, s.TailExactS = a.seconds(a.frames-1-lastLoud), a.seconds(a.frames-1-lastNZ)
	s.TailExactZero = lastNZ == lastLoud
}

// minSeen is min over values where −1 means "not seen".
func minSeen(a, b int64) int64 {
	switch {
	case a < 0:
		return b
	case b < 0:
		return a
	}
	return min(a, b)
}

func (a *Analyzer) noiseReport() NoiseFloor {
	nf := NoiseFloor{Percentile: a.opt.NoiseFloorPercentile, WindowS: float64(a.winLen) / float64(a.rate)}
	h := &a.noise
	if h.n == 0 && a.winPos > 0 {
		// Shorter than one window: use the partial one.
		tmp := new(levelHist)
		tmp.addWindow(a.chans, a.winPos)
		h = tmp
	}
	nf.DBFS = Num(h.percentile(a.opt.NoiseFloorPercentile))
	return nf
}

func (a *Analyzer) bitDepthReport() BitDepth {
	b := BitDepth{ContainerBits: a.opt.SourceBits, ContainerFloat: a.opt.SourceFloat}
	q := math.MaxInt
	for i := range a.chans {
		q = min(q, a.chans[i].qmin)
	}
	if q == math.MaxInt {
		return b // digital silence
	}
	k := 151 - q
	intContainer := !a.opt.SourceFloat && a.opt.SourceBits >= 1 && a.opt.SourceBits <= 32
	switch {
	case intContainer:
		b.ContentBits = min(k, a.opt.SourceBits)
	case k > 32:
		b.ContentFloat = true
	default:
		b.ContentBits = k
	}
	return b
}

// formatTime writes seconds as m:ss.sss (h:mm:ss.sss from an hour).
func formatTime(s float64) string {
	if math.IsNaN(s) || math.IsInf(s, 0) {
		return "-"
	}
	ms := int64(math.Round(s * 1000))
	h, m, sec, frac := ms/3600000, ms/60000%60, ms/1000%60, ms%1000
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d.%03d", h, m, sec, frac)
	}
	return fmt.Sprintf("%d:%02d.%03d", m, sec, frac)
}

func (a *Analyzer) findings(r *Report) []Finding {
	var f []Finding
	add := func(code string, sev Severity, t Num, format string, args ...any) {
		fd := Finding{Code: code, Severity: sev, Message: fmt.Sprintf(format, args...)}
		if t.Finite() {
			v := float64(t)
			fd.TimeS = &v
		}
		f = append(f, fd)
	}
	nan := Num(math.NaN())
	d := &r.Defects
	if d.Silence.AllSilent {
		what := "digital silence"
		if !d.Silence.HeadExactZero {
			what = fmt.Sprintf("silent (no sample above %.0f dBFS)", d.Silence.ThresholdDBFS)
		}
		add("silent", Error, nan, "the programme is %s", what)
	}
	if c := d.Clipping; c.Runs > 0 {
		add("clipping", Warning, c.FirstTimeS, "clipping: %d run%s of ≥%d samples at %.2f dBFS, longest %d, %d samples in all; first at %s (%s)",
			c.Runs, plural(c.Runs), c.MinRunSamples, float64(c.ThresholdDBFS), c.LongestSamples, c.TotalSamples, formatTime(float64(c.FirstTimeS)), c.FirstChannel)
	}
	if tp := r.Loudness.TruePeakDBTP; tp.Finite() && float64(tp) > a.opt.TruePeakMaxDB {
		add("true_peak", Warning, nan, "true peak %+.2f dBTP is above %.1f dBTP", float64(tp), a.opt.TruePeakMaxDB)
	}
	var dc []string
	for _, o := range d.DCOffset {
		if o.DBFS.Finite() && float64(o.DBFS) > a.opt.DCThresholdDB {
			dc = append(dc, fmt.Sprintf("%s %+.5f (%.1f dBFS)", o.Channel, o.Linear, float64(o.DBFS)))
		}
	}
	if len(dc) > 0 {
		add("dc_offset", Warning, nan, "DC offset: %s", strings.Join(dc, ", "))
	}
	if h := d.Hum; h.Detected {
		var hs []string
		for _, l := range h.Harmonics {
			hs = append(hs, fmt.Sprintf("%.1f Hz %.1f dBFS", l.FrequencyHz, l.LevelDBFS))
		}
		add("hum", Warning, h.FirstTimeS, "mains hum (%d Hz family, fundamental %.2f Hz): %s", h.MainsHz, float64(h.FrequencyHz), strings.Join(hs, ", "))
	}
	if s := r.Stereo; s != nil {
		drop := float64(s.MonoFoldDropLU)
		if math.IsInf(drop, -1) || (!math.IsNaN(drop) && drop < -a.opt.MonoFoldMaxDropLU) {
			msg := "the mono fold-down cancels completely"
			if !math.IsInf(drop, -1) {
				msg = fmt.Sprintf("the mono fold-down is %.1f LU quieter", -drop)
			}
			add("phase", Warning, s.MinCorrelationTimeS, "%s (correlation %.2f, lowest %.2f at %s): channels out of phase", msg,
				float64(s.Correlation), float64(s.MinCorrelation), formatTime(float64(s.MinCorrelationTimeS)))
		}
		if !d.Silence.AllSilent && (math.IsInf(float64(s.SideToMidDB), -1) || float64(s.SideToMidDB) < -90) {
			add("mono_content", Info, nan, "left and right are identical (side/mid %.0f dB): mono content in a stereo stream", float64(s.SideToMidDB))
		}
	}
	if b := d.Bandwidth; b.Upsampled {
		add("upsampled", Warning, nan, "content stops at %.1f kHz in a %.1f kHz stream: the top octave is empty, probably upsampled",
			float64(b.Hz)/1000, 2*b.NyquistHz/1000)
	}
	if b := d.BitDepth; b.ContentBits > 0 {
		switch {
		case !b.ContainerFloat && b.ContainerBits > 0 && b.ContentBits < b.ContainerBits:
			sev := Info
			if b.ContainerBits >= 24 && b.ContentBits <= 16 {
				sev = Warning
			}
			add("bit_depth", sev, nan, "container %d-bit, content %d-bit: the low %d bits are always zero", b.ContainerBits, b.ContentBits, b.ContainerBits-b.ContentBits)
		case b.ContainerFloat && b.ContentBits <= 24:
			add("bit_depth", Info, nan, "container %d-bit float, content %d-bit integer", b.ContainerBits, b.ContentBits)
		}
	}
	if s := d.Silence; !s.AllSilent {
		kind := func(exact bool) string {
			if exact {
				return "digital zero"
			}
			return fmt.Sprintf("below %.0f dBFS", s.ThresholdDBFS)
		}
		if s.HeadS >= a.opt.SilenceMinS {
			add("silence_head", Info, Num(0), "%.3f s of silence at the head (%s)", s.HeadS, kind(s.HeadExactZero))
		}
		if s.TailS >= a.opt.SilenceMinS {
			add("silence_tail", Info, Num(r.Loudness.DurationS-s.TailS), "%.3f s of silence at the tail (%s)", s.TailS, kind(s.TailExactZero))
		}
	}
	// Most severe first; otherwise in the order above.
	var out []Finding
	for _, sev := range []Severity{Error, Warning, Info} {
		for _, x := range f {
			if x.Severity == sev {
				out = append(out, x)
			}
		}
	}
	if out == nil {
		out = []Finding{}
	}
	return out
}

func plural(n int64) string {
	if n == 1 {
		return ""
	}
	return "s"
}

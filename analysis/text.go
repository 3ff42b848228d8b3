package analysis

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
)

// WriteText writes the report as the table `mixdown analyze` prints:
// loudness, dynamics, stereo, defects, the 1/3-octave spectrum, then the
// findings. Values are rounded for reading; the JSON carries full precision.
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	p := func(format string, args ...any) { fmt.Fprintf(tw, format, args...) }
	l := r.Loudness
	p("Loudness\tintegrated %s LUFS\trange %s LU (%s … %s LUFS)\n", f1(l.IntegratedLUFS), fmt.Sprintf("%.1f", l.RangeLU), f1(l.RangeLowLUFS), f1(l.RangeHighLUFS))
	p("\tmax momentary %s LUFS\tmax short-term %s LUFS\n", f1(l.MaxMomentaryLUFS), f1(l.MaxShortTermLUFS))
	p("Peaks\ttrue peak %s dBTP\tsample peak %s dBFS\tPLR %s LU\n", f2(l.TruePeakDBTP), f2(l.SamplePeakDBFS), f1(l.PLRLU))
	if len(l.Channels) > 1 {
		var tp, sp []string
		for _, c := range l.Channels {
			tp = append(tp, c.Channel+" "+f2(c.TruePeakDBTP))
			sp = append(sp, c.Channel+" "+f2(c.SamplePeakDBFS))
		}
		p("\ttrue peak %s\tsample peak %s\n", strings.Join(tp, ", "), strings.Join(sp, ", "))
	}
	p("Duration\t%s (%d frames)\n", formatTime(l.DurationS), l.Frames)
	d := r.Dynamics
	var crest []string
	for _, c := range d.Channels {
		crest = append(crest, c.Channel+" "+f1(c.CrestDB))
	}
	p("Dynamics\tRMS %s dBFS\tcrest %s dB (%s)\n", f1(d.RMSDBFS), f1(d.CrestDB), strings.Join(crest, ", "))
	if s := r.Stereo; s != nil {
		p("Stereo\tcorrelation %s\tlowest %s at %s (%.1f s windows)\n", f2(s.Correlation), f2(s.MinCorrelation), formatTime(float64(s.MinCorrelationTimeS)), s.CorrelationWindowS)
		fold := f1(s.MonoFoldDropLU)
		if math.IsInf(float64(s.MonoFoldDropLU), -1) {
			fold = "-inf"
		}
		p("\tside/mid %s dB\tmono fold %s LU (%s LUFS)\n", f1(s.SideToMidDB), fold, f1(s.MonoFoldLUFS))
	}
	df := r.Defects
	var dc []string
	for _, o := range df.DCOffset {
		dc = append(dc, o.Channel+" "+f1(o.DBFS))
	}
	p("DC offset\t%s dBFS\n", strings.Join(dc, ", "))
	c := df.Clipping
	if c.Runs == 0 {
		p("Clipping\tnone (runs of ≥%d samples at %s dBFS)\n", c.MinRunSamples, f2(c.ThresholdDBFS))
	} else {
		p("Clipping\t%d runs of ≥%d samples at %s dBFS\tlongest %d, total %d\tfirst at %s (%s)\n",
			c.Runs, c.MinRunSamples, f2(c.ThresholdDBFS), c.LongestSamples, c.TotalSamples, formatTime(float64(c.FirstTimeS)), c.FirstChannel)
	}
	s := df.Silence
	p("Silence\thead %.3f s%s\ttail %.3f s%s\t(threshold %.0f dBFS)\n", s.HeadS, exactNote(s.HeadS, s.HeadExactZero), s.TailS, exactNote(s.TailS, s.TailExactZero), s.ThresholdDBFS)
	p("Noise floor\t%s dBFS\t(%g%% percentile of %.0f ms RMS)\n", f1(df.NoiseFloor.DBFS), df.NoiseFloor.Percentile, df.NoiseFloor.WindowS*1000)
	h := df.Hum
	switch {
	case !h.Analyzed:
		p("Hum\tnot analysed (shorter than %.1f s)\n", h.FrameS)
	case !h.Detected:
		p("Hum\tnone\n")
	default:
		var hs []string
		for _, x := range h.Harmonics {
			hs = append(hs, fmt.Sprintf("%d: %.2f Hz %.1f dBFS", x.Harmonic, x.FrequencyHz, x.LevelDBFS))
		}
		p("Hum\t%d Hz mains, fundamental %s Hz\t%s\n", h.MainsHz, f2(h.FrequencyHz), strings.Join(hs, "; "))
	}
	b := df.BitDepth
	p("Bit depth\t%s\t%s\n", containerText(b), contentText(b))
	bw := df.Bandwidth
	note := "reaches Nyquist"
	if bw.Limited {
		note = "cliff below Nyquist"
	}
	if bw.Upsampled {
		note = "empty top octave: upsampled"
	}
	p("Bandwidth\t%s kHz\t(Nyquist %.2f kHz, %s)\n", kHz(bw.Hz), bw.NyquistHz/1000, note)
	if err := tw.Flush(); err != nil {
		return err
	}

	if len(r.Spectrum.Bands) > 0 {
		fmt.Fprintf(w, "\nSpectrum (1/3 octave, dB re full-scale sine)\n")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		hdr := "Hz\tmid\t"
		b0 := r.Spectrum.Bands[0]
		if b0.SideDB != nil {
			hdr += "side\t"
		}
		if len(b0.ChannelDB) > 1 {
			for _, n := range r.Format.ChannelNames {
				hdr += n + "\t"
			}
		}
		fmt.Fprintln(tw, hdr)
		for _, band := range r.Spectrum.Bands {
			line := fmt.Sprintf("%g\t%s\t", band.CentreHz, f1(band.MidDB))
			if band.SideDB != nil {
				line += f1(*band.SideDB) + "\t"
			}
			if len(band.ChannelDB) > 1 {
				for _, v := range band.ChannelDB {
					line += f1(v) + "\t"
				}
			}
			fmt.Fprintln(tw, line)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}

	fmt.Fprintf(w, "\nFindings\n")
	if len(r.Findings) == 0 {
		_, err := fmt.Fprintf(w, "  none\n")
		return err
	}
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, f := range r.Findings {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", f.Severity, f.Code, f.Message)
	}
	return tw.Flush()
}

func fnum(v Num, prec int) string {
	f := float64(v)
	switch {
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsInf(f, 1):
		return "+inf"
	case math.IsNaN(f):
		return "-"
	}
	return fmt.Sprintf("%.*f", prec, f)
}

func f1(v Num) string { return fnum(v, 1) }
func f2(v Num) string { return fnum(v, 2) }

func kHz(v Num) string { return fnum(v/1000, 2) }

func exactNote(s float64, exact bool) string {
	if s == 0 {
		return ""
	}
	if exact {
		return " (digital zero)"
	}
	return " (below threshold)"
}

func containerText(b BitDepth) string {
	switch {
	case b.ContainerFloat:
		return fmt.Sprintf("container %d-bit float", b.ContainerBits)
	case b.ContainerBits > 0:
		return fmt.Sprintf("container %d-bit", b.ContainerBits)
	}
	return "container unknown (lossy)"
}

func contentText(b BitDepth) string {
	switch {
	case b.ContentFloat:
		return "content float (on no integer grid ≤ 32 bits)"
	case b.ContentBits == 0:
		return "content silent"
	}
	return fmt.Sprintf("content %d-bit", b.ContentBits)
}

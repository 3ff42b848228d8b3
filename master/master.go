package master

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/mixdown/mixdown/analysis"
	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/audio/audiofile"
	"github.com/mixdown/mixdown/audio/resample"
	"github.com/mixdown/mixdown/dsp"
	"github.com/mixdown/mixdown/dsp/dynamics"
)

// Loudness landing: the limiter pass is repeated until the master is at or
// just above the target; the final pass then trims down by the exact
// excess (a gain cut never raises the true peak).
const (
	maxIterations = 6   // loudness passes per round (a round starts from the chain)
	landAimLU     = 0.1 // aim this far above the target before trimming
	landWindowLU  = 0.3 // accept a pass this far above the target
	previewS      = 30
)

// Analyze runs the analyzer over a whole source.
func Analyze(ctx context.Context, src Source) (*analysis.Report, error) {
	r, err := src()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	f := r.Format()
	a, err := analysis.New(analysis.Options{SampleRate: f.SampleRate, Channels: f.Channels, Layout: f.Layout, SourceBits: f.Bits, SourceFloat: f.Type == audio.SampleFloat})
	if err != nil {
		return nil, err
	}
	pp := &passPlan{src: r, stages: []passStage{{sinks: []func(audio.Buffer) error{func(b audio.Buffer) error { a.Write(b); return nil }}}}}
	if _, err := pp.run(ctx); err != nil {
		return nil, err
	}
	return a.Report(), nil
}

// Master masters src into out following o. The input is analyzed (unless
// in is given), decisions are made, and the chain is rendered in streaming
// passes; memory is bounded by block and lookahead sizes whatever the
// programme's length (the chain's output waits in a temporary float file).
func Master(ctx context.Context, src Source, in *analysis.Report, out Output, o Options, progress Progress) (*Result, error) {
	if in == nil {
		var err error
		if in, err = Analyze(ctx, src); err != nil {
			return nil, err
		}
	}
	plan, err := Decide(in, o)
	if err != nil {
		return nil, err
	}
	res := &Result{Plan: plan, Input: in}
	inRate, nc := in.Format.SampleRateHz, in.Format.Channels
	rate := out.SampleRate
	if rate == 0 {
		rate = o.Target.SampleRate
	}
	if rate == 0 {
		rate = inRate
	}
	bits := out.Bits
	if bits == 0 {
		bits = o.Target.Bits
	}
	if bits == 0 {
		bits = 24
	}
	res.OutFormat = audio.Format{SampleRate: rate, Channels: nc, Type: audio.SampleInt, Bits: bits}
	if bits == 32 {
		res.OutFormat.Type = audio.SampleFloat
	}

	// The chain before the loudness stage.
	spec := dsp.Spec{SampleRate: float64(rate), Channels: nc, MaxFrames: blockFrames}
	ch, err := buildChain(plan, o, nc)
	if err != nil {
		return nil, err
	}
	procs := ch.procs
	if err := procs.Prepare(spec); err != nil {
		return nil, fmt.Errorf("preparing the chain: %w", err)
	}
	res.Chain = append(res.Chain, ch.names...)
	// The EQ curves actually realized (after Prepare fitted them).
	for i, e := range ch.eq() {
		var pts []EQPoint
		for _, f := range dsp.ISOThirdOctaveHz {
			if f < float64(rate)/2 {
				pts = append(pts, EQPoint{FreqHz: f, GainDB: round2(e.Response(f))})
			}
		}
		if i == 0 {
			res.EQRealized = pts
		} else {
			res.EQSideRealized = pts
		}
	}
	// tmp holds the chain's output, written by the first pass.
	var tmp *tempFloat
	defer func() {
		if tmp != nil {
			tmp.remove()
		}
	}()

	// The loudness stage: gain and limiter, repeated until the loudness
	// lands in [target, target+landWindowLU]; the final pass trims the
	// excess. The first pass runs the chain and the loudness stage as a
	// pipeline (both cores) at a gain predicted from the analysis, keeping
	// the chain's output in tmp; any further pass reads tmp, at a gain from
	// the secant through the last two passes (the limiter makes loudness
	// grow slower than gain once it works hard).
	ceiling := plan.CeilingDBTP
	target := plan.TargetLUFS
	gain := target + landAimLU - predictLoudness(in, ch, plan)
	var reached float64
	var stats dynamics.GainReductionStats
	var loudest int64
	var prevGain, prevReached float64
	// limited holds the output of the latest limiter pass; the final pass
	// reads it instead of running the limiter again.
	var limited *tempFloat
	defer func() {
		if limited != nil {
			limited.remove()
		}
	}()
	// satTmp holds the chain's output through the saturation at the
	// current drive (the saturation comes before the gain, so its output
	// does not depend on it): it is computed once per drive.
	var satTmp *tempFloat
	satDrive := 0.0
	defer func() {
		if satTmp != nil {
			satTmp.remove()
		}
	}()
	limit := func(first bool) error {
		if limited != nil {
			limited.remove()
		}
		var err error
		if limited, err = newTempFloat(out.TempDir, rate, nc); err != nil {
			return err
		}
		c, lim, err := newLimiter(gain, ceiling, spec)
		if err != nil {
			return err
		}
		// The saturation stage, when its output is not on file yet.
		var satStage []passStage
		newSat := plan.SaturationDriveDB > 0 && (first || satTmp == nil || satDrive != plan.SaturationDriveDB)
		if newSat {
			// Each channel saturates on its own core.
			sat := newChannelSplit(func() dsp.Processor { return saturationStage(plan) })
			defer sat.close()
			if err := sat.Prepare(spec); err != nil {
				return err
			}
			if satTmp != nil {
				satTmp.remove()
			}
			if satTmp, err = newTempFloat(out.TempDir, rate, nc); err != nil {
				return err
			}
			satDrive = plan.SaturationDriveDB
			satStage = []passStage{{procs: dsp.Chain{sat}, sinks: []func(audio.Buffer) error{satTmp.write}}}
		}
		m, err := newMeterSink(rate, nc, nil)
		if err != nil {
			return err
		}
		win := newLoudestWindow(rate)
		tail := append(satStage, passStage{procs: c}, passStage{sinks: []func(audio.Buffer) error{limited.write, m.write, win.write}})
		var pp *passPlan
		var closeSrc func() error
		if first {
			if tmp, err = newTempFloat(out.TempDir, rate, nc); err != nil {
				m.close()
				return err
			}
			r, err := src()
			if err != nil {
				m.close()
				return err
			}
			closeSrc = r.Close
			var reader audio.Reader = r
			if rate != inRate {
				if reader, err = resample.NewReader(r, rate); err != nil {
					r.Close()
					m.close()
					return err
				}
			}
			pp = &passPlan{src: reader, total: in.Loudness.Frames, name: "master", report: progress,
				stages: append([]passStage{{procs: procs, sinks: []func(audio.Buffer) error{tmp.write}}}, tail...)}
		} else {
			from := tmp
			if plan.SaturationDriveDB > 0 && !newSat {
				from = satTmp
			}
			r, err := from.reader()
			if err != nil {
				m.close()
				return err
			}
			pp = &passPlan{src: r, total: from.frames, name: "limiter", report: progress, stages: tail}
		}
		_, err = pp.run(ctx)
		if closeSrc != nil {
			closeSrc()
		}
		meter := m.close()
		if first && err == nil {
			err = tmp.finish()
		}
		if newSat && err == nil {
			err = satTmp.finish()
		}
		if err != nil {
			return err
		}
		reached, _ = meter.Integrated()
		if math.IsInf(reached, -1) {
			return fmt.Errorf("the processed programme is silent: %w", ErrSilent)
		}
		stats, loudest = lim.Stats(), win.start(previewS)
		return limited.finish()
	}
	round := 0
	for it := 1; ; it++ {
		res.Iterations = it
		round++
		if err := limit(it == 1); err != nil {
			return nil, err
		}
		if it == 1 && ch.multiband != nil {
			res.Multiband = ch.multiband.BandStats()
		}
		over := stats.MaxDB > o.MaxLimitDB+0.01
		// The secant slope (LU of loudness per dB of gain) through the
		// last two passes of this round.
		slope := 1.0
		if round > 1 && math.Abs(gain-prevGain) > 1e-3 {
			slope = max(0.1, min(1, (reached-prevReached)/(gain-prevGain)))
		} else if stats.MaxDB > 1 {
			slope = 0.7
		}
		// The loudest this chain gets with the limiter at its allowed
		// amount (loudness is monotonic in gain).
		capped := reached
		if over {
			capped = reached - slope*(stats.MaxDB-o.MaxLimitDB)
		}
		if capped < target && stats.MaxDB > o.MaxLimitDB-0.25 {
			// Meeting the target needs more limiting than allowed: either
			// round the peaks off with soft saturation before the limiter
			// (when the dynamics are automatic) and start again from the
			// chain, or back off to the allowed amount and say so.
			if autoSaturation(plan, o, target-capped) {
				prevGain, prevReached = 0, 0
				round = 0
				continue
			}
			if over {
				gain -= stats.MaxDB - o.MaxLimitDB
				if err := limit(false); err != nil {
					return nil, err
				}
			}
			res.Shortfall = fmt.Sprintf("the target of %.1f LUFS needs more than %.1f dB of peak limiting (--max-limit); mixdown stopped at %.1f dB of limiting and delivered %.2f LUFS instead. Raise --max-limit to go further, at the cost of transients.",
				target, o.MaxLimitDB, stats.MaxDB, reached)
			break
		}
		if !over && reached >= target && reached <= target+landWindowLU {
			break
		}
		// The largest gain reduction grows dB for dB with the gain once
		// the limiter works: when the next step would take it well past
		// the allowance, saturate now rather than after a pass that only
		// confirms it.
		if step := (target + landAimLU - reached) / slope; !over && step > 0 && stats.MaxDB > 1 &&
			stats.MaxDB+step > o.MaxLimitDB+0.5 {
			if autoSaturation(plan, o, target-(reached+slope*(o.MaxLimitDB-stats.MaxDB))) {
				prevGain, prevReached = 0, 0
				round = 0
				continue
			}
		}
		if round == maxIterations {
			if over {
				// Never deliver more limiting than allowed.
				gain -= stats.MaxDB - o.MaxLimitDB
				if err := limit(false); err != nil {
					return nil, err
				}
			}
			if reached < target {
				res.Shortfall = fmt.Sprintf("loudness did not converge in %d passes; delivered %.2f LUFS", it, reached)
			}
			break
		}
		prevGain, prevReached = gain, reached
		gain += (target + landAimLU - reached) / slope
	}
	if plan.SaturationDriveDB > 0 {
		res.Chain = append(res.Chain, "saturation")
	}
	trim := 0.0
	if res.Shortfall == "" {
		trim = plan.TargetLUFS - reached // <= 0
	}
	res.GainDB, res.TrimDB, res.Limiter = gain, trim, stats
	res.PreviewStartS = float64(loudest) / float64(rate)

	// Final pass: the same gain and limiter, the trim, then dither and
	// write; verify loudness and true peak on the way, analyze the result.
	if err := finalPass(ctx, limited, res, out, spec, trim, progress); err != nil {
		return nil, err
	}
	if res.TruePeakDBTP > ceiling {
		// The limiter's own margin should make this impossible; if it ever
		// happens, say so rather than deliver an over silently.
		return res, fmt.Errorf("the master's true peak %.3f dBTP exceeds the ceiling %.1f dBTP", res.TruePeakDBTP, ceiling)
	}
	if out.PreviewDir != "" {
		if err := writePreviews(ctx, src, in, res, out); err != nil {
			return res, err
		}
	}
	return res, nil
}

// newLimiter builds the loudness stage: gain, then the true-peak limiter.
func newLimiter(gainDB, ceiling float64, spec dsp.Spec) (dsp.Chain, *dynamics.Limiter, error) {
	lp := dynamics.DefaultLimiterParams()
	lp.CeilingDBTP = ceiling
	lim := dynamics.NewLimiter(lp)
	g := dsp.NewGain(dsp.GainParams{GainDB: gainDB})
	c := dsp.Chain{g, lim}
	if err := c.Prepare(spec); err != nil {
		return nil, nil, err
	}
	return c, lim, nil
}

// finalPass trims the limited programme to the target, writes the master
// and measures it.
func finalPass(ctx context.Context, limited *tempFloat, res *Result, out Output, spec dsp.Spec, trimDB float64, progress Progress) error {
	trim := dsp.NewGain(dsp.GainParams{GainDB: trimDB})
	if err := trim.Prepare(spec); err != nil {
		return err
	}
	c := dsp.Chain{trim}
	r, err := limited.reader()
	if err != nil {
		return err
	}
	// The analysis of the master measures the loudness and, at 8x, the
	// true peak it is judged by; it runs on its own goroutine.
	a, err := analysis.New(analysis.Options{SampleRate: int(spec.SampleRate), Channels: spec.Channels, SourceBits: res.OutFormat.Bits,
		SourceFloat: res.OutFormat.Type == audio.SampleFloat, TruePeakFilter: verifyFilter()})
	if err != nil {
		return err
	}
	an := newAsyncSink(spec.Channels, func(b audio.Buffer) error { a.Write(b); return nil })
	sinks := []func(audio.Buffer) error{an.write}
	var w *audiofile.Writer
	if out.Path != "" {
		dither := out.Dither
		if dither == audio.DitherNone && res.OutFormat.Type == audio.SampleInt {
			dither = audio.DitherTPDF
		}
		w, err = audiofile.Create(out.Path, res.OutFormat, audiofile.WriteOptions{Container: out.Container, Dither: dither, Seed: 1})
		if err != nil {
			an.close()
			return err
		}
		defer w.Abort()
		sinks = append(sinks, w.WriteFrames)
	}
	// The after-preview is captured from this pass.
	var clip *clipCapture
	if out.PreviewDir != "" {
		clip = newClipCapture(int64(res.PreviewStartS*spec.SampleRate), int(previewS*spec.SampleRate), spec.Channels)
		sinks = append(sinks, clip.write)
	}
	pp := &passPlan{src: r, name: "final", report: progress, total: limited.frames, stages: []passStage{{procs: c}, {sinks: sinks}}}
	_, err = pp.run(ctx)
	an.close()
	if err != nil {
		return err
	}
	if w != nil {
		if err := w.Close(); err != nil {
			return err
		}
	}
	res.Output = a.Report()
	res.ReachedLUFS = float64(res.Output.Loudness.IntegratedLUFS)
	res.TruePeakDBTP = float64(res.Output.Loudness.TruePeakDBTP)
	if clip != nil {
		res.afterClip = clip.buf
	}
	return nil
}

// loudestWindow finds the loudest stretch of a programme from per-second
// mean-square levels (bounded: 8 bytes per second of programme).
type loudestWindow struct {
	rate int
	acc  float64
	n    int
	secs []float64
}

func newLoudestWindow(rate int) *loudestWindow { return &loudestWindow{rate: rate} }

func (l *loudestWindow) write(b audio.Buffer) error {
	n := b.Frames()
	for off := 0; off < n; {
		k := min(n-off, l.rate-l.n)
		for c := range b {
			l.acc += sumSquares(b[c][off : off+k])
		}
		off += k
		if l.n += k; l.n == l.rate {
			l.secs = append(l.secs, l.acc)
			l.acc, l.n = 0, 0
		}
	}
	return nil
}

// sumSquares returns Σx² over x, in four float64 partial sums.
func sumSquares(x []float32) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+3 < len(x); i += 4 {
		a, b, c, d := float64(x[i]), float64(x[i+1]), float64(x[i+2]), float64(x[i+3])
		s0 += a * a
		s1 += b * b
		s2 += c * c
		s3 += d * d
	}
	for ; i < len(x); i++ {
		v := float64(x[i])
		s0 += v * v
	}
	return (s0 + s1) + (s2 + s3)
}

// start returns the first frame of the loudest window of seconds seconds.
func (l *loudestWindow) start(seconds int) int64 {
	if len(l.secs) <= seconds {
		return 0
	}
	var sum, best float64
	bestAt := 0
	for i, v := range l.secs {
		sum += v
		if i >= seconds {
			sum -= l.secs[i-seconds]
		}
		if i >= seconds-1 && sum > best {
			best, bestAt = sum, i-seconds+1
		}
	}
	return int64(bestAt) * int64(l.rate)
}

// clipCapture keeps frames [from, from+n) of a stream.
type clipCapture struct {
	from int64
	pos  int64
	buf  audio.Buffer
	fill int
}

func newClipCapture(from int64, n, channels int) *clipCapture {
	return &clipCapture{from: from, buf: audio.NewBuffer(channels, n)}
}

func (c *clipCapture) write(b audio.Buffer) error {
	n := int64(b.Frames())
	lo, hi := max(c.from, c.pos), min(c.from+int64(c.buf.Frames()), c.pos+n)
	for f := lo; f < hi; f++ {
		for ch := range b {
			c.buf[ch][f-c.from] = b[ch][f-c.pos]
		}
		c.fill = max(c.fill, int(f-c.from+1))
	}
	c.pos += n
	return nil
}

func (c *clipCapture) frames() audio.Buffer {
	return c.buf.Head(make(audio.Buffer, len(c.buf)), c.fill)
}

// writePreviews writes the loudest 30 s before and after, at equal
// integrated loudness, so the comparison is about sound, not level.
func writePreviews(ctx context.Context, src Source, in *analysis.Report, res *Result, out Output) error {
	after := res.afterClip
	if after == nil {
		return nil
	}
	inRate := in.Format.SampleRateHz
	from := int64(res.PreviewStartS * float64(inRate))
	r, err := src()
	if err != nil {
		return err
	}
	defer r.Close()
	before := newClipCapture(from, previewS*inRate, r.Format().Channels)
	pp := &passPlan{src: r, stages: []passStage{{sinks: []func(audio.Buffer) error{before.write}}}}
	if _, err := pp.run(ctx); err != nil {
		return err
	}
	b := before.frames()
	la, err := clipLoudness(after, res.OutFormat.SampleRate)
	if err != nil {
		return err
	}
	lb, err := clipLoudness(b, inRate)
	if err != nil {
		return err
	}
	if !math.IsInf(la, 0) && !math.IsInf(lb, 0) {
		b.Scale(math.Pow(10, (la-lb)/20))
	}
	if err := os.MkdirAll(out.PreviewDir, 0o755); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		buf  audio.Buffer
		rate int
	}{{"preview-before.wav", b, inRate}, {"preview-after.wav", after, res.OutFormat.SampleRate}} {
		w, err := audiofile.Create(filepath.Join(out.PreviewDir, f.name), audio.Format{SampleRate: f.rate, Channels: f.buf.Channels(), Type: audio.SampleInt, Bits: 24}, audiofile.WriteOptions{Dither: audio.DitherTPDF, Seed: 2})
		if err != nil {
			return err
		}
		if err := w.WriteFrames(f.buf); err != nil {
			w.Abort()
			return err
		}
		if err := w.Close(); err != nil {
			return err
		}
	}
	return nil
}

func clipLoudness(b audio.Buffer, rate int) (float64, error) {
	m, err := loudnessMeter(rate, b.Channels())
	if err != nil {
		return 0, err
	}
	m.Write(b)
	l, _ := m.Integrated()
	return l, nil
}

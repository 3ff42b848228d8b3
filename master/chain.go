package master

import (
	"fmt"
	"math"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/dsp"
	"github.com/mixdown/mixdown/dsp/dynamics"
	"github.com/mixdown/mixdown/dsp/fx"
)

// stage is one named step of the chain, kept for the report.
type stage struct {
	name string
	p    dsp.Processor
}

// chain is the part of the master before the loudness stage.
type chain struct {
	stages    []stage
	multiband *dynamics.Multiband
	// eq returns the prepared EQ sections (one for stereo-linked EQ, mid
	// and side for M/S) whose realized response the report shows.
	eq func() []*dsp.CurveEQ
}

// close stops the stages' worker goroutines.
func (c *chain) close() {
	for _, s := range c.stages {
		if cl, ok := s.p.(closer); ok {
			cl.close()
		}
	}
}

// eqBellsPerOctave is the density of the tonal EQ's bells: the plan is
// smoothed to about 2/3 octave, and 2 bells per octave follow such curves
// within 0.5 dB (dsp's TestCurveEQSparseBells) at two thirds of the cost
// of third-octave bells.
const eqBellsPerOctave = 2

func (c *chain) processors() dsp.Chain {
	var out dsp.Chain
	for _, s := range c.stages {
		out = append(out, s.p)
	}
	return out
}

// eqPoints converts a plan's EQ to curve points; ok is false when nothing
// moves by 0.05 dB or more (the stage is then left out).
func eqPoints(eq []EQPoint) (pts []dsp.CurvePoint, ok bool) {
	for _, e := range eq {
		pts = append(pts, dsp.CurvePoint{FreqHz: e.FreqHz, GainDB: e.GainDB})
		if math.Abs(e.GainDB) >= 0.05 {
			ok = true
		}
	}
	return pts, ok
}

// buildChain turns a plan into processors for channels channels.
func buildChain(p *Plan, o Options, channels int) (*chain, error) {
	c := &chain{}
	add := func(name string, proc dsp.Processor) { c.stages = append(c.stages, stage{name, proc}) }
	// Channel-independent stages run one copy per channel, on both cores.
	add("subsonic high-pass", newChannelSplit(func() dsp.Processor {
		return dsp.NewFilter(dsp.FilterParams{Type: "highpass", FreqHz: p.SubsonicHz, SlopeDBOct: 12})
	}))
	if p.HumHz > 0 {
		add("hum notches", newChannelSplit(func() dsp.Processor { return dsp.NewHumNotch(p.HumHz, p.HumHarmonics, 0) }))
	}
	boost, cut := o.MaxBoostDB, o.MaxCutDB
	if o.Reference != nil {
		boost, cut = o.ReferenceMaxDB, o.ReferenceMaxDB
	}
	newEQ := func(pts []dsp.CurvePoint) *dsp.CurveEQ {
		e := dsp.NewCurveEQ(pts, boost, cut)
		e.SetBellsPerOctave(eqBellsPerOctave)
		return e
	}
	c.eq = func() []*dsp.CurveEQ { return nil }
	if pts, ok := eqPoints(p.EQMid); ok || p.EQSide != nil {
		if p.EQSide != nil && channels == 2 {
			spts, _ := eqPoints(p.EQSide)
			mid, side := newEQ(pts), newEQ(spts)
			c.eq = func() []*dsp.CurveEQ { return []*dsp.CurveEQ{mid, side} }
			add("mid/side tonal EQ", &midSide{mid: mid, side: side})
		} else if ok {
			split := newChannelSplit(func() dsp.Processor { return newEQ(pts) })
			c.eq = func() []*dsp.CurveEQ { return []*dsp.CurveEQ{split.procs[0].(*dsp.CurveEQ)} }
			add("tonal EQ", split)
		}
	}
	if p.Bands != nil {
		var bands []dynamics.CompressorParams
		for _, b := range p.Bands {
			cp := dynamics.DefaultCompressorParams()
			cp.ThresholdDB, cp.Ratio, cp.AttackMS, cp.ReleaseMS, cp.KneeDB = b.ThresholdDB, b.Ratio, b.AttackMS, b.ReleaseMS, b.KneeDB
			cp.Detector = "rms"
			bands = append(bands, cp)
		}
		c.multiband = dynamics.NewMultiband(dynamics.MultibandParams{CrossoversHz: p.CrossoversHz, Bands: bands, Mix: 1})
		add("multiband compressor", c.multiband)
	}
	if channels == 2 && (p.Width != 1 || p.MonoBelowHz > 0) {
		add("stereo width", fx.NewWidth(fx.WidthParams{Width: p.Width, MonoBelowHz: p.MonoBelowHz}))
	}
	return c, nil
}

// saturationStage returns the plan's soft saturation, or nil. The
// programme's peak is brought to full scale for the curve and back, so the
// drive means the same at any level.
func saturationStage(p *Plan) dsp.Processor {
	if p.SaturationDriveDB <= 0 {
		return nil
	}
	sp := fx.DefaultSaturationParams()
	sp.DriveDB = p.SaturationDriveDB
	return dsp.Chain{dsp.NewGain(dsp.GainParams{GainDB: -p.SaturationPeakDB}), fx.NewSaturation(sp), dsp.NewGain(dsp.GainParams{GainDB: p.SaturationPeakDB})}
}

// midSide applies one processor to the mid signal and another to the side
// of a stereo buffer (the two on both cores).
type midSide struct {
	mid, side    dsp.Processor
	m, s         audio.Buffer
	hm, hs       audio.Buffer
	w            *worker
	doMid, doSid func()
}

func (ms *midSide) Prepare(spec dsp.Spec) error {
	if spec.Channels != 2 {
		return fmt.Errorf("mid/side processing needs stereo, got %d channels", spec.Channels)
	}
	mono := spec
	mono.Channels = 1
	if err := ms.mid.Prepare(mono); err != nil {
		return err
	}
	if err := ms.side.Prepare(mono); err != nil {
		return err
	}
	ms.m, ms.s = audio.NewBuffer(1, spec.MaxFrames), audio.NewBuffer(1, spec.MaxFrames)
	ms.hm, ms.hs = make(audio.Buffer, 1), make(audio.Buffer, 1)
	ms.doMid = func() { ms.mid.Process(ms.hm) }
	ms.doSid = func() { ms.side.Process(ms.hs) }
	if ms.w == nil {
		ms.w = newWorker()
	}
	return nil
}

func (ms *midSide) close() {
	if ms.w != nil {
		ms.w.close()
		ms.w = nil
	}
}

func (ms *midSide) Process(buf audio.Buffer) {
	n := buf.Frames()
	m, s := ms.m.Head(ms.hm, n), ms.s.Head(ms.hs, n)
	l, r := buf[0], buf[1]
	for i := range l {
		m[0][i] = (l[i] + r[i]) * 0.5
		s[0][i] = (l[i] - r[i]) * 0.5
	}
	ms.w.both(ms.doMid, ms.doSid)
	for i := range l {
		l[i] = m[0][i] + s[0][i]
		r[i] = m[0][i] - s[0][i]
	}
}

func (ms *midSide) Reset()       { ms.mid.Reset(); ms.side.Reset() }
func (ms *midSide) Latency() int { return max(ms.mid.Latency(), ms.side.Latency()) }

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
	eq        []*dsp.CurveEQ // the EQ sections (1 for stereo-linked, mid+side for M/S)
}

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
	add("subsonic high-pass", dsp.NewFilter(dsp.FilterParams{Type: "highpass", FreqHz: p.SubsonicHz, SlopeDBOct: 12}))
	if p.HumHz > 0 {
		add("hum notches", dsp.NewHumNotch(p.HumHz, p.HumHarmonics, 0))
	}
	boost, cut := o.MaxBoostDB, o.MaxCutDB
	if o.Reference != nil {
		boost, cut = o.ReferenceMaxDB, o.ReferenceMaxDB
	}
	if pts, ok := eqPoints(p.EQMid); ok || p.EQSide != nil {
		mid := dsp.NewCurveEQ(pts, boost, cut)
		if p.EQSide != nil && channels == 2 {
			spts, _ := eqPoints(p.EQSide)
			side := dsp.NewCurveEQ(spts, boost, cut)
			c.eq = []*dsp.CurveEQ{mid, side}
			add("mid/side tonal EQ", &midSide{mid: mid, side: side})
		} else if ok {
			c.eq = []*dsp.CurveEQ{mid}
			add("tonal EQ", mid)
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
	if p.SaturationDriveDB > 0 {
		sp := fx.DefaultSaturationParams()
		sp.DriveDB = p.SaturationDriveDB
		add("saturation", fx.NewSaturation(sp))
	}
	return c, nil
}

// midSide applies one processor to the mid signal and another to the side
// of a stereo buffer.
type midSide struct {
	mid, side dsp.Processor
	m, s      audio.Buffer
	hm, hs    audio.Buffer
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
	return nil
}

func (ms *midSide) Process(buf audio.Buffer) {
	n := buf.Frames()
	m, s := ms.m.Head(ms.hm, n), ms.s.Head(ms.hs, n)
	l, r := buf[0], buf[1]
	for i := range l {
		m[0][i] = (l[i] + r[i]) * 0.5
		s[0][i] = (l[i] - r[i]) * 0.5
	}
	ms.mid.Process(m)
	ms.side.Process(s)
	for i := range l {
		l[i] = m[0][i] + s[0][i]
		r[i] = m[0][i] - s[0][i]
	}
}

func (ms *midSide) Reset()       { ms.mid.Reset(); ms.side.Reset() }
func (ms *midSide) Latency() int { return max(ms.mid.Latency(), ms.side.Latency()) }

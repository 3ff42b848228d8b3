package master

import (
	"math"
	"slices"

	"github.com/mixdown/mixdown/dsp"
	"github.com/mixdown/mixdown/dsp/dynamics"
	"github.com/mixdown/mixdown/dsp/fx"
)

// chain is the part of the master before the loudness stage.
type chain struct {
	// names are the stages for the report, in order.
	names     []string
	procs     dsp.Chain
	multiband *dynamics.Multiband
	// eq returns the prepared EQ sections (one for stereo-linked EQ, mid
	// and side for M/S) whose realized response the report shows.
	eq func() []*dsp.CurveEQ
}

// humQ sets the width of the hum notches: mains/humQ Hz at -3 dB (2.5 Hz
// at 50 Hz), wide enough for mains drifting by ±0.5 %, narrow enough to
// leave the music around each harmonic alone.
const humQ = 20

// eqBellsPerOctave is the density of the tonal EQ's bells: the plan is
// smoothed to about 2/3 octave, and 2 bells per octave follow such curves
// within 0.5 dB (dsp's TestCurveEQSparseBells) at two thirds of the cost
// of third-octave bells.
const eqBellsPerOctave = 2

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
	// The filters run as one batch of sections (the processors only
	// supply coefficients, so one instance may serve both mid and side).
	common := []dsp.Processor{dsp.NewFilter(dsp.FilterParams{Type: "highpass", FreqHz: p.SubsonicHz, SlopeDBOct: 12})}
	c.names = append(c.names, "subsonic high-pass")
	if p.HumHz > 0 {
		common = append(common, dsp.NewHumNotch(p.HumHz, p.HumHarmonics, humQ))
		c.names = append(c.names, "hum notches")
	}
	lane := func(extra ...dsp.Processor) []dsp.Processor { return slices.Concat(common, extra) }
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
	// In stereo the width (side gain and mono-bass crossover) joins the
	// batch when nothing non-linear comes between it and the EQ: the
	// filters then run on mid and side.
	widthStage := channels == 2 && (p.Width != 1 || p.MonoBelowHz > 0)
	mergeWidth := widthStage && p.Bands == nil
	filters := &sections{sideGain: 1}
	pts, ok := eqPoints(p.EQMid)
	switch {
	case channels == 2 && (p.EQSide != nil || mergeWidth):
		var midEQ, sideEQ []dsp.Processor
		switch {
		case p.EQSide != nil:
			spts, _ := eqPoints(p.EQSide)
			mid, side := newEQ(pts), newEQ(spts)
			c.eq = func() []*dsp.CurveEQ { return []*dsp.CurveEQ{mid, side} }
			midEQ, sideEQ = []dsp.Processor{mid}, []dsp.Processor{side}
			c.names = append(c.names, "mid/side tonal EQ")
		case ok:
			e := newEQ(pts)
			c.eq = func() []*dsp.CurveEQ { return []*dsp.CurveEQ{e} }
			midEQ, sideEQ = []dsp.Processor{e}, []dsp.Processor{e}
			c.names = append(c.names, "tonal EQ")
		}
		if mergeWidth {
			if p.MonoBelowHz > 0 {
				fc := p.MonoBelowHz
				midEQ = append(midEQ, dsp.NewSections(func(fs float64) []dsp.Coefs { m, _ := fx.MonoBassSections(fc, fs); return m }))
				sideEQ = append(sideEQ, dsp.NewSections(func(fs float64) []dsp.Coefs { _, s := fx.MonoBassSections(fc, fs); return s }))
			}
			filters.sideGain = float32(p.Width)
		}
		filters.ms, filters.chains = true, [][]dsp.Processor{lane(midEQ...), lane(sideEQ...)}
	case ok:
		e := newEQ(pts)
		c.eq = func() []*dsp.CurveEQ { return []*dsp.CurveEQ{e} }
		filters.chains = [][]dsp.Processor{lane(e)}
		c.names = append(c.names, "tonal EQ")
	default:
		filters.chains = [][]dsp.Processor{lane()}
	}
	c.procs = append(c.procs, filters)
	if p.Bands != nil {
		var bands []dynamics.CompressorParams
		for _, b := range p.Bands {
			cp := dynamics.DefaultCompressorParams()
			cp.ThresholdDB, cp.Ratio, cp.AttackMS, cp.ReleaseMS, cp.KneeDB = b.ThresholdDB, b.Ratio, b.AttackMS, b.ReleaseMS, b.KneeDB
			cp.Detector = "rms"
			bands = append(bands, cp)
		}
		c.multiband = dynamics.NewMultiband(dynamics.MultibandParams{CrossoversHz: p.CrossoversHz, Bands: bands, Mix: 1})
		c.procs = append(c.procs, c.multiband)
		c.names = append(c.names, "multiband compressor")
	}
	if widthStage {
		if !mergeWidth {
			c.procs = append(c.procs, fx.NewWidth(fx.WidthParams{Width: p.Width, MonoBelowHz: p.MonoBelowHz}))
		}
		c.names = append(c.names, "stereo width")
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

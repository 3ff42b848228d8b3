package mix

import (
	"fmt"
	"math"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/dsp/fx"
	"github.com/mixdown/mixdown/mix/session"
)

// placement maps a node's channels into the layout of the bus it feeds: a
// matrix of gains dst×src (row-major, dst[d*src+c]) that depends on the pan
// position (or the 5.1 angle) and is otherwise fixed.
type placement struct {
	mode   placeMode
	src    int // source channels
	dst    int // destination channels
	law    string
	width  float64 // stereo width (0..2)
	lfe    float64 // linear LFE send (5.1), 0 for none
	layout audio.Layout
	// fixed holds the matrix of modes that do not depend on pan.
	fixed []float64
	// table holds 5.1 gains by angle, for automated angles.
	table [][6]float64
}

type placeMode uint8

const (
	placeFixed            placeMode = iota // identity or downmix, pan ignored
	placeMonoToStereo                      // pan law
	placeStereoToStereo                    // width, then balance
	placeMonoToSurround                    // pairwise constant power by angle
	placeStereoToSurround                  // each side at angle ∓ 30°·width
)

const invSqrt2 = 0.7071067811865476

// itu51ToStereo is the ITU-R BS.775 downmix Lo/Ro from L R C LFE Ls Rs
// (the LFE is dropped).
var itu51ToStereo = []float64{
	1, 0, invSqrt2, 0, invSqrt2, 0,
	0, 1, invSqrt2, 0, 0, invSqrt2,
}

// layoutOf returns the audio layout of a session layout name.
func layoutOf(name string) audio.Layout {
	switch name {
	case session.LayoutMono:
		return audio.LayoutMono
	case session.LayoutSurround:
		return audio.Layout5_1
	}
	return audio.LayoutStereo
}

// newPlacement plans how src channels (laid out as srcLayout) enter a bus
// of dstLayout.
func newPlacement(srcLayout, dstLayout audio.Layout, law string, width, lfeDB float64, hasLFE bool) (*placement, error) {
	p := &placement{src: srcLayout.Count(), dst: dstLayout.Count(), law: law, width: width, layout: dstLayout}
	if hasLFE {
		p.lfe = math.Pow(10, lfeDB/20)
	}
	if err := fx.ValidatePanLaw(law); err != nil {
		return nil, err
	}
	fixed := func(m []float64) (*placement, error) {
		p.mode, p.fixed = placeFixed, m
		return p, nil
	}
	switch {
	case srcLayout == dstLayout && srcLayout != audio.LayoutMono && srcLayout != audio.LayoutStereo:
		// 5.1 into 5.1: channel for channel.
		m := make([]float64, p.dst*p.src)
		for c := 0; c < p.src; c++ {
			m[c*p.src+c] = 1
		}
		return fixed(m)
	case dstLayout == audio.LayoutMono:
		switch srcLayout {
		case audio.LayoutMono:
			return fixed([]float64{1})
		case audio.LayoutStereo:
			return fixed([]float64{0.5, 0.5})
		case audio.Layout5_1:
			m := make([]float64, 6)
			for c := range m {
				m[c] = 0.5 * (itu51ToStereo[c] + itu51ToStereo[6+c])
			}
			return fixed(m)
		}
	case dstLayout == audio.LayoutStereo:
		switch srcLayout {
		case audio.LayoutMono:
			p.mode = placeMonoToStereo
			return p, nil
		case audio.LayoutStereo:
			p.mode = placeStereoToStereo
			return p, nil
		case audio.Layout5_1:
			return fixed(append([]float64(nil), itu51ToStereo...))
		}
	case dstLayout == audio.Layout5_1:
		switch srcLayout {
		case audio.LayoutMono:
			p.mode = placeMonoToSurround
			return p, nil
		case audio.LayoutStereo:
			p.mode = placeStereoToSurround
			return p, nil
		}
	}
	return nil, fmt.Errorf("cannot place a %s signal (%d channels) into a %s bus: sources and buses must be mono, stereo or 5.1",
		srcLayout, srcLayout.Count(), dstLayout)
}

// dependsOnPan reports whether the matrix changes with pan or angle.
func (p *placement) dependsOnPan() bool { return p.mode != placeFixed }

// surroundTableStep is the angle resolution of the table used for
// automated 5.1 pans, in degrees.
const surroundTableStep = 0.25

// useTable makes matrix read 5.1 gains from a precomputed table (linear
// interpolation between surroundTableStep degrees, within 3e-5 of the
// exact gains: TestSurroundTable) instead of calling fx.SurroundPan, which
// allocates: for automated angles, evaluated every sample.
func (p *placement) useTable() {
	if p.mode != placeMonoToSurround && p.mode != placeStereoToSurround || p.table != nil {
		return
	}
	n := int(360/surroundTableStep) + 1
	p.table = make([][6]float64, n)
	for i := range p.table {
		g := fx.SurroundPan(-180+float64(i)*surroundTableStep, 0, p.layout)
		copy(p.table[i][:], g)
	}
}

// surround writes the 5.1 gains (without LFE) of a mono source at angle
// degrees into column c of m (stride cols).
func (p *placement) surround(m []float64, cols, c int, angle float64) {
	var g [6]float64
	if p.table == nil {
		copy(g[:], fx.SurroundPan(angle, 0, p.layout))
	} else {
		a := math.Mod(angle+180, 360)
		if a < 0 {
			a += 360
		}
		x := a / surroundTableStep
		i := int(x)
		f := x - float64(i)
		if i >= len(p.table)-1 {
			i, f = len(p.table)-2, 1
		}
		for d := range g {
			g[d] = p.table[i][d] + f*(p.table[i+1][d]-p.table[i][d])
		}
	}
	for d := range 6 {
		m[d*cols+c] = g[d]
	}
}

// matrix writes the gains for pan position pan (-1..1) and, for 5.1,
// direction angle in degrees into m (len dst*src).
func (p *placement) matrix(m []float64, pan, angle float64) {
	switch p.mode {
	case placeFixed:
		copy(m, p.fixed)
	case placeMonoToStereo:
		m[0], m[1] = fx.PanGains(p.law, pan)
	case placeStereoToStereo:
		// Width in mid/side, then balance: the side panned towards stays
		// at unity, the other follows the pan law's curve normalised to
		// unity at centre.
		a, b := (1+p.width)/2, (1-p.width)/2
		gl, gr := fx.StereoBalance(p.law, pan)
		m[0], m[1] = gl*a, gl*b
		m[2], m[3] = gr*b, gr*a
	case placeMonoToSurround:
		p.surround(m, 1, 0, angle)
		m[3] = p.lfe
	case placeStereoToSurround:
		spread := 30 * p.width
		p.surround(m, 2, 0, angle-spread)
		p.surround(m, 2, 1, angle+spread)
		m[3*2], m[3*2+1] = p.lfe*0.5, p.lfe*0.5
	}
}

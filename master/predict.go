package master

import (
	"math"

	"github.com/mixdown/mixdown/analysis"
	"github.com/mixdown/mixdown/loudness"
)

// predictLoudness estimates the integrated loudness (LUFS) of the
// programme after the chain's linear stages: the input's long-term mid
// and side band powers, K-weighted, through the subsonic high-pass, the
// prepared EQ's realized response, the width and the mono lows. It lets the
// first loudness pass run in the same pipeline as the chain; the multiband
// compressor and saturation are not modelled, and any error is corrected
// by the next pass.
func predictLoudness(in *analysis.Report, ch *chain, p *Plan) float64 {
	inI := float64(in.Loudness.IntegratedLUFS)
	rate := float64(in.Format.SampleRateHz)
	eqs := ch.eq()
	var before, after float64
	for _, b := range in.Spectrum.Bands {
		f := b.CentreHz
		pm := math.Pow(10, float64(b.MidDB)/10)
		ps := 0.0
		if b.SideDB != nil && isFinite(float64(*b.SideDB)) {
			ps = math.Pow(10, float64(*b.SideDB)/10)
		}
		if !isFinite(pm) {
			continue
		}
		if f >= rate/2 {
			continue
		}
		k := math.Pow(10, loudness.KWeightingDB(f, rate)/10)
		hp := 1 / (1 + math.Pow(p.SubsonicHz/f, 4)) // 12 dB/oct Butterworth
		gm, gs := 1.0, 1.0
		if len(eqs) > 0 {
			gm = math.Pow(10, eqs[0].Response(f)/10)
			gs = gm
		}
		if len(eqs) > 1 {
			gs = math.Pow(10, eqs[1].Response(f)/10)
		}
		w := p.Width * p.Width
		if p.Width == 0 {
			w = 1
		}
		if p.MonoBelowHz > 0 && f < p.MonoBelowHz {
			w = 0
		}
		before += k * (pm + ps)
		after += k * hp * (pm*gm + ps*gs*w)
	}
	if before <= 0 || after <= 0 || !isFinite(inI) {
		return inI
	}
	return inI + 10*math.Log10(after/before)
}

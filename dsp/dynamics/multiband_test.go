package dynamics

import (
	"math"
	"math/cmplx"
	"strings"
	"testing"

	"github.com/mixdown/mixdown/dsp"
	"github.com/mixdown/mixdown/dsp/dsptest"
	"github.com/mixdown/mixdown/dsp/fft"
)

func TestMultibandConformance(t *testing.T) {
	variants := map[string]func(*MultibandParams){
		"default": func(*MultibandParams) {},
		"lookahead and parallel": func(p *MultibandParams) {
			p.CrossoversHz = []float64{120, 1000, 6000}
			p.Bands = []CompressorParams{DefaultCompressorParams(), DefaultCompressorParams(), DefaultCompressorParams(), DefaultCompressorParams()}
			p.Bands[1].LookaheadMS, p.Bands[3].LookaheadMS = 2, 5
			p.Mix = 0.5
		},
	}
	for name, v := range variants {
		t.Run(name, func(t *testing.T) {
			dsptest.Run(t, func() dsp.Processor {
				p := DefaultMultibandParams()
				v(&p)
				return NewMultiband(p)
			}, dsptest.Options{Seconds: 2})
		})
	}
}

// idleBands returns p with every band's threshold above any signal.
func idleBands(p MultibandParams) MultibandParams {
	p.Bands = append([]CompressorParams(nil), p.Bands...)
	for i := range p.Bands {
		p.Bands[i].ThresholdDB = 20
	}
	return p
}

// With every band idle the output's magnitude spectrum is the input's: the
// impulse response has a flat magnitude within 0.05 dB (the bands sum to
// an all-pass), also when the lookaheads differ and with a dry blend.
func TestMultibandIdleIsFlat(t *testing.T) {
	for _, fs := range []float64{44100, 96000} {
		for name, p := range map[string]MultibandParams{
			"default":    DefaultMultibandParams(),
			"four bands": {CrossoversHz: []float64{90, 800, 7000}, Bands: []CompressorParams{DefaultCompressorParams(), DefaultCompressorParams(), DefaultCompressorParams(), DefaultCompressorParams()}, Mix: 1},
			"one split":  {CrossoversHz: []float64{2500}, Bands: []CompressorParams{DefaultCompressorParams(), DefaultCompressorParams()}, Mix: 0.3},
			"lookaheads": func() MultibandParams {
				p := DefaultMultibandParams()
				p.Bands[0].LookaheadMS = 7
				p.Bands[2].LookaheadMS = 1
				return p
			}(),
			"parallel": func() MultibandParams {
				p := DefaultMultibandParams()
				p.Mix = 0.5
				p.Bands[1].LookaheadMS = 3
				return p
			}(),
		} {
			p = idleBands(p)
			m := prepared(t, NewMultiband(p), fs, 1)
			const n = 1 << 16
			x := make([]float32, n)
			x[0] = 0.5
			h := run(m, stereo(1, x))[0]
			in := make([]float64, n)
			for i, v := range h {
				in[i] = float64(v) / 0.5
			}
			spec := fft.NewReal(n).Forward(make([]complex128, n/2+1), in)
			worst := 0.0
			for k := 1; k < n/2; k++ {
				worst = math.Max(worst, math.Abs(20*math.Log10(cmplx.Abs(spec[k]))))
			}
			t.Logf("%g Hz %s: largest deviation from a flat magnitude %.5f dB, latency %d", fs, name, worst, m.Latency())
			if worst > 0.05 {
				t.Errorf("%g Hz %s: magnitude deviates by %.4f dB from flat", fs, name, worst)
			}
		}
	}
}

// A band over its threshold is compressed alone: a loud 80 Hz tone and a
// quiet 5 kHz tone, with only the low band's threshold under the tone.
func TestMultibandCompressesOnlyItsBand(t *testing.T) {
	const fs = 48000.0
	n := int(2 * fs)
	low, high := sine(fs, n, 80, 0.5, 0), sine(fs, n, 5000, 0.05, 0)
	mixed := make([]float32, n)
	for i := range mixed {
		mixed[i] = low[i] + high[i]
	}
	for band, want := range map[int]string{0: "low", 2: "high"} {
		p := idleBands(DefaultMultibandParams())
		p.Bands[band].ThresholdDB, p.Bands[band].Ratio, p.Bands[band].KneeDB, p.Bands[band].Detector = -40, 4, 0, DetectorPeak
		m := prepared(t, NewMultiband(p), fs, 1)
		out := run(m, stereo(1, mixed))[0]
		// Measure each tone by correlation over the last second.
		level := func(x []float32, f float64) float64 {
			var c, s float64
			for i := n / 2; i < n; i++ {
				w := 2 * math.Pi * f * float64(i) / fs
				c += float64(x[i]) * math.Cos(w)
				s += float64(x[i]) * math.Sin(w)
			}
			return 20 * math.Log10(math.Hypot(c, s))
		}
		dLow, dHigh := level(out, 80)-level(mixed, 80), level(out, 5000)-level(mixed, 5000)
		bs := m.BandStats()
		t.Logf("%s band compressing: 80 Hz %.3f dB, 5 kHz %.3f dB; band GR %.2f / %.2f / %.2f dB", want, dLow, dHigh, bs[0].MeanDB, bs[1].MeanDB, bs[2].MeanDB)
		switch band {
		case 0:
			if dLow > -10 || math.Abs(dHigh) > 0.1 {
				t.Errorf("low band over threshold: 80 Hz changed %.3f dB (want well down), 5 kHz %.3f dB (want 0)", dLow, dHigh)
			}
		case 2:
			if dHigh > -3 || math.Abs(dLow) > 0.1 {
				t.Errorf("high band over threshold: 5 kHz changed %.3f dB (want several dB down), 80 Hz %.3f dB (want 0)", dHigh, dLow)
			}
		}
		if bs[1].MaxDB > 0 {
			t.Errorf("the idle mid band reduced by %.2f dB", bs[1].MaxDB)
		}
		if s := m.Stats(); math.Abs(s.MaxDB-bs[band].MaxDB) > 1e-9 {
			t.Errorf("Stats %v, band %d stats %v", s, band, bs[band])
		}
	}
}

func TestMultibandValidate(t *testing.T) {
	for _, tc := range []struct {
		mod  func(*MultibandParams)
		want string
	}{
		{func(p *MultibandParams) { p.CrossoversHz = nil }, "crossovers_hz with 0 frequencies out of range (1 to 3 frequencies)"},
		{func(p *MultibandParams) { p.CrossoversHz = []float64{500, 300} }, "crossovers_hz[1] 300 out of range (above crossovers_hz[0] = 500 Hz)"},
		{func(p *MultibandParams) { p.Bands = p.Bands[:2] }, "bands with 2 entries out of range (3 bands for 2 crossovers)"},
		{func(p *MultibandParams) { p.Bands[1].Ratio = 0 }, "bands[1]: dynamics: compressor: ratio 0"},
		{func(p *MultibandParams) { p.Mix = -1 }, "mix -1"},
	} {
		p := DefaultMultibandParams()
		tc.mod(&p)
		err := NewMultiband(p).Prepare(dsp.Spec{SampleRate: 48000, Channels: 2, MaxFrames: 64})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want an error containing %q", err, tc.want)
		}
	}
	p := DefaultMultibandParams()
	p.CrossoversHz[1] = 15000
	if err := NewMultiband(p).Prepare(dsp.Spec{SampleRate: 22050, Channels: 1, MaxFrames: 64}); err == nil {
		t.Error("a 15 kHz crossover at 22.05 kHz was accepted")
	}
}

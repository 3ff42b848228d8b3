package dynamics

import (
	"math"
	"strings"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/dsp"
	"github.com/mixdown/mixdown/dsp/dsptest"
)

func TestGateConformance(t *testing.T) {
	variants := map[string]func(*GateParams){
		"gate":     func(*GateParams) {},
		"expander": func(p *GateParams) { p.Ratio, p.RangeDB, p.HysteresisDB, p.HoldMS = 2, -12, 0, 0 },
		"filtered": func(p *GateParams) { p.SidechainHPHz, p.SidechainLPHz, p.Ratio = 80, 4000, math.Inf(1) },
	}
	for name, v := range variants {
		t.Run(name, func(t *testing.T) {
			dsptest.Run(t, func() dsp.Processor {
				p := DefaultGateParams()
				v(&p)
				return NewGate(p)
			}, dsptest.Options{Seconds: 2})
		})
	}
}

// gateGain runs a gate over x (mono) and returns the gain per frame.
func gateGain(t *testing.T, p GateParams, rate float64, x []float32) []float64 {
	g := prepared(t, NewGate(p), rate, 1)
	out := run(g, stereo(1, x))
	gain := make([]float64, len(x))
	for i := range gain {
		gain[i] = float64(out[0][i]) / float64(x[i])
	}
	return gain
}

// Opening and closing follow the attack and release times; the hold keeps
// the gate open for HoldMS after the key has dropped under the closing
// threshold. The key is a ±a alternation, so its envelope is exact.
func TestGateTimes(t *testing.T) {
	const rate = 48000.0
	for _, tc := range []struct{ att, hold, rel float64 }{{1, 0, 50}, {5, 30, 200}, {0.2, 100, 20}} {
		p := DefaultGateParams()
		p.AttackMS, p.HoldMS, p.ReleaseMS = tc.att, tc.hold, tc.rel
		on, off := int(0.2*rate), int(0.6*rate)
		n := off + int((tc.hold+25*tc.rel)*rate/1000)
		loud, quiet := 0.1, 1e-6 // -20 dBFS and -120 dBFS
		x := alternating(n, []int{0, on, off}, []float64{quiet, loud, quiet})
		gain := gateGain(t, p, rate, x)
		closed := dbToGain(p.RangeDB)
		// Opening: from the range up to 1.
		cross := func(from int, level float64, rising bool) float64 {
			for i := from; i < len(gain); i++ {
				if (rising && gain[i] >= level) || (!rising && gain[i] <= level) {
					f := (level - gain[i-1]) / (gain[i] - gain[i-1])
					return float64(i-1-from) + f + 1
				}
			}
			return math.Inf(1)
		}
		open := cross(on, closed+(1-closed)*(1-1/math.E), true) / rate * 1000
		// Closing: the envelope falls from -20 dBFS to the closing
		// threshold (-44 dBFS) in 5 ms·ln(10^(24/20)), then the hold runs,
		// then the release.
		detect := gateDetectorReleaseMS * math.Log(loud/dbToGain(p.ThresholdDB-p.HysteresisDB))
		start := off
		for start < n && gain[start] == 1 {
			start++
		}
		held := float64(start-off) / rate * 1000
		closeT := cross(start, closed+(1-closed)/math.E, false) / rate * 1000
		t.Logf("attack %g ms: opened in %.3f ms; hold %g ms: closing began %.2f ms after the key stopped (detector %.2f ms); release %g ms: closed in %.3f ms",
			tc.att, open, tc.hold, held, detect, tc.rel, closeT)
		near(t, "opening time (ms)", open, tc.att, 0.01*tc.att+0.021)
		near(t, "closing delay (ms)", held, detect+tc.hold, 0.05)
		near(t, "closing time (ms)", closeT, tc.rel, 0.01*tc.rel+0.021)
		near(t, "closed gain (dB)", db(gain[n-1]), p.RangeDB, 0.01)
	}
}

// A key hovering around the threshold (±1.5 dB, changing every 20 ms) does
// not make a gate with 3 dB of hysteresis chatter; without hysteresis and
// hold it opens and closes over and over.
func TestGateHysteresis(t *testing.T) {
	const rate = 44100.0
	n := int(2 * rate)
	x := sine(rate, n, 1000, 1, 0)
	for i := range x {
		lvl := -40 + 1.5
		if (i/int(0.02*rate))%2 == 1 {
			lvl = -40 - 1.5
		}
		if i < int(0.1*rate) {
			lvl = -60
		}
		x[i] *= float32(dbToGain(lvl))
	}
	closings := func(p GateParams) int {
		gain := gateGain(t, p, rate, x)
		count, open := 0, false
		for _, g := range gain {
			if !open && g > 0.9 {
				open = true
			} else if open && g < 0.5 {
				open = false
				count++
			}
		}
		return count
	}
	p := DefaultGateParams()
	p.ThresholdDB, p.HysteresisDB, p.HoldMS, p.ReleaseMS = -40, 3, 0, 5
	if c := closings(p); c != 0 {
		t.Errorf("with 3 dB hysteresis the gate closed %d times", c)
	}
	p.HysteresisDB = 0
	c := closings(p)
	t.Logf("without hysteresis or hold: %d closings in 1.9 s", c)
	if c < 20 {
		t.Errorf("without hysteresis the gate closed only %d times; the test signal does not hover", c)
	}
}

// The range: a gate with range -10 dB holds a quiet signal 10 dB down; an
// expander with ratio 2 lowers a signal 6 dB under the threshold by 6 dB.
func TestGateRangeAndExpansion(t *testing.T) {
	const rate = 48000.0
	x := alternating(int(rate/2), []int{0}, []float64{dbToGain(-50)})
	p := DefaultGateParams()
	p.ThresholdDB, p.RangeDB = -30, -10
	g := gateGain(t, p, rate, x)
	near(t, "gate range (dB)", db(g[len(g)-1]), -10, 0.001)
	p.Ratio, p.RangeDB, p.ThresholdDB = 2, -40, -44
	g = gateGain(t, p, rate, x)
	near(t, "expander gain 6 dB under the threshold (dB)", db(g[len(g)-1]), -6, 0.001)
	p.Ratio = 4
	g = gateGain(t, p, rate, x)
	near(t, "ratio 4 expander gain 6 dB under the threshold (dB)", db(g[len(g)-1]), -18, 0.001)
	st := prepared(t, NewGate(p), rate, 1)
	run(st, stereo(1, x))
	near(t, "GainReductionDB", st.GainReductionDB(), 18, 0.001)
	// The gate starts closed (at the range) and opens to the expansion
	// gain within the attack.
	if s := st.Stats(); s.PercentActive != 100 || s.MaxDB > 40 || s.MeanDB < 17.9 {
		t.Errorf("expander stats %v", s)
	}
}

// Open, the gate is exactly transparent; a key of another channel count
// opens it; the sidechain filters keep out-of-band signal from opening it.
func TestGateKeyed(t *testing.T) {
	const rate = 48000.0
	n := int(rate / 2)
	prog := stereo(2, sine(rate, n, 300, 0.001, 0)) // -60 dBFS: under the threshold
	key := audio.NewBuffer(3, n)
	copy(key[2], sine(rate, n, 300, 0.5, 0))
	g := prepared(t, NewGate(DefaultGateParams()), rate, 2)
	out := runKeyed(g, prog, key)
	for i := int(0.01 * rate); i < n; i++ {
		if out[0][i] != prog[0][i] || out[1][i] != prog[1][i] {
			t.Fatalf("open gate changed frame %d", i)
		}
	}
	// A 50 Hz key through a 500 Hz sidechain high-pass stays under the
	// threshold; a 5 kHz one through a 1 kHz low-pass too.
	for _, tc := range []struct{ f, hp, lp float64 }{{50, 500, 0}, {5000, 0, 1000}} {
		p := DefaultGateParams()
		p.ThresholdDB, p.SidechainHPHz, p.SidechainLPHz = -20, tc.hp, tc.lp
		key := stereo(1, sine(rate, n, tc.f, 0.3, 0)) // -10 dBFS
		g := prepared(t, NewGate(p), rate, 2)
		runKeyed(g, prog, key)
		if g.Open() {
			t.Errorf("a %g Hz key opened the gate through HP %g / LP %g Hz", tc.f, tc.hp, tc.lp)
		}
		p.SidechainHPHz, p.SidechainLPHz = 0, 0
		g = prepared(t, NewGate(p), rate, 2)
		runKeyed(g, prog, key)
		if !g.Open() {
			t.Errorf("a %g Hz key did not open the unfiltered gate", tc.f)
		}
	}
}

func TestGateValidate(t *testing.T) {
	for _, tc := range []struct {
		mod  func(*GateParams)
		want string
	}{
		{func(p *GateParams) { p.RangeDB = 5 }, "range_db 5 out of range (-120 to 0 dB)"},
		{func(p *GateParams) { p.Ratio = 0 }, "ratio 0"},
		{func(p *GateParams) { p.HysteresisDB = 30 }, "hysteresis_db 30"},
		{func(p *GateParams) { p.SidechainHPHz, p.SidechainLPHz = 500, 200 }, "sidechain_lp_hz 200 out of range (above sidechain_hp_hz 500 Hz)"},
		{func(p *GateParams) { p.SidechainLPHz = 30000 }, "sidechain_lp_hz 30000"},
	} {
		p := DefaultGateParams()
		tc.mod(&p)
		err := NewGate(p).Prepare(dsp.Spec{SampleRate: 48000, Channels: 2, MaxFrames: 64})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want an error containing %q", err, tc.want)
		}
	}
	p := DefaultGateParams()
	p.SidechainLPHz = 19000
	if err := NewGate(p).Prepare(dsp.Spec{SampleRate: 32000, Channels: 1, MaxFrames: 64}); err == nil {
		t.Error("a 19 kHz low-pass at 32 kHz was accepted")
	}
}

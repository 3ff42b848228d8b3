package master

import (
	"math"
	"strings"
	"testing"

	"github.com/mixdown/mixdown/analysis"
	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/dsp"
	"github.com/mixdown/mixdown/internal/synth"
)

// analyze runs the analyzer over a buffer.
func analyze(t testing.TB, b audio.Buffer, rate int) *analysis.Report {
	t.Helper()
	a, err := analysis.New(analysis.Options{SampleRate: rate, Channels: b.Channels()})
	if err != nil {
		t.Fatal(err)
	}
	a.Write(b)
	return a.Report()
}

// song returns a stereo song at the given gain with optional EQ sections.
func song(rate int, seconds, gainDB float64, eq ...dsp.Coefs) audio.Buffer {
	b := synth.SongBuffer(rate, seconds, 3)
	if len(eq) > 0 {
		dsp.NewCascade(2, eq...).Process(b)
	}
	synth.Gain(b, math.Pow(10, gainDB/20))
	return b
}

func eqAt(p *Plan, hz float64) float64 {
	for _, e := range p.EQMid {
		if math.Abs(e.FreqHz-hz) < 0.01*hz {
			return e.GainDB
		}
	}
	return math.NaN()
}

func decision(p *Plan, aspect string) *Decision {
	for i := range p.Decisions {
		if p.Decisions[i].Aspect == aspect {
			return &p.Decisions[i]
		}
	}
	return nil
}

func TestDecideEQFollowsTheCurve(t *testing.T) {
	const rate = 44100
	spotify, _ := Preset("spotify")
	o := DefaultOptions(spotify)
	o.MaxCutDB, o.MaxBoostDB = 12, 12 // compare uncapped corrections
	base, err := Decide(analyze(t, song(rate, 20, -6), rate), o)
	if err != nil {
		t.Fatal(err)
	}
	// The same song with +8 dB around 100 Hz and -8 dB around 5 kHz: the
	// EQ must cut more lows and boost more highs than for the original.
	bad, err := Decide(analyze(t, song(rate, 20, -6, dsp.Peak(100, 0.7, 8, rate), dsp.Peak(5000, 0.7, -8, rate)), rate), o)
	if err != nil {
		t.Fatal(err)
	}
	if d := eqAt(bad, 100) - eqAt(base, 100); d > -2 {
		t.Errorf("100 Hz: %+.2f dB vs %+.2f dB for the clean song; want a clearly deeper cut", eqAt(bad, 100), eqAt(base, 100))
	}
	if d := eqAt(bad, 5000) - eqAt(base, 5000); d < 2 {
		t.Errorf("5 kHz: %+.2f dB vs %+.2f dB for the clean song; want a clearly larger boost", eqAt(bad, 5000), eqAt(base, 5000))
	}
	capped, _ := Decide(analyze(t, song(rate, 20, -6, dsp.Peak(100, 0.7, 8, rate), dsp.Peak(5000, 0.7, -8, rate)), rate), DefaultOptions(spotify))
	for _, e := range capped.EQMid {
		if e.GainDB > 3+1e-9 || e.GainDB < -4-1e-9 {
			t.Errorf("%g Hz moves %+.2f dB, beyond the default caps (+3/-4 dB)", e.FreqHz, e.GainDB)
		}
	}
	if d := decision(bad, "eq"); d == nil || !strings.Contains(d.Action, "cut") || !strings.Contains(d.Reason, "neutral") {
		t.Errorf("EQ decision %+v", d)
	}
	// Half the amount gives half the correction (before the caps bite).
	o.EQAmount = 0.5
	half, _ := Decide(analyze(t, song(rate, 20, -6, dsp.Peak(5000, 0.7, -8, rate)), rate), o)
	o.EQAmount = 1
	full, _ := Decide(analyze(t, song(rate, 20, -6, dsp.Peak(5000, 0.7, -8, rate)), rate), o)
	for i := range half.EQMid {
		if f := full.EQMid[i].GainDB; math.Abs(f) < 2.5 && math.Abs(half.EQMid[i].GainDB-f/2) > 0.02 {
			t.Errorf("%g Hz: 50 %% gives %+.2f, full %+.2f", half.EQMid[i].FreqHz, half.EQMid[i].GainDB, f)
		}
	}
	o.EQAmount = 0
	none, _ := Decide(analyze(t, song(rate, 20, -6, dsp.Peak(5000, 0.7, -8, rate)), rate), o)
	for _, e := range none.EQMid {
		if e.GainDB != 0 {
			t.Fatalf("EQ amount 0 still moves %g Hz by %g dB", e.FreqHz, e.GainDB)
		}
	}
}

func TestDecideDynamicsAndLoudness(t *testing.T) {
	const rate = 44100
	cd, _ := Preset("cd")
	quiet := analyze(t, song(rate, 20, -20), rate)
	p, err := Decide(quiet, DefaultOptions(cd))
	if err != nil {
		t.Fatal(err)
	}
	if p.TargetLUFS != DefaultLUFS || p.CeilingDBTP != -0.3 {
		t.Errorf("cd target %.1f LUFS / %.1f dBTP", p.TargetLUFS, p.CeilingDBTP)
	}
	// A programme with loud drum transients (high peak-to-loudness ratio)
	// pushed to -10 LUFS needs compression; at -23 LUFS it does not.
	dyn := analyze(t, drumHeavy(rate, 20), rate)
	loud, _ := Decide(dyn, DefaultOptions(cd))
	if loud.Bands == nil || len(loud.CrossoversHz) != 3 {
		t.Errorf("no multiband compression for PLR %.1f LU at %.1f LUFS", float64(dyn.Loudness.PLRLU), loud.TargetLUFS)
	}
	ebu, _ := Preset("ebu-r128")
	soft, _ := Decide(analyze(t, song(rate, 20, -6), rate), DefaultOptions(ebu))
	if soft.Bands != nil {
		t.Errorf("multiband compression for a -23 LUFS target: %+v", soft.Bands)
	}
	o := DefaultOptions(cd)
	o.DynamicsAmount = 0
	if p, _ := Decide(dyn, o); p.Bands != nil {
		t.Error("dynamics amount 0 still compresses")
	}
	// Loudness amount 0 keeps the input loudness.
	o = DefaultOptions(cd)
	o.LoudnessAmount = 0
	if p, _ := Decide(quiet, o); math.Abs(p.TargetLUFS-float64(quiet.Loudness.IntegratedLUFS)) > 0.01 {
		t.Errorf("loudness amount 0: target %.2f, input %.2f", p.TargetLUFS, float64(quiet.Loudness.IntegratedLUFS))
	}
	// Spotify's ceiling drops to -2 dBTP for masters louder than -14 LUFS.
	sp, _ := Preset("spotify")
	o = DefaultOptions(sp)
	o.Target.LUFS = -9
	if p, _ := Decide(quiet, o); p.CeilingDBTP != -2 {
		t.Errorf("spotify at -9 LUFS: ceiling %.1f", p.CeilingDBTP)
	}
	if _, err := Decide(analyze(t, audio.NewBuffer(2, rate*2), rate), DefaultOptions(sp)); err == nil {
		t.Error("silence was accepted")
	}
}

func TestDecideWidthAndReference(t *testing.T) {
	const rate = 44100
	sp, _ := Preset("spotify")
	s := song(rate, 20, -6)
	// A normally wide stereo mix (the song's mid plus decorrelated side
	// material 8 dB down), then the same squeezed to a quarter width.
	side := synth.PinkNoise(rate, 1, s.Frames(), 0.05, 9)[0]
	narrow := audio.NewBuffer(2, s.Frames())
	for i := range s[0] {
		m := (s[0][i] + s[1][i]) / 2
		narrow[0][i], narrow[1][i] = m+side[i]*0.25, m-side[i]*0.25
	}
	p, _ := Decide(analyze(t, narrow, rate), DefaultOptions(sp))
	if p.Width <= 1 {
		t.Errorf("narrow mix (side/mid reduced 20 dB): width %.2f, want > 1", p.Width)
	}
	inv := audio.NewBuffer(2, s.Frames())
	copy(inv[0], s[0])
	for i, v := range s[0] {
		inv[1][i] = -v * 0.9
	}
	if p, _ := Decide(analyze(t, inv, rate), DefaultOptions(sp)); p.Width >= 1 {
		t.Errorf("out-of-phase mix: width %.2f, want < 1", p.Width)
	}
	mono := audio.Buffer{s[0], s[0]}
	if p, _ := Decide(analyze(t, mono, rate), DefaultOptions(sp)); p.Width != 1 {
		t.Errorf("mono content widened to %.2f", p.Width)
	}
	// Reference mode: mastering a song towards itself changes nothing;
	// towards a darker, louder reference it cuts highs and targets the
	// reference's loudness.
	ref := analyze(t, s, rate)
	o := DefaultOptions(sp)
	o.Reference = ref
	self, _ := Decide(ref, o)
	for _, e := range append(self.EQMid, self.EQSide...) {
		if math.Abs(e.GainDB) > 0.01 {
			t.Errorf("self-reference moves %g Hz by %g dB", e.FreqHz, e.GainDB)
		}
	}
	if math.Abs(self.Width-1) > 0.01 || math.Abs(self.TargetLUFS-float64(ref.Loudness.IntegratedLUFS)) > 0.01 {
		t.Errorf("self-reference width %.2f, target %.2f", self.Width, self.TargetLUFS)
	}
	dark := analyze(t, song(rate, 20, 0, dsp.HighShelf(3000, 0.7, -6, rate)), rate)
	o.Reference = dark
	toDark, _ := Decide(ref, o)
	if eqAt(toDark, 8000) > -2 {
		t.Errorf("towards a darker reference, 8 kHz moves %+.2f dB", eqAt(toDark, 8000))
	}
	if math.Abs(toDark.TargetLUFS-float64(dark.Loudness.IntegratedLUFS)) > 0.01 {
		t.Errorf("target %.2f, reference %.2f", toDark.TargetLUFS, float64(dark.Loudness.IntegratedLUFS))
	}
}

// drumHeavy renders the song with its kick and snare 12 dB louder: sharp
// transients over a quieter bed, a high peak-to-loudness ratio.
func drumHeavy(rate int, seconds float64) audio.Buffer {
	s := synth.NewSong(rate, seconds, 4)
	n := int(seconds * float64(rate))
	stems := make([]audio.Buffer, synth.NumStems)
	for k := range stems {
		stems[k] = audio.NewBuffer(2, n)
	}
	s.ReadStems(stems)
	out := audio.NewBuffer(2, n)
	for k, st := range stems {
		g := float32(0.12)
		if synth.Stem(k) == synth.Kick || synth.Stem(k) == synth.Snare {
			g *= 4
		}
		for c := range out {
			for i, v := range st[c] {
				out[c][i] += v * g
			}
		}
	}
	return out
}

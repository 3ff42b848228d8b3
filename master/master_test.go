package master

import (
	"context"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/audio/audiofile"
	"github.com/mixdown/mixdown/dsp"
	"github.com/mixdown/mixdown/dsp/dsptest"
	"github.com/mixdown/mixdown/dsp/fx"
	"github.com/mixdown/mixdown/internal/refmeter"
	"github.com/mixdown/mixdown/internal/synth"
	"github.com/mixdown/mixdown/internal/testutil"
)

// writeFloat writes b as a 32-bit float WAV file.
func writeFloat(t testing.TB, path string, b audio.Buffer, rate int) string {
	t.Helper()
	w, err := audiofile.Create(path, audio.Format{SampleRate: rate, Channels: b.Channels(), Type: audio.SampleFloat, Bits: 32}, audiofile.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteFrames(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// readFile decodes a whole file.
func readFile(t testing.TB, path string) (audio.Buffer, audio.Format) {
	t.Helper()
	r, err := audiofile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	return testutil.ReadAll(t, r, 4096), r.Format()
}

// dynamicPiece is a very dynamic programme (a classical-like swell): pink
// noise and a chord under a slow 30 dB envelope, with a few loud hits.
func dynamicPiece(rate int, seconds float64) audio.Buffer {
	n := int(seconds * float64(rate))
	b := synth.PinkNoise(rate, 2, n, 0.05, 9)
	for _, f := range []float64{220, 277.2, 329.6} {
		s := synth.Sine(rate, 2, n, f, 0.1, 0)
		for c := range b {
			for i := range b[c] {
				b[c][i] += s[c][i]
			}
		}
	}
	for i := 0; i < n; i++ {
		x := float64(i) / float64(rate)
		env := synth.DBToAmp(-30 + 30*0.5*(1-math.Cos(2*math.Pi*x/seconds)))
		if math.Mod(x, 4) < 0.05 {
			env = 1.5
		}
		for c := range b {
			b[c][i] *= float32(env)
		}
	}
	return b
}

type masterCase struct {
	name   string
	input  func() (audio.Buffer, int)
	preset string
	lufs   float64 // when not 0, overrides the preset
}

func masterCases() []masterCase {
	bassShelf := dsp.LowShelf(100, 0.7, 10, 44100)
	return []masterCase{
		{"loud", func() (audio.Buffer, int) { return song(44100, 20, 0), 44100 }, "spotify", 0},
		{"quiet", func() (audio.Buffer, int) { return song(44100, 20, -32), 44100 }, "apple-music", 0},
		{"dynamic", func() (audio.Buffer, int) { return dynamicPiece(48000, 24), 48000 }, "ebu-r128", 0},
		{"bass-heavy", func() (audio.Buffer, int) { return song(44100, 20, -12, bassShelf), 44100 }, "youtube", 0},
		{"mono", func() (audio.Buffer, int) {
			b := song(44100, 20, -8)
			return b[:1], 44100
		}, "spotify", 0},
		{"96k", func() (audio.Buffer, int) { return song(96000, 15, -10), 96000 }, "tidal", 0},
		{"clipped", func() (audio.Buffer, int) {
			b := song(44100, 20, 9)
			for _, ch := range b {
				for i := range ch {
					ch[i] = max(-1, min(1, ch[i]))
				}
			}
			return b, 44100
		}, "cd", 0},
		{"explicit-lufs", func() (audio.Buffer, int) { return song(44100, 20, -20), 44100 }, "", -12.5},
	}
}

// TestMasterLandsOnTarget masters loud, quiet, dynamic, bass-heavy, mono,
// 96 kHz and already-clipped inputs and measures the result with
// libebur128 and ffmpeg: integrated within 0.1 LU of the target, true peak
// never above the ceiling.
func TestMasterLandsOnTarget(t *testing.T) {
	dir := t.TempDir()
	for _, c := range masterCases() {
		t.Run(c.name, func(t *testing.T) {
			b, rate := c.input()
			in := writeFloat(t, filepath.Join(dir, c.name+"-in.wav"), b, rate)
			tgt, err := Preset(c.preset)
			if c.preset == "" {
				tgt, err = Preset("spotify")
				tgt.Name, tgt.LUFS = "", c.lufs
			}
			if err != nil {
				t.Fatal(err)
			}
			o := DefaultOptions(tgt)
			outPath := filepath.Join(dir, c.name+"-master.wav")
			res, err := Master(context.Background(), FileSource(in), nil, Output{Path: outPath}, o, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Shortfall != "" {
				t.Fatalf("unexpected shortfall: %s", res.Shortfall)
			}
			target, ceiling := res.Plan.TargetLUFS, res.Plan.CeilingDBTP
			out, f := readFile(t, outPath)
			if f.Channels != b.Channels() || out.Frames() != int(math.Round(float64(b.Frames())*float64(f.SampleRate)/float64(rate))) {
				t.Fatalf("output %v with %d frames for %d channels, %d frames in", f, out.Frames(), b.Channels(), b.Frames())
			}
			lib := refmeter.Libebur128(t, out, f.SampleRate)
			ff := refmeter.FFmpegFile(t, outPath)
			t.Logf("target %.1f LUFS / %.1f dBTP; mixdown %.3f LUFS %.3f dBTP; libebur128 %v; ffmpeg %v; limiter max %.1f dB",
				target, ceiling, res.ReachedLUFS, res.TruePeakDBTP, lib, ff, res.Limiter.MaxDB)
			if d := lib.Integrated - target; math.Abs(d) > 0.1 {
				t.Errorf("libebur128 integrated %.3f LUFS, %.3f LU from the target", lib.Integrated, d)
			}
			// ffmpeg prints one decimal.
			if d := ff.Integrated - target; math.Abs(d) > 0.1+0.05 {
				t.Errorf("ffmpeg integrated %.1f LUFS, %.2f LU from the target", ff.Integrated, d)
			}
			if tp := lib.MaxTruePeakDB(); tp > ceiling {
				t.Errorf("libebur128 true peak %.3f dBTP above the %.1f dBTP ceiling", tp, ceiling)
			}
			if tp := ff.MaxTruePeakDB(); tp > ceiling+1e-9 {
				t.Errorf("ffmpeg true peak %.1f dBTP above the %.1f dBTP ceiling", tp, ceiling)
			}
			if res.TruePeakDBTP > ceiling {
				t.Errorf("own 8x true peak %.3f dBTP above the ceiling", res.TruePeakDBTP)
			}
		})
	}
}

// TestMasterShortfallIsReported asks for -6 LUFS from a very dynamic piece
// with at most 6 dB of limiting: the target cannot be met cleanly, so the
// master stops short, stays under the ceiling, and says so.
func TestMasterShortfallIsReported(t *testing.T) {
	const rate = 48000
	dir := t.TempDir()
	in := writeFloat(t, filepath.Join(dir, "in.wav"), dynamicPiece(rate, 20), rate)
	tgt, _ := Preset("spotify")
	tgt.Name, tgt.LUFS = "", -6
	o := DefaultOptions(tgt)
	o.DynamicsAmount = 0
	res, err := Master(context.Background(), FileSource(in), nil, Output{Path: filepath.Join(dir, "out.wav")}, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Shortfall == "" {
		t.Fatalf("no shortfall reported; reached %.2f LUFS with %.1f dB of limiting", res.ReachedLUFS, res.Limiter.MaxDB)
	}
	if res.ReachedLUFS > -6.5 || res.Limiter.MaxDB > o.MaxLimitDB+0.2 {
		t.Errorf("reached %.2f LUFS with %.2f dB of limiting (allowed %.1f)", res.ReachedLUFS, res.Limiter.MaxDB, o.MaxLimitDB)
	}
	if res.TruePeakDBTP > res.Plan.CeilingDBTP {
		t.Errorf("true peak %.3f above the ceiling", res.TruePeakDBTP)
	}
	rep := NewReport(res, o, in, "out.wav", "")
	failed := false
	for _, c := range rep.Checks {
		if strings.Contains(c.Name, "loudness") && !c.Pass {
			failed = true
		}
	}
	if !failed {
		t.Errorf("the report's loudness check passed for a missed target: %+v", rep.Checks)
	}
	var sb strings.Builder
	if err := rep.WriteText(&sb); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sb.String(), "--max-limit") {
		t.Errorf("the readable report does not explain the shortfall:\n%s", sb.String())
	}
}

// TestMasterCeilingProperty masters random music-like signals (random
// seeds, levels, tonal tilts, targets and ceilings) and checks that the
// true peak never exceeds the ceiling, by our 8x meter and libebur128, and
// that the loudness lands within 0.1 LU whenever no shortfall is
// reported.
func TestMasterCeilingProperty(t *testing.T) {
	n := 6
	if testing.Short() {
		n = 2
	}
	rng := synth.NewRand(2026)
	dir := t.TempDir()
	const rate = 44100
	for i := 0; i < n; i++ {
		seed := rng.Uint64()
		gain := -30 + 36*rng.Float()
		tilt := -8 + 16*rng.Float()
		target := -24 + 16*rng.Float()
		ceiling := -3 + 2.9*rng.Float()
		b := synth.SongBuffer(rate, 10, seed)
		dsp.NewCascade(2, dsp.HighShelf(3000, 0.7, tilt, rate), dsp.LowShelf(150, 0.7, -tilt/2, rate)).Process(b)
		synth.Gain(b, synth.DBToAmp(gain))
		in := writeFloat(t, filepath.Join(dir, "in.wav"), b, rate)
		tgt := Target{LUFS: target, CeilingDBTP: ceiling}
		o := DefaultOptions(tgt)
		o.MonoBelowHz = 0
		outPath := filepath.Join(dir, "out.wav")
		res, err := Master(context.Background(), FileSource(in), nil, Output{Path: outPath, Bits: 16}, o, nil)
		if err != nil {
			t.Fatalf("case %d (gain %.1f, tilt %.1f, target %.1f, ceiling %.2f): %v", i, gain, tilt, target, ceiling, err)
		}
		out, _ := readFile(t, outPath)
		lib := refmeter.Libebur128(t, out, rate)
		t.Logf("case %d: in %.1f dB tilt %+.1f -> target %.2f/%.2f: libebur128 %v, shortfall %q", i, gain, tilt, target, ceiling, lib, res.Shortfall)
		if tp := lib.MaxTruePeakDB(); tp > ceiling || res.TruePeakDBTP > ceiling {
			t.Errorf("case %d: true peak %.3f dBTP (libebur128), %.3f (8x) above the ceiling %.2f", i, tp, res.TruePeakDBTP, ceiling)
		}
		if res.Shortfall == "" && math.Abs(lib.Integrated-target) > 0.1 {
			t.Errorf("case %d: integrated %.3f LUFS for a target of %.2f", i, lib.Integrated, target)
		}
	}
}

// TestMasterAmountsZeroLeaveAspectsAlone: with every amount at 0 the chain
// holds only the DC/subsonic filter and the loudness stage.
func TestMasterAmountsZeroLeaveAspectsAlone(t *testing.T) {
	const rate = 44100
	dir := t.TempDir()
	in := writeFloat(t, filepath.Join(dir, "in.wav"), song(rate, 10, -6, dsp.LowShelf(100, 0.7, 8, rate)), rate)
	tgt, _ := Preset("spotify")
	o := DefaultOptions(tgt)
	o.EQAmount, o.WidthAmount, o.DynamicsAmount, o.MonoBelowHz = 0, 0, 0, 0
	res, err := Master(context.Background(), FileSource(in), nil, Output{}, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Chain, ",") != "subsonic high-pass" {
		t.Errorf("chain %v with every amount at 0", res.Chain)
	}
	o.LoudnessAmount = 0
	res, err = Master(context.Background(), FileSource(in), nil, Output{}, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	inI := float64(res.Input.Loudness.IntegratedLUFS)
	if math.Abs(res.ReachedLUFS-inI) > 0.1 {
		t.Errorf("loudness 0%%: reached %.2f LUFS from %.2f", res.ReachedLUFS, inI)
	}
}

// TestSectionsConformance runs the chain's filter batch, linked and
// mid/side, through the processor conformance suite.
func TestSectionsConformance(t *testing.T) {
	hp := func() dsp.Processor {
		return dsp.NewFilter(dsp.FilterParams{Type: "highpass", FreqHz: 20, SlopeDBOct: 12})
	}
	eq := func(pts ...dsp.CurvePoint) dsp.Processor {
		e := dsp.NewCurveEQ(pts, 6, 6)
		e.SetBellsPerOctave(eqBellsPerOctave)
		return e
	}
	t.Run("linked", func(t *testing.T) {
		dsptest.Run(t, func() dsp.Processor {
			return &sections{chains: [][]dsp.Processor{{hp(), dsp.NewHumNotch(50, 4, humQ), eq(dsp.CurvePoint{FreqHz: 60, GainDB: -3}, dsp.CurvePoint{FreqHz: 3000, GainDB: 2})}}}
		}, dsptest.Options{})
	})
	t.Run("mid/side", func(t *testing.T) {
		dsptest.Run(t, func() dsp.Processor {
			return &sections{ms: true, sideGain: 1, chains: [][]dsp.Processor{
				{hp(), eq(dsp.CurvePoint{FreqHz: 100, GainDB: 3}, dsp.CurvePoint{FreqHz: 8000, GainDB: -2})},
				{hp(), eq(dsp.CurvePoint{FreqHz: 200, GainDB: -3}, dsp.CurvePoint{FreqHz: 5000, GainDB: 2})}}}
		}, dsptest.Options{Specs: []dsp.Spec{{SampleRate: 44100, Channels: 2, MaxFrames: 512}, {SampleRate: 96000, Channels: 2, MaxFrames: 512}}})
	})
}

// TestSectionsWidth: with the width merged into the batch (mid/side
// lanes, mono-bass crossover sections, side gain), the filters give what
// the high-pass and EQ on left and right followed by fx.Width give, within
// float32 rounding, and pass the conformance suite.
func TestSectionsWidth(t *testing.T) {
	const rate, fc, width = 44100, 120.0, 1.4
	pts := []dsp.CurvePoint{{FreqHz: 60, GainDB: -3}, {FreqHz: 3000, GainDB: 2}}
	eq := func() dsp.Processor {
		e := dsp.NewCurveEQ(pts, 6, 6)
		e.SetBellsPerOctave(eqBellsPerOctave)
		return e
	}
	hp := func() dsp.Processor {
		return dsp.NewFilter(dsp.FilterParams{Type: "highpass", FreqHz: 20, SlopeDBOct: 12})
	}
	merged := func() dsp.Processor {
		mid := dsp.NewSections(func(fs float64) []dsp.Coefs { m, _ := fx.MonoBassSections(fc, fs); return m })
		side := dsp.NewSections(func(fs float64) []dsp.Coefs { _, s := fx.MonoBassSections(fc, fs); return s })
		return &sections{ms: true, sideGain: width, chains: [][]dsp.Processor{{hp(), eq(), mid}, {hp(), eq(), side}}}
	}
	dsptest.Run(t, merged, dsptest.Options{Specs: []dsp.Spec{{SampleRate: rate, Channels: 2, MaxFrames: 512}}})
	spec := dsp.Spec{SampleRate: rate, Channels: 2, MaxFrames: 4096}
	ref := dsp.Chain{hp(), eq(), fx.NewWidth(fx.WidthParams{Width: width, MonoBelowHz: fc})}
	got := merged()
	if err := ref.Prepare(spec); err != nil {
		t.Fatal(err)
	}
	if err := got.Prepare(spec); err != nil {
		t.Fatal(err)
	}
	a := synth.SongBuffer(rate, 5, 4)
	b := synth.SongBuffer(rate, 5, 4)
	for off := 0; off < a.Frames(); off += 4096 {
		end := min(off+4096, a.Frames())
		ref.Process(a.Slice(make(audio.Buffer, 2), off, end))
		got.Process(b.Slice(make(audio.Buffer, 2), off, end))
	}
	// The merged stage runs its sections in two halves one block apart.
	lat := got.Latency()
	if lat != 4096 {
		t.Errorf("latency %d frames, want one block (4096)", lat)
	}
	worst := 0.0
	for c := range a {
		for i := range a[c][:a.Frames()-lat] {
			worst = max(worst, math.Abs(float64(a[c][i]-b[c][i+lat])))
		}
	}
	t.Logf("largest difference from the L/R chain and fx.Width: %.2g", worst)
	if worst > 2e-6 {
		t.Errorf("merged width differs from fx.Width by %g", worst)
	}
}

// TestChannelSplitConformance runs the per-channel, two-goroutine wrapper
// (which the saturation runs in) through the conformance suite: its output
// must not depend on scheduling.
func TestChannelSplitConformance(t *testing.T) {
	p := &Plan{SaturationDriveDB: 4, SaturationPeakDB: -2}
	dsptest.Run(t, func() dsp.Processor {
		return newChannelSplit(func() dsp.Processor { return saturationStage(p) })
	}, dsptest.Options{})
}

// TestReferenceMastering masters a dull, quiet, narrow song against a
// bright, loud, wide reference: loudness lands within 0.1 LU of the
// reference's (both measured by libebur128), no true-peak overs, and the
// 1/3-octave mid spectrum moves at least halfway to the reference's.
func TestReferenceMastering(t *testing.T) {
	const rate = 44100
	dir := t.TempDir()
	inBuf := song(rate, 20, -18, dsp.LowShelf(200, 0.7, 4, rate), dsp.HighShelf(4000, 0.7, -4, rate))
	refBuf := synth.SongBuffer(rate, 20, 11)
	dsp.NewCascade(2, dsp.LowShelf(200, 0.7, -2, rate), dsp.HighShelf(4000, 0.7, 2, rate)).Process(refBuf)
	// Widen the reference: more side signal.
	for i := range refBuf[0] {
		m, s := (refBuf[0][i]+refBuf[1][i])/2, (refBuf[0][i]-refBuf[1][i])/2*2
		refBuf[0][i], refBuf[1][i] = m+s, m-s
	}
	synth.Gain(refBuf, 0.5)
	in := writeFloat(t, filepath.Join(dir, "in.wav"), inBuf, rate)
	refPath := writeFloat(t, filepath.Join(dir, "ref.wav"), refBuf, rate)
	ctx := context.Background()
	ref, err := Analyze(ctx, FileSource(refPath))
	if err != nil {
		t.Fatal(err)
	}
	tgt, _ := Preset("spotify")
	o := DefaultOptions(tgt)
	o.Reference = ref
	outPath := filepath.Join(dir, "out.wav")
	res, err := Master(ctx, FileSource(in), nil, Output{Path: outPath}, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := readFile(t, outPath)
	libOut, libRef := refmeter.Libebur128(t, out, rate), refmeter.Libebur128(t, refBuf, rate)
	rep := NewReport(res, o, in, outPath, refPath)
	m := rep.Match
	t.Logf("reference %v; master %v; mid distance %.2f -> %.2f dB; side %v; side/mid in %.1f, out %.1f, ref %.1f dB",
		libRef, libOut, m.MidDistanceDB[0], m.MidDistanceDB[1], m.SideDistanceDB,
		float64(res.Input.Stereo.SideToMidDB), float64(res.Output.Stereo.SideToMidDB), float64(ref.Stereo.SideToMidDB))
	if d := libOut.Integrated - libRef.Integrated; math.Abs(d) > 0.1 {
		t.Errorf("loudness %.3f LU from the reference's (libebur128)", d)
	}
	if tp := libOut.MaxTruePeakDB(); tp > res.Plan.CeilingDBTP {
		t.Errorf("true peak %.3f dBTP above the ceiling", tp)
	}
	if !(m.MidDistanceDB[1] <= 0.5*m.MidDistanceDB[0]) {
		t.Errorf("mid spectrum distance %.2f -> %.2f dB: not halved", m.MidDistanceDB[0], m.MidDistanceDB[1])
	}
	before := math.Abs(float64(res.Input.Stereo.SideToMidDB - ref.Stereo.SideToMidDB))
	after := math.Abs(float64(res.Output.Stereo.SideToMidDB - ref.Stereo.SideToMidDB))
	// Width moves by at most 6 dB (the reference-mode cap).
	if want := math.Min(before/2, before-5); after > want {
		t.Errorf("side/mid %.1f dB from the reference's after, %.1f before: width not matched (want <= %.1f)", after, before, want)
	}
	for _, c := range rep.Checks {
		if !c.Pass {
			t.Errorf("check failed: %s: %s", c.Name, c.Detail)
		}
	}
}

// TestMasterAutoSaturation asks for a loud master (-9 LUFS at -1 dBTP)
// that the limiter alone cannot reach within --max-limit: with automatic
// dynamics, soft saturation is added (and explained) and the target is
// met; the limiter never exceeds its allowance.
func TestMasterAutoSaturation(t *testing.T) {
	const rate = 44100
	dir := t.TempDir()
	in := writeFloat(t, filepath.Join(dir, "in.wav"), song(rate, 15, -20), rate)
	o := DefaultOptions(Target{LUFS: -9, CeilingDBTP: -1})
	out := filepath.Join(dir, "out.wav")
	res, err := Master(context.Background(), FileSource(in), nil, Output{Path: out}, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := decision(res.Plan, "saturation")
	if d == nil || !strings.Contains(d.Action, "automatically") || res.Plan.SaturationDriveDB <= 0 {
		t.Fatalf("no automatic saturation decision: %+v", res.Plan.Decisions)
	}
	b, _ := readFile(t, out)
	lib := refmeter.Libebur128(t, b, rate)
	t.Logf("drive %.1f dB, limiter %v, libebur128 %v", res.Plan.SaturationDriveDB, res.Limiter, lib)
	if res.Shortfall != "" || math.Abs(lib.Integrated+9) > 0.1 {
		t.Errorf("reached %.3f LUFS (shortfall %q)", lib.Integrated, res.Shortfall)
	}
	if res.Limiter.MaxDB > o.MaxLimitDB+0.01 || lib.MaxTruePeakDB() > -1 {
		t.Errorf("limiter %.2f dB (allowed %.1f), true peak %.3f dBTP", res.Limiter.MaxDB, o.MaxLimitDB, lib.MaxTruePeakDB())
	}
}

// TestMasterHum masters a song carrying 50 Hz hum (three harmonics): the
// plan notches it and the master's analysis no longer finds it.
func TestMasterHum(t *testing.T) {
	const rate, seconds = 44100, 20
	dir := t.TempDir()
	b := song(rate, seconds, -16)
	for i := range b[0] {
		ts := float64(i) / rate
		h := 0.0
		for k, db := range []float64{-30, -36, -40} {
			h += math.Pow(10, db/20) * math.Sin(2*math.Pi*50.0*float64(k+1)*ts)
		}
		b[0][i] += float32(h)
		b[1][i] += float32(h)
	}
	in := writeFloat(t, filepath.Join(dir, "in.wav"), b, rate)
	tgt, _ := Preset("spotify")
	res, err := Master(context.Background(), FileSource(in), nil, Output{Path: filepath.Join(dir, "out.wav")}, DefaultOptions(tgt), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Input.Defects.Hum.Detected {
		t.Fatalf("input hum not found: %+v", res.Input.Defects.Hum)
	}
	if math.Abs(res.Plan.HumHz-50) > 0.1 || res.Plan.HumHarmonics < 3 || !slices.Contains(res.Chain, "hum notches") {
		t.Fatalf("plan notches %.2f Hz x %d, chain %v", res.Plan.HumHz, res.Plan.HumHarmonics, res.Chain)
	}
	if h := res.Output.Defects.Hum; h.Detected {
		t.Errorf("hum still found in the master: %.2f Hz at %.1f dBFS (input %.1f dBFS)", float64(h.FrequencyHz), float64(h.LevelDBFS), float64(res.Input.Defects.Hum.LevelDBFS))
	}
}

// TestLoudestWindow finds a loud stretch placed at a known second, whatever
// the block size.
func TestLoudestWindow(t *testing.T) {
	const rate, seconds = 1000, 100
	b := audio.NewBuffer(2, rate*seconds)
	for i := range b[0] {
		v := float32(0.01)
		if s := i / rate; s >= 57 && s < 87 {
			v = 0.5
		}
		b[0][i], b[1][i] = v, -v
	}
	for _, block := range []int{1, 333, 1000, 4096} {
		l := newLoudestWindow(rate)
		for off := 0; off < b.Frames(); off += block {
			if err := l.write(b.Slice(make(audio.Buffer, 2), off, min(off+block, b.Frames()))); err != nil {
				t.Fatal(err)
			}
		}
		if got := l.start(previewS); got != 57*rate {
			t.Errorf("blocks of %d: loudest 30 s start at frame %d, want %d", block, got, 57*rate)
		}
	}
}

// TestMasterPreviews writes the before and after previews: 30 s each,
// from the same place, at the same integrated loudness (libebur128).
func TestMasterPreviews(t *testing.T) {
	const rate = 44100
	dir := t.TempDir()
	b := song(rate, 50, -20)
	in := writeFloat(t, filepath.Join(dir, "in.wav"), b, rate)
	tgt, _ := Preset("spotify")
	pdir := filepath.Join(dir, "previews")
	res, err := Master(context.Background(), FileSource(in), nil, Output{Path: filepath.Join(dir, "out.wav"), PreviewDir: pdir}, DefaultOptions(tgt), nil)
	if err != nil {
		t.Fatal(err)
	}
	before, fb := readFile(t, filepath.Join(pdir, "preview-before.wav"))
	after, fa := readFile(t, filepath.Join(pdir, "preview-after.wav"))
	if before.Frames() != previewS*rate || after.Frames() != previewS*rate || fb.SampleRate != rate || fa.SampleRate != rate {
		t.Fatalf("previews of %d and %d frames", before.Frames(), after.Frames())
	}
	if res.PreviewStartS < 0 || res.PreviewStartS > 20 {
		t.Errorf("preview starts at %.1f s of a 50 s song", res.PreviewStartS)
	}
	lb, la := refmeter.Libebur128(t, before, rate), refmeter.Libebur128(t, after, rate)
	if d := lb.Integrated - la.Integrated; math.Abs(d) > 0.1 {
		t.Errorf("previews %.2f LU apart (before %.2f, after %.2f LUFS)", d, lb.Integrated, la.Integrated)
	}
}

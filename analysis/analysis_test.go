package analysis

import (
	"math"
	"strings"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/internal/synth"
)

func TestCleanSong(t *testing.T) {
	r := run(t, song(44100, 20), 44100, Options{SourceBits: 32, SourceFloat: true}, 16384)
	if len(r.Findings) != 0 {
		t.Errorf("clean song has findings: %+v", r.Findings)
	}
	if r.Defects.Clipping.Runs != 0 || r.Defects.Hum.Detected || r.Defects.Bandwidth.Upsampled {
		t.Errorf("clean song: %+v", r.Defects)
	}
	if r.Defects.Silence.HeadS != 0 || r.Defects.Silence.TailS != 0 {
		t.Errorf("clean song silence: %+v", r.Defects.Silence)
	}
	if !r.Defects.BitDepth.ContentFloat {
		t.Errorf("float song: bit depth %+v", r.Defects.BitDepth)
	}
	for _, d := range r.Defects.DCOffset {
		t.Logf("song DC %s %.2f dBFS", d.Channel, float64(d.DBFS))
	}
}

func TestDCOffset(t *testing.T) {
	const rate = 48000
	// A 1 kHz sine over whole periods has no DC of its own.
	sine := synth.Sine(rate, 2, 5*rate, 1000, 0.5, 0)
	for c := range sine {
		for i := range sine[c] {
			sine[c][i] += 0.01
		}
	}
	r := run(t, sine, rate, Options{}, 4096)
	for _, d := range r.Defects.DCOffset {
		near(t, "DC dBFS", float64(d.DBFS), -40, 0.1)
		near(t, "DC linear", d.Linear, 0.01, 1e-6)
	}
	if hasFinding(r, "dc_offset") == nil {
		t.Error("no dc_offset finding")
	}
	// Added to the song, the offset adds to the song's own small DC.
	s := song(rate, 10)
	clean := run(t, s, rate, Options{}, 4096)
	if f := hasFinding(clean, "dc_offset"); f != nil {
		t.Errorf("clean song: %s", f.Message)
	}
	for c := range s {
		for i := range s[c] {
			s[c][i] += 0.01
		}
	}
	shifted := run(t, s, rate, Options{}, 4096)
	for c := range shifted.Defects.DCOffset {
		near(t, "DC shift", shifted.Defects.DCOffset[c].Linear-clean.Defects.DCOffset[c].Linear, 0.01, 1e-6)
	}
	if hasFinding(shifted, "dc_offset") == nil {
		t.Error("song + DC: no finding")
	}
}

// refRuns counts, per channel, runs of at least minRun samples whose
// magnitude is at least thr: the brute-force reference.
func refRuns(b audio.Buffer, thr float32, minRun int) (runs, longest, total int64, first int) {
	first = -1
	for _, ch := range b {
		n := 0
		flush := func(end int) {
			if n >= minRun {
				runs++
				longest = max(longest, int64(n))
				total += int64(n)
				if first < 0 || end-n < first {
					first = end - n
				}
			}
			n = 0
		}
		for i, v := range ch {
			if float32(math.Abs(float64(v))) >= thr {
				n++
			} else {
				flush(i)
			}
		}
		flush(len(ch))
	}
	return
}

func TestClipping(t *testing.T) {
	const rate = 44100
	t.Run("hard-clipped song", func(t *testing.T) {
		for _, ceiling := range []float32{1, 0.8} {
			b := song(rate, 15)
			synth.Gain(b, 2)
			for _, ch := range b {
				for i, v := range ch {
					ch[i] = max(-ceiling, min(ceiling, v))
				}
			}
			r := run(t, b, rate, Options{}, 16384)
			c := r.Defects.Clipping
			runs, longest, total, first := refRuns(b, clipThreshold(float64(ceiling), DefaultClipTolerance), 3)
			if c.Runs == 0 || c.Runs != runs || c.LongestSamples != longest || c.TotalSamples != total {
				t.Errorf("ceiling %g: got %d runs, longest %d, total %d; reference %d, %d, %d", ceiling, c.Runs, c.LongestSamples, c.TotalSamples, runs, longest, total)
			}
			near(t, "first clip s", float64(c.FirstTimeS), float64(first)/rate, 1e-9)
			near(t, "clip threshold dBFS", float64(c.ThresholdDBFS), 20*math.Log10(float64(ceiling)), 0.001)
			f := hasFinding(r, "clipping")
			if f == nil {
				t.Fatal("no clipping finding")
			}
			t.Logf("ceiling %g: %s", ceiling, f.Message)
		}
	})
	t.Run("clean song", func(t *testing.T) {
		r := run(t, song(rate, 15), rate, Options{}, 16384)
		if c := r.Defects.Clipping; c.Runs != 0 || hasFinding(r, "clipping") != nil {
			t.Errorf("clean song: %+v", c)
		}
	})
	t.Run("known runs", func(t *testing.T) {
		// A −6 dBFS sine with three flat runs at −0.5 dBFS (3, 12 and 5
		// samples) and one of 2 (too short), in the right channel only.
		b := synth.Sine(rate, 2, 120*rate, 440, 0.5, 0)
		lvl := float32(synth.DBToAmp(-0.5))
		at := func(sec float64, n int, sign float32) {
			i := int(sec * rate)
			for k := range n {
				b[1][i+k] = sign * lvl
			}
		}
		at(83.456, 3, 1)
		at(90, 12, -1)
		at(100.5, 5, 1)
		at(110, 2, 1)
		r := run(t, b, rate, Options{}, 7)
		c := r.Defects.Clipping
		if c.Runs != 3 || c.LongestSamples != 12 || c.TotalSamples != 20 || c.FirstChannel != "FR" || c.PerChannel[0] != 0 || c.PerChannel[1] != 3 {
			t.Errorf("got %+v", c)
		}
		near(t, "first run s", float64(c.FirstTimeS), 83.456, 1/float64(rate))
		f := hasFinding(r, "clipping")
		if f == nil || !strings.Contains(f.Message, "3 runs of ≥3 samples") || !strings.Contains(f.Message, "longest 12") || !strings.Contains(f.Message, "1:23.456") {
			t.Errorf("finding %+v", f)
		} else {
			t.Log(f.Message)
		}
	})
	t.Run("peak rises later", func(t *testing.T) {
		// Flat runs at 0.9 first, then one sample at 1.0: the early runs are
		// not at the file's maximum and must not count.
		b := synth.Sine(rate, 1, 10*rate, 440, 0.5, 0)
		for k := range 10 {
			b[0][rate+k] = 0.9
		}
		b[0][5*rate] = 1
		if c := run(t, b, rate, Options{}, 4096).Defects.Clipping; c.Runs != 0 {
			t.Errorf("runs below the later peak counted: %+v", c)
		}
		// And runs at 16-bit positive full scale (32767/32768) count when
		// the file's peak is the negative full scale.
		for k := range 4 {
			b[0][7*rate+k] = 32767.0 / 32768
		}
		b[0][5*rate] = -1
		if c := run(t, b, rate, Options{}, 4096).Defects.Clipping; c.Runs != 1 || c.LongestSamples != 4 {
			t.Errorf("16-bit full-scale run: %+v", c)
		}
	})
}

func TestSilence(t *testing.T) {
	const rate = 44100
	s := song(rate, 8)
	b := synth.Concat(synth.Silence(2, rate), s, synth.Silence(2, rate/2))
	r := run(t, b, rate, Options{}, 16384)
	sl := r.Defects.Silence
	near(t, "head s", sl.HeadS, 1.000, 0.0005)
	near(t, "tail s", sl.TailS, 0.500, 0.0005)
	if !sl.HeadExactZero || !sl.TailExactZero || sl.AllSilent {
		t.Errorf("%+v", sl)
	}
	if f := hasFinding(r, "silence_head"); f == nil || !strings.Contains(f.Message, "1.000 s") || !strings.Contains(f.Message, "digital zero") {
		t.Errorf("head finding %+v", f)
	}
	if f := hasFinding(r, "silence_tail"); f == nil || f.TimeS == nil {
		t.Errorf("tail finding %+v", f)
	} else {
		near(t, "tail finding time", *f.TimeS, 9.0, 0.001)
	}
	// Dither-level noise (−100 dBFS RMS) instead of zeros: below the
	// threshold, not exact zero.
	lead := synth.WhiteNoise(rate, 2, rate, synth.DBToAmp(-100), 9)
	r = run(t, synth.Concat(lead, s), rate, Options{}, 16384)
	sl = r.Defects.Silence
	near(t, "noisy head s", sl.HeadS, 1.000, 0.0005)
	if sl.HeadExactZero || sl.HeadExactS != 0 {
		t.Errorf("noisy head: %+v", sl)
	}
	// Silence everywhere.
	r = run(t, synth.Silence(2, rate), rate, Options{}, 16384)
	if !r.Defects.Silence.AllSilent || hasFinding(r, "silent") == nil || r.Findings[0].Severity != Error {
		t.Errorf("silent file: %+v %+v", r.Defects.Silence, r.Findings)
	}
}

func TestNoiseFloor(t *testing.T) {
	const rate = 44100
	// 20 s of song with a 4 s pause holding only noise at −70 dBFS RMS.
	noise := synth.WhiteNoise(rate, 2, 4*rate, synth.DBToAmp(-70), 5)
	b := synth.Concat(song(rate, 8), noise, song(rate, 8))
	r := run(t, b, rate, Options{}, 16384)
	near(t, "noise floor dBFS", float64(r.Defects.NoiseFloor.DBFS), -70, 0.5)
	// Digital silence is not a noise floor.
	b = synth.Concat(song(rate, 8), synth.Silence(2, 4*rate), song(rate, 8))
	r = run(t, b, rate, Options{}, 16384)
	if nf := float64(r.Defects.NoiseFloor.DBFS); nf < -40 {
		t.Errorf("noise floor %.1f dBFS counts digital silence", nf)
	} else {
		t.Logf("song with a silent gap: noise floor %.1f dBFS", nf)
	}
}

func TestBitDepth(t *testing.T) {
	const rate = 44100
	quantize := func(b audio.Buffer, bits int) audio.Buffer {
		s := math.Exp2(float64(bits - 1))
		for _, ch := range b {
			for i, v := range ch {
				ch[i] = float32(math.Round(float64(v)*s) / s)
			}
		}
		return b
	}
	for _, c := range []struct {
		name      string
		b         audio.Buffer
		bits      int
		float     bool
		want      int
		wantFloat bool
		finding   bool
	}{
		{"16-bit song in 24-bit container", quantize(song(rate, 5), 16), 24, false, 16, false, true},
		{"24-bit noise in 24-bit container", quantize(synth.WhiteNoise(rate, 2, 5*rate, 0.1, 1), 24), 24, false, 24, false, false},
		{"16-bit song in 16-bit container", quantize(song(rate, 5), 16), 16, false, 16, false, false},
		{"16-bit song in float container", quantize(song(rate, 5), 16), 32, true, 16, false, true},
		{"float song in float container", song(rate, 5), 32, true, 0, true, false},
		{"lossy", song(rate, 5), 0, false, 0, true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := run(t, c.b, rate, Options{SourceBits: c.bits, SourceFloat: c.float}, 4096)
			bd := r.Defects.BitDepth
			if bd.ContentBits != c.want || bd.ContentFloat != c.wantFloat || bd.ContainerBits != c.bits {
				t.Errorf("got %+v, want content %d (float %v)", bd, c.want, c.wantFloat)
			}
			f := hasFinding(r, "bit_depth")
			if (f != nil) != c.finding {
				t.Errorf("finding %+v, want one: %v", f, c.finding)
			}
			if f != nil {
				t.Log(f.Message)
			}
		})
	}
}

func TestStereo(t *testing.T) {
	const rate = 48000
	mono := synth.PinkNoise(rate, 1, 10*rate, 0.1, 1)[0]
	inv := make([]float32, len(mono))
	for i, v := range mono {
		inv[i] = -v
	}
	identical := audio.Buffer{mono, append([]float32(nil), mono...)}
	inverted := audio.Buffer{mono, inv}
	uncorrelated := synth.PinkNoise(rate, 2, 10*rate, 0.1, 2)

	r := run(t, identical, rate, Options{}, 4096)
	s := r.Stereo
	near(t, "identical correlation", float64(s.Correlation), 1, 1e-9)
	near(t, "identical min correlation", float64(s.MinCorrelation), 1, 1e-9)
	near(t, "identical mono fold drop LU", float64(s.MonoFoldDropLU), 0, 0.01)
	if !math.IsInf(float64(s.SideToMidDB), -1) || hasFinding(r, "mono_content") == nil || hasFinding(r, "phase") != nil {
		t.Errorf("identical: side/mid %v, findings %+v", s.SideToMidDB, r.Findings)
	}

	r = run(t, inverted, rate, Options{}, 4096)
	s = r.Stereo
	near(t, "inverted correlation", float64(s.Correlation), -1, 1e-9)
	if d := float64(s.MonoFoldDropLU); !(d <= -20) {
		t.Errorf("inverted mono fold drop %v LU, want ≤ −20", d)
	}
	if f := hasFinding(r, "phase"); f == nil {
		t.Error("inverted: no phase finding")
	} else {
		t.Log(f.Message)
	}

	r = run(t, uncorrelated, rate, Options{}, 4096)
	s = r.Stereo
	near(t, "uncorrelated correlation", float64(s.Correlation), 0, 0.02)
	near(t, "uncorrelated mono fold drop LU", float64(s.MonoFoldDropLU), -3.01, 0.1)
	near(t, "uncorrelated side/mid dB", float64(s.SideToMidDB), 0, 0.1)
	if hasFinding(r, "phase") != nil || hasFinding(r, "mono_content") != nil {
		t.Errorf("uncorrelated findings %+v", r.Findings)
	}

	// A song with an inverted stretch: the lowest window finds it.
	b := song(rate, 12)
	for i := 6 * rate; i < 7*rate; i++ {
		b[1][i] = -b[1][i]
	}
	s = run(t, b, rate, Options{}, 4096).Stereo
	if float64(s.MinCorrelation) > -0.5 || float64(s.MinCorrelationTimeS) < 5.6 || float64(s.MinCorrelationTimeS) > 7 {
		t.Errorf("inverted second: min correlation %.2f at %.2f s", float64(s.MinCorrelation), float64(s.MinCorrelationTimeS))
	}
}

func TestCrestFactor(t *testing.T) {
	const rate = 48000
	r := run(t, synth.Sine(rate, 2, 5*rate, 997, 0.5, 0), rate, Options{}, 4096)
	near(t, "sine crest dB", float64(r.Dynamics.CrestDB), 3.0103, 0.01)
	near(t, "sine RMS dBFS", float64(r.Dynamics.RMSDBFS), -6.0206-3.0103, 0.01)
	for _, c := range r.Dynamics.Channels {
		near(t, "channel crest dB", float64(c.CrestDB), 3.0103, 0.01)
	}
	r = run(t, synth.WhiteNoise(rate, 1, 10*rate, 0.1, 1), rate, Options{}, 4096)
	if c := float64(r.Dynamics.CrestDB); c < 12 || c > 16 {
		t.Errorf("Gaussian noise crest %.2f dB, want about 14", c)
	}
}

func TestSpectrumSine(t *testing.T) {
	for _, rate := range []int{44100, 48000, 96000} {
		r := run(t, synth.Sine(rate, 1, 5*rate, 1000, synth.DBToAmp(-20), 0), rate, Options{}, 4096)
		for _, b := range r.Spectrum.Bands {
			switch {
			case b.CentreHz == 1000:
				near(t, "1 kHz band dB", float64(b.MidDB), -20, 0.05)
			case b.CentreHz <= 630 || b.CentreHz >= 1600:
				if float64(b.MidDB) > -100 {
					t.Errorf("%d Hz: band %g Hz reads %.1f dB", rate, b.CentreHz, float64(b.MidDB))
				}
			}
		}
		last := r.Spectrum.Bands[len(r.Spectrum.Bands)-1]
		if rate == 44100 && last.CentreHz != 20000 || rate == 96000 && last.CentreHz != 20000 {
			t.Errorf("%d Hz: last band %g", rate, last.CentreHz)
		}
	}
	// Below Nyquist only.
	r := run(t, synth.Sine(16000, 1, 16000*2, 1000, 0.1, 0), 16000, Options{}, 4096)
	if last := r.Spectrum.Bands[len(r.Spectrum.Bands)-1]; last.CentreHz != 8000 {
		t.Errorf("16 kHz: last band %g Hz", last.CentreHz)
	}
}

func TestSpectrumPinkFlat(t *testing.T) {
	for _, rate := range []int{44100, 48000} {
		r := run(t, synth.PinkNoise(rate, 2, 30*rate, 0.1, 7), rate, Options{}, 16384)
		var lv []float64
		for _, b := range r.Spectrum.Bands {
			if b.CentreHz >= 50 && b.CentreHz <= 10000 {
				lv = append(lv, float64(b.ChannelDB[0]), float64(b.ChannelDB[1]))
			}
		}
		var mean float64
		for _, v := range lv {
			mean += v
		}
		mean /= float64(len(lv))
		var worst float64
		for _, v := range lv {
			worst = max(worst, math.Abs(v-mean))
		}
		t.Logf("%d Hz: pink noise bands 50 Hz-10 kHz within ±%.2f dB of %.2f dB", rate, worst, mean)
		if worst > 1 {
			t.Errorf("pink noise not flat: ±%.2f dB", worst)
		}
		// Independent channels: side and mid are each 3 dB below a channel.
		b := r.Spectrum.Bands[20]
		near(t, "side − channel dB", float64(*b.SideDB)-float64(b.ChannelDB[0]), -3, 0.6)
	}
}

func TestLoudnessSection(t *testing.T) {
	const rate = 48000
	// EBU Tech 3341 case 1: stereo 1 kHz sine at −23 dBFS reads −23 LUFS.
	b := synth.Sine(rate, 2, 20*rate, 1000, synth.DBToAmp(-23), 0)
	r := run(t, b, rate, Options{}, 4096)
	l := r.Loudness
	near(t, "integrated LUFS", float64(l.IntegratedLUFS), -23, 0.1)
	near(t, "sample peak dBFS", float64(l.SamplePeakDBFS), -23, 0.01)
	near(t, "true peak dBTP", float64(l.TruePeakDBTP), -23, 0.05)
	near(t, "PLR LU", float64(l.PLRLU), 0, 0.15)
	near(t, "duration s", l.DurationS, 20, 1e-12)
	if l.Frames != 20*rate || len(l.Channels) != 2 || l.Channels[1].Channel != "FR" {
		t.Errorf("%+v", l)
	}
	// A hot song: true-peak finding.
	hot := synth.SongBuffer(rate, 5, 1)
	if f := hasFinding(run(t, hot, rate, Options{}, 4096), "true_peak"); f == nil {
		t.Error("no true_peak finding on a song peaking at 0 dBTP")
	}
}

func TestMultichannel(t *testing.T) {
	const rate = 48000
	b := audio.NewBuffer(6, 5*rate)
	pink := synth.PinkNoise(rate, 6, 5*rate, 0.1, 3)
	audio.Copy(b, pink)
	r := run(t, b, rate, Options{}, 4096)
	if r.Stereo == nil || r.Stereo.Channels != [2]int{0, 1} || len(r.Format.ChannelNames) != 6 || r.Format.ChannelNames[3] != "LFE" {
		t.Fatalf("5.1: %+v %+v", r.Stereo, r.Format)
	}
	near(t, "5.1 mono fold drop LU", float64(r.Stereo.MonoFoldDropLU), -3.01, 0.1)
	if r.Spectrum.Bands[10].ChannelDB != nil {
		t.Error("5.1: per-channel bands present")
	}
	m := run(t, pink[:1], rate, Options{}, 4096)
	if m.Stereo != nil || m.Spectrum.Bands[10].SideDB != nil || len(m.Spectrum.Bands[10].ChannelDB) != 1 {
		t.Errorf("mono: %+v %+v", m.Stereo, m.Spectrum.Bands[10])
	}
}

func TestOptions(t *testing.T) {
	for _, o := range []Options{
		{SampleRate: 0, Channels: 2},
		{SampleRate: 48000, Channels: 0},
		{SampleRate: 48000, Channels: 2, ClipRunMin: -1},
		{SampleRate: 48000, Channels: 2, ClipTolerance: 0.01},
		{SampleRate: 48000, Channels: 2, NoiseFloorPercentile: 101},
		{SampleRate: 48000, Channels: 2, Layout: audio.Layout5_1},
		{SampleRate: 48000, Channels: 2, SourceBits: 99},
		{SampleRate: 48000, Channels: 2, DCThresholdDB: math.Inf(1)},
		{SampleRate: 3000, Channels: 1},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) accepted", o)
		}
	}
	a, err := New(Options{SampleRate: 48000, Channels: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if recover() == nil {
			t.Error("Write with the wrong channel count did not panic")
		}
	}()
	a.Write(audio.NewBuffer(1, 10))
}

func TestEmpty(t *testing.T) {
	a, _ := New(Options{SampleRate: 44100, Channels: 2})
	a.Write(audio.NewBuffer(2, 0))
	r := a.Report()
	jsonOf(t, r) // must encode
	if r.Loudness.Frames != 0 || !r.Defects.Silence.AllSilent {
		t.Errorf("empty: %+v", r.Loudness)
	}
	var sb strings.Builder
	if err := r.WriteText(&sb); err != nil {
		t.Fatal(err)
	}
}

func TestShortProgramme(t *testing.T) {
	// Shorter than one FFT frame and one window: still a spectrum.
	r := run(t, synth.Sine(48000, 2, 1000, 1000, 0.1, 0), 48000, Options{}, 100)
	for _, b := range r.Spectrum.Bands {
		if b.CentreHz == 1000 {
			near(t, "short 1 kHz band dB", float64(b.MidDB), -20, 0.5)
		}
	}
	if !r.Stereo.MinCorrelation.Finite() {
		t.Errorf("short: min correlation %v", r.Stereo.MinCorrelation)
	}
}

func TestRatesAndLayouts(t *testing.T) {
	for _, rate := range []int{8000, 11025, 22050, 32000, 88200, 192000, 384000} {
		for _, ch := range []int{1, 2, 3, 8} {
			b := synth.PinkNoise(rate, ch, rate*3/2, 0.1, 1)
			r := run(t, b, rate, Options{}, 3000)
			if len(r.Spectrum.Bands) == 0 || !r.Loudness.IntegratedLUFS.Finite() || (ch > 1) != (r.Stereo != nil) {
				t.Errorf("%d Hz, %d channels: %+v", rate, ch, r.Loudness)
			}
			jsonOf(t, r)
		}
	}
}

func TestNonFiniteInput(t *testing.T) {
	b := song(44100, 3)
	b[0][1000] = float32(math.NaN())
	b[1][2000] = float32(math.Inf(1))
	b[1][2001] = float32(math.Inf(-1))
	r := run(t, b, 44100, Options{}, 4096)
	if !r.Loudness.IntegratedLUFS.Finite() || !r.Dynamics.RMSDBFS.Finite() {
		t.Errorf("non-finite input: %+v %+v", r.Loudness, r.Dynamics)
	}
	near(t, "clamped peak dBFS", float64(r.Dynamics.PeakDBFS), 60, 1e-9)
}

package fx

import (
	"math"
	"strings"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/dsp"
	"github.com/mixdown/mixdown/dsp/dsptest"
	"github.com/mixdown/mixdown/internal/synth"
)

func reverbWith(edit func(*ReverbParams)) *Reverb {
	p := DefaultReverbParams()
	if edit != nil {
		edit(&p)
	}
	return NewReverb(p)
}

func TestReverbConformance(t *testing.T) {
	dsptest.Run(t, func() dsp.Processor { return reverbWith(nil) }, dsptest.Options{})
	// Without modulation, a small room (shorter steps), a long pre-delay
	// and no tone filters.
	dsptest.Run(t, func() dsp.Processor {
		return reverbWith(func(p *ReverbParams) {
			p.ModulationDepthMS, p.SizeM, p.PreDelayMS, p.LowCutHz, p.HighCutHz = 0, 2, 250, 0, 0
			p.Mix, p.Width, p.DecayS = 0.3, 0.5, 6
		})
	}, dsptest.Options{Specs: []dsp.Spec{{SampleRate: 44100, Channels: 2, MaxFrames: 300}, {SampleRate: 8000, Channels: 1, MaxFrames: 64}}})
}

// reverbIR returns the wet impulse response (both channels) for p.
func reverbIR(t *testing.T, p ReverbParams, fs float64, seconds float64) (l, r []float64) {
	t.Helper()
	spec := dsp.Spec{SampleRate: fs, Channels: 2, MaxFrames: 512}
	out := run(t, NewReverb(p), spec, impulse(2, int(seconds*fs), 0))
	return f64(out[0]), f64(out[1])
}

// The decay time measured from Schroeder's backward-integrated energy decay
// curve (T30: the slope between -5 and -35 dB, extrapolated to 60 dB) in
// the octave band around 1 kHz is DecayS within 10 %.
func TestReverbRT60(t *testing.T) {
	for _, fs := range []float64{44100, 48000} {
		for _, decay := range []float64{0.5, 1.6, 4} {
			p := DefaultReverbParams()
			p.DecayS = decay
			l, r := reverbIR(t, p, fs, 1.3*decay+0.5)
			curve := edc(octaveBand(l, 1000, fs), octaveBand(r, 1000, fs))
			got := rt60(curve, fs, -5, -35)
			t.Logf("%g Hz, DecayS %.1f s: T30 at 1 kHz %.3f s (%+.1f %%), T20 %.3f s", fs, decay, got, 100*(got/decay-1), rt60(curve, fs, -5, -25))
			if math.Abs(got/decay-1) > 0.10 {
				t.Errorf("%g Hz: RT60 %.3f s, want %.3f s ± 10 %%", fs, got, decay)
			}
			// The low mids decay at the same rate.
			if lo := rt60(edc(octaveBand(l, 250, fs), octaveBand(r, 250, fs)), fs, -5, -35); math.Abs(lo/decay-1) > 0.10 {
				t.Errorf("%g Hz: RT60 at 250 Hz %.3f s, want %.3f s ± 10 %%", fs, lo, decay)
			}
		}
	}
}

// Damping: the RT60 in the octave around 12 kHz (three times the
// crossover) is HFDecayRatio times the mid-band RT60, within 15 %.
func TestReverbDamping(t *testing.T) {
	const fs = 48000
	for _, ratio := range []float64{1, 0.5, 0.25} {
		p := DefaultReverbParams()
		p.DecayS, p.HFDecayRatio, p.HighCutHz = 2, ratio, 0
		l, r := reverbIR(t, p, fs, 3)
		mid := rt60(edc(octaveBand(l, 1000, fs), octaveBand(r, 1000, fs)), fs, -5, -35)
		hf := rt60(edc(octaveBand(l, 12000, fs), octaveBand(r, 12000, fs)), fs, -5, -25)
		t.Logf("HFDecayRatio %.2f: RT60 1 kHz %.3f s, 12 kHz %.3f s, ratio %.3f", ratio, mid, hf, hf/mid)
		if math.Abs(hf/mid/ratio-1) > 0.15 {
			t.Errorf("HFDecayRatio %.2f: measured ratio %.3f", ratio, hf/mid)
		}
	}
}

// echoDensity is Abel & Huang's normalised echo density: the fraction of
// samples in a window around each point whose magnitude exceeds the
// window's standard deviation, divided by the fraction expected for
// Gaussian noise, erfc(1/√2). It is near 0 for sparse echoes and 1 once the
// response is noise-like.
func echoDensity(h []float64, centre, half int) float64 {
	var s float64
	for i := centre - half; i <= centre+half; i++ {
		s += h[i] * h[i]
	}
	sigma := math.Sqrt(s / float64(2*half+1))
	n := 0
	for i := centre - half; i <= centre+half; i++ {
		if math.Abs(h[i]) > sigma {
			n++
		}
	}
	return float64(n) / float64(2*half+1) / math.Erfc(1/math.Sqrt2)
}

// The echo density builds up after the pre-delay: sparse early
// reflections, then a tail that becomes noise-like.
func TestReverbEchoDensity(t *testing.T) {
	const fs = 48000
	p := DefaultReverbParams()
	p.LowCutHz, p.HighCutHz = 0, 0
	l, _ := reverbIR(t, p, fs, 0.5)
	start := int(math.Round(p.PreDelayMS * fs / 1000))
	// Taps above -60 dB re the largest, per 10 ms window.
	peak := 0.0
	for _, v := range l {
		peak = math.Max(peak, math.Abs(v))
	}
	var counts []int
	for w := range 5 {
		n := 0
		for _, v := range l[start+w*fs/100 : start+(w+1)*fs/100] {
			if math.Abs(v) > 1e-3*peak {
				n++
			}
		}
		counts = append(counts, n)
	}
	var ned []float64
	for _, ms := range []int{5, 15, 30, 60, 120, 250} {
		ned = append(ned, echoDensity(l, start+ms*fs/1000, fs/100))
	}
	t.Logf("taps above -60 dB per 10 ms after the pre-delay: %v (of %d); normalised echo density at 5, 15, 30, 60, 120, 250 ms: %.2f", counts, fs/100, ned)
	if counts[0] >= counts[4] || counts[4] < fs/100*9/10 {
		t.Errorf("tap counts %v do not build up to a dense tail", counts)
	}
	if ned[0] > 0.5 || ned[5] < 0.85 {
		t.Errorf("echo density %.2f does not rise from sparse to noise-like", ned)
	}
}

// The first wet sample comes exactly PreDelayMS after the impulse, on a
// frame rounded to the nearest.
func TestReverbPreDelay(t *testing.T) {
	for _, fs := range []float64{44100, 48000} {
		for _, ms := range []float64{0, 1, 10, 37.5, 500} {
			p := DefaultReverbParams()
			p.PreDelayMS = ms
			l, r := reverbIR(t, p, fs, ms/1000+0.1)
			onset := -1
			for i := range l {
				if l[i] != 0 || r[i] != 0 {
					onset = i
					break
				}
			}
			if want := int(math.Round(ms * fs / 1000)); onset != want {
				t.Errorf("%g Hz, pre-delay %g ms: onset at frame %d, want %d", fs, ms, onset, want)
			}
		}
	}
}

// Width 1 gives a decorrelated tail, width 0 identical channels, and the
// wet level does not change with width.
func TestReverbWidth(t *testing.T) {
	const fs = 44100
	var e1 float64
	for _, w := range []float64{1, 0.5, 0} {
		p := DefaultReverbParams()
		p.Width = w
		l, r := reverbIR(t, p, fs, 2)
		tail := int(0.1 * fs)
		c := correlation(l[tail:], r[tail:])
		e := energy(l) + energy(r)
		if w == 1 {
			e1 = e
		}
		want := (1 - w*w) / (1 + w*w) // for uncorrelated left and right
		t.Logf("width %.1f: tail correlation %.3f (ideal %.2f), wet energy %+.2f dB re width 1", w, c, want, 10*math.Log10(e/e1))
		switch {
		case w == 1 && math.Abs(c) > 0.3:
			t.Errorf("width 1: correlation %.3f, want below 0.3", c)
		case w == 0 && c < 0.999999:
			t.Errorf("width 0: correlation %.6f, want 1", c)
		case math.Abs(c-want) > 0.15:
			t.Errorf("width %.1f: correlation %.3f, want about %.2f", w, c, want)
		}
		if math.Abs(10*math.Log10(e/e1)) > 1 {
			t.Errorf("width %.1f changes the wet level by %.2f dB", w, 10*math.Log10(e/e1))
		}
	}
}

// Below the crossover the wet impulse response carries the energy of the
// impulse: the reverb's level does not depend on decay or size.
func TestReverbEnergy(t *testing.T) {
	const fs = 48000
	ref := octaveBand(f64(impulse(1, 8*fs, 0)[0]), 1000, fs)
	for _, decay := range []float64{0.3, 1, 4} {
		for _, size := range []float64{3, 12, 40} {
			p := DefaultReverbParams()
			p.DecayS, p.SizeM = decay, size
			l, r := reverbIR(t, p, fs, 1.5*decay+0.5)
			got := 10 * math.Log10((energy(octaveBand(l, 1000, fs))+energy(octaveBand(r, 1000, fs)))/2/energy(ref[:len(l)]))
			t.Logf("decay %.1f s, size %2.0f m: energy at 1 kHz %+.2f dB re the impulse", decay, size, got)
			if math.Abs(got) > 1.5 {
				t.Errorf("decay %.1f s, size %g m: wet energy %+.2f dB, want 0 ± 1.5 dB", decay, size, got)
			}
		}
	}
}

// A DC offset in the input never reaches the output (only the
// reverberation of its onset does, and dies away), and a long input leaves
// the energy bounded: the output level of steady noise is the same after a
// minute as after a few seconds, and it dies away afterwards.
func TestReverbDCAndLongInput(t *testing.T) {
	const fs = 44100
	seconds := 60
	if testing.Short() {
		seconds = 15
	}
	p := DefaultReverbParams()
	p.DecayS, p.LowCutHz = 8, 0
	spec := dsp.Spec{SampleRate: fs, Channels: 2, MaxFrames: 4096}
	plain, offset := NewReverb(p), NewReverb(p)
	if err := plain.Prepare(spec); err != nil {
		t.Fatal(err)
	}
	if err := offset.Prepare(spec); err != nil {
		t.Fatal(err)
	}
	buf := audio.NewBuffer(2, fs)
	var levels, dc []float64
	for s := range seconds + 10 {
		buf.Zero()
		if s < seconds {
			audio.Copy(buf, synth.WhiteNoise(fs, 2, fs, 0.1, uint64(s+1)))
		}
		out := process(plain, spec.MaxFrames, buf)
		if s < seconds {
			for c := range buf {
				for i := range buf[c] {
					buf[c][i] += 0.5
				}
			}
		}
		withDC := process(offset, spec.MaxFrames, buf)
		var sq, diff float64
		for c := range out {
			for i, v := range out[c] {
				sq += float64(v) * float64(v)
				diff = math.Max(diff, math.Abs(float64(withDC[c][i]-v)))
			}
		}
		levels = append(levels, 10*math.Log10(sq/float64(2*fs)))
		dc = append(dc, diff)
	}
	t.Logf("largest output change from a 0.5 DC offset: 1st second %.2g, 3rd %.2g, 10th %.2g, last with input %.2g", dc[0], dc[2], dc[9], dc[seconds-1])
	if dc[seconds-1] > 1e-5 {
		t.Errorf("a DC offset still changes the output by %.2g after %d s", dc[seconds-1], seconds)
	}
	t.Logf("output level per second (dB re full scale): start %.2f, after %d s %.2f, %d s after the input stops %.1f", levels[3], seconds, levels[seconds-1], 9, levels[seconds+9])
	if math.Abs(levels[seconds-1]-levels[3]) > 1 {
		t.Errorf("output level drifts from %.2f to %.2f dB", levels[3], levels[seconds-1])
	}
	if levels[seconds+9] > levels[seconds-1]-60 {
		t.Errorf("output does not decay after the input stops: %.1f dB", levels[seconds+9])
	}
}

// Mix 0 returns the input bit for bit; Mix blends linearly.
func TestReverbMix(t *testing.T) {
	const fs = 44100
	spec := dsp.Spec{SampleRate: fs, Channels: 2, MaxFrames: 256}
	in := synth.SongBuffer(fs, 1, 4)
	in[0][100] = float32(math.Copysign(0, -1))
	dry := run(t, reverbWith(func(p *ReverbParams) { p.Mix = 0 }), spec, in)
	for c := range in {
		for i := range in[c] {
			if math.Float32bits(dry[c][i]) != math.Float32bits(in[c][i]) {
				t.Fatalf("Mix 0 changes frame %d of channel %d: %g to %g", i, c, in[c][i], dry[c][i])
			}
		}
	}
	wet := run(t, reverbWith(nil), spec, in)
	half := run(t, reverbWith(func(p *ReverbParams) { p.Mix = 0.5 }), spec, in)
	for c := range in {
		for i := range in[c] {
			want := 0.5*float64(in[c][i]) + 0.5*float64(wet[c][i])
			if math.Abs(float64(half[c][i])-want) > 1e-6 {
				t.Fatalf("Mix 0.5 at frame %d: %g, want %g", i, half[c][i], want)
			}
		}
	}
}

// Mono in and out gives the wet mid, as stereo at width 0 does.
func TestReverbMono(t *testing.T) {
	const fs = 48000
	in := synth.SongBuffer(fs, 1, 2)
	mono := audio.Buffer{append([]float32(nil), in[0]...)}
	stereo := audio.Buffer{in[0], append([]float32(nil), in[0]...)}
	p := DefaultReverbParams()
	p.Width = 0
	m := run(t, NewReverb(p), dsp.Spec{SampleRate: fs, Channels: 1, MaxFrames: 512}, mono)
	s := run(t, NewReverb(p), dsp.Spec{SampleRate: fs, Channels: 2, MaxFrames: 512}, stereo)
	for i := range m[0] {
		if math.Abs(float64(m[0][i]-s[0][i])) > 1e-6 {
			t.Fatalf("frame %d: mono %g, stereo at width 0 %g", i, m[0][i], s[0][i])
		}
	}
}

func TestReverbValidate(t *testing.T) {
	if err := DefaultReverbParams().Validate(); err != nil {
		t.Fatal(err)
	}
	err := ReverbParams{}.Validate()
	if err == nil {
		t.Fatal("zero ReverbParams accepted")
	}
	for _, name := range []string{"decay_s", "hf_decay_ratio", "hf_crossover_hz", "size_m"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
	bad := map[string]func(*ReverbParams){
		"decay_s = 31 out of range (0.1 to 30 s)": func(p *ReverbParams) { p.DecayS = 31 },
		"pre_delay_ms":                                 func(p *ReverbParams) { p.PreDelayMS = -1 },
		"width = 1.5 out of range (0 to 1)":            func(p *ReverbParams) { p.Width = 1.5 },
		"low_cut_hz = 5 out of range (0 for off, or":   func(p *ReverbParams) { p.LowCutHz = 5 },
		"high_cut_hz":                                  func(p *ReverbParams) { p.HighCutHz = 100 },
		"mix = NaN":                                    func(p *ReverbParams) { p.Mix = math.NaN() },
		"modulation_depth_ms = 3 out of range (0 to 2": func(p *ReverbParams) { p.ModulationDepthMS = 3 },
		"diffusion":                                    func(p *ReverbParams) { p.Diffusion = 2 },
	}
	for want, edit := range bad {
		err := reverbWith(edit).Prepare(dsp.Spec{SampleRate: 48000, Channels: 2, MaxFrames: 64})
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "fx: reverb: ") {
			t.Errorf("got error %v, want one containing %q", err, want)
		}
	}
	if err := reverbWith(nil).Prepare(dsp.Spec{SampleRate: 48000, Channels: 6, MaxFrames: 64}); err == nil {
		t.Error("6 channels accepted")
	}
}

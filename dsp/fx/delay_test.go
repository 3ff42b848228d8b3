package fx

import (
	"math"
	"math/cmplx"
	"strings"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/dsp"
	"github.com/mixdown/mixdown/dsp/dsptest"
	"github.com/mixdown/mixdown/internal/synth"
)

func delayWith(edit func(*DelayParams)) *Delay {
	p := DefaultDelayParams()
	if edit != nil {
		edit(&p)
	}
	return NewDelay(p)
}

func TestDelayConformance(t *testing.T) {
	dsptest.Run(t, func() dsp.Processor { return delayWith(nil) }, dsptest.Options{})
	dsptest.Run(t, func() dsp.Processor {
		return delayWith(func(p *DelayParams) {
			p.PingPong, p.FeedbackRatio, p.Mix, p.Sync, p.TempoBPM = true, 0.95, 0.4, "1/16t", 140
		})
	}, dsptest.Options{Specs: []dsp.Spec{{SampleRate: 44100, Channels: 2, MaxFrames: 512}, {SampleRate: 96000, Channels: 2, MaxFrames: 100}}})
}

// Tempo sync arithmetic, and echoes landing on exactly the computed frame.
func TestDelayTimes(t *testing.T) {
	cases := []struct {
		sync  string
		bpm   float64
		ms    float64
		want  float64 // seconds
		fs    float64
		frame int
	}{
		{"1/4", 120, 0, 0.5, 48000, 24000},
		{"1/8.", 120, 0, 0.375, 44100, 16538}, // 16537.5 frames, rounded half away from zero
		{"1/8t", 120, 0, 1.0 / 6, 48000, 8000},
		{"1/16", 128, 0, 0.1171875, 44100, 5168},
		{"3/16", 90, 0, 0.5, 96000, 48000},
		{"1/2.", 100, 0, 1.8, 48000, 86400},
		{"1/1", 60, 0, 4, 44100, 176400},
		{"1/4t", 150, 0, 0.26666666666666666, 48000, 12800},
		{"", 0, 250, 0.25, 44100, 11025},
		{"", 0, 1, 0.001, 48000, 48},
		{"", 0, 10.01, 0.01001, 48000, 480},
	}
	for _, c := range cases {
		p := DefaultDelayParams()
		p.Sync, p.TempoBPM, p.TimeMS, p.FeedbackRatio, p.LowCutHz, p.HighCutHz = c.sync, c.bpm, c.ms, 0.5, 0, 0
		s, err := p.Seconds()
		if err != nil || math.Abs(s-c.want) > 1e-12 {
			t.Errorf("%q at %g BPM: %v s (%v), want %v s", c.sync, c.bpm, s, err, c.want)
		}
		d := NewDelay(p)
		spec := dsp.Spec{SampleRate: c.fs, Channels: 1, MaxFrames: 777}
		out := run(t, d, spec, impulse(1, 3*c.frame+10, 0))
		if d.Frames() != c.frame {
			t.Errorf("%q / %g ms: %d frames, want %d", c.sync, c.ms, d.Frames(), c.frame)
		}
		// The echoes are single samples at exact multiples of the time.
		for i, v := range out[0] {
			want := 0.0
			if i%c.frame == 0 && i > 0 {
				want = math.Pow(0.5, float64(i/c.frame-1))
			}
			if float64(v) != want {
				t.Fatalf("%q / %g ms: frame %d = %g, want %g", c.sync, c.ms, i, v, want)
			}
		}
	}
}

// Each repeat is the previous one times FeedbackRatio times the loop
// filters' response, measured by DFT of consecutive echoes.
func TestDelayFeedbackAndFilters(t *testing.T) {
	const fs = 48000
	p := DefaultDelayParams()
	p.TimeMS, p.FeedbackRatio, p.LowCutHz, p.HighCutHz = 100, 0.8, 200, 4000
	d := NewDelay(p)
	spec := dsp.Spec{SampleRate: fs, Channels: 1, MaxFrames: 512}
	period := int(p.TimeMS * fs / 1000)
	out := f64(run(t, d, spec, impulse(1, 6*period, 0))[0])
	echo := func(k int) []complex128 {
		x := out[k*period : (k+1)*period]
		return dftAt(x, fs, []float64{50, 200, 1000, 4000, 10000})
	}
	var hf []float64
	for k := 1; k <= 4; k++ {
		a, b := echo(k), echo(k+1)
		for i, f := range []float64{50, 200, 1000, 4000, 10000} {
			got := cmplx.Abs(b[i]) / cmplx.Abs(a[i])
			want := p.FeedbackRatio * cmplx.Abs(d.LoopResponse(f))
			if math.Abs(db(got)-db(want)) > 0.05 {
				t.Errorf("repeat %d→%d at %g Hz: ratio %.4f (%.2f dB), want %.4f (%.2f dB)", k, k+1, f, got, db(got), want, db(want))
			}
		}
		hf = append(hf, cmplx.Abs(a[4])/cmplx.Abs(a[2]))
	}
	t.Logf("10 kHz re 1 kHz in repeats 1-4: %.1f dB", []float64{db(hf[0]), db(hf[1]), db(hf[2]), db(hf[3])})
	for k := 1; k < len(hf); k++ {
		if hf[k] >= hf[k-1] {
			t.Errorf("repeat %d is not darker than repeat %d", k+1, k)
		}
	}
}

// dftAt returns the DFT of x at the given frequencies.
func dftAt(x []float64, fs float64, freqs []float64) []complex128 {
	out := make([]complex128, len(freqs))
	for k, f := range freqs {
		w := -2 * math.Pi * f / fs
		var s complex128
		for i, v := range x {
			s += complex(v, 0) * cmplx.Exp(complex(0, w*float64(i)))
		}
		out[k] = s
	}
	return out
}

// Ping-pong: the echoes of a centred impulse alternate left and right.
func TestDelayPingPong(t *testing.T) {
	const fs = 44100
	p := DefaultDelayParams()
	p.PingPong, p.TimeMS, p.FeedbackRatio, p.LowCutHz, p.HighCutHz = true, 50, 0.6, 0, 0
	d := NewDelay(p)
	period := int(math.Round(p.TimeMS * fs / 1000))
	out := run(t, d, dsp.Spec{SampleRate: fs, Channels: 2, MaxFrames: 512}, impulse(2, 8*period+1, 0))
	for k := 1; k < 8; k++ {
		l, r := out[0][k*period], out[1][k*period]
		want := float32(math.Pow(0.6, float64(k-1)))
		if k%2 == 1 && (l != want || r != 0) || k%2 == 0 && (r != want || l != 0) {
			t.Errorf("echo %d: left %g, right %g (want %g on the %s)", k, l, r, want, map[bool]string{true: "left", false: "right"}[k%2 == 1])
		}
	}
	// A hard-left source enters at half level (the mono sum).
	in := audio.NewBuffer(2, 2*period)
	in[0][0] = 1
	out = run(t, NewDelay(p), dsp.Spec{SampleRate: fs, Channels: 2, MaxFrames: 512}, in)
	if out[0][period] != 0.5 {
		t.Errorf("hard-left impulse: first echo %g, want 0.5", out[0][period])
	}
	if err := NewDelay(p).Prepare(dsp.Spec{SampleRate: fs, Channels: 1, MaxFrames: 64}); err == nil {
		t.Error("ping-pong accepted a mono stream")
	}
}

// At the largest feedback, with and without filters, a long loud input
// leaves the level bounded and the echoes die away after it stops.
func TestDelayStableAtMaxFeedback(t *testing.T) {
	const fs = 44100
	for _, pp := range []bool{false, true} {
		for _, filters := range []bool{false, true} {
			p := DefaultDelayParams()
			p.FeedbackRatio, p.PingPong, p.TimeMS = 0.95, pp, 20
			if !filters {
				p.LowCutHz, p.HighCutHz = 0, 0
			}
			d := NewDelay(p)
			spec := dsp.Spec{SampleRate: fs, Channels: 2, MaxFrames: 1024}
			if err := d.Prepare(spec); err != nil {
				t.Fatal(err)
			}
			peak, tail := 0.0, 0.0
			for s := range 40 {
				buf := audio.NewBuffer(2, fs)
				if s < 20 {
					audio.Copy(buf, synth.WhiteNoise(fs, 2, fs, 0.3, uint64(s)))
				}
				out := process(d, spec.MaxFrames, buf)
				for c := range out {
					for _, v := range out[c] {
						if s < 20 {
							peak = math.Max(peak, math.Abs(float64(v)))
						} else if s == 39 {
							tail = math.Max(tail, math.Abs(float64(v)))
						}
					}
				}
			}
			t.Logf("ping-pong %v, filters %v: peak %.2f during 20 s of noise (RMS 0.3), %.2g 19 s after", pp, filters, peak, tail)
			// The steady-state gain of the loop is at most 1/(1-0.95) = 20 in
			// amplitude, √(1/(1-0.95²)) ≈ 3.2 in RMS for noise.
			if peak > 6 || tail > 1e-3 {
				t.Errorf("ping-pong %v, filters %v: peak %.2f, tail %.2g", pp, filters, peak, tail)
			}
		}
	}
}

func TestDelayMixAndValidate(t *testing.T) {
	in := synth.SongBuffer(48000, 0.5, 3)
	out := run(t, delayWith(func(p *DelayParams) { p.Mix = 0 }), dsp.Spec{SampleRate: 48000, Channels: 2, MaxFrames: 512}, in)
	if ok, where := sameBits(in, out); !ok {
		t.Errorf("Mix 0 changes the input (%s)", where)
	}
	if err := (DelayParams{}).Validate(); err == nil || !strings.Contains(err.Error(), "time_ms = 0 out of range (1 to 10000 ms)") {
		t.Errorf("zero params: %v", err)
	}
	for want, edit := range map[string]func(*DelayParams){
		"feedback_ratio = 1 out of range (0 to 0.95)": func(p *DelayParams) { p.FeedbackRatio = 1 },
		`sync = "1/5" is not a note value`:            func(p *DelayParams) { p.Sync, p.TempoBPM = "1/5", 120 },
		`sync = "1/4x"`:                               func(p *DelayParams) { p.Sync, p.TempoBPM = "1/4x", 120 },
		"tempo_bpm = 0 out of range (20 to 400)":      func(p *DelayParams) { p.Sync = "1/4" },
		`sync = "16/1" at tempo_bpm = 20 is 192 s`:    func(p *DelayParams) { p.Sync, p.TempoBPM = "16/1", 20 },
		"high_cut_hz = 50":                            func(p *DelayParams) { p.HighCutHz = 50 },
	} {
		err := delayWith(edit).Prepare(dsp.Spec{SampleRate: 48000, Channels: 2, MaxFrames: 64})
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "fx: delay: ") {
			t.Errorf("got %v, want an error containing %q", err, want)
		}
	}
}

// sameBits reports whether two buffers are bit-identical.
func sameBits(a, b audio.Buffer) (bool, string) {
	for c := range a {
		for i := range a[c] {
			if math.Float32bits(a[c][i]) != math.Float32bits(b[c][i]) {
				return false, "channel " + string(rune('0'+c)) + " differs"
			}
		}
	}
	return true, ""
}

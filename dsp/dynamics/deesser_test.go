package dynamics

import (
	"math"
	"strings"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/dsp"
	"github.com/mixdown/mixdown/dsp/dsptest"
	"github.com/mixdown/mixdown/internal/synth"
)

func TestDeEsserConformance(t *testing.T) {
	for _, mode := range []string{DeEsserSplit, DeEsserWideband} {
		t.Run(mode, func(t *testing.T) {
			dsptest.Run(t, func() dsp.Processor {
				p := DefaultDeEsserParams()
				p.Mode = mode
				return NewDeEsser(p)
			}, dsptest.Options{Seconds: 2})
		})
	}
}

// butter returns the sections of an 8th-order Butterworth high-pass or
// low-pass at f Hz (for measuring bands).
func butter(high bool, f, fs float64) []dsp.Coefs {
	var cs []dsp.Coefs
	for _, q := range []float64{0.5098, 0.6013, 0.9000, 2.5629} {
		if high {
			cs = append(cs, dsp.HighPass(f, q, fs))
		} else {
			cs = append(cs, dsp.LowPass(f, q, fs))
		}
	}
	return cs
}

func filtered(x []float32, fs float64, coefs ...dsp.Coefs) []float32 {
	y := append([]float32(nil), x...)
	dsp.NewCascade(1, coefs...).ProcessChannel(0, y)
	return y
}

// voiceAndEss returns a voice-like harmonic signal (150 Hz and its
// harmonics to 3 kHz, falling 6 dB/octave) with "ess" bursts (white noise
// band-passed to 6-8 kHz, 150 ms every 500 ms), each part separately, and
// a mask of the frames inside the bursts.
func voiceAndEss(fs float64, n int, essPeak float64) (voice, ess []float32, in, far []bool) {
	voice = make([]float32, n)
	for k := 1; 150*k <= 3000; k++ {
		h := sine(fs, n, 150*float64(k), 0.08/float64(k), float64(k)*0.7)
		for i := range voice {
			voice[i] += h[i]
		}
	}
	for i := 0; i < int(0.01*fs); i++ { // a 10 ms fade-in: no onset click
		voice[i] *= float32(float64(i) / (0.01 * fs))
	}
	noise := synth.WhiteNoise(int(fs), 1, n, 1, 8)[0]
	band := filtered(noise, fs, append(butter(true, 6000, fs), butter(false, 8000, fs)...)...)
	peak := 0.0
	for _, v := range band {
		peak = math.Max(peak, math.Abs(float64(v)))
	}
	ess = make([]float32, n)
	in, far = make([]bool, n), make([]bool, n)
	for i := range ess {
		switch ph := i % int(0.5*fs); {
		case ph >= int(0.2*fs) && ph < int(0.35*fs):
			ess[i] = float32(float64(band[i]) * essPeak / peak)
			in[i] = true
		case ph < int(0.15*fs) && i > int(0.5*fs):
			far[i] = true // 150 to 300 ms after an ess
		}
	}
	return voice, ess, in, far
}

// energyDB returns the energy of x over the frames where mask is want (dB).
func energyDB(x []float32, mask []bool, want bool) float64 {
	s := 0.0
	for i, v := range x {
		if mask[i] == want {
			s += float64(v) * float64(v)
		}
	}
	return 10 * math.Log10(s)
}

// A synthetic "ess" over a voice-like harmonic signal: the 6-8 kHz band is
// reduced by about the set range while the harmonic part below 3 kHz
// changes by less than 0.5 dB (split mode); wideband mode turns the whole
// signal down during the ess and its release only.
func TestDeEsserReducesEss(t *testing.T) {
	for _, fs := range []float64{44100, 48000, 96000} {
		n := int(3 * fs)
		voice, ess, in, far := voiceAndEss(fs, n, 0.25) // ess peaks 18 dB over the -30 dBFS threshold
		x := make([]float32, n)
		for i := range x {
			x[i] = voice[i] + ess[i]
		}
		hi := append(butter(true, 6000, fs), butter(false, 8000, fs)...)
		lo := butter(false, 3000, fs)
		for _, mode := range []string{DeEsserSplit, DeEsserWideband} {
			p := DefaultDeEsserParams()
			p.Mode, p.RangeDB = mode, -8
			d := prepared(t, NewDeEsser(p), fs, 1)
			out := run(d, stereo(1, x))[0]
			essCut := energyDB(filtered(out, fs, hi...), in, true) - energyDB(filtered(x, fs, hi...), in, true)
			voiceDuring := energyDB(filtered(out, fs, lo...), in, true) - energyDB(filtered(x, fs, lo...), in, true)
			voiceBetween := energyDB(filtered(out, fs, lo...), far, true) - energyDB(filtered(x, fs, lo...), far, true)
			t.Logf("%g Hz %s: 6-8 kHz band %.2f dB during the ess; below 3 kHz %.3f dB during, %.4f dB between; %v", fs, mode, essCut, voiceDuring, voiceBetween, d.Stats())
			if essCut > p.RangeDB+2 || essCut < p.RangeDB-0.5 {
				t.Errorf("%g Hz %s: the ess band changed by %.2f dB, want about %g", fs, mode, essCut, p.RangeDB)
			}
			if mode == DeEsserSplit && (math.Abs(voiceDuring) > 0.5 || math.Abs(voiceBetween) > 0.01) {
				t.Errorf("%g Hz split: the voice below 3 kHz changed by %.3f dB during the ess, %.4f dB after it", fs, voiceDuring, voiceBetween)
			}
			if mode == DeEsserWideband && math.Abs(voiceDuring-essCut) > 1 {
				t.Errorf("%g Hz wideband: the voice changed by %.3f dB during the ess, the ess by %.3f dB", fs, voiceDuring, essCut)
			}
		}
	}
}

// Without sibilance the de-esser is exactly transparent; a key of another
// channel count drives it.
func TestDeEsserTransparentAndKeyed(t *testing.T) {
	const fs = 48000.0
	n := int(fs)
	voice, ess, _, _ := voiceAndEss(fs, n, 0.25)
	x := stereo(2, voice)
	d := prepared(t, NewDeEsser(DefaultDeEsserParams()), fs, 2)
	out := run(d, x)
	for c := range out {
		for i := range out[c] {
			if out[c][i] != x[c][i] {
				t.Fatalf("voice alone changed at channel %d frame %d", c, i)
			}
		}
	}
	if s := d.Stats(); s.MaxDB != 0 {
		t.Errorf("voice alone: %v", s)
	}
	key := audio.NewBuffer(3, n)
	copy(key[1], ess)
	d = prepared(t, NewDeEsser(DefaultDeEsserParams()), fs, 2)
	runKeyed(d, x, key)
	if s := d.Stats(); s.MaxDB < 5 {
		t.Errorf("keyed by a 3-channel ess: %v", s)
	}
}

func TestDeEsserValidate(t *testing.T) {
	for _, tc := range []struct {
		mod  func(*DeEsserParams)
		want string
	}{
		{func(p *DeEsserParams) { p.FreqHz = 500 }, "freq_hz 500 out of range (2000 to 16000 Hz)"},
		{func(p *DeEsserParams) { p.RangeDB = 6 }, "range_db 6 out of range (-40 to 0 dB)"},
		{func(p *DeEsserParams) { p.Mode = "dynamic" }, `mode "dynamic" out of range ("split" or "wideband")`},
		{func(p *DeEsserParams) { p.Q = 0 }, "q 0"},
	} {
		p := DefaultDeEsserParams()
		tc.mod(&p)
		err := NewDeEsser(p).Prepare(dsp.Spec{SampleRate: 48000, Channels: 2, MaxFrames: 64})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want an error containing %q", err, tc.want)
		}
	}
	p := DefaultDeEsserParams()
	p.FreqHz = 12000
	if err := NewDeEsser(p).Prepare(dsp.Spec{SampleRate: 22050, Channels: 1, MaxFrames: 64}); err == nil {
		t.Error("a 12 kHz band at 22.05 kHz was accepted")
	}
}

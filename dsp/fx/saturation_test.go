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

func saturationWith(edit func(*SaturationParams)) *Saturation {
	p := DefaultSaturationParams()
	if edit != nil {
		edit(&p)
	}
	return NewSaturation(p)
}

func TestSaturationConformance(t *testing.T) {
	for _, os := range []int{1, 2, 4} {
		for _, typ := range []string{SatTanh, SatSoft, SatTube} {
			dsptest.Run(t, func() dsp.Processor {
				return saturationWith(func(p *SaturationParams) { p.Oversampling, p.Type, p.DriveDB, p.Mix = os, typ, 18, 0.7 })
			}, dsptest.Options{Seconds: 1})
		}
	}
}

// The latency claim holds: a pulse through a clean (0 dB drive) saturator
// comes out Latency() frames later, and the dry path of a parallel mix is
// aligned with it.
func TestSaturationLatency(t *testing.T) {
	for _, os := range []int{1, 2, 4} {
		f := func() dsp.Processor {
			return saturationWith(func(p *SaturationParams) { p.Oversampling, p.DriveDB = os, 0 })
		}
		dsptest.CheckLatency(t, f, dsp.Spec{SampleRate: 48000, Channels: 2, MaxFrames: 100}, 0.05)
		want := map[int]int{1: 0, 2: 65, 4: 73}[os]
		if got := f().(*Saturation); got.Prepare(dsp.Spec{SampleRate: 44100, Channels: 1, MaxFrames: 64}) != nil || got.Latency() != want {
			t.Errorf("%dx: Latency() = %d, want %d", os, got.Latency(), want)
		}
	}
	// Parallel mix of a quiet signal within the oversampler's passband: dry
	// and wet aligned, so half and half gives the input back, delayed by the
	// latency.
	const fs = 48000
	n := fs / 2
	in := buffer(sine(n, 110, 0.003, fs), sine(n, 9000, 0.003, fs))
	for i, v := range sine(n, 1500, 0.003, fs) {
		in[0][i] += float32(v)
		in[1][i] -= float32(v)
	}
	s := saturationWith(func(p *SaturationParams) { p.Mix, p.DriveDB = 0.5, 0 })
	out := run(t, s, dsp.Spec{SampleRate: fs, Channels: 2, MaxFrames: 256}, in)
	lat := s.Latency()
	for c := range in {
		for i := lat + 2000; i < len(in[c]); i++ { // after the onset's transient
			if d := math.Abs(float64(out[c][i] - in[c][i-lat])); d > 1e-7 {
				t.Fatalf("Mix 0.5, quiet input: frame %d differs from the delayed input by %.2g", i, d)
			}
		}
	}
}

// harmonics returns the magnitude spectrum of a sine of freq Hz and peak
// amplitude amp through p, after the filters have settled.
func harmonics(t *testing.T, p SaturationParams, freq, amp, fs float64) []float64 {
	t.Helper()
	const n, settle = 65536, 8192
	out := run(t, NewSaturation(p), dsp.Spec{SampleRate: fs, Channels: 1, MaxFrames: 1024}, buffer(sine(n+settle, freq, amp, fs)))
	return spectrum(f64(out[0][settle:]))
}

// THD rises with drive for every curve; tanh and soft make odd harmonics
// only, tube a strong second harmonic.
func TestSaturationHarmonics(t *testing.T) {
	const fs = 48000
	for _, typ := range []string{SatTanh, SatSoft, SatTube} {
		prev := -1.0
		for _, drive := range []float64{0, 3, 6, 12, 18, 24, 36} {
			p := DefaultSaturationParams()
			p.Type, p.DriveDB = typ, drive
			mag := harmonics(t, p, 1000, 0.5, fs)
			h1 := peakNear(mag, 1000, fs, 3)
			var sq, even float64
			for h := 2; h <= 15; h++ {
				v := peakNear(mag, float64(h)*1000, fs, 3)
				sq += v * v
				if h%2 == 0 {
					even = math.Max(even, v)
				}
			}
			thd := math.Sqrt(sq) / h1
			h2 := peakNear(mag, 2000, fs, 3) / h1
			t.Logf("%s, drive %2g dB: THD %5.2f %%, H2 %6.1f dB, H3 %6.1f dB", typ, drive, 100*thd, db(h2), db(peakNear(mag, 3000, fs, 3)/h1))
			if thd <= prev {
				t.Errorf("%s: THD %.4f at %g dB drive is not above %.4f", typ, thd, drive, prev)
			}
			prev = thd
			switch {
			case typ != SatTube && db(even/h1) > -100:
				t.Errorf("%s, drive %g: even harmonics at %.1f dB", typ, drive, db(even/h1))
			case typ == SatTube && drive <= 12 && db(h2) < -30:
				t.Errorf("tube, drive %g: second harmonic only %.1f dB", drive, db(h2))
			}
		}
	}
}

// Small signals pass at unity gain whatever the drive, with negligible
// distortion at low drive (the asymmetric tube curve keeps a second
// harmonic proportional to the level: about -57 dB at -40 dBFS).
func TestSaturationUnityAtLowLevel(t *testing.T) {
	const fs = 44100
	for _, typ := range []string{SatTanh, SatSoft, SatTube} {
		for _, drive := range []float64{0, 6, 12} {
			p := DefaultSaturationParams()
			p.Type, p.DriveDB = typ, drive
			mag := harmonics(t, p, 1000, 0.01, fs) // -40 dBFS
			g := db(peakNear(mag, 1000, fs, 3) / 0.01)
			h := db(math.Max(peakNear(mag, 2000, fs, 3), peakNear(mag, 3000, fs, 3)) / 0.01)
			limit := -80.0
			if typ == SatTube {
				limit = -50
			}
			if math.Abs(g) > 0.05 || (drive == 0 && h > limit) {
				t.Errorf("%s, drive %g dB, -40 dBFS sine: gain %+.3f dB, largest harmonic %.1f dB", typ, drive, g, h)
			}
		}
	}
	// OutputDB is a plain gain.
	p := DefaultSaturationParams()
	p.OutputDB = -6
	if g := db(peakNear(harmonics(t, p, 1000, 0.01, fs), 1000, fs, 3) / 0.01); math.Abs(g+6) > 0.05 {
		t.Errorf("output_db -6: gain %.3f dB", g)
	}
}

// A 15 kHz sine at 44.1 kHz driven into clipping makes harmonics far
// above Nyquist. At 1x they fold back into the audio band; 4x oversampling
// keeps every non-harmonic component below -60 dB re the fundamental.
func TestSaturationAliasing(t *testing.T) {
	const fs = 44100
	worst := func(typ string, os int, drive float64) float64 {
		p := DefaultSaturationParams()
		p.Type, p.Oversampling, p.DriveDB = typ, os, drive
		mag := harmonics(t, p, 15000, 0.5, fs)
		h1 := peakNear(mag, 15000, fs, 4)
		w := 0.0
		n := float64(2 * (len(mag) - 1))
		for k, v := range mag {
			f := float64(k) * fs / n
			if f < 20 || f > 20000 || math.Abs(f-15000) < 10*fs/n {
				continue
			}
			w = math.Max(w, v)
		}
		return db(w / h1)
	}
	for _, c := range []struct {
		typ   string
		drive float64
	}{{SatTanh, 6}, {SatTanh, 12}, {SatSoft, 6}, {SatTube, 12}} {
		a1, a2, a4 := worst(c.typ, 1, c.drive), worst(c.typ, 2, c.drive), worst(c.typ, 4, c.drive)
		t.Logf("%s, drive %g dB: worst alias %.1f dB at 1x, %.1f dB at 2x, %.1f dB at 4x", c.typ, c.drive, a1, a2, a4)
		if a4 > -60 || a1 < -40 {
			t.Errorf("%s, drive %g dB: aliasing %.1f dB at 4x (want < -60), %.1f dB at 1x", c.typ, c.drive, a4, a1)
		}
	}
}

// The oversampler alone (a linear round trip) is flat to 0.45 × the rate
// and rejects images.
func TestOversamplerRoundTrip(t *testing.T) {
	const fs = 48000
	for _, factor := range []int{2, 4} {
		o := newOversampler(factor, 1, 512)
		for _, f := range []float64{100, 5000, 15000, 20000, 21600} {
			x := sine(32768, f, 0.5, fs)
			y := make([]float64, len(x))
			for off := 0; off < len(x); off += 512 {
				o.down(0, y[off:off+512], o.up(0, x[off:off+512]))
			}
			if g := db(toneAmp(y[8192:8192+16384], f, fs) / 0.5); math.Abs(g) > 0.001 {
				t.Errorf("%dx round trip at %g Hz: %+.4f dB", factor, f, g)
			}
		}
		// Upsampled images of a 10 kHz tone (at 2·48k - 10k and so on) are
		// at least 95 dB down.
		x := sine(16384, 10000, 0.5, fs)
		u := make([]float64, 0, factor*len(x))
		o.reset()
		for off := 0; off < len(x); off += 512 {
			u = append(u, o.up(0, x[off:off+512])...)
		}
		mag := spectrum(u[len(u)-16384:])
		hi := float64(factor) * fs
		if img := db(peakNear(mag, 2*fs-10000, hi, 6) / peakNear(mag, 10000, hi, 6)); img > -95 {
			t.Errorf("%dx: image at %d Hz only %.1f dB down", factor, 2*fs-10000, img)
		}
	}
}

func TestSaturationValidate(t *testing.T) {
	err := SaturationParams{}.Validate()
	if err == nil || !strings.Contains(err.Error(), `type = "" unknown (tanh, soft or tube)`) || !strings.Contains(err.Error(), "oversampling = 0 (1, 2 or 4)") {
		t.Errorf("zero params: %v", err)
	}
	for want, edit := range map[string]func(*SaturationParams){
		"drive_db = 60 out of range (0 to 48 dB)": func(p *SaturationParams) { p.DriveDB = 60 },
		"output_db = -60":                         func(p *SaturationParams) { p.OutputDB = -60 },
		"oversampling = 3":                        func(p *SaturationParams) { p.Oversampling = 3 },
		`type = "fuzz"`:                           func(p *SaturationParams) { p.Type = "fuzz" },
	} {
		err := saturationWith(edit).Prepare(dsp.Spec{SampleRate: 48000, Channels: 2, MaxFrames: 64})
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "fx: saturation: ") {
			t.Errorf("got %v, want an error containing %q", err, want)
		}
	}
	// Mix 0 gives the input delayed by the latency, exactly.
	in := synth.SongBuffer(48000, 0.3, 1)
	s := saturationWith(func(p *SaturationParams) { p.Mix = 0 })
	out := run(t, s, dsp.Spec{SampleRate: 48000, Channels: 2, MaxFrames: 128}, in)
	lat := s.Latency()
	delayed := audio.NewBuffer(2, in.Frames())
	for c := range in {
		copy(delayed[c][lat:], in[c])
	}
	if ok, where := sameBits(delayed, out); !ok {
		t.Errorf("Mix 0 is not the delayed input (%s)", where)
	}
}

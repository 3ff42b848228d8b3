package loudness

import (
	"fmt"
	"math"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/internal/synth"
)

// tone returns seconds of a 1 kHz sine at peak level db dBFS on every
// channel, continuing the phase from *phase (radians) so that concatenated
// segments have no discontinuities.
func tone(rate, channels int, seconds, db float64, phase *float64) audio.Buffer {
	n := int(math.Round(seconds * float64(rate)))
	b := audio.NewBuffer(channels, n)
	if math.IsInf(db, -1) {
		return b
	}
	a := math.Pow(10, db/20)
	w := 2 * math.Pi * 1000 / float64(rate)
	for i := 0; i < n; i++ {
		v := float32(a * math.Sin(*phase+w*float64(i)))
		for c := range b {
			b[c][i] = v
		}
	}
	*phase = math.Mod(*phase+w*float64(n), 2*math.Pi)
	return b
}

var silence = math.Inf(-1)

type seg struct{ sec, db float64 }

func program(rate, channels int, segs ...seg) audio.Buffer {
	var parts []audio.Buffer
	ph := 0.0
	for _, s := range segs {
		parts = append(parts, tone(rate, channels, s.sec, s.db, &ph))
	}
	return synth.Concat(parts...)
}

func meter(t testing.TB, rate, channels int, tp bool) *Meter {
	t.Helper()
	m, err := New(Options{SampleRate: rate, Channels: channels, TruePeak: tp})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func within(t testing.TB, what string, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(got) || math.Abs(got-want) > tol {
		t.Errorf("%s = %.3f, want %.3f ± %.2f", what, got, want, tol)
	}
}

// Coefficients designed for 48 kHz reproduce the values printed in BS.1770.
func TestKWeightingCoefficients48k(t *testing.T) {
	s, h := kWeighting(48000)
	want := []float64{1.53512485958697, -2.69169618940638, 1.19839281085285, -1.69065929318241, 0.73248077421585,
		1.0, -2.0, 1.0, -1.99004745483398, 0.99007225036621}
	got := []float64{s.b0, s.b1, s.b2, s.a1, s.a2, h.b0, h.b1, h.b2, h.a1, h.a2}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-8 {
			t.Errorf("coefficient %d = %.14f, want %.14f", i, got[i], want[i])
		}
	}
}

// The filter designed for other rates follows the 48 kHz filter (which
// defines K-weighting) across the audible band. Redesigning the analogue
// prototype by the bilinear transform at another rate cannot match the
// warped 48 kHz response exactly; the measured worst cases (20 Hz-16 kHz)
// are 0.005 dB at 44.1 kHz, 0.028 dB at 96 kHz and 0.040 dB at 192 kHz, all
// near 2.7 kHz. libebur128 and ffmpeg design their filters the same way.
func TestKWeightingOtherRates(t *testing.T) {
	s48, h48 := kWeighting(48000)
	for _, c := range []struct{ rate, tol float64 }{{32000, 0.035}, {44100, 0.006}, {88200, 0.03}, {96000, 0.03}, {192000, 0.045}} {
		s, h := kWeighting(c.rate)
		for f := 20.0; f <= math.Min(16000, c.rate*0.36); f *= 1.02 {
			ref := 20 * math.Log10(response(s48, h48, f, 48000))
			got := 20 * math.Log10(response(s, h, f, c.rate))
			if math.Abs(got-ref) > c.tol {
				t.Errorf("%.0f Hz at %g Hz: %.4f dB, 48 kHz filter %.4f dB", f, c.rate, got, ref)
			}
		}
	}
}

func TestCalibration(t *testing.T) {
	for _, rate := range []int{44100, 48000, 96000} {
		m := meter(t, rate, 2, false)
		m.Write(program(rate, 2, seg{20, -18}))
		i, _ := m.Integrated()
		within(t, fmt.Sprintf("I at %d Hz", rate), i, -18, 0.05)
	}
}

// EBU Tech 3341 cases 1-6.
func TestTech3341Integrated(t *testing.T) {
	const rate = 48000
	cases := []struct {
		name         string
		segs         []seg
		wantM, wantS float64
	}{
		{"1", []seg{{20, -23}}, -23, -23},
		{"2", []seg{{20, -33}}, -33, -33},
		{"3", []seg{{10, -36}, {60, -23}, {10, -36}}, math.NaN(), math.NaN()},
		{"4", []seg{{10, -72}, {10, -36}, {60, -23}, {10, -36}, {10, -72}}, math.NaN(), math.NaN()},
		{"5", []seg{{20, -26}, {20.1, -20}, {20, -26}}, math.NaN(), math.NaN()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := meter(t, rate, 2, false)
			m.Write(program(rate, 2, c.segs...))
			i, _ := m.Integrated()
			want := -23.0
			if c.name == "2" {
				want = -33
			}
			within(t, "I", i, want, 0.1)
			if !math.IsNaN(c.wantM) {
				within(t, "M", m.Momentary(), c.wantM, 0.1)
				within(t, "S", m.ShortTerm(), c.wantS, 0.1)
			}
		})
	}
	t.Run("6", func(t *testing.T) {
		// 5.0: L, R -28; C -24; Ls, Rs -30 dBFS.
		levels := []float64{-28, -28, -24, -30, -30}
		b := audio.NewBuffer(5, 20*rate)
		for c, db := range levels {
			ph := 0.0
			copy(b[c], tone(rate, 1, 20, db, &ph)[0])
		}
		m := meter(t, rate, 5, false)
		m.Write(b)
		i, _ := m.Integrated()
		within(t, "I", i, -23, 0.1)
	})
}

// EBU Tech 3341 cases 9-14: short-term and momentary dynamics, measured by
// feeding 10 ms at a time.
func TestTech3341Dynamics(t *testing.T) {
	const rate = 48000
	step := rate / 100
	feed := func(m *Meter, b audio.Buffer, each func(t float64)) {
		hdr := make(audio.Buffer, len(b))
		for off := 0; off < b.Frames(); off += step {
			m.Write(b.Slice(hdr, off, min(off+step, b.Frames())))
			each(float64(off+step) / rate)
		}
	}
	t.Run("9", func(t *testing.T) {
		var segs []seg
		for k := 0; k < 5; k++ {
			segs = append(segs, seg{1.34, -20}, seg{1.66, -30})
		}
		m := meter(t, rate, 2, false)
		feed(m, program(rate, 2, segs...), func(sec float64) {
			if sec >= 3 {
				within(t, fmt.Sprintf("S at %.2f s", sec), m.ShortTerm(), -23, 0.1)
			}
		})
	})
	t.Run("10", func(t *testing.T) {
		for i := 0; i < 20; i++ {
			m := meter(t, rate, 2, false)
			m.Write(program(rate, 2, seg{float64(i) * 0.15, silence}, seg{3, -23}, seg{1, silence}))
			within(t, fmt.Sprintf("max S (i=%d)", i), m.MaxShortTerm(), -23, 0.1)
		}
	})
	t.Run("11", func(t *testing.T) {
		var segs []seg
		for i := 0; i < 20; i++ {
			segs = append(segs, seg{float64(i) * 0.15, silence}, seg{3, -38 + float64(i)}, seg{3 - float64(i)*0.15, silence})
		}
		m := meter(t, rate, 2, false)
		maxS := make([]float64, 20)
		for i := range maxS {
			maxS[i] = math.Inf(-1)
		}
		feed(m, program(rate, 2, segs...), func(sec float64) {
			i := min(int((sec-1e-9)/6), 19)
			maxS[i] = math.Max(maxS[i], m.ShortTerm())
		})
		for i, v := range maxS {
			within(t, fmt.Sprintf("max S of burst %d", i), v, -38+float64(i), 0.1)
		}
	})
	t.Run("12", func(t *testing.T) {
		var segs []seg
		for k := 0; k < 25; k++ {
			segs = append(segs, seg{0.18, -20}, seg{0.22, -30})
		}
		m := meter(t, rate, 2, false)
		feed(m, program(rate, 2, segs...), func(sec float64) {
			if sec >= 1 {
				within(t, fmt.Sprintf("M at %.2f s", sec), m.Momentary(), -23, 0.1)
			}
		})
	})
	t.Run("13", func(t *testing.T) {
		for i := 0; i < 20; i++ {
			m := meter(t, rate, 2, false)
			m.Write(program(rate, 2, seg{float64(i) * 0.02, silence}, seg{0.4, -23}, seg{1, silence}))
			within(t, fmt.Sprintf("max M (i=%d)", i), m.MaxMomentary(), -23, 0.1)
		}
	})
	t.Run("14", func(t *testing.T) {
		var segs []seg
		for i := 0; i < 20; i++ {
			segs = append(segs, seg{float64(i) * 0.02, silence}, seg{0.4, -38 + float64(i)}, seg{0.4 - float64(i)*0.02, silence})
		}
		m := meter(t, rate, 2, false)
		maxM := make([]float64, 20)
		for i := range maxM {
			maxM[i] = math.Inf(-1)
		}
		feed(m, program(rate, 2, segs...), func(sec float64) {
			i := min(int((sec-1e-9)/0.8), 19)
			maxM[i] = math.Max(maxM[i], m.Momentary())
		})
		for i, v := range maxM {
			within(t, fmt.Sprintf("max M of burst %d", i), v, -38+float64(i), 0.1)
		}
	})
}

// truePeakDB measures the true peak (dBTP, max over channels).
func truePeakDB(t testing.TB, rate int, b audio.Buffer) float64 {
	m := meter(t, rate, len(b), true)
	m.Write(b)
	p := 0.0
	for c := range b {
		p = math.Max(p, m.TruePeak(c))
	}
	return 20 * math.Log10(p)
}

// fadedSine is the Tech 3341 true-peak signal: a stereo sine at freq with
// 10 ms linear fades.
func fadedSine(rate int, freq, amp, phaseDeg float64) audio.Buffer {
	n := rate
	b := audio.NewBuffer(2, n)
	fade := rate / 100
	for i := 0; i < n; i++ {
		g := 1.0
		if i < fade {
			g = float64(i) / float64(fade)
		} else if i >= n-fade {
			g = float64(n-1-i) / float64(fade)
		}
		v := float32(g * amp * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)+phaseDeg*math.Pi/180))
		b[0][i], b[1][i] = v, v
	}
	return b
}

// EBU Tech 3341 cases 15-19, at 48 kHz and 44.1 kHz.
func TestTech3341TruePeakSines(t *testing.T) {
	for _, rate := range []int{48000, 44100} {
		fs := float64(rate)
		cases := []struct {
			freq, amp, phase, want float64
		}{
			{fs / 4, 0.5, 0, -6}, {fs / 4, 0.5, 45, -6}, {fs / 6, 0.5, 60, -6}, {fs / 8, 0.5, 67.5, -6}, {fs / 4, 1.41, 45, 3},
		}
		for k, c := range cases {
			got := truePeakDB(t, rate, fadedSine(rate, c.freq, c.amp, c.phase))
			if got < c.want-0.4 || got > c.want+0.2 {
				t.Errorf("%d Hz case %d: TP %.3f dBTP, want %.1f +0.2/-0.4", rate, 15+k, got, c.want)
			}
		}
	}
}

// EBU Tech 3341 cases 20-23: a burst of fs/4 at full scale inside fs/6 at
// 0.5, built at 4·fs, low-passed and decimated at each of four offsets.
func TestTech3341TruePeakBursts(t *testing.T) {
	const rate = 48000
	up := 4 * rate
	n := up * 2
	x := make([]float64, n)
	ph := 0.0
	burstStart, burstLen := up, 16 // one period of fs/4 at 4·fs
	for i := range x {
		f, a := float64(rate)/6, 0.5
		if i >= burstStart && i < burstStart+burstLen {
			f, a = float64(rate)/4, 1.0
		}
		x[i] = a * math.Sin(ph)
		ph += 2 * math.Pi * f / float64(up)
	}
	// Low-pass at 0.45·fs with a long Kaiser-windowed sinc at 4·fs.
	const taps = 1201
	h := make([]float64, taps)
	fc := 0.45 * rate / float64(up)
	for k := range h {
		m := float64(k - taps/2)
		s := 2 * fc
		if m != 0 {
			s = math.Sin(2*math.Pi*fc*m) / (math.Pi * m)
		}
		r := m / float64(taps/2+1)
		h[k] = s * besselI0(12*math.Sqrt(1-r*r)) / besselI0(12)
	}
	y := make([]float64, n)
	for i := range y {
		var acc float64
		for k, c := range h {
			if j := i - k + taps/2; j >= 0 && j < n {
				acc += c * x[j]
			}
		}
		y[i] = acc
	}
	for off := 0; off < 4; off++ {
		b := audio.NewBuffer(2, n/4-1)
		for i := range b[0] {
			v := float32(y[i*4+off])
			b[0][i], b[1][i] = v, v
		}
		got := truePeakDB(t, rate, b)
		if got < -0.4 || got > 0.2 {
			t.Errorf("case %d: TP %.3f dBTP, want 0.0 +0.2/-0.4", 20+off, got)
		}
	}
}

func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 60; k++ {
		term *= (x / 2) / float64(k)
		sum += term * term
	}
	return sum
}

// EBU Tech 3342 cases 1-4.
func TestTech3342LRA(t *testing.T) {
	const rate = 48000
	cases := []struct {
		segs []seg
		want float64
	}{
		{[]seg{{20, -20}, {20, -30}}, 10},
		{[]seg{{20, -20}, {20, -15}}, 5},
		{[]seg{{20, -40}, {20, -20}}, 20},
		{[]seg{{20, -50}, {20, -35}, {20, -20}, {20, -35}, {20, -50}}, 15},
	}
	for k, c := range cases {
		m := meter(t, rate, 2, false)
		m.Write(program(rate, 2, c.segs...))
		lra, _, _ := m.LoudnessRange()
		within(t, fmt.Sprintf("case %d LRA", k+1), lra, c.want, 1)
	}
}

// ITU-R BS.2217-style gating checks built in code.
func TestGates(t *testing.T) {
	const rate = 48000
	// Absolute gate: 20 s at -69.5 and 20 s at -75 LUFS; the quieter half is
	// under -70 and must be ignored (without the gate: -71.4).
	m := meter(t, rate, 2, false)
	m.Write(program(rate, 2, seg{20, -69.5}, seg{20, -75}))
	i, _ := m.Integrated()
	within(t, "absolute-gate programme", i, -69.5, 0.1)
	// Relative gate: 20 s at -10 and 20 s at -25 LUFS, the latter more than
	// 10 LU under the ungated level (without the gate: -12.9).
	m = meter(t, rate, 2, false)
	m.Write(program(rate, 2, seg{20, -10}, seg{20, -25}))
	i, gate := m.Integrated()
	within(t, "relative-gate programme", i, -10, 0.1)
	within(t, "relative gate", gate, -22.87, 0.05) // ungated power mean -12.87, minus 10 LU
	// Silence and sub-gate content give -Inf, not a number.
	m = meter(t, rate, 2, false)
	m.Write(program(rate, 2, seg{5, -80}))
	if i, _ := m.Integrated(); !math.IsInf(i, -1) {
		t.Errorf("programme under -70 LUFS reads %v, want -Inf", i)
	}
}

func TestDualMonoAndLayouts(t *testing.T) {
	const rate = 48000
	ph := 0.0
	mono := tone(rate, 1, 10, -23, &ph)
	m, _ := New(Options{SampleRate: rate, Channels: 1, DualMono: true})
	m.Write(mono)
	i, _ := m.Integrated()
	within(t, "dual mono", i, -23, 0.05)
	m, _ = New(Options{SampleRate: rate, Channels: 1})
	m.Write(mono)
	i, _ = m.Integrated()
	within(t, "plain mono", i, -26.01, 0.05)
	// 5.1: LFE excluded; surrounds weighted +1.5 dB.
	w := Weights(audio.Layout5_1, 6)
	want := []float64{1, 1, 1, 0, 1.41, 1.41}
	for k := range w {
		if w[k] != want[k] {
			t.Fatalf("5.1 weights %v, want %v", w, want)
		}
	}
	w = Weights(audio.Layout7_1, 8)
	if w[3] != 0 || w[4] != 1 || w[6] != 1.41 {
		t.Fatalf("7.1 weights %v", w)
	}
	// A loud LFE does not move the reading.
	b := audio.NewBuffer(6, 10*rate)
	ph = 0
	copy(b[0], tone(rate, 1, 10, -20, &ph)[0])
	ph = 0
	copy(b[3], tone(rate, 1, 10, 0, &ph)[0])
	m, _ = New(Options{SampleRate: rate, Channels: 6})
	m.Write(b)
	i, _ = m.Integrated()
	within(t, "L only with loud LFE", i, -23.01, 0.05)
}

package loudness

import (
	"fmt"
	"math"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/internal/refmeter"
	"github.com/mixdown/mixdown/internal/synth"
)

// musicLike renders seconds of the synthetic song at rate, scaled by gain
// (linear); drive > 1 pushes it into tanh saturation.
func musicLike(rate int, seconds float64, seed uint64, gain, drive float64) audio.Buffer {
	b := synth.SongBuffer(rate, seconds, seed)
	for c := range b {
		for i, v := range b[c] {
			x := float64(v) * drive
			if drive != 1 {
				x = math.Tanh(x)
			}
			b[c][i] = float32(x * gain)
		}
	}
	return b
}

// Cross-check against libebur128 on music-like material: integrated within
// 0.02 LU and true peak within 0.05 dB (the acceptance figures).
func TestAgainstLibebur128(t *testing.T) {
	type tc struct {
		rate        int
		seed        uint64
		gain, drive float64
	}
	var cases []tc
	for _, rate := range []int{44100, 48000, 96000} {
		cases = append(cases, tc{rate, 1, 0.5, 1}, tc{rate, 2, 1.0, 1}, tc{rate, 3, 0.05, 1})
	}
	for _, c := range cases {
		name := fmt.Sprintf("%d_seed%d_gain%g_drive%g", c.rate, c.seed, c.gain, c.drive)
		t.Run(name, func(t *testing.T) {
			b := musicLike(c.rate, 40, c.seed, c.gain, c.drive)
			ref := refmeter.Libebur128(t, b, c.rate)
			m, err := New(Options{SampleRate: c.rate, Channels: 2, TruePeak: true})
			if err != nil {
				t.Fatal(err)
			}
			m.Write(b)
			i, _ := m.Integrated()
			lra, _, _ := m.LoudnessRange()
			tp := 0.0
			for ch := 0; ch < 2; ch++ {
				tp = math.Max(tp, m.TruePeak(ch))
				if math.Abs(m.SamplePeak(ch)-ref.SamplePeak[ch]) > 1e-8 {
					t.Errorf("sample peak ch%d %v, libebur128 %v", ch, m.SamplePeak(ch), ref.SamplePeak[ch])
				}
			}
			tpdb := 20 * math.Log10(tp)
			t.Logf("mixdown I %.4f LRA %.2f TP %.4f | libebur128 I %.4f LRA %.2f TP %.4f", i, lra, tpdb, ref.Integrated, ref.LRA, ref.MaxTruePeakDB())
			if d := math.Abs(i - ref.Integrated); d > 0.02 {
				t.Errorf("integrated differs by %.4f LU", d)
			}
			if d := math.Abs(tpdb - ref.MaxTruePeakDB()); d > 0.05 {
				t.Errorf("true peak differs by %.4f dB", d)
			}
		})
	}
}

// A 5.1 programme built from song stems: libebur128's default channel map
// (L R C LFE Ls Rs) must agree with our layout weights.
func TestAgainstLibebur128Surround(t *testing.T) {
	const rate = 48000
	a := synth.SongBuffer(rate, 20, 5)
	b := synth.SongBuffer(rate, 20, 6)
	x := audio.Buffer{a[0], a[1], b[0], b[1], b[0], a[1]}
	for i := range x[3] {
		x[3][i] *= 4 // loud LFE, which must be ignored
	}
	ref := refmeter.Libebur128(t, x, rate)
	m, err := New(Options{SampleRate: rate, Channels: 6, TruePeak: true})
	if err != nil {
		t.Fatal(err)
	}
	m.Write(x)
	i, _ := m.Integrated()
	if d := math.Abs(i - ref.Integrated); d > 0.02 {
		t.Errorf("5.1 integrated %.4f, libebur128 %.4f", i, ref.Integrated)
	}
}

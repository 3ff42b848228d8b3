package dsp_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/mixdown/mixdown/dsp"
	"github.com/mixdown/mixdown/dsp/dsptest"
	"github.com/mixdown/mixdown/internal/synth"
)

func TestDelayConformance(t *testing.T) {
	for _, n := range []int{0, 1, 100, 4097} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			dsptest.Run(t, func() dsp.Processor { return dsp.NewDelay(n, 2) }, dsptest.Options{Seconds: confSeconds()})
			dsptest.CheckLatency(t, func() dsp.Processor { return dsp.NewDelay(n, 2) }, dsp.Spec{SampleRate: 48000, Channels: 2, MaxFrames: 64}, 0.01)
		})
	}
}

// The Processor delays by exactly MaxDelay frames, bit for bit, whatever
// the block size relative to the delay.
func TestDelayExact(t *testing.T) {
	in := synth.WhiteNoise(48000, 3, 5000, 0.3, 1)
	for _, n := range []int{1, 37, 1000} {
		for _, block := range []int{1, 36, 512, 5000} {
			d := dsp.NewDelay(n, 3)
			out := process(d, in, block)
			for c := range in {
				for i := range in[c] {
					want := float32(0)
					if i >= n {
						want = in[c][i-n]
					}
					if out[c][i] != want {
						t.Fatalf("delay %d, blocks of %d: channel %d frame %d is %g, want %g", n, block, c, i, out[c][i], want)
					}
				}
			}
		}
	}
}

func TestDelayReadWrite(t *testing.T) {
	d := dsp.NewDelay(8, 2)
	for i := range 20 {
		d.Write(0, float32(i))
		d.Write(1, float32(-i))
		if i < 19 {
			d.Advance()
		}
	}
	for _, c := range []struct{ delay, want int }{{0, 19}, {1, 18}, {8, 11}, {9, 11}, {-3, 19}} {
		if got := d.Read(0, c.delay); got != float32(c.want) {
			t.Errorf("Read(0, %d) = %g, want %d", c.delay, got, c.want)
		}
	}
	if got := d.Read(1, 2); got != -17 {
		t.Errorf("Read(1, 2) = %g, want -17", got)
	}
	// Whole delays are exact; clamping to [1, MaxDelay].
	for _, c := range []struct {
		delay float64
		want  float64
	}{{1, 18}, {3, 16}, {8, 11}, {0.2, 18}, {100, 11}, {math.NaN(), 18}} {
		if got := d.ReadFrac(0, c.delay); got != c.want {
			t.Errorf("ReadFrac(0, %g) = %g, want %g", c.delay, got, c.want)
		}
	}
	// The cubic reproduces a cubic in time exactly: here a line.
	within(t, "ReadFrac(0, 4.25) of a ramp", d.ReadFrac(0, 4.25), 14.75, 1e-12)
}

// readFracSine writes a sine of freq Hz and reads it back delayed by delay
// frames; it returns the gain in dB and the largest error against the
// exactly delayed sine after scaling by that gain.
func readFracSine(freq, delay float64) (gainDB float64) {
	const fs, n = 48000, 4800
	d := dsp.NewDelay(64, 1)
	w := 2 * math.Pi * freq / fs
	var ss, cc, sc, ys, yc float64
	for i := range n {
		d.Write(0, float32(math.Sin(w*float64(i))))
		y := d.ReadFrac(0, delay)
		d.Advance()
		if i < 100 {
			continue
		}
		// Fit y against the ideal delayed sine's quadrature pair.
		s, c := math.Sin(w*(float64(i)-delay)), math.Cos(w*(float64(i)-delay))
		ss += s * s
		cc += c * c
		sc += s * c
		ys += y * s
		yc += y * c
	}
	det := ss*cc - sc*sc
	a := (ys*cc - yc*sc) / det
	b := (yc*ss - ys*sc) / det
	return 20 * math.Log10(math.Hypot(a, b))
}

// The Lagrange interpolator's response half-way between samples, as
// documented on ReadFrac, and its accuracy at low frequencies.
func TestDelayReadFracResponse(t *testing.T) {
	const fs = 48000
	for _, c := range []struct{ freq, want float64 }{{fs / 8, -0.07}, {fs / 4, -1.07}, {3 * fs / 8, -5.26}} {
		within(t, fmt.Sprintf("gain at %g Hz half-way between samples", c.freq), readFracSine(c.freq, 10.5), c.want, 0.01)
	}
	for _, delay := range []float64{2.1, 7.5, 30.77} {
		if g := readFracSine(1000, delay); math.Abs(g) > 1e-4 {
			t.Errorf("1 kHz delayed by %g frames: gain %.6f dB", delay, g)
		}
	}
}

func TestDelayPrepareChannels(t *testing.T) {
	d := dsp.NewDelay(10, 1)
	if err := d.Prepare(dsp.Spec{SampleRate: 48000, Channels: 6, MaxFrames: 64}); err != nil {
		t.Fatal(err)
	}
	out := process(d, synth.WhiteNoise(48000, 6, 100, 0.3, 2), 64)
	if out.Channels() != 6 || d.Latency() != 10 || d.MaxDelay() != 10 {
		t.Errorf("after Prepare for 6 channels: %d channels, latency %d", out.Channels(), d.Latency())
	}
	defer func() {
		if recover() == nil {
			t.Error("NewDelay(-1, 2) did not panic")
		}
	}()
	dsp.NewDelay(-1, 2)
}

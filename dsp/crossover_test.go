package dsp_test

import (
	"fmt"
	"math"
	"math/cmplx"
	"strings"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/dsp"
	"github.com/mixdown/mixdown/dsp/dsptest"
	"github.com/mixdown/mixdown/internal/synth"
)

var crossoverCases = [][]float64{{1000}, {200, 2500}, {120, 1000, 6000}, {80, 100, 125}}

func newCrossover(t testing.TB, freqs []float64, channels int, fs float64) *dsp.Crossover {
	t.Helper()
	x, err := dsp.NewCrossover(freqs, channels, fs)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// The bands sum to an all-pass: flat magnitude.
func TestCrossoverSumFlat(t *testing.T) {
	for _, fs := range []float64{44100, 48000, 96000} {
		for _, freqs := range crossoverCases {
			x := newCrossover(t, freqs, 2, fs)
			if x.Bands() != len(freqs)+1 {
				t.Errorf("Bands() = %d for %d frequencies", x.Bands(), len(freqs))
			}
			worst := 0.0
			for f := 10.0; f < 0.499*fs; f *= 1.02 {
				var sum complex128
				for b := range x.Bands() {
					sum += x.Response(b, f)
				}
				worst = max(worst, math.Abs(db(sum)))
			}
			if worst > 0.01 {
				t.Errorf("%g Hz, crossovers %v: summed bands depart from flat by %.4f dB", fs, freqs, worst)
			}
			t.Logf("%g Hz, crossovers %v: summed bands within %.1e dB of flat", fs, freqs, worst)
		}
	}
}

// Each band is a Linkwitz-Riley 24 dB/oct slice: -6 dB at its edges,
// falling at 24 dB/oct beyond them.
func TestCrossoverBandShapes(t *testing.T) {
	const fs = 48000
	f1, f2, f3 := 100.0, 300.0, 10000.0
	x := newCrossover(t, []float64{f1, f2, f3}, 1, fs)
	lr := -20 * math.Log10(2)
	within(t, "band 0 at f1", db(x.Response(0, f1)), lr, 1e-6)
	within(t, "band 3 at f3", db(x.Response(3, f3)), lr, 0.001)
	within(t, "band 0 slope 400 → 800 Hz", db(x.Response(0, 400))-db(x.Response(0, 800)), 24, 0.5)
	within(t, "band 3 slope 1250 → 2500 Hz", db(x.Response(3, 2500))-db(x.Response(3, 1250)), 24, 0.5)
	// Inside, each band is the product of analogue LR4 magnitudes,
	// |LP(f)|² = 1/(1 + (f/fc)⁴)² and |HP(f)|² = 1/(1 + (fc/f)⁴)².
	lp := func(f, fc float64) float64 { return -20 * math.Log10(1+math.Pow(f/fc, 4)) }
	hp := func(f, fc float64) float64 { return -20 * math.Log10(1+math.Pow(fc/f, 4)) }
	for _, f := range []float64{f1, math.Sqrt(f1 * f2), f2} {
		within(t, fmt.Sprintf("band 1 at %.0f Hz", f), db(x.Response(1, f)), hp(f, f1)+lp(f, f2), 0.01)
	}
	// Every band has the phase of each crossover's all-pass: band 0 and
	// band 1 are in phase (LR4 outputs are in phase at all frequencies).
	for _, f := range []float64{50, 316, 3000} {
		d := cmplx.Phase(x.Response(0, f) / x.Response(1, f))
		if math.Abs(d) > 1e-6 {
			t.Errorf("bands 0 and 1 differ in phase by %.4f rad at %g Hz", d, f)
		}
	}
}

// allPassRef filters in through the all-passes the summed bands should
// equal: AP(f) = LP² + HP² for every crossover frequency f.
func allPassRef(in audio.Buffer, freqs []float64, fs float64) audio.Buffer {
	var cs []dsp.Coefs
	for _, f := range freqs {
		cs = append(cs, dsp.AllPass(f, math.Sqrt2/2, fs))
	}
	out := audio.NewBuffer(in.Channels(), in.Frames())
	audio.Copy(out, in)
	dsp.NewCascade(in.Channels(), cs...).Process(out)
	return out
}

// split runs x over in in blocks and returns the bands.
func split(x *dsp.Crossover, in audio.Buffer, block int) []audio.Buffer {
	n := in.Frames()
	bands := make([]audio.Buffer, x.Bands())
	for i := range bands {
		bands[i] = audio.NewBuffer(in.Channels(), n)
	}
	hdrs := make([]audio.Buffer, x.Bands())
	for i := range hdrs {
		hdrs[i] = make(audio.Buffer, in.Channels())
	}
	inHdr := make(audio.Buffer, in.Channels())
	for off := 0; off < n; off += block {
		end := min(off+block, n)
		for i := range bands {
			bands[i].Slice(hdrs[i], off, end)
		}
		x.Split(in.Slice(inHdr, off, end), hdrs)
	}
	return bands
}

// An idle multiband (bands summed unchanged) is the all-pass cascade, on
// music and noise: the difference stays below -100 dB.
func TestCrossoverIdleIsAllPass(t *testing.T) {
	const fs = 44100
	in := synth.Concat(synth.SongBuffer(fs, 1, 4), synth.PinkNoise(fs, 2, fs/2, 0.2, 9))
	for _, freqs := range crossoverCases {
		x := newCrossover(t, freqs, 2, fs)
		bands := split(x, in, 512)
		ref := allPassRef(in, freqs, fs)
		var errPow, sigPow float64
		for c := range in {
			for i := range in[c] {
				sum := 0.0
				for _, b := range bands {
					sum += float64(b[c][i])
				}
				d := sum - float64(ref[c][i])
				errPow += d * d
				sigPow += float64(ref[c][i]) * float64(ref[c][i])
			}
		}
		r := 10 * math.Log10(errPow/sigPow)
		if r > -100 {
			t.Errorf("crossovers %v: summed bands differ from the all-pass by %.1f dB", freqs, r)
		}
		t.Logf("crossovers %v: summed bands differ from the all-pass by %.1f dB", freqs, r)
	}
}

// Split follows the Processor rules: block-size independence, Reset, no
// allocation; and in may be one of the band buffers.
func TestCrossoverSplitContract(t *testing.T) {
	const fs = 48000
	freqs := []float64{150, 1500, 7000}
	in := synth.SongBuffer(fs, 0.5, 2)
	ref := split(newCrossover(t, freqs, 2, fs), in, in.Frames())
	equal := func(what string, got []audio.Buffer) {
		t.Helper()
		for b := range ref {
			for c := range ref[b] {
				for i := range ref[b][c] {
					if got[b][c][i] != ref[b][c][i] {
						t.Errorf("%s: band %d channel %d frame %d differs", what, b, c, i)
						return
					}
				}
			}
		}
	}
	for _, block := range []int{1, 7, 64, 511} {
		equal(fmt.Sprintf("blocks of %d", block), split(newCrossover(t, freqs, 2, fs), in, block))
	}
	x := newCrossover(t, freqs, 2, fs)
	split(x, synth.WhiteNoise(fs, 2, 1000, 0.5, 3), 100)
	x.Reset()
	equal("after Reset", split(x, in, 256))

	// in aliasing a band buffer.
	for alias := range 4 {
		x := newCrossover(t, freqs, 2, fs)
		bands := make([]audio.Buffer, 4)
		for i := range bands {
			bands[i] = audio.NewBuffer(2, in.Frames())
		}
		audio.Copy(bands[alias], in)
		x.Split(bands[alias], bands)
		equal(fmt.Sprintf("input aliasing band %d", alias), bands)
	}

	buf := audio.NewBuffer(2, 512)
	audio.Copy(buf, in)
	bands := []audio.Buffer{audio.NewBuffer(2, 512), audio.NewBuffer(2, 512), audio.NewBuffer(2, 512), audio.NewBuffer(2, 512)}
	if a := testing.AllocsPerRun(10, func() { x.Split(buf, bands) }); a != 0 {
		t.Errorf("Split allocates %.1f times", a)
	}
}

// multiband is an idle multiband processor (split, then sum), so that the
// conformance suite can check the crossover inside a Processor.
type multiband struct {
	freqs []float64
	x     *dsp.Crossover
	bands []audio.Buffer
	hdrs  []audio.Buffer
}

func (m *multiband) Prepare(s dsp.Spec) error {
	var err error
	if m.x, err = dsp.NewCrossover(m.freqs, s.Channels, s.SampleRate); err != nil {
		return err
	}
	m.bands, m.hdrs = nil, nil
	for range m.x.Bands() {
		m.bands = append(m.bands, audio.NewBuffer(s.Channels, s.MaxFrames))
		m.hdrs = append(m.hdrs, make(audio.Buffer, s.Channels))
	}
	return nil
}

func (m *multiband) Process(buf audio.Buffer) {
	for i, b := range m.bands {
		b.Head(m.hdrs[i], buf.Frames())
	}
	m.x.Split(buf, m.hdrs)
	for c := range buf {
		for i := range buf[c] {
			s := float32(0)
			for _, b := range m.hdrs {
				s += b[c][i]
			}
			buf[c][i] = s
		}
	}
}

func (m *multiband) Reset()       { m.x.Reset() }
func (m *multiband) Latency() int { return 0 }

func TestCrossoverConformance(t *testing.T) {
	dsptest.Run(t, func() dsp.Processor { return &multiband{freqs: []float64{120, 1000, 6000}} }, dsptest.Options{Seconds: confSeconds()})
}

func TestCrossoverErrors(t *testing.T) {
	for _, c := range []struct {
		freqs    []float64
		channels int
		fs       float64
		want     string
	}{
		{nil, 2, 48000, "0 frequencies (1 to 3)"},
		{[]float64{100, 200, 300, 400}, 2, 48000, "4 frequencies (1 to 3)"},
		{[]float64{200, 100}, 2, 48000, "200 and 100 Hz not ascending"},
		{[]float64{100, 100}, 2, 48000, "not ascending"},
		{[]float64{5}, 2, 48000, "frequency 1: 5 Hz out of range (10 Hz to 0.45 × sample rate = 21600 Hz)"},
		{[]float64{100, 30000}, 2, 48000, "frequency 2: 30000 Hz out of range"},
		{[]float64{100}, 0, 48000, "0 channels"},
		{[]float64{100}, 2, 0, "sample rate 0 Hz out of range"},
	} {
		_, err := dsp.NewCrossover(c.freqs, c.channels, c.fs)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("NewCrossover(%v, %d, %g): %v, want an error containing %q", c.freqs, c.channels, c.fs, err, c.want)
		}
	}
}

func ExampleCrossover() {
	x, err := dsp.NewCrossover([]float64{200, 2000}, 2, 48000)
	if err != nil {
		panic(err)
	}
	for _, f := range []float64{50, 200, 630, 2000, 8000} {
		fmt.Printf("%5.0f Hz:", f)
		var sum complex128
		for b := range x.Bands() {
			h := x.Response(b, f)
			sum += h
			fmt.Printf(" %7.2f", 20*math.Log10(cmplx.Abs(h)))
		}
		fmt.Printf("   sum %.2f dB\n", 20*math.Log10(cmplx.Abs(sum)))
	}
	in := audio.NewBuffer(2, 512) // a block of the stream
	bands := []audio.Buffer{audio.NewBuffer(2, 512), audio.NewBuffer(2, 512), audio.NewBuffer(2, 512)}
	x.Split(in, bands)
	// Output:
	//    50 Hz:   -0.03  -48.20 -176.56   sum -0.00 dB
	//   200 Hz:   -6.02   -6.02  -86.22   sum -0.00 dB
	//   630 Hz:  -39.97   -0.17  -40.49   sum -0.00 dB
	//  2000 Hz:  -80.20   -6.02   -6.02   sum -0.00 dB
	//  8000 Hz: -131.56  -51.38   -0.02   sum -0.00 dB
}

// A four-band split (three crossovers) of 44.1 kHz stereo.
func BenchmarkCrossover3(b *testing.B) {
	const fs, block = 44100, 512
	x, _ := dsp.NewCrossover([]float64{120, 1000, 6000}, 2, fs)
	in := synth.SongBuffer(fs, float64(block)/fs, 3)
	bands := []audio.Buffer{audio.NewBuffer(2, block), audio.NewBuffer(2, block), audio.NewBuffer(2, block), audio.NewBuffer(2, block)}
	for b.Loop() {
		x.Split(in, bands)
	}
	b.ReportMetric(float64(b.N)*block/fs/b.Elapsed().Seconds(), "x_realtime")
}

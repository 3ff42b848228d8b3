package dsp_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/dsp"
	"github.com/mixdown/mixdown/internal/synth"
)

// bandLimited returns a sum of random sines below maxFreq Hz, different on
// each channel, peaking near 0.9.
func bandLimited(fs float64, channels, frames int, maxFreq float64, seed uint64) audio.Buffer {
	r := synth.NewRand(seed)
	b := audio.NewBuffer(channels, frames)
	for c := range b {
		const k = 24
		for range k {
			f := 20 + (maxFreq-20)*r.Float()
			a := 0.9 / k * (0.5 + r.Float())
			ph := 2 * math.Pi * r.Float()
			w := 2 * math.Pi * f / fs
			for i := range b[c] {
				b[c][i] += float32(a * math.Sin(w*float64(i)+ph))
			}
		}
	}
	return b
}

// roundTrip runs in through Up and Down in blocks of block frames.
func roundTrip(o *dsp.Oversampler, in audio.Buffer, block int) audio.Buffer {
	out := audio.NewBuffer(in.Channels(), in.Frames())
	hi, ho := make(audio.Buffer, in.Channels()), make(audio.Buffer, in.Channels())
	for off := 0; off < in.Frames(); off += block {
		end := min(off+block, in.Frames())
		up := o.Up(in.Slice(hi, off, end))
		o.Down(up, out.Slice(ho, off, end))
	}
	return out
}

// Up then Down returns a band-limited signal delayed by Latency frames,
// within -100 dB.
func TestOversamplerRoundTrip(t *testing.T) {
	const fs = 48000
	in := bandLimited(fs, 2, fs/2, 0.45*fs, 1)
	for _, factor := range []int{2, 4, 8} {
		o := dsp.NewOversampler(factor, 2, 512)
		out := roundTrip(o, in, 512)
		lat := o.Latency()
		var e, s, peak float64
		for c := range in {
			for i := lat + 2000; i < in.Frames(); i++ {
				d := float64(out[c][i]) - float64(in[c][i-lat])
				e += d * d
				s += float64(in[c][i-lat]) * float64(in[c][i-lat])
				peak = max(peak, math.Abs(d))
			}
		}
		r := 10 * math.Log10(e/s)
		if r > -100 {
			t.Errorf("factor %d: round trip differs from the input delayed by %d frames by %.1f dB", factor, lat, r)
		}
		t.Logf("factor %d: latency %d frames (Up alone %.3f), round-trip error %.1f dB, peak error %.1e", factor, lat, o.UpLatency(), r, peak)
	}
}

// Up produces the sine that the base-rate sine samples, at the high rate:
// what is left after fitting that sine is images of it, below -100 dB; the
// fitted gain is flat (0.01 dB) and its delay is UpLatency.
func TestOversamplerImages(t *testing.T) {
	const fs = 44100
	for _, factor := range []int{2, 4, 8} {
		for _, f := range []float64{100, 5000, 0.3 * fs, 0.45 * fs} {
			o := dsp.NewOversampler(factor, 1, 1024)
			in := synth.Sine(fs, 1, 8192, f, 0.9, 0)
			up := audio.NewBuffer(1, factor*in.Frames())
			hdr := make(audio.Buffer, 1)
			for off := 0; off < in.Frames(); off += 1024 {
				u := o.Up(in.Slice(hdr, off, off+1024))
				copy(up[0][factor*off:], u[0])
			}
			// Least-squares fit of a sine and cosine at f over the second half.
			w := 2 * math.Pi * f / (fs * float64(factor))
			var ss, cc, sc, ys, yc float64
			n := up.Frames()
			for i := n / 2; i < n; i++ {
				s, c := math.Sin(w*float64(i)), math.Cos(w*float64(i))
				y := float64(up[0][i])
				ss, cc, sc, ys, yc = ss+s*s, cc+c*c, sc+s*c, ys+y*s, yc+y*c
			}
			det := ss*cc - sc*sc
			a, b := (ys*cc-yc*sc)/det, (yc*ss-ys*sc)/det
			var res, sig float64
			for i := n / 2; i < n; i++ {
				fit := a*math.Sin(w*float64(i)) + b*math.Cos(w*float64(i))
				d := float64(up[0][i]) - fit
				res += d * d
				sig += fit * fit
			}
			what := fmt.Sprintf("factor %d, %.0f Hz", factor, f)
			if r := 10 * math.Log10(res/sig); r > -100 {
				t.Errorf("%s: images and noise at %.1f dB", what, r)
			}
			within(t, what+": gain (dB)", 20*math.Log10(math.Hypot(a, b)/0.9), 0, 0.01)
			// a·sin + b·cos = A·sin(w·(i - D·factor)): the delay D in base frames.
			// The phase gives it modulo the sine's period.
			delay := -math.Atan2(b, a) / w / float64(factor)
			period := fs / f
			d := math.Mod(delay-o.UpLatency(), period)
			d = min(math.Abs(d), period-math.Abs(d))
			within(t, what+": delay minus UpLatency, modulo the period (frames)", d, 0, 1e-3)
		}
	}
}

// Up and Down in blocks of any size give the same result; Reset returns to
// the initial state; neither allocates.
func TestOversamplerContract(t *testing.T) {
	const fs = 48000
	in := bandLimited(fs, 2, 3000, 20000, 2)
	for _, factor := range []int{2, 4, 8} {
		ref := roundTrip(dsp.NewOversampler(factor, 2, 512), in, 512)
		for _, block := range []int{1, 7, 64, 500} {
			got := roundTrip(dsp.NewOversampler(factor, 2, 512), in, block)
			for c := range ref {
				for i := range ref[c] {
					if got[c][i] != ref[c][i] {
						t.Fatalf("factor %d, blocks of %d: frame %d differs", factor, block, i)
					}
				}
			}
		}
		o := dsp.NewOversampler(factor, 2, 512)
		roundTrip(o, synth.WhiteNoise(fs, 2, 777, 0.5, 1), 100)
		o.Reset()
		got := roundTrip(o, in, 512)
		for c := range ref {
			for i := range ref[c] {
				if got[c][i] != ref[c][i] {
					t.Fatalf("factor %d: after Reset frame %d differs", factor, i)
				}
			}
		}
		buf := audio.NewBuffer(2, 512)
		if a := testing.AllocsPerRun(10, func() { o.Down(o.Up(buf), buf) }); a != 0 {
			t.Errorf("factor %d: Up and Down allocate %.1f times", factor, a)
		}
		if o.Factor() != factor {
			t.Errorf("Factor() = %d", o.Factor())
		}
	}
}

func TestOversamplerPanics(t *testing.T) {
	for _, f := range []func(){
		func() { dsp.NewOversampler(3, 2, 512) },
		func() { dsp.NewOversampler(2, 0, 512) },
		func() { dsp.NewOversampler(2, 2, 512).Up(audio.NewBuffer(2, 513)) },
		func() { dsp.NewOversampler(2, 2, 512).Up(audio.NewBuffer(1, 100)) },
		func() { dsp.NewOversampler(4, 2, 512).Down(audio.NewBuffer(2, 400), audio.NewBuffer(2, 200)) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		}()
	}
}

func ExampleOversampler() {
	const fs, block = 48000, 256
	o := dsp.NewOversampler(4, 2, block)
	buf := audio.NewBuffer(2, block) // a block of the stream
	up := o.Up(buf)                  // 4 × 256 frames at 192 kHz
	for _, ch := range up {
		for i, v := range ch {
			ch[i] = float32(math.Tanh(float64(v))) // the nonlinear stage
		}
	}
	o.Down(up, buf)
	fmt.Printf("latency %d frames (%.2f ms)\n", o.Latency(), 1000*float64(o.Latency())/fs)
	// Output:
	// latency 90 frames (1.88 ms)
}

// 4× oversampling (Up then Down) of 44.1 kHz stereo.
func BenchmarkOversampler4x(b *testing.B) {
	const fs, block = 44100, 512
	o := dsp.NewOversampler(4, 2, block)
	buf := synth.SongBuffer(fs, float64(block)/fs, 3)
	for b.Loop() {
		o.Down(o.Up(buf), buf)
	}
	b.ReportMetric(float64(b.N)*block/fs/b.Elapsed().Seconds(), "x_realtime")
}

package dynamics

import (
	"math"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/dsp"
)

// prepared returns p prepared for spec, failing the test on error.
func prepared[P dsp.Processor](t testing.TB, p P, rate float64, channels int) P {
	t.Helper()
	if err := p.Prepare(dsp.Spec{SampleRate: rate, Channels: channels, MaxFrames: 512}); err != nil {
		t.Fatal(err)
	}
	return p
}

// run processes a copy of src in blocks of 512 frames and returns it.
func run(p dsp.Processor, src audio.Buffer) audio.Buffer {
	out := audio.NewBuffer(src.Channels(), src.Frames())
	audio.Copy(out, src)
	hdr := make(audio.Buffer, src.Channels())
	for off := 0; off < out.Frames(); off += 512 {
		p.Process(out.Slice(hdr, off, min(off+512, out.Frames())))
	}
	return out
}

// runKeyed is run with a key signal.
func runKeyed(p dsp.Keyed, src, key audio.Buffer) audio.Buffer {
	out := audio.NewBuffer(src.Channels(), src.Frames())
	audio.Copy(out, src)
	h1, h2 := make(audio.Buffer, src.Channels()), make(audio.Buffer, key.Channels())
	for off := 0; off < out.Frames(); off += 512 {
		end := min(off+512, out.Frames())
		p.ProcessKeyed(out.Slice(h1, off, end), key.Slice(h2, off, end))
	}
	return out
}

// rmsDB returns the RMS level of x[from:to] in dBFS.
func rmsDB(x []float32, from, to int) float64 {
	s := 0.0
	for _, v := range x[from:to] {
		s += float64(v) * float64(v)
	}
	return 10 * math.Log10(s/float64(to-from))
}

// peakDB returns the sample peak of x[from:to] in dBFS.
func peakDB(x []float32, from, to int) float64 {
	m := 0.0
	for _, v := range x[from:to] {
		m = math.Max(m, math.Abs(float64(v)))
	}
	return 20 * math.Log10(m)
}

// sine returns a mono sine of peak amplitude amp.
func sine(rate float64, frames int, freq, amp, phase float64) []float32 {
	x := make([]float32, frames)
	w := 2 * math.Pi * freq / rate
	for i := range x {
		x[i] = float32(amp * math.Sin(w*float64(i)+phase))
	}
	return x
}

// stereo returns a buffer with x on every one of channels channels.
func stereo(channels int, x []float32) audio.Buffer {
	b := audio.NewBuffer(channels, len(x))
	for c := range b {
		copy(b[c], x)
	}
	return b
}

// alternating returns ±amp samples whose amplitude switches at the given
// frames: amps[k] applies from at[k] on (at[0] = 0). |x| is constant
// within each segment, so a peak detector sees an exact level step.
func alternating(frames int, at []int, amps []float64) []float32 {
	x := make([]float32, frames)
	k := 0
	for i := range x {
		for k+1 < len(at) && i >= at[k+1] {
			k++
		}
		v := float32(amps[k])
		if i%2 == 1 {
			v = -v
		}
		x[i] = v
	}
	return x
}

func db(a float64) float64 { return 20 * math.Log10(a) }

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(got) || math.Abs(got-want) > tol {
		t.Errorf("%s = %.4f, want %.4f ± %g", what, got, want, tol)
	}
}

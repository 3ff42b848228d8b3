package fx

import (
	"math"
	"math/cmplx"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/dsp"
	"github.com/mixdown/mixdown/dsp/fft"
)

// Measurement helpers shared by the tests.

// run prepares p for spec and processes in in blocks of spec.MaxFrames,
// returning the output (in is not modified).
func run(t testing.TB, p dsp.Processor, spec dsp.Spec, in audio.Buffer) audio.Buffer {
	t.Helper()
	if err := p.Prepare(spec); err != nil {
		t.Fatal(err)
	}
	return process(p, spec.MaxFrames, in)
}

// process runs an already prepared processor over a copy of in.
func process(p dsp.Processor, block int, in audio.Buffer) audio.Buffer {
	out := audio.NewBuffer(in.Channels(), in.Frames())
	audio.Copy(out, in)
	hdr := make(audio.Buffer, in.Channels())
	for off := 0; off < out.Frames(); off += block {
		p.Process(out.Slice(hdr, off, min(off+block, out.Frames())))
	}
	return out
}

// impulse returns a buffer with a unit impulse at frame at on every channel.
func impulse(channels, frames, at int) audio.Buffer {
	b := audio.NewBuffer(channels, frames)
	for c := range b {
		b[c][at] = 1
	}
	return b
}

// f64 converts a channel to float64.
func f64(x []float32) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	return y
}

// energy returns Σx².
func energy(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v * v
	}
	return s
}

// octaveBand filters x through a band-pass around centre Hz (two
// second-order high-passes at centre/√2 and two low-passes at centre·√2).
func octaveBand(x []float64, centre, fs float64) []float64 {
	lo, hi := centre/math.Sqrt2, math.Min(centre*math.Sqrt2, 0.45*fs)
	coefs := []dsp.Coefs{dsp.HighPass(lo, 0.7071, fs), dsp.HighPass(lo, 0.7071, fs), dsp.LowPass(hi, 0.7071, fs), dsp.LowPass(hi, 0.7071, fs)}
	y := make([]float64, len(x))
	st := make([]float64, 2*len(coefs))
	for i, v := range x {
		for k, q := range coefs {
			o := q.B0*v + st[2*k]
			st[2*k] = q.B1*v - q.A1*o + st[2*k+1]
			st[2*k+1] = q.B2*v - q.A2*o
			v = o
		}
		y[i] = v
	}
	return y
}

// edc returns the Schroeder energy decay curve in dB (backward integration
// of the squared impulse response, normalised to 0 dB at the start) of the
// summed energy of the given channels.
func edc(chans ...[]float64) []float64 {
	n := len(chans[0])
	out := make([]float64, n)
	sum := 0.0
	for i := n - 1; i >= 0; i-- {
		for _, h := range chans {
			sum += h[i] * h[i]
		}
		out[i] = sum
	}
	total := out[0]
	for i := range out {
		out[i] = 10 * math.Log10(out[i]/total)
	}
	return out
}

// rt60 fits a line to the decay curve between hi and lo dB (e.g. -5 and
// -35 for T30) by least squares and extrapolates to 60 dB, in seconds.
func rt60(curve []float64, fs, hi, lo float64) float64 {
	var sx, sy, sxx, sxy, n float64
	for i, v := range curve {
		if v > hi {
			continue
		}
		if v < lo {
			break
		}
		x := float64(i) / fs
		sx += x
		sy += v
		sxx += x * x
		sxy += x * v
		n++
	}
	slope := (n*sxy - sx*sy) / (n*sxx - sx*sx)
	return -60 / slope
}

// correlation returns the normalised zero-lag cross-correlation of a and b.
func correlation(a, b []float64) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += a[i] * b[i]
		aa += a[i] * a[i]
		bb += b[i] * b[i]
	}
	return ab / math.Sqrt(aa*bb)
}

// spectrum returns the magnitude spectrum (linear amplitude of a sine) of x
// under a 4-term Blackman-Harris window; len(x) must be a power of two.
func spectrum(x []float64) []float64 {
	n := len(x)
	w := make([]float64, n)
	sum := 0.0
	for i := range x {
		a := 2 * math.Pi * float64(i) / float64(n)
		win := 0.35875 - 0.48829*math.Cos(a) + 0.14128*math.Cos(2*a) - 0.01168*math.Cos(3*a)
		w[i] = x[i] * win
		sum += win
	}
	c := fft.NewReal(n).Forward(make([]complex128, n/2+1), w)
	mag := make([]float64, len(c))
	for k := range c {
		mag[k] = 2 * cmplx.Abs(c[k]) / sum
	}
	return mag
}

// peakNear returns the largest magnitude within ±width bins of freq Hz.
func peakNear(mag []float64, freq, fs float64, width int) float64 {
	n := 2 * (len(mag) - 1)
	k := int(math.Round(freq * float64(n) / fs))
	m := 0.0
	for i := max(0, k-width); i <= min(len(mag)-1, k+width); i++ {
		m = math.Max(m, mag[i])
	}
	return m
}

func db(x float64) float64 { return 20 * math.Log10(x) }

// sine returns frames of a sine at freq Hz and peak amplitude amp, as
// float64.
func sine(frames int, freq, amp, fs float64) []float64 {
	x := make([]float64, frames)
	for i := range x {
		x[i] = amp * math.Sin(2*math.Pi*freq*float64(i)/fs)
	}
	return x
}

// buffer makes a buffer from float64 channels.
func buffer(chans ...[]float64) audio.Buffer {
	b := audio.NewBuffer(len(chans), len(chans[0]))
	for c, x := range chans {
		for i, v := range x {
			b[c][i] = float32(v)
		}
	}
	return b
}

// toneAmp returns the peak amplitude of the component of x at exactly freq
// Hz, from a Blackman-Harris-windowed DFT at that frequency (no bin
// scalloping).
func toneAmp(x []float64, freq, fs float64) float64 {
	n := len(x)
	var re, im, sum float64
	for i, v := range x {
		a := 2 * math.Pi * float64(i) / float64(n)
		w := 0.35875 - 0.48829*math.Cos(a) + 0.14128*math.Cos(2*a) - 0.01168*math.Cos(3*a)
		ph := 2 * math.Pi * freq * float64(i) / fs
		re += w * v * math.Cos(ph)
		im -= w * v * math.Sin(ph)
		sum += w
	}
	return 2 * math.Hypot(re, im) / sum
}

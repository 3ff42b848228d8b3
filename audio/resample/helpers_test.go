package resample

import (
	"math"
	"testing"

	"github.com/mixdown/mixdown/audio"
)

// convert resamples all of in through a new Resampler, feeding block input
// frames per Process call with an output buffer of outBlock frames.
func convert(t testing.TB, in audio.Buffer, inRate, outRate, block, outBlock int) audio.Buffer {
	t.Helper()
	r, err := New(inRate, outRate, in.Channels())
	if err != nil {
		t.Fatal(err)
	}
	return convertWith(t, r, in, block, outBlock)
}

func convertWith(t testing.TB, r *Resampler, in audio.Buffer, block, outBlock int) audio.Buffer {
	t.Helper()
	nc := in.Channels()
	want := OutputLength(int64(in.Frames()), r.InRate(), r.OutRate())
	out := audio.NewBuffer(nc, int(want)+1)
	sh, dh := make(audio.Buffer, nc), make(audio.Buffer, nc)
	n := 0
	dstAt := func() audio.Buffer { return out.Slice(dh, n, min(n+outBlock, out.Frames())) }
	for pos := 0; pos < in.Frames(); {
		end := min(pos+block, in.Frames())
		p, c := r.Process(dstAt(), in.Slice(sh, pos, end))
		if p == 0 && c == 0 {
			t.Fatalf("no progress at input %d output %d", pos, n)
		}
		n += p
		pos += c
	}
	for guard := 0; ; guard++ {
		p, done := r.Flush(dstAt())
		n += p
		if done {
			break
		}
		if guard > 1e7 {
			t.Fatal("Flush never done")
		}
	}
	if int64(n) != want {
		t.Fatalf("%d→%d Hz, %d frames: got %d output frames, want %d", r.InRate(), r.OutRate(), in.Frames(), n, want)
	}
	return out.Slice(make(audio.Buffer, nc), 0, n)
}

// sineFit fits a·sin(ωi) + b·cos(ωi) + dc to x[from:to] by least squares at
// the known ω = 2π·freq/rate and returns the fitted amplitude, phase (of a
// sine), and the residual RMS relative to the signal RMS in dB (THD+N).
func sineFit(x []float32, freq float64, rate, from, to int) (amp, phase, thdnDB float64) {
	w := 2 * math.Pi * freq / float64(rate)
	// Normal equations for [sin cos 1].
	var m [3][3]float64
	var v [3]float64
	for i := from; i < to; i++ {
		s, c := math.Sincos(w * float64(i))
		b := [3]float64{s, c, 1}
		for r := range 3 {
			for k := range 3 {
				m[r][k] += b[r] * b[k]
			}
			v[r] += b[r] * float64(x[i])
		}
	}
	sol := solve3(m, v)
	var res, sig float64
	for i := from; i < to; i++ {
		s, c := math.Sincos(w * float64(i))
		f := sol[0]*s + sol[1]*c + sol[2]
		d := float64(x[i]) - f
		res += d * d
		sig += f * f
	}
	amp = math.Hypot(sol[0], sol[1])
	phase = math.Atan2(sol[1], sol[0])
	return amp, phase, 10 * math.Log10(res/sig)
}

func solve3(m [3][3]float64, v [3]float64) [3]float64 {
	// Gaussian elimination with partial pivoting.
	for c := range 3 {
		p := c
		for r := c + 1; r < 3; r++ {
			if math.Abs(m[r][c]) > math.Abs(m[p][c]) {
				p = r
			}
		}
		m[c], m[p] = m[p], m[c]
		v[c], v[p] = v[p], v[c]
		for r := c + 1; r < 3; r++ {
			f := m[r][c] / m[c][c]
			for k := c; k < 3; k++ {
				m[r][k] -= f * m[c][k]
			}
			v[r] -= f * v[c]
		}
	}
	var x [3]float64
	for r := 2; r >= 0; r-- {
		s := v[r]
		for k := r + 1; k < 3; k++ {
			s -= m[r][k] * x[k]
		}
		x[r] = s / m[r][r]
	}
	return x
}

// edge returns the number of output frames at each end that the start-up
// and ending transients of an abruptly cut input can touch.
func edge(inRate, outRate int) int {
	r, err := New(inRate, outRate, 1)
	if err != nil {
		panic(err)
	}
	return int(math.Ceil(float64(r.Lookahead())*float64(outRate)/float64(inRate))) + 4
}

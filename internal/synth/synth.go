// Package synth generates deterministic test and demo signals: sines,
// noise, and music-like material (drums, bass, chords, a lead) whose
// statistics resemble produced music closely enough to exercise meters,
// codecs and processors. The same arguments always give the same samples.
package synth

import (
	"math"

	"github.com/mixdown/mixdown/audio"
)

// Rand is a small deterministic generator (SplitMix64).
type Rand struct{ s uint64 }

// NewRand returns a generator for seed.
func NewRand(seed uint64) *Rand { return &Rand{s: seed} }

// Uint64 returns the next 64 random bits.
func (r *Rand) Uint64() uint64 {
	r.s += 0x9E3779B97F4A7C15
	x := r.s
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
	x = (x ^ (x >> 27)) * 0x94D049BB133111EB
	return x ^ (x >> 31)
}

// Float returns a uniform value in [0, 1).
func (r *Rand) Float() float64 { return float64(r.Uint64()>>11) / (1 << 53) }

// Norm returns a standard normal value (Box-Muller).
func (r *Rand) Norm() float64 {
	u := r.Float()
	if u < 1e-300 {
		u = 1e-300
	}
	return math.Sqrt(-2*math.Log(u)) * math.Cos(2*math.Pi*r.Float())
}

// DBToAmp converts a level in dB to a linear amplitude.
func DBToAmp(db float64) float64 { return math.Pow(10, db/20) }

// Sine returns frames of a sine at freq Hz with peak amplitude amp (linear,
// full scale 1.0) and starting phase phase (radians), on every channel.
func Sine(rate, channels, frames int, freq, amp, phase float64) audio.Buffer {
	b := audio.NewBuffer(channels, frames)
	w := 2 * math.Pi * freq / float64(rate)
	for i := range b[0] {
		v := float32(amp * math.Sin(w*float64(i)+phase))
		for c := range b {
			b[c][i] = v
		}
	}
	return b
}

// WhiteNoise returns Gaussian white noise with the given RMS level (linear),
// independent on each channel.
func WhiteNoise(rate, channels, frames int, rms float64, seed uint64) audio.Buffer {
	_ = rate
	r := NewRand(seed)
	b := audio.NewBuffer(channels, frames)
	for c := range b {
		for i := range b[c] {
			b[c][i] = float32(rms * r.Norm())
		}
	}
	return b
}

// PinkNoise returns approximately 1/f noise (Paul Kellet's refined filter
// of white noise) scaled to the given RMS (linear), independent per channel.
func PinkNoise(rate, channels, frames int, rms float64, seed uint64) audio.Buffer {
	_ = rate
	r := NewRand(seed)
	b := audio.NewBuffer(channels, frames)
	for c := range b {
		var p pinkState
		var sum float64
		for i := range b[c] {
			v := p.step(r.Norm())
			b[c][i] = float32(v)
			sum += v * v
		}
		if n := len(b[c]); n > 0 && sum > 0 {
			g := float32(rms / math.Sqrt(sum/float64(n)))
			for i := range b[c] {
				b[c][i] *= g
			}
		}
	}
	return b
}

// Gain multiplies every sample of b by the linear factor g.
func Gain(b audio.Buffer, g float64) { b.Scale(g) }

// Concat joins buffers of equal channel count end to end.
func Concat(parts ...audio.Buffer) audio.Buffer {
	if len(parts) == 0 {
		return nil
	}
	n := 0
	for _, p := range parts {
		n += p.Frames()
	}
	out := audio.NewBuffer(parts[0].Channels(), n)
	off := 0
	for _, p := range parts {
		for c := range out {
			copy(out[c][off:], p[c])
		}
		off += p.Frames()
	}
	return out
}

// Silence returns a zeroed buffer.
func Silence(channels, frames int) audio.Buffer { return audio.NewBuffer(channels, frames) }

package synth

import (
	"io"
	"math"

	"github.com/mixdown/mixdown/audio"
)

// Stream is a generated signal of fixed length, produced block by block.
type Stream struct {
	rate, channels int
	frames, pos    int64
	next           func(i int64, ch int) float64
	pink           []pinkState
	rng            *Rand
	rms            float64
}

// Format returns the stream's format (32-bit float).
func (s *Stream) Format() audio.Format {
	return audio.Format{SampleRate: s.rate, Channels: s.channels, Type: audio.SampleFloat, Bits: 32}
}

// Length returns the length in frames.
func (s *Stream) Length() int64 { return s.frames }

// ReadFrames fills dst.
func (s *Stream) ReadFrames(dst audio.Buffer) (int, error) {
	n := int(min(int64(dst.Frames()), s.frames-s.pos))
	if n <= 0 {
		return 0, io.EOF
	}
	for i := 0; i < n; i++ {
		for c := range dst {
			dst[c][i] = float32(s.next(s.pos+int64(i), c))
		}
	}
	s.pos += int64(n)
	return n, nil
}

// NewSine streams a sine of peak amplitude amp (linear) at freq Hz on every
// channel.
func NewSine(rate, channels int, seconds, freq, amp float64) *Stream {
	w := 2 * math.Pi * freq / float64(rate)
	return &Stream{rate: rate, channels: channels, frames: int64(math.Round(seconds * float64(rate))),
		next: func(i int64, _ int) float64 { return amp * math.Sin(w*float64(i)) }}
}

// pinkState is the Kellet pink filter of PinkNoise.
type pinkState struct{ b [7]float64 }

func (p *pinkState) step(w float64) float64 {
	b := &p.b
	b[0] = 0.99886*b[0] + w*0.0555179
	b[1] = 0.99332*b[1] + w*0.0750759
	b[2] = 0.96900*b[2] + w*0.1538520
	b[3] = 0.86650*b[3] + w*0.3104856
	b[4] = 0.55000*b[4] + w*0.5329522
	b[5] = -0.7616*b[5] - w*0.0168980
	v := b[0] + b[1] + b[2] + b[3] + b[4] + b[5] + b[6] + w*0.5362
	b[6] = w * 0.115926
	return v
}

// NewPink streams independent pink noise per channel at roughly the given
// RMS (linear); the Kellet filter has a gain of about 3.3 for unit white
// noise, which is divided out.
func NewPink(rate, channels int, seconds, rms float64, seed uint64) *Stream {
	s := &Stream{rate: rate, channels: channels, frames: int64(math.Round(seconds * float64(rate))),
		pink: make([]pinkState, channels), rng: NewRand(seed), rms: rms}
	s.next = func(_ int64, c int) float64 { return s.rms / 3.3 * s.pink[c].step(s.rng.Norm()) }
	return s
}

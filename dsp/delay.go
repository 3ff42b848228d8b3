package dsp

import (
	"fmt"
	"math"

	"github.com/mixdown/mixdown/audio"
)

// DelayLine is a multichannel ring buffer of float32 samples.
//
// As a Processor it delays every channel by a whole number of frames (its
// Latency), for aligning parallel paths of the mix graph.
//
// Effects use it sample by sample instead: per frame they Write each
// channel's sample, Read or ReadFrac the past, and Advance. Delays count
// frames back from the current frame (delay 0 is the sample written this
// frame, delay 1 the one before) and may be read up to MaxDelay.
type DelayLine struct {
	frames int
	buf    [][]float32 // per channel, len mask+1 (a power of two)
	mask   int
	pos    int // absolute index of the current frame (masked on access)
}

// NewDelay returns a delay line of frames frames for channels channels.
// It panics if frames < 0, frames > 2^26 or channels < 1.
func NewDelay(frames, channels int) *DelayLine {
	if frames < 0 || frames > 1<<26 || channels < 1 {
		panic(fmt.Sprintf("dsp: NewDelay(%d, %d)", frames, channels))
	}
	d := &DelayLine{frames: frames}
	d.alloc(channels)
	return d
}

func (d *DelayLine) alloc(channels int) {
	size := 4
	for size < d.frames+4 {
		size *= 2
	}
	d.mask = size - 1
	d.buf = audio.NewBuffer(channels, size)
	d.pos = 0
}

// MaxDelay returns the delay the line was made for, in frames: the
// Processor's delay and the longest delay that Read and ReadFrac reach.
func (d *DelayLine) MaxDelay() int { return d.frames }

// Prepare clears the line and, if spec has a different channel count,
// reallocates it for spec.Channels.
func (d *DelayLine) Prepare(spec Spec) error {
	if err := spec.Validate(); err != nil {
		return err
	}
	if spec.Channels != len(d.buf) {
		d.alloc(spec.Channels)
	}
	d.Reset()
	return nil
}

// Process delays buf by MaxDelay frames.
func (d *DelayLine) Process(buf audio.Buffer) {
	if d.frames == 0 {
		return
	}
	mask, lag := d.mask, d.frames
	for c, x := range buf {
		r := d.buf[c]
		p := d.pos
		for i, v := range x {
			r[p&mask] = v
			x[i] = r[(p-lag)&mask]
			p++
		}
	}
	d.pos = (d.pos + buf.Frames()) & mask
}

// Reset fills the line with silence.
func (d *DelayLine) Reset() {
	for _, r := range d.buf {
		clear(r)
	}
	d.pos = 0
}

// Latency returns MaxDelay, in frames.
func (d *DelayLine) Latency() int { return d.frames }

// Write stores x as channel ch's sample of the current frame.
func (d *DelayLine) Write(ch int, x float32) { d.buf[ch][d.pos&d.mask] = x }

// Advance moves to the next frame.
func (d *DelayLine) Advance() { d.pos = (d.pos + 1) & d.mask }

// Read returns channel ch's sample delay frames before the current one
// (0 ≤ delay ≤ MaxDelay; other values are clamped).
func (d *DelayLine) Read(ch, delay int) float32 {
	delay = min(max(delay, 0), d.frames)
	return d.buf[ch][(d.pos-delay)&d.mask]
}

// ReadFrac returns channel ch's signal delaySamples frames before the
// current frame, interpolated between samples by a third-order
// (four-point) Lagrange polynomial through the samples at delays ⌊d⌋-1,
// ⌊d⌋, ⌊d⌋+1 and ⌊d⌋+2. delaySamples is clamped to [1, MaxDelay].
//
// Lagrange interpolation needs no state, so the delay may change every
// sample (chorus, flanger, pitch effects) without transients, and it is
// exact at whole delays. Between samples it is a gentle low-pass, worst
// half-way: at a delay of n+½ frames the gain is -0.07 dB at fs/8, -1.1 dB
// at fs/4 and -5.3 dB at 3fs/8 (all-pass interpolation would keep the magnitude
// but has state and rings when modulated). When d < 2 the current frame is
// one of the four samples: write it first, or in a feedback loop (read
// before write) keep d ≥ 2.
func (d *DelayLine) ReadFrac(ch int, delaySamples float64) float64 {
	if !(delaySamples >= 1) {
		delaySamples = 1
	}
	delaySamples = math.Min(delaySamples, float64(d.frames))
	n := int(delaySamples)
	f := delaySamples - float64(n)
	r, m, p := d.buf[ch], d.mask, d.pos-n
	ym1 := float64(r[(p+1)&m]) // delay n-1
	y0 := float64(r[p&m])
	y1 := float64(r[(p-1)&m])
	y2 := float64(r[(p-2)&m])
	// Lagrange basis for nodes -1, 0, 1, 2 evaluated at f.
	fm1, fm2, fp1 := f-1, f-2, f+1
	return -f*fm1*fm2/6*ym1 + fp1*fm1*fm2/2*y0 - fp1*f*fm2/2*y1 + fp1*f*fm1/6*y2
}

package dsp

import (
	"fmt"
	"math"

	"github.com/mixdown/mixdown/audio"
)

// Crossover splits a signal into len(freqs)+1 bands with 4th-order
// (24 dB/oct) Linkwitz-Riley filters, for multiband processing.
//
// At each crossover frequency fc the low-pass and high-pass are each two
// Butterworth second-order sections (Q = 1/√2, bilinear, prewarped at fc);
// they are -6 dB at fc and their sum is the second-order all-pass with the
// same poles, exactly (the identity LP² + HP² = AP holds for the analogue
// prototypes and survives the bilinear transform). The splits form a tree:
// the input is split at the lowest frequency, its high part at the next,
// and so on. A band that leaves the tree early also passes through the
// all-passes of the crossovers it did not go through, so every band has
// the same phase contribution from each crossover and the bands sum to the
// all-pass AP(f1)·AP(f2)·AP(f3): a flat magnitude response.
type Crossover struct {
	freqs []float64
	fs    float64
	// low[i] is the low-pass of split i followed by the all-passes of the
	// splits above it; high[i] is the high-pass of split i.
	low, high []*sosBank
}

// NewCrossover returns a Linkwitz-Riley 24 dB/oct crossover splitting into
// len(freqsHz)+1 bands whose sum is an all-pass (flat magnitude). There
// must be 1 to 3 frequencies, strictly ascending, each from 10 Hz to 0.45 ×
// sampleRate; channels is the channel count of the buffers Split receives.
func NewCrossover(freqsHz []float64, channels int, sampleRate float64) (*Crossover, error) {
	if !(sampleRate >= audio.MinSampleRate && sampleRate <= audio.MaxSampleRate) {
		return nil, fmt.Errorf("dsp: crossover sample rate %g Hz out of range", sampleRate)
	}
	if channels < 1 || channels > audio.MaxChannels {
		return nil, fmt.Errorf("dsp: crossover with %d channels (1 to %d)", channels, audio.MaxChannels)
	}
	if len(freqsHz) < 1 || len(freqsHz) > 3 {
		return nil, fmt.Errorf("dsp: crossover with %d frequencies (1 to 3)", len(freqsHz))
	}
	for i, f := range freqsHz {
		if !(f >= 10 && f <= 0.45*sampleRate) {
			return nil, fmt.Errorf("dsp: crossover frequency %d: %g Hz out of range (10 Hz to 0.45 × sample rate = %g Hz)", i+1, f, 0.45*sampleRate)
		}
		if i > 0 && !(f > freqsHz[i-1]) {
			return nil, fmt.Errorf("dsp: crossover frequencies %g and %g Hz not ascending", freqsHz[i-1], f)
		}
	}
	x := &Crossover{freqs: append([]float64(nil), freqsHz...), fs: sampleRate}
	n := len(freqsHz)
	for i, f := range freqsHz {
		lp := LowPass(f, math.Sqrt2/2, sampleRate)
		hp := HighPass(f, math.Sqrt2/2, sampleRate)
		lc := []Coefs{lp, lp}
		for _, g := range freqsHz[i+1 : n] {
			lc = append(lc, AllPass(g, math.Sqrt2/2, sampleRate))
		}
		hc := []Coefs{hp, hp}
		x.low = append(x.low, newSOSBank(channels, lc))
		x.high = append(x.high, newSOSBank(channels, hc))
	}
	return x, nil
}

// Bands returns the number of bands, len(freqs)+1.
func (x *Crossover) Bands() int { return len(x.freqs) + 1 }

// Split writes band i of in into bands[i], lowest band first. Every
// bands[i] must have the shape of in; in may be one of them. Split does not
// allocate. It panics on a shape mismatch.
func (x *Crossover) Split(in audio.Buffer, bands []audio.Buffer) {
	if len(bands) != x.Bands() {
		panic(fmt.Sprintf("dsp: Crossover.Split with %d band buffers, want %d", len(bands), x.Bands()))
	}
	if len(in) != len(x.low[0].state) {
		panic(fmt.Sprintf("dsp: Crossover.Split with %d channels, want %d", len(in), len(x.low[0].state)))
	}
	for _, b := range bands {
		if len(b) != len(in) || b.Frames() != in.Frames() {
			panic("dsp: Crossover.Split band buffer shape differs from the input's")
		}
	}
	// Split i takes cur (the input, then the high part of the previous
	// split) into bands[i] and bands[i+1]. Both copies are made before
	// either is filtered, so in may alias any band.
	cur := in
	for i := range x.low {
		audio.Copy(bands[i], cur)
		audio.Copy(bands[i+1], cur)
		x.low[i].process(bands[i])
		x.high[i].process(bands[i+1])
		cur = bands[i+1]
	}
}

// Reset clears the filter state.
func (x *Crossover) Reset() {
	for i := range x.low {
		x.low[i].reset()
		x.high[i].reset()
	}
}

// Response returns the complex response of band at freq Hz.
func (x *Crossover) Response(band int, freq float64) complex128 {
	if band < 0 || band >= x.Bands() {
		panic(fmt.Sprintf("dsp: Crossover.Response band %d of %d", band, x.Bands()))
	}
	h := complex(1, 0)
	for i := 0; i < band; i++ {
		h *= responseOf(x.high[i].coefs, freq, x.fs)
	}
	if band < len(x.freqs) {
		h *= responseOf(x.low[band].coefs, freq, x.fs)
	}
	return h
}

// Frequencies returns the crossover frequencies in Hz.
func (x *Crossover) Frequencies() []float64 { return append([]float64(nil), x.freqs...) }

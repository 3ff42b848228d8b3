// Package dsptest is the conformance suite every dsp.Processor passes. A
// processor's tests call Run with a factory; Run checks the dsp.Processor
// contract on signals that exercise it (music-like material, noise, an
// impulse, full-scale square waves, silence):
//
//   - block-size independence: output is bit-identical whether the stream is
//     processed 1, 7, 64 or MaxFrames frames at a time;
//   - no allocation in Process (testing.AllocsPerRun);
//   - Reset: after Reset a processor behaves exactly like a new one;
//   - determinism: two instances give identical output;
//   - finite output for finite input, and no subnormal values in the output
//     after a signal has decayed into silence;
//   - Latency is non-negative and stable.
//
// Linear processors can also be checked for their latency claim with
// CheckLatency.
package dsptest

import (
	"fmt"
	"math"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/dsp"
	"github.com/mixdown/mixdown/internal/synth"
)

// Factory returns a new, configured but unprepared processor.
type Factory func() dsp.Processor

// Options adjust Run.
type Options struct {
	// Specs to test; nil means stereo at 44.1 and 96 kHz, mono at 48 kHz,
	// MaxFrames 512.
	Specs []dsp.Spec
	// Seconds of signal per check (default 3).
	Seconds float64
}

// Signal returns the test programme for spec: music-like material, then a
// full-scale square wave, white noise, an impulse and one second of
// silence, frames frames long in all, on every channel (channels beyond the
// second get the left channel delayed).
func Signal(spec dsp.Spec, frames int) audio.Buffer {
	rate := int(spec.SampleRate)
	b := audio.NewBuffer(spec.Channels, frames)
	song := synth.SongBuffer(rate, float64(frames)/spec.SampleRate, 11)
	noise := synth.WhiteNoise(rate, 1, frames, 0.3, 5)[0]
	q := frames / 5
	for c := range b {
		src := song[min(c, 1)]
		for i := range b[c] {
			var v float32
			switch {
			case i < 2*q:
				j := i - 3*c
				if j >= 0 && j < len(src) {
					v = src[j]
				}
			case i < 3*q:
				if (i/97)%2 == 0 {
					v = 1
				} else {
					v = -1
				}
			case i < 4*q-rate/2:
				v = noise[i]
			case i == 4*q-rate/4:
				v = 1
			}
			b[c][i] = v
		}
	}
	return b
}

// process runs p over src in blocks of block frames and returns the output.
func process(p dsp.Processor, src audio.Buffer, block int) audio.Buffer {
	out := audio.NewBuffer(src.Channels(), src.Frames())
	audio.Copy(out, src)
	hdr := make(audio.Buffer, src.Channels())
	for off := 0; off < out.Frames(); off += block {
		p.Process(out.Slice(hdr, off, min(off+block, out.Frames())))
	}
	return out
}

func prepare(f Factory, spec dsp.Spec) (dsp.Processor, error) {
	p := f()
	if err := p.Prepare(spec); err != nil {
		return nil, fmt.Errorf("Prepare(%+v): %w", spec, err)
	}
	return p, nil
}

func equal(a, b audio.Buffer) (bool, string) {
	for c := range a {
		for i := range a[c] {
			if math.Float32bits(a[c][i]) != math.Float32bits(b[c][i]) {
				return false, fmt.Sprintf("channel %d frame %d: %g vs %g", c, i, a[c][i], b[c][i])
			}
		}
	}
	return true, ""
}

// Run checks the dsp.Processor contract for processors made by f, one
// subtest per spec.
func Run(t *testing.T, f Factory, opt Options) {
	t.Helper()
	specs := opt.Specs
	if specs == nil {
		specs = []dsp.Spec{{SampleRate: 44100, Channels: 2, MaxFrames: 512}, {SampleRate: 96000, Channels: 2, MaxFrames: 512}, {SampleRate: 48000, Channels: 1, MaxFrames: 512}}
	}
	for _, spec := range specs {
		t.Run(fmt.Sprintf("%gHz_%dch", spec.SampleRate, spec.Channels), func(t *testing.T) {
			for _, err := range Check(f, spec, opt.Seconds) {
				t.Error(err)
			}
		})
	}
}

// Check runs the conformance checks for one spec and returns the problems
// found (none for a conforming processor). seconds is the length of the test
// signal (0 means 3).
func Check(f Factory, spec dsp.Spec, seconds float64) []error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if seconds <= 0 {
		seconds = 3
	}
	frames := int(seconds * spec.SampleRate)
	sig := Signal(spec, frames)
	p, err := prepare(f, spec)
	if err != nil {
		return []error{err}
	}
	ref := process(p, sig, spec.MaxFrames)

	for _, block := range []int{1, 7, 64} {
		if block > spec.MaxFrames {
			continue
		}
		q, err := prepare(f, spec)
		if err != nil {
			return []error{err}
		}
		if ok, where := equal(ref, process(q, sig, block)); !ok {
			fail("block size %d changes the output (%s)", block, where)
		}
	}

	p, _ = prepare(f, spec)
	lat := p.Latency()
	if lat < 0 {
		fail("Latency() = %d", lat)
	}
	// Reset: dirty the state with a signal cut off mid-music (so the state
	// is far from silent), reset, compare with a new processor.
	process(p, sig.Slice(make(audio.Buffer, len(sig)), 0, frames/4), spec.MaxFrames)
	p.Reset()
	if ok, where := equal(ref, process(p, sig, spec.MaxFrames)); !ok {
		fail("after Reset the output differs from a new processor's (%s)", where)
	}
	if p.Latency() != lat {
		fail("Latency changed from %d to %d", lat, p.Latency())
	}

channels:
	for c := range ref {
		for i, v := range ref[c] {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				fail("non-finite output %v at channel %d frame %d", v, c, i)
				break channels
			}
		}
		// The last quarter second is silence after everything decayed.
		for i := frames - int(spec.SampleRate)/4; i < frames; i++ {
			if v := ref[c][i]; v != 0 && math.Abs(float64(v)) < 1.1754944e-38 {
				fail("subnormal output %g at channel %d frame %d", v, c, i)
				break channels
			}
		}
	}

	buf := audio.NewBuffer(spec.Channels, spec.MaxFrames)
	audio.Copy(buf, sig)
	if allocs := testing.AllocsPerRun(20, func() { p.Process(buf) }); allocs != 0 {
		fail("Process allocates (%.1f allocations per call)", allocs)
	}
	return errs
}

// CheckLatency verifies a linear processor's latency claim: a band-limited
// pulse through it must come out with its peak Latency() frames later
// (within tolerance frames).
func CheckLatency(t *testing.T, f Factory, spec dsp.Spec, tolerance float64) {
	t.Helper()
	p, err := prepare(f, spec)
	if err != nil {
		t.Fatal(err)
	}
	n := int(spec.SampleRate) / 2
	at := n / 4
	b := audio.NewBuffer(spec.Channels, n)
	for c := range b {
		for i := range b[c] {
			x := float64(i - at)
			b[c][i] = float32(math.Exp(-x * x / 200)) // Gaussian pulse, σ = 10 frames
		}
	}
	out := process(p, b, spec.MaxFrames)
	// Peak by parabolic interpolation around the largest sample.
	k := 0
	for i, v := range out[0] {
		if math.Abs(float64(v)) > math.Abs(float64(out[0][k])) {
			k = i
		}
	}
	peak := float64(k)
	if k > 0 && k+1 < n {
		y0, y1, y2 := float64(out[0][k-1]), float64(out[0][k]), float64(out[0][k+1])
		if d := y0 - 2*y1 + y2; d != 0 {
			peak += 0.5 * (y0 - y2) / d
		}
	}
	if got := peak - float64(at); math.Abs(got-float64(p.Latency())) > tolerance {
		t.Errorf("pulse delayed by %.2f frames, Latency() says %d", got, p.Latency())
	}
}

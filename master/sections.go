package master

import (
	"fmt"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/dsp"
)

// sections runs the chain's static filters (the subsonic high-pass, the
// hum notches, the tonal EQ and, in stereo, the width's crossover: all
// second-order sections) as one dsp.CascadeBatch, four signals to a
// vector, each signal through all its sections in float64. Linked,
// chains[0] filters every channel. In mid/side mode (stereo only)
// chains[0] filters the mid signal (L+R)/2 and chains[1] the side (L−R)/2;
// filters that are alike on both channels, such as the high-pass, act the
// same on left and right as on mid and side, being linear. The side is
// then scaled by sideGain (the width) before left and right are made
// again. Every filter must be a static cascade (dsp.IsStaticCascade once
// prepared) with no latency of its own; they only supply coefficients
// (the batch runs copies), so one instance may appear in several chains.
//
// With only one or two signals a vector would run half empty, so each
// signal's sections are cut in two halves that run side by side: the
// first half on the block coming in, the second on the first half's output
// of MaxFrames frames earlier (kept in a ring; rounded to float32 there).
// The stage then has a latency of MaxFrames frames and does half the
// vector work.
type sections struct {
	chains   [][]dsp.Processor
	ms       bool
	sideGain float32

	batch  *dsp.CascadeBatch
	fixed  [][]dsp.Processor // the batch's chains (dsp.Sections)
	nc     int
	lanes  int            // signals: channels, or mid and side
	split  bool           // halves side by side, latency delay
	delay  int            // frames, when split
	in     audio.Buffer   // the lanes' signals (mid/side mode)
	ring   audio.Buffer   // per lane: first-half output waiting for the second half
	rp     int            // ring position of the oldest frame
	second audio.Buffer   // per lane: the second half's block
	bufs   []audio.Buffer // batch arguments, one mono buffer per chain
	hdrs   []audio.Buffer
}

// splitMinSections is the shortest cascade worth cutting in two.
const splitMinSections = 8

func (s *sections) Prepare(spec dsp.Spec) error {
	if err := spec.Validate(); err != nil {
		return err
	}
	lane := spec
	if s.ms {
		if spec.Channels != 2 || len(s.chains) != 2 {
			return fmt.Errorf("mid/side filtering needs stereo, got %d channels", spec.Channels)
		}
		lane.Channels = 1
	} else if len(s.chains) != 1 {
		return fmt.Errorf("linked filtering takes one chain, got %d", len(s.chains))
	}
	s.nc = spec.Channels
	// Each lane's sections, in order.
	var perChain [][]dsp.Coefs
	for _, c := range s.chains {
		var cs []dsp.Coefs
		for _, p := range c {
			if err := p.Prepare(lane); err != nil {
				return err
			}
			if p.Latency() != 0 {
				return fmt.Errorf("%T has latency", p)
			}
			pc, ok := dsp.StaticSections(p)
			if !ok {
				return fmt.Errorf("%T is not a static cascade", p)
			}
			cs = append(cs, pc...)
		}
		perChain = append(perChain, cs)
	}
	var laneCoefs [][]dsp.Coefs
	if s.ms {
		laneCoefs = perChain
	} else {
		for range s.nc {
			laneCoefs = append(laneCoefs, perChain[0])
		}
	}
	s.lanes = len(laneCoefs)
	shortest := len(laneCoefs[0])
	for _, cs := range laneCoefs {
		shortest = min(shortest, len(cs))
	}
	s.split = s.lanes <= 2 && shortest >= splitMinSections
	mono := dsp.Spec{SampleRate: spec.SampleRate, Channels: 1, MaxFrames: spec.MaxFrames}
	fixed := func(cs []dsp.Coefs) ([]dsp.Processor, error) {
		p := dsp.NewSections(func(float64) []dsp.Coefs { return cs })
		return []dsp.Processor{p}, p.Prepare(mono)
	}
	var chains [][]dsp.Processor
	for _, cs := range laneCoefs {
		if s.split {
			cs = cs[:(len(cs)+1)/2]
		}
		c, err := fixed(cs)
		if err != nil {
			return err
		}
		chains = append(chains, c)
	}
	if s.split {
		for _, cs := range laneCoefs {
			c, err := fixed(cs[(len(cs)+1)/2:])
			if err != nil {
				return err
			}
			chains = append(chains, c)
		}
		s.delay = spec.MaxFrames
		s.ring = audio.NewBuffer(s.lanes, s.delay)
		s.second = audio.NewBuffer(s.lanes, spec.MaxFrames)
	}
	s.fixed = chains
	if err := s.newBatch(); err != nil {
		return err
	}
	if s.ms {
		s.in = audio.NewBuffer(2, spec.MaxFrames)
	}
	s.bufs = make([]audio.Buffer, len(chains))
	s.hdrs = make([]audio.Buffer, len(chains))
	for i := range s.hdrs {
		s.hdrs[i] = make(audio.Buffer, 1)
	}
	s.rp = 0
	return nil
}

func (s *sections) Process(buf audio.Buffer) {
	n := buf.Frames()
	// The lanes' signals.
	sig := buf
	if s.ms {
		l, r := buf[0][:n], buf[1][:n]
		m, sd := s.in[0][:n], s.in[1][:n]
		for i := range l {
			m[i] = (l[i] + r[i]) * 0.5
			sd[i] = (l[i] - r[i]) * 0.5
		}
		sig = s.in
	}
	for l := range s.lanes {
		s.hdrs[l][0] = sig[l][:n]
		s.bufs[l] = s.hdrs[l]
	}
	out := sig
	if s.split {
		// The second halves take the ring's oldest n frames; the first
		// halves' output replaces them.
		for l := range s.lanes {
			x := s.second[l][:n]
			ringRead(x, s.ring[l], s.rp)
			s.hdrs[s.lanes+l][0] = x
			s.bufs[s.lanes+l] = s.hdrs[s.lanes+l]
		}
		s.batch.Process(s.bufs)
		for l := range s.lanes {
			ringWrite(s.ring[l], s.rp, sig[l][:n])
		}
		s.rp = (s.rp + n) % s.delay
		out = s.second
	} else {
		s.batch.Process(s.bufs)
	}
	if !s.ms {
		if s.split {
			for c := range buf {
				copy(buf[c][:n], out[c][:n])
			}
		}
		return
	}
	g := s.sideGain
	l, r := buf[0][:n], buf[1][:n]
	m, sd := out[0][:n], out[1][:n]
	for i := range l {
		v := sd[i] * g
		l[i] = m[i] + v
		r[i] = m[i] - v
	}
}

// ringRead copies len(x) frames of ring from position at (wrapping).
func ringRead(x, ring []float32, at int) {
	k := copy(x, ring[at:])
	copy(x[k:], ring)
}

// ringWrite copies x into ring from position at (wrapping).
func ringWrite(ring []float32, at int, x []float32) {
	k := copy(ring[at:], x)
	copy(ring, x[k:])
}

func (s *sections) Reset() {
	// The chains' processors only supplied coefficients; the state lives
	// in the batch and the ring.
	for l := range s.ring {
		clear(s.ring[l])
	}
	s.rp = 0
	for _, c := range s.fixed {
		c[0].Reset()
	}
	if err := s.newBatch(); err != nil {
		panic(fmt.Sprintf("master: internal error: %v", err)) // the same chains were accepted by Prepare
	}
}

// newBatch hands the fixed sections' present state to a new batch.
func (s *sections) newBatch() error {
	ones := make([]int, len(s.fixed))
	for i := range ones {
		ones[i] = 1
	}
	b, err := dsp.NewCascadeBatch(s.fixed, ones)
	if err != nil {
		return err
	}
	s.batch = b
	return nil
}

func (s *sections) Latency() int {
	if s.split {
		return s.delay
	}
	return 0
}

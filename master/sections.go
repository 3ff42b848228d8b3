package master

import (
	"fmt"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/dsp"
)

// sections runs the chain's static filters (the subsonic high-pass, the
// hum notches and the tonal EQ, all second-order sections) as one
// dsp.CascadeBatch: every channel through all its sections in one pass,
// four channels to a vector, the signal in float64 from the first section
// to the last. Linked, chains[0] filters every channel. In mid/side mode
// (stereo only) chains[0] filters the mid signal (L+R)/2 and chains[1]
// the side (L−R)/2; filters that are alike on both channels, such as the
// high-pass, act the same on left and right as on mid and side, being
// linear. The side is then scaled by sideGain (the width) before left and
// right are made again. Every filter must be a static cascade
// (dsp.IsStaticCascade once prepared) with no latency.
type sections struct {
	chains   [][]dsp.Processor
	ms       bool
	sideGain float32
	batch    *dsp.CascadeBatch
	nc       int
	m, s     audio.Buffer // mid and side scratch (mid/side mode)
	hm, hs   audio.Buffer
	bufs     []audio.Buffer
}

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
		s.m, s.s = audio.NewBuffer(1, spec.MaxFrames), audio.NewBuffer(1, spec.MaxFrames)
		s.hm, s.hs = make(audio.Buffer, 1), make(audio.Buffer, 1)
	} else if len(s.chains) != 1 {
		return fmt.Errorf("linked filtering takes one chain, got %d", len(s.chains))
	}
	s.nc = spec.Channels
	for _, c := range s.chains {
		for _, p := range c {
			if err := p.Prepare(lane); err != nil {
				return err
			}
			if p.Latency() != 0 {
				return fmt.Errorf("%T has latency", p)
			}
		}
	}
	return s.newBatch()
}

// newBatch hands the filters' present state to a new batch.
func (s *sections) newBatch() error {
	chans := make([]int, len(s.chains))
	for i := range chans {
		chans[i] = s.nc
		if s.ms {
			chans[i] = 1
		}
	}
	b, err := dsp.NewCascadeBatch(s.chains, chans)
	if err != nil {
		return err
	}
	s.batch = b
	return nil
}

func (s *sections) Process(buf audio.Buffer) {
	if !s.ms {
		s.bufs = append(s.bufs[:0], buf)
		s.batch.Process(s.bufs)
		return
	}
	n := buf.Frames()
	m, sd := s.m.Head(s.hm, n)[0], s.s.Head(s.hs, n)[0]
	l, r := buf[0][:n], buf[1][:n]
	for i := range l {
		m[i] = (l[i] + r[i]) * 0.5
		sd[i] = (l[i] - r[i]) * 0.5
	}
	s.bufs = append(s.bufs[:0], s.hm, s.hs)
	s.batch.Process(s.bufs)
	g := s.sideGain
	for i := range l {
		v := sd[i] * g
		l[i] = m[i] + v
		r[i] = m[i] - v
	}
}

func (s *sections) Reset() {
	for _, c := range s.chains {
		for _, p := range c {
			p.Reset()
		}
	}
	if err := s.newBatch(); err != nil {
		panic(fmt.Sprintf("master: internal error: %v", err)) // the filters were accepted by Prepare
	}
}

func (s *sections) Latency() int { return 0 }

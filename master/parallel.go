package master

import (
	"fmt"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/dsp"
)

// worker runs one function at a time on its own goroutine, so a stage can
// split a block's work in two halves that run on both cores. The
// functions are made once (no allocation per block).
type worker struct {
	in  chan func()
	out chan struct{}
}

func newWorker() *worker {
	w := &worker{in: make(chan func()), out: make(chan struct{})}
	go func() {
		for f := range w.in {
			f()
			w.out <- struct{}{}
		}
	}()
	return w
}

// both runs a here and b on the worker, and returns when both are done.
func (w *worker) both(a, b func()) {
	w.in <- b
	a()
	<-w.out
}

func (w *worker) close() { close(w.in) }

// channelSplit runs an independent copy of a processor on every channel,
// the even channels on the calling goroutine and the odd ones on a worker.
// Each channel's result is what the processor alone would give, so the
// output does not depend on the scheduling.
type channelSplit struct {
	mk    func() dsp.Processor
	procs []dsp.Processor
	hdrs  []audio.Buffer
	w     *worker
	odd   func()
	even  func()
}

func newChannelSplit(mk func() dsp.Processor) *channelSplit { return &channelSplit{mk: mk} }

func (s *channelSplit) Prepare(spec dsp.Spec) error {
	if err := spec.Validate(); err != nil {
		return err
	}
	mono := spec
	mono.Channels = 1
	s.procs, s.hdrs = nil, nil
	for c := 0; c < spec.Channels; c++ {
		p := s.mk()
		if err := p.Prepare(mono); err != nil {
			return fmt.Errorf("channel %d: %w", c+1, err)
		}
		s.procs = append(s.procs, p)
		s.hdrs = append(s.hdrs, make(audio.Buffer, 1))
	}
	s.even = func() { s.run(0) }
	s.odd = func() { s.run(1) }
	if spec.Channels > 1 && s.w == nil {
		s.w = newWorker()
	}
	return nil
}

func (s *channelSplit) run(from int) {
	for c := from; c < len(s.procs); c += 2 {
		s.procs[c].Process(s.hdrs[c])
	}
}

func (s *channelSplit) Process(buf audio.Buffer) {
	for c := range s.procs {
		s.hdrs[c][0] = buf[c]
	}
	if s.w == nil {
		s.run(0)
		return
	}
	s.w.both(s.even, s.odd)
}

func (s *channelSplit) Reset() {
	for _, p := range s.procs {
		p.Reset()
	}
}

func (s *channelSplit) Latency() int {
	if len(s.procs) == 0 {
		return 0
	}
	return s.procs[0].Latency()
}

func (s *channelSplit) close() {
	if s.w != nil {
		s.w.close()
		s.w = nil
	}
}

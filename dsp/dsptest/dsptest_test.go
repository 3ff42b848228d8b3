package dsptest

import (
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/dsp"
)

// delay is a minimal processor for testing the suite itself: an integer
// delay, optionally broken in one of the ways the suite must catch.
type delay struct {
	n        int
	buf      [][]float32
	pos      int
	allocate bool // break: allocate in Process
	blocky   bool // break: output depends on block size
	noReset  bool // break: Reset does nothing
}

func (d *delay) Prepare(s dsp.Spec) error {
	d.buf = make([][]float32, s.Channels)
	for c := range d.buf {
		d.buf[c] = make([]float32, d.n+1)
	}
	return nil
}

func (d *delay) Process(b audio.Buffer) {
	if d.allocate {
		d.buf = append(d.buf[:len(d.buf):len(d.buf)], nil)[:len(d.buf)]
	}
	for i := range b.Frames() {
		for c := range b {
			d.buf[c][d.pos] = b[c][i]
			b[c][i] = d.buf[c][(d.pos+1)%(d.n+1)]
		}
		d.pos = (d.pos + 1) % (d.n + 1)
	}
	if d.blocky && b.Frames() > 0 {
		b[0][0] *= 0.5
	}
}

func (d *delay) Reset() {
	if d.noReset {
		return
	}
	for c := range d.buf {
		clear(d.buf[c])
	}
	d.pos = 0
}

func (d *delay) Latency() int { return d.n }

func TestSuitePassesACorrectProcessor(t *testing.T) {
	Run(t, func() dsp.Processor { return &delay{n: 10} }, Options{Seconds: 1})
	CheckLatency(t, func() dsp.Processor { return &delay{n: 10} }, dsp.Spec{SampleRate: 48000, Channels: 2, MaxFrames: 64}, 0.01)
}

// The suite must fail broken processors.
func TestSuiteCatchesBrokenProcessors(t *testing.T) {
	spec := dsp.Spec{SampleRate: 48000, Channels: 1, MaxFrames: 256}
	for name, f := range map[string]Factory{
		"allocates": func() dsp.Processor { return &delay{n: 3, allocate: true} },
		"blocky":    func() dsp.Processor { return &delay{n: 3, blocky: true} },
		"no reset":  func() dsp.Processor { return &delay{n: 3, noReset: true} },
	} {
		errs := Check(f, spec, 0.5)
		if len(errs) == 0 {
			t.Errorf("suite passed a processor that %s", name)
		}
		t.Logf("%s: %v", name, errs)
	}
}

package analysis

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/internal/synth"
)

// run analyzes b (rate Hz) in blocks of block frames with opt, whose
// SampleRate and Channels are filled in from b.
func run(t testing.TB, b audio.Buffer, rate int, opt Options, block int) *Report {
	t.Helper()
	opt.SampleRate, opt.Channels = rate, b.Channels()
	a, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	hdr := make(audio.Buffer, b.Channels())
	for off := 0; off < b.Frames(); off += block {
		a.Write(b.Slice(hdr, off, min(off+block, b.Frames())))
	}
	return a.Report()
}

// song returns the synth song at −3 dB (peaks below −1 dBTP, so the clean
// song makes no true-peak finding).
func song(rate int, seconds float64) audio.Buffer {
	b := synth.SongBuffer(rate, seconds, 1)
	synth.Gain(b, synth.DBToAmp(-3))
	return b
}

// add mixes src into dst (same shape).
func add(dst, src audio.Buffer) audio.Buffer {
	for c := range dst {
		for i := range dst[c] {
			dst[c][i] += src[c][i]
		}
	}
	return dst
}

// clone deep-copies a buffer.
func clone(b audio.Buffer) audio.Buffer {
	out := audio.NewBuffer(b.Channels(), b.Frames())
	audio.Copy(out, b)
	return out
}

func near(t testing.TB, what string, got, want, tol float64) {
	t.Helper()
	if !(math.Abs(got-want) <= tol) {
		t.Errorf("%s = %.6g, want %.6g ± %g", what, got, want, tol)
	} else {
		t.Logf("%s = %.6g (want %.6g ± %g)", what, got, want, tol)
	}
}

// hasFinding reports whether r has a finding with the code.
func hasFinding(r *Report, code string) *Finding {
	for i := range r.Findings {
		if r.Findings[i].Code == code {
			return &r.Findings[i]
		}
	}
	return nil
}

func jsonOf(t testing.TB, r *Report) string {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

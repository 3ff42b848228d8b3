package fx

import (
	"testing"
	"unsafe"

	"github.com/mixdown/mixdown/dsp"
	"github.com/mixdown/mixdown/dsp/dsptest"
	"github.com/mixdown/mixdown/internal/synth"
)

// The assembly kernel reads fdn fields at fixed offsets.
func TestFDNLayout(t *testing.T) {
	var n fdn
	for name, got := range map[string][2]uintptr{
		"b0": {unsafe.Offsetof(n.b0), 0}, "b1": {unsafe.Offsetof(n.b1), 128}, "b2": {unsafe.Offsetof(n.b2), 256},
		"a1": {unsafe.Offsetof(n.a1), 384}, "a2": {unsafe.Offsetof(n.a2), 512},
		"s1": {unsafe.Offsetof(n.s1), 640}, "s2": {unsafe.Offsetof(n.s2), 768},
		"modStart": {unsafe.Offsetof(n.modStart), 896}, "modSlope": {unsafe.Offsetof(n.modSlope), 928},
		"prev": {unsafe.Offsetof(n.prev), 960}, "sign1": {unsafe.Offsetof(n.sign1), 992}, "sign2": {unsafe.Offsetof(n.sign2), 1024},
		"delay": {unsafe.Offsetof(n.delay), 1056}, "base": {unsafe.Offsetof(n.base), 1120},
		"mask": {unsafe.Offsetof(n.mask), 1184}, "half": {unsafe.Offsetof(n.half), 1200}, "one": {unsafe.Offsetof(n.one), 1208},
		"guard": {unsafe.Offsetof(n.guard), 1216}, "w": {unsafe.Offsetof(n.w), 1224}, "phase": {unsafe.Offsetof(n.phase), 1232},
		"memBase": {unsafe.Offsetof(n.memBase), 1240},
	} {
		if got[0] != got[1] {
			t.Errorf("fdn.%s at offset %d, the assembly expects %d", name, got[0], got[1])
		}
	}
}

// The assembly and Go kernels agree to rounding (the assembly fuses
// multiply-adds), with and without modulation, and the result passes the
// conformance suite either way.
func TestFDNKernelsAgree(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 kernel on this machine")
	}
	const fs = 44100
	in := synth.SongBuffer(fs, 3, 5)
	for _, mod := range []float64{0, 0.5} {
		p := DefaultReverbParams()
		p.ModulationDepthMS, p.DecayS = mod, 5
		spec := dsp.Spec{SampleRate: fs, Channels: 2, MaxFrames: 300}
		asm := run(t, NewReverb(p), spec, in)
		useAVX2 = false
		ref := run(t, NewReverb(p), spec, in)
		useAVX2 = true
		worst := 0.0
		for c := range in {
			for i := range in[c] {
				worst = max(worst, float64(abs32(asm[c][i]-ref[c][i])))
			}
		}
		t.Logf("modulation %g ms: largest difference %.2g", mod, worst)
		if worst > 1e-5 {
			t.Errorf("modulation %g ms: kernels differ by up to %.2g", mod, worst)
		}
	}
}

// The Go kernel (used where there is no AVX2) passes the conformance suite
// on its own.
func TestReverbGoKernelConformance(t *testing.T) {
	old := useAVX2
	useAVX2 = false
	defer func() { useAVX2 = old }()
	dsptest.Run(t, func() dsp.Processor { return reverbWith(nil) }, dsptest.Options{Seconds: 2})
}

func abs32(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}

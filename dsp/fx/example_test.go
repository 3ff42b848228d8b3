package fx_test

import (
	"fmt"
	"math"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/dsp"
	"github.com/mixdown/mixdown/dsp/fx"
)

// A reverb on an effect-return bus: start from the defaults, change what
// the session asks for, prepare once, then process blocks in place.
func ExampleReverb() {
	p := fx.DefaultReverbParams()
	p.DecayS, p.PreDelayMS = 2.2, 25
	rev := fx.NewReverb(p)
	if err := rev.Prepare(dsp.Spec{SampleRate: 48000, Channels: 2, MaxFrames: 512}); err != nil {
		fmt.Println(err)
		return
	}
	// An impulse: the wet signal starts exactly at the pre-delay.
	buf := audio.NewBuffer(2, 48000)
	buf[0][0], buf[1][0] = 1, 1
	hdr := make(audio.Buffer, 2)
	for off := 0; off < buf.Frames(); off += 512 {
		rev.Process(buf.Slice(hdr, off, min(off+512, buf.Frames())))
	}
	first := 0
	for buf[0][first] == 0 && buf[1][first] == 0 {
		first++
	}
	fmt.Printf("latency %d frames, first reflection at frame %d (%.0f ms)\n", rev.Latency(), first, float64(first)/48)

	err := fx.NewReverb(fx.ReverbParams{DecayS: 45}).Prepare(dsp.Spec{SampleRate: 48000, Channels: 2, MaxFrames: 512})
	fmt.Println(err != nil)
	// Output:
	// latency 0 frames, first reflection at frame 1200 (25 ms)
	// true
}

// Gains for a source panned half right under each law.
func ExamplePanGains() {
	for _, law := range []string{fx.PanConstantPower, fx.Pan4_5dB, fx.Pan6dB} {
		l, r := fx.PanGains(law, 0.5)
		c, _ := fx.PanGains(law, 0)
		fmt.Printf("%-14s L %.3f R %.3f (centre %.1f dB)\n", law, l, r, 20*math.Log10(c))
	}
	// Output:
	// constant-power L 0.383 R 0.924 (centre -3.0 dB)
	// -4.5dB         L 0.309 R 0.832 (centre -4.5 dB)
	// -6dB           L 0.250 R 0.750 (centre -6.0 dB)
}

package dynamics_test

import (
	"fmt"
	"math"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/dsp"
	"github.com/mixdown/mixdown/dsp/dynamics"
)

// A compressor at 4:1 above -20 dBFS with a hard knee turns a steady sine
// at -8 dBFS peak into one at -17 dBFS: 12 dB over the threshold come out 3
// dB over.
func ExampleCompressor() {
	p := dynamics.DefaultCompressorParams()
	p.ThresholdDB, p.Ratio, p.KneeDB = -20, 4, 0
	c := dynamics.NewCompressor(p)
	if err := c.Prepare(dsp.Spec{SampleRate: 48000, Channels: 1, MaxFrames: 4800}); err != nil {
		panic(err)
	}
	// A -8 dBFS tone at a quarter of the sample rate, sampled 45° off its
	// zero crossings: every sample has the magnitude 0.398.
	buf := audio.NewBuffer(1, 4800)
	for range 10 { // half a second to settle
		for i := range buf[0] {
			buf[0][i] = float32(0.398 * math.Sqrt2 * math.Sin(math.Pi/2*float64(i)+math.Pi/4))
		}
		c.Process(buf)
	}
	fmt.Printf("output %.1f dBFS, gain reduction %.1f dB\n", 20*math.Log10(math.Abs(float64(buf[0][4799]))), c.GainReductionDB())
	// Output: output -17.0 dBFS, gain reduction 9.0 dB
}

// A true-peak limiter holds a signal whose samples peak at +6 dBFS, and
// whose true peak is 3 dB higher still, under a -1 dBTP ceiling. The
// output is delayed by Latency frames. (The largest reduction, at the
// abrupt start, is a little over the steady 10.02 dB.)
func ExampleLimiter() {
	l := dynamics.NewLimiter(dynamics.DefaultLimiterParams()) // -1 dBTP
	if err := l.Prepare(dsp.Spec{SampleRate: 48000, Channels: 2, MaxFrames: 512}); err != nil {
		panic(err)
	}
	// A quarter-rate tone sampled 45° off its crests: every sample is 3 dB
	// under the true peak of +9 dBTP.
	buf := audio.NewBuffer(2, 512)
	peak := 0.0
	for range 100 {
		for c := range buf {
			for i := range buf[c] {
				buf[c][i] = float32(2 * math.Sin(math.Pi/2*float64(i)+math.Pi/4) * math.Sqrt2)
			}
		}
		l.Process(buf)
		for _, v := range buf[0] {
			peak = math.Max(peak, math.Abs(float64(v)))
		}
	}
	fmt.Printf("latency %d frames, output sample peak %.2f dBFS (true peak %.2f dBTP), gain reduction %.2f dB\n",
		l.Latency(), 20*math.Log10(peak), 20*math.Log10(peak*math.Sqrt2), l.Stats().MaxDB)
	// Output: latency 144 frames, output sample peak -4.03 dBFS (true peak -1.02 dBTP), gain reduction 10.16 dB
}

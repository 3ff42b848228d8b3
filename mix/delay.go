package mix

import "github.com/mixdown/mixdown/dsp"

// newDelayLine returns a prepared delay of frames frames for latency
// compensation.
func newDelayLine(frames, channels, rate, block int) *dsp.DelayLine {
	d := dsp.NewDelay(frames, channels)
	if err := d.Prepare(dsp.Spec{SampleRate: float64(rate), Channels: channels, MaxFrames: block}); err != nil {
		panic("mix: delay line: " + err.Error()) // the spec was validated with the session
	}
	return d
}

package fx

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/dsp"
)

// DelayParams configures a Delay. The zero value is not valid; start from
// DefaultDelayParams.
type DelayParams struct {
	// TimeMS is the echo time in milliseconds, 1 to 10000, rounded to the
	// nearest frame. Ignored when Sync is set.
	TimeMS float64 `json:"time_ms" yaml:"time_ms"`
	// Sync, when not empty, sets the echo time as a note value at TempoBPM:
	// "n/d" (a quarter note "1/4" is one beat), optionally dotted ("1/8.",
	// 1.5 times as long) or triplet ("1/8t", 2/3 as long). n is 1 to 16, d
	// a power of two from 1 to 64; the result must be 10 s or shorter.
	Sync string `json:"sync,omitempty" yaml:"sync,omitempty"`
	// TempoBPM is the tempo in quarter notes per minute for Sync, 20 to 400.
	TempoBPM float64 `json:"tempo_bpm,omitempty" yaml:"tempo_bpm,omitempty"`
	// FeedbackRatio is the amplitude of each repeat relative to the one
	// before (before the loop's filtering), 0 (a single echo) to 0.95.
	FeedbackRatio float64 `json:"feedback_ratio" yaml:"feedback_ratio"`
	// LowCutHz is a 12 dB/octave high-pass inside the loop, in Hz: every
	// repeat passes it once more, so later repeats grow thinner. 0 for off,
	// or 10 to 2000.
	LowCutHz float64 `json:"low_cut_hz" yaml:"low_cut_hz"`
	// HighCutHz is a 12 dB/octave low-pass inside the loop, in Hz: later
	// repeats grow darker. 0 for off, or 500 to 24000; at or above 0.45 ×
	// the sample rate it is off.
	HighCutHz float64 `json:"high_cut_hz" yaml:"high_cut_hz"`
	// PingPong (stereo only) sends the mono sum of the input, (L+R)/2, into
	// the left line and crosses every repeat to the other side: the echoes
	// alternate left, right, left...
	PingPong bool `json:"ping_pong" yaml:"ping_pong"`
	// Mix is the wet proportion, 0 to 1: the output is
	// (1-Mix)·dry + Mix·wet. An effect-return bus uses 1. Mix 0 returns the
	// input untouched.
	Mix float64 `json:"mix" yaml:"mix"`
}

// DefaultDelayParams is a dotted-eighth echo at 120 BPM (375 ms) with four
// or five audible repeats darkening as they go, on an effect-return bus.
func DefaultDelayParams() DelayParams {
	return DelayParams{
		TimeMS:        375,
		FeedbackRatio: 0.35,
		LowCutHz:      150,
		HighCutHz:     6000,
		Mix:           1,
	}
}

// Limits of the echo time, in seconds.
const (
	minDelayS = 0.001
	maxDelayS = 10
)

// SyncSeconds returns the length in seconds of the note value sync (see
// DelayParams.Sync) at tempoBPM quarter notes per minute.
func SyncSeconds(sync string, tempoBPM float64) (float64, error) {
	if !(tempoBPM >= 20 && tempoBPM <= 400) {
		return 0, fmt.Errorf("tempo_bpm = %g out of range (20 to 400)", tempoBPM)
	}
	s, mult := sync, 1.0
	switch {
	case strings.HasSuffix(s, "."):
		s, mult = s[:len(s)-1], 1.5
	case strings.HasSuffix(s, "t"):
		s, mult = s[:len(s)-1], 2.0/3
	}
	num, den, ok := strings.Cut(s, "/")
	n, err1 := strconv.Atoi(num)
	d, err2 := strconv.Atoi(den)
	if !ok || err1 != nil || err2 != nil || n < 1 || n > 16 || d < 1 || d > 64 || d&(d-1) != 0 {
		return 0, fmt.Errorf("sync = %q is not a note value (like 1/4, 1/8. or 1/8t: n/d with n 1 to 16, d a power of two 1 to 64)", sync)
	}
	beats := 4 * float64(n) / float64(d) * mult
	return beats * 60 / tempoBPM, nil
}

// Seconds returns the echo time in seconds: from Sync and TempoBPM when
// Sync is set, else TimeMS.
func (p DelayParams) Seconds() (float64, error) {
	if p.Sync == "" {
		return p.TimeMS / 1000, nil
	}
	return SyncSeconds(p.Sync, p.TempoBPM)
}

// Validate reports parameters out of range, naming each by its tag.
func (p DelayParams) Validate() error {
	c := checker{effect: "delay"}
	if p.Sync == "" {
		c.inRange("time_ms", p.TimeMS, 1000*minDelayS, 1000*maxDelayS, " ms")
	} else if s, err := SyncSeconds(p.Sync, p.TempoBPM); err != nil {
		c.add("%v", err)
	} else if s > maxDelayS {
		c.add("sync = %q at tempo_bpm = %g is %.3g s, longer than %g s", p.Sync, p.TempoBPM, s, float64(maxDelayS))
	}
	c.inRange("feedback_ratio", p.FeedbackRatio, 0, 0.95, "")
	c.offOrRange("low_cut_hz", p.LowCutHz, 10, 2000, " Hz")
	c.offOrRange("high_cut_hz", p.HighCutHz, 500, 24000, " Hz")
	c.inRange("mix", p.Mix, 0, 1, "")
	return c.err()
}

// Delay is a feedback echo: each channel has a delay line whose output is
// fed back, through the optional low- and high-cut filters, at
// FeedbackRatio, so that repeat k has amplitude FeedbackRatio^(k-1) shaped
// by the filters k times. The echo time is a whole number of frames, so
// repeats are exact copies (no interpolation). With PingPong the two lines
// are crossed. Stable at every setting: the loop gain never exceeds 0.95.
// Latency is 0.
type Delay struct {
	p        DelayParams
	prepared bool
	frames   int // echo time
	fs       float64
	dry, wet float64
	fb       float64
	line     [][]float32 // per channel, power-of-two rings
	mask     int
	pos      int
	tone     []toneFilter
	count    int // frames since the last flush
}

// NewDelay returns a delay with parameters p (checked by Prepare).
func NewDelay(p DelayParams) *Delay { return &Delay{p: p} }

// Params returns the parameters.
func (d *Delay) Params() DelayParams { return d.p }

// Frames returns the echo time in frames (valid after Prepare).
func (d *Delay) Frames() int { return d.frames }

// Prepare validates the parameters and allocates the delay lines (4 bytes
// per frame of echo time per channel, rounded up to a power of two). Ping-
// pong needs two channels.
func (d *Delay) Prepare(spec dsp.Spec) error {
	if err := spec.Validate(); err != nil {
		return err
	}
	if err := d.p.Validate(); err != nil {
		return err
	}
	if d.p.PingPong && spec.Channels != 2 {
		return fmt.Errorf("fx: delay: ping_pong needs 2 channels, not %d", spec.Channels)
	}
	s, _ := d.p.Seconds()
	d.frames = max(1, int(math.Round(s*spec.SampleRate)))
	d.fs = spec.SampleRate
	d.dry, d.wet, d.fb = 1-d.p.Mix, d.p.Mix, d.p.FeedbackRatio
	size := nextPow2(d.frames + 1)
	d.mask = size - 1
	d.line = make([][]float32, spec.Channels)
	d.tone = make([]toneFilter, spec.Channels)
	for c := range d.line {
		d.line[c] = make([]float32, size)
		d.tone[c] = newToneFilter(d.p.LowCutHz, d.p.HighCutHz, spec.SampleRate)
	}
	d.prepared = true
	d.Reset()
	return nil
}

// Reset clears the lines.
func (d *Delay) Reset() {
	if !d.prepared {
		return
	}
	for c := range d.line {
		clear(d.line[c])
		d.tone[c].reset()
	}
	d.pos, d.count = 0, 0
}

// Latency is 0.
func (d *Delay) Latency() int { return 0 }

// LoopResponse returns the complex response of the loop's filters at freq
// Hz (1 when both are off) at the prepared sample rate: repeat k+1 is
// repeat k times FeedbackRatio times this response.
func (d *Delay) LoopResponse(freq float64) complex128 {
	if !d.prepared {
		panic("fx: Delay.LoopResponse before Prepare")
	}
	return d.tone[0].response(freq, d.fs)
}

// Process adds the echoes to buf in place.
func (d *Delay) Process(buf audio.Buffer) {
	if d.wet == 0 {
		return
	}
	n := buf.Frames()
	for off := 0; off < n; {
		k := min(flushEvery-d.count, n-off)
		if d.p.PingPong {
			d.pingPong(buf[0][off:off+k], buf[1][off:off+k])
		} else {
			for c := range buf {
				d.echo(c, buf[c][off:off+k])
			}
		}
		d.pos = (d.pos + k) & d.mask
		if d.count += k; d.count == flushEvery {
			// Flushing at fixed frame counts keeps the output independent of
			// the buffer sizes.
			d.count = 0
			for c := range d.tone {
				d.tone[c].flush()
			}
		}
		off += k
	}
}

// echo runs one channel's own loop over x.
func (d *Delay) echo(c int, x []float32) {
	line, mask, t := d.line[c], d.mask, &d.tone[c]
	pos := d.pos
	for j, v := range x {
		in := float64(v)
		y := float64(line[(pos+j-d.frames)&mask])
		w := in + d.fb*y
		if t.use {
			w = t.tick(w)
		}
		line[(pos+j)&mask] = float32(w + denormGuard - denormGuard)
		x[j] = float32(d.dry*in + d.wet*y)
	}
}

// pingPong runs the crossed loops over a stereo pair.
func (d *Delay) pingPong(l, r []float32) {
	ll, lr, mask := d.line[0], d.line[1], d.mask
	tl, tr := &d.tone[0], &d.tone[1]
	pos := d.pos
	r = r[:len(l)]
	for j := range l {
		inL, inR := float64(l[j]), float64(r[j])
		yl := float64(ll[(pos+j-d.frames)&mask])
		yr := float64(lr[(pos+j-d.frames)&mask])
		wl := 0.5*(inL+inR) + d.fb*yr
		wr := d.fb * yl
		if tl.use {
			wl, wr = tl.tick(wl), tr.tick(wr)
		}
		ll[(pos+j)&mask] = float32(wl + denormGuard - denormGuard)
		lr[(pos+j)&mask] = float32(wr + denormGuard - denormGuard)
		l[j] = float32(d.dry*inL + d.wet*yl)
		r[j] = float32(d.dry*inR + d.wet*yr)
	}
}

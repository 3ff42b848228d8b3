package fx

import (
	"fmt"
	"math"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/dsp"
)

// WidthParams configures a Width. The zero value collapses to mono; start
// from DefaultWidthParams.
type WidthParams struct {
	// Width scales the side (L-R) signal: 0 is mono, 1 leaves the image
	// unchanged, 2 doubles the side level. 0 to 2.
	Width float64 `json:"width" yaml:"width"`
	// MonoBelowHz, when not 0, removes the side signal below this frequency
	// in Hz (keeping the bass mono), with a phase-coherent crossover. 0 for
	// off, or 20 to 500.
	MonoBelowHz float64 `json:"mono_below_hz" yaml:"mono_below_hz"`
	// BalanceDB moves the image: positive values attenuate the left channel
	// by that many dB, negative ones the right. -24 to 24.
	BalanceDB float64 `json:"balance_db" yaml:"balance_db"`
	// SwapChannels exchanges left and right (after the width, before the
	// balance).
	SwapChannels bool `json:"swap_channels" yaml:"swap_channels"`
}

// DefaultWidthParams leaves the signal unchanged.
func DefaultWidthParams() WidthParams { return WidthParams{Width: 1} }

// Validate reports parameters out of range, naming each by its tag.
func (p WidthParams) Validate() error {
	c := checker{effect: "width"}
	c.inRange("width", p.Width, 0, 2, "")
	c.offOrRange("mono_below_hz", p.MonoBelowHz, 20, 500, " Hz")
	c.inRange("balance_db", p.BalanceDB, -24, 24, " dB")
	return c.err()
}

// Butterworth fourth-order section quality factors, 1/(2·sin((2k-1)π/8)).
var butter4Q = [2]float64{0.541196100146197, 1.3065629648763766}

// Width is a mid/side stereo-width control for stereo streams: mid
// M = (L+R)/2 and side S = (L-R)/2, the side scaled by Width, then
// L = M + S', R = M - S'.
//
// With MonoBelowHz the side goes through the high-pass half of a
// Linkwitz-Riley crossover at that frequency (Linkwitz 1976) and the mid
// through the crossover's all-pass sum, so that the two stay in phase: a
// mono signal comes out unchanged in magnitude (only an all-pass phase
// shift at low frequencies), and at Width 1 everything well above the
// crossover does too. The crossover is fourth-order Butterworth squared
// (LR8, 48 dB/octave, built from dsp.HighPass and dsp.AllPass sections):
// the side is 6 dB down at MonoBelowHz, 48 dB down an octave below and
// within 0.04 dB an octave above. (An LR4 pair would leave the side only
// 25 dB down an octave below.)
//
// At Width 1 without mono bass, balance or swap the stream is returned bit
// for bit. Latency is 0.
type Width struct {
	p        WidthParams
	prepared bool
	identity bool // width 1, no mono bass: skip mid/side
	monoBass bool
	gl, gr   float64   // balance gains
	ap       [2]biquad // mid: the crossover's all-pass sum
	hp       [4]biquad // side: LR8 high-pass
	count    int       // frames since the last flush
	m, s     []float64 // mid and side scratch (mono bass)
}

// MonoBassSections returns the second-order sections of Width's mono-bass
// crossover at MonoBelowHz fc (Hz) for sample rate fs (Hz): the all-pass
// the mid goes through (two sections) and the side's eighth-order
// Linkwitz-Riley high-pass (four), for use in other engines.
func MonoBassSections(fc, fs float64) (mid, side []dsp.Coefs) {
	for _, q := range butter4Q {
		mid = append(mid, dsp.AllPass(fc, q, fs))
		side = append(side, dsp.HighPass(fc, q, fs))
	}
	return mid, append(side, side...)
}

// NewWidth returns a width control with parameters p (checked by Prepare).
func NewWidth(p WidthParams) *Width { return &Width{p: p} }

// Params returns the parameters.
func (w *Width) Params() WidthParams { return w.p }

// Prepare validates the parameters. It fails unless the stream is stereo.
func (w *Width) Prepare(spec dsp.Spec) error {
	if err := spec.Validate(); err != nil {
		return err
	}
	if err := w.p.Validate(); err != nil {
		return err
	}
	if spec.Channels != 2 {
		return fmt.Errorf("fx: width: %d channels (stereo only)", spec.Channels)
	}
	fs, fc := spec.SampleRate, w.p.MonoBelowHz
	w.monoBass = fc > 0
	if w.monoBass && fc >= maxCutFraction*fs {
		return fmt.Errorf("fx: width: mono_below_hz = %g at or above 0.45 × the %g Hz sample rate", fc, fs)
	}
	w.identity = w.p.Width == 1 && !w.monoBass
	w.gl, w.gr = 1, 1
	if w.p.BalanceDB > 0 {
		w.gl = math.Pow(10, -w.p.BalanceDB/20)
	} else if w.p.BalanceDB < 0 {
		w.gr = math.Pow(10, w.p.BalanceDB/20)
	}
	if w.monoBass {
		mid, side := MonoBassSections(fc, fs)
		for k := range w.ap {
			w.ap[k].c = mid[k]
		}
		for k := range w.hp {
			w.hp[k].c = side[k]
		}
		w.m, w.s = make([]float64, spec.MaxFrames), make([]float64, spec.MaxFrames)
	}
	w.prepared = true
	w.Reset()
	return nil
}

// Reset clears the crossover state.
func (w *Width) Reset() {
	for k := range w.ap {
		w.ap[k].reset()
	}
	for k := range w.hp {
		w.hp[k].reset()
	}
	w.count = 0
}

// Latency is 0.
func (w *Width) Latency() int { return 0 }

// SideResponse returns the complex response applied to the side signal at
// freq Hz for sample rate fs Hz (Width times the crossover's high-pass),
// and MidResponse the one applied to the mid (the all-pass, or 1).
func (w *Width) SideResponse(freq, fs float64) complex128 {
	h := complex(w.p.Width, 0)
	if w.monoBass {
		for _, b := range w.hp {
			h *= b.c.Response(freq, fs)
		}
	}
	return h
}

// MidResponse: see SideResponse.
func (w *Width) MidResponse(freq, fs float64) complex128 {
	h := complex(1, 0)
	if w.monoBass {
		for _, b := range w.ap {
			h *= b.c.Response(freq, fs)
		}
	}
	return h
}

// Process applies width, balance and swap to a stereo buf in place.
func (w *Width) Process(buf audio.Buffer) {
	l, r := buf[0], buf[1]
	r = r[:len(l)]
	if w.identity {
		if w.p.SwapChannels {
			for i := range l {
				l[i], r[i] = r[i], l[i]
			}
		}
		if w.gl != 1 || w.gr != 1 {
			for i := range l {
				l[i] = float32(w.gl * float64(l[i]))
				r[i] = float32(w.gr * float64(r[i]))
			}
		}
		return
	}
	gs, gl, gr := w.p.Width, w.gl, w.gr
	if w.p.SwapChannels {
		gs = -gs // L and R exchanged: the side changes sign
	}
	if !w.monoBass {
		for i := range l {
			m := 0.5 * (float64(l[i]) + float64(r[i]))
			s := 0.5 * (float64(l[i]) - float64(r[i]))
			s *= gs
			l[i] = float32(gl * (m + s))
			r[i] = float32(gr * (m - s))
		}
		return
	}
	// Mono bass: mid and side run through their filters a block at a
	// time, each cascade with its state in locals, flushed every
	// flushEvery frames from the start.
	for off := 0; off < len(l); {
		k := min(len(l)-off, len(w.m))
		w.monoBassBlock(l[off:off+k], r[off:off+k], gs, gl, gr)
		off += k
	}
}

func (w *Width) monoBassBlock(l, r []float32, gs, gl, gr float64) {
	n := len(l)
	m, s := w.m[:n], w.s[:n]
	r = r[:n]
	for i := range l {
		m[i] = 0.5 * (float64(l[i]) + float64(r[i]))
		s[i] = 0.5 * (float64(l[i]) - float64(r[i]))
	}
	for off := 0; off < n; {
		k := min(n-off, flushEvery-w.count)
		cascade2(&w.ap[0], &w.ap[1], m[off:off+k])
		cascade2(&w.hp[0], &w.hp[1], s[off:off+k])
		cascade2(&w.hp[2], &w.hp[3], s[off:off+k])
		off += k
		if w.count += k; w.count == flushEvery {
			w.count = 0
			for k := range w.ap {
				w.ap[k].flush()
			}
			for k := range w.hp {
				w.hp[k].flush()
			}
		}
	}
	for i := range l {
		si := s[i] * gs
		l[i] = float32(gl * (m[i] + si))
		r[i] = float32(gr * (m[i] - si))
	}
}

// cascade2 runs x through a then b in place, as biquad.tick would, with
// the state in locals.
func cascade2(a, b *biquad, x []float64) {
	ca, cb := a.c, b.c
	p1, p2, q1, q2 := a.s1, a.s2, b.s1, b.s2
	for i, v := range x {
		y := ca.B0*v + p1
		p1 = ca.B1*v - ca.A1*y + p2
		p2 = ca.B2*v - ca.A2*y
		z := cb.B0*y + q1
		q1 = cb.B1*y - cb.A1*z + q2
		q2 = cb.B2*y - cb.A2*z
		x[i] = z
	}
	a.s1, a.s2, b.s1, b.s2 = p1, p2, q1, q2
}

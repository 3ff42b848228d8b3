package dynamics

import (
	"fmt"
	"math"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/dsp"
)

// ActiveThresholdDB is the gain reduction above which a frame counts as
// active in GainReductionStats (dB).
const ActiveThresholdDB = 0.1

// GainReductionStats summarises the gain reduction a processor applied
// since Prepare or its last Reset, for reports. Gain reduction is positive
// dB (6 = 6 dB quieter). Processors with several gain paths (unlinked
// channels, bands) count a frame by its largest gain reduction.
type GainReductionStats struct {
	// MaxDB is the largest gain reduction (dB).
	MaxDB float64 `json:"max_db" yaml:"max_db"`
	// MeanDB is the mean gain reduction over the active frames only, those
	// with more than ActiveThresholdDB (0.1 dB) of reduction; 0 when none
	// was active. It says how hard the processor works when it works;
	// MeanDB·PercentActive/100 approximates the mean over all frames.
	MeanDB float64 `json:"mean_db" yaml:"mean_db"`
	// PercentActive is the share of frames with more than
	// ActiveThresholdDB of reduction (0 to 100 %).
	PercentActive float64 `json:"percent_active" yaml:"percent_active"`
	// Frames is the number of frames counted.
	Frames int64 `json:"frames" yaml:"frames"`
}

// String formats the statistics for logs.
func (s GainReductionStats) String() string {
	return fmt.Sprintf("GR max %.2f dB, mean %.2f dB when active, active %.1f %% of %d frames", s.MaxDB, s.MeanDB, s.PercentActive, s.Frames)
}

// grStats accumulates GainReductionStats.
type grStats struct {
	frames, active int64
	sum, max, cur  float64
}

func (s *grStats) reset() { *s = grStats{} }

// add counts one frame with gr dB of reduction.
func (s *grStats) add(gr float64) {
	s.frames++
	s.cur = gr
	if gr > s.max {
		s.max = gr
	}
	if gr > ActiveThresholdDB {
		s.active++
		s.sum += gr
	}
}

// addIdle counts n frames without reduction.
func (s *grStats) addIdle(n int) {
	if n > 0 {
		s.frames += int64(n)
		s.cur = 0
	}
}

func (s *grStats) stats() GainReductionStats {
	st := GainReductionStats{MaxDB: s.max, Frames: s.frames}
	if s.active > 0 {
		st.MeanDB = s.sum / float64(s.active)
	}
	if s.frames > 0 {
		st.PercentActive = 100 * float64(s.active) / float64(s.frames)
	}
	return st
}

// keyFilter runs up to two biquad sections over each channel of a key
// signal, one sample at a time, with float64 transposed direct form II
// state for every possible key channel (any channel count may arrive).
type keyFilter struct {
	coefs []dsp.Coefs
	st    []float64 // [channel][section][2]
}

func (k *keyFilter) prepare(coefs ...dsp.Coefs) {
	k.coefs = append(k.coefs[:0], coefs...)
	k.st = make([]float64, audio.MaxChannels*2*len(coefs))
}

func (k *keyFilter) active() bool { return len(k.coefs) > 0 }

func (k *keyFilter) reset() { clear(k.st) }

// next filters one sample of key channel ch.
func (k *keyFilter) next(ch int, x float64) float64 {
	n := len(k.coefs)
	st := k.st[ch*2*n : (ch+1)*2*n]
	for j, q := range k.coefs {
		s1, s2 := st[2*j], st[2*j+1]
		y := q.B0*x + s1
		st[2*j] = dsp.FlushDenormal(q.B1*x - q.A1*y + s2)
		st[2*j+1] = dsp.FlushDenormal(q.B2*x - q.A2*y)
		x = y
	}
	return x
}

// checkKey panics unless key can drive buf.
func checkKey(who string, buf, key audio.Buffer) {
	if key.Channels() < 1 || key.Channels() > audio.MaxChannels {
		panic(fmt.Sprintf("dynamics: %s.ProcessKeyed: key has %d channels (1 to %d)", who, key.Channels(), audio.MaxChannels))
	}
	if key.Frames() < buf.Frames() {
		panic(fmt.Sprintf("dynamics: %s.ProcessKeyed: key has %d frames, buffer %d", who, key.Frames(), buf.Frames()))
	}
}

// dbToGain converts dB to a linear factor.
func dbToGain(db float64) float64 { return math.Exp(db * (math.Ln10 / 20)) }

// gainToDB converts a linear factor to dB.
func gainToDB(g float64) float64 { return math.Log(g) * (20 / math.Ln10) }

// inRange reports whether lo <= v <= hi (false for NaN).
func inRange(v, lo, hi float64) bool { return v >= lo && v <= hi }

// rangeErr formats a parameter range error.
func rangeErr(proc, name string, v any, allowed string) error {
	return fmt.Errorf("dynamics: %s: %s %v out of range (%s)", proc, name, v, allowed)
}

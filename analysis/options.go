package analysis

import (
	"fmt"
	"math"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/dsp/truepeak"
	"github.com/mixdown/mixdown/loudness"
)

// Options configure an Analyzer. The stream fields come from the decoded
// stream's audio.Format; every threshold has a documented default that its
// zero value selects.
type Options struct {
	// SampleRate in Hz and Channels of the stream, as decoded.
	SampleRate int
	Channels   int
	// Layout gives each channel's speaker position; 0 means
	// audio.DefaultLayout(Channels). It sets the loudness weights, the
	// channel names and which pair is analyzed as stereo (FL/FR, else the
	// first two channels).
	Layout audio.Layout
	// SourceBits is the file's declared word length (8 … 32 for integer,
	// 32 or 64 for float), 0 when unknown or lossy; SourceFloat says the
	// file stores floats. They are compared with the content's real bit
	// depth.
	SourceBits  int
	SourceFloat bool

	// ClipRunMin is the number of consecutive samples at the clip level
	// that make a clipped run (default 3).
	ClipRunMin int
	// ClipTolerance is how far below the clip level a sample may be and
	// still count as clipped, relative to that level (default 2⁻¹⁵,
	// about 0.00027 dB, which is one 16-bit step at full scale; at most
	// 2⁻¹⁰). The clip level is the smaller of the file's largest magnitude
	// and full scale.
	ClipTolerance float64
	// SilenceThresholdDB is the sample magnitude (dBFS) at or below which
	// audio counts as silence at the head and tail and for the stereo
	// windows (default −80 dBFS, above 16-bit dither).
	SilenceThresholdDB float64
	// SilenceMinS is the shortest head or tail silence (seconds) that makes
	// a finding (default 0.1 s).
	SilenceMinS float64
	// DCThresholdDB is the DC offset (dBFS) above which a channel gets a
	// finding (default −50 dBFS).
	DCThresholdDB float64
	// NoiseFloorPercentile is the percentile (0 … 100) of window RMS levels
	// reported as the noise floor (default 5).
	NoiseFloorPercentile float64
	// HumMinProminenceDB is how far (dB) a mains line must stand above
	// everything else within ±2.5 Hz (default 10 dB).
	HumMinProminenceDB float64
	// HumMinLevelDB is the lowest level (dBFS) reported as hum (default
	// −100 dBFS).
	HumMinLevelDB float64
	// TruePeakMaxDB is the true peak (dBTP) above which a finding is made
	// (default −1 dBTP, the EBU R128 maximum).
	TruePeakMaxDB float64
	// MonoFoldMaxDropLU is how much quieter (LU, positive) the mono fold may
	// be before a phase finding is made (default 6 LU).
	MonoFoldMaxDropLU float64
	// TruePeakFilter is the oversampling filter of the true-peak
	// measurement; nil means loudness.DefaultTruePeakFilter (4x). A master
	// verifies its ceiling with a finer one.
	TruePeakFilter *truepeak.Filter
}

// MinSampleRate is the lowest sample rate analyzed (Hz): the loudness
// meter's limit, since BS.1770's K-weighting shelf at 1.68 kHz needs room
// under the Nyquist frequency.
const MinSampleRate = loudness.MinSampleRate

// Defaults.
const (
	DefaultClipRunMin           = 3
	DefaultClipTolerance        = 1.0 / 32768
	MaxClipTolerance            = 1.0 / 1024
	DefaultSilenceThresholdDB   = -80.0
	DefaultSilenceMinS          = 0.1
	DefaultDCThresholdDB        = -50.0
	DefaultNoiseFloorPercentile = 5.0
	DefaultHumMinProminenceDB   = 10.0
	DefaultHumMinLevelDB        = -100.0
	DefaultTruePeakMaxDB        = -1.0
	DefaultMonoFoldMaxDropLU    = 6.0
)

// withDefaults fills zero thresholds and validates everything.
func (o Options) withDefaults() (Options, error) {
	f := audio.Format{SampleRate: o.SampleRate, Channels: o.Channels, Layout: o.Layout, Type: audio.SampleFloat, Bits: 32}
	if err := f.Validate(); err != nil {
		return o, fmt.Errorf("analysis: %w", err)
	}
	if o.SampleRate < MinSampleRate {
		return o, fmt.Errorf("analysis: sample rate %d Hz (supported from %d Hz: the BS.1770 K-weighting shelf lies above Nyquist): %w", o.SampleRate, MinSampleRate, audio.ErrUnsupported)
	}
	if o.Layout == 0 {
		o.Layout = audio.DefaultLayout(o.Channels)
	}
	if o.SourceBits < 0 || o.SourceBits > 64 {
		return o, fmt.Errorf("analysis: SourceBits %d out of range", o.SourceBits)
	}
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	if o.ClipRunMin == 0 {
		o.ClipRunMin = DefaultClipRunMin
	}
	def(&o.ClipTolerance, DefaultClipTolerance)
	def(&o.SilenceThresholdDB, DefaultSilenceThresholdDB)
	def(&o.SilenceMinS, DefaultSilenceMinS)
	def(&o.DCThresholdDB, DefaultDCThresholdDB)
	def(&o.NoiseFloorPercentile, DefaultNoiseFloorPercentile)
	def(&o.HumMinProminenceDB, DefaultHumMinProminenceDB)
	def(&o.HumMinLevelDB, DefaultHumMinLevelDB)
	def(&o.TruePeakMaxDB, DefaultTruePeakMaxDB)
	def(&o.MonoFoldMaxDropLU, DefaultMonoFoldMaxDropLU)
	switch {
	case o.ClipRunMin < 1:
		return o, fmt.Errorf("analysis: ClipRunMin %d < 1", o.ClipRunMin)
	case !(o.ClipTolerance > 0 && o.ClipTolerance <= MaxClipTolerance):
		return o, fmt.Errorf("analysis: ClipTolerance %g outside (0, 2^-10]", o.ClipTolerance)
	case !(o.NoiseFloorPercentile > 0 && o.NoiseFloorPercentile <= 100):
		return o, fmt.Errorf("analysis: NoiseFloorPercentile %g outside (0, 100]", o.NoiseFloorPercentile)
	case !(o.SilenceMinS > 0) || !(o.MonoFoldMaxDropLU > 0) || !(o.HumMinProminenceDB > 0):
		return o, fmt.Errorf("analysis: SilenceMinS, MonoFoldMaxDropLU and HumMinProminenceDB must be positive")
	}
	for _, v := range []float64{o.SilenceThresholdDB, o.DCThresholdDB, o.HumMinLevelDB, o.TruePeakMaxDB} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return o, fmt.Errorf("analysis: threshold %v is not finite", v)
		}
	}
	return o, nil
}

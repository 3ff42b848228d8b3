package analysis

import (
	"encoding/json"
	"math"
	"strconv"
)

// SchemaVersion identifies the layout of Report's JSON encoding; it is
// written first, as "schema". Fields may be added within a version; none
// will be renamed, removed or change meaning or unit without a new version.
const SchemaVersion = "mixdown.analysis/v1"

// Num is a measurement that may be undefined or infinite: the level of
// silence is −∞ dB, the correlation of a silent channel is undefined.
// It encodes as a JSON number when finite and as null otherwise; the field's
// documentation says what null means there. Decoding null gives NaN.
type Num float64

// MarshalJSON implements json.Marshaler.
func (v Num) MarshalJSON() ([]byte, error) {
	f := float64(v)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	// The same format encoding/json uses for float64.
	fmt := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		fmt = 'e'
	}
	return strconv.AppendFloat(nil, f, fmt, -1, 64), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (v *Num) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*v = Num(math.NaN())
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*v = Num(f)
	return nil
}

// Finite reports whether v is a finite number.
func (v Num) Finite() bool { return !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) }

// Report is the result of an analysis. Levels are in dB relative to full
// scale (1.0): "dBFS" for sample values and "dBTP" for true peaks, LUFS and
// LU per ITU-R BS.1770 / EBU R128, times in seconds from the first frame,
// frequencies in Hz. SCHEMA.md documents every JSON field.
type Report struct {
	// Schema is SchemaVersion.
	Schema string `json:"schema"`
	// Format echoes the options the stream was analyzed with.
	Format FormatInfo `json:"format"`
	// Loudness holds BS.1770 / R128 loudness, peaks and PLR.
	Loudness Loudness `json:"loudness"`
	// Dynamics holds RMS levels and crest factors.
	Dynamics Dynamics `json:"dynamics"`
	// Stereo is nil for mono programmes.
	Stereo *Stereo `json:"stereo,omitempty"`
	// Spectrum is the long-term average spectrum in 1/3-octave bands.
	Spectrum Spectrum `json:"spectrum"`
	// Defects holds the technical checks.
	Defects Defects `json:"defects"`
	// Findings summarise everything above that deserves attention, most
	// severe first. Never nil (an empty list when all is well).
	Findings []Finding `json:"findings"`
}

// FormatInfo describes the analyzed stream.
type FormatInfo struct {
	SampleRateHz int      `json:"sample_rate_hz"`
	Channels     int      `json:"channels"`
	ChannelNames []string `json:"channel_names"` // speaker position of each channel ("FL", "FR", …; "ch3" when unknown)
	SourceBits   int      `json:"source_bits"`   // declared word length; 0 when unknown or lossy
	SourceFloat  bool     `json:"source_float"`  // the source stores float samples
}

// Loudness holds BS.1770-4 loudness and peak measurements.
type Loudness struct {
	// IntegratedLUFS is the gated integrated loudness; null (−∞) when no
	// 400 ms block rises above the −70 LUFS absolute gate.
	IntegratedLUFS Num `json:"integrated_lufs"`
	// RelativeGateLUFS is the relative gate used (integrated − 10 LU before
	// gating); null with IntegratedLUFS.
	RelativeGateLUFS Num `json:"relative_gate_lufs"`
	// RangeLU is the loudness range (EBU Tech 3342); 0 when undefined.
	RangeLU float64 `json:"range_lu"`
	// RangeLowLUFS and RangeHighLUFS are the 10th and 95th percentiles of
	// the gated short-term loudness; null when the range is undefined.
	RangeLowLUFS  Num `json:"range_low_lufs"`
	RangeHighLUFS Num `json:"range_high_lufs"`
	// MaxMomentaryLUFS and MaxShortTermLUFS are the largest 400 ms and 3 s
	// loudness values, updated every 10 ms; null for silence.
	MaxMomentaryLUFS Num `json:"max_momentary_lufs"`
	MaxShortTermLUFS Num `json:"max_short_term_lufs"`
	// SamplePeakDBFS is the largest |sample| of any channel (null: silence).
	SamplePeakDBFS Num `json:"sample_peak_dbfs"`
	// TruePeakDBTP is the largest 4× oversampled peak of any channel.
	TruePeakDBTP Num `json:"true_peak_dbtp"`
	// PLRLU is the peak-to-loudness ratio, TruePeakDBTP − IntegratedLUFS;
	// null when either is undefined.
	PLRLU Num `json:"plr_lu"`
	// Channels has one entry per channel, in stream order.
	Channels []ChannelPeak `json:"channels"`
	// DurationS is Frames / SampleRateHz.
	DurationS float64 `json:"duration_s"`
	// Frames is the number of frames analyzed.
	Frames int64 `json:"frames"`
}

// ChannelPeak is one channel's peaks.
type ChannelPeak struct {
	Channel        string `json:"channel"`
	SamplePeakDBFS Num    `json:"sample_peak_dbfs"`
	TruePeakDBTP   Num    `json:"true_peak_dbtp"`
}

// Dynamics holds level statistics. RMS levels are 20·log10(RMS), so a
// full-scale square wave is 0 dBFS and a full-scale sine −3.01 dBFS, and the
// crest factor is simply peak dBFS − RMS dBFS.
type Dynamics struct {
	// RMSDBFS is the RMS over every sample of every channel.
	RMSDBFS Num `json:"rms_dbfs"`
	// PeakDBFS is the largest |sample| (as Loudness.SamplePeakDBFS).
	PeakDBFS Num `json:"peak_dbfs"`
	// CrestDB is PeakDBFS − RMSDBFS (null for silence).
	CrestDB  Num               `json:"crest_db"`
	Channels []ChannelDynamics `json:"channels"`
}

// ChannelDynamics is one channel's RMS, peak and crest factor.
type ChannelDynamics struct {
	Channel  string `json:"channel"`
	RMSDBFS  Num    `json:"rms_dbfs"`
	PeakDBFS Num    `json:"peak_dbfs"`
	CrestDB  Num    `json:"crest_db"`
}

// Stereo describes the image of the front left/right pair.
type Stereo struct {
	// Channels are the stream indices of the left and right channels used
	// (FL and FR of the layout, else the first two).
	Channels [2]int `json:"channels"`
	// Correlation is the Pearson correlation of left and right over the
	// whole programme (1 identical, 0 unrelated, −1 inverted); null when a
	// channel is constant (silent).
	Correlation Num `json:"correlation"`
	// MinCorrelation is the lowest Pearson correlation over consecutive
	// windows of CorrelationWindowS seconds in which both channels are above
	// the silence threshold, and MinCorrelationTimeS the start of that
	// window; both null when no window qualifies.
	MinCorrelation      Num     `json:"min_correlation"`
	MinCorrelationTimeS Num     `json:"min_correlation_time_s"`
	CorrelationWindowS  float64 `json:"correlation_window_s"`
	// SideToMidDB is 10·log10(Σside² / Σmid²) with mid = (L+R)/2 and
	// side = (L−R)/2: −∞ (null) for mono content, 0 for unrelated channels
	// of equal level, +∞ (null) for inverted channels.
	SideToMidDB Num `json:"side_to_mid_db"`
	// MonoFoldLUFS is the integrated loudness of the mono fold-down
	// (L+R)/2 played on both channels.
	MonoFoldLUFS Num `json:"mono_fold_lufs"`
	// MonoFoldDropLU is MonoFoldLUFS minus the integrated loudness of the
	// pair: about 0 for mono content, −3 for unrelated channels, very
	// negative (down to null, −∞) when the channels cancel.
	MonoFoldDropLU Num `json:"mono_fold_drop_lu"`
}

// Spectrum is the long-term average spectrum. Band levels are in dB
// relative to a full-scale sine: 10·log10(2·P) where P is the mean-square
// power in the band, so a sine of peak amplitude A reads 20·log10(A) in its
// band (−20 dB for a −20 dBFS sine) whatever the band's width.
type Spectrum struct {
	// FFTSize is the transform length in frames (Hann window, no overlap).
	FFTSize int `json:"fft_size"`
	// ResolutionHz is the bin spacing, SampleRateHz / FFTSize.
	ResolutionHz float64 `json:"resolution_hz"`
	// Bands are the ISO 266 1/3-octave bands whose centre lies below the
	// Nyquist frequency, from 25 Hz up.
	Bands []Band `json:"bands"`
}

// Band is one 1/3-octave band.
type Band struct {
	// CentreHz is the nominal centre (25, 31.5, 40 … 20000); LowHz and
	// HighHz are the exact edges, 1000·10^((n∓0.5)/10) Hz (the upper edge of
	// a band straddling Nyquist is reported as is, but only power below
	// Nyquist exists).
	CentreHz float64 `json:"centre_hz"`
	LowHz    float64 `json:"low_hz"`
	HighHz   float64 `json:"high_hz"`
	// MidDB is the level of (L+R)/2 (of the only channel for mono).
	MidDB Num `json:"mid_db"`
	// SideDB is the level of (L−R)/2; absent for mono.
	SideDB *Num `json:"side_db,omitempty"`
	// ChannelDB holds the level of each channel for mono and stereo
	// streams (absent for more channels).
	ChannelDB []Num `json:"channel_db,omitempty"`
}

// Defects holds the technical checks.
type Defects struct {
	DCOffset   []DCOffset `json:"dc_offset"`
	Clipping   Clipping   `json:"clipping"`
	Silence    Silence    `json:"silence"`
	NoiseFloor NoiseFloor `json:"noise_floor"`
	Hum        Hum        `json:"hum"`
	BitDepth   BitDepth   `json:"bit_depth"`
	Bandwidth  Bandwidth  `json:"bandwidth"`
}

// DCOffset is one channel's mean sample value.
type DCOffset struct {
	Channel string  `json:"channel"`
	Linear  float64 `json:"linear"` // mean of the samples (full scale 1.0)
	DBFS    Num     `json:"dbfs"`   // 20·log10|Linear|; null when exactly 0
}

// Clipping summarises runs of clipped samples: at least MinRunSamples
// consecutive samples of one channel whose magnitude is at least
// ThresholdDBFS, which is a hair (Options.ClipTolerance) below the smaller of
// the file's largest magnitude and full scale.
type Clipping struct {
	Runs           int64   `json:"runs"`            // number of runs, all channels
	LongestSamples int64   `json:"longest_samples"` // length of the longest run
	TotalSamples   int64   `json:"total_samples"`   // samples in all runs
	FirstTimeS     Num     `json:"first_time_s"`    // start of the earliest run; null when none
	FirstChannel   string  `json:"first_channel,omitempty"`
	PerChannel     []int64 `json:"per_channel_runs"` // runs per channel
	ThresholdDBFS  Num     `json:"threshold_dbfs"`   // null for silence
	MinRunSamples  int     `json:"min_run_samples"`
}

// Silence measures silence at the ends: the head is everything before the
// first sample of any channel whose magnitude exceeds ThresholdDBFS, the
// tail everything after the last one. The *ExactS fields are the parts that
// are exactly zero.
type Silence struct {
	HeadS         float64 `json:"head_s"`
	HeadExactS    float64 `json:"head_exact_zero_s"`
	HeadExactZero bool    `json:"head_exact_zero"` // the whole head is digital zero
	TailS         float64 `json:"tail_s"`
	TailExactS    float64 `json:"tail_exact_zero_s"`
	TailExactZero bool    `json:"tail_exact_zero"`
	AllSilent     bool    `json:"all_silent"` // no sample exceeds the threshold
	ThresholdDBFS float64 `json:"threshold_dbfs"`
}

// NoiseFloor estimates the noise floor as a low percentile of the RMS
// levels of consecutive windows (all channels together), leaving out windows
// that are exactly zero (digital silence). For music this is the level of
// the quietest passages; it is the noise floor only where the programme
// has pauses or fades.
type NoiseFloor struct {
	DBFS       Num     `json:"dbfs"` // 20·log10(RMS); null when every window is digital silence
	Percentile float64 `json:"percentile"`
	WindowS    float64 `json:"window_s"`
}

// Hum reports mains hum: a steady line at 50 or 60 Hz or their harmonics
// (up to 400 Hz) that stands above everything else within ±2.5 Hz by at
// least MinProminenceDB, found in the long-term spectrum or in at least
// two of the 50%-overlapping analysis frames of FrameS seconds.
type Hum struct {
	Detected bool `json:"detected"`
	// MainsHz is 50 or 60 when detected, else 0.
	MainsHz int `json:"mains_hz"`
	// FrequencyHz is the measured fundamental (from the strongest harmonic
	// found, divided by its number); null when not detected.
	FrequencyHz Num `json:"frequency_hz"`
	// LevelDBFS is the level of the fundamental (sine-referenced: a sine of
	// peak A reads 20·log10 A), null when not detected.
	LevelDBFS Num `json:"level_dbfs"`
	// Harmonics lists the lines found (harmonic 1 is the fundamental).
	Harmonics []HumLine `json:"harmonics,omitempty"`
	// FirstTimeS is the start of the first analysis frame with hum (null
	// when it was only seen in the long-term spectrum or not at all).
	FirstTimeS Num `json:"first_time_s"`
	// Frames is the number of analysis frames and HumFrames how many of
	// them show hum; Analyzed is false when the programme is shorter than
	// one frame.
	Frames          int     `json:"frames"`
	HumFrames       int     `json:"hum_frames"`
	FrameS          float64 `json:"frame_s"`
	ResolutionHz    float64 `json:"resolution_hz"`
	MinProminenceDB float64 `json:"min_prominence_db"`
	Analyzed        bool    `json:"analyzed"`
}

// HumLine is one harmonic of the hum.
type HumLine struct {
	Harmonic     int     `json:"harmonic"`
	FrequencyHz  float64 `json:"frequency_hz"`
	LevelDBFS    float64 `json:"level_dbfs"`
	ProminenceDB float64 `json:"prominence_db"`
}

// BitDepth compares the declared word length with the content: ContentBits
// is the smallest k such that every sample is a multiple of 2^−(k−1), i.e.
// lies on a k-bit grid.
type BitDepth struct {
	ContainerBits  int  `json:"container_bits"` // Options.SourceBits (0: unknown or lossy)
	ContainerFloat bool `json:"container_float"`
	// ContentBits is k (1 … 32); 0 when the content is on no grid of 32
	// bits or fewer (ContentFloat) or the programme is digital silence.
	ContentBits  int  `json:"content_bits"`
	ContentFloat bool `json:"content_float"`
}

// Bandwidth is the highest frequency with real content: the top of the
// highest "cliff" in the long-term spectrum, where the level (in bands of
// about 45 Hz) stands at least 30 dB above everything from 1/8 octave
// higher up to Nyquist. Without such a cliff the content reaches Nyquist.
type Bandwidth struct {
	Hz        Num     `json:"hz"` // null for silence
	NyquistHz float64 `json:"nyquist_hz"`
	// Limited is true when a cliff was found below Nyquist.
	Limited bool `json:"limited"`
	// Upsampled is true for a file at 88.2 kHz or more whose content stops
	// below 55% of Nyquist (an empty top octave) but above 8 kHz.
	Upsampled bool `json:"upsampled"`
}

// Severity ranks findings.
type Severity string

// Severities, from least to most serious.
const (
	Info    Severity = "info"
	Warning Severity = "warning"
	Error   Severity = "error"
)

// Finding is one human-readable conclusion.
type Finding struct {
	// Code is a stable identifier (see SCHEMA.md for the list).
	Code     string   `json:"code"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
	// TimeS locates the finding in the programme when it has a place.
	TimeS *float64 `json:"time_s,omitempty"`
}

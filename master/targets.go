package master

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/mixdown/mixdown/audio"
)

// Target is what a master must meet: an integrated loudness and a true-peak
// ceiling, plus the delivery format a platform or standard expects. Every
// value can be overridden by the user.
type Target struct {
	// Name of the preset ("" for a custom target).
	Name string `json:"name,omitempty"`
	// LUFS is the integrated loudness to reach (LUFS). NaN means the preset
	// names no loudness (cd); DefaultLUFS applies then.
	LUFS float64 `json:"integrated_lufs"`
	// CeilingDBTP is the true-peak ceiling (dBTP).
	CeilingDBTP float64 `json:"ceiling_dbtp"`
	// LoudCeilingDBTP, when non-zero, replaces the ceiling for masters
	// louder than LoudAboveLUFS (Spotify asks -2 dBTP above -14 LUFS).
	LoudCeilingDBTP float64 `json:"loud_ceiling_dbtp,omitempty"`
	LoudAboveLUFS   float64 `json:"loud_above_lufs,omitempty"`
	// ToleranceLU is how far from LUFS a master may land and still pass the
	// platform's check (mixdown itself aims within 0.1 LU).
	ToleranceLU float64 `json:"tolerance_lu"`
	// MonoLUFS, when non-zero, is the loudness for mono programmes (AES
	// TD1004 asks 3 LU less for mono podcasts).
	MonoLUFS float64 `json:"mono_lufs,omitempty"`
	// SampleRate for delivery (Hz); 0 keeps the input's.
	SampleRate int `json:"sample_rate_hz,omitempty"`
	// Bits of the delivered integer PCM; 0 means 24.
	Bits int `json:"bits,omitempty"`
	// Notes for the report.
	Notes string `json:"notes,omitempty"`
}

// DefaultLUFS is used when a preset names no loudness (cd): the
// conservative end of loud CD practice, which targets.md puts at -9 to -7
// LUFS.
const DefaultLUFS = -10.0

// presets transcribe ../shared/specs/targets.md.
var presets = map[string]Target{
	"spotify": {LUFS: -14, CeilingDBTP: -1, LoudCeilingDBTP: -2, LoudAboveLUFS: -14, ToleranceLU: 1,
		Notes: "Spotify turns louder tracks down (loud mode -11, quiet -19 LUFS); -2 dBTP above -14 LUFS"},
	"apple-music":  {LUFS: -16, CeilingDBTP: -1, ToleranceLU: 1, Notes: "Sound Check"},
	"youtube":      {LUFS: -14, CeilingDBTP: -1, ToleranceLU: 1, Notes: "only turns loud content down"},
	"tidal":        {LUFS: -14, CeilingDBTP: -1, ToleranceLU: 1, Notes: "does not raise quiet tracks"},
	"amazon-music": {LUFS: -14, CeilingDBTP: -2, ToleranceLU: 1},
	"deezer":       {LUFS: -15, CeilingDBTP: -1, ToleranceLU: 1},
	"cd": {LUFS: math.NaN(), CeilingDBTP: -0.3, ToleranceLU: 1, SampleRate: 44100, Bits: 16,
		Notes: "no loudness target (loud masters commonly -9 to -7 LUFS); 16-bit 44.1 kHz, dithered"},
	"ebu-r128": {LUFS: -23, CeilingDBTP: -1, ToleranceLU: 0.5, Notes: "broadcast; QC at ±0.2 LU; LRA reported"},
	"atsc-a85": {LUFS: -24, CeilingDBTP: -2, ToleranceLU: 2, Notes: "US television (ATSC A/85)"},
	"podcast":  {LUFS: -16, MonoLUFS: -19, CeilingDBTP: -1, ToleranceLU: 1, Notes: "AES TD1004; speech anchored; mono -19 LUFS"},
}

// Preset returns the named target.
func Preset(name string) (Target, error) {
	t, ok := presets[strings.ToLower(name)]
	if !ok {
		return Target{}, fmt.Errorf("unknown preset %q (known: %s): %w", name, strings.Join(PresetNames(), ", "), audio.ErrUnsupported)
	}
	t.Name = strings.ToLower(name)
	return t, nil
}

// PresetNames lists the presets in alphabetical order.
func PresetNames() []string {
	var n []string
	for k := range presets {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// Resolve returns the loudness and ceiling to use for a programme of the
// given channel count: DefaultLUFS when the preset names none, the mono
// loudness for mono podcasts, and the loud ceiling when the loudness
// exceeds LoudAboveLUFS.
func (t Target) Resolve(channels int) (lufs, ceiling float64) {
	lufs = t.LUFS
	if math.IsNaN(lufs) {
		lufs = DefaultLUFS
	}
	if channels == 1 && t.MonoLUFS != 0 {
		lufs = t.MonoLUFS
	}
	ceiling = t.CeilingDBTP
	if t.LoudCeilingDBTP != 0 && lufs > t.LoudAboveLUFS {
		ceiling = math.Min(ceiling, t.LoudCeilingDBTP)
	}
	return lufs, ceiling
}

// Validate checks a custom target's ranges.
func (t Target) Validate() error {
	switch {
	case !math.IsNaN(t.LUFS) && (t.LUFS < -60 || t.LUFS > 0):
		return fmt.Errorf("target loudness %g LUFS out of range [-60, 0]", t.LUFS)
	case t.CeilingDBTP < -20 || t.CeilingDBTP > 0:
		return fmt.Errorf("true-peak ceiling %g dBTP out of range [-20, 0]", t.CeilingDBTP)
	case t.SampleRate != 0 && (t.SampleRate < 8000 || t.SampleRate > audio.MaxSampleRate):
		return fmt.Errorf("delivery rate %d Hz out of range", t.SampleRate)
	case t.Bits != 0 && t.Bits != 16 && t.Bits != 24 && t.Bits != 32:
		return fmt.Errorf("word length %d (use 16, 24 or 32 for float)", t.Bits)
	}
	return nil
}

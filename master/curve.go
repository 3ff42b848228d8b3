package master

import (
	"embed"
	"encoding/json"
	"fmt"
	"math"
	"path"
	"sort"
	"strings"

	"github.com/mixdown/mixdown/analysis"
)

// Curve is a tonal-balance target: the typical long-term spectrum of a body
// of music in ISO 1/3-octave bands, with how much tracks spread around it.
// Levels are relative to the mean mid level of the bands from 200 Hz to
// 5 kHz (NormLowHz..NormHighHz), so loudness does not matter.
type Curve struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Source says where the curve comes from (material, licence, how made).
	Source string `json:"source"`
	// Tracks is how many tracks were averaged.
	Tracks int         `json:"tracks"`
	Bands  []CurveBand `json:"bands"`
}

// CurveBand is one band of a Curve.
type CurveBand struct {
	CentreHz float64 `json:"centre_hz"`
	// MidDB is the median normalized level of the mid signal (dB).
	MidDB float64 `json:"mid_db"`
	// MidSpreadDB is half the 16th-84th percentile range across tracks
	// (a robust standard deviation, dB).
	MidSpreadDB float64 `json:"mid_spread_db"`
	// SideDB is the median side level on the same reference (dB); absent
	// when the material was mono.
	SideDB       *float64 `json:"side_db,omitempty"`
	SideSpreadDB *float64 `json:"side_spread_db,omitempty"`
}

// Normalization band range.
const (
	NormLowHz  = 200.0
	NormHighHz = 5000.0
)

// Normalized returns a report's mid and side band levels relative to the mean
// mid level of the 200 Hz-5 kHz bands, keyed by nominal centre frequency.
// Bands without a finite level are left out; side is nil for mono.
func Normalized(r *analysis.Report) (mid, side map[float64]float64, err error) {
	var sum float64
	var n int
	for _, b := range r.Spectrum.Bands {
		if b.CentreHz >= NormLowHz && b.CentreHz <= NormHighHz && isFinite(float64(b.MidDB)) {
			sum += float64(b.MidDB)
			n++
		}
	}
	if n == 0 {
		return nil, nil, fmt.Errorf("no spectrum between %g Hz and %g Hz (silence?)", NormLowHz, NormHighHz)
	}
	ref := sum / float64(n)
	mid = map[float64]float64{}
	for _, b := range r.Spectrum.Bands {
		if isFinite(float64(b.MidDB)) {
			mid[b.CentreHz] = float64(b.MidDB) - ref
		}
		if b.SideDB != nil && isFinite(float64(*b.SideDB)) {
			if side == nil {
				side = map[float64]float64{}
			}
			side[b.CentreHz] = float64(*b.SideDB) - ref
		}
	}
	return mid, side, nil
}

func isFinite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// CurveFromReports averages analysis reports into a curve (median per band;
// spread from the 16th and 84th percentiles). A band enters the curve when
// at least half the tracks have it.
func CurveFromReports(name, description, source string, reps []*analysis.Report) (*Curve, error) {
	mids := map[float64][]float64{}
	sides := map[float64][]float64{}
	used := 0
	for _, r := range reps {
		m, s, err := Normalized(r)
		if err != nil {
			continue
		}
		used++
		for f, v := range m {
			mids[f] = append(mids[f], v)
		}
		for f, v := range s {
			sides[f] = append(sides[f], v)
		}
	}
	if used == 0 {
		return nil, fmt.Errorf("curve %q: none of the %d tracks has a usable spectrum", name, len(reps))
	}
	c := &Curve{Name: name, Description: description, Source: source, Tracks: used}
	var freqs []float64
	for f, v := range mids {
		if 2*len(v) >= used {
			freqs = append(freqs, f)
		}
	}
	sort.Float64s(freqs)
	for _, f := range freqs {
		med, spread := robust(mids[f])
		b := CurveBand{CentreHz: f, MidDB: round2(med), MidSpreadDB: round2(spread)}
		if v := sides[f]; 2*len(v) >= used {
			sm, ss := robust(v)
			sm, ss = round2(sm), round2(ss)
			b.SideDB, b.SideSpreadDB = &sm, &ss
		}
		c.Bands = append(c.Bands, b)
	}
	return c, nil
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

// robust returns the median and half the 16th-84th percentile range.
func robust(v []float64) (median, spread float64) {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	q := func(p float64) float64 {
		x := p * float64(len(s)-1)
		i := int(x)
		if i+1 >= len(s) {
			return s[len(s)-1]
		}
		return s[i] + (x-float64(i))*(s[i+1]-s[i])
	}
	return q(0.5), (q(0.84) - q(0.16)) / 2
}

// At returns the curve's mid level and spread at a band centre; ok is false
// when the curve has no such band.
func (c *Curve) At(centreHz float64) (midDB, spreadDB float64, ok bool) {
	for _, b := range c.Bands {
		if math.Abs(b.CentreHz-centreHz) < 0.01*centreHz {
			return b.MidDB, b.MidSpreadDB, true
		}
	}
	return 0, 0, false
}

//go:embed curves
var builtinCurves embed.FS

// BuiltinCurve returns a curve shipped with mixdown by name ("neutral",
// "electronic", "orchestral").
func BuiltinCurve(name string) (*Curve, error) {
	data, err := builtinCurves.ReadFile(path.Join("curves", strings.ToLower(name)+".json"))
	if err != nil {
		return nil, fmt.Errorf("unknown tonal curve %q (built in: %s)", name, strings.Join(BuiltinCurveNames(), ", "))
	}
	return ParseCurve(data)
}

// BuiltinCurveNames lists the shipped curves.
func BuiltinCurveNames() []string {
	entries, _ := builtinCurves.ReadDir("curves")
	var n []string
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".json"); ok {
			n = append(n, name)
		}
	}
	return n
}

// ParseCurve reads a curve written by `mixdown curve`.
func ParseCurve(data []byte) (*Curve, error) {
	var c Curve
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("tonal curve: %w", err)
	}
	if len(c.Bands) < 10 {
		return nil, fmt.Errorf("tonal curve %q has %d bands (need at least 10)", c.Name, len(c.Bands))
	}
	for i, b := range c.Bands {
		if !isFinite(b.MidDB) || !isFinite(b.MidSpreadDB) || b.MidSpreadDB < 0 || b.CentreHz <= 0 || (i > 0 && b.CentreHz <= c.Bands[i-1].CentreHz) {
			return nil, fmt.Errorf("tonal curve %q: band %d is invalid", c.Name, i+1)
		}
	}
	return &c, nil
}

// SideToMidDB returns the curve's whole-band side-to-mid energy ratio (dB),
// comparable with analysis.Stereo.SideToMidDB; ok is false when the curve
// has no side data.
func (c *Curve) SideToMidDB() (db float64, ok bool) {
	var m, s float64
	for _, b := range c.Bands {
		if b.SideDB == nil {
			continue
		}
		m += math.Pow(10, b.MidDB/10)
		s += math.Pow(10, *b.SideDB/10)
	}
	if m == 0 {
		return 0, false
	}
	return 10 * math.Log10(s/m), true
}

// Band range over which spectral distances are measured (Hz).
const (
	DistanceLowHz  = 31.5
	DistanceHighHz = 16000
)

// SpectralDistanceDB measures how far the long-term spectra of a and b lie
// apart: the RMS over the 1/3-octave bands from 31.5 Hz to 16 kHz of the
// band-level difference, after removing its mean (so a pure level change
// measures 0 dB and only tonal balance counts). side compares the side
// spectra instead of the mid. It returns NaN when fewer than 8 bands are
// measurable in both.
func SpectralDistanceDB(a, b *analysis.Report, side bool, lowHz float64) float64 {
	level := func(band analysis.Band) float64 {
		if side {
			if band.SideDB == nil {
				return math.NaN()
			}
			return float64(*band.SideDB)
		}
		return float64(band.MidDB)
	}
	bl := map[float64]float64{}
	for _, band := range b.Spectrum.Bands {
		bl[band.CentreHz] = level(band)
	}
	var d []float64
	for _, band := range a.Spectrum.Bands {
		if band.CentreHz < lowHz*0.99 || band.CentreHz > DistanceHighHz {
			continue
		}
		x, y := level(band), bl[band.CentreHz]
		if v, ok := bl[band.CentreHz]; ok && isFinite(x) && isFinite(v) {
			d = append(d, x-y)
		}
	}
	if len(d) < 6 {
		return math.NaN()
	}
	var mean, ss float64
	for _, v := range d {
		mean += v
	}
	mean /= float64(len(d))
	for _, v := range d {
		ss += (v - mean) * (v - mean)
	}
	return math.Sqrt(ss / float64(len(d)))
}

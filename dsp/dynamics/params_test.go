package dynamics

import (
	"encoding/json"
	"math"
	"testing"
)

// Decoding starts from the defaults, so fields absent from a session file
// keep their default values (stereo_link and mix are true and 1, not the
// zero values); the tags are snake_case with units.
func TestParamsDecodeWithDefaults(t *testing.T) {
	var c CompressorParams
	if err := json.Unmarshal([]byte(`{"threshold_db": -12, "ratio": 8}`), &c); err != nil {
		t.Fatal(err)
	}
	want := DefaultCompressorParams()
	want.ThresholdDB, want.Ratio = -12, 8
	if c != want {
		t.Errorf("compressor decoded as %+v, want %+v", c, want)
	}
	// The YAML hook works through the function-based unmarshaler interface
	// the yaml packages call; here JSON stands in for the YAML decoder.
	var l LimiterParams
	if err := l.UnmarshalYAML(func(v any) error { return json.Unmarshal([]byte(`{"ceiling_dbtp": -2, "link": false}`), v) }); err != nil {
		t.Fatal(err)
	}
	wl := DefaultLimiterParams()
	wl.CeilingDBTP, wl.Link = -2, false
	if l != wl {
		t.Errorf("limiter decoded as %+v, want %+v", l, wl)
	}
	var g GateParams
	if err := json.Unmarshal([]byte(`{"range_db": -10, "ratio": 2}`), &g); err != nil {
		t.Fatal(err)
	}
	if g.RangeDB != -10 || g.Ratio != 2 || g.HoldMS != DefaultGateParams().HoldMS {
		t.Errorf("gate decoded as %+v", g)
	}
	var d DeEsserParams
	if err := json.Unmarshal([]byte(`{"freq_hz": 6000}`), &d); err != nil {
		t.Fatal(err)
	}
	if d.FreqHz != 6000 || d.Mode != DeEsserSplit || d.Q != 1 {
		t.Errorf("de-esser decoded as %+v", d)
	}
	var m MultibandParams
	if err := json.Unmarshal([]byte(`{"crossovers_hz": [150], "bands": [{"ratio": 3}, {"threshold_db": -10}]}`), &m); err != nil {
		t.Fatal(err)
	}
	if m.Mix != 1 || len(m.Bands) != 2 || m.Bands[0].Ratio != 3 || !m.Bands[1].StereoLink || m.Bands[1].ThresholdDB != -10 || m.Bands[1].Ratio != 4 {
		t.Errorf("multiband decoded as %+v", m)
	}
	if err := m.Validate(); err != nil {
		t.Error(err)
	}
	m = MultibandParams{}
	if err := json.Unmarshal([]byte(`{"mix": 0.5}`), &m); err != nil || m.Mix != 0.5 || len(m.Bands) != 3 {
		t.Errorf("multiband with only mix: %+v, %v", m, err)
	}
	// Round trip through JSON (a finite ratio: JSON has no infinity).
	b, err := json.Marshal(DefaultCompressorParams())
	if err != nil {
		t.Fatal(err)
	}
	if s := string(b); s != `{"threshold_db":-20,"ratio":4,"knee_db":6,"attack_ms":10,"release_ms":100,"makeup_db":0,"auto_makeup":false,"detector":"peak","rms_window_ms":10,"sidechain_hp_hz":0,"stereo_link":true,"lookahead_ms":0,"mix":1}` {
		t.Errorf("compressor JSON: %s", s)
	}
	for _, v := range []interface{ Validate() error }{DefaultCompressorParams(), DefaultLimiterParams(), DefaultGateParams(), DefaultDeEsserParams(), DefaultMultibandParams()} {
		if err := v.Validate(); err != nil {
			t.Errorf("defaults: %v", err)
		}
	}
	if math.IsInf(DefaultGateParams().Ratio, 0) {
		t.Error("default gate ratio must be finite so that JSON can encode it")
	}
}

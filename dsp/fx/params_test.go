package fx

import (
	"encoding/json"
	"reflect"
	"regexp"
	"testing"
)

// Every parameter field has matching snake_case json and yaml tags, and a
// session's JSON decodes on top of the defaults.
func TestParamTags(t *testing.T) {
	snake := regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	for _, v := range []any{ReverbParams{}, DelayParams{}, SaturationParams{}, WidthParams{}} {
		typ := reflect.TypeOf(v)
		for i := range typ.NumField() {
			f := typ.Field(i)
			j, y := f.Tag.Get("json"), f.Tag.Get("yaml")
			if j == "" || j != y {
				t.Errorf("%s.%s: json tag %q, yaml tag %q", typ.Name(), f.Name, j, y)
			}
			name, _, _ := cutComma(j)
			if !snake.MatchString(name) {
				t.Errorf("%s.%s: tag %q is not snake_case", typ.Name(), f.Name, name)
			}
		}
	}
	p := DefaultReverbParams()
	if err := json.Unmarshal([]byte(`{"decay_s": 3.5, "pre_delay_ms": 40, "hf_decay_ratio": 0.4}`), &p); err != nil {
		t.Fatal(err)
	}
	if p.DecayS != 3.5 || p.PreDelayMS != 40 || p.HFDecayRatio != 0.4 || p.SizeM != DefaultReverbParams().SizeM || p.Validate() != nil {
		t.Errorf("decoded %+v", p)
	}
	d := DefaultDelayParams()
	if err := json.Unmarshal([]byte(`{"sync": "1/8.", "tempo_bpm": 128, "ping_pong": true}`), &d); err != nil || d.Validate() != nil {
		t.Errorf("decoded %+v: %v", d, err)
	}
}

func cutComma(s string) (string, string, bool) {
	for i := range s {
		if s[i] == ',' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

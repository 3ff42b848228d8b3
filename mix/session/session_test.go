package session

import (
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/mixdown/mixdown/dsp/dynamics"
)

const good = `version: 1
sample_rate_hz: 44100
tracks:
  - name: kick
    file: kick.wav
    inserts:
      - {type: highpass, freq_hz: 30}
  - name: bass
    file: bass.wav
    pan: -0.2
    output: band
    inserts:
      - {type: compressor, sidechain: kick, ratio: 4}
    sends:
      - {to: verb, level_db: -12}
    automation:
      gain_db: [[0, -60], [2, 0]]
      send_db: {verb: [[0, -12], [10, -6]]}
buses:
  - name: band
  - name: verb
    inserts: [{type: reverb, decay_s: 2}]
`

func TestParseGood(t *testing.T) {
	s, err := Parse("good.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if s.SampleRate() != 44100 || s.OutputLayout() != LayoutStereo || s.DefaultPanLaw() != PanConstantPower || s.Tail() != DefaultTailS {
		t.Errorf("defaults: %d %s %s %g", s.SampleRate(), s.OutputLayout(), s.DefaultPanLaw(), s.Tail())
	}
	b := s.Track("bass")
	if b == nil || b.Pan != -0.2 || b.Output != "band" || len(b.Sends) != 1 || b.Sends[0].LevelDB != -12 {
		t.Fatalf("bass: %+v", b)
	}
	c, ok := b.Inserts[0].Params.(dynamics.CompressorParams)
	if !ok {
		t.Fatalf("compressor params: %T", b.Inserts[0].Params)
	}
	// Keys given are set; the others keep the processor's defaults.
	def := dynamics.DefaultCompressorParams()
	if c.Ratio != 4 || c.ThresholdDB != def.ThresholdDB || c.StereoLink != def.StereoLink || b.Inserts[0].Sidechain != "kick" {
		t.Errorf("compressor: %+v", c)
	}
	if got := b.Automation.GainDB.At(1); got != -30 {
		t.Errorf("gain envelope at 1 s = %g, want -30", got)
	}
	if l := b.Pos.KeyLine("pan"); l != 10 {
		t.Errorf("line of bass pan = %d, want 10", l)
	}
}

func TestEnvelopeAt(t *testing.T) {
	e := Envelope{{1, 0}, {2, 10}, {2, 20}, {4, 0}}
	for _, c := range []struct{ t, want float64 }{
		{0, 0}, {1, 0}, {1.5, 5}, {1.999, 9.99}, {2, 20}, {3, 10}, {4, 0}, {100, 0},
	} {
		if got := e.At(c.t); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("At(%g) = %g, want %g", c.t, got, c.want)
		}
	}
}

// TestParseErrors feeds one broken session per kind of mistake and checks
// the line and the message.
func TestParseErrors(t *testing.T) {
	base := func(body string) string { return "tracks:\n" + body }
	for _, c := range []struct {
		name, yaml string
		line       int
		msg        string
	}{
		{"not yaml", "tracks:\n  - name: a\n  file: [", 3, "not valid YAML"},
		{"empty", "", 0, "empty session"},
		{"no tracks", "version: 1\n", 1, "no tracks"},
		{"unknown top key", "sample_rate: 48000\n" + base("  - {name: a, file: a.wav}\n"), 1, `unknown key "sample_rate" (did you mean "sample_rate_hz"?)`},
		{"unknown track key", base("  - name: a\n    file: a.wav\n    volume: 3\n"), 4, `track "a": unknown key "volume"`},
		{"duplicate key", base("  - name: a\n    file: a.wav\n    pan: 0\n    pan: 1\n"), 5, `"pan" given twice (first on line 4)`},
		{"bad type", base("  - name: a\n    file: a.wav\n    gain_db: loud\n"), 4, `track "a": gain_db: expected a number, got "loud"`},
		{"bad bool", base("  - name: a\n    file: a.wav\n    mute: 1\n"), 4, `mute: expected true or false`},
		{"int rate", "sample_rate_hz: 44100.5\n" + base("  - {name: a, file: a.wav}\n"), 1, "expected a whole number"},
		{"list expected", base("  - name: a\n    file: a.wav\n    inserts: highpass\n"), 4, "inserts: expected a list"},
		{"pan range", base("  - name: bass\n    file: a.wav\n    pan: 1.7\n"), 4, `track "bass": pan 1.7 out of range [-1, 1]`},
		{"nan", base("  - name: a\n    file: a.wav\n    gain_db: .nan\n"), 4, "gain_db NaN out of range"},
		{"rate range", "sample_rate_hz: 100\n" + base("  - {name: a, file: a.wav}\n"), 1, "sample_rate_hz 100 out of range"},
		{"layout", "layout: quad\n" + base("  - {name: a, file: a.wav}\n"), 1, `layout "quad": use "mono", "stereo" or "5.1"`},
		{"pan law", base("  - {name: a, file: a.wav, pan_law: -3dB}\n"), 2, `pan_law "-3dB"`},
		{"no name", base("  - {file: a.wav}\n"), 2, "track without a name"},
		{"no file", base("  - {name: a}\n"), 2, `track "a": no file`},
		{"reserved name", base("  - {name: master, file: a.wav}\n"), 2, "reserved"},
		{"duplicate name", base("  - {name: a, file: a.wav}\n  - {name: a, file: b.wav}\n"), 3, `already used by the track on line 2`},
		{"bad output", base("  - {name: a, file: a.wav, output: drms}\n") + "buses:\n  - {name: drums}\n", 2, `output "drms": no such bus (did you mean "drums"?)`},
		{"output to track", base("  - {name: a, file: a.wav}\n  - {name: b, file: b.wav, output: a}\n"), 3, `output "a" is a track`},
		{"send target", base("  - name: a\n    file: a.wav\n    sends: [{to: verb}]\n"), 4, `send to "verb": no such bus`},
		{"send to master", base("  - name: a\n    file: a.wav\n    sends: [{to: master}]\n"), 4, "sends go to buses"},
		{"send twice", base("  - name: a\n    file: a.wav\n    sends: [{to: v}, {to: v}]\n") + "buses: [{name: v}]\n", 4, `two sends to "v"`},
		{"send level", base("  - name: a\n    file: a.wav\n    sends:\n      - to: v\n        level_db: 30\n") + "buses: [{name: v}]\n", 6, "level_db 30 out of range"},
		{"unknown insert", base("  - name: a\n    file: a.wav\n    inserts:\n      - type: compresor\n"), 5, `unknown insert type "compresor" (did you mean "compressor"?)`},
		{"insert without type", base("  - name: a\n    file: a.wav\n    inserts:\n      - ratio: 4\n"), 5, `missing "type"`},
		{"unknown param", base("  - name: a\n    file: a.wav\n    inserts:\n      - type: compressor\n        treshold_db: -20\n"), 6, `insert 1 (compressor): unknown key "treshold_db" (did you mean "threshold_db"?)`},
		{"hidden param", base("  - name: a\n    file: a.wav\n    inserts:\n      - {type: highpass, type: lowpass}\n"), 5, `"type" given twice`},
		{"param type", base("  - name: a\n    file: a.wav\n    inserts:\n      - type: compressor\n        ratio: high\n"), 6, `ratio: expected a number`},
		{"param range", base("  - name: a\n    file: a.wav\n    inserts:\n      - type: compressor\n        attack_ms: 5\n        ratio: 0.5\n"), 7, `insert 1 (compressor): `},
		{"sidechain unknown", base("  - name: a\n    file: a.wav\n    inserts:\n      - type: compressor\n        sidechain: kik\n") + "  - {name: kick, file: k.wav}\n", 6, `sidechain "kik": no such track or bus (did you mean "kick"?)`},
		{"sidechain self", base("  - name: a\n    file: a.wav\n    inserts:\n      - type: compressor\n        sidechain: a\n"), 6, `sidechain "a" is this insert's own track`},
		{"sidechain unkeyed", base("  - name: a\n    file: a.wav\n    inserts:\n      - type: highpass\n        sidechain: b\n") + "  - {name: b, file: b.wav}\n", 6, "a highpass does not take a sidechain"},
		{"cycle", base("  - {name: a, file: a.wav, output: x}\n") + "buses:\n  - name: x\n    output: y\n  - name: y\n    output: x\n", 7, `routing cycle: bus "x" -(output)-> bus "y" -(output)-> bus "x"`},
		{"cycle through send", base("  - {name: a, file: a.wav, output: x}\n") + "buses:\n  - name: x\n    sends: [{to: y}]\n  - name: y\n    output: x\n", 7, `routing cycle: bus "x" -(send)-> bus "y" -(output)-> bus "x"`},
		{"cycle through sidechain", base("  - {name: a, file: a.wav, output: x}\n  - name: b\n    file: b.wav\n    inserts:\n      - type: compressor\n        sidechain: x\n    output: x\n") + "buses:\n  - name: x\n", 8, `routing cycle: bus "x" -(sidechain)-> track "b" -(output)-> bus "x"`},
		{"bus self output", base("  - {name: a, file: a.wav}\n") + "buses:\n  - {name: x, output: x}\n", 4, "cannot feed itself"},
		{"envelope order", base("  - name: a\n    file: a.wav\n    automation:\n      gain_db: [[2, 0], [1, -6]]\n"), 5, "breakpoint 2: time 1 s is before the previous breakpoint"},
		{"envelope value", base("  - name: a\n    file: a.wav\n    automation:\n      pan: [[0, 0], [1, 3]]\n"), 5, "breakpoint 2: value 3 out of range [-1, 1]"},
		{"envelope pair", base("  - name: a\n    file: a.wav\n    automation:\n      pan: [[0, 0, 1]]\n"), 5, "expected a pair [time_s, value]"},
		{"envelope empty", base("  - name: a\n    file: a.wav\n    automation:\n      pan: []\n"), 5, "at least one breakpoint"},
		{"send envelope without value", base("  - name: a\n    file: a.wav\n    sends: [{to: v}]\n    automation:\n      send_db: {v}\n") + "buses: [{name: v}]\n", 6, `send_db: v: expected a list of [time_s, value] breakpoints, got nothing`},
		{"send automation without send", base("  - name: a\n    file: a.wav\n    automation:\n      send_db: {v: [[0, 0]]}\n") + "buses: [{name: v}]\n", 5, `send_db: "v" is not one of this track's sends`},
		{"angle in stereo", base("  - {name: a, file: a.wav, angle_deg: 30}\n"), 2, "angle_deg needs a 5.1 destination"},
		{"lfe in stereo", base("  - {name: a, file: a.wav, lfe_db: -10}\n"), 2, "lfe_db needs a 5.1 destination"},
		{"region", base("  - {name: a, file: a.wav, start_s: 5, end_s: 4}\n"), 2, "end_s 4 is not after start_s 5"},
		{"fades", base("  - {name: a, file: a.wav, end_s: 4, fade_in_s: 3, fade_out_s: 2}\n"), 2, "longer than the region"},
		{"version", "version: 2\n" + base("  - {name: a, file: a.wav}\n"), 1, "this mixdown reads version 1"},
		{"merge key", "x: &x {gain_db: 1}\n" + base("  - {<<: *x, name: a, file: a.wav}\n"), 1, "unknown key"},
		{"master key", base("  - {name: a, file: a.wav}\n") + "master:\n  pan: 0.5\n", 4, `master: unknown key "pan"`},
		{"fold-down in stereo", "fold_down_max_loss_db: 3\n" + base("  - {name: a, file: a.wav}\n"), 1, "5.1 sessions only"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("s.yaml", []byte(c.yaml))
			if err == nil {
				t.Fatalf("no error for\n%s", c.yaml)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error does not wrap ErrInvalid: %v", err)
			}
			first := err
			var es Errors
			if errors.As(err, &es) {
				first = es[0]
			}
			var e *Error
			if !errors.As(first, &e) {
				t.Fatalf("not an *Error: %T %v", err, err)
			}
			if e.Line != c.line {
				t.Errorf("line %d, want %d: %v", e.Line, c.line, err)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %q does not contain %q", err, c.msg)
			}
			if c.line > 0 && !strings.HasPrefix(err.Error(), "s.yaml:") {
				t.Errorf("error does not start with the file and line: %v", err)
			}
		})
	}
}

// TestParseErrorsAll reports several problems at once, in line order.
func TestParseErrorsAll(t *testing.T) {
	_, err := Parse("s.yaml", []byte("tracks:\n  - {name: a, file: a.wav, pan: 5}\n  - {name: b, file: b.wav, gain_db: 99}\n"))
	var es Errors
	if !errors.As(err, &es) || len(es) != 2 || es[0].Line != 2 || es[1].Line != 3 {
		t.Fatalf("want two errors on lines 2 and 3, got %v", err)
	}
}

func TestLoadMissingFiles(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "here.wav"), []byte("x"), 0o644)
	os.Mkdir(filepath.Join(dir, "adir"), 0o755)
	p := filepath.Join(dir, "s.yaml")
	os.WriteFile(p, []byte("tracks:\n  - name: a\n    file: here.wav\n  - name: b\n    file: gone.wav\n  - name: c\n    file: adir\n"), 0o644)
	_, err := Load(p)
	var es Errors
	if !errors.As(err, &es) || len(es) != 2 {
		t.Fatalf("want 2 errors, got %v", err)
	}
	if es[0].Line != 5 || !strings.Contains(es[0].Msg, "gone.wav") || !errors.Is(es[0], fs.ErrNotExist) {
		t.Errorf("missing file: %v", es[0])
	}
	if es[1].Line != 7 || !strings.Contains(es[1].Msg, "is a directory") {
		t.Errorf("directory: %v", es[1])
	}
	if !strings.HasPrefix(err.Error(), p+":5: ") {
		t.Errorf("message: %v", err)
	}
	if _, err := Load(filepath.Join(dir, "none.yaml")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing session: %v", err)
	}
}

func TestAliases(t *testing.T) {
	s, err := Parse("a.yaml", []byte(`
comp: &comp {type: compressor, ratio: 3}
tracks:
  - {name: a, file: a.wav, inserts: [*comp]}
  - {name: b, file: b.wav, inserts: [*comp]}
`))
	if err == nil {
		t.Fatalf("top-level unknown key accepted: %+v", s)
	}
	// Aliases are fine inside the model.
	s, err = Parse("a.yaml", []byte(`
tracks:
  - {name: a, file: a.wav, inserts: [&comp {type: compressor, ratio: 3}]}
  - {name: b, file: b.wav, inserts: [*comp]}
`))
	if err != nil {
		t.Fatal(err)
	}
	if s.Tracks[1].Inserts[0].Params.(dynamics.CompressorParams).Ratio != 3 {
		t.Error("alias not followed")
	}
	// A billion laughs is refused quickly.
	var b strings.Builder
	b.WriteString("tracks:\n  - {name: a, file: a.wav, automation: {pan: &l0 [[0, 0]]}}\n")
	b.WriteString("buses:\n")
	prev := "l0"
	for i := 1; i < 30; i++ {
		name := "l" + string(rune('a'+i%26)) + string(rune('a'+i/26))
		b.WriteString("  - {name: b" + name + ", automation: {send_db: &" + name + " {x: *" + prev + ", y: *" + prev + "}}}\n")
		prev = name
	}
	if _, err := Parse("laughs.yaml", []byte(b.String())); err == nil {
		t.Error("exponential aliasing accepted")
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	s, err := Parse("good.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	data, err := Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse("again.yaml", data)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	if !Equal(s, back) {
		t.Fatalf("round trip differs:\n%s", data)
	}
	if !strings.Contains(string(data), "gain_db: [[0, -60], [2, 0]]") {
		t.Errorf("envelopes are not written on one line:\n%s", data)
	}
	// A session built in code validates and marshals too.
	w := 0.5
	code := &Session{Tracks: []Track{{Name: "x", File: "x.wav", Width: &w, Inserts: []Insert{{Type: "compressor"}}}}}
	if err := code.Validate(); err != nil {
		t.Fatal(err)
	}
	data, err = Marshal(code)
	if err != nil {
		t.Fatal(err)
	}
	back, err = Parse("code.yaml", data)
	if err != nil || !Equal(code, back) {
		t.Fatalf("code-built session: %v\n%s", err, data)
	}
	// An empty send envelope would not survive the round trip: an error.
	withSend := &Session{Tracks: []Track{{Name: "x", File: "x.wav", Sends: []Send{{To: "v"}},
		Automation: Automation{SendDB: map[string]Envelope{"v": nil}}}}, Buses: []Bus{{Name: "v"}}}
	if err := withSend.Validate(); err == nil || !strings.Contains(err.Error(), "at least one breakpoint") {
		t.Errorf("empty send envelope: %v", err)
	}
	// A code-built session's errors have no file or line.
	code.Tracks[0].Pan = 9
	if err := code.Validate(); err == nil || err.Error() != `track "x": pan 9 out of range [-1, 1]` {
		t.Errorf("code-built error: %v", err)
	}
}

func FuzzParseSession(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte("tracks:\n  - {name: a, file: a.wav, pan: 1.7}\n"))
	f.Add([]byte("tracks:\n  - {name: a, file: a.wav, output: x}\nbuses:\n  - {name: x, output: y}\n  - {name: y, output: x}\n"))
	f.Add([]byte("layout: '5.1'\ntracks:\n  - {name: a, file: a.wav, angle_deg: 110, lfe_db: -6, automation: {angle_deg: [[0, 0], [5, 180]]}}\n"))
	f.Add([]byte("tracks:\n  - name: a\n    file: a.wav\n    inserts:\n      - {type: reverb, decay_s: 2, mix: 0.3}\n      - {type: limiter}\n"))
	f.Add([]byte("x: &a [1, 2]\ny: *a\n"))
	f.Add([]byte("{\"tracks\": [{\"name\": \"a\", \"file\": \"a.wav\"}]}"))
	if data, err := os.ReadFile("../example.yaml"); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error does not wrap ErrInvalid: %v", err)
			}
			return
		}
		// Whatever parses survives a round trip.
		out, err := Marshal(s)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		back, err := Parse("again.yaml", out)
		if err != nil {
			t.Fatalf("re-parse: %v\n%s", err, out)
		}
		if !Equal(s, back) {
			t.Fatalf("round trip differs:\n%s", out)
		}
	})
}

// A session file of MaxFileSize that is one long list of empty items (the
// most YAML nodes per byte) is refused with an error naming the file,
// without allocating more than the YAML node tree needs: the list's
// length is charged to the decoder's budget before its slice is made, and
// the field tables are computed once per type. A file over MaxFileSize is
// refused before it is parsed.
func TestParseHugeList(t *testing.T) {
	items := (MaxFileSize - 32) / 3
	data := []byte("version: 1\ntracks: [" + strings.Repeat("{},", items) + "]\n")
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := Parse("huge.yaml", data)
	runtime.ReadMemStats(&after)
	alloc := float64(after.TotalAlloc-before.TotalAlloc) / (1 << 20)
	t.Logf("%d items: %.0f MiB allocated, %.80v", items, alloc, err)
	if err == nil || !strings.Contains(err.Error(), "huge.yaml") {
		t.Errorf("a list of %d empty tracks: %v, want an error naming the file", items, err)
	}
	if alloc > 400 {
		t.Errorf("parsing %d bytes allocated %.0f MiB (limit 400)", len(data), alloc)
	}
	_, err = Parse("big.yaml", append(data, make([]byte, MaxFileSize)...))
	if err == nil || !strings.Contains(err.Error(), "big.yaml") || !strings.Contains(err.Error(), "bytes") {
		t.Errorf("a file over MaxFileSize: %v", err)
	}
}

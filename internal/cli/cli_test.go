package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/audio/audiofile"
	"github.com/mixdown/mixdown/internal/refmeter"
	"github.com/mixdown/mixdown/internal/testutil"
)

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = Run(context.Background(), Env{Stdout: &o, Stderr: &e}, args)
	return code, o.String(), e.String()
}

func readFile(t *testing.T, path string) (audiofile.Info, audio.Buffer) {
	t.Helper()
	f, err := audiofile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return f.Info(), testutil.ReadAll(t, f, 0)
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.wav")
	os.WriteFile(junk, []byte("this is not audio"), 0o644)
	good := filepath.Join(dir, "good.wav")
	if code, _, e := run(t, "generate", "tone", good, "--seconds", "1"); code != 0 {
		t.Fatalf("generate: %d %s", code, e)
	}
	for _, c := range []struct {
		args []string
		code int
		text string
	}{
		{[]string{"version"}, ExitOK, ""},
		{[]string{"analyze"}, ExitUsage, "at least 1"},
		{[]string{"convert", good}, ExitUsage, "takes 2"},
		{[]string{"convert", good, filepath.Join(dir, "o.wav"), "--bits", "17"}, ExitUsage, "--bits"},
		{[]string{"convert", good, filepath.Join(dir, "o.mp3")}, ExitUsage, "output format"},
		{[]string{"convert", good, filepath.Join(dir, "o.flac"), "--bits", "32f"}, ExitUsage, "FLAC"},
		{[]string{"analyze", "--nonsense", good}, ExitUsage, "unknown flag"},
		{[]string{"analyze", junk}, ExitBadInput, junk},
		{[]string{"analyze", filepath.Join(dir, "missing.flac")}, ExitBadInput, "missing.flac"},
		{[]string{"convert", junk, filepath.Join(dir, "o.wav")}, ExitBadInput, "not a recognised audio format"},
		{[]string{"convert", good, filepath.Join(dir, "no", "such", "dir.wav")}, ExitOutput, "dir.wav"},
	} {
		code, _, stderr := run(t, c.args...)
		if code != c.code || !strings.Contains(stderr, c.text) {
			t.Errorf("%v: exit %d (want %d), stderr %q (want %q)", c.args, code, c.code, stderr, c.text)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("failed commands left files behind: %v", entries)
	}
}

// WAV 16 -> FLAC -> AIFF -> WAV is bit-exact (no dither when nothing
// leaves the grid); 24 -> 16 is dithered; resampling gives the exact length.
func TestConvert(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src.wav")
	if code, _, e := run(t, "generate", "song", src, "--seconds", "3", "--bits", "16"); code != 0 {
		t.Fatal(e)
	}
	_, want := readFile(t, src)
	chain := []string{src, filepath.Join(dir, "a.flac"), filepath.Join(dir, "b.aiff"), filepath.Join(dir, "c.wav")}
	for i := 1; i < len(chain); i++ {
		if code, _, e := run(t, "convert", chain[i-1], chain[i]); code != 0 {
			t.Fatalf("convert %s: %s", chain[i], e)
		}
	}
	info, got := readFile(t, chain[len(chain)-1])
	if info.Format.Bits != 16 || testutil.MaxAbsDiff(t, want, got) != 0 {
		t.Fatalf("16-bit chain not bit-exact (bits %d)", info.Format.Bits)
	}

	// 24-bit to 16-bit: TPDF dither, error variance 1/4 LSB².
	src24 := filepath.Join(dir, "src24.wav")
	run(t, "generate", "song", src24, "--seconds", "3", "--bits", "24")
	out16 := filepath.Join(dir, "d16.wav")
	if code, _, e := run(t, "convert", src24, out16, "--bits", "16"); code != 0 {
		t.Fatal(e)
	}
	_, a := readFile(t, src24)
	_, b := readFile(t, out16)
	var v float64
	for c := range a {
		for i := range a[c] {
			d := (float64(b[c][i]) - float64(a[c][i])) * 32768
			v += d * d
		}
	}
	v /= float64(2 * a.Frames())
	if math.Abs(v-0.25) > 0.02 {
		t.Fatalf("24->16 error variance %.3f LSB², want 0.25 (TPDF)", v)
	}

	// Resampling: exact length and preserved loudness of a tone.
	out96 := filepath.Join(dir, "r96.flac")
	if code, _, e := run(t, "convert", src, out96, "--rate", "96000", "--bits", "24"); code != 0 {
		t.Fatal(e)
	}
	info, r := readFile(t, out96)
	wantN := int((int64(want.Frames())*96000 + 44100/2) / 44100)
	if info.Format.SampleRate != 96000 || r.Frames() != wantN {
		t.Fatalf("resampled to %d Hz, %d frames; want 96000, %d", info.Format.SampleRate, r.Frames(), wantN)
	}
}

func TestAnalyzeJSONAndPartialFailure(t *testing.T) {
	dir := t.TempDir()
	tone := filepath.Join(dir, "tone.wav")
	run(t, "generate", "tone", tone, "--seconds", "5")
	bad := filepath.Join(dir, "bad.wav")
	os.WriteFile(bad, []byte("RIFF\x00\x00"), 0o644)
	code, out, stderr := run(t, "analyze", "--json", tone, bad)
	if code != ExitBadInput || !strings.Contains(stderr, "bad.wav") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var doc struct {
		Schema string `json:"schema"`
		Files  []struct {
			Path   string          `json:"path"`
			Error  string          `json:"error"`
			Report json.RawMessage `json:"report"`
		} `json:"files"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, out)
	}
	if doc.Schema != AnalyzeSchema || len(doc.Files) != 2 || doc.Files[0].Report == nil || doc.Files[1].Error == "" {
		t.Fatalf("document %+v", doc)
	}
	var rep struct {
		Loudness struct {
			Integrated float64 `json:"integrated_lufs"`
		} `json:"loudness"`
	}
	if err := json.Unmarshal(doc.Files[0].Report, &rep); err != nil {
		t.Fatal(err)
	}
	if math.Abs(rep.Loudness.Integrated+23) > 0.1 {
		t.Fatalf("calibration tone reads %.2f LUFS, want -23.0", rep.Loudness.Integrated)
	}
	// -o writes the report atomically instead of printing it.
	rpt := filepath.Join(dir, "r.txt")
	if code, out, _ := run(t, "analyze", tone, "-o", rpt); code != 0 || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	if b, _ := os.ReadFile(rpt); !strings.Contains(string(b), "LUFS") {
		t.Fatalf("report file: %q", b)
	}
}

func TestInterruptRemovesPartialOutput(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src.wav")
	run(t, "generate", "pink", src, "--seconds", "5")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var o, e bytes.Buffer
	code := Run(ctx, Env{Stdout: &o, Stderr: &e}, []string{"convert", src, filepath.Join(dir, "out.wav")})
	if code != ExitInterrupted {
		t.Fatalf("exit %d, want %d (%s)", code, ExitInterrupted, e.String())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("interrupted convert left %v", entries)
	}
}

// The demo's generated files carry known properties and defects; its
// report must find each of them, and nothing alarming on the clean song.
func TestDemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	code, out, e := run(t, "demo", dir, "--seconds", "24")
	if code != 0 {
		t.Fatalf("demo: %d %s", code, e)
	}
	if !strings.Contains(out, "LUFS") {
		t.Errorf("demo printed no report")
	}
	// The mixed and mastered demo song: the master meets the Spotify
	// target by ffmpeg's meter, and the reports say so.
	ff := refmeter.FFmpegFile(t, filepath.Join(dir, "master.wav"))
	if math.Abs(ff.Integrated+14) > 0.15 || ff.MaxTruePeakDB() > -1 {
		t.Errorf("demo master measures %v with ffmpeg; want -14 LUFS, <= -1 dBTP", ff)
	}
	var mrep struct {
		Schema string `json:"schema"`
		Checks []struct {
			Name string `json:"name"`
			Pass bool   `json:"pass"`
		} `json:"checks"`
	}
	if raw, err := os.ReadFile(filepath.Join(dir, "master-report.json")); err != nil {
		t.Fatal(err)
	} else if err := json.Unmarshal(raw, &mrep); err != nil || mrep.Schema != "mixdown.master/v1" || len(mrep.Checks) == 0 {
		t.Fatalf("master report %s: %v", raw, err)
	}
	for _, c := range mrep.Checks {
		if !c.Pass {
			t.Errorf("demo master check failed: %s", c.Name)
		}
	}
	for _, f := range []string{"mix.wav", "mix-report.json", "stems/bus-drums.wav", "multitrack/session.yaml", "preview/preview-after.wav"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("demo did not write %s: %v", f, err)
		}
	}

	raw, err := os.ReadFile(filepath.Join(dir, "signals", "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Files []struct {
			Path   string `json:"path"`
			Report struct {
				Loudness struct {
					Integrated float64 `json:"integrated_lufs"`
				} `json:"loudness"`
				Findings []struct {
					Code string `json:"code"`
				} `json:"findings"`
			} `json:"report"`
		} `json:"files"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"song.wav":               {},
		"song.flac":              {},
		"song-defects.wav":       {"clipping", "dc_offset", "hum", "silence_head"},
		"song-16bit-in-24.wav":   {"bit_depth"},
		"song-upsampled-96k.wav": {"upsampled"},
		"tone-1k-minus23.wav":    {},
	}
	for _, f := range doc.Files {
		name := filepath.Base(f.Path)
		codes := map[string]bool{}
		for _, x := range f.Report.Findings {
			codes[x.Code] = true
		}
		for _, c := range want[name] {
			if !codes[c] {
				t.Errorf("%s: no %q finding (got %v)", name, c, codes)
			}
		}
		for _, c := range []string{"clipping", "hum", "dc_offset", "bit_depth", "upsampled"} {
			if len(want[name]) == 0 && codes[c] {
				t.Errorf("%s: unexpected %q finding", name, c)
			}
		}
		if name == "tone-1k-minus23.wav" && math.Abs(f.Report.Loudness.Integrated+23) > 0.05 {
			t.Errorf("calibration tone reads %.3f LUFS", f.Report.Loudness.Integrated)
		}
	}
	if len(doc.Files) != len(want) {
		t.Errorf("report has %d files, want %d", len(doc.Files), len(want))
	}
}

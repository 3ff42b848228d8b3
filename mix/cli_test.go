package mix_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/audio/audiofile"
	"github.com/mixdown/mixdown/internal/cli"
	"github.com/mixdown/mixdown/internal/synth"
	"github.com/mixdown/mixdown/mix"
)

func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var o, e bytes.Buffer
	code := cli.Run(context.Background(), cli.Env{Stdout: &o, Stderr: &e}, args)
	return code, o.String(), e.String()
}

// TestCLI drives `mixdown mix`: --init on a folder of stems, a render with
// stems and a JSON report, and the exit codes of bad sessions and outputs.
func TestCLI(t *testing.T) {
	dir := t.TempDir()
	stems := filepath.Join(dir, "stems")
	os.Mkdir(stems, 0o755)
	const rate = 44100
	b := synth.SongBuffer(rate, 2, 7)
	for _, name := range []string{"drums", "bass", "keys"} {
		w, err := audiofile.Create(filepath.Join(stems, name+".wav"), audio.Format{SampleRate: rate, Channels: 2, Type: audio.SampleInt, Bits: 16}, audiofile.WriteOptions{Dither: audio.DitherTPDF})
		if err != nil {
			t.Fatal(err)
		}
		w.WriteFrames(b)
		w.Close()
	}
	os.WriteFile(filepath.Join(stems, "notes.txt"), []byte("not audio"), 0o644)

	code, out, errOut := run(t, "mix", "--init", stems)
	if code != 0 || !strings.Contains(out, "3 tracks") {
		t.Fatalf("--init: %d %s %s", code, out, errOut)
	}
	sessionPath := filepath.Join(stems, "session.yaml")
	if code, _, errOut := run(t, "mix", "--init", stems); code != cli.ExitUsage || !strings.Contains(errOut, "already exists") {
		t.Errorf("--init over an existing session: %d %s", code, errOut)
	}
	text, _ := os.ReadFile(sessionPath)
	if !strings.Contains(string(text), "sample_rate_hz: 44100") || !strings.Contains(string(text), "file: bass.wav") {
		t.Errorf("init session:\n%s", text)
	}
	// Route two tracks into a bus so that there is a bus stem.
	edited := strings.Replace(string(text), "    file: bass.wav\n", "    file: bass.wav\n    output: band\n", 1)
	edited = strings.Replace(edited, "    file: drums.wav\n", "    file: drums.wav\n    output: band\n", 1)
	edited = strings.Replace(edited, "\nmaster:\n", "\nbuses: [{name: band}]\n\nmaster:\n", 1)
	os.WriteFile(sessionPath, []byte(edited), 0o644)

	mixPath := filepath.Join(dir, "mix.flac")
	stemDir := filepath.Join(dir, "out-stems")
	report := filepath.Join(dir, "report.json")
	code, out, errOut = run(t, "mix", sessionPath, "-o", mixPath, "--stems", stemDir, "--stems-tracks", "--report", report)
	if code != 0 {
		t.Fatalf("mix: %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "bus band") || !strings.Contains(out, "master") {
		t.Errorf("text report:\n%s", out)
	}
	f, err := audiofile.Open(mixPath)
	if err != nil {
		t.Fatal(err)
	}
	info := f.Info()
	f.Close()
	if info.Codec != "flac" || info.Format.SampleRate != rate || info.Frames != 2*rate {
		t.Errorf("mix file: %+v", info)
	}
	ents, _ := os.ReadDir(stemDir)
	if len(ents) != 4 {
		t.Errorf("%d stems written, want 4 (1 bus, 3 tracks)", len(ents))
	}
	var rep mix.Report
	data, _ := os.ReadFile(report)
	if err := json.Unmarshal(data, &rep); err != nil || rep.Schema != mix.ReportSchema || len(rep.Tracks) != 3 || len(rep.Buses) != 1 {
		t.Errorf("JSON report: %v %+v", err, rep)
	}

	// Exit codes.
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("tracks:\n  - name: a\n    file: stems/bass.wav\n    pan: 1.7\n"), 0o644)
	missing := filepath.Join(dir, "missing.yaml")
	os.WriteFile(missing, []byte("tracks:\n  - name: a\n    file: nowhere.wav\n"), 0o644)
	for _, c := range []struct {
		args []string
		code int
		text string
	}{
		{[]string{"mix", bad, "-o", filepath.Join(dir, "x.wav")}, cli.ExitBadInput, bad + ":4: track \"a\": pan 1.7 out of range [-1, 1]"},
		{[]string{"mix", missing, "-o", filepath.Join(dir, "x.wav")}, cli.ExitBadInput, missing + ":3: track \"a\": file"},
		{[]string{"mix", filepath.Join(dir, "none.yaml"), "-o", filepath.Join(dir, "x.wav")}, cli.ExitBadInput, "none.yaml"},
		{[]string{"mix", sessionPath}, cli.ExitUsage, "-o OUT"},
		{[]string{"mix", sessionPath, "-o", filepath.Join(dir, "x.mp3")}, cli.ExitUsage, "output format"},
		{[]string{"mix", sessionPath, "-o", filepath.Join(dir, "no", "dir", "x.wav")}, cli.ExitOutput, "x.wav"},
		{[]string{"mix", "--init", filepath.Join(dir, "nodir")}, cli.ExitBadInput, "nodir"},
	} {
		code, _, errOut := run(t, c.args...)
		if code != c.code || !strings.Contains(errOut, c.text) {
			t.Errorf("%v: exit %d (want %d), stderr %q (want %q)", c.args, code, c.code, errOut, c.text)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x.wav")); err == nil {
		t.Error("a failed render left an output file")
	}
}

// TestDemoSession renders the demo song.
func TestDemoSession(t *testing.T) {
	dir := t.TempDir()
	p, err := mix.WriteDemo(dir, 12)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "mix.wav")
	code, stdout, stderr := run(t, "mix", p, "-o", out, "--report", filepath.Join(dir, "report.json"))
	if code != 0 {
		t.Fatalf("%d\n%s\n%s", code, stdout, stderr)
	}
	var rep mix.Report
	data, _ := os.ReadFile(filepath.Join(dir, "report.json"))
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Tracks) != 6 || len(rep.Buses) != 4 || rep.Seconds < 12 || rep.Seconds > 18 {
		t.Errorf("demo: %d tracks, %d buses, %.1f s", len(rep.Tracks), len(rep.Buses), rep.Seconds)
	}
	resampled := false
	for _, tr := range rep.Tracks {
		resampled = resampled || tr.Source.Resampled
		if tr.Meter == nil || !tr.Meter.IntegratedLUFS.Finite() {
			t.Errorf("track %s not metered", tr.Name)
		}
	}
	if !resampled {
		t.Error("no track was resampled")
	}
	if tp := float64(rep.Master.TruePeakDBTP); tp > -0.9 {
		t.Errorf("master true peak %.2f dBTP above the limiter's -1", tp)
	}
	if len(rep.Warnings) > 0 {
		t.Errorf("warnings: %v", rep.Warnings)
	}
}

// TestDemoShort renders demos shorter than the chords' usual 4 s fade-in,
// which must shrink to fit the region.
func TestDemoShort(t *testing.T) {
	for _, seconds := range []float64{0.5, 2} {
		dir := t.TempDir()
		p, err := mix.WriteDemo(dir, seconds)
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, "mix.wav")
		code, stdout, stderr := run(t, "mix", p, "-o", out, "--report", filepath.Join(dir, "report.json"))
		if code != 0 {
			t.Fatalf("%g s demo: exit %d\n%s\n%s", seconds, code, stdout, stderr)
		}
		var rep mix.Report
		data, _ := os.ReadFile(filepath.Join(dir, "report.json"))
		if err := json.Unmarshal(data, &rep); err != nil {
			t.Fatal(err)
		}
		if rep.Seconds < seconds {
			t.Errorf("%g s demo rendered %.2f s", seconds, rep.Seconds)
		}
	}
}

// TestRenderFileCommitFails makes a file's final rename fail (its path is a
// directory) after the others are written: the render must fail as a write
// error naming it and leave neither the master nor any stem behind.
func TestRenderFileCommitFails(t *testing.T) {
	dir := t.TempDir()
	p, err := mix.WriteDemo(dir, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	opt := mix.FileOptions{StemDir: filepath.Join(dir, "stems-ok"), StemTracks: true}
	if _, err := mix.RenderFile(context.Background(), p, filepath.Join(dir, "ok.wav"), opt); err != nil {
		t.Fatal(err)
	}
	names, err := os.ReadDir(opt.StemDir)
	if err != nil || len(names) < 2 {
		t.Fatalf("stems: %v %v", names, err)
	}
	for _, blocked := range []string{"mix.wav", names[0].Name(), names[len(names)-1].Name()} {
		sub := filepath.Join(dir, "try-"+blocked)
		opt.StemDir = filepath.Join(sub, "stems")
		out := filepath.Join(sub, "mix.wav")
		target := out
		if blocked != "mix.wav" {
			target = filepath.Join(opt.StemDir, blocked)
		}
		if err := os.MkdirAll(filepath.Join(target, "occupied"), 0o755); err != nil {
			t.Fatal(err)
		}
		_, err := mix.RenderFile(context.Background(), p, out, opt)
		if !mix.IsWriteError(err) || !strings.Contains(err.Error(), blocked) {
			t.Errorf("%s blocked: %v, want a write error naming it", blocked, err)
		}
		if blocked != "mix.wav" {
			if _, err := os.Stat(out); err == nil {
				t.Errorf("%s blocked: the master was left behind", blocked)
			}
		}
		left, _ := os.ReadDir(opt.StemDir)
		for _, e := range left {
			if e.Name() != blocked {
				t.Errorf("%s blocked: a failed render left %s", blocked, e.Name())
			}
		}
	}
}

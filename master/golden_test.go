package master

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"golang.org/x/sys/cpu"

	"github.com/mixdown/mixdown/audio"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.json")

// golden is what a master of a generated input measured.
type golden struct {
	Chain        []string           `json:"chain"`
	ReachedLUFS  float64            `json:"reached_lufs"`
	TruePeakDBTP float64            `json:"true_peak_dbtp"`
	RangeLU      float64            `json:"range_lu"`
	PLRLU        float64            `json:"plr_lu"`
	LimiterMaxDB float64            `json:"limiter_max_db"`
	BandsDB      map[string]float64 `json:"bands_db"`
	// SHA256 of the written file, recorded for one kernel set (the SIMD
	// paths round differently from the portable ones).
	SHA256  string `json:"sha256"`
	Kernels string `json:"kernels"`
}

// kernels names the arithmetic paths this machine takes.
func kernels() string {
	if runtime.GOARCH == "amd64" && cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		return "amd64-avx2-fma"
	}
	return runtime.GOARCH + "-portable"
}

type goldenCase struct {
	name   string
	input  func() (audio.Buffer, int)
	preset string
	out    Output
}

func goldenCases() []goldenCase {
	return []goldenCase{
		{"song-spotify-24", func() (audio.Buffer, int) { return song(44100, 8, -10), 44100 }, "spotify", Output{Bits: 24}},
		{"dynamic-ebu-16-shaped", func() (audio.Buffer, int) { return dynamicPiece(48000, 8), 48000 }, "ebu-r128", Output{Bits: 16, Dither: audio.DitherShaped}},
		{"mono-cd-16", func() (audio.Buffer, int) { b := song(44100, 8, -16); return b[:1], 44100 }, "cd", Output{Bits: 16}},
		{"song-apple-48k-flac", func() (audio.Buffer, int) { return song(44100, 8, -20), 44100 }, "apple-music", Output{SampleRate: 48000}},
	}
}

// TestGoldenMetrics masters generated inputs and compares loudness, peaks,
// band levels and the output's hash with testdata/golden.json (go test
// -run TestGoldenMetrics -update rewrites it). Any change to the chain's
// sound shows up here as a diff to review.
func TestGoldenMetrics(t *testing.T) {
	path := filepath.Join("testdata", "golden.json")
	want := map[string]golden{}
	if data, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	} else if !*update {
		t.Fatalf("%s: %v (run with -update to create it)", path, err)
	}
	got := map[string]golden{}
	dir := t.TempDir()
	for _, c := range goldenCases() {
		b, rate := c.input()
		in := writeFloat(t, filepath.Join(dir, c.name+"-in.wav"), b, rate)
		tgt, err := Preset(c.preset)
		if err != nil {
			t.Fatal(err)
		}
		out := c.out
		out.Path = filepath.Join(dir, c.name+".wav")
		if c.name == "song-apple-48k-flac" {
			out.Path = filepath.Join(dir, c.name+".flac")
		}
		res, err := Master(context.Background(), FileSource(in), nil, out, DefaultOptions(tgt), nil)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		data, err := os.ReadFile(out.Path)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		g := golden{Chain: res.Chain, ReachedLUFS: round3(res.ReachedLUFS), TruePeakDBTP: round3(res.TruePeakDBTP),
			RangeLU: round2(res.Output.Loudness.RangeLU), PLRLU: round2(float64(res.Output.Loudness.PLRLU)),
			LimiterMaxDB: round2(res.Limiter.MaxDB), BandsDB: map[string]float64{},
			SHA256: hex.EncodeToString(sum[:]), Kernels: kernels()}
		for _, band := range res.Output.Spectrum.Bands {
			switch band.CentreHz {
			case 63, 250, 1000, 4000, 12500:
				g.BandsDB[hz(band.CentreHz)] = round2(float64(band.MidDB))
			}
		}
		got[c.name] = g
		w, ok := want[c.name]
		if !ok {
			if !*update {
				t.Errorf("%s: no golden entry (run with -update)", c.name)
			}
			continue
		}
		near := func(what string, a, b, tol float64) {
			if math.Abs(a-b) > tol {
				t.Errorf("%s: %s %.3f, golden %.3f", c.name, what, a, b)
			}
		}
		near("reached LUFS", g.ReachedLUFS, w.ReachedLUFS, 0.01)
		near("true peak", g.TruePeakDBTP, w.TruePeakDBTP, 0.02)
		near("LRA", g.RangeLU, w.RangeLU, 0.05)
		near("PLR", g.PLRLU, w.PLRLU, 0.05)
		near("limiter max", g.LimiterMaxDB, w.LimiterMaxDB, 0.05)
		for k, v := range w.BandsDB {
			near("band "+k, g.BandsDB[k], v, 0.05)
		}
		if len(g.Chain) != len(w.Chain) {
			t.Errorf("%s: chain %v, golden %v", c.name, g.Chain, w.Chain)
		} else {
			for i := range g.Chain {
				if g.Chain[i] != w.Chain[i] {
					t.Errorf("%s: chain %v, golden %v", c.name, g.Chain, w.Chain)
					break
				}
			}
		}
		if w.Kernels == g.Kernels && w.SHA256 != g.SHA256 {
			t.Errorf("%s: output hash %s, golden %s (same kernels %s): the rendered bits changed", c.name, g.SHA256, w.SHA256, g.Kernels)
		} else if w.Kernels != g.Kernels {
			t.Logf("%s: hash not compared (golden recorded with %s, this machine runs %s)", c.name, w.Kernels, g.Kernels)
		}
	}
	if *update {
		data, err := json.MarshalIndent(got, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

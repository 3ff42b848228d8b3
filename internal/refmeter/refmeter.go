// Package refmeter runs independent loudness meters (libebur128 through a
// small C program built at test time, and ffmpeg's ebur128 filter) on
// audio that mixdown's tests generate, so mixdown's own meter can be
// checked against code we did not write. Test-only.
package refmeter

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/internal/testutil"
)

// Reading is what a reference meter reports.
type Reading struct {
	Integrated float64   // LUFS
	LRA        float64   // LU
	TruePeak   []float64 // linear, per channel (libebur128) or one value (ffmpeg)
	SamplePeak []float64 // linear, per channel (libebur128 only)
}

// MaxTruePeakDB returns the largest true peak in dBTP.
func (r Reading) MaxTruePeakDB() float64 {
	m := 0.0
	for _, v := range r.TruePeak {
		m = math.Max(m, v)
	}
	return 20 * math.Log10(m)
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildOut  []byte
)

// ebur128Bin compiles ebur128ref.c once per test process.
func ebur128Bin(t testing.TB) string {
	t.Helper()
	testutil.Tool(t, "gcc")
	if err := exec.Command("pkg-config", "--exists", "libebur128").Run(); err != nil {
		testutil.Missing(t, "libebur128-dev (pkg-config libebur128)")
	}
	buildOnce.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		src := filepath.Join(filepath.Dir(file), "testdata", "ebur128ref.c")
		dir, err := os.MkdirTemp("", "refmeter")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "ebur128ref")
		flags, err := exec.Command("pkg-config", "--cflags", "--libs", "libebur128").Output()
		if err != nil {
			buildErr = err
			return
		}
		args := append([]string{"-O2", "-o", binPath, src}, strings.Fields(string(flags))...)
		buildOut, buildErr = exec.Command("gcc", append(args, "-lm")...).CombinedOutput()
	})
	if buildErr != nil {
		t.Fatalf("building the libebur128 reference: %v\n%s", buildErr, buildOut)
	}
	return binPath
}

// F32LE interleaves b as little-endian float32 bytes.
func F32LE(b audio.Buffer) []byte {
	out := make([]byte, 0, b.Frames()*b.Channels()*4)
	for i := 0; i < b.Frames(); i++ {
		for c := range b {
			out = binary.LittleEndian.AppendUint32(out, math.Float32bits(b[c][i]))
		}
	}
	return out
}

// Libebur128 measures b with libebur128 (integrated, LRA, true and sample
// peak per channel).
func Libebur128(t testing.TB, b audio.Buffer, rate int) Reading {
	t.Helper()
	cmd := exec.Command(ebur128Bin(t), strconv.Itoa(rate), strconv.Itoa(b.Channels()))
	cmd.Stdin = bytes.NewReader(F32LE(b))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("libebur128 reference: %v", err)
	}
	var r Reading
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 {
			continue
		}
		v, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			t.Fatalf("libebur128 reference printed %q", sc.Text())
		}
		switch f[0] {
		case "integrated":
			r.Integrated = v
		case "lra":
			r.LRA = v
		case "truepeak":
			r.TruePeak = append(r.TruePeak, v)
		case "samplepeak":
			r.SamplePeak = append(r.SamplePeak, v)
		}
	}
	return r
}

var (
	ffI   = regexp.MustCompile(`(?s)Integrated loudness:\s*I:\s*(-?[\d.]+|-inf) LUFS`)
	ffLRA = regexp.MustCompile(`(?s)Loudness range:\s*LRA:\s*(-?[\d.]+) LU`)
	ffTP  = regexp.MustCompile(`(?s)True peak:\s*Peak:\s*(-?[\d.]+|-inf) dBFS`)
)

// FFmpegFile measures a file with ffmpeg's ebur128 filter (peak=true). Its
// summary prints one decimal, so readings are ±0.05.
func FFmpegFile(t testing.TB, path string) Reading {
	t.Helper()
	ff := testutil.Tool(t, "ffmpeg")
	out, err := exec.Command(ff, "-hide_banner", "-nostats", "-i", path, "-af", "ebur128=peak=true", "-f", "null", "-").CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg ebur128: %v\n%s", err, out)
	}
	parse := func(re *regexp.Regexp) float64 {
		m := re.FindSubmatch(out)
		if m == nil {
			t.Fatalf("ffmpeg output lacks %v:\n%s", re, out)
		}
		if string(m[1]) == "-inf" {
			return math.Inf(-1)
		}
		v, _ := strconv.ParseFloat(string(m[1]), 64)
		return v
	}
	tp := parse(ffTP)
	return Reading{Integrated: parse(ffI), LRA: parse(ffLRA), TruePeak: []float64{math.Pow(10, tp/20)}}
}

// String formats a reading.
func (r Reading) String() string {
	return fmt.Sprintf("I %.3f LUFS, LRA %.2f LU, TP %.3f dBTP", r.Integrated, r.LRA, r.MaxTruePeakDB())
}

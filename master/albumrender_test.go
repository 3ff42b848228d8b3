package master

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/mixdown/mixdown/internal/refmeter"
)

var cueIndex01 = regexp.MustCompile(`INDEX 01 (\d\d):(\d\d):(\d\d)`)

// renderTestAlbum writes three songs of different loudness and renders
// them as an album: 1 s gap, then a 2 s crossfade.
func renderTestAlbum(t *testing.T, mode AlbumMode) (*AlbumResult, *AlbumSpec, []float64) {
	t.Helper()
	const rate = 44100
	dir := t.TempDir()
	levels := []float64{-14, -22, -18} // the second song is meant to be quiet
	spec := &AlbumSpec{Title: "Test Album", Mode: mode, Dir: dir}
	gap := 1.0
	spec.GapS = &gap
	for i, l := range levels {
		name := "song" + strconv.Itoa(i+1) + ".wav"
		writeFloat(t, filepath.Join(dir, name), song(rate, 12, l), rate)
		spec.Tracks = append(spec.Tracks, AlbumTrack{File: name, Title: "Song " + strconv.Itoa(i+1)})
	}
	spec.Tracks[1].CrossfadeS = 2
	tgt, _ := Preset("spotify")
	res, err := RenderAlbum(context.Background(), spec, DefaultOptions(tgt), AlbumOutput{Dir: filepath.Join(dir, "out")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res, spec, levels
}

// TestAlbumFilesAndCUE checks the album's assembly: the track files played
// in order are the album file sample for sample, the CUE's INDEX 01 points
// at each track's first sample, and nothing exceeds the ceiling.
func TestAlbumFilesAndCUE(t *testing.T) {
	res, _, _ := renderTestAlbum(t, ModeAlbum)
	album, af := readFile(t, res.AlbumFile)
	if af.Bits != 24 || af.SampleRate != 44100 {
		t.Fatalf("album format %v", af)
	}
	var pos int
	for i, tr := range res.Tracks {
		b, _ := readFile(t, tr.Output)
		if want := int(math.Round(tr.StartS * 44100)); pos != want {
			t.Errorf("track %d starts at %d in the concatenation, %d in the result", i+1, pos, want)
		}
		for c := range b {
			for j, v := range b[c] {
				if album[c][pos+j] != v {
					t.Fatalf("track %d, channel %d, frame %d: %g in the track file, %g in the album", i+1, c, j, v, album[c][pos+j])
				}
			}
		}
		pos += b.Frames()
	}
	if pos != album.Frames() {
		t.Errorf("track files hold %d frames, the album %d", pos, album.Frames())
	}
	cue, err := os.ReadFile(res.CUEFile)
	if err != nil {
		t.Fatal(err)
	}
	idx := cueIndex01.FindAllStringSubmatch(string(cue), -1)
	if len(idx) != len(res.Tracks) {
		t.Fatalf("CUE has %d INDEX 01 lines for %d tracks:\n%s", len(idx), len(res.Tracks), cue)
	}
	for i, m := range idx {
		mm, _ := strconv.Atoi(m[1])
		ss, _ := strconv.Atoi(m[2])
		ff, _ := strconv.Atoi(m[3])
		frame := int64((mm*60+ss)*75+ff) * 588
		if want := int64(math.Round(res.Tracks[i].StartS * 44100)); frame != want {
			t.Errorf("track %d: CUE index at sample %d, track starts at %d", i+1, frame, want)
		}
	}
	// The crossfaded songs overlap; the gap is silent.
	gapAt := int(math.Round((res.Tracks[0].StartS + 12 + 0.5) * 44100))
	if gapAt < album.Frames() && (album[0][gapAt] != 0 || album[1][gapAt] != 0) {
		t.Errorf("the gap after track 1 is not digital silence: %g", album[0][gapAt])
	}
	if d := res.Tracks[2].StartS - res.Tracks[1].StartS; math.Abs(d-10) > 1.0/75 {
		t.Errorf("track 3 starts %.3f s after track 2; with a 2 s crossfade of a 12 s song, 10 s", d)
	}
	lib := refmeter.Libebur128(t, album, 44100)
	if tp := lib.MaxTruePeakDB(); tp > res.CeilingDBTP {
		t.Errorf("album true peak %.3f dBTP above the ceiling %.1f", tp, res.CeilingDBTP)
	}
	for _, c := range res.Checks {
		if !c.Pass {
			t.Errorf("album check failed: %s: %s", c.Name, c.Detail)
		}
	}
}

// TestAlbumModes: in album mode the loudest song meets the target and the
// others keep their distance to it (AES TD1008); in track mode every song
// meets the target.
func TestAlbumModes(t *testing.T) {
	for _, mode := range []AlbumMode{ModeAlbum, ModeTrack} {
		t.Run(string(mode), func(t *testing.T) {
			res, _, _ := renderTestAlbum(t, mode)
			for i, tr := range res.Tracks {
				got := tr.Report.Loudness.ReachedLUFS
				want := res.TargetLUFS
				// Song 1 is the loudest (levels are nominal; compare with
				// the measured input loudness differences).
				if mode == ModeAlbum {
					want = res.TargetLUFS + tr.InputLUFS - res.Tracks[0].InputLUFS
				}
				if math.Abs(got-want) > 0.1 {
					t.Errorf("track %d mastered to %.2f LUFS, want %.2f", i+1, got, want)
				}
			}
		})
	}
}

// TestAlbumRejectsOddRate: CUE indexes need a rate divisible by 75.
func TestAlbumRejectsOddRate(t *testing.T) {
	dir := t.TempDir()
	writeFloat(t, filepath.Join(dir, "a.wav"), song(44100, 3, -14), 44100)
	spec := &AlbumSpec{Mode: ModeTrack, Dir: dir, Tracks: []AlbumTrack{{File: "a.wav"}}}
	tgt, _ := Preset("spotify")
	_, err := RenderAlbum(context.Background(), spec, DefaultOptions(tgt), AlbumOutput{Dir: dir, SampleRate: 44101}, nil)
	if err == nil {
		t.Fatal("no error for a 44101 Hz album")
	}
}

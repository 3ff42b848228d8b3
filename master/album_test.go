package master

import (
	"strings"
	"testing"
)

const albumYAML = `title: Night Drive
artist: The Examples
preset: spotify
mode: album
gap_s: 2
tracks:
  - file: 01-intro.wav
    title: Intro
    crossfade_s: 3
  - file: 02-drive.flac
    title: Drive
    gap_s: 0
  - file: sub/03-end.wav
    title: The End
`

func TestParseAlbum(t *testing.T) {
	s, err := ParseAlbum("albums/night.yaml", []byte(albumYAML))
	if err != nil {
		t.Fatal(err)
	}
	if s.Mode != ModeAlbum || len(s.Tracks) != 3 || s.Path(2) != "albums/sub/03-end.wav" {
		t.Fatalf("parsed %+v", s)
	}
	if s.Gap(0) != 0 || s.Gap(1) != 0 || s.Gap(2) != 2 {
		t.Fatalf("gaps %v %v %v", s.Gap(0), s.Gap(1), s.Gap(2))
	}
	// JSON is accepted too.
	js := `{"preset": "cd", "tracks": [{"file": "a.wav"}, {"file": "b.wav", "title": "B"}]}`
	if s, err := ParseAlbum("a.json", []byte(js)); err != nil || s.Mode != ModeAlbum || len(s.Tracks) != 2 {
		t.Fatalf("JSON album: %+v %v", s, err)
	}
}

func TestParseAlbumErrors(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"tracks:\n  - file: a.wav\n    colour: red\n", `a.yaml:3: unknown key "colour"`},
		{"mode: loud\ntracks:\n  - file: a.wav\n", "mode \"loud\""},
		{"preset: vinyl\ntracks:\n  - file: a.wav\n", "unknown preset \"vinyl\""},
		{"tracks: []\n", "no tracks"},
		{"lufs: 3\ntracks:\n  - file: a.wav\n", "lufs 3 out of range"},
		{"tracks:\n  - file: a.wav\n  - title: x\n", "a.yaml:3: track 2 has no file"},
		{"tracks:\n  - file: a.wav\n    gap_s: -1\n", "a.yaml:2: track 1: gap_s -1"},
		{"tracks:\n  - file: a.wav\n    crossfade_s: 2\n", "last track cannot crossfade"},
		{"tracks:\n  - file: a.wav\n    crossfade_s: 2\n    gap_s: 1\n  - file: b.wav\n", "choose one"},
		{"tracks:\n  - file: a.wav\n    title: 'say \"hi\"'\n", "quotes"},
		{"tracks: {file: 3}\n", "a.yaml:1:"},
		{"\t- nonsense", "a.yaml:"},
	} {
		_, err := ParseAlbum("a.yaml", []byte(c.text))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want it to contain %q", c.text, err, c.want)
		}
	}
}

func TestLayoutAndCUE(t *testing.T) {
	s, _ := ParseAlbum("night.yaml", []byte(albumYAML))
	const rate = 44100
	lengths := []int64{10*rate + 123, 20*rate + 7, 5 * rate}
	l, err := PlanLayout(s, lengths, rate)
	if err != nil {
		t.Fatal(err)
	}
	for i, st := range l.Start {
		if st%588 != 0 {
			t.Errorf("track %d starts at %d, not a CD frame boundary", i+1, st)
		}
	}
	// Crossfade: about 3 s of overlap, growing by less than one CD frame.
	if ov := l.Overlap[0]; ov < 3*rate || ov >= 3*rate+588 {
		t.Errorf("overlap %d frames", ov)
	}
	// Gapless (gap 0): the next track starts within one CD frame after.
	end1 := l.Start[1] + lengths[1]
	if d := l.Start[2] - end1; d < 0 || d >= 588 {
		t.Errorf("gapless start %d frames after the end", d)
	}
	if l.Total != l.Start[2]+lengths[2] {
		t.Errorf("total %d", l.Total)
	}
	cue := CUE(s, l, rate, "out/Night Drive.wav")
	for _, want := range []string{`PERFORMER "The Examples"`, `FILE "Night Drive.wav" WAVE`, "TRACK 01 AUDIO", "INDEX 01 00:00:00", `TITLE "Drive"`, "TRACK 03 AUDIO"} {
		if !strings.Contains(cue, want) {
			t.Errorf("CUE lacks %q:\n%s", want, cue)
		}
	}
	// Track 2 starts 10 s + 123 frames − 3 s, snapped down to a CD frame:
	// 7 s and 123 frames → frame 525 of second 7 is 7:00 + 0 → "00:07:00".
	if !strings.Contains(cue, "INDEX 01 00:07:00") {
		t.Errorf("track 2 index wrong:\n%s", cue)
	}
	// A crossfade longer than a track is refused.
	if _, err := PlanLayout(s, []int64{2 * rate, 20 * rate, 5 * rate}, rate); err == nil {
		t.Error("a 3 s crossfade out of a 2 s track was accepted")
	}
	if _, err := PlanLayout(s, lengths, 22050+1); err == nil {
		t.Error("a rate that is not a multiple of 75 was accepted")
	}
}

func FuzzParseAlbum(f *testing.F) {
	f.Add([]byte(albumYAML))
	f.Add([]byte(`{"tracks": [{"file": "a.wav", "crossfade_s": 1}, {"file": "b"}]}`))
	f.Add([]byte("tracks:\n  - file: a.wav\n    gap_s: 1e309\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseAlbum("fuzz.yaml", data)
		if err != nil {
			return
		}
		lengths := make([]int64, len(s.Tracks))
		for i := range lengths {
			lengths[i] = 44100 * int64(i+3)
		}
		if l, err := PlanLayout(s, lengths, 44100); err == nil {
			for i := 1; i < len(l.Start); i++ {
				if l.Start[i] <= l.Start[i-1] || l.Start[i]%588 != 0 {
					t.Fatalf("bad layout %+v", l)
				}
			}
			_ = CUE(s, l, 44100, "x.wav")
		}
	})
}

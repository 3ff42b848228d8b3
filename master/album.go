package master

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// AlbumMode says how loudness is set across an album.
type AlbumMode string

const (
	// ModeTrack masters every song to the target on its own.
	ModeTrack AlbumMode = "track"
	// ModeAlbum masters the loudest song to the target and moves every other
	// song by the same amount, so the songs keep the loudness differences the
	// artist intended (AES TD1008 album normalization).
	ModeAlbum AlbumMode = "album"
)

// AlbumSpec is an album file (YAML or JSON):
//
//	title: Night Drive
//	artist: The Examples
//	preset: spotify          # or lufs / ceiling_dbtp
//	mode: album              # album (default) or track
//	gap_s: 2                 # silence between songs unless a track says otherwise
//	tracks:
//	  - file: 01-intro.wav   # relative to the album file
//	    title: Intro
//	    crossfade_s: 3       # overlap the next song by 3 s instead of a gap
//	  - file: 02-drive.flac
//	    gap_s: 0             # no gap before the next song (gapless)
type AlbumSpec struct {
	Title       string       `yaml:"title" json:"title"`
	Artist      string       `yaml:"artist" json:"artist"`
	Preset      string       `yaml:"preset" json:"preset"`
	LUFS        *float64     `yaml:"lufs" json:"lufs"`
	CeilingDBTP *float64     `yaml:"ceiling_dbtp" json:"ceiling_dbtp"`
	Mode        AlbumMode    `yaml:"mode" json:"mode"`
	GapS        *float64     `yaml:"gap_s" json:"gap_s"`
	Tracks      []AlbumTrack `yaml:"tracks" json:"tracks"`
	// Dir is the album file's directory; track paths are relative to it.
	Dir string `yaml:"-" json:"-"`
}

// AlbumTrack is one song of an album.
type AlbumTrack struct {
	File      string `yaml:"file" json:"file"`
	Title     string `yaml:"title" json:"title"`
	Performer string `yaml:"performer" json:"performer"`
	// GapS is the silence after this song (seconds); nil uses the album's.
	GapS *float64 `yaml:"gap_s" json:"gap_s"`
	// CrossfadeS overlaps the next song by this many seconds (equal-power
	// fades) instead of a gap.
	CrossfadeS float64 `yaml:"crossfade_s" json:"crossfade_s"`
	line       int
}

// Path returns the track's file path, resolved against the album's
// directory.
func (s *AlbumSpec) Path(i int) string {
	p := s.Tracks[i].File
	if filepath.IsAbs(p) || s.Dir == "" {
		return p
	}
	return filepath.Join(s.Dir, p)
}

// maxAlbumTracks bounds an album file's claims (a CD holds 99).
const maxAlbumTracks = 999

// ParseAlbum parses an album file's content; name is used in errors, which
// carry the line number ("album.yaml:7: ...").
func ParseAlbum(name string, data []byte) (*AlbumSpec, error) {
	var spec AlbumSpec
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&spec); err != nil {
		return nil, fmt.Errorf("%s%s", name, yamlError(err))
	}
	var root yaml.Node
	_ = yaml.Unmarshal(data, &root)
	lines := trackLines(&root)
	for i := range spec.Tracks {
		if i < len(lines) {
			spec.Tracks[i].line = lines[i]
		}
	}
	spec.Dir = filepath.Dir(name)
	if err := spec.validate(name); err != nil {
		return nil, err
	}
	return &spec, nil
}

// yamlError turns the YAML library's "yaml: line N: msg" into ":N: msg"
// (or ": msg" without a line), to follow a file name.
var unknownField = regexp.MustCompile(`field (\S+) not found in type \S+`)

func yamlError(err error) string {
	s := err.Error()
	s = strings.TrimPrefix(s, "yaml: unmarshal errors:\n  ")
	s = strings.TrimPrefix(s, "yaml: ")
	s = strings.ReplaceAll(s, "\n  line ", "; line ")
	s = unknownField.ReplaceAllString(s, `unknown key "$1"`)
	if rest, ok := strings.CutPrefix(s, "line "); ok {
		return ":" + rest
	}
	return ": " + s
}

// trackLines finds the line of every entry of the tracks list.
func trackLines(root *yaml.Node) []int {
	if root == nil || len(root.Content) == 0 {
		return nil
	}
	m := root.Content[0]
	if m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "tracks" && m.Content[i+1].Kind == yaml.SequenceNode {
			var out []int
			for _, n := range m.Content[i+1].Content {
				out = append(out, n.Line)
			}
			return out
		}
	}
	return nil
}

func (s *AlbumSpec) validate(name string) error {
	at := func(i int) string {
		if i >= 0 && s.Tracks[i].line > 0 {
			return fmt.Sprintf("%s:%d", name, s.Tracks[i].line)
		}
		return name
	}
	switch {
	case len(s.Tracks) == 0:
		return fmt.Errorf("%s: the album has no tracks", name)
	case len(s.Tracks) > maxAlbumTracks:
		return fmt.Errorf("%s: %d tracks (at most %d)", name, len(s.Tracks), maxAlbumTracks)
	}
	switch s.Mode {
	case "":
		s.Mode = ModeAlbum
	case ModeAlbum, ModeTrack:
	default:
		return fmt.Errorf("%s: mode %q (use album or track)", name, s.Mode)
	}
	if s.Preset != "" {
		if _, err := Preset(s.Preset); err != nil {
			return fmt.Errorf("%s: %v", name, err)
		}
	}
	if s.LUFS != nil && !(*s.LUFS >= -60 && *s.LUFS <= 0) {
		return fmt.Errorf("%s: lufs %g out of range [-60, 0]", name, *s.LUFS)
	}
	if s.CeilingDBTP != nil && !(*s.CeilingDBTP >= -20 && *s.CeilingDBTP <= 0) {
		return fmt.Errorf("%s: ceiling_dbtp %g out of range [-20, 0]", name, *s.CeilingDBTP)
	}
	if s.GapS != nil && !(*s.GapS >= 0 && *s.GapS <= 60) {
		return fmt.Errorf("%s: gap_s %g out of range [0, 60]", name, *s.GapS)
	}
	for i, t := range s.Tracks {
		switch {
		case strings.TrimSpace(t.File) == "":
			return fmt.Errorf("%s: track %d has no file", at(i), i+1)
		case t.GapS != nil && !(*t.GapS >= 0 && *t.GapS <= 60):
			return fmt.Errorf("%s: track %d: gap_s %g out of range [0, 60]", at(i), i+1, *t.GapS)
		case !(t.CrossfadeS >= 0 && t.CrossfadeS <= 30):
			return fmt.Errorf("%s: track %d: crossfade_s %g out of range [0, 30]", at(i), i+1, t.CrossfadeS)
		case t.CrossfadeS > 0 && t.GapS != nil && *t.GapS > 0:
			return fmt.Errorf("%s: track %d: gap_s and crossfade_s both set (choose one)", at(i), i+1)
		case t.CrossfadeS > 0 && i == len(s.Tracks)-1:
			return fmt.Errorf("%s: track %d: the last track cannot crossfade into a next one", at(i), i+1)
		}
		if strings.ContainsAny(t.Title+t.Performer, "\"\r\n") {
			return fmt.Errorf("%s: track %d: titles and performers cannot contain quotes or line breaks (CUE sheets cannot hold them)", at(i), i+1)
		}
	}
	if strings.ContainsAny(s.Title+s.Artist, "\"\r\n") {
		return fmt.Errorf("%s: the album title and artist cannot contain quotes or line breaks", name)
	}
	return nil
}

// Gap returns the silence after track i in seconds (0 for a crossfade).
func (s *AlbumSpec) Gap(i int) float64 {
	if s.Tracks[i].CrossfadeS > 0 {
		return 0
	}
	if g := s.Tracks[i].GapS; g != nil {
		return *g
	}
	if s.GapS != nil {
		return *s.GapS
	}
	return 2
}

// Layout places tracks on the album timeline.
type Layout struct {
	// Start of each track's audio on the album (frames). Every start is a
	// whole number of CD frames (rate/75 samples), so CUE indexes are exact.
	Start []int64
	// Length of each track's audio (frames).
	Length []int64
	// Overlap of each track with the next (frames, 0 unless crossfading).
	Overlap []int64
	// Total album length (frames).
	Total int64
}

// ErrLayout reports an album whose timing cannot work (e.g. a crossfade
// longer than a track).
var ErrLayout = errors.New("album layout")

// PlanLayout places tracks of the given lengths (frames) at rate Hz: each
// track starts after the previous one's end plus its gap, or overlapping it
// by the crossfade; starts are rounded up (gaps) or down (crossfades lengthen)
// to the CD-frame grid so that the CUE sheet's mm:ss:ff indexes are exact.
func PlanLayout(spec *AlbumSpec, lengths []int64, rate int) (*Layout, error) {
	if rate%75 != 0 {
		return nil, fmt.Errorf("%w: sample rate %d Hz is not a multiple of 75, so CUE frames cannot be sample-exact", ErrLayout, rate)
	}
	grid := int64(rate / 75)
	n := len(lengths)
	l := &Layout{Start: make([]int64, n), Length: append([]int64(nil), lengths...), Overlap: make([]int64, n)}
	pos := int64(0)
	for i := 0; i < n; i++ {
		l.Start[i] = pos
		end := pos + lengths[i]
		if i == n-1 {
			l.Total = end
			break
		}
		if cf := spec.Tracks[i].CrossfadeS; cf > 0 {
			ov := int64(math.Round(cf * float64(rate)))
			next := (end - ov) / grid * grid // snap down: the overlap grows by < 1 CD frame
			if next <= pos || end-next > lengths[i+1] {
				return nil, fmt.Errorf("%w: track %d: a %.2f s crossfade does not fit tracks of %.2f s and %.2f s", ErrLayout, i+1, cf, float64(lengths[i])/float64(rate), float64(lengths[i+1])/float64(rate))
			}
			l.Overlap[i] = end - next
			pos = next
		} else {
			gap := int64(math.Round(spec.Gap(i) * float64(rate)))
			pos = (end + gap + grid - 1) / grid * grid // snap up: the gap grows by < 1 CD frame
		}
	}
	return l, nil
}

// CUE renders a CUE sheet for an album file named audioFile. Track i's
// INDEX 01 is its start; a gap before it becomes INDEX 00 (pregap).
func CUE(spec *AlbumSpec, l *Layout, rate int, audioFile string) string {
	var b strings.Builder
	if spec.Artist != "" {
		fmt.Fprintf(&b, "PERFORMER \"%s\"\n", spec.Artist)
	}
	if spec.Title != "" {
		fmt.Fprintf(&b, "TITLE \"%s\"\n", spec.Title)
	}
	fmt.Fprintf(&b, "FILE \"%s\" WAVE\n", strings.ReplaceAll(filepath.Base(audioFile), "\"", "'"))
	msf := func(frames int64) string {
		cd := frames / int64(rate/75)
		return fmt.Sprintf("%02d:%02d:%02d", cd/75/60, cd/75%60, cd%75)
	}
	for i := range l.Start {
		t := spec.Tracks[i]
		fmt.Fprintf(&b, "  TRACK %02d AUDIO\n", i+1)
		if t.Title != "" {
			fmt.Fprintf(&b, "    TITLE \"%s\"\n", t.Title)
		}
		if t.Performer != "" {
			fmt.Fprintf(&b, "    PERFORMER \"%s\"\n", t.Performer)
		}
		if i > 0 && l.Overlap[i-1] == 0 {
			// The pregap starts where the previous track's audio ends,
			// rounded up to the grid; gaps under one CD frame have none.
			g := int64(rate / 75)
			if idx0 := (l.Start[i-1] + l.Length[i-1] + g - 1) / g * g; idx0 < l.Start[i] {
				fmt.Fprintf(&b, "    INDEX 00 %s\n", msf(idx0))
			}
		}
		fmt.Fprintf(&b, "    INDEX 01 %s\n", msf(l.Start[i]))
	}
	return b.String()
}

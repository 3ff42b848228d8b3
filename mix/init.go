package mix

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/audio/audiofile"
	"github.com/mixdown/mixdown/mix/session"
)

// InitStem is an audio file found by InitSession.
type InitStem struct {
	Path string
	Info audiofile.Info
}

// InitSession scans dir (not recursively) for audio files, recognised by
// their content, and returns a starting session for them: one track per
// file at unity gain, centred, with no processing, sorted by file name,
// at the most common sample rate among them, stereo unless every file is
// mono (or 5.1 if any file is). The file paths are written relative to
// sessionPath's directory. It also returns the files used and those
// skipped (not audio, or unreadable) with the reason.
func InitSession(dir, sessionPath string) (yamlText []byte, used []InitStem, skipped map[string]error, err error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, nil, err
	}
	skipped = map[string]error{}
	absSession, _ := filepath.Abs(sessionPath)
	for _, e := range ents {
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if abs, _ := filepath.Abs(p); abs == absSession {
			continue
		}
		f, err := audiofile.Open(p)
		if err != nil {
			if !errors.Is(err, audio.ErrNotAudio) {
				skipped[p] = err
			}
			continue
		}
		info := f.Info()
		f.Close()
		if c := info.Format.Channels; c != 1 && c != 2 && c != 6 {
			skipped[p] = fmt.Errorf("%d channels (tracks must be mono, stereo or 5.1)", c)
			continue
		}
		used = append(used, InitStem{Path: p, Info: info})
	}
	if len(used) == 0 {
		return nil, nil, skipped, fmt.Errorf("%s: no audio files found", dir)
	}
	sort.Slice(used, func(i, j int) bool { return used[i].Path < used[j].Path })

	rates := map[int]int{}
	layout := session.LayoutMono
	for _, s := range used {
		rates[s.Info.Format.SampleRate]++
		switch s.Info.Format.Channels {
		case 2:
			if layout == session.LayoutMono {
				layout = session.LayoutStereo
			}
		case 6:
			layout = session.LayoutSurround
		}
	}
	if layout == session.LayoutMono && len(used) > 1 {
		layout = session.LayoutStereo // mono stems are usually panned in a stereo mix
	}
	rate, best := 0, 0
	for r, n := range rates {
		if n > best || n == best && r > rate {
			rate, best = r, n
		}
	}
	if rate < 8000 {
		rate = session.DefaultSampleRate
	}

	var b bytes.Buffer
	fmt.Fprintf(&b, `# mixdown session for the %d audio files in %s, written by
# "mixdown mix --init". Every track starts at unity gain, centred, with no
# processing. Edit it (levels, pan, inserts, buses, sends, automation: see
# mix/example.yaml in the mixdown sources for every option), then render:
#
#   mixdown mix %s -o mix.wav
#
# Paths are relative to this file. Units are in the key names: _db decibels,
# _hz hertz, _s seconds; pan runs from -1 (left) to +1 (right).

version: 1
sample_rate_hz: %d
layout: %s
pan_law: constant-power

tracks:
`, len(used), dir, filepath.Base(sessionPath), rate, quoteYAML(layout))
	names := map[string]bool{}
	base := filepath.Dir(absSession)
	for _, s := range used {
		name := trackName(s.Path, names)
		rel := s.Path
		if abs, err := filepath.Abs(s.Path); err == nil {
			if r, err := filepath.Rel(base, abs); err == nil {
				rel = r
			}
		}
		fm := s.Info.Format
		length := "length unknown"
		if s.Info.Frames >= 0 && fm.SampleRate > 0 {
			secs := float64(s.Info.Frames) / float64(fm.SampleRate)
			length = fmt.Sprintf("%d:%06.3f", int(secs)/60, secs-60*float64(int(secs)/60))
		}
		fmt.Fprintf(&b, "  - name: %s\n    # %s, %s, %s\n    file: %s\n    gain_db: 0\n    pan: 0\n",
			quoteYAML(name), s.Info.Codec, fm, length, quoteYAML(filepath.ToSlash(rel)))
	}
	b.WriteString(`
# Buses group tracks (set a track's "output" to a bus name) or receive sends
# ("sends: [{to: NAME, level_db: -12}]") as effect returns, for example:
#
# buses:
#   - name: drums
#   - name: reverb
#     inserts:
#       - {type: reverb, decay_s: 1.6, mix: 1}

master:
  gain_db: 0
`)
	// The result must parse.
	if _, err := session.Parse(sessionPath, b.Bytes()); err != nil {
		return nil, nil, skipped, fmt.Errorf("mix: generated session does not parse: %w", err)
	}
	return b.Bytes(), used, skipped, nil
}

// trackName derives a unique, valid track name from a file name.
func trackName(path string, used map[string]bool) string {
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == '/' || r == '\\' || r == 0x7f {
			return '_'
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if r := []rune(name); len(r) > 90 {
		name = string(r[:90])
	}
	if name == "" || strings.EqualFold(name, session.Master) {
		name = "track " + name
	}
	n := name
	for i := 2; used[n]; i++ {
		n = fmt.Sprintf("%s %d", name, i)
	}
	used[n] = true
	return n
}

// quoteYAML writes s as a YAML scalar, quoted when needed.
func quoteYAML(s string) string {
	b, err := yaml.Marshal(s)
	if err != nil {
		return fmt.Sprintf("%q", s)
	}
	return strings.TrimSuffix(string(b), "\n")
}

// Command mixbench writes the material of bench/mix.sh: N stems (the
// generated song's drums, bass, chords and lead from several songs, and
// pink noise; alternately mono and stereo; 24-bit WAV), a mixdown session
// that mixes them, and the equivalent ffmpeg filter graph.
//
//	mixbench -dir DIR [-tracks 32] [-seconds 240] [-rate 48000]
//
// It writes to DIR:
//
//	t00.wav ... tNN.wav  the stems
//	session.yaml         every track: high-pass (12 dB/octave), 4-band
//	                     parametric EQ, compressor, fader and pan; the first
//	                     half of the tracks into bus "drums", the rest into
//	                     "music"; every fourth track also sends to a reverb
//	                     return (8 of 32)
//	ffmpeg.txt           the same graph for ffmpeg -filter_complex_script:
//	                     highpass, 4 × equalizer, acompressor, volume and pan
//	                     per track, asplit for the sends, amix for the buses,
//	                     an aecho-based reverb on the return, amix to the
//	                     master
//	inputs.txt           the stems in input order, one per line
//
// Stems are streamed to disk, so a 20-minute set needs no more memory than
// a 4-minute one.
package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/audio/audiofile"
	"github.com/mixdown/mixdown/internal/synth"
)

// The channel strip every track gets, in both renderers.
const (
	hpHz         = 40
	trackGainDB  = -16
	sendDB       = -10
	compThreshDB = -20
	compRatio    = 3
	compAttackMS = 10
	compRelMS    = 100
)

// eqBands are the four bells of every track's EQ: frequency (Hz), gain
// (dB), Q.
var eqBands = [4][3]float64{{100, 2, 0.9}, {400, -3, 1.2}, {2500, 2, 1}, {8000, 1.5, 0.8}}

func main() {
	dir := flag.String("dir", "", "directory to write to (required)")
	tracks := flag.Int("tracks", 32, "number of stems")
	seconds := flag.Float64("seconds", 240, "length of every stem in seconds")
	rate := flag.Int("rate", 48000, "sample rate in Hz")
	flag.Parse()
	if *dir == "" || *tracks < 2 || *seconds <= 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*dir, *tracks, *seconds, *rate); err != nil {
		fmt.Fprintln(os.Stderr, "mixbench:", err)
		os.Exit(1)
	}
}

// track is one stem: which signal, how many channels, where it goes.
type track struct {
	index    int
	name     string
	song     int // song index, or -1 for pink noise
	stem     synth.Stem
	channels int
	pan      float64
	bus      string
	send     bool
}

func plan(n int) []track {
	ts := make([]track, n)
	for i := range ts {
		t := &ts[i]
		t.index = i
		t.name = fmt.Sprintf("t%02d", i)
		t.channels = 1 + i%2
		t.pan = float64(i%5-2) / 2
		t.bus = "drums"
		if i >= n/2 {
			t.bus = "music"
		}
		t.send = i%4 == 0
		if k := i % 7; k < int(synth.NumStems) {
			t.song, t.stem = i/7, synth.Stem(k)
		} else {
			t.song = -1
		}
	}
	return ts
}

func run(dir string, n int, seconds float64, rate int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	ts := plan(n)
	// One goroutine per song (each writes its stems in one pass) and one
	// per pink-noise stem.
	var wg sync.WaitGroup
	errs := make(chan error, n)
	songs := map[int][]track{}
	for _, t := range ts {
		if t.song >= 0 {
			songs[t.song] = append(songs[t.song], t)
			continue
		}
		wg.Add(1)
		go func(t track) {
			defer wg.Done()
			src := synth.NewPink(rate, t.channels, seconds, 0.05, uint64(1000+t.index))
			errs <- writeStream(filepath.Join(dir, t.name+".wav"), src, rate, t.channels)
		}(t)
	}
	for k, group := range songs {
		wg.Add(1)
		go func(k int, group []track) {
			defer wg.Done()
			errs <- writeSong(dir, rate, seconds, uint64(k+1), group)
		}(k, group)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "session.yaml"), []byte(sessionYAML(ts, rate)), 0o644); err != nil {
		return err
	}
	graph, inputs := ffmpegGraph(ts, dir)
	if err := os.WriteFile(filepath.Join(dir, "ffmpeg.txt"), []byte(graph), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "inputs.txt"), []byte(inputs), 0o644)
}

func format(rate, ch int) audio.Format {
	return audio.Format{SampleRate: rate, Channels: ch, Type: audio.SampleInt, Bits: 24}
}

func writeStream(path string, r audio.Reader, rate, ch int) error {
	w, err := audiofile.Create(path, format(rate, ch), audiofile.WriteOptions{Dither: audio.DitherTPDF, Seed: 1})
	if err != nil {
		return err
	}
	buf := audio.NewBuffer(ch, 8192)
	for {
		n, err := r.ReadFrames(buf)
		if n > 0 {
			if werr := w.WriteFrames(buf.Head(make(audio.Buffer, ch), n)); werr != nil {
				w.Abort()
				return werr
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			w.Abort()
			return err
		}
	}
	return w.Close()
}

// writeSong renders one song and writes the stems of group from it.
func writeSong(dir string, rate int, seconds float64, seed uint64, group []track) error {
	song := synth.NewSong(rate, seconds, seed)
	const block = 8192
	all := make([]audio.Buffer, synth.NumStems)
	for i := range all {
		all[i] = audio.NewBuffer(2, block)
	}
	ws := make([]*audiofile.Writer, len(group))
	defer func() {
		for _, w := range ws {
			if w != nil {
				w.Abort()
			}
		}
	}()
	for i, t := range group {
		w, err := audiofile.Create(filepath.Join(dir, t.name+".wav"), format(rate, t.channels), audiofile.WriteOptions{Dither: audio.DitherTPDF, Seed: seed*10 + uint64(i)})
		if err != nil {
			return err
		}
		ws[i] = w
	}
	hdr := make(audio.Buffer, 2)
	for {
		n, err := song.ReadStems(all)
		if n > 0 {
			for i, t := range group {
				b := all[t.stem].Head(hdr, n)
				if t.channels == 1 {
					b = b[:1]
				}
				if err := ws[i].WriteFrames(b); err != nil {
					return err
				}
			}
		}
		if err == io.EOF || n == 0 {
			break
		}
		if err != nil {
			return err
		}
	}
	for i, w := range ws {
		if err := w.Close(); err != nil {
			return err
		}
		ws[i] = nil
	}
	return nil
}

func sessionYAML(ts []track, rate int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# bench/mix.sh: %d stems, high-pass + 4-band EQ + compressor on each,\n# two group buses and a reverb return fed by every fourth track.\n", len(ts))
	fmt.Fprintf(&b, "version: 1\nsample_rate_hz: %d\nlayout: stereo\ntail_s: 0\n\ntracks:\n", rate)
	for _, t := range ts {
		fmt.Fprintf(&b, "  - name: %s\n    file: %s.wav\n    gain_db: %d\n    pan: %g\n    output: %s\n", t.name, t.name, trackGainDB, t.pan, t.bus)
		fmt.Fprintf(&b, "    inserts:\n      - {type: highpass, freq_hz: %d, slope_db_oct: 12}\n      - type: eq\n        bands:\n", hpHz)
		for _, e := range eqBands {
			fmt.Fprintf(&b, "          - {type: bell, freq_hz: %g, gain_db: %g, q: %g}\n", e[0], e[1], e[2])
		}
		fmt.Fprintf(&b, "      - {type: compressor, threshold_db: %d, ratio: %d, attack_ms: %d, release_ms: %d, knee_db: 0}\n",
			compThreshDB, compRatio, compAttackMS, compRelMS)
		if t.send {
			fmt.Fprintf(&b, "    sends: [{to: reverb, level_db: %d}]\n", sendDB)
		}
	}
	b.WriteString("\nbuses:\n  - {name: drums}\n  - {name: music}\n  - name: reverb\n    inserts: [{type: reverb, decay_s: 1.8, pre_delay_ms: 20, mix: 1}]\n")
	return b.String()
}

// ffmpegGraph returns the filter graph equivalent to the session and the
// input list. Pan follows the constant-power law for mono tracks and the
// balance law (the far side attenuated) for stereo ones, as mixdown does.
func ffmpegGraph(ts []track, dir string) (graph, inputs string) {
	var g, in strings.Builder
	var groups = map[string][]string{}
	var sends []string
	gain := math.Pow(10, trackGainDB/20.0)
	for i, t := range ts {
		fmt.Fprintf(&in, "%s\n", filepath.Join(dir, t.name+".wav"))
		fmt.Fprintf(&g, "[%d:a]highpass=f=%d:p=2", i, hpHz)
		for _, e := range eqBands {
			fmt.Fprintf(&g, ",equalizer=f=%g:t=q:w=%g:g=%g", e[0], e[2], e[1])
		}
		fmt.Fprintf(&g, ",acompressor=threshold=%g:ratio=%d:attack=%d:release=%d:knee=1",
			math.Pow(10, compThreshDB/20.0), compRatio, compAttackMS, compRelMS)
		theta := (t.pan + 1) * math.Pi / 4
		if t.channels == 1 {
			fmt.Fprintf(&g, ",pan=stereo|c0=%.6f*c0|c1=%.6f*c0", gain*math.Cos(theta), gain*math.Sin(theta))
		} else {
			l, r := 1.0, 1.0
			if t.pan > 0 {
				l = math.Sqrt2 * math.Cos(theta)
			} else if t.pan < 0 {
				r = math.Sqrt2 * math.Sin(theta)
			}
			fmt.Fprintf(&g, ",pan=stereo|c0=%.6f*c0|c1=%.6f*c1", gain*l, gain*r)
		}
		label := fmt.Sprintf("[%s]", t.name)
		if t.send {
			fmt.Fprintf(&g, ",asplit=2%s[%ss];\n", label, t.name)
			fmt.Fprintf(&g, "[%ss]volume=%ddB[%sv];\n", t.name, sendDB, t.name)
			sends = append(sends, fmt.Sprintf("[%sv]", t.name))
		} else {
			fmt.Fprintf(&g, "%s;\n", label)
		}
		groups[t.bus] = append(groups[t.bus], label)
	}
	for _, bus := range []string{"drums", "music"} {
		fmt.Fprintf(&g, "%samix=inputs=%d:normalize=0[%s];\n", strings.Join(groups[bus], ""), len(groups[bus]), bus)
	}
	// A reverb from echoes: eight taps, pre-delayed 20 ms, decaying over
	// about 1.8 s, after a 12 dB/octave low cut and high cut as on
	// mixdown's return.
	fmt.Fprintf(&g, "%samix=inputs=%d:normalize=0,highpass=f=80,lowpass=f=12000,"+
		"aecho=1:1:20|47|71|97|131|173|229|293:0.5|0.45|0.4|0.35|0.3|0.26|0.22|0.18[reverb];\n",
		strings.Join(sends, ""), len(sends))
	g.WriteString("[drums][music][reverb]amix=inputs=3:normalize=0[out]\n")
	return g.String(), in.String()
}

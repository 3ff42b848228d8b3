package mix

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/audio/audiofile"
	"github.com/mixdown/mixdown/internal/atomicfile"
	"github.com/mixdown/mixdown/internal/synth"
)

// demoStem says how one generated stem is written.
type demoStem struct {
	stem     synth.Stem
	file     string
	channels int // 1 takes the right channel of the generated stereo stem
	format   audio.Format
}

// WriteDemo writes a short multitrack demo song to dir: generated stems in
// dir/stems (kick, snare, hats, bass, chords and a lead line; WAV and FLAC,
// mono and stereo, the lead at 44.1 kHz so that it is resampled) and
// dir/session.yaml, a session with drum and music buses, a reverb and an
// echo return, EQ, compression, a gate, a de-esser, a sidechain, and
// automation (a fade-in and fade-out on the master, a pan move on the lead
// and a rising echo send). It returns the session's path; render it with
// RenderFile, Compile and Render, or `mixdown mix`.
//
// seconds is the song's length (0 < seconds <= 3600). The song starts
// shortly before a chorus so that even a short demo has every part
// playing. The stems are streamed to disk, so memory does not depend on
// the length.
func WriteDemo(dir string, seconds float64) (sessionPath string, err error) {
	if !(seconds > 0 && seconds <= 3600) {
		return "", fmt.Errorf("mix: demo length %g s: use 0 < seconds <= 3600", seconds)
	}
	stemDir := filepath.Join(dir, "stems")
	if err := os.MkdirAll(stemDir, 0o755); err != nil {
		return "", err
	}
	// The generated song alternates 16-second verses and choruses, and the
	// lead plays in the choruses only (from 16 s): start the demo so that
	// the first chorus comes a third of the way in (on a bar line, at most
	// 8 s in).
	chorusAt := min(8, 2*math.Floor(seconds/6))
	skip := 16 - chorusAt
	const rate = 48000
	i24 := func(ch, r int) audio.Format {
		return audio.Format{SampleRate: r, Channels: ch, Type: audio.SampleInt, Bits: 24}
	}
	stems := []demoStem{
		{synth.Kick, "kick.wav", 1, i24(1, rate)},
		{synth.Snare, "snare.wav", 1, i24(1, rate)},
		{synth.Hats, "hats.wav", 2, i24(2, rate)},
		{synth.Bass, "bass.flac", 1, i24(1, rate)},
		{synth.Chords, "chords.wav", 2, i24(2, rate)},
	}
	if err := writeDemoStems(stemDir, rate, skip, seconds, 1, stems); err != nil {
		return "", err
	}
	// The lead at 44.1 kHz: the same song rendered at another rate.
	lead := []demoStem{{synth.Lead, "lead-44k1.wav", 2, i24(2, 44100)}}
	if err := writeDemoStems(stemDir, 44100, skip, seconds, 1, lead); err != nil {
		return "", err
	}
	fadeOut := max(3, seconds-4)
	mid := chorusAt + (seconds-chorusAt)/2
	text := fmt.Sprintf(demoSessionText,
		min(4, seconds/2),      // chords fade-in, within the region
		chorusAt, mid, seconds, // lead pan
		max(0, seconds-8), max(0, seconds-4), // echo send
		fadeOut, max(fadeOut, seconds)) // master fade-out
	path := filepath.Join(dir, "session.yaml")
	if err := atomicfile.Write(path, []byte(text)); err != nil {
		return "", err
	}
	return path, nil
}

// writeDemoStems renders the song's stems block by block into files.
func writeDemoStems(dir string, rate int, skip, seconds float64, seed uint64, stems []demoStem) (err error) {
	song := synth.NewSong(rate, skip+seconds, seed)
	const block = 4096
	all := make([]audio.Buffer, synth.NumStems)
	for i := range all {
		all[i] = audio.NewBuffer(2, block)
	}
	ws := make([]*audiofile.Writer, len(stems))
	defer func() {
		for _, w := range ws {
			if w != nil {
				w.Abort()
			}
		}
	}()
	for i, st := range stems {
		w, err := audiofile.Create(filepath.Join(dir, st.file), st.format, audiofile.WriteOptions{Dither: audio.DitherTPDF, Seed: uint64(i + 1)})
		if err != nil {
			return err
		}
		ws[i] = w
	}
	hdr := make(audio.Buffer, 2)
	// Skip the song's first skip seconds.
	heads := make([]audio.Buffer, len(all))
	for left := int(math.Round(skip * float64(rate))); left > 0; {
		for i := range all {
			heads[i] = all[i].Head(make(audio.Buffer, 2), min(left, block))
		}
		n, err := song.ReadStems(heads)
		if err != nil {
			return err
		}
		left -= n
	}
	for {
		n, rerr := song.ReadStems(all)
		if n > 0 {
			for i, st := range stems {
				b := all[st.stem].Head(hdr, n)
				if st.channels == 1 {
					b = b[1:]
				}
				if err := ws[i].WriteFrames(b); err != nil {
					return err
				}
			}
		}
		if rerr == io.EOF || n == 0 {
			break
		}
		if rerr != nil {
			return rerr
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

// demoSessionText is the demo's session; the %g are the chords' fade-in
// and the times of the automation's breakpoints: the lead's pan move, the
// echo send's rise and the master fade-out.
const demoSessionText = `# mixdown demo session: a generated song (120 BPM, A minor) in six stems.
# Render it with: mixdown mix session.yaml -o mix.wav --report report.json
version: 1
sample_rate_hz: 48000
layout: stereo
tail_s: 6

tracks:
  - name: kick
    file: stems/kick.wav
    gain_db: -3
    output: drums
    inserts:
      - {type: highpass, freq_hz: 34, slope_db_oct: 24}
      - {type: compressor, threshold_db: -24, ratio: 3.8, attack_ms: 18, release_ms: 80}

  - name: snare
    file: stems/snare.wav
    gain_db: -4
    output: drums
    inserts:
      - {type: highpass, freq_hz: 85, slope_db_oct: 12}
      - {type: gate, threshold_db: -45, range_db: -30, release_ms: 80}
      - type: eq
        bands:
          - {type: bell, freq_hz: 200, gain_db: 2, q: 1.2}
          - {type: high_shelf, freq_hz: 6000, gain_db: 3}
    sends:
      - {to: reverb, level_db: -10}

  - name: hats
    file: stems/hats.wav
    gain_db: -8
    pan: 0.3
    output: drums
    inserts:
      - {type: highpass, freq_hz: 400, slope_db_oct: 12}

  - name: bass
    file: stems/bass.flac
    gain_db: -4
    output: music
    inserts:
      - {type: highpass, freq_hz: 30, slope_db_oct: 12}
      - type: compressor
        sidechain: kick          # duck the bass under the kick
        threshold_db: -30
        ratio: 3
        attack_ms: 5
        release_ms: 120

  - name: chords
    file: stems/chords.wav
    gain_db: -2
    width: 1.3
    fade_in_s: %g
    output: music
    inserts:
      - type: eq
        bands:
          - {type: highpass, freq_hz: 150}
          - {type: bell, freq_hz: 2500, gain_db: -2, q: 1}
    sends:
      - {to: reverb, level_db: -14}

  - name: lead
    file: stems/lead-44k1.wav    # 44.1 kHz: resampled to the session rate
    gain_db: -1
    output: music
    inserts:
      - {type: highpass, freq_hz: 120, slope_db_oct: 24}
      - {type: compressor, threshold_db: -26, ratio: 3, attack_ms: 9, release_ms: 132, knee_db: 6}
      - {type: deesser, freq_hz: 6500, threshold_db: -36, range_db: -4}
    sends:
      - {to: reverb, level_db: -12}
      - {to: echo, level_db: -18}
    automation:
      pan: [[%g, -0.4], [%g, 0.4], [%g, -0.4]]          # the lead drifts across
      send_db:
        echo: [[0, -18], [%g, -18], [%g, -8]]        # more echo at the end

buses:
  - name: drums
    inserts:
      - {type: compressor, threshold_db: -16, ratio: 2, attack_ms: 30, release_ms: 150, knee_db: 6}

  - name: music
    gain_db: -1

  - name: reverb
    gain_db: -2
    inserts:
      - {type: reverb, decay_s: 1.6, pre_delay_ms: 25, mix: 1}

  - name: echo
    inserts:
      - {type: delay, sync: 1/8., tempo_bpm: 120, feedback_ratio: 0.4, high_cut_hz: 5000, ping_pong: true, mix: 1}
    sends:
      - {to: reverb, level_db: -12}

master:
  inserts:
    - {type: limiter, ceiling_dbtp: -1}
  automation:
    gain_db: [[0, -40], [3, 0], [%g, 0], [%g, -40]]    # fade in and out
`

package analysis

import (
	"math"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/internal/synth"
)

// musicWithBreak renders the synth song (seconds long, at −3 dB) with a
// breakdown between from and to seconds in which only the chords and hats
// play: real music has such quiet passages, and they are where hum shows
// (under the full song a −50 dBFS hum is 10-30 dB below the song's own
// lines at 50, 100 and 150 Hz: its drums repeat sample-exactly every
// beat, so the song itself has lines at multiples of 1 Hz).
func musicWithBreak(rate int, seconds, from, to float64) audio.Buffer {
	n := int(seconds * float64(rate))
	s := synth.NewSong(rate, seconds, 1)
	stems := make([]audio.Buffer, synth.NumStems)
	for k := range stems {
		stems[k] = audio.NewBuffer(2, n)
	}
	s.ReadStems(stems)
	out := audio.NewBuffer(2, n)
	g := 0.9 * synth.DBToAmp(-3)
	i0, i1 := int(from*float64(rate)), int(to*float64(rate))
	for k, st := range stems {
		keep := synth.Stem(k) == synth.Chords || synth.Stem(k) == synth.Hats
		for c := range out {
			for i, v := range st[c] {
				if i >= i0 && i < i1 && !keep {
					continue
				}
				out[c][i] += float32(float64(v) * g)
			}
		}
	}
	return out
}

// tones returns a stereo buffer of sines (freq Hz, level dBFS peak) on
// both channels.
func tones(rate, frames int, freqs, levels []float64) audio.Buffer {
	b := audio.NewBuffer(2, frames)
	for k, f := range freqs {
		add(b, synth.Sine(rate, 2, frames, f, synth.DBToAmp(levels[k]), 0.3*float64(k)))
	}
	return b
}

func TestHum(t *testing.T) {
	const rate, seconds = 44100, 30
	n := rate * seconds
	humLevels := []float64{-50, -56, -60}
	hum50 := tones(rate, n, []float64{50, 100, 150}, humLevels)
	music := musicWithBreak(rate, seconds, 10, 22)

	t.Run("under music", func(t *testing.T) {
		r := run(t, add(clone(music), hum50), rate, Options{}, 16384)
		h := r.Defects.Hum
		if !h.Detected || h.MainsHz != 50 {
			t.Fatalf("hum not found: %+v", h)
		}
		t.Logf("%d of %d frames show hum", h.HumFrames, h.Frames)
		near(t, "fundamental Hz", float64(h.FrequencyHz), 50, 0.05)
		near(t, "fundamental dBFS", float64(h.LevelDBFS), -50, 0.5)
		got := map[int]HumLine{}
		for _, l := range h.Harmonics {
			got[l.Harmonic] = l
		}
		for k, want := range humLevels {
			l, ok := got[k+1]
			if !ok {
				t.Errorf("harmonic %d not found (%+v)", k+1, h.Harmonics)
				continue
			}
			near(t, "harmonic level dBFS", l.LevelDBFS, want, 0.5)
			near(t, "harmonic Hz", l.FrequencyHz, 50*float64(k+1), 0.1)
		}
		if f := hasFinding(r, "hum"); f == nil || f.TimeS == nil || *f.TimeS < 3 || *f.TimeS > 16 {
			t.Errorf("hum finding %+v, want one located in the breakdown", f)
		} else {
			t.Logf("finding: %s at %.2f s", f.Message, *f.TimeS)
		}
	})
	t.Run("a musical note near a harmonic is not one", func(t *testing.T) {
		// F4 (349.23 Hz) sits inside the drift window of the 7th harmonic
		// but is not 7 × the measured fundamental.
		b := add(add(clone(hum50), tones(rate, n, []float64{349.23}, []float64{-60})), synth.PinkNoise(rate, 2, n, synth.DBToAmp(-80), 5))
		h := run(t, b, rate, Options{}, 16384).Defects.Hum
		if !h.Detected {
			t.Fatalf("hum not found: %+v", h)
		}
		for _, l := range h.Harmonics {
			if l.Harmonic > 3 {
				t.Errorf("note reported as harmonic %d at %.2f Hz", l.Harmonic, l.FrequencyHz)
			}
		}
	})
	t.Run("60 Hz alone on noise", func(t *testing.T) {
		b := add(tones(rate, n, []float64{60, 120, 180}, humLevels), synth.PinkNoise(rate, 2, n, synth.DBToAmp(-60), 3))
		h := run(t, b, rate, Options{}, 4096).Defects.Hum
		if !h.Detected || h.MainsHz != 60 {
			t.Fatalf("60 Hz hum not found: %+v", h)
		}
		near(t, "fundamental Hz", float64(h.FrequencyHz), 60, 0.05)
		near(t, "fundamental dBFS", float64(h.LevelDBFS), -50, 0.5)
	})
	for _, c := range []struct {
		name string
		b    audio.Buffer
	}{
		{"music", music},
		{"full song", song(rate, seconds)},
		{"music with a 49 Hz bass note", add(clone(music), tones(rate, n, []float64{49, 98, 147}, []float64{-30, -40, -45}))},
		{"music with a 61.7 Hz bass note", add(clone(music), tones(rate, n, []float64{61.7, 123.4}, []float64{-30, -40}))},
		{"49 Hz note alone", add(tones(rate, n, []float64{49}, []float64{-20}), synth.PinkNoise(rate, 2, n, synth.DBToAmp(-70), 4))},
	} {
		t.Run("none: "+c.name, func(t *testing.T) {
			r := run(t, c.b, rate, Options{}, 16384)
			if h := r.Defects.Hum; h.Detected || hasFinding(r, "hum") != nil {
				t.Errorf("false hum: %+v", h)
			}
		})
	}
}

func TestHumShort(t *testing.T) {
	r := run(t, tones(44100, 44100, []float64{50}, []float64{-20}), 44100, Options{}, 4096)
	if h := r.Defects.Hum; h.Analyzed || h.Detected || !math.IsNaN(float64(h.FrequencyHz)) {
		t.Errorf("1 s programme: %+v", h)
	}
}

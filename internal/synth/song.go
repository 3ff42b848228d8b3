package synth

import (
	"io"
	"math"

	"github.com/mixdown/mixdown/audio"
)

// Stem names the parts of a generated Song.
type Stem int

// The stems of a Song, in the order Song.Stems returns them.
const (
	Kick Stem = iota
	Snare
	Hats
	Bass
	Chords
	Lead
	NumStems
)

var stemNames = [NumStems]string{"kick", "snare", "hats", "bass", "chords", "lead"}

func (s Stem) String() string { return stemNames[s] }

const tableSize = 4096

// Band-limited single-cycle tables, built once.
var (
	sawTable  = additiveTable(16, func(k int) float64 { return 1 / float64(k) })
	leadTable = additiveTable(5, func(k int) float64 { return math.Pow(0.45, float64(k-1)) })
)

func additiveTable(harmonics int, amp func(k int) float64) []float32 {
	t := make([]float32, tableSize+1)
	peak := 0.0
	vals := make([]float64, tableSize)
	for i := range vals {
		for k := 1; k <= harmonics; k++ {
			vals[i] += amp(k) * math.Sin(2*math.Pi*float64(k*i)/tableSize)
		}
		peak = math.Max(peak, math.Abs(vals[i]))
	}
	for i, v := range vals {
		t[i] = float32(v / peak)
	}
	t[tableSize] = t[0]
	return t
}

func lookup(t []float32, phase float64) float64 {
	x := phase * tableSize
	i := int(x)
	f := x - float64(i)
	return float64(t[i]) + f*float64(t[i+1]-t[i])
}

// Song is an endless-or-finite stream of music-like stereo material at 120
// BPM in A minor: kick, snare, hats, bass, chords and a lead line, with
// 8-bar sections alternating quiet verses and loud choruses. It implements
// audio.Reader (stereo mix) and can render each stem separately.
type Song struct {
	rate   int
	frames int64 // total length; <0 means endless
	pos    int64
	rng    *Rand
	// oscillator phases in cycles
	kickPh, bassPh, leadPh float64
	chordPh                [6]float64
	// noise shaping filters (rate-independent responses)
	snareHP, snareLP, hatHP1, hatHP2, hatLP1, hatLP2 onePole
	lpBass                                           float64
	leadNote                                         int
	stemBuf                                          [NumStems][2]float64
}

// onePole is a first-order low-pass; high-pass output is input minus it.
type onePole struct{ a, y float64 }

func newOnePole(cutoff, rate float64) onePole {
	return onePole{a: 1 - math.Exp(-2*math.Pi*cutoff/rate)}
}

func (f *onePole) lp(x float64) float64 { f.y += f.a * (x - f.y); return f.y }
func (f *onePole) hp(x float64) float64 { return x - f.lp(x) }

// NewSong returns a song of the given length in seconds (<= 0 for endless)
// at rate Hz. seed varies the melody and noise.
func NewSong(rate int, seconds float64, seed uint64) *Song {
	n := int64(math.Round(seconds * float64(rate)))
	if seconds <= 0 {
		n = -1
	}
	r := float64(rate)
	return &Song{rate: rate, frames: n, rng: NewRand(seed),
		snareHP: newOnePole(900, r), snareLP: newOnePole(6000, r),
		hatHP1: newOnePole(6000, r), hatHP2: newOnePole(6000, r),
		hatLP1: newOnePole(11000, r), hatLP2: newOnePole(11000, r),
	}
}

// Format returns stereo at the song's rate, as 32-bit float.
func (s *Song) Format() audio.Format {
	return audio.Format{SampleRate: s.rate, Channels: 2, Type: audio.SampleFloat, Bits: 32}
}

// Length returns the song's length in frames (-1 if endless).
func (s *Song) Length() int64 { return s.frames }

// ReadFrames renders the stereo mix of all stems.
func (s *Song) ReadFrames(dst audio.Buffer) (int, error) {
	n := s.avail(dst.Frames())
	if n == 0 {
		return 0, io.EOF
	}
	for i := 0; i < n; i++ {
		s.step()
		var l, r float64
		for k := range s.stemBuf {
			l += s.stemBuf[k][0]
			r += s.stemBuf[k][1]
		}
		dst[0][i] = float32(softClip(l * 0.9))
		dst[1][i] = float32(softClip(r * 0.9))
	}
	return n, nil
}

// ReadStems renders the next frames of every stem: dst[k] is a stereo
// buffer for Stem k; all must have the same length. The stems sum to what
// ReadFrames would return before its soft clipping and 0.9 gain.
func (s *Song) ReadStems(dst []audio.Buffer) (int, error) {
	n := s.avail(dst[0].Frames())
	if n == 0 {
		return 0, io.EOF
	}
	for i := 0; i < n; i++ {
		s.step()
		for k := range dst {
			dst[k][0][i] = float32(s.stemBuf[k][0])
			dst[k][1][i] = float32(s.stemBuf[k][1])
		}
	}
	return n, nil
}

func (s *Song) avail(want int) int {
	if s.frames >= 0 && int64(want) > s.frames-s.pos {
		return int(s.frames - s.pos)
	}
	return want
}

func softClip(x float64) float64 { return math.Tanh(x) }

var (
	// A minor: Am F C G, roots as MIDI notes.
	progression = [4]int{45, 41, 48, 43}
	// chord tones relative to root (minor, major, major, major)
	chordShape = [4][3]int{{0, 3, 7}, {0, 4, 7}, {0, 4, 7}, {0, 4, 7}}
	pentatonic = [...]int{57, 60, 62, 64, 67, 69, 72, 74, 76}
)

func midiHz(n int) float64 { return 440 * math.Pow(2, float64(n-69)/12) }

func (s *Song) step() {
	rate := float64(s.rate)
	t := float64(s.pos) / rate
	s.pos++
	const beat = 0.5
	beatN := int(t / beat)
	tb := t - float64(beatN)*beat // time since beat
	eighthN := int(t / (beat / 2))
	te := t - float64(eighthN)*beat/2
	bar := beatN / 4
	chord := bar % 4
	chorus := (bar/8)%2 == 1
	secGain := 0.55
	if chorus {
		secGain = 1.0
	}

	// Kick: pitch sweep 150 -> 50 Hz on every beat.
	fk := 50 + 100*math.Exp(-tb/0.03)
	s.kickPh += fk / rate
	s.kickPh -= math.Floor(s.kickPh)
	if tb < 1/rate {
		s.kickPh = 0
	}
	kick := 0.9 * math.Exp(-tb/0.22) * math.Sin(2*math.Pi*s.kickPh)
	s.stemBuf[Kick] = [2]float64{kick, kick}

	// Snare on beats 2 and 4: band-passed noise (0.9-6 kHz) and a 190 Hz body.
	noise := s.snareLP.lp(s.snareHP.hp(s.rng.Norm()))
	var snare float64
	if beatN%2 == 1 {
		snare = 0.5*math.Exp(-tb/0.1)*noise + 0.3*math.Exp(-tb/0.05)*math.Sin(2*math.Pi*190*tb)
	}
	s.stemBuf[Snare] = [2]float64{snare * 0.95, snare}

	// Hats on every eighth: noise band-passed to 6-11 kHz (12 dB/octave
	// slopes, like a real cymbal's energy rolling off above), panned right.
	hn := s.hatLP2.lp(s.hatLP1.lp(s.hatHP2.hp(s.hatHP1.hp(s.rng.Norm()))))
	hat := 0.25 * math.Exp(-te/0.025) * hn * (0.6 + 0.4*secGain)
	s.stemBuf[Hats] = [2]float64{hat * 0.6, hat}

	// Bass: root of the chord, an octave down, eighth-note pulses.
	fb := midiHz(progression[chord] - 12)
	s.bassPh += fb / rate
	s.bassPh -= math.Floor(s.bassPh)
	raw := lookup(sawTable, s.bassPh)
	s.lpBass += 0.08 * (raw - s.lpBass)
	envB := 0.55 * (0.35 + 0.65*math.Exp(-te/0.18))
	bass := envB * s.lpBass
	s.stemBuf[Bass] = [2]float64{bass, bass}

	// Chords: a detuned pair of saws per note, spread left and right.
	var cl, cr float64
	for k, iv := range chordShape[chord] {
		f := midiHz(progression[chord] + 12 + iv)
		for d := 0; d < 2; d++ {
			ph := &s.chordPh[k*2+d]
			*ph += f * (1 + 0.003*float64(2*d-1)) / rate
			*ph -= math.Floor(*ph)
			v := lookup(sawTable, *ph)
			if d == 0 {
				cl += v
			} else {
				cr += v
			}
		}
	}
	tbar := t - float64(bar)*4*beat
	envC := 0.06 * secGain * (1 - math.Exp(-tbar/0.15))
	s.stemBuf[Chords] = [2]float64{cl * envC, cr * envC}

	// Lead: pentatonic random walk on eighths, only in choruses, with vibrato.
	if te < 1/rate {
		step := int(s.rng.Uint64()%5) - 2
		s.leadNote = min(max(s.leadNote+step, 0), len(pentatonic)-1)
	}
	var lead float64
	if chorus {
		fl := midiHz(pentatonic[s.leadNote]+12) * (1 + 0.004*math.Sin(2*math.Pi*5.5*t))
		s.leadPh += fl / rate
		s.leadPh -= math.Floor(s.leadPh)
		lead = 0.22 * (1 - math.Exp(-te/0.01)) * math.Exp(-te/0.6) * lookup(leadTable, s.leadPh)
	}
	s.stemBuf[Lead] = [2]float64{lead * 0.9, lead * 1.1}
}

// SongBuffer renders a whole song of the given length into memory (for tests
// and short demos).
func SongBuffer(rate int, seconds float64, seed uint64) audio.Buffer {
	s := NewSong(rate, seconds, seed)
	b := audio.NewBuffer(2, int(s.Length()))
	n, _ := audio.ReadFull(s, b)
	return b.Head(make(audio.Buffer, 2), n)
}

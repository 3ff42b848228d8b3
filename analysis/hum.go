package analysis

import (
	"math"

	"github.com/mixdown/mixdown/dsp/fft"
)

// Hum analysis runs on the mid signal decimated by a power of two to about
// 1-2 kHz (a cascade of three moving averages, then a Kaiser low-pass
// passing 0-400 Hz), in frames of humN samples (about 6 s, 0.17-0.18 Hz per
// bin) with a 4-term Blackman-Harris window (sidelobes below −92 dB, so a
// loud note 1 Hz away leaves the mains bins clean), overlapped by half.
const (
	humN          = 8192
	humMaxHz      = 400.0 // highest harmonic examined
	humMaxHarm    = 8
	humLobeBins   = 4   // Blackman-Harris main lobe half-width in bins
	humNeighbourW = 2.5 // Hz each side searched for rival peaks
	humMinFrames  = 2   // frames that must show hum when the average does not
)

var humFamilies = [2]float64{50, 60}

type hum struct {
	minProm  float64 // dB
	minLevel float64 // dBFS
	rate     float64
	fd       float64 // decimated rate
	d1       *firDecimator
	f1       int // first-stage factor
	d2       *firDecimator
	s1, s2   []float64 // scratch: stage outputs
	frame    []float64
	fill     int
	plan     fft.Real
	win      []float64
	u        float64
	work     []float64
	x        []complex128
	pw       []float64 // power of the current frame
	avg      []float64 // Σ power over frames
	frames   int
	fam      [2]humStats
}

// humStats accumulates one mains family over the frames that showed it.
type humStats struct {
	frames int
	first  int                 // index of the first frame with hum, −1 if none
	power  [humMaxHarm]float64 // Σ line power
	minPow [humMaxHarm]float64 // smallest line power (the cleanest exposure)
	freqW  [humMaxHarm]float64 // Σ frequency·power
	promW  [humMaxHarm]float64 // Σ prominence (dB)
	found  [humMaxHarm]int
}

func newHum(rate int, minProm, minLevel float64) *hum {
	h := &hum{rate: float64(rate), minProm: minProm, minLevel: minLevel}
	// Total factor: the largest power of two leaving at least 1 kHz.
	d := 1
	for rate/(2*d) >= 1000 {
		d *= 2
	}
	d2 := min(4, d)
	h.f1 = d / d2
	h.fd = float64(rate) / float64(d)
	fs1 := float64(rate) / float64(h.f1)
	if h.f1 > 1 {
		h.d1 = newFIRDecimator(boxcarPower(h.f1, 3), h.f1, maxChunk)
	}
	if d2 > 1 {
		// Pass 0-400 Hz; everything that would alias into it is ≥ 80 dB down.
		h.d2 = newFIRDecimator(kaiserLowpass(h.fd/2, h.fd-2*humMaxHz, 80, fs1), d2, maxChunk/h.f1+1)
	}
	h.s1 = make([]float64, 0, maxChunk/max(h.f1, 1)+2)
	h.s2 = make([]float64, 0, maxChunk/d+2)
	h.frame = make([]float64, humN)
	h.plan = fft.NewReal(humN)
	h.win = blackmanHarris(humN)
	for _, w := range h.win {
		h.u += w * w
	}
	h.work = make([]float64, humN)
	h.x = make([]complex128, humN/2+1)
	h.pw = make([]float64, humN/2+1)
	h.avg = make([]float64, humN/2+1)
	for i := range h.fam {
		h.fam[i].first = -1
	}
	return h
}

func blackmanHarris(n int) []float64 {
	w := make([]float64, n)
	for i := range w {
		x := 2 * math.Pi * float64(i) / float64(n)
		w[i] = 0.35875 - 0.48829*math.Cos(x) + 0.14128*math.Cos(2*x) - 0.01168*math.Cos(3*x)
	}
	return w
}

// gain is the decimation chain's magnitude response at f Hz (the second
// stage is flat to within 0.001 dB below 400 Hz).
func (h *hum) gain(f float64) float64 {
	if h.d1 == nil {
		return 1
	}
	return boxcarGain(h.f1, 3, f, h.rate)
}

func (h *hum) write(x []float32) {
	s := h.s1[:0]
	if h.d1 != nil {
		s = decimate(h.d1, s, x)
	} else {
		for _, v := range x {
			s = append(s, float64(v))
		}
	}
	h.s1 = s
	if h.d2 != nil {
		s = decimate(h.d2, h.s2[:0], s)
		h.s2 = s
	}
	for len(s) > 0 {
		k := copy(h.frame[h.fill:], s)
		s = s[k:]
		h.fill += k
		if h.fill == humN {
			h.analyseFrame()
			copy(h.frame, h.frame[humN/2:])
			h.fill = humN / 2
		}
	}
}

func (h *hum) analyseFrame() {
	for i, w := range h.win {
		h.work[i] = h.frame[i] * w
	}
	h.plan.Forward(h.x, h.work)
	for k, v := range h.x {
		p := real(v)*real(v) + imag(v)*imag(v)
		h.pw[k] = p
		h.avg[k] += p
	}
	for i, f0 := range humFamilies {
		lines, ok := h.detect(h.pw, f0, 1)
		if !ok {
			continue
		}
		st := &h.fam[i]
		if st.first < 0 {
			st.first = h.frames
		}
		st.frames++
		for k, l := range lines {
			if l.found {
				if st.found[k] == 0 || l.power < st.minPow[k] {
					st.minPow[k] = l.power
				}
				st.found[k]++
				st.power[k] += l.power
				st.freqW[k] += l.freq * l.power
				st.promW[k] += l.prominence
			}
		}
	}
	h.frames++
}

// humLine is one harmonic's measurement in a spectrum.
type humLine struct {
	found      bool
	freq       float64 // Hz
	power      float64 // mean square, corrected for the decimation chain
	prominence float64 // dB above the strongest rival within ±humNeighbourW
}

// detect looks for the harmonics of f0 in the power spectrum p, which is
// the sum of frames frames. A harmonic is found when the largest bin
// within its search window (±(0.25 + 0.1·k) Hz of k·f0) is a local maximum
// standing h.minProm dB above every bin within ±humNeighbourW Hz
// outside its main lobe, at a level of at least h.minLevel dBFS. The family is
// present when the fundamental is found, or at least two of the first four
// harmonics are.
func (h *hum) detect(p []float64, f0 float64, frames int) (lines [humMaxHarm]humLine, ok bool) {
	df := h.fd / humN
	norm := 2 / (humN * h.u * float64(frames)) // one-sided mean square per bin
	var first4 int
	for k := 1; k <= humMaxHarm; k++ {
		fk := f0 * float64(k)
		if fk > humMaxHz || fk+humNeighbourW >= h.fd/2 {
			break
		}
		delta := 0.25 + 0.1*float64(k)
		lo, hi := int(math.Ceil((fk-delta)/df)), int(math.Floor((fk+delta)/df))
		pk := lo
		for j := lo; j <= hi; j++ {
			if p[j] > p[pk] {
				pk = j
			}
		}
		if !(p[pk] > p[pk-1] && p[pk] >= p[pk+1]) {
			continue
		}
		w := int(math.Ceil(humNeighbourW / df))
		var rival float64
		for j := pk - w; j <= pk+w; j++ {
			if j < 0 || j >= len(p) || (j >= pk-humLobeBins-1 && j <= pk+humLobeBins+1) {
				continue
			}
			rival = max(rival, p[j])
		}
		var sum, fsum float64
		for j := pk - humLobeBins; j <= pk+humLobeBins; j++ {
			sum += p[j]
			fsum += p[j] * float64(j)
		}
		l := humLine{freq: fsum / sum * df, prominence: 10 * math.Log10(p[pk]/rival)}
		if rival == 0 {
			l.prominence = math.Inf(1)
		}
		g := h.gain(l.freq)
		l.power = sum * norm / (g * g)
		l.found = l.prominence >= h.minProm && 10*math.Log10(2*l.power) >= h.minLevel
		lines[k-1] = l
	}
	// Mains harmonics are exact multiples of the fundamental, whatever the
	// grid's drift: once the fundamental is measured, a line more than a
	// centroid error away from k·f1 is a note of the music, not hum.
	if f1 := lines[0].freq; lines[0].found {
		for k := 2; k <= humMaxHarm; k++ {
			if l := &lines[k-1]; l.found && math.Abs(l.freq/float64(k)-f1) > 0.03+0.1/float64(k) {
				l.found = false
			}
		}
	}
	for k := 1; k <= 4; k++ {
		if lines[k-1].found {
			first4++
		}
	}
	return lines, lines[0].found || first4 >= 2
}

// frameS is the length of an analysis frame in seconds.
func (h *hum) frameS() float64 { return humN / h.fd }

// result builds the Hum report.
func (h *hum) result() Hum {
	out := Hum{FrequencyHz: Num(math.NaN()), LevelDBFS: Num(math.NaN()), FirstTimeS: Num(math.NaN()),
		Frames: h.frames, FrameS: h.frameS(), ResolutionHz: h.fd / humN, MinProminenceDB: h.minProm, Analyzed: h.frames > 0}
	if h.frames == 0 {
		return out
	}
	best, bestScore := -1, 0.0
	var bestLines [humMaxHarm]humLine
	for i, f0 := range humFamilies {
		lines, avgOK := h.detect(h.avg, f0, h.frames)
		st := &h.fam[i]
		framesOK := st.frames >= humMinFrames
		if !avgOK && !framesOK {
			continue
		}
		// Prefer the family seen in more frames, then the stronger average.
		score := float64(st.frames)
		if avgOK {
			score += 0.5
		}
		if score <= bestScore {
			continue
		}
		best, bestScore = i, score
		if framesOK {
			// Levels from the frames that showed the hum, the lowest of
			// them: the rest of the programme only adds to a line.
			for k := range bestLines {
				bestLines[k] = humLine{}
				if st.found[k] > 0 {
					n := float64(st.found[k])
					bestLines[k] = humLine{found: true, freq: st.freqW[k] / st.power[k], power: st.minPow[k], prominence: st.promW[k] / n}
				}
			}
			out.FirstTimeS = Num(float64(st.first) * humN / 2 / h.fd)
		} else {
			bestLines = lines
			out.FirstTimeS = Num(math.NaN())
		}
		out.HumFrames = st.frames
	}
	if best < 0 {
		return out
	}
	out.Detected, out.MainsHz = true, int(humFamilies[best])
	strongest := -1
	for k, l := range bestLines {
		if !l.found {
			continue
		}
		out.Harmonics = append(out.Harmonics, HumLine{Harmonic: k + 1, FrequencyHz: l.freq, LevelDBFS: 10 * math.Log10(2*l.power), ProminenceDB: l.prominence})
		if strongest < 0 || l.power > bestLines[strongest].power {
			strongest = k
		}
	}
	if strongest >= 0 {
		out.FrequencyHz = Num(bestLines[strongest].freq / float64(strongest+1))
	}
	if bestLines[0].found {
		out.LevelDBFS = Num(10 * math.Log10(2*bestLines[0].power))
	}
	return out
}

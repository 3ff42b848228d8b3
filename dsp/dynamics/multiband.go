package dynamics

import (
	"encoding/json"
	"fmt"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/dsp"
)

// MultibandParams configure a Multiband compressor. Start from
// DefaultMultibandParams.
type MultibandParams struct {
	// CrossoversHz are the 1 to 3 band edges, ascending (Hz, 20 to 20000
	// and below 0.45 × the sample rate). The bands are split by 24 dB/octave
	// Linkwitz-Riley filters (dsp.Crossover) and sum to an all-pass.
	CrossoversHz []float64 `json:"crossovers_hz" yaml:"crossovers_hz"`
	// Bands holds one compressor per band, lowest first
	// (len(CrossoversHz)+1). Each compresses its band, keyed by its band;
	// lookaheads may differ (the bands are realigned).
	Bands []CompressorParams `json:"bands" yaml:"bands"`
	// Mix blends the sum of the compressed bands with the dry signal (0 to
	// 1; 1 = fully compressed, the default). The dry path goes through the
	// same all-pass as the bands, so the blend is phase-coherent.
	Mix float64 `json:"mix" yaml:"mix"`
}

// DefaultMultibandParams returns a gentle three-band mastering compressor:
// crossovers at 200 Hz and 4 kHz; every band at threshold -18 dBFS, ratio
// 2, 6 dB knee, RMS detection, with slower times in the low band (30 ms
// attack, 250 ms release) than in the mid (10/150 ms) and high (5/100 ms)
// bands.
func DefaultMultibandParams() MultibandParams {
	band := func(att, rel float64) CompressorParams {
		p := DefaultCompressorParams()
		p.ThresholdDB, p.Ratio, p.AttackMS, p.ReleaseMS, p.Detector = -18, 2, att, rel, DetectorRMS
		return p
	}
	return MultibandParams{CrossoversHz: []float64{200, 4000}, Bands: []CompressorParams{band(30, 250), band(10, 150), band(5, 100)}, Mix: 1}
}

// UnmarshalJSON decodes p starting from DefaultMultibandParams for its
// scalar fields; CrossoversHz and Bands, when present, replace the
// defaults (each band starting from DefaultCompressorParams).
func (p *MultibandParams) UnmarshalJSON(b []byte) error {
	type plain MultibandParams
	q := plain{Mix: 1}
	if err := json.Unmarshal(b, &q); err != nil {
		return err
	}
	d := DefaultMultibandParams()
	if q.CrossoversHz == nil {
		q.CrossoversHz = d.CrossoversHz
	}
	if q.Bands == nil {
		q.Bands = d.Bands
	}
	*p = MultibandParams(q)
	return nil
}

// UnmarshalYAML decodes p like UnmarshalJSON (see
// CompressorParams.UnmarshalYAML).
func (p *MultibandParams) UnmarshalYAML(unmarshal func(any) error) error {
	type plain MultibandParams
	q := plain{Mix: 1}
	if err := unmarshal(&q); err != nil {
		return err
	}
	d := DefaultMultibandParams()
	if q.CrossoversHz == nil {
		q.CrossoversHz = d.CrossoversHz
	}
	if q.Bands == nil {
		q.Bands = d.Bands
	}
	*p = MultibandParams(q)
	return nil
}

// Validate reports the first parameter out of range.
func (p MultibandParams) Validate() error {
	const who = "multiband"
	if n := len(p.CrossoversHz); n < 1 || n > 3 {
		return rangeErr(who, "crossovers_hz", fmt.Sprintf("with %d frequencies", n), "1 to 3 frequencies")
	}
	for i, f := range p.CrossoversHz {
		if !inRange(f, 20, 20000) {
			return rangeErr(who, fmt.Sprintf("crossovers_hz[%d]", i), f, "20 to 20000 Hz")
		}
		if i > 0 && !(f > p.CrossoversHz[i-1]) {
			return rangeErr(who, fmt.Sprintf("crossovers_hz[%d]", i), f, fmt.Sprintf("above crossovers_hz[%d] = %g Hz", i-1, p.CrossoversHz[i-1]))
		}
	}
	if len(p.Bands) != len(p.CrossoversHz)+1 {
		return rangeErr(who, "bands", fmt.Sprintf("with %d entries", len(p.Bands)), fmt.Sprintf("%d bands for %d crossovers", len(p.CrossoversHz)+1, len(p.CrossoversHz)))
	}
	for i, b := range p.Bands {
		if err := b.Validate(); err != nil {
			return fmt.Errorf("dynamics: multiband: bands[%d]: %w", i, err)
		}
	}
	if !inRange(p.Mix, 0, 1) {
		return rangeErr(who, "mix", p.Mix, "0 to 1")
	}
	return nil
}

// Multiband is a multiband compressor: a dsp.Crossover splits the signal,
// a Compressor works on each band keyed by that band, the bands are
// realigned (each delayed to the longest lookahead) and summed. With every
// band idle the output is the input through the crossover's all-pass: the
// magnitude response is flat. Latency is the longest band lookahead.
type Multiband struct {
	p        MultibandParams
	xo       *dsp.Crossover
	comps    []*Compressor
	bands    []audio.Buffer // one per band, MaxFrames long
	hdrs     []audio.Buffer // headers for the current block
	dry      audio.Buffer   // the all-passed dry signal (Mix < 1)
	dryHdr   audio.Buffer
	delays   [][][]float32 // per band, per channel: realignment ring (nil if none)
	dryDelay [][]float32
	pos      []int
	dryPos   int
	lat      int
	trace    [][]float64 // per band: gain reduction per frame of the block
	stats    grStats
	prepared bool
}

// NewMultiband returns a multiband compressor with the given parameters;
// Prepare validates them.
func NewMultiband(p MultibandParams) *Multiband {
	p.CrossoversHz = append([]float64(nil), p.CrossoversHz...)
	p.Bands = append([]CompressorParams(nil), p.Bands...)
	return &Multiband{p: p}
}

// Params returns the parameters.
func (m *Multiband) Params() MultibandParams { return m.p }

// Prepare validates the parameters for spec and allocates the state.
func (m *Multiband) Prepare(spec dsp.Spec) error {
	if err := spec.Validate(); err != nil {
		return err
	}
	p := m.p
	if err := p.Validate(); err != nil {
		return err
	}
	xo, err := dsp.NewCrossover(p.CrossoversHz, spec.Channels, spec.SampleRate)
	if err != nil {
		return fmt.Errorf("dynamics: multiband: %w", err)
	}
	m.xo = xo
	nb := len(p.Bands)
	m.comps = make([]*Compressor, nb)
	m.bands = make([]audio.Buffer, nb)
	m.hdrs = make([]audio.Buffer, nb)
	m.trace = make([][]float64, nb)
	m.lat = 0
	for i, bp := range p.Bands {
		c := NewCompressor(bp)
		if err := c.Prepare(spec); err != nil {
			return fmt.Errorf("dynamics: multiband: bands[%d]: %w", i, err)
		}
		m.comps[i] = c
		m.lat = max(m.lat, c.Latency())
		m.bands[i] = audio.NewBuffer(spec.Channels, spec.MaxFrames)
		m.hdrs[i] = make(audio.Buffer, spec.Channels)
		m.trace[i] = make([]float64, spec.MaxFrames)
		c.grTrace = m.trace[i]
	}
	m.delays = make([][][]float32, nb)
	m.pos = make([]int, nb)
	for i, c := range m.comps {
		if d := m.lat - c.Latency(); d > 0 {
			m.delays[i] = make([][]float32, spec.Channels)
			for ch := range m.delays[i] {
				m.delays[i][ch] = make([]float32, d)
			}
		}
	}
	m.dry, m.dryDelay = nil, nil
	if p.Mix < 1 {
		m.dry = audio.NewBuffer(spec.Channels, spec.MaxFrames)
		m.dryHdr = make(audio.Buffer, spec.Channels)
		if m.lat > 0 {
			m.dryDelay = make([][]float32, spec.Channels)
			for ch := range m.dryDelay {
				m.dryDelay[ch] = make([]float32, m.lat)
			}
		}
	}
	m.prepared = true
	m.Reset()
	return nil
}

// Reset clears the crossover, the compressors, the delays and the
// statistics.
func (m *Multiband) Reset() {
	m.xo.Reset()
	for _, c := range m.comps {
		c.Reset()
	}
	for i, d := range m.delays {
		for _, ch := range d {
			clear(ch)
		}
		m.pos[i] = 0
	}
	for _, ch := range m.dryDelay {
		clear(ch)
	}
	m.dryPos = 0
	m.stats.reset()
}

// Latency returns the longest band lookahead in frames.
func (m *Multiband) Latency() int { return m.lat }

// Stats returns the gain-reduction statistics since Prepare or Reset,
// counting each frame by its largest reduction over the bands.
func (m *Multiband) Stats() GainReductionStats { return m.stats.stats() }

// BandStats returns each band's gain-reduction statistics, lowest band
// first.
func (m *Multiband) BandStats() []GainReductionStats {
	s := make([]GainReductionStats, len(m.comps))
	for i, c := range m.comps {
		s[i] = c.Stats()
	}
	return s
}

// GainReductionDB returns the largest band gain reduction of the last
// frame (dB, ≥ 0).
func (m *Multiband) GainReductionDB() float64 { return m.stats.cur }

// BandGainReductionDB returns band's gain reduction of the last frame (dB).
func (m *Multiband) BandGainReductionDB(band int) float64 { return m.comps[band].GainReductionDB() }

// delayRing passes x through ring d starting at pos and returns the new
// position.
func delayRing(d, x []float32, pos int) int {
	for i, v := range x {
		x[i], d[pos] = d[pos], v
		if pos++; pos == len(d) {
			pos = 0
		}
	}
	return pos
}

// Process compresses buf in place.
func (m *Multiband) Process(buf audio.Buffer) {
	if !m.prepared {
		panic("dynamics: Multiband.Process before Prepare")
	}
	n := buf.Frames()
	for i, b := range m.bands {
		m.hdrs[i] = b.Slice(m.hdrs[i], 0, n)
	}
	m.xo.Split(buf, m.hdrs)
	if m.dry != nil {
		dry := m.dry.Slice(m.dryHdr, 0, n)
		for ch := range dry {
			d := dry[ch]
			copy(d, m.hdrs[0][ch])
			for _, b := range m.hdrs[1:] {
				for i, v := range b[ch] {
					d[i] += v
				}
			}
			if m.dryDelay != nil {
				pos := delayRing(m.dryDelay[ch], d, m.dryPos)
				if ch == len(dry)-1 {
					m.dryPos = pos
				}
			}
		}
	}
	for i, c := range m.comps {
		b := m.hdrs[i]
		c.Process(b)
		if m.delays[i] != nil {
			pos := m.pos[i]
			for ch := range b {
				pos = delayRing(m.delays[i][ch], b[ch], m.pos[i])
			}
			m.pos[i] = pos
		}
	}
	mix := m.p.Mix
	for ch := range buf {
		out := buf[ch]
		copy(out, m.hdrs[0][ch])
		for _, b := range m.hdrs[1:] {
			for i, v := range b[ch] {
				out[i] += v
			}
		}
		if m.dry != nil {
			for i, v := range m.dry[ch][:n] {
				out[i] = float32(float64(v) + mix*(float64(out[i])-float64(v)))
			}
		}
	}
	// The statistics count each band's reduction at the frame its
	// compressor computed it (before the realignment).
	for i := 0; i < n; i++ {
		gr := 0.0
		for _, tr := range m.trace {
			gr = max(gr, tr[i])
		}
		m.stats.add(gr)
	}
}

package dynamics

import (
	"fmt"
	"math"

	"github.com/mixdown/mixdown/audio"
)

// The compressor's gain computer, four gain paths (lanes) at a time: for
// each frame, the detector power goes to dB (fastLog2), through the static
// curve, the attack/release smoothing and back to a linear factor
// (fastExp2). The lanes are independent: four compressors in a batch, or
// one compressor and three idle lanes.
//
// The level and the static curve (pass A) and the factor (pass C) are
// computed in float32, eight values at a time in the assembly (two frames
// of four lanes); the smoothing and the statistics (pass B) in float64.
// float32 is plenty there: the level in dB is within 1e-5 dB (the
// polynomials within 2e-6 dB, the rest float32 rounding), the factor
// within a relative 5e-7 (5e-6 dB) whatever the reduction. compGainGo is the reference; the
// assembly kernel does exactly the same arithmetic (every product and sum
// rounded, no fused multiply-add), so the two agree bit for bit
// (TestCompGainKernel).

// compLanes holds the parameters, state and statistics of four lanes. The
// float32 parameters are repeated twice (eight values: two frames of four
// lanes). The assembly reads it at the offsets in compgain_amd64.s
// (TestCompLanesLayout).
type compLanes struct {
	gr         [4]float64 // state: smoothed gain reduction (dB)
	active     [4]float64 // frames with gr > ActiveThresholdDB in the call
	sum        [4]float64 // running sum of gr over active frames
	max        [4]float64 // running maximum of gr
	attA       [4]float64 // attack coefficient a
	relA       [4]float64 // release coefficient
	attB       [4]float64 // 1 - the attack coefficient
	relB       [4]float64 // 1 - the release coefficient
	kneeStart  [8]float32 // detector power below which the target is 0
	thr        [8]float32 // threshold (dB)
	knee       [8]float32 // knee width (dB)
	negKnee    [8]float32 // -knee
	halfKnee   [8]float32 // knee/2
	invTwoKnee [8]float32 // 1/(2·knee) (+Inf for a hard knee)
	slope      [8]float32 // 1 - 1/ratio
	dry        [8]float32 // the factor is dry + wet·10^(-g/20) (see wet)
	wetScale   [8]float32
}

// Polynomial coefficients (least squares on Chebyshev nodes, evaluated in
// float32). log2(1+r) ≈ r·P(r) for 1+r in [√½, √2] (degree 7): absolute
// error below 7e-7, 2e-6 dB on a power in dB. 2^f ≈ 1 + f·Q(f) for f in
// [-½, ½] (degree 5): relative error below 3e-7, 3e-6 dB on a gain
// (TestFastLogExp).
const (
	log2C0 = float32(1.4426964322205764)
	log2C1 = float32(-0.7213640398472576)
	log2C2 = float32(0.4806291469243223)
	log2C3 = float32(-0.3593506528382307)
	log2C4 = float32(0.29563360026096214)
	log2C5 = float32(-0.26950627444018244)
	log2C6 = float32(0.17212873067236859)

	exp2C0 = float32(0.6931471880293418)
	exp2C1 = float32(0.24022348940946997)
	exp2C2 = float32(0.05550357104253251)
	exp2C3 = float32(0.009666373693207069)
	exp2C4 = float32(0.0013390867351269742)

	sqrt2f     = float32(1.4142135)
	roundMagic = float32(12582912)          // 1.5·2^23: y + roundMagic - roundMagic rounds y to an integer
	dbPerLog2  = float32(3.010299956639812) // 10·log10(2): 10·log10(p) = dbPerLog2·log2(p)
	expScale   = -0.16609640474436813       // -log2(10)/20: 10^(-g/20) = 2^(expScale·g)
	grFloor    = 1e-9                       // a smoothed reduction below this becomes exactly 0
)

// fastLog2 returns log2(p) for a positive normal or infinite p, within
// 7e-7 (plus float32 rounding). (Zero, subnormal and NaN inputs give
// finite nonsense; the compressor masks them out.)
func fastLog2(p float32) float32 {
	b := math.Float32bits(p)
	m := math.Float32frombits(b&(1<<23-1) | 127<<23) // mantissa in [1, 2)
	e := float32(int32(b>>23) - 127)                 // exponent
	if m > sqrt2f {
		m = m * 0.5
		e = e + 1
	}
	r := m - 1
	q := float32(log2C6*r) + log2C5
	q = float32(q*r) + log2C4
	q = float32(q*r) + log2C3
	q = float32(q*r) + log2C2
	q = float32(q*r) + log2C1
	q = float32(q*r) + log2C0
	return e + float32(r*q)
}

// fastExp2 returns 2^y for -126 < y <= 0 within a relative 3e-7;
// fastExp2(0) is exactly 1.
func fastExp2(y float32) float32 {
	t := y + roundMagic
	n := t - roundMagic // y rounded to an integer
	f := y - n          // in [-½, ½]
	q := float32(exp2C4*f) + exp2C3
	q = float32(q*f) + exp2C2
	q = float32(q*f) + exp2C1
	q = float32(q*f) + exp2C0
	p := 1 + float32(f*q)
	return math.Float32frombits(math.Float32bits(p) + math.Float32bits(t)<<23)
}

// levelDB returns 10·log10(p), at most 400, by fastLog2.
func levelDB(p float32) float32 {
	x := float32(fastLog2(p) * dbPerLog2)
	if !(x < 400) {
		x = 400
	}
	return x
}

// target returns lane l's static gain reduction (dB) for detector power
// p: the soft-knee curve (curve.gr with the knee's division done as a
// multiplication) at p's level in dB, 0 at or below the start of the knee
// (and for NaN).
func (k *compLanes) target(l int, p float32) float32 {
	d := levelDB(p) - k.thr[l]
	dd := d + d
	t := float32(k.slope[l] * d)
	if !(dd >= k.knee[l]) {
		s := d + k.halfKnee[l]
		t = float32(float32(float32(k.slope[l]*s)*s) * k.invTwoKnee[l])
	}
	if dd <= k.negKnee[l] {
		t = 0
	}
	if !(p > k.kneeStart[l]) {
		t = 0
	}
	return t
}

// smooth advances lane l's smoothed reduction towards t and returns it:
// see smoothStep.
func (k *compLanes) smooth(l int, t float64) float64 {
	g := smoothStep(k.gr[l], t, k.attA[l], k.attB[l], k.relA[l], k.relB[l])
	k.gr[l] = g
	return g
}

// smoothStep is one step of the attack/release one-pole from g towards t:
// (1-a)·g + a·t with a the attack coefficient when t > g, the release one
// otherwise (b = 1-a), and 0 below grFloor. (Written so, rather than as
// g + a·(t-g), the new value depends on g through a multiplication and
// an addition only.)
func smoothStep(g, t, attA, attB, relA, relB float64) float64 {
	if t > g {
		g = float64(attB*g) + float64(attA*t)
	} else {
		g = float64(relB*g) + float64(relA*t)
	}
	if g < grFloor {
		g = 0
	}
	return g
}

// wet returns lane l's factor for a reduction of g dB,
// 1 + mix·(makeup·10^(-g/20) - 1), as dry + wetScale·10^(-g/20) with
// dry = 1 - mix and wetScale = mix·makeup: two positive terms, so the
// factor keeps float32's relative precision however deep the reduction.
// mix is nudged (by at most a float32 ulp) so that dry + mix is exactly 1:
// without makeup, the factor at 0 dB is exactly 1.
func (k *compLanes) wet(l int, g float64) float32 {
	p := fastExp2(float32(g * expScale))
	return k.dry[l] + float32(k.wetScale[l]*p)
}

// setWet sets lane l's factor for the wet share mix and makeup gain
// makeup (see wet). One of dry and mix is rounded to float32 and the other
// is 1 minus it, computed from the one at least ½ so that the subtraction
// is exact (Sterbenz) and dry + mix is exactly 1.
func (k *compLanes) setWet(l int, mix, makeup float64) {
	var dry, m float32
	if mix >= 0.5 {
		m = float32(mix)
		dry = 1 - m
	} else {
		dry = float32(1 - mix)
		m = 1 - dry
	}
	for _, j := range [2]int{l, l + 4} {
		k.dry[j] = dry
		k.wetScale[j] = float32(float64(m) * makeup)
	}
}

// count adds g to lane l's statistics.
func (k *compLanes) count(l int, g float64) {
	if g > ActiveThresholdDB {
		k.active[l]++
		k.sum[l] += g
	}
	if g > k.max[l] {
		k.max[l] = g
	}
}

// compGainGo is the kernel's reference: for each frame i and lane l, from
// the power pw[4i+l] it computes the smoothed gain reduction grs[4i+l]
// and the factor gains[4i+l], and counts the statistics.
func compGainGo(k *compLanes, pw, gains []float32, grs []float64) {
	for i := 0; i+4 <= len(pw); i += 4 {
		for l := range 4 {
			g := k.smooth(l, float64(k.target(l, pw[i+l])))
			grs[i+l] = g
			gains[i+l] = k.wet(l, g)
			k.count(l, g)
		}
	}
}

// peakPower is the peak detector's power for a frame of one or two
// channels x and y (y = x for one): the larger square, rounded to float32
// (y's when x's is not larger, NaN included, as the assembly's maximum).
func peakPower(x, y float32) float32 {
	a, b := x*x, y*y
	if a > b {
		return a
	}
	return b
}

// detect4Go writes peakPower(x[2l][i], x[2l+1][i]) to pw[4i+l] for the
// four lanes and frames frames.
func detect4Go(pw []float32, x *[8][]float32, frames int) {
	for i := range frames {
		for l := range 4 {
			pw[4*i+l] = peakPower(x[2*l][i], x[2*l+1][i])
		}
	}
}

// apply4Go multiplies x[2l][i], then x[2l+1][i], by gains[4i+l] for the
// four lanes and frames frames.
func apply4Go(gains []float32, x *[8][]float32, frames int) {
	for i := range frames {
		for l := range 4 {
			g := gains[4*i+l]
			x[2*l][i] *= g
			x[2*l+1][i] *= g
		}
	}
}

// setLane loads compressor c's parameters, state and statistics into
// lane l.
func (k *compLanes) setLane(l int, c *Compressor) {
	for _, j := range [2]int{l, l + 4} {
		k.kneeStart[j] = float32(c.kneeStartPow)
		k.thr[j] = float32(c.cv.thr)
		k.knee[j] = float32(c.cv.knee)
		k.negKnee[j] = -float32(c.cv.knee)
		k.halfKnee[j] = float32(c.cv.knee / 2)
		k.invTwoKnee[j] = float32(1 / (2 * c.cv.knee))
		k.slope[j] = float32(c.cv.slope)
	}
	k.setWet(l, c.mix, c.makeup)
	k.attA[l], k.attB[l] = c.attA, 1-c.attA
	k.relA[l], k.relB[l] = c.relA, 1-c.relA
	k.gr[l] = c.gr[0]
	k.active[l] = 0
	k.sum[l] = c.stats.sum
	k.max[l] = c.stats.max
}

// idleLane sets lane l to a compressor that never acts.
func (k *compLanes) idleLane(l int) {
	for _, j := range [2]int{l, l + 4} {
		k.kneeStart[j] = float32(math.Inf(1))
		k.thr[j], k.knee[j], k.negKnee[j], k.halfKnee[j], k.invTwoKnee[j], k.slope[j] = 0, 0, 0, 0, float32(math.Inf(1)), 0
	}
	k.setWet(l, 1, 1)
	k.attA[l], k.relA[l], k.attB[l], k.relB[l] = 1, 1, 0, 0
	k.gr[l], k.active[l], k.sum[l], k.max[l] = 0, 0, 0, 0
}

// getLane stores lane l's state and statistics, after n frames, back into
// compressor c.
func (k *compLanes) getLane(l int, c *Compressor, n int) {
	if n == 0 {
		return
	}
	c.gr[0] = k.gr[l]
	c.stats.frames += int64(n)
	c.stats.active += int64(k.active[l])
	c.stats.sum = k.sum[l]
	c.stats.max = k.max[l]
	c.stats.cur = k.gr[l]
}

// CompressorBatch runs several prepared compressors, each keyed by its own
// programme, with their gain computers four at a time (one compressor per
// lane of compGain), and the smoothing of two such groups interleaved.
// Each compressor's output, state and statistics are exactly those its
// own Process would give, whatever shares its group. Compressors that take
// the unlinked path (StereoLink off on a programme of several channels)
// run on their own.
type CompressorBatch struct {
	cs          []*Compressor
	groups      []compGroup
	zeros, junk []float32 // gainChunk: the channels of idle lanes
}

// compGroup is four lanes of a batch and their scratch.
type compGroup struct {
	k         compLanes
	cs        []*Compressor
	pw, gains []float32
	grs       []float64
	// for the current call:
	bufs    []audio.Buffer
	used    [4]bool
	plain   bool // every used lane: a peak detector keyed by 1-2 channels
	noDelay bool // every used lane: no lookahead and 1-2 channels (apply4 covers them)
	x       [8][]float32
}

// NewCompressorBatch returns a batch running cs. Every compressor must be
// prepared.
func NewCompressorBatch(cs []*Compressor) (*CompressorBatch, error) {
	for i, c := range cs {
		if !c.prepared {
			return nil, fmt.Errorf("dynamics: NewCompressorBatch: compressor %d is not prepared", i)
		}
	}
	b := &CompressorBatch{cs: append([]*Compressor(nil), cs...), zeros: make([]float32, gainChunk), junk: make([]float32, gainChunk)}
	for g := 0; g < len(cs); g += 4 {
		b.groups = append(b.groups, compGroup{cs: b.cs[g:min(g+4, len(cs))],
			pw: make([]float32, 4*gainChunk), gains: make([]float32, 4*gainChunk), grs: make([]float64, 4*gainChunk)})
	}
	return b, nil
}

// Process compresses bufs[i] with compressor i, in place (keyed by itself).
// The buffers have the same number of frames.
func (b *CompressorBatch) Process(bufs []audio.Buffer) {
	if len(bufs) != len(b.cs) {
		panic("dynamics: CompressorBatch.Process: wrong number of buffers")
	}
	if len(bufs) == 0 {
		return
	}
	n := bufs[0].Frames()
	for gi := range b.groups {
		g := &b.groups[gi]
		g.bufs = bufs[4*gi : 4*gi+len(g.cs)]
		g.plain, g.noDelay = true, true
		for l, c := range g.cs {
			g.used[l] = false
			if g.bufs[l].Frames() != n {
				panic("dynamics: CompressorBatch.Process: buffers of different lengths")
			}
			if !c.linked(len(g.bufs[l]), len(g.bufs[l])) {
				c.processUnlinked(g.bufs[l], g.bufs[l])
				continue
			}
			g.used[l] = true
			g.plain = g.plain && c.plainPeak(len(g.bufs[l]))
			// apply4 covers one or two channels a lane; wider buffers
			// take applyLane.
			g.noDelay = g.noDelay && c.delay == nil && len(g.bufs[l]) <= 2
		}
		for l := len(g.cs); l < 4; l++ {
			g.used[l] = false
		}
	}
	for gi := 0; gi < len(b.groups); gi += 2 {
		g1 := &b.groups[gi]
		var g2 *compGroup
		if gi+1 < len(b.groups) {
			g2 = &b.groups[gi+1]
		}
		for off := 0; off < n; off += gainChunk {
			m := min(gainChunk, n-off)
			b.begin(g1, off, m)
			if g2 == nil {
				compGain(&g1.k, g1.pw[:4*m], g1.gains[:4*m], g1.grs[:4*m])
			} else {
				b.begin(g2, off, m)
				compGain2(&g1.k, &g2.k, g1.pw[:4*m], g1.gains[:4*m], g1.grs[:4*m], g2.pw[:4*m], g2.gains[:4*m], g2.grs[:4*m])
				b.end(g2, off, m)
			}
			b.end(g1, off, m)
		}
	}
}

// begin loads group g's lanes and computes its detector powers for frames
// [off, off+m).
func (b *CompressorBatch) begin(g *compGroup, off, m int) {
	for l := range 4 {
		if g.used[l] {
			g.k.setLane(l, g.cs[l])
		} else {
			g.k.idleLane(l)
		}
	}
	if g.plain {
		for l := range 4 {
			g.x[2*l], g.x[2*l+1] = b.zeros[:m], b.zeros[:m]
			if g.used[l] {
				buf := g.bufs[l]
				g.x[2*l], g.x[2*l+1] = buf[0][off:off+m], buf[len(buf)-1][off:off+m]
			}
		}
		detect4(g.pw, &g.x, m)
		return
	}
	for l := range 4 {
		if g.used[l] {
			g.cs[l].detect(g.bufs[l], off, m, g.pw, l)
		} else {
			for i := l; i < 4*m; i += 4 {
				g.pw[i] = 0
			}
		}
	}
}

// end applies group g's gains to frames [off, off+m) and stores its lanes'
// state and statistics.
func (b *CompressorBatch) end(g *compGroup, off, m int) {
	if g.noDelay {
		for l := range 4 {
			g.x[2*l], g.x[2*l+1] = b.junk[:m], b.junk[:m]
			if g.used[l] {
				buf := g.bufs[l]
				g.x[2*l] = buf[0][off : off+m]
				if len(buf) == 2 {
					g.x[2*l+1] = buf[1][off : off+m]
				}
			}
		}
		apply4(g.gains, &g.x, m)
	}
	for l := range 4 {
		if !g.used[l] {
			continue
		}
		c := g.cs[l]
		g.k.getLane(l, c, m)
		if !g.noDelay {
			c.applyLane(g.bufs[l], off, m, g.gains, l)
		}
		if c.grTrace != nil {
			tr := c.grTrace[off : off+m]
			for i := range tr {
				tr[i] = g.grs[4*i+l]
			}
		}
	}
}

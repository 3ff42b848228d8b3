package analysis

import (
	"math"
	"math/bits"
	"slices"
)

// chanStats accumulates one channel's sample statistics: sums for DC and
// RMS, the peak, clipped runs, the bit grid and the first and last
// non-silent samples. Sums are added sample by sample into the current
// window's partials, and the partials into the totals at window ends, so the
// result does not depend on how the stream was cut into blocks.
type chanStats struct {
	wSum, wSq float64 // partial sums of the current window
	sum, sq   float64 // sums of completed windows

	// Clipped runs. thr is the formation threshold: the smallest float32
	// ≥ min(peak, 1)·(1 − tolerance), never below the smallest positive
	// value, so zeros never form a run.
	peak     float32
	thr      float32
	runLen   int64
	runMin   float32
	runStart int64
	store    clipStore

	// Bit grid: qmin is the minimum over non-zero samples of
	// tz(significand) + biased exponent; the content needs 151 − qmin bits.
	qmin     int
	gridDone bool

	// First and last frames above the silence threshold and non-zero
	// (−1 until seen).
	firstLoud, lastLoud int64
	firstNZ, lastNZ     int64
}

func (cs *chanStats) init() {
	cs.thr = math.SmallestNonzeroFloat32
	cs.qmin = math.MaxInt
	cs.firstLoud, cs.lastLoud, cs.firstNZ, cs.lastNZ = -1, -1, -1, -1
}

// clipThreshold returns the smallest float32 at or above
// min(peak, 1)·(1 − tol).
func clipThreshold(peak float64, tol float64) float32 {
	t := min(peak, 1) * (1 - tol)
	t32 := float32(t)
	if float64(t32) < t {
		t32 = math.Nextafter32(t32, float32(math.Inf(1)))
	}
	return max(t32, math.SmallestNonzeroFloat32)
}

// scan adds the samples x, whose first frame is pos, to the statistics.
func (cs *chanStats) scan(x []float32, pos int64, p *params) {
	sum, sq := cs.wSum, cs.wSq
	thr := cs.thr
	for i, v := range x {
		f := float64(v)
		sum += f
		sq += f * f
		a := math.Float32frombits(math.Float32bits(v) &^ (1 << 31))
		if a >= thr {
			cs.clipSample(a, pos+int64(i), p)
			thr = cs.thr
		} else if cs.runLen > 0 {
			cs.endRun(p)
		}
	}
	cs.wSum, cs.wSq = sum, sq
	if !cs.gridDone {
		cs.scanGrid(x, p)
	}
	cs.scanSilence(x, pos, p.silence)
}

// clipSample handles a sample at or above the formation threshold.
func (cs *chanStats) clipSample(a float32, frame int64, p *params) {
	if a > cs.peak {
		cs.peak = a
		t := clipThreshold(float64(a), p.clipTol)
		if cs.runLen > 0 && cs.runMin < t {
			// The run so far is below the new clip level: restart it here.
			cs.runLen = 0
		}
		cs.thr = t
		cs.store.prune(t)
	}
	if cs.runLen == 0 {
		cs.runStart, cs.runMin = frame, a
	} else if a < cs.runMin {
		cs.runMin = a
	}
	cs.runLen++
}

// endRun closes the current run and keeps it if it may qualify.
func (cs *chanStats) endRun(p *params) {
	if cs.runLen >= p.clipRunMin && cs.runMin >= cs.thr {
		cs.store.add(cs.runMin, cs.runLen, cs.runStart, p.fullScaleThr)
	}
	cs.runLen = 0
}

// scanGrid lowers qmin over x and stops once the content needs more bits
// than can be told apart.
func (cs *chanStats) scanGrid(x []float32, p *params) {
	q := cs.qmin
	for _, v := range x {
		b := math.Float32bits(v) &^ (1 << 31)
		if b == 0 {
			continue
		}
		q = min(q, bits.TrailingZeros32(b|1<<23)+int(b>>23))
	}
	cs.qmin = q
	if q != math.MaxInt && 151-q > p.gridMaxBits {
		cs.gridDone = true
	}
}

// scanSilence updates the first and last loud and non-zero frames. Only
// the parts of x that can change them are read.
func (cs *chanStats) scanSilence(x []float32, pos int64, thr float32) {
	if cs.firstNZ < 0 {
		for i, v := range x {
			if v != 0 {
				cs.firstNZ = pos + int64(i)
				break
			}
		}
	}
	if cs.firstLoud < 0 {
		for i, v := range x {
			if v > thr || v < -thr {
				cs.firstLoud = pos + int64(i)
				break
			}
		}
	}
	for i := len(x) - 1; i >= 0; i-- {
		if v := x[i]; v > thr || v < -thr {
			cs.lastLoud = pos + int64(i)
			break
		}
	}
	for i := len(x) - 1; i >= 0; i-- {
		if x[i] != 0 {
			cs.lastNZ = pos + int64(i)
			break
		}
	}
}

// endWindow moves the window partials into the totals.
func (cs *chanStats) endWindow() {
	cs.sum += cs.wSum
	cs.sq += cs.wSq
	cs.wSum, cs.wSq = 0, 0
}

// clipAgg aggregates clipped runs.
type clipAgg struct {
	key                   uint32 // float32 bits of the smallest magnitude in the runs
	count, total, longest int64
	first                 int64 // start frame of the earliest run
}

func (a *clipAgg) merge(b clipAgg) {
	if b.count == 0 {
		return
	}
	if a.count == 0 || b.first < a.first {
		a.first = b.first
	}
	a.count += b.count
	a.total += b.total
	a.longest = max(a.longest, b.longest)
}

// clipStore keeps candidate runs aggregated by their smallest magnitude,
// sorted. Whether a run qualifies depends on the file's final peak, known
// only at the end; runs whose smallest magnitude falls below the current
// formation threshold can never qualify and are pruned as the peak rises.
// Entries therefore span at most one tolerance below the channel's peak:
// about 2²⁴·tolerance distinct float32 keys, so memory is bounded. Runs at
// or above full scale qualify whatever happens later and go to full.
type clipStore struct {
	e    []clipAgg
	full clipAgg
}

func (s *clipStore) add(m float32, n, start int64, fullScaleThr float32) {
	run := clipAgg{key: math.Float32bits(m), count: 1, total: n, longest: n, first: start}
	if m >= fullScaleThr {
		s.full.merge(run)
		return
	}
	i, found := slices.BinarySearchFunc(s.e, run.key, func(e clipAgg, k uint32) int { return int(int64(e.key) - int64(k)) })
	if found {
		s.e[i].merge(run)
		return
	}
	s.e = slices.Insert(s.e, i, run)
}

func (s *clipStore) prune(thr float32) {
	k := math.Float32bits(thr)
	i := 0
	for i < len(s.e) && s.e[i].key < k {
		i++
	}
	if i > 0 {
		s.e = append(s.e[:0], s.e[i:]...)
	}
}

// total aggregates the runs whose smallest magnitude is at least thr.
func (s *clipStore) total(thr float32) clipAgg {
	var a clipAgg
	a.merge(s.full)
	k := math.Float32bits(thr)
	for _, e := range s.e {
		if e.key >= k {
			a.merge(e)
		}
	}
	return a
}

package loudness

import "math"

// Loudness values are collected in fine histograms instead of lists so that
// memory does not grow with the programme's length. Each bin keeps the
// count and the exact energy sum of its values, so gated means are exact;
// only which side of a gate a value falls on, and percentile values, are
// resolved to the bin width.
const (
	histLow   = -70.0 // LUFS, lower edge of the first bin
	histHigh  = 40.0  // LUFS, values above land in the last bin
	histWidth = 0.005 // LU per bin
	histBins  = int((histHigh - histLow) / histWidth)
)

type histogram struct {
	count  [histBins]int64
	energy [histBins]float64
	n      int64
}

// energyToLUFS converts a weighted mean square to loudness.
func energyToLUFS(e float64) float64 { return -0.691 + 10*math.Log10(e) }

// add records a value of energy e (loudness l). Values below histLow are
// ignored; the caller applies the absolute gate's strictness.
func (h *histogram) add(e, l float64) {
	if !(l >= histLow) || !(e > 0) || math.IsInf(e, 1) { // also rejects NaN
		return
	}
	b := int((l - histLow) / histWidth)
	b = min(b, histBins-1)
	h.count[b]++
	h.energy[b] += e
	h.n++
}

// reset empties the histogram. Only add writes the bins, and it counts in
// n, so an empty histogram is already all zeros (and, just allocated, not
// even touched: a meter's histograms take memory only as they fill).
func (h *histogram) reset() {
	if h.n != 0 {
		*h = histogram{}
	}
}

// binLUFS returns the loudness of the mean energy in bin b.
func (h *histogram) binLUFS(b int) float64 {
	return energyToLUFS(h.energy[b] / float64(h.count[b]))
}

// gatedMean returns the mean energy and count of values above gate (LUFS).
// A bin that straddles the gate counts as above it when its mean is.
func (h *histogram) gatedMean(gate float64) (mean float64, n int64) {
	var sum float64
	first := int(math.Floor((gate - histLow) / histWidth))
	for b := max(first, 0); b < histBins; b++ {
		if h.count[b] == 0 {
			continue
		}
		if b == first && h.binLUFS(b) <= gate {
			continue
		}
		sum += h.energy[b]
		n += h.count[b]
	}
	if n == 0 {
		return 0, 0
	}
	return sum / float64(n), n
}

// percentile returns the nearest-rank p-th percentile (0 < p <= 100) of
// values above gate, as the loudness of that value's bin.
func (h *histogram) percentile(p, gate float64, n int64) float64 {
	rank := int64(math.Ceil(p / 100 * float64(n)))
	rank = max(rank, 1)
	first := int(math.Floor((gate - histLow) / histWidth))
	var seen int64
	for b := max(first, 0); b < histBins; b++ {
		if h.count[b] == 0 || b == first && h.binLUFS(b) <= gate {
			continue
		}
		seen += h.count[b]
		if seen >= rank {
			return h.binLUFS(b)
		}
	}
	return math.Inf(-1)
}

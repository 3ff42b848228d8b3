package flac

import "math"

// level is a set of analysis effort settings (see Options.Level).
type level struct {
	maxLPC     int  // largest LPC order; 0 = fixed predictors only
	maxPart    int  // largest Rice partition order
	tryOrders  int  // LPC orders costed exactly per window, best estimates first; 0 = all
	precSearch bool // requantize the best predictor at other coefficient precisions
	windows    []window
}

// window describes an analysis window: a Tukey window with taper fraction
// alpha over part index of parts equal parts of the block (zero elsewhere).
// parts = 1 covers the whole block.
type window struct {
	alpha        float64
	parts, index int
}

var (
	whole  = []window{{0.5, 1, 0}}
	halves = []window{{0.5, 1, 0}, {0.5, 2, 0}, {0.5, 2, 1}}
	thirds = []window{{0.5, 1, 0}, {0.5, 2, 0}, {0.5, 2, 1}, {0.5, 3, 0}, {0.5, 3, 1}, {0.5, 3, 2}}
)

// levels holds the settings of Options.Level 1 to 8; level 0 means 5.
var levels = [...]level{
	1: {maxLPC: 0, maxPart: 3},
	2: {maxLPC: 0, maxPart: 4},
	3: {maxLPC: 6, maxPart: 4, tryOrders: 1, windows: whole},
	4: {maxLPC: 8, maxPart: 4, tryOrders: 1, windows: whole},
	5: {maxLPC: 8, maxPart: 5, tryOrders: 2, windows: whole},
	6: {maxLPC: 8, maxPart: 6, tryOrders: 2, windows: halves},
	7: {maxLPC: 12, maxPart: 6, tryOrders: 3, windows: halves},
	8: {maxLPC: 12, maxPart: 6, tryOrders: 4, precSearch: true, windows: thirds},
}

// defaultLevel is the level used when Options.Level is 0.
const defaultLevel = 5

// buildWindows makes the level's windows for blocks of n frames, reusing the
// previous ones when n has not changed.
func (a *analyzer) buildWindows(n int) {
	if a.winN == n && len(a.windows) == len(a.lv.windows) {
		return
	}
	a.winN = n
	a.windows = a.windows[:0]
	for _, spec := range a.lv.windows {
		w := make([]float64, n)
		from, to := spec.index*n/spec.parts, (spec.index+1)*n/spec.parts
		tukey(w[from:to], spec.alpha)
		a.windows = append(a.windows, w)
	}
}

// tukey fills w with a Tukey window: flat at 1 in the middle, with raised
// cosine tapers over alpha/2 of its length at each end.
func tukey(w []float64, alpha float64) {
	n := len(w)
	taper := int(alpha / 2 * float64(n))
	for i := range w {
		w[i] = 1
	}
	for i := 0; i < taper && i < n/2; i++ {
		v := 0.5 - 0.5*math.Cos(math.Pi*(float64(i)+0.5)/float64(taper))
		w[i], w[n-1-i] = v, v
	}
}

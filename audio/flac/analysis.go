package flac

import (
	"math"
	"math/bits"

	"github.com/mewkiz/flac/frame"
)

// Format limits that bound the analysis.
const (
	maxLPCOrder   = 32 // FLAC's largest LPC order
	maxPartOrder  = 8  // largest Rice partition order this encoder searches
	maxShift      = 15 // largest quantized-coefficient shift FLAC allows
	maxCoeffPrec  = 15 // largest coefficient precision in bits (code 1111 is invalid)
	rice1MaxParam = 14 // 4-bit Rice parameters; 15 is the escape code
	rice2MaxParam = 30 // 5-bit Rice parameters; 31 is the escape code
)

// Sizes in bits of fixed subframe fields.
const (
	subframeHeaderBits = 8     // padding bit, type (6), wasted-bits flag
	lpcFieldBits       = 4 + 5 // coefficient precision and shift
	riceHeaderBits     = 2 + 4 // coding method and partition order
	escapeBitsField    = 5     // sample size of an escaped partition
)

// plan is the encoder's decision for one subframe: everything mewkiz's frame
// writer needs besides the samples.
type plan struct {
	pred      frame.Pred
	order     int
	wasted    int // wasted low bits removed before prediction
	prec      int // LPC coefficient precision, bits
	shift     int // LPC coefficient shift, bits
	coeffs    [maxLPCOrder]int32
	method    frame.ResidualCodingMethod
	partOrder int
	params    [1 << maxPartOrder]uint8 // Rice parameter, or the escape code
	escBits   [1 << maxPartOrder]uint8 // sample size of escaped partitions
	bits      int                      // size of the subframe in bits
}

// analyzer holds the scratch memory for choosing subframe plans. It is reused
// from block to block and never shared between goroutines.
type analyzer struct {
	lv       *level
	y        []int32   // samples without their wasted bits
	res      []int32   // residuals of the candidate being costed
	fx       []float64 // windowed samples
	winN     int       // block size the windows were built for
	windows  [][]float64
	autoc    [maxLPCOrder + 1]float64
	lpc      [maxLPCOrder][maxLPCOrder]float64 // lpc[m-1] has the order-m predictor
	lpcErr   [maxLPCOrder]float64              // prediction error energy per order
	sums     [2 << maxPartOrder]uint64         // per-partition sums of folded residuals, all orders
	maxes    [2 << maxPartOrder]uint32         // per-partition maxima of folded residuals
	cand     plan
	scoreBuf [maxLPCOrder]orderScore
	orders   [maxLPCOrder]int
	bestLP   [maxLPCOrder]float64 // unquantized predictor of the best LPC plan
}

// orderScore is an LPC order with its estimated cost in bits.
type orderScore struct {
	order int
	bits  float64
}

func newAnalyzer(lv *level, blockSize int) *analyzer {
	return &analyzer{
		lv:  lv,
		y:   make([]int32, blockSize),
		res: make([]int32, blockSize),
		fx:  make([]float64, blockSize),
	}
}

// analyze chooses the cheapest encoding of x, a channel of bps-bit samples
// (bps includes the extra bit of a side channel), and stores it in p.
func (a *analyzer) analyze(x []int32, bps int, p *plan) {
	n := len(x)
	if isConstant(x) {
		*p = plan{pred: frame.PredConstant, bits: subframeHeaderBits + bps}
		return
	}

	// Low bits that are zero in every sample need not be coded. x is not
	// constant, so some sample is non-zero.
	var or int32
	for _, v := range x {
		or |= v
	}
	wasted := bits.TrailingZeros32(uint32(or))
	y := x
	if wasted > 0 {
		y = a.y[:n]
		for i, v := range x {
			y[i] = v >> wasted
		}
	}
	ebps := bps - wasted
	hdr := subframeHeaderBits
	if wasted > 0 {
		hdr += wasted // unary count of wasted bits
	}

	*p = plan{pred: frame.PredVerbatim, wasted: wasted, bits: hdr + n*ebps}

	// Fixed polynomial predictors.
	c := &a.cand
	order := bestFixedOrder(y)
	res := fixedResidual(a.res[:n-order], y, order)
	c.pred, c.order, c.wasted = frame.PredFixed, order, wasted
	c.bits = hdr + order*ebps + a.rice(res, n, order, c)
	if c.bits < p.bits {
		*p = *c
	}

	// Linear prediction from the windowed autocorrelation.
	maxOrder := min(a.lv.maxLPC, n-1)
	if maxOrder < 1 {
		return
	}
	a.buildWindows(n)
	prec := coeffPrecision(bps, n)
	for _, w := range a.windows {
		if !a.levinson(y, w, maxOrder) {
			continue
		}
		for _, o := range a.candidateOrders(maxOrder, n, ebps, prec) {
			a.tryLPC(y, a.lpc[o-1][:o], prec, hdr, ebps, p)
		}
	}
	if a.lv.precSearch && p.pred == frame.PredFIR {
		// Requantize the winning predictor at other precisions.
		m := p.order
		lp := a.bestLP[:m]
		for pr := prec - 3; pr <= min(prec+2, maxCoeffPrec); pr++ {
			if pr >= 5 && pr != prec {
				a.tryLPC(y, lp, pr, hdr, ebps, p)
			}
		}
	}
}

// tryLPC costs the predictor lp quantized to prec bits and keeps it in p if
// it is cheaper.
func (a *analyzer) tryLPC(y []int32, lp []float64, prec, hdr, ebps int, p *plan) {
	n, m := len(y), len(lp)
	c := &a.cand
	shift, ok := quantizeCoeffs(c.coeffs[:m], lp, prec)
	if !ok {
		return
	}
	res, ok := lpcResidual(a.res[:n-m], y, c.coeffs[:m], shift)
	if !ok {
		return
	}
	c.pred, c.order, c.wasted, c.prec, c.shift = frame.PredFIR, m, p.wasted, prec, shift
	c.bits = hdr + m*ebps + lpcFieldBits + m*prec + a.rice(res, n, m, c)
	if c.bits < p.bits {
		*p = *c
		copy(a.bestLP[:m], lp)
	}
}

func isConstant(x []int32) bool {
	for _, v := range x[1:] {
		if v != x[0] {
			return false
		}
	}
	return true
}

// bestFixedOrder returns the fixed predictor order (0 to 4, and less than
// len(y)) whose residuals have the smallest sum of magnitudes.
func bestFixedOrder(y []int32) int {
	n := len(y)
	if n <= 4 {
		return n - 1
	}
	var s [5]uint64
	// Successive differences of y are the residuals of orders 0 to 4.
	d1p := int64(y[3]) - int64(y[2])
	d2p := d1p - (int64(y[2]) - int64(y[1]))
	d3p := d2p - ((int64(y[2]) - int64(y[1])) - (int64(y[1]) - int64(y[0])))
	prev := int64(y[3])
	for _, v := range y[4:] {
		e0 := int64(v)
		e1 := e0 - prev
		e2 := e1 - d1p
		e3 := e2 - d2p
		e4 := e3 - d3p
		s[0] += abs64(e0)
		s[1] += abs64(e1)
		s[2] += abs64(e2)
		s[3] += abs64(e3)
		s[4] += abs64(e4)
		prev, d1p, d2p, d3p = e0, e1, e2, e3
	}
	best := 0
	for o := 1; o < 5; o++ {
		if s[o] < s[best] {
			best = o
		}
	}
	return best
}

func abs64(v int64) uint64 {
	if v < 0 {
		return uint64(-v)
	}
	return uint64(v)
}

// fixedResidual writes the residuals of the order-o fixed predictor of y to
// dst (len(y)-o values) and returns dst.
func fixedResidual(dst, y []int32, o int) []int32 {
	dst = dst[:len(y)-o]
	switch o {
	case 0:
		copy(dst, y)
	case 1:
		for i := range dst {
			dst[i] = y[i+1] - y[i]
		}
	case 2:
		for i := range dst {
			dst[i] = y[i+2] - 2*y[i+1] + y[i]
		}
	case 3:
		for i := range dst {
			dst[i] = y[i+3] - 3*y[i+2] + 3*y[i+1] - y[i]
		}
	case 4:
		for i := range dst {
			dst[i] = y[i+4] - 4*y[i+3] + 6*y[i+2] - 4*y[i+1] + y[i]
		}
	}
	return dst
}

// lpcResidual writes the residuals of predicting y with quantized coefficients
// c and shift (FLAC's rule: the prediction of y[i] is
// sum(c[j]*y[i-1-j]) >> shift) to dst, and returns dst. ok is false if a
// prediction or residual does not fit in 32 bits, which FLAC forbids.
func lpcResidual(dst, y, c []int32, shift int) (_ []int32, ok bool) {
	m := len(c)
	dst = dst[:len(y)-m]
	// Reversed coefficients line up with the history y[i-m:i] in memory
	// order, which lets the compiler drop bounds checks in the inner loop.
	var rev [maxLPCOrder]int64
	for j, v := range c {
		rev[m-1-j] = int64(v)
	}
	cr := rev[:m]
	for i := range dst {
		h := y[i : i+m+1]
		var sum int64
		for k, v := range cr {
			sum += v * int64(h[k])
		}
		pred := sum >> uint(shift)
		r := int64(h[m]) - pred
		if pred != int64(int32(pred)) || r != int64(int32(r)) || r == math.MinInt32 {
			return nil, false
		}
		dst[i] = int32(r)
	}
	return dst, true
}

// coeffPrecision returns the LPC coefficient precision in bits for a channel
// of bps bits and a block of n frames: longer blocks amortize more coefficient
// bits, and deeper samples need finer coefficients.
func coeffPrecision(bps, n int) int {
	if bps > 17 { // 24-bit material (a 16-bit side channel has 17)
		switch {
		case n <= 384:
			return 13
		case n <= 1152:
			return 14
		}
		return maxCoeffPrec
	}
	if bps < 16 {
		return max(5, 2+bps/2)
	}
	// 12 bits at 4096 frames, one bit less per halving of the block.
	p := 12 + int(math.Ceil(math.Log2(float64(n)/4608)))
	return min(max(p, 7), 13)
}

// quantizeCoeffs rounds the predictor lp to prec-bit integers q with a common
// shift, carrying each rounding error into the next coefficient so that the
// quantized filter stays close to lp. ok is false if lp cannot be represented
// (all zero, or too large for a non-negative shift).
func quantizeCoeffs(q []int32, lp []float64, prec int) (shift int, ok bool) {
	cmax := 0.0
	for _, v := range lp {
		cmax = max(cmax, math.Abs(v))
	}
	if cmax == 0 || math.IsNaN(cmax) || math.IsInf(cmax, 0) {
		return 0, false
	}
	// Scale so that the largest coefficient uses prec-1 magnitude bits.
	_, exp := math.Frexp(cmax) // cmax = f × 2^exp, 0.5 <= f < 1
	shift = prec - 1 - exp
	if shift > maxShift {
		shift = maxShift
	}
	if shift < 0 {
		return 0, false
	}
	qmax := int64(1)<<(prec-1) - 1
	qmin := -qmax - 1
	scale := math.Ldexp(1, shift)
	carry := 0.0
	for i, v := range lp {
		t := v*scale + carry
		r := int64(math.RoundToEven(t))
		r = min(max(r, qmin), qmax)
		carry = t - float64(r)
		q[i] = int32(r)
	}
	return shift, true
}

// levinson computes the windowed autocorrelation of y (window w) and, by the
// Levinson-Durbin recursion, the predictors of orders 1 to maxOrder in a.lpc
// and their error energies in a.lpcErr. It returns false if the block carries
// no usable correlation (silence after windowing).
func (a *analyzer) levinson(y []int32, w []float64, maxOrder int) bool {
	n := len(y)
	fx := a.fx[:n]
	for i, v := range y {
		fx[i] = float64(v) * w[i]
	}
	ac := a.autoc[:maxOrder+1]
	for lag := range ac {
		s := 0.0
		for i := lag; i < n; i++ {
			s += fx[i] * fx[i-lag]
		}
		ac[lag] = s
	}
	if ac[0] <= 0 {
		return false
	}
	// A white-noise floor 100 dB down keeps the recursion well conditioned on
	// pure tones without affecting real material.
	ac[0] *= 1 + 1e-10

	var cur [maxLPCOrder]float64
	err := ac[0]
	for m := 0; m < maxOrder; m++ {
		acc := ac[m+1]
		for j := 0; j < m; j++ {
			acc -= cur[j] * ac[m-j]
		}
		k := acc / err
		// Update coefficients symmetrically in place.
		for j := 0; j < m/2; j++ {
			t := cur[j]
			cur[j] -= k * cur[m-1-j]
			cur[m-1-j] -= k * t
		}
		if m%2 == 1 {
			cur[m/2] -= k * cur[m/2]
		}
		cur[m] = k
		err *= 1 - k*k
		copy(a.lpc[m][:m+1], cur[:m+1])
		a.lpcErr[m] = err
		if err <= 0 || math.IsNaN(err) {
			// Perfect prediction: higher orders cannot do better.
			for o := m + 1; o < maxOrder; o++ {
				copy(a.lpc[o][:m+1], cur[:m+1])
				clear(a.lpc[o][m+1 : o+1])
				a.lpcErr[o] = 0
			}
			break
		}
	}
	return true
}

// candidateOrders returns the LPC orders worth costing exactly, best
// estimate first. The estimate charges each residual half the log2 of its
// error variance (the cost of Rice-coding Laplacian residuals, up to a
// constant) and each order its warm-up sample and coefficient.
func (a *analyzer) candidateOrders(maxOrder, n, ebps, prec int) []int {
	sc := a.scoreBuf[:maxOrder]
	for m := 1; m <= maxOrder; m++ {
		v := a.lpcErr[m-1] / float64(n)
		perSample := 0.0
		if v > 1 {
			perSample = 0.5 * math.Log2(v)
		}
		sc[m-1] = orderScore{m, perSample*float64(n-m) + float64(m*(ebps+prec))}
	}
	// Insertion sort: at most 32 entries.
	for i := 1; i < len(sc); i++ {
		for j := i; j > 0 && sc[j].bits < sc[j-1].bits; j-- {
			sc[j], sc[j-1] = sc[j-1], sc[j]
		}
	}
	k := a.lv.tryOrders
	if k <= 0 || k > len(sc) {
		k = len(sc)
	}
	out := a.orders[:0]
	for _, s := range sc[:k] {
		out = append(out, s.order)
	}
	return out
}

// rice chooses the Rice partition order and parameters for the residuals res
// of a block of n frames predicted with the given order, stores them in p,
// and returns the size of the residual section in bits.
func (a *analyzer) rice(res []int32, n, order int, p *plan) int {
	// Partitions must divide the block evenly, and the first one must hold at
	// least one residual after the warm-up samples.
	maxP := a.lv.maxPart
	for maxP > 0 && (n&(1<<maxP-1) != 0 || n>>maxP <= order) {
		maxP--
	}

	// Sums and maxima of the folded (zigzag) residuals at the finest order;
	// coarser orders are built by merging pairs. Order q's partitions live
	// at sums[1<<q : 2<<q].
	parts := 1 << maxP
	plen := n >> maxP
	fine := a.sums[parts : 2*parts]
	fmax := a.maxes[parts : 2*parts]
	start := 0
	for i := range parts {
		end := (i+1)*plen - order
		var s uint64
		var mx uint32
		for _, r := range res[start:end] {
			u := uint32(r<<1) ^ uint32(r>>31)
			s += uint64(u)
			mx = max(mx, u)
		}
		fine[i], fmax[i] = s, mx
		start = end
	}
	for q := maxP - 1; q >= 0; q-- {
		for i := range 1 << q {
			j := 1<<q + i
			a.sums[j] = a.sums[2*j] + a.sums[2*j+1]
			a.maxes[j] = max(a.maxes[2*j], a.maxes[2*j+1])
		}
	}

	bestBits, bestQ, bestMethod := math.MaxInt, 0, frame.ResidualCodingMethodRice1
	for q := maxP; q >= 0; q-- {
		np := 1 << q
		t1, t2 := np*4, np*5
		for i := range np {
			cnt := n >> q
			if i == 0 {
				cnt -= order
			}
			b1, _ := partitionBits(a.sums[np+i], a.maxes[np+i], cnt, rice1MaxParam)
			b2, _ := partitionBits(a.sums[np+i], a.maxes[np+i], cnt, rice2MaxParam)
			t1 += b1
			t2 += b2
		}
		if t1 < bestBits {
			bestBits, bestQ, bestMethod = t1, q, frame.ResidualCodingMethodRice1
		}
		if t2 < bestBits {
			bestBits, bestQ, bestMethod = t2, q, frame.ResidualCodingMethodRice2
		}
	}

	p.method, p.partOrder = bestMethod, bestQ
	kmax, esc := rice1MaxParam, uint8(rice1MaxParam+1)
	if bestMethod == frame.ResidualCodingMethodRice2 {
		kmax, esc = rice2MaxParam, uint8(rice2MaxParam+1)
	}
	np := 1 << bestQ
	for i := range np {
		cnt := n >> bestQ
		if i == 0 {
			cnt -= order
		}
		_, k := partitionBits(a.sums[np+i], a.maxes[np+i], cnt, kmax)
		if k < 0 {
			p.params[i], p.escBits[i] = esc, uint8(bits.Len32(a.maxes[np+i]))
		} else {
			p.params[i], p.escBits[i] = uint8(k), 0
		}
	}
	return riceHeaderBits + bestBits
}

// partitionBits returns the estimated size in bits of cnt residuals whose
// folded values sum to sum and peak at peak, coded with the best Rice
// parameter up to kmax, and that parameter; k is -1 when storing the
// residuals verbatim (the escape code) is cheaper. The parameter field itself
// is not counted.
func partitionBits(sum uint64, peak uint32, cnt, kmax int) (size, k int) {
	// Escaped: a 5-bit sample size, then each residual in that many bits.
	escBits := bits.Len32(peak)
	bestSize, bestK := math.MaxInt, -1
	if escBits <= 31 {
		bestSize = escapeBitsField + cnt*escBits
	}
	if cnt == 0 {
		return 0, 0
	}
	// The best parameter is near log2 of the mean folded value.
	mean := sum / uint64(cnt)
	k0 := bits.Len64(mean) - 1
	for k := max(k0-1, 0); k <= min(k0+1, kmax); k++ {
		// Each residual costs k low bits, a stop bit and its high part in
		// unary; summing (u >> k) over the partition is approximated by
		// sum >> k less half a unit per residual lost to truncation.
		s := cnt*(k+1) + int(sum>>uint(k))
		if k > 0 {
			s -= cnt / 2
		}
		if s < bestSize {
			bestSize, bestK = s, k
		}
	}
	return bestSize, bestK
}

package fx

import "unsafe"

// denormGuard rounds magnitudes below about 1e-34 to zero when added and
// subtracted again, so that values stored as float32 are never subnormal.
const denormGuard = 1e-18

// fdn is the reverb's feedback delay network: 16 lines in four groups of
// four. Index [g][q] is line g+4q, so that a group maps onto the lanes of
// one 256-bit vector; group 0 is read through the modulated interpolators.
// The layout of the fields up to phase is shared with the assembly kernel
// (fdn_amd64.s); TestFDNLayout checks it.
type fdn struct {
	b0, b1, b2, a1, a2 [4][4]float64 // absorption shelves (matrix scaling folded in)
	s1, s2             [4][4]float64 // their state
	modStart, modSlope [4]float64    // group 0's delays at the step's start, change per frame
	prev               [4]float64    // group 0's all-pass interpolator outputs
	sign1, sign2       [4]float64    // lane signs of the in-register butterflies
	delay              [4][4]int32   // line lengths in frames
	base               [4][4]int32   // line offsets in mem, in frames
	mask               [4]int32      // line length mask, in every lane
	half, one, guard   float64       // constants for the kernel
	w, phase           int           // write position in every line; frames into the step
	memBase            uintptr       // &mem[0]

	size      int
	modulated bool // group 0 is modulated (else read plainly)
	mem       []float32
	lines     [fdnLines][]float32     // views of mem
	f         [4][4][fdnChunk]float64 // Go kernel scratch: absorbed outputs of line g+4q
	rows      [fdnChunk][fdnLines]float32
}

// The matrix outputs (before the input is added) that feed the left and
// right outputs. Any two give orthogonal, hence decorrelated, taps.
const (
	fdnTapL = 5  // group 1, lane 1
	fdnTapR = 10 // group 2, lane 2
)

// alloc allocates lines of size frames (a power of two) with the given
// lengths.
func (n *fdn) alloc(size int, delay [fdnLines]int) {
	n.size = size
	n.mem = make([]float32, fdnLines*size)
	for i := range n.lines {
		n.lines[i] = n.mem[i*size : (i+1)*size : (i+1)*size]
		g, q := i%4, i/4
		n.delay[g][q] = int32(delay[i])
		n.base[g][q] = int32(i * size)
	}
	n.mask = [4]int32{int32(size - 1), int32(size - 1), int32(size - 1), int32(size - 1)}
	n.sign1 = [4]float64{1, -1, 1, -1}
	n.sign2 = [4]float64{1, 1, -1, -1}
	n.half, n.one, n.guard = 0.5, 1, denormGuard
	n.memBase = uintptr(unsafe.Pointer(&n.mem[0]))
}

func (n *fdn) reset() {
	clear(n.mem)
	n.s1, n.s2, n.prev = [4][4]float64{}, [4][4]float64{}, [4]float64{}
	n.w = 0
}

// flush zeroes recirculating state below 1e-30.
func (n *fdn) flush() {
	for g := range 4 {
		for q := range 4 {
			n.s1[g][q], n.s2[g][q] = flush(n.s1[g][q]), flush(n.s2[g][q])
		}
		n.prev[g] = flush(n.prev[g])
	}
}

// run advances the network by k frames (phase frames into the step): it
// reads every line, puts two matrix outputs into o, and writes the lines'
// new input back: the matrix output plus the diffused input u, which
// enters every line, the left with gain +1 and the right with ±1 (Walsh
// rows 0 and 1 over the matrix outputs, so the two inputs are orthogonal).
func (n *fdn) run(k, phase int, u, o *[2][fdnChunk]float64) {
	n.phase = phase
	if useAVX2 {
		// The kernel leaves the new line inputs in rows (frame by frame,
		// output q+4·lane at q·4+lane): copy them into the lines here, where
		// each line is written contiguously, since scattering single
		// samples over sixteen lines every frame is slow.
		fdnRunAVX2(n, k, &u[0][0], &o[0][0], &n.rows[0][0])
		var dst [fdnLines]uintptr
		for col := range fdnLines {
			// Slot q·4+lane holds output q+4·lane, which feeds the line before.
			t := col/4 + 4*(col%4)
			dst[col] = n.memBase + uintptr(4*(((t+fdnLines-1)%fdnLines)*n.size+n.w))
		}
		if blocks := k / 4; blocks > 0 {
			fdnScatterAVX(&n.rows[0][0], blocks, &dst)
		}
		for j := k &^ 3; j < k; j++ {
			for col := range fdnLines {
				t := col/4 + 4*(col%4)
				n.lines[(t+fdnLines-1)%fdnLines][n.w+j] = n.rows[j][col]
			}
		}
	} else {
		if n.modulated {
			n.readModulated(k)
		} else {
			n.read(0, k)
		}
		for g := 1; g < 4; g++ {
			n.read(g, k)
		}
		n.mixWrite(k, u, o)
	}
	n.w = (n.w + k) & int(n.mask[0])
}

// read fills f for group g (lines g, g+4, g+8, g+12) with k absorbed
// outputs. The four lines are interleaved so that their filters'
// recursions overlap.
func (n *fdn) read(g, k int) {
	mask := int(n.mask[0])
	l0, l1, l2, l3 := n.lines[g], n.lines[g+4], n.lines[g+8], n.lines[g+12]
	d := &n.delay[g]
	p0, p1, p2, p3 := n.w-int(d[0]), n.w-int(d[1]), n.w-int(d[2]), n.w-int(d[3])
	b0, b1, b2, a1, a2 := &n.b0[g], &n.b1[g], &n.b2[g], &n.a1[g], &n.a2[g]
	s10, s11, s12, s13 := n.s1[g][0], n.s1[g][1], n.s1[g][2], n.s1[g][3]
	s20, s21, s22, s23 := n.s2[g][0], n.s2[g][1], n.s2[g][2], n.s2[g][3]
	f0 := n.f[g][0][:k]
	f1, f2, f3 := n.f[g][1][:len(f0)], n.f[g][2][:len(f0)], n.f[g][3][:len(f0)]
	for j := range f0 {
		x0 := float64(l0[(p0+j)&mask])
		x1 := float64(l1[(p1+j)&mask])
		x2 := float64(l2[(p2+j)&mask])
		x3 := float64(l3[(p3+j)&mask])
		y0 := b0[0]*x0 + s10
		y1 := b0[1]*x1 + s11
		y2 := b0[2]*x2 + s12
		y3 := b0[3]*x3 + s13
		s10 = b1[0]*x0 - a1[0]*y0 + s20
		s11 = b1[1]*x1 - a1[1]*y1 + s21
		s12 = b1[2]*x2 - a1[2]*y2 + s22
		s13 = b1[3]*x3 - a1[3]*y3 + s23
		s20 = b2[0]*x0 - a2[0]*y0
		s21 = b2[1]*x1 - a2[1]*y1
		s22 = b2[2]*x2 - a2[2]*y2
		s23 = b2[3]*x3 - a2[3]*y3
		f0[j], f1[j], f2[j], f3[j] = y0, y1, y2, y3
	}
	n.s1[g] = [4]float64{s10, s11, s12, s13}
	n.s2[g] = [4]float64{s20, s21, s22, s23}
}

// readModulated is read for group 0 (lines 0, 4, 8, 12): each line's delay
// ramps from modStart by modSlope per frame of the step and is read through
// a first-order all-pass interpolator, y = η·(x[n-N] - y[n-1]) + x[n-N-1]
// with η = (1-Δ)/(1+Δ) for a delay of N+Δ frames; Δ is kept in [0.5, 1.5),
// where η stays small and the phase delay nearly flat. At a whole delay
// (Δ = 1, η = 0) this is a plain read.
func (n *fdn) readModulated(k int) {
	mask := int(n.mask[0])
	l0, l1, l2, l3 := n.lines[0], n.lines[4], n.lines[8], n.lines[12]
	b0, b1, b2, a1, a2 := &n.b0[0], &n.b1[0], &n.b2[0], &n.a1[0], &n.a2[0]
	s10, s11, s12, s13 := n.s1[0][0], n.s1[0][1], n.s1[0][2], n.s1[0][3]
	s20, s21, s22, s23 := n.s2[0][0], n.s2[0][1], n.s2[0][2], n.s2[0][3]
	v0, v1, v2, v3 := n.prev[0], n.prev[1], n.prev[2], n.prev[3]
	ms, sl := &n.modStart, &n.modSlope
	f0 := n.f[0][0][:k]
	f1, f2, f3 := n.f[0][1][:len(f0)], n.f[0][2][:len(f0)], n.f[0][3][:len(f0)]
	w := n.w
	for j := range f0 {
		ph := float64(n.phase + j) // frames into the step
		x0 := apInterp(l0, w+j, ms[0]+ph*sl[0], mask, &v0)
		x1 := apInterp(l1, w+j, ms[1]+ph*sl[1], mask, &v1)
		x2 := apInterp(l2, w+j, ms[2]+ph*sl[2], mask, &v2)
		x3 := apInterp(l3, w+j, ms[3]+ph*sl[3], mask, &v3)
		y0 := b0[0]*x0 + s10
		y1 := b0[1]*x1 + s11
		y2 := b0[2]*x2 + s12
		y3 := b0[3]*x3 + s13
		s10 = b1[0]*x0 - a1[0]*y0 + s20
		s11 = b1[1]*x1 - a1[1]*y1 + s21
		s12 = b1[2]*x2 - a1[2]*y2 + s22
		s13 = b1[3]*x3 - a1[3]*y3 + s23
		s20 = b2[0]*x0 - a2[0]*y0
		s21 = b2[1]*x1 - a2[1]*y1
		s22 = b2[2]*x2 - a2[2]*y2
		s23 = b2[3]*x3 - a2[3]*y3
		f0[j], f1[j], f2[j], f3[j] = y0, y1, y2, y3
	}
	n.s1[0] = [4]float64{s10, s11, s12, s13}
	n.s2[0] = [4]float64{s20, s21, s22, s23}
	n.prev = [4]float64{v0, v1, v2, v3}
}

// apInterp reads line at a delay of d frames before write position at
// through the all-pass interpolator whose previous output is *prev.
func apInterp(line []float32, at int, d float64, mask int, prev *float64) float64 {
	n := int(d - 0.5)
	frac := d - float64(n)
	eta := (1 - frac) / (1 + frac)
	p := at - n
	x := eta*(float64(line[p&mask])-*prev) + float64(line[(p-1)&mask])
	*prev = x
	return x
}

// mixWrite applies the feedback matrix, a fast Walsh-Hadamard transform
// across the lines in two radix-4 passes, takes the output taps, and
// writes the matrix outputs plus the input back into the lines: line i
// takes output i+1 (a cyclic permutation, so that the matrix is not its
// own inverse).
func (n *fdn) mixWrite(k int, u, o *[2][fdnChunk]float64) {
	// Pass 1 across the groups (lines 4b..4b+3 are lane b of groups 0-3).
	for b := range 4 {
		f0 := n.f[0][b][:k]
		f1, f2, f3 := n.f[1][b][:len(f0)], n.f[2][b][:len(f0)], n.f[3][b][:len(f0)]
		for j := range f0 {
			s0, d0 := f0[j]+f1[j], f0[j]-f1[j]
			s1, d1 := f2[j]+f3[j], f2[j]-f3[j]
			f0[j], f1[j], f2[j], f3[j] = s0+s1, d0+d1, s0-s1, d0-d1
		}
	}
	// Pass 2 within each group gives outputs q, q+4, q+8, q+12, written to
	// lines q-1, q+3, q+7, q+11 with the input: uL in every line, uR added
	// for even outputs and subtracted for odd ones. Steps never cross the
	// end of the lines, so w..w+k-1 is contiguous.
	w := n.w
	uL, uR := u[0][:k], u[1][:k]
	oL, oR := o[0][:k], o[1][:k]
	for q := range 4 {
		i0, i1, i2, i3 := (q+fdnLines-1)%fdnLines, q+3, q+7, q+11
		d0 := n.lines[i0][w : w+k]
		d1, d2, d3 := n.lines[i1][w:w+len(d0)], n.lines[i2][w:w+len(d0)], n.lines[i3][w:w+len(d0)]
		f0 := n.f[q][0][:len(d0)]
		f1, f2, f3 := n.f[q][1][:len(d0)], n.f[q][2][:len(d0)], n.f[q][3][:len(d0)]
		ul, ur := uL[:len(d0)], uR[:len(d0)]
		sign := 1.0
		if q%2 == 1 {
			sign = -1
		}
		for j := range d0 {
			s0, e0 := f0[j]+f1[j], f0[j]-f1[j]
			s1, e1 := f2[j]+f3[j], f2[j]-f3[j]
			v0, v1, v2, v3 := s0+s1, e0+e1, s0-s1, e0-e1
			switch q {
			case fdnTapL % 4:
				oL[j] = [4]float64{v0, v1, v2, v3}[fdnTapL/4]
			case fdnTapR % 4:
				oR[j] = [4]float64{v0, v1, v2, v3}[fdnTapR/4]
			}
			a, b := ul[j], sign*ur[j]
			d0[j] = float32(v0 + a + b + denormGuard - denormGuard)
			d1[j] = float32(v1 + a + b + denormGuard - denormGuard)
			d2[j] = float32(v2 + a + b + denormGuard - denormGuard)
			d3[j] = float32(v3 + a + b + denormGuard - denormGuard)
		}
	}
}

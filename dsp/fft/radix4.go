package fft

import (
	"fmt"
	"math"
)

// Pow2 is a Real plan for power-of-two lengths: the length-n real transform
// is computed as a length-n/2 complex transform of the even and odd samples
// packed as real and imaginary parts, by a radix-4 Stockham (self-sorting)
// algorithm with a final radix-2 step when log2(n/2) is odd, followed by the
// usual split into the real sequence's spectrum. All twiddle factors are
// tabulated when the plan is made.
type Pow2 struct {
	n      int          // real length
	m      int          // complex length n/2
	stages []stage      // radix-4 stages, in order
	radix2 bool         // a final radix-2 stage follows
	split  []complex128 // exp(-2πi·k/n), k = 0 … m/2, for the real split
	a, b   []complex128 // ping-pong work buffers of length m
}

// stage is one radix-4 Stockham pass over sub-transforms of length l with
// stride s; tw holds the three twiddles of each of the l/4 butterflies.
type stage struct {
	l, s int
	tw   []complex128 // tw[3p+j-1] = exp(-2πi·j·p/l), j = 1, 2, 3
}

// NewPow2 returns a plan for length n, which must be a power of two ≥ 2;
// it panics otherwise.
func NewPow2(n int) *Pow2 {
	if n < 2 || n&(n-1) != 0 {
		panic(fmt.Sprintf("fft: NewPow2 length %d is not a power of two ≥ 2", n))
	}
	m := n / 2
	p := &Pow2{n: n, m: m, a: make([]complex128, m), b: make([]complex128, m)}
	l, s := m, 1
	for l >= 4 {
		st := stage{l: l, s: s, tw: make([]complex128, 3*(l/4))}
		for q := 0; q < l/4; q++ {
			for j := 1; j <= 3; j++ {
				st.tw[3*q+j-1] = cis(-2 * math.Pi * float64(j*q) / float64(l))
			}
		}
		p.stages = append(p.stages, st)
		l, s = l/4, s*4
	}
	p.radix2 = l == 2
	p.split = make([]complex128, m/2+1)
	for k := range p.split {
		p.split[k] = cis(-2 * math.Pi * float64(k) / float64(n))
	}
	return p
}

// cis returns exp(i·x).
func cis(x float64) complex128 {
	s, c := math.Sincos(x)
	return complex(c, s)
}

// Len returns the sequence length.
func (p *Pow2) Len() int { return p.n }

// Forward implements Real.
func (p *Pow2) Forward(dst []complex128, src []float64) []complex128 {
	if len(src) != p.n || len(dst) != p.m+1 {
		panic(fmt.Sprintf("fft: Forward with len(dst)=%d, len(src)=%d for length %d", len(dst), len(src), p.n))
	}
	m := p.m
	z := p.a
	for j := range z {
		z[j] = complex(src[2*j], src[2*j+1])
	}
	z = p.transform(z, p.b, false)
	// X[k] = E[k] + w^k·O[k], with E = (Z[k] + conj Z[m-k])/2 and
	// O = (Z[k] - conj Z[m-k])/(2i), for k and m-k at once.
	z0 := z[0]
	dst[0] = complex(real(z0)+imag(z0), 0)
	dst[m] = complex(real(z0)-imag(z0), 0)
	split := p.split[:m/2+1]
	for k := 1; k <= m/2; k++ {
		zk, zmk := z[k], z[m-k]
		e := complex(0.5*(real(zk)+real(zmk)), 0.5*(imag(zk)-imag(zmk)))
		o := complex(0.5*(imag(zk)+imag(zmk)), -0.5*(real(zk)-real(zmk)))
		wo := split[k] * o
		dst[k] = e + wo
		// X[m-k] = conj(E[k]) - conj(w^k·O[k])·(-1): w^(m-k) = -conj(w^k)
		dst[m-k] = complex(real(e)-real(wo), -imag(e)+imag(wo))
	}
	return dst
}

// Inverse implements Real.
func (p *Pow2) Inverse(dst []float64, src []complex128) []float64 {
	if len(dst) != p.n || len(src) != p.m+1 {
		panic(fmt.Sprintf("fft: Inverse with len(dst)=%d, len(src)=%d for length %d", len(dst), len(src), p.n))
	}
	m := p.m
	z := p.a
	// Undo the split: Z[k] = E[k] + i·O[k] with E = (X[k] + conj X[m-k]) and
	// O = (X[k] - conj X[m-k])·conj(w^k) (each twice the forward values, so
	// the result carries the factor n of an unnormalised inverse).
	x0, xm := real(src[0]), real(src[m])
	z[0] = complex(x0+xm, x0-xm)
	for k := 1; k <= m/2; k++ {
		xk, xmk := src[k], src[m-k]
		e := complex(real(xk)+real(xmk), imag(xk)-imag(xmk))
		d := complex(real(xk)-real(xmk), imag(xk)+imag(xmk))
		w := p.split[k]
		o := d * complex(real(w), -imag(w))
		z[k] = e + complex(-imag(o), real(o))
		if k != m-k {
			// Z[m-k] = conj(E[k]) + i·conj(-O[k])·…: by symmetry of the split.
			z[m-k] = complex(real(e), -imag(e)) + complex(imag(o), real(o))
		}
	}
	z = p.transform(z, p.b, true)
	for j, v := range z {
		dst[2*j] = real(v)
		dst[2*j+1] = imag(v)
	}
	return dst
}

// transform runs the complex transform of x (length m) using y as scratch
// and returns whichever of the two holds the result. inverse conjugates
// the twiddles (an unnormalised inverse transform).
func (p *Pow2) transform(x, y []complex128, inverse bool) []complex128 {
	if inverse {
		conjAll(x)
	}
	for i := range p.stages {
		radix4(y, x, &p.stages[i])
		x, y = y, x
	}
	if p.radix2 {
		radix2(y, x)
		x, y = y, x
	}
	if inverse {
		conjAll(x)
	}
	_ = y
	return x
}

// conjAll conjugates x in place (inverse(x) = conj(forward(conj x))).
func conjAll(x []complex128) {
	for i, v := range x {
		x[i] = complex(real(v), -imag(v))
	}
}

// radix4 is one Stockham pass: for each butterfly p of a sub-transform of
// length l and each of the s interleaved sub-transforms q, it reads x at
// q + s·(p + j·l/4) and writes y at q + s·(4p + j), j = 0 … 3.
func radix4(y, x []complex128, st *stage) {
	l, s := st.l, st.s
	l4 := l / 4
	n := l * s
	x, y = x[:n], y[:n]
	tw := st.tw[:3*l4]
	if s == 1 {
		x0, x1, x2, x3 := x[0:l4], x[l4:2*l4], x[2*l4:3*l4], x[3*l4:4*l4]
		for q := range l4 {
			a, b, c, d := x0[q], x1[q], x2[q], x3[q]
			apc, amc := a+c, a-c
			bpd, bmd := b+d, b-d
			jbmd := complex(-imag(bmd), real(bmd))
			w := tw[3*q : 3*q+3 : 3*q+3]
			o := y[4*q : 4*q+4 : 4*q+4]
			o[0] = apc + bpd
			o[1] = w[0] * (amc - jbmd)
			o[2] = w[1] * (apc - bpd)
			o[3] = w[2] * (amc + jbmd)
		}
		return
	}
	if s == 4 {
		if useAVX2 {
			radix4AVX2(&y[0], &x[0], &tw[0], 0, l4, s)
			return
		}
		radix4s4(y, x, tw, l4)
		return
	}
	q1 := l4
	if useAVX2 {
		q1 = 1 // the butterflies after the first (which has no twiddles) in assembly
	}
	for q := range q1 {
		w1, w2, w3 := tw[3*q], tw[3*q+1], tw[3*q+2]
		x0 := x[s*q : s*q+s : s*q+s]
		x1 := x[s*(q+l4) : s*(q+l4)+s : s*(q+l4)+s]
		x2 := x[s*(q+2*l4) : s*(q+2*l4)+s : s*(q+2*l4)+s]
		x3 := x[s*(q+3*l4) : s*(q+3*l4)+s : s*(q+3*l4)+s]
		y0 := y[s*(4*q) : s*(4*q)+s : s*(4*q)+s]
		y1 := y[s*(4*q+1) : s*(4*q+1)+s : s*(4*q+1)+s]
		y2 := y[s*(4*q+2) : s*(4*q+2)+s : s*(4*q+2)+s]
		y3 := y[s*(4*q+3) : s*(4*q+3)+s : s*(4*q+3)+s]
		if q == 0 {
			for r := range x0 {
				a, b, c, d := x0[r], x1[r], x2[r], x3[r]
				apc, amc := a+c, a-c
				bpd, bmd := b+d, b-d
				jbmd := complex(-imag(bmd), real(bmd))
				y0[r] = apc + bpd
				y1[r] = amc - jbmd
				y2[r] = apc - bpd
				y3[r] = amc + jbmd
			}
			continue
		}
		for r := range x0 {
			a, b, c, d := x0[r], x1[r], x2[r], x3[r]
			apc, amc := a+c, a-c
			bpd, bmd := b+d, b-d
			jbmd := complex(-imag(bmd), real(bmd))
			y0[r] = apc + bpd
			y1[r] = w1 * (amc - jbmd)
			y2[r] = w2 * (apc - bpd)
			y3[r] = w3 * (amc + jbmd)
		}
	}
	if q1 < l4 {
		radix4AVX2(&y[0], &x[0], &tw[0], q1, l4, s)
	}
}

// radix4s4 is radix4 for stride 4, unrolled over the four interleaved
// sub-transforms.
func radix4s4(y, x, tw []complex128, l4 int) {
	x0, x1, x2, x3 := x[0:4*l4], x[4*l4:8*l4], x[8*l4:12*l4], x[12*l4:16*l4]
	y = y[:16*l4]
	for q := range l4 {
		w := tw[3*q : 3*q+3 : 3*q+3]
		w1, w2, w3 := w[0], w[1], w[2]
		a4 := x0[4*q : 4*q+4 : 4*q+4]
		b4 := x1[4*q : 4*q+4 : 4*q+4]
		c4 := x2[4*q : 4*q+4 : 4*q+4]
		d4 := x3[4*q : 4*q+4 : 4*q+4]
		o := y[16*q : 16*q+16 : 16*q+16]
		for r := range 4 {
			a, b, c, d := a4[r], b4[r], c4[r], d4[r]
			apc, amc := a+c, a-c
			bpd, bmd := b+d, b-d
			jbmd := complex(-imag(bmd), real(bmd))
			o[r] = apc + bpd
			o[4+r] = w1 * (amc - jbmd)
			o[8+r] = w2 * (apc - bpd)
			o[12+r] = w3 * (amc + jbmd)
		}
	}
}

// radix2 is the last Stockham pass when log2(m) is odd: sub-transforms of
// length 2 with stride m/2, twiddles all 1.
func radix2(y, x []complex128) {
	h := len(x) / 2
	x0, x1 := x[:h], x[h:2*h]
	y0, y1 := y[:h], y[h:2*h]
	for r := range x0 {
		a, b := x0[r], x1[r]
		y0[r] = a + b
		y1[r] = a - b
	}
}

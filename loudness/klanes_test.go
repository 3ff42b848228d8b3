package loudness

import (
	"math"
	"testing"
	"unsafe"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/internal/synth"
)

// kFilter is the scalar K-weighting filter the meter used before kLanes
// (kept as the reference of TestKLanesMatchesScalar): it runs both stages over x and returns sum plus the sum of squares
// of the output, accumulated sample by sample so that the total does not
// depend on how a stream is cut into calls. The filtered signal itself is
// not kept. A non-finite input (NaN) resets the filter and contributes no
// energy, so one damaged sample cannot silence the rest of the programme.
func kFilter(x []float32, s, h *biquad, sum float64) float64 {
	sb0, sb1, sb2, sa1, sa2 := s.b0, s.b1, s.b2, s.a1, s.a2
	hb0, hb1, hb2, ha1, ha2 := h.b0, h.b1, h.b2, h.a1, h.a2
	s1, s2, h1, h2 := s.s1, s.s2, h.s1, h.s2
	start := sum
	for _, v := range x {
		in := float64(v)
		y := sb0*in + s1
		s1 = sb1*in - sa1*y + s2
		s2 = sb2*in - sa2*y
		z := hb0*y + h1
		h1 = hb1*y - ha1*z + h2
		h2 = hb2*y - ha2*z
		sum += z * z
	}
	if sum-sum != 0 || s1-s1 != 0 || h1-h1 != 0 { // NaN or Inf somewhere in x
		s.s1, s.s2, h.s1, h.s2 = 0, 0, 0, 0
		return start
	}
	// Flush subnormal state so silence after a signal stays fast.
	const tiny = 1e-30
	if math.Abs(s1) < tiny {
		s1 = 0
	}
	if math.Abs(s2) < tiny {
		s2 = 0
	}
	if math.Abs(h1) < tiny {
		h1 = 0
	}
	if math.Abs(h2) < tiny {
		h2 = 0
	}
	s.s1, s.s2, h.s1, h.s2 = s1, s2, h1, h2
	return sum
}

// TestKLanesLayout checks the offsets klanes_amd64.s uses.
func TestKLanesLayout(t *testing.T) {
	var k kLanes
	for _, f := range []struct {
		name      string
		off, want uintptr
	}{
		{"sb0", unsafe.Offsetof(k.sb0), 0}, {"sa2", unsafe.Offsetof(k.sa2), 128}, {"hb0", unsafe.Offsetof(k.hb0), 160},
		{"ha2", unsafe.Offsetof(k.ha2), 288}, {"s1", unsafe.Offsetof(k.s1), 320}, {"h2", unsafe.Offsetof(k.h2), 416},
		{"sum", unsafe.Offsetof(k.sum), 448}, {"peak", unsafe.Offsetof(k.peak), 480},
		{"gain", unsafe.Offsetof(k.gain), 496},
	} {
		if f.off != f.want {
			t.Errorf("kLanes.%s at offset %d, the assembly expects %d", f.name, f.off, f.want)
		}
	}
}

// testLanes returns four channels of music with silences, a NaN and an
// infinity.
func testLanes(n int) [4][]float32 {
	song := synth.SongBuffer(48000, float64(n)/48000, 2)
	var x [4][]float32
	for l := range x {
		x[l] = make([]float32, n)
		for i := range x[l] {
			x[l][i] = song[l%2][i] * float32(1+l)
			if (i/3000)%4 == l {
				x[l][i] = 1e-39 * float32(i%3)
			}
		}
	}
	x[1][5000] = float32(math.NaN())
	x[2][7000] = float32(math.Inf(-1))
	return x
}

// TestKLanesKernel: the assembly kernel matches kFilterGo bit for bit,
// lanes idle or not, for every length modulo 4.
func TestKLanesKernel(t *testing.T) {
	if !useAVX2 {
		t.Skip("no assembly kernel on this machine")
	}
	x := testLanes(20000)
	for _, idle := range []int{-1, 0, 3} {
		var a, b kLanes
		a.setCoefs(kWeighting(48000))
		b.setCoefs(kWeighting(48000))
		a.gain, b.gain = [4]float64{1, 0.5, 0.123, 3}, [4]float64{1, 0.5, 0.123, 3}
		for off, k := 0, 0; off < 20000; k++ {
			n := min([]int{480, 1, 2, 3, 777, 4}[k%6], 20000-off)
			var xs [4][]float32
			for l := range xs {
				if l != idle {
					xs[l] = x[l][off : off+n]
				}
			}
			kFilter4(&a, &xs, n)
			kFilterGo(&b, &xs, n)
			off += n
			if *(*[unsafe.Sizeof(a)]byte)(unsafe.Pointer(&a)) != *(*[unsafe.Sizeof(b)]byte)(unsafe.Pointer(&b)) {
				t.Fatalf("idle lane %d, after %d frames: kernel %+v, reference %+v", idle, off, a, b)
			}
		}
	}
}

// TestKLanesMatchesScalar: each lane measures what the scalar kFilter
// measured, call by call, to rounding (the lanes reassociate the state
// update; see kLanes), including the reset after a NaN and the flush of
// tiny state.
func TestKLanesMatchesScalar(t *testing.T) {
	x := testLanes(30000)
	var k kLanes
	shelf, hp := kWeighting(48000)
	k.setCoefs(shelf, hp)
	k.gain = [4]float64{1, 1, 1, 1}
	var sh, hs [4]biquad
	var sums [4]float64
	for l := range 4 {
		sh[l], hs[l] = shelf, hp
	}
	for off, c := 0, 0; off < 30000; c++ {
		n := min(480-c%3*100, 30000-off)
		var xs [4][]float32
		for l := range xs {
			xs[l] = x[l][off : off+n]
		}
		k.run(&xs, n)
		for l := range 4 {
			sums[l] = kFilter(xs[l], &sh[l], &hs[l], sums[l])
			near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-12*(1+math.Abs(b)) }
			if !near(k.sum[l], sums[l]) || !near(k.s1[l], sh[l].s1) || !near(k.s2[l], sh[l].s2) || !near(k.h1[l], hs[l].s1) || !near(k.h2[l], hs[l].s2) {
				t.Fatalf("lane %d at frame %d: sum %v state %v %v %v %v, scalar %v %v %v %v %v", l, off, k.sum[l], k.s1[l], k.s2[l], k.h1[l], k.h2[l], sums[l], sh[l].s1, sh[l].s2, hs[l].s1, hs[l].s2)
			}
		}
		off += n
	}
}

// TestBatch: meters fed through a Batch, in any block size, read exactly
// what they read fed one by one.
func TestBatch(t *testing.T) {
	song := synth.SongBuffer(48000, 5, 4)
	layouts := []int{1, 2, 1, 6, 2}
	mk := func() []*Meter {
		var ms []*Meter
		for i, ch := range layouts {
			m, err := New(Options{SampleRate: 48000, Channels: ch, TruePeak: i%2 == 1})
			if err != nil {
				t.Fatal(err)
			}
			ms = append(ms, m)
		}
		return ms
	}
	bufs := make([]audio.Buffer, len(layouts))
	for i, ch := range layouts {
		bufs[i] = audio.NewBuffer(ch, song.Frames())
		for c := range bufs[i] {
			copy(bufs[i][c], song[(i+c)%2])
			for j := range bufs[i][c] {
				bufs[i][c][j] *= float32(0.3 + 0.2*float64(c))
			}
		}
	}
	type reading [7]float64
	read := func(m *Meter) reading {
		i, g := m.Integrated()
		lra, _, _ := m.LoudnessRange()
		r := reading{i, g, lra, m.MaxMomentary(), m.MaxShortTerm(), m.SamplePeak(0)}
		if m.chans[0].tp != nil {
			r[6] = m.TruePeak(m.opt.Channels - 1)
		}
		return r
	}
	ref := mk()
	for i, m := range ref {
		m.Write(bufs[i])
	}
	for _, block := range []int{1000, 4800, 9000, 333} {
		ms := mk()
		b, err := NewBatch(ms)
		if err != nil {
			t.Fatal(err)
		}
		hdrs := make([]audio.Buffer, len(ms))
		parts := make([]audio.Buffer, len(ms))
		for i := range hdrs {
			hdrs[i] = make(audio.Buffer, layouts[i])
		}
		for off := 0; off < song.Frames(); off += block {
			for i := range parts {
				parts[i] = bufs[i].Slice(hdrs[i], off, min(off+block, song.Frames()))
			}
			b.Write(parts)
		}
		for i, m := range ms {
			if got, want := read(m), read(ref[i]); got != want {
				t.Errorf("block %d, meter %d: %v, fed alone %v", block, i, got, want)
			}
		}
	}
}

// TestWriteScaled: a meter fed WriteScaled(x, g) reads what it reads fed
// the scaled samples (the same peaks; loudness within rounding), and
// WriteScaled(x, 1) is Write(x) exactly.
func TestWriteScaled(t *testing.T) {
	song := synth.SongBuffer(48000, 6, 8)
	for _, g := range []float64{1, 0.158489, 2.5} {
		a, _ := New(Options{SampleRate: 48000, Channels: 2, TruePeak: true})
		b, _ := New(Options{SampleRate: 48000, Channels: 2, TruePeak: true})
		scaled := audio.NewBuffer(2, song.Frames())
		for c := range scaled {
			for i, v := range song[c] {
				scaled[c][i] = float32(g * float64(v))
			}
		}
		h := make(audio.Buffer, 2)
		for off := 0; off < song.Frames(); off += 1000 {
			end := min(off+1000, song.Frames())
			a.WriteScaled(song.Slice(h, off, end), g)
			b.Write(scaled.Slice(h, off, end))
		}
		ia, _ := a.Integrated()
		ib, _ := b.Integrated()
		la, _, _ := a.LoudnessRange()
		lb, _, _ := b.LoudnessRange()
		if math.Abs(ia-ib) > 1e-6 || math.Abs(la-lb) > 1e-6 || a.MaxShortTerm()-b.MaxShortTerm() > 1e-6 {
			t.Errorf("gain %g: integrated %v, LRA %v; scaled copy %v, %v", g, ia, la, ib, lb)
		}
		if g == 1 && (ia != ib || la != lb) {
			t.Errorf("gain 1: %v %v, Write %v %v", ia, la, ib, lb)
		}
		for c := range 2 {
			if a.SamplePeak(c) != b.SamplePeak(c) || a.TruePeak(c) != b.TruePeak(c) {
				t.Errorf("gain %g, channel %d: peaks %v %v, scaled copy %v %v", g, c, a.SamplePeak(c), a.TruePeak(c), b.SamplePeak(c), b.TruePeak(c))
			}
		}
	}
}

// TestKLanes8: two groups filtered together (the AVX-512 kernel where the
// machine has it) give exactly what each gives alone.
func TestKLanes8(t *testing.T) {
	x := testLanes(8000)
	y := testLanes(8000)
	for l := range y[0] {
		y[0][l] *= -0.5
	}
	scratch := make([]float64, 8*kChunk)
	var a, b, ra, rb kLanes
	for _, k := range []*kLanes{&a, &b, &ra, &rb} {
		k.setCoefs(kWeighting(44100))
		k.gain = [4]float64{1, 0.7, 2, 1}
	}
	for off, c := 0, 0; off < 8000; c++ {
		n := min([]int{441, 1, 300, 7, 1000}[c%5], 8000-off)
		var xa, xb [4][]float32
		for l := range 4 {
			xa[l] = x[l][off : off+n]
			if l != 2 {
				xb[l] = y[l][off : off+n]
			}
		}
		run2(&a, &b, &xa, &xb, n, scratch)
		ra.run(&xa, n)
		rb.run(&xb, n)
		off += n
	}
	if *(*[unsafe.Sizeof(a)]byte)(unsafe.Pointer(&a)) != *(*[unsafe.Sizeof(ra)]byte)(unsafe.Pointer(&ra)) ||
		*(*[unsafe.Sizeof(b)]byte)(unsafe.Pointer(&b)) != *(*[unsafe.Sizeof(rb)]byte)(unsafe.Pointer(&rb)) {
		t.Errorf("two groups together:\n%+v\n%+v\nalone:\n%+v\n%+v", a, b, ra, rb)
	}
}

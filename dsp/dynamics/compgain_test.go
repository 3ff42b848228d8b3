package dynamics

import (
	"math"
	"testing"
	"unsafe"

	"github.com/mixdown/mixdown/audio"

	"github.com/mixdown/mixdown/dsp"
	"github.com/mixdown/mixdown/internal/synth"
)

// TestFastLogExp bounds the errors of the compressor's fast logarithm and
// exponential (float32 arguments, exact references): fastLog2 within 3e-6
// (9e-6 dB on a power level; most of it the float32 rounding of the
// result) for powers from -130 to +60 dB, fastExp2 within a relative 4e-7
// (3.5e-6 dB on a gain) over every gain reduction, exactly 1 at 0; and the
// whole static curve, level to reduction, and the factor, reduction to
// gain, within 2e-5 dB.
func TestFastLogExp(t *testing.T) {
	worstL := 0.0
	check := func(x float32) {
		worstL = math.Max(worstL, math.Abs(float64(fastLog2(x))-math.Log2(float64(x))))
	}
	for x := 1e-13; x < 1e6; x *= 1.0000317 {
		check(float32(x))
	}
	for _, x := range []float32{1, 2, 0.5, sqrt2f, math.Nextafter32(sqrt2f, 2), float32(math.Sqrt(0.5)), 1e-12, 1e5} {
		check(x)
	}
	worstE := 0.0
	for y := -100.0; y <= 0; y += 0.0000731 {
		y32 := float32(y)
		worstE = math.Max(worstE, math.Abs(float64(fastExp2(y32))/math.Exp2(float64(y32))-1))
	}
	t.Logf("fastLog2 absolute error %.3g (%.3g dB), fastExp2 relative error %.3g (%.3g dB)", worstL, worstL*10*math.Log10(2), worstE, 20*math.Log10(1+worstE))
	if worstL > 3e-6 || worstE > 4e-7 {
		t.Errorf("fastLog2 error %.3g (limit 3e-6), fastExp2 error %.3g (limit 4e-7)", worstL, worstE)
	}
	if fastExp2(0) != 1 || fastExp2(float32(math.Copysign(0, -1))) != 1 {
		t.Errorf("fastExp2(0) = %v", fastExp2(0))
	}
	for _, mix := range []float64{0, 0.1, 0.3, 0.33, 0.5, 0.6, 0.77, 0.999, 1} {
		var k compLanes
		k.setWet(0, mix, 1)
		if w := k.wet(0, 0); w != 1 {
			t.Errorf("mix %g: factor %v at 0 dB of reduction, want exactly 1", mix, w)
		}
		if d := float64(k.dry[0]) - (1 - mix); math.Abs(d) > 1e-7 {
			t.Errorf("mix %g: dry share %v", mix, k.dry[0])
		}
	}
	if got := levelDB(float32(math.Inf(1))); !(got > 385 && got <= 400) {
		t.Errorf("levelDB(+Inf) = %v, want a level near the 400 dB cap", got)
	}
	// The static curve through levelDB (and float32) stays within 2e-5 dB
	// of the exact one, and so does the factor.
	for _, knee := range []float64{8, 0} {
		p := DefaultCompressorParams()
		p.ThresholdDB, p.Ratio, p.KneeDB, p.MakeupDB = -18, 3, knee, 3
		c := NewCompressor(p)
		if err := c.Prepare(specFor(48000, 1)); err != nil {
			t.Fatal(err)
		}
		worst := 0.0
		for db := -30.0; db <= 30; db += 0.01 {
			pow := math.Pow(10, db/10)
			worst = math.Max(worst, math.Abs(c.target(pow)-p.StaticGainReductionDB(db)))
			g := 20 * math.Log10(c.wetGain(db+30))
			worst = math.Max(worst, math.Abs(g-(3-db-30)))
		}
		t.Logf("knee %g dB: static curve and factor within %.3g dB", knee, worst)
		if worst > 2e-5 {
			t.Errorf("knee %g dB: static curve or factor off by %.3g dB", knee, worst)
		}
	}
}

// TestCompLanesLayout checks the offsets compgain_amd64.s uses.
func TestCompLanesLayout(t *testing.T) {
	var k compLanes
	for _, f := range []struct {
		name string
		off  uintptr
		want uintptr
	}{
		{"gr", unsafe.Offsetof(k.gr), 0}, {"active", unsafe.Offsetof(k.active), 32},
		{"sum", unsafe.Offsetof(k.sum), 64}, {"max", unsafe.Offsetof(k.max), 96},
		{"attA", unsafe.Offsetof(k.attA), 128}, {"relA", unsafe.Offsetof(k.relA), 160},
		{"attB", unsafe.Offsetof(k.attB), 192}, {"relB", unsafe.Offsetof(k.relB), 224},
		{"kneeStart", unsafe.Offsetof(k.kneeStart), 256}, {"thr", unsafe.Offsetof(k.thr), 288},
		{"knee", unsafe.Offsetof(k.knee), 320}, {"negKnee", unsafe.Offsetof(k.negKnee), 352},
		{"halfKnee", unsafe.Offsetof(k.halfKnee), 384}, {"invTwoKnee", unsafe.Offsetof(k.invTwoKnee), 416},
		{"slope", unsafe.Offsetof(k.slope), 448}, {"dry", unsafe.Offsetof(k.dry), 480},
		{"wetScale", unsafe.Offsetof(k.wetScale), 512},
	} {
		if f.off != f.want {
			t.Errorf("compLanes.%s at offset %d, the assembly expects %d", f.name, f.off, f.want)
		}
	}
}

// TestCompGainKernel: the assembly gain computer matches compGainGo bit
// for bit on four different compressors driven by music, silence and
// extreme values.
func TestCompGainKernel(t *testing.T) {
	if !useAVX2 {
		t.Skip("no assembly kernel on this machine")
	}
	song := synth.SongBuffer(48000, 2, 5)
	params := []func(p *CompressorParams){
		func(p *CompressorParams) {},
		func(p *CompressorParams) { p.KneeDB, p.Ratio, p.AttackMS = 0, math.Inf(1), 0 },
		func(p *CompressorParams) { p.ThresholdDB, p.Mix, p.MakeupDB = -40, 0.5, 6 },
		func(p *CompressorParams) { p.ThresholdDB, p.KneeDB, p.AutoMakeup = -100, 48, true },
	}
	var a, b compLanes
	for l, f := range params {
		p := DefaultCompressorParams()
		f(&p)
		c := NewCompressor(p)
		if err := c.Prepare(specFor(48000, 1)); err != nil {
			t.Fatal(err)
		}
		a.setLane(l, c)
		b.setLane(l, c)
	}
	n := song.Frames()
	pw := make([]float32, 4*n)
	for i := 0; i < n; i++ {
		for l := range 4 {
			x := float64(song[l%2][i]) * float64(1+l)
			switch {
			case i%5000 < 300:
				x = 0
			case i == 777:
				x = math.Inf(1)
			case i == 778:
				x = math.NaN()
			case i == 779:
				x = 1e-160
			}
			pw[4*i+l] = float32(x * x)
		}
	}
	g1, g2 := make([]float32, 4*n), make([]float32, 4*n)
	r1, r2 := make([]float64, 4*n), make([]float64, 4*n)
	for off := 0; off < n; off += 999 {
		end := min(off+999, n)
		compGain(&a, pw[4*off:4*end], g1[4*off:], r1[4*off:])
		compGainGo(&b, pw[4*off:4*end], g2[4*off:], r2[4*off:])
	}
	for i := range g1 {
		if math.Float32bits(g1[i]) != math.Float32bits(g2[i]) || math.Float64bits(r1[i]) != math.Float64bits(r2[i]) {
			t.Fatalf("frame %d lane %d: kernel gain %v gr %v, reference %v %v", i/4, i%4, g1[i], r1[i], g2[i], r2[i])
		}
	}
	if a != b {
		t.Errorf("state and statistics differ: kernel %+v, reference %+v", a, b)
	}
	if a.max[0] < 3 || a.active[2] == 0 {
		t.Errorf("the compressors hardly worked: %+v", a)
	}
}

func specFor(rate float64, ch int) dsp.Spec {
	return dsp.Spec{SampleRate: rate, Channels: ch, MaxFrames: 1024}
}

// TestCompressorBatch: compressors run in a batch (in any block size) give
// exactly the output, state and statistics they give on their own.
func TestCompressorBatch(t *testing.T) {
	song := synth.SongBuffer(48000, 2, 9)
	synth.Gain(song, 2)
	variants := []func(p *CompressorParams){
		func(p *CompressorParams) {},
		func(p *CompressorParams) { p.Detector = DetectorRMS; p.SidechainHPHz = 100 },
		func(p *CompressorParams) { p.LookaheadMS, p.KneeDB = 2, 0 },
		func(p *CompressorParams) { p.StereoLink = false },
		func(p *CompressorParams) { p.ThresholdDB, p.Ratio = -30, math.Inf(1) },
		func(p *CompressorParams) { p.Mix, p.AutoMakeup = 0.5, true },
		func(p *CompressorParams) {},
		func(p *CompressorParams) { p.Detector = DetectorRMS },
	}
	chans := []int{1, 2, 2, 2, 1, 2, 6, 6} // 5.1 without lookahead: every channel gets the gains
	mk := func(block int) ([]*Compressor, []audio.Buffer) {
		var cs []*Compressor
		var bufs []audio.Buffer
		for i, v := range variants {
			p := DefaultCompressorParams()
			p.ThresholdDB = -24
			v(&p)
			c := NewCompressor(p)
			if err := c.Prepare(dsp.Spec{SampleRate: 48000, Channels: chans[i], MaxFrames: block}); err != nil {
				t.Fatal(err)
			}
			cs = append(cs, c)
			b := audio.NewBuffer(chans[i], song.Frames())
			for ch := range b {
				copy(b[ch], song[(i+ch)%2])
			}
			bufs = append(bufs, b)
		}
		return cs, bufs
	}
	refC, ref := mk(song.Frames())
	for i, c := range refC {
		c.Process(ref[i])
	}
	for _, block := range []int{256, 1000, 37} {
		cs, bufs := mk(block)
		b, err := NewCompressorBatch(cs)
		if err != nil {
			t.Fatal(err)
		}
		parts := make([]audio.Buffer, len(bufs))
		for off := 0; off < song.Frames(); off += block {
			for i := range parts {
				parts[i] = bufs[i].Slice(make(audio.Buffer, chans[i]), off, min(off+block, song.Frames()))
			}
			b.Process(parts)
		}
		for i := range bufs {
			for ch := range bufs[i] {
				for j := range bufs[i][ch] {
					if math.Float32bits(bufs[i][ch][j]) != math.Float32bits(ref[i][ch][j]) {
						t.Fatalf("block %d, compressor %d, channel %d, frame %d: %g, alone %g", block, i, ch, j, bufs[i][ch][j], ref[i][ch][j])
					}
				}
			}
			if cs[i].Stats() != refC[i].Stats() || cs[i].GainReductionDB() != refC[i].GainReductionDB() {
				t.Errorf("block %d, compressor %d: stats %v, alone %v", block, i, cs[i].Stats(), refC[i].Stats())
			}
		}
	}
}

// TestDetectApply4: the assembly detector and gain application match the
// Go ones bit for bit, NaN included, for every length.
func TestDetectApply4(t *testing.T) {
	if !useAVX2 {
		t.Skip("no assembly kernels on this machine")
	}
	r := synth.NewRand(5)
	ch := func(n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(r.Float()*2 - 1)
		}
		if n > 3 {
			x[3] = float32(math.NaN())
		}
		return x
	}
	for n := 1; n < 40; n++ {
		var a, b [8][]float32
		for j := range a {
			a[j] = ch(n)
			b[j] = append([]float32(nil), a[j]...)
		}
		pa, pb := make([]float32, 4*n), make([]float32, 4*n)
		detect4(pa, &a, n)
		detect4Go(pb, &b, n)
		for i := range pa {
			pa[i] = float32(math.Sqrt(float64(pa[i])))
			if math.Float32bits(pa[i]) != math.Float32bits(float32(math.Sqrt(float64(pb[i])))) {
				t.Fatalf("detect, %d frames, value %d: %v, Go %v", n, i, pa[i], pb[i])
			}
			pb[i] = pa[i]
		}
		apply4(pa, &a, n)
		apply4Go(pb, &b, n)
		for j := range a {
			for i := range a[j] {
				if math.Float32bits(a[j][i]) != math.Float32bits(b[j][i]) {
					t.Fatalf("apply, %d frames, channel %d frame %d: %v, Go %v", n, j, i, a[j][i], b[j][i])
				}
			}
		}
	}
}

// BenchmarkCompGainKernel measures the gain computer on four lanes (ns per
// frame of four lanes), with three lanes idle or loud or quiet signals.
func BenchmarkCompGainKernel(b *testing.B) {
	for _, tc := range []struct {
		name string
		idle bool
		v    float64
	}{{"4lanes", false, 0.3}, {"idle3", true, 0.3}, {"quiet", false, 1e-4}} {
		b.Run(tc.name, func(b *testing.B) {
			var k compLanes
			for l := 0; l < 4; l++ {
				c := NewCompressor(DefaultCompressorParams())
				c.Prepare(specFor(48000, 1))
				k.setLane(l, c)
				if tc.idle && l > 0 {
					k.idleLane(l)
				}
			}
			n := 256
			pw := make([]float32, 4*n)
			for i := range pw {
				x := tc.v * math.Sin(float64(i)*0.01)
				pw[i] = float32(x * x)
			}
			g, r := make([]float32, 4*n), make([]float64, 4*n)
			for b.Loop() {
				compGain(&k, pw, g, r)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/frame")
		})
	}
}

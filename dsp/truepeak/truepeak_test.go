package truepeak

import (
	"fmt"
	"math"
	"testing"

	"github.com/mixdown/mixdown/internal/synth"
)

// bruteForce returns the largest |value| over every sample and every
// oversampled output, with no skipping.
func bruteForce(f *Filter, x []float32) float64 {
	d := NewDetector(f)
	out := d.Oversample(make([]float64, len(x)*f.Factor()), x)
	m := 0.0
	for _, v := range out {
		m = math.Max(m, math.Abs(v))
	}
	for _, v := range x {
		m = math.Max(m, math.Abs(float64(v)))
	}
	return m
}

func TestAnnex2Symmetry(t *testing.T) {
	f := Annex2()
	for k := 0; k < 12; k++ {
		if f.coef[2*12+k] != f.coef[1*12+11-k] || f.coef[3*12+k] != f.coef[11-k] {
			t.Fatal("phases 2 and 3 are not phases 1 and 0 reversed")
		}
	}
	// Each phase has close to unity gain at DC.
	for p := 0; p < 4; p++ {
		s := 0.0
		for k := 0; k < 12; k++ {
			s += f.coef[p*12+k]
		}
		if math.Abs(s-1) > 0.03 {
			t.Errorf("phase %d DC gain %.4f", p, s)
		}
	}
}

// The skipping detector (and the assembly kernel) return what filtering
// every sample returns, to float32 rounding.
func TestDetectorMatchesBruteForce(t *testing.T) {
	signals := map[string][]float32{
		"music": synth.SongBuffer(44100, 8, 3)[0],
		"noise": synth.WhiteNoise(48000, 1, 50000, 0.3, 1)[0],
		"sine":  synth.Sine(48000, 1, 20000, 11025, 0.7, 0.4)[0],
		"tiny":  {0.5, -0.9, 0.2},
	}
	for _, f := range []*Filter{Annex2(), Design(4, 16), Design(4, 24), Design(8, 32)} {
		for name, x := range signals {
			want := bruteForce(f, x)
			for _, avx := range []bool{true, false} {
				old := useAVX2
				useAVX2 = avx && old
				for _, block := range []int{1, 7, 64, 1000, len(x)} {
					d := NewDetector(f)
					for off := 0; off < len(x); off += block {
						d.Write(x[off:min(off+block, len(x))])
					}
					if math.Abs(d.Peak()-want) > 2e-7*want {
						t.Errorf("%v %s avx=%v block=%d: %.9f, brute force %.9f", f, name, avx, block, d.Peak(), want)
					}
				}
				useAVX2 = old
			}
		}
	}
}

// Accuracy on isolated peaks, against the analytic maximum: a Gaussian
// tone burst s(t) = exp(-((t-t0)/σ)²)·sin(2πf(t-t0)+φ) is effectively band
// limited, so the true peak of its samples is the maximum of s itself. A
// detector may under-read by the grid bound 1 - cos(π f / (factor·fs)) (the
// peak falls between oversampled points) plus a little passband error, and
// must not over-read.
func TestBurstAccuracy(t *testing.T) {
	for _, f := range []*Filter{Design(4, 16), Design(4, 24), Design(8, 32)} {
		worstUnder, worstOver := 0.0, 0.0
		for fn := 0.011; fn <= 0.42; fn += 0.0237 {
			for k := 0; k < 16; k++ {
				t0 := 500 + float64(k)/16
				phi := float64(k) * 0.37
				const sigma = 25.0
				s := func(t float64) float64 {
					return math.Exp(-math.Pow((t-t0)/sigma, 2)) * math.Sin(2*math.Pi*fn*(t-t0)+phi)
				}
				x := make([]float32, 1000)
				for i := range x {
					x[i] = float32(0.8 * s(float64(i)))
				}
				truth := 0.0
				for tt := t0 - 60; tt < t0+60; tt += 1.0 / 512 {
					truth = math.Max(truth, math.Abs(0.8*s(tt)))
				}
				d := NewDetector(f)
				d.Write(x)
				errDB := 20 * math.Log10(d.Peak()/truth)
				grid := -20 * math.Log10(math.Cos(math.Pi*fn/float64(f.Factor())))
				worstUnder = math.Max(worstUnder, -errDB-grid)
				worstOver = math.Max(worstOver, errDB)
			}
		}
		t.Logf("%d x %d taps: beyond-grid under-read %.4f dB, over-read %.4f dB", f.Factor(), f.Taps(), worstUnder, worstOver)
		if worstUnder > 0.01 || worstOver > 0.01 {
			t.Errorf("%d x %d taps: under-read beyond grid bound %.4f dB, over-read %.4f dB (limit 0.01)", f.Factor(), f.Taps(), worstUnder, worstOver)
		}
	}
}

func ExampleDetector() {
	// A sine at a quarter of the sample rate, sampled 45° off its peaks:
	// every sample is ±0.707 of the amplitude, the true peak is the amplitude.
	x := make([]float32, 4800)
	for i := range x {
		fade := math.Min(1, math.Min(float64(i), float64(len(x)-1-i))/480) // 10 ms fades
		x[i] = float32(fade * 0.5 * math.Sin(math.Pi/2*float64(i)+math.Pi/4))
	}
	d := NewDetector(Design(4, 16))
	d.Write(x)
	fmt.Printf("sample peak %.2f dBFS, true peak %.2f dBTP\n", 20*math.Log10(0.5*math.Sqrt(0.5)), 20*math.Log10(d.Peak()))
	// Output: sample peak -9.03 dBFS, true peak -6.02 dBTP
}

// TestMaxAbs: the assembly maximum matches the Go one, NaN and -0 included.
func TestMaxAbs(t *testing.T) {
	x := make([]float32, 100)
	for i := range x {
		x[i] = float32(math.Sin(float64(i)*1.7)) * float32(i%13)
	}
	x[17] = float32(math.NaN())
	x[40] = float32(math.Copysign(0, -1))
	for a := 0; a < 20; a++ {
		for b := a; b <= len(x); b += 7 {
			if got, want := maxAbs(x[a:b]), maxAbsGo(x[a:b]); math.Float32bits(got) != math.Float32bits(want) {
				t.Fatalf("x[%d:%d]: %v, Go %v", a, b, got, want)
			}
		}
	}
	x[50] = -99
	if got := maxAbs(x); got != 99 {
		t.Errorf("maxAbs = %v, want 99", got)
	}
}

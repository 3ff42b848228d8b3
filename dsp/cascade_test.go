package dsp

import (
	"fmt"
	"math"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/internal/synth"
)

// benchEQ is the channel strip of bench/mix.sh: a 40 Hz high-pass and
// four bells.
func benchStrip() []Processor {
	return []Processor{
		NewFilter(FilterParams{Type: "highpass", FreqHz: 40, SlopeDBOct: 12}),
		NewEQ(EQParams{Bands: []EQBand{
			{Type: BandBell, FreqHz: 100, GainDB: 2, Q: 0.9},
			{Type: BandBell, FreqHz: 400, GainDB: -3, Q: 1.2},
			{Type: BandBell, FreqHz: 2500, GainDB: 2, Q: 1},
			{Type: BandBell, FreqHz: 8000, GainDB: 1.5, Q: 0.8},
		}}),
	}
}

func prepareAll(t testing.TB, ps []Processor, ch, maxFrames int) {
	t.Helper()
	for _, p := range ps {
		if err := p.Prepare(Spec{SampleRate: 48000, Channels: ch, MaxFrames: maxFrames}); err != nil {
			t.Fatal(err)
		}
	}
}

// cascadeFMA is the assembly kernels' arithmetic: cascadeGo with fused
// multiply-adds.
func cascadeFMA(x, cs, st []float64, sections int) {
	for i := 0; i+cascadeLanes <= len(x); i += cascadeLanes {
		for l := range cascadeLanes {
			v := x[i+l]
			for k := range sections {
				c, s := cs[20*k:20*k+20], st[8*k:8*k+8]
				y := math.FMA(c[l], v, s[l])
				s[l] = math.FMA(-c[12+l], y, math.FMA(c[4+l], v, s[4+l]))
				s[4+l] = math.FMA(-c[16+l], y, c[8+l]*v)
				v = y
			}
			if v < 1e-30 && v > -1e-30 {
				v = 0
			}
			x[i+l] = v
		}
	}
}

// TestCascadeKernels: the assembly kernels match cascadeFMA bit for bit,
// for every pass length, on audio with silences (so that the flush
// matters), and the Go code they replace to rounding.
func TestCascadeKernels(t *testing.T) {
	if !useAVX2 {
		t.Skip("no assembly kernels on this machine")
	}
	r := synth.NewRand(7)
	for sections := 1; sections <= maxPass; sections++ {
		cs := make([]float64, 20*sections)
		for k := 0; k < sections; k++ {
			for l := range 4 {
				c := Peak(200+float64(1500*k+300*l), 0.7+0.3*float64(l), 6-float64(3*k), 48000)
				cs[20*k+l], cs[20*k+4+l], cs[20*k+8+l], cs[20*k+12+l], cs[20*k+16+l] = c.B0, c.B1, c.B2, c.A1, c.A2
			}
		}
		st1 := make([]float64, 8*sections)
		st2 := make([]float64, 8*sections)
		for _, frames := range []int{1, 3, 64, 17, 400} {
			x := make([]float64, 4*frames)
			for i := range x {
				if i%97 < 60 {
					x[i] = float64(float32(r.Float()*2 - 1))
				} else {
					x[i] = 1e-35 * r.Float()
				}
			}
			y := append([]float64(nil), x...)
			z := append([]float64(nil), x...)
			st3 := append([]float64(nil), st1...)
			cascadePass(x, cs, st1, sections)
			cascadeFMA(y, cs, st2, sections)
			cascadeGo(z, cs, st3, sections)
			for i := range z {
				if math.Abs(z[i]-x[i]) > 1e-12 {
					t.Fatalf("%d sections, %d frames: value %d: kernel %g, Go without FMA %g", sections, frames, i, x[i], z[i])
				}
			}
			for i := range x {
				if math.Float64bits(x[i]) != math.Float64bits(y[i]) {
					t.Fatalf("%d sections, %d frames: value %d: kernel %g, reference %g", sections, frames, i, x[i], y[i])
				}
			}
			for i := range st1 {
				if math.Float64bits(st1[i]) != math.Float64bits(st2[i]) {
					t.Fatalf("%d sections: state %d: kernel %g, reference %g", sections, i, st1[i], st2[i])
				}
			}
		}
	}
}

// TestCascadeBatch: a batch of strips on mono and stereo buffers matches
// the filters run one by one (within float32 rounding: the batch does not
// round between filters), does not depend on the block size or on what
// shares a group, and handles chains of different lengths and of more
// than six sections.
func TestCascadeBatch(t *testing.T) {
	const frames = 48000
	song := synth.SongBuffer(48000, 1, 3)
	chains := func() [][]Processor {
		long := NewEQ(EQParams{Bands: []EQBand{
			{Type: BandLowShelf, FreqHz: 120, GainDB: 3}, {Type: BandBell, FreqHz: 300, GainDB: -2},
			{Type: BandBell, FreqHz: 900, GainDB: 2, Q: 2}, {Type: BandBell, FreqHz: 3000, GainDB: -4},
			{Type: BandHighShelf, FreqHz: 9000, GainDB: 2}, {Type: BandNotch, FreqHz: 60},
			{Type: BandLowPass, FreqHz: 15000, SlopeDBOct: 24},
		}})
		return [][]Processor{benchStrip(), benchStrip(), {NewFilter(FilterParams{Type: "highpass", FreqHz: 80})}, benchStrip(), {long}, {NewEQ(EQParams{})}}
	}
	chans := []int{1, 2, 1, 1, 2, 1}
	input := func() []audio.Buffer {
		var bufs []audio.Buffer
		for i, ch := range chans {
			b := audio.NewBuffer(ch, frames)
			for c := range b {
				copy(b[c], song[(i+c)%2])
				for j := range b[c] {
					b[c][j] *= float32(1 + 0.1*float64(i))
				}
			}
			bufs = append(bufs, b)
		}
		return bufs
	}
	// Reference: each processor on its own.
	ref := input()
	for i, ch := range chains() {
		prepareAll(t, ch, chans[i], frames)
		for _, p := range ch {
			p.Process(ref[i])
		}
	}
	run := func(block int, order []int) []audio.Buffer {
		cs := chains()
		var sub [][]Processor
		var subCh []int
		for _, i := range order {
			prepareAll(t, cs[i], chans[i], block)
			sub = append(sub, cs[i])
			subCh = append(subCh, chans[i])
		}
		b, err := NewCascadeBatch(sub, subCh)
		if err != nil {
			t.Fatal(err)
		}
		in := input()
		bufs := make([]audio.Buffer, len(order))
		hdrs := make([]audio.Buffer, len(order))
		for k, i := range order {
			hdrs[k] = make(audio.Buffer, chans[i])
		}
		for off := 0; off < frames; off += block {
			end := min(off+block, frames)
			for k, i := range order {
				bufs[k] = in[i].Slice(hdrs[k], off, end)
			}
			b.Process(bufs)
		}
		out := make([]audio.Buffer, len(chans))
		for _, i := range order {
			out[i] = in[i]
		}
		return out
	}
	all := []int{0, 1, 2, 3, 4, 5}
	want := run(1024, all)
	for i := range want {
		if want[i] == nil {
			continue
		}
		for c := range want[i] {
			worst := 0.0
			for j := range want[i][c] {
				worst = math.Max(worst, math.Abs(float64(want[i][c][j]-ref[i][c][j])))
			}
			if worst > 1e-6 {
				t.Errorf("chain %d channel %d: batch differs from the filters one by one by %g", i, c, worst)
			}
		}
	}
	for _, v := range []struct {
		block int
		order []int
	}{{1, all}, {7, all}, {64, all}, {1000, all}, {333, []int{3, 0}}, {512, []int{4}}, {100, []int{2, 5, 1}}} {
		got := run(v.block, v.order)
		for _, i := range v.order {
			for c := range got[i] {
				for j := range got[i][c] {
					if math.Float32bits(got[i][c][j]) != math.Float32bits(want[i][c][j]) {
						t.Fatalf("%v: chain %d channel %d frame %d: %g, want %g", v, i, c, j, got[i][c][j], want[i][c][j])
					}
				}
			}
		}
	}
}

func BenchmarkCascadeBatch(b *testing.B) {
	for _, chans := range [][]int{{1}, {2}, {1, 1, 1, 1}, {2, 2, 2, 2}} {
		b.Run(fmt.Sprint(chans), func(b *testing.B) {
			const block = 1024
			var chains [][]Processor
			bufs := make([]audio.Buffer, len(chans))
			src := synth.SongBuffer(48000, float64(block)/48000, 3)
			total := 0
			for i, ch := range chans {
				s := benchStrip()
				prepareAll(b, s, ch, block)
				chains = append(chains, s)
				bufs[i] = audio.NewBuffer(ch, block)
				total += ch
			}
			bt, err := NewCascadeBatch(chains, chans)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				for _, buf := range bufs {
					for c := range buf {
						copy(buf[c], src[c%2])
					}
				}
				bt.Process(bufs)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*block*total), "ns/channel-sample")
		})
	}
}

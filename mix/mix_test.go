package mix

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/cmplx"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/audio/audiofile"
	"github.com/mixdown/mixdown/audio/resample"
	"github.com/mixdown/mixdown/internal/synth"
	"github.com/mixdown/mixdown/internal/testutil"
	"github.com/mixdown/mixdown/mix/session"
)

const rate = 48000

// grid16 returns n frames of noise on the 16-bit grid with peak amp.
func grid16(channels, frames int, amp float64, seed uint64) audio.Buffer {
	r := synth.NewRand(seed)
	b := audio.NewBuffer(channels, frames)
	for c := range b {
		for i := range b[c] {
			v := math.Round((r.Float()*2 - 1) * amp * 32768)
			b[c][i] = float32(v / 32768)
		}
	}
	return b
}

func dc(channels, frames int, v float32) audio.Buffer {
	b := audio.NewBuffer(channels, frames)
	for c := range b {
		for i := range b[c] {
			b[c][i] = v
		}
	}
	return b
}

func bitEqual(t *testing.T, what string, got, want audio.Buffer) {
	t.Helper()
	if got.Channels() != want.Channels() || got.Frames() != want.Frames() {
		t.Fatalf("%s: got %d ch × %d frames, want %d × %d", what, got.Channels(), got.Frames(), want.Channels(), want.Frames())
	}
	for c := range got {
		for i := range got[c] {
			if math.Float32bits(got[c][i]) != math.Float32bits(want[c][i]) {
				t.Fatalf("%s: channel %d frame %d: %g, want %g", what, c, i, got[c][i], want[c][i])
			}
		}
	}
}

// TestSummingExact: stems that sum to a known mix reproduce it bit-exactly
// at unity: stereo stems passed through at centre, through a bus, in a mono
// session, and mono stems at centre with the -6 dB law (exactly half in
// each side).
func TestSummingExact(t *testing.T) {
	const frames = rate / 2
	dir := t.TempDir()
	stems := make([]audio.Buffer, 4)
	mix := audio.NewBuffer(2, frames)
	for k := range stems {
		stems[k] = grid16(2, frames, 0.2, uint64(k+1))
		for c := range mix {
			for i := range mix[c] {
				mix[c][i] += stems[k][c][i]
			}
		}
		writeAudio(t, filepath.Join(dir, fmt.Sprintf("s%d.wav", k)), stems[k], audio.Format{SampleRate: rate, Channels: 2, Type: audio.SampleInt, Bits: 16})
		writeAudio(t, filepath.Join(dir, fmt.Sprintf("m%d.wav", k)), stems[k][:1], audio.Format{SampleRate: rate, Channels: 1, Type: audio.SampleInt, Bits: 16})
	}
	tracks := func(prefix, extra string) string {
		var b strings.Builder
		for k := range stems {
			fmt.Fprintf(&b, "  - {name: t%d, file: %s%d.wav%s}\n", k, prefix, k, extra)
		}
		return b.String()
	}
	t.Run("stereo", func(t *testing.T) {
		out, _, _ := render(t, parse(t, dir, "tail_s: 0\ntracks:\n"+tracks("s", "")), Options{})
		bitEqual(t, "stereo mix", out, mix)
	})
	t.Run("through a bus", func(t *testing.T) {
		out, _, _ := render(t, parse(t, dir, "tail_s: 0\ntracks:\n"+tracks("s", ", output: band")+"buses: [{name: band}]\n"), Options{})
		bitEqual(t, "bus mix", out, mix)
	})
	t.Run("mono session", func(t *testing.T) {
		out, _, _ := render(t, parse(t, dir, "layout: mono\ntail_s: 0\ntracks:\n"+tracks("m", "")), Options{})
		bitEqual(t, "mono mix", out, mix[:1])
	})
	t.Run("-6dB law", func(t *testing.T) {
		out, _, _ := render(t, parse(t, dir, "pan_law: -6dB\ntail_s: 0\ntracks:\n"+tracks("m", "")), Options{})
		half := audio.NewBuffer(2, frames)
		for c := range half {
			for i := range half[c] {
				half[c][i] = mix[0][i] / 2
			}
		}
		bitEqual(t, "-6 dB mix", out, half)
	})
}

// renderOne renders a session of one track made from buf, with the given
// extra track keys and session header, and returns the master.
func renderOne(t *testing.T, buf audio.Buffer, header, keys string) (audio.Buffer, *Report) {
	t.Helper()
	dir := t.TempDir()
	writeFloat(t, filepath.Join(dir, "x.wav"), buf, rate)
	out, _, rep := render(t, parse(t, dir, header+"\ntracks:\n  - {name: x, file: x.wav"+keys+"}\n"), Options{})
	return out, rep
}

// TestPanLaws checks each law's gains and energy on a DC source.
func TestPanLaws(t *testing.T) {
	src := dc(1, 4800, 0.5)
	for _, law := range []string{session.PanConstantPower, session.PanMinus45, session.PanLinear} {
		for _, pan := range []float64{-1, -0.6, -0.25, 0, 0.3, 0.75, 1} {
			out, _ := renderOne(t, src, "tail_s: 0\npan_law: "+law, fmt.Sprintf(", pan: %g", pan))
			l, r := float64(out[0][100])/0.5, float64(out[1][100])/0.5
			theta := (pan + 1) * math.Pi / 4
			var wl, wr float64
			switch law {
			case session.PanConstantPower:
				wl, wr = math.Cos(theta), math.Sin(theta)
				if e := l*l + r*r; math.Abs(e-1) > 1e-6 {
					t.Errorf("%s pan %g: power %g, want 1", law, pan, e)
				}
			case session.PanLinear:
				wl, wr = (1-pan)/2, (1+pan)/2
				if s := l + r; math.Abs(s-1) > 1e-6 {
					t.Errorf("%s pan %g: amplitude sum %g, want 1", law, pan, s)
				}
			case session.PanMinus45:
				wl, wr = math.Sqrt((1-pan)/2*math.Cos(theta)), math.Sqrt((1+pan)/2*math.Sin(theta))
			}
			if math.Abs(l-wl) > 1e-6 || math.Abs(r-wr) > 1e-6 {
				t.Errorf("%s pan %g: gains %g %g, want %g %g", law, pan, l, r, wl, wr)
			}
			if pan == 0 {
				want := map[string]float64{session.PanConstantPower: -3.0103, session.PanMinus45: -4.5154, session.PanLinear: -6.0206}[law]
				if got := 20 * math.Log10(l); math.Abs(got-want) > 0.001 {
					t.Errorf("%s: centre %.4f dB, want %.4f", law, got, want)
				}
			}
		}
	}
	// Stereo sources: balance (unity at centre) and width.
	st := audio.NewBuffer(2, 4800)
	for i := range st[0] {
		st[0][i], st[1][i] = 0.5, 0.25
	}
	for _, c := range []struct {
		keys string
		l, r float64
	}{
		{"", 0.5, 0.25},
		{", pan: 1", 0, 0.25},
		{", pan: -1", 0.5, 0},
		{", pan: 0.5", 0.5 * math.Sqrt2 * math.Cos(0.75*math.Pi/2), 0.25},
		{", width: 0", 0.375, 0.375},
		{", width: 2", 0.625, 0.125},
	} {
		out, _ := renderOne(t, st, "tail_s: 0", c.keys)
		if l, r := float64(out[0][100]), float64(out[1][100]); math.Abs(l-c.l) > 1e-6 || math.Abs(r-c.r) > 1e-6 {
			t.Errorf("stereo%s: %g %g, want %g %g", c.keys, l, r, c.l, c.r)
		}
	}
}

// TestSurround checks 5.1 placement by angle (constant power between
// adjacent speakers), the LFE send and the fold-down check.
func TestSurround(t *testing.T) {
	src := dc(1, 4800, 0.5)
	// Channel order: L R C LFE Ls Rs.
	for _, c := range []struct {
		keys string
		want [6]float64
	}{
		{", angle_deg: 0", [6]float64{0, 0, 1, 0, 0, 0}},
		{", angle_deg: 30", [6]float64{0, 1, 0, 0, 0, 0}},
		{", pan: -1", [6]float64{1, 0, 0, 0, 0, 0}},
		{", angle_deg: 15", [6]float64{0, math.Sin(math.Pi / 4), math.Cos(math.Pi / 4), 0, 0, 0}},
		{", angle_deg: -110", [6]float64{0, 0, 0, 0, 1, 0}},
		{", angle_deg: 180", [6]float64{0, 0, 0, 0, math.Sqrt(0.5), math.Sqrt(0.5)}},
		{", angle_deg: 70", [6]float64{0, math.Cos(math.Pi / 4), 0, 0, 0, math.Sin(math.Pi / 4)}},
		{", angle_deg: 0, lfe_db: -6.0206", [6]float64{0, 0, 1, 0.5, 0, 0}},
	} {
		out, rep := renderOne(t, src, "tail_s: 0\nlayout: '5.1'", c.keys)
		if out.Channels() != 6 {
			t.Fatalf("%d channels", out.Channels())
		}
		for ch := range 6 {
			if got := float64(out[ch][100]) / 0.5; math.Abs(got-c.want[ch]) > 1e-6 {
				t.Errorf("5.1%s: channel %d gain %g, want %g", c.keys, ch, got, c.want[ch])
			}
		}
		if rep.FoldDown == nil {
			t.Fatal("no fold-down report for a 5.1 mix")
		}
	}
	// A centre and a left source near full scale: the fold-down adds them
	// (L + 0.707 C) and clips, though the 5.1 mix does not.
	dir := t.TempDir()
	writeFloat(t, filepath.Join(dir, "x.wav"), dc(1, rate, 0.8), rate)
	_, _, rep := render(t, parse(t, dir, "layout: '5.1'\ntail_s: 0\ntracks:\n  - {name: c, file: x.wav, angle_deg: 0}\n  - {name: l, file: x.wav, angle_deg: -30}\n"), Options{})
	if !rep.FoldDown.Clips || float64(rep.Master.TruePeakDBTP) > 0 || !strings.Contains(strings.Join(rep.Warnings, "\n"), "fold-down clips") {
		t.Errorf("fold-down clip not flagged: %+v %v", rep.FoldDown, rep.Warnings)
	}
	// Surround-only content loses loudness in the fold-down.
	_, _, rep = render(t, parse(t, dir, "layout: '5.1'\ntail_s: 0\nfold_down_max_loss_db: 1\ntracks:\n  - {name: s, file: x.wav, angle_deg: 110, gain_db: -20}\n"), Options{})
	if !rep.FoldDown.TooQuiet || !(float64(rep.FoldDown.LossDB) > 1) {
		t.Errorf("fold-down loss not flagged: loss %v", rep.FoldDown.LossDB)
	}
	// A stereo return inside a 5.1 session lands on L and R.
	_, _, rep = render(t, parse(t, dir, "layout: '5.1'\ntail_s: 0\ntracks:\n  - {name: s, file: x.wav, sends: [{to: fx}], mute: false}\nbuses:\n  - {name: fx, layout: stereo, inserts: [{type: reverb}]}\n"), Options{})
	if len(rep.Buses) != 1 || rep.Buses[0].Channels != 2 {
		t.Errorf("stereo return: %+v", rep.Buses)
	}
}

// TestAutomationSmooth: a gain jump and a gain ramp on a DC source. The
// jump becomes a smooth curve (bounded per-sample step, no energy left
// above a few hundred hertz) and the ramp arrives on time.
func TestAutomationSmooth(t *testing.T) {
	src := dc(1, 4*rate, 0.5)
	out, _ := renderOne(t, src, "layout: mono\ntail_s: 0", ", automation: {gain_db: [[0, 0], [1, 0], [1, -20], [2, -20], [3, 0]]}")
	g := make([]float64, out.Frames())
	for i, v := range out[0] {
		g[i] = float64(v) / 0.5
	}
	// Before and after the jump: the levels.
	if math.Abs(g[rate/2]-1) > 1e-6 || math.Abs(g[3*rate/2]-0.1) > 1e-6 {
		t.Fatalf("levels %g %g, want 1 and 0.1", g[rate/2], g[3*rate/2])
	}
	// Largest per-sample change: a step of 0.9 through two one-poles with
	// coefficient c = 1-exp(-1/(2.5 ms·48 kHz)) moves at most 0.9·c/e per
	// sample (an unsmoothed step moves 0.9 at once).
	c := 1 - math.Exp(-1/(smoothTau*rate))
	maxStep := 0.0
	for i := 1; i < len(g); i++ {
		maxStep = math.Max(maxStep, math.Abs(g[i]-g[i-1]))
	}
	if limit := 0.9 * c / math.E * 1.01; maxStep > limit {
		t.Errorf("largest per-sample gain change %g, want at most %g: the jump is not smoothed", maxStep, limit)
	}
	// Spectrum of the gain curve around the jump: the share of its energy
	// above 500 Hz, against an unsmoothed step's.
	highShare := func(seg []float64) float64 {
		n := len(seg)
		total, high := 0.0, 0.0
		for k := 1; k <= 400; k++ { // up to 2 kHz
			var s complex128
			for i, v := range seg {
				w := 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(n))
				s += complex(v*w, 0) * cmplx.Exp(complex(0, -2*math.Pi*float64(k*i)/float64(n)))
			}
			p := real(s)*real(s) + imag(s)*imag(s)
			total += p
			if float64(k)*rate/float64(n) > 500 {
				high += p
			}
		}
		return 10 * math.Log10(high/total)
	}
	const n = 9600
	seg := g[rate-n/2 : rate+n/2]
	step := make([]float64, n)
	for i := range step {
		step[i] = 1
		if i >= n/2 {
			step[i] = 0.1
		}
	}
	smooth, raw := highShare(seg), highShare(step)
	if smooth > -60 || smooth > raw-30 {
		t.Errorf("gain curve energy above 500 Hz: %.1f dB of the total (an unsmoothed step: %.1f dB); want < -60 and 30 dB below", smooth, raw)
	}
	t.Logf("energy above 500 Hz: %.1f dB smoothed, %.1f dB for a bare step", smooth, raw)
	// The ramp from -20 dB at 2 s to 0 dB at 3 s passes -10 dB at 2.5 s.
	if db := 20 * math.Log10(g[5*rate/2]); math.Abs(db+10) > 0.05 {
		t.Errorf("ramp at 2.5 s: %.3f dB, want -10 (automation late or early)", db)
	}

	// A pan jump from hard left to hard right: each side's gain moves
	// smoothly (bounded per-sample change) and settles on the law's gains.
	out, _ = renderOne(t, dc(1, rate, 0.5), "tail_s: 0", ", automation: {pan: [[0, -1], [0.5, -1], [0.5, 1]]}")
	for ch, want := range [][2]float64{{1, 0}, {0, 1}} {
		step := 0.0
		for i := 1; i < out.Frames(); i++ {
			step = math.Max(step, math.Abs(float64(out[ch][i]-out[ch][i-1]))/0.5)
		}
		if limit := c / math.E * 1.01; step > limit {
			t.Errorf("pan jump, channel %d: largest per-sample gain change %g, want at most %g", ch, step, limit)
		}
		if a, b := float64(out[ch][rate/4])/0.5, float64(out[ch][rate-1])/0.5; math.Abs(a-want[0]) > 1e-6 || math.Abs(b-want[1]) > 1e-6 {
			t.Errorf("pan jump, channel %d: gain %g before, %g after; want %g and %g", ch, a, b, want[0], want[1])
		}
	}
}

// impulse returns a mono buffer with one sample of amp at frame at.
func impulse(frames, at int, amp float32) audio.Buffer {
	b := audio.NewBuffer(1, frames)
	b[0][at] = amp
	return b
}

func argmax(x []float32) (int, float32) {
	k, best := -1, float32(0)
	for i, v := range x {
		if v > best || -v > best {
			k, best = i, float32(math.Abs(float64(v)))
		}
	}
	return k, best
}

// TestLatencyCompensation sends an impulse through paths of different
// latency (lookahead compressor and limiter inserts, sends to a return with
// its own latency, nested buses, a master limiter) and checks that every
// stem and the master have it at the same frame, the session time it was
// placed at.
func TestLatencyCompensation(t *testing.T) {
	dir := t.TempDir()
	const at = rate / 2
	writeFloat(t, filepath.Join(dir, "imp.wav"), impulse(rate, at, 0.1), rate)
	// Lookahead inserts set well above the signal: pure delays.
	comp := func(ms int) string {
		return fmt.Sprintf("{type: compressor, threshold_db: 0, lookahead_ms: %d}", ms)
	}
	s := parse(t, dir, fmt.Sprintf(`tail_s: 0
tracks:
  - {name: a, file: imp.wav, inserts: [%s]}
  - {name: b, file: imp.wav, pan: -0.5}
  - {name: c, file: imp.wav, inserts: [%s], output: grp, sends: [{to: ret, level_db: -6}]}
  - {name: d, file: imp.wav, output: grp, sends: [{to: ret, pre_fader: true}]}
  - name: e
    file: imp.wav
    output: sub
    inserts:
      - {type: compressor, sidechain: a, threshold_db: 0}
buses:
  - {name: grp, inserts: [%s]}
  - {name: ret, inserts: [%s]}
  - {name: sub, output: grp}
master:
  inserts: [{type: limiter, ceiling_dbtp: 0, lookahead_ms: 3}]
`, comp(5), comp(2), comp(1), comp(10)))
	e, err := Compile(s, Options{Stems: AllStems})
	if err != nil {
		t.Fatal(err)
	}
	// The keyed compressor on e waits for its key from a (5 ms late).
	en := e.byName("e")
	if en.stages[0].pre == nil || en.stages[0].pre.MaxDelay() != 240 {
		t.Errorf("track e: the main path before the keyed stage is not delayed by 240 frames")
	}
	// The longest path: c (2 ms) into the return (10 ms), then the master
	// limiter (3 ms).
	if want := 96 + 480 + 144; e.Latency() != want {
		t.Errorf("master latency %d, want %d", e.Latency(), want)
	}
	e.Close()
	out, stems, rep := render(t, s, Options{Stems: AllStems})
	if k, _ := argmax(out[0]); k != at {
		t.Errorf("master: impulse at %d, want %d", k, at)
	}
	for i, st := range e.Stems() {
		if k, _ := argmax(stems[i][0]); k != at {
			t.Errorf("stem %s %s: impulse at frame %d, want %d", st.Kind, st.Name, k, at)
		}
		if stems[i].Frames() != out.Frames() {
			t.Errorf("stem %s: %d frames, master %d", st.Name, stems[i].Frames(), out.Frames())
		}
	}
	if rep.LatencyFrames != e.Latency() {
		t.Errorf("report latency %d", rep.LatencyFrames)
	}
}

// sessionForDeterminism is a small session with every kind of node and
// parallel work.
func sessionForDeterminism(t *testing.T) *session.Session {
	dir := t.TempDir()
	song := synth.NewSong(rate, 3, 5)
	st := make([]audio.Buffer, synth.NumStems)
	for i := range st {
		st[i] = audio.NewBuffer(2, 3*rate)
	}
	song.ReadStems(st)
	var b strings.Builder
	b.WriteString("tail_s: 1\ntracks:\n")
	for i := range st {
		name := synth.Stem(i).String()
		writeFloat(t, filepath.Join(dir, name+".wav"), st[i][:1+i%2], rate)
		out := "drums"
		if i >= 3 {
			out = "music"
		}
		fmt.Fprintf(&b, "  - name: %s\n    file: %s.wav\n    output: %s\n    pan: %g\n    inserts: [{type: highpass, freq_hz: 40}, {type: compressor, threshold_db: -20}]\n    sends: [{to: verb, level_db: -12}]\n    automation: {gain_db: [[0, -30], [1, 0]]}\n", name, name, out, float64(i-2)/3)
	}
	b.WriteString("buses:\n  - {name: drums, inserts: [{type: compressor, sidechain: bass}]}\n  - {name: music}\n  - {name: verb, inserts: [{type: reverb}]}\nmaster:\n  inserts: [{type: limiter}]\n")
	return parse(t, dir, b.String())
}

// TestDeterminism: bit-identical output whatever GOMAXPROCS, the number of
// workers and the block size.
func TestDeterminism(t *testing.T) {
	s := sessionForDeterminism(t)
	prev := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(prev)
	var ref audio.Buffer
	for _, c := range []struct{ procs, workers, block int }{
		{1, 0, 0}, {2, 0, 0}, {4, 0, 0}, {4, 3, 0}, {2, 2, 64}, {1, 1, 4096}, {2, 2, 1000},
	} {
		runtime.GOMAXPROCS(c.procs)
		out, _, _ := render(t, s, Options{Workers: c.workers, BlockFrames: c.block})
		if ref == nil {
			ref = out
			continue
		}
		bitEqual(t, fmt.Sprintf("GOMAXPROCS %d, %d workers, block %d", c.procs, c.workers, c.block), out, ref)
	}
}

// TestStemsSumToMaster: with no master inserts the stems of the nodes that
// feed the master add up, in session order, to the master exactly.
func TestStemsSumToMaster(t *testing.T) {
	s := sessionForDeterminism(t)
	s.Master.Inserts = nil
	out, stems, _ := render(t, s, Options{Stems: AllStems})
	e, _ := Compile(s, Options{Stems: AllStems})
	defer e.Close()
	sum := audio.NewBuffer(out.Channels(), out.Frames())
	first := true
	for _, in := range e.master.inputs {
		for i, st := range e.stems {
			if st.edge != in {
				continue
			}
			for c := range sum {
				for j := range sum[c] {
					if first {
						sum[c][j] = stems[i][c][j]
					} else {
						sum[c][j] += stems[i][c][j]
					}
				}
			}
			first = false
		}
	}
	bitEqual(t, "sum of stems", sum, out)
}

// TestRegion checks offset, trim, fades and polarity against the source.
func TestRegion(t *testing.T) {
	n := rate
	src := audio.NewBuffer(1, n)
	for i := range src[0] {
		src[0][i] = float32(i+1) / float32(n)
	}
	out, _ := renderOne(t, src, "layout: mono\ntail_s: 0", ", offset_s: 0.5, start_s: 0.25, end_s: 0.75, fade_in_s: 0.01, fade_out_s: 0.02, invert_polarity: true")
	off, start, length := rate/2, rate/4, rate/2
	if out.Frames() != off+length {
		t.Fatalf("%d frames, want %d", out.Frames(), off+length)
	}
	fin, fout := rate/100, rate/50
	for i, v := range out[0] {
		var want float32
		if r := i - off; r >= 0 && r < length {
			want = -src[0][start+r]
			switch {
			case r < fin:
				want *= float32(0.5 - 0.5*math.Cos(math.Pi*float64(r)/float64(fin)))
			case r >= length-fout:
				want *= float32(0.5 - 0.5*math.Cos(math.Pi*float64(length-1-r)/float64(fout)))
			}
		}
		if v != want {
			t.Fatalf("frame %d: %g, want %g", i, v, want)
		}
	}
	// A session length cuts or extends.
	out, _ = renderOne(t, src, "layout: mono\nlength_s: 1.5", "")
	if out.Frames() != 3*rate/2 || out[0][rate+10] != 0 || out[0][rate-1] != 1 {
		t.Errorf("length_s: %d frames", out.Frames())
	}
}

// TestMuteSolo: muted and solo-muted tracks are silent and not metered; a
// muted track still keys a sidechain.
func TestMuteSolo(t *testing.T) {
	dir := t.TempDir()
	writeFloat(t, filepath.Join(dir, "x.wav"), dc(1, rate/10, 0.25), rate)
	for _, c := range []struct {
		yaml string
		want float32
	}{
		{"  - {name: a, file: x.wav}\n  - {name: b, file: x.wav, mute: true}\n", 0.25},
		{"  - {name: a, file: x.wav, solo: true}\n  - {name: b, file: x.wav}\n  - {name: c, file: x.wav}\n", 0.25},
		{"  - {name: a, file: x.wav, output: g}\n  - {name: b, file: x.wav, output: g}\n  - {name: c, file: x.wav}\nbuses: [{name: g, solo: true}]\n", 0.5},
		{"  - {name: a, file: x.wav, output: g}\nbuses: [{name: g, mute: true}]\n", 0},
	} {
		out, _, rep := render(t, parse(t, dir, "layout: mono\ntail_s: 0\ntracks:\n"+c.yaml), Options{})
		if out[0][100] != c.want {
			t.Errorf("%s: master %g, want %g", c.yaml, out[0][100], c.want)
		}
		for _, tr := range rep.Tracks {
			if (tr.State == "playing") != (tr.Meter != nil) {
				t.Errorf("track %s is %s but metered: %v", tr.Name, tr.State, tr.Meter != nil)
			}
		}
	}
	s := parse(t, dir, "tracks:\n  - {name: key, file: x.wav, mute: true}\n  - {name: a, file: x.wav, inserts: [{type: compressor, sidechain: key}]}\n")
	e, err := Compile(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if k := e.byName("key"); !k.needed || k.audible {
		t.Errorf("muted key source: needed %v audible %v", k.needed, k.audible)
	}
}

// TestTail: after the last source ends the render continues while a
// reverb rings, and stops within tail_s.
func TestTail(t *testing.T) {
	dir := t.TempDir()
	writeFloat(t, filepath.Join(dir, "x.wav"), impulse(rate/2, 100, 0.5), rate)
	out, _, _ := render(t, parse(t, dir, "tail_s: 5\ntracks:\n  - {name: a, file: x.wav, sends: [{to: r}]}\nbuses:\n  - {name: r, inserts: [{type: reverb, decay_s: 1}]}\n"), Options{})
	secs := float64(out.Frames()) / rate
	if secs < 1 || secs > 5.5 {
		t.Errorf("render of %.2f s: want the reverb's tail, within 0.5 + 5 s", secs)
	}
	tail := out.Frames() - rate/10
	for c := range out {
		for _, v := range out[c][tail:] {
			if math.Abs(float64(v)) > silenceThreshold {
				t.Fatalf("the last 0.1 s is not silent: %g", v)
			}
		}
	}
	out, _, _ = render(t, parse(t, dir, "tail_s: 0.25\ntracks:\n  - {name: a, file: x.wav, sends: [{to: r}]}\nbuses:\n  - {name: r, inserts: [{type: reverb, decay_s: 5}]}\n"), Options{})
	if out.Frames() != rate/2+rate/4 {
		t.Errorf("tail_s 0.25: %d frames, want %d", out.Frames(), rate/2+rate/4)
	}
	// A dry mix ends exactly where its sources end, even when they end in
	// silence, and the stems end with it.
	writeFloat(t, filepath.Join(dir, "late.wav"), impulse(rate/2, rate/2-10, 0.5), rate)
	out, stems, _ := render(t, parse(t, dir, "tracks:\n  - {name: a, file: x.wav, output: g}\nbuses: [{name: g}]\n"), Options{Stems: AllStems})
	if out.Frames() != rate/2 || stems[0].Frames() != rate/2 || stems[1].Frames() != rate/2 {
		t.Errorf("dry mix: %d frames (stems %d, %d), want %d", out.Frames(), stems[0].Frames(), stems[1].Frames(), rate/2)
	}
	// An echo that arrives after the sources end (but within the 0.1 s of
	// silence that ends the tail) is kept: the render runs to its end plus
	// 0.1 s. The source's last sound is at 0.5 s - 10 frames, the echo
	// 80 ms later.
	out, _, _ = render(t, parse(t, dir, "tracks:\n  - {name: a, file: late.wav, sends: [{to: d}]}\nbuses:\n  - {name: d, inserts: [{type: delay, time_ms: 80, feedback_ratio: 0, mix: 1, low_cut_hz: 0, high_cut_hz: 0}]}\n"), Options{})
	echo := rate/2 - 10 + rate*80/1000
	if k, _ := argmax(out[0][rate/2:]); k+rate/2 != echo {
		t.Errorf("echo at frame %d, want %d", k+rate/2, echo)
	}
	if want := echo + 1 + rate/10; out.Frames() != want {
		t.Errorf("render with a late echo: %d frames, want %d (the echo plus 0.1 s)", out.Frames(), want)
	}
}

// TestResampledSource: a 44.1 kHz file in a 48 kHz session is the
// resampler's output, sample for sample.
func TestResampledSource(t *testing.T) {
	dir := t.TempDir()
	src := synth.SongBuffer(44100, 1, 3)
	writeFloat(t, filepath.Join(dir, "x.wav"), src, 44100)
	out, _, rep := render(t, parse(t, dir, "tail_s: 0\ntracks:\n  - {name: a, file: x.wav}\n"), Options{})
	f, err := audiofile.Open(filepath.Join(dir, "x.wav"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rs, err := resample.NewReader(f, rate)
	if err != nil {
		t.Fatal(err)
	}
	want := testutil.ReadAll(t, rs, 0)
	bitEqual(t, "resampled track", out, want)
	if !rep.Tracks[0].Source.Resampled || rep.Tracks[0].Source.SampleRateHz != 44100 {
		t.Errorf("report source: %+v", rep.Tracks[0].Source)
	}
}

// TestCompileErrors: problems found when opening files and preparing
// processors name the session file and line.
func TestCompileErrors(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "junk.wav"), []byte("not audio at all, really"), 0o644)
	writeFloat(t, filepath.Join(dir, "quad.wav"), audio.NewBuffer(4, 100), rate)
	writeFloat(t, filepath.Join(dir, "x.wav"), audio.NewBuffer(1, 100), rate)
	for _, c := range []struct {
		yaml string
		line int
		msg  string
		is   error
	}{
		{"tracks:\n  - name: a\n    file: junk.wav\n", 3, "not a recognised audio format", audio.ErrNotAudio},
		{"tracks:\n  - name: a\n    file: quad.wav\n", 3, "tracks must be mono, stereo or 5.1", audio.ErrUnsupported},
		{"layout: '5.1'\ntracks:\n  - {name: a, file: x.wav, output: b}\nbuses:\n  - name: b\n    inserts:\n      - {type: reverb}\n", 7, `bus "b": insert 1 (reverb)`, nil},
		{"tracks:\n  - {name: a, file: x.wav, inserts: [{type: highpass, freq_hz: 30000}]}\n", 2, "insert 1 (highpass)", nil},
	} {
		p := filepath.Join(dir, "s.yaml")
		os.WriteFile(p, []byte(c.yaml), 0o644)
		s, err := session.Load(p)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Compile(s, Options{})
		if err == nil {
			t.Errorf("no error for\n%s", c.yaml)
			continue
		}
		prefix := fmt.Sprintf("%s:%d: ", p, c.line)
		if !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("error %q: want prefix %q and %q", err, prefix, c.msg)
		}
		if !errors.Is(err, session.ErrInvalid) || c.is != nil && !errors.Is(err, c.is) {
			t.Errorf("error %v does not wrap ErrInvalid and %v", err, c.is)
		}
	}
}

// TestBoundedMemory renders 20 minutes and checks that the heap does not
// grow with the length.
func TestBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("long render")
	}
	dir := t.TempDir()
	const r8 = 8000
	writeAudio(t, filepath.Join(dir, "x.wav"), synth.SongBuffer(r8, 300, 2), audio.Format{SampleRate: r8, Channels: 2, Type: audio.SampleInt, Bits: 16})
	var b strings.Builder
	b.WriteString("sample_rate_hz: 8000\ntail_s: 0\ntracks:\n")
	for i := 0; i < 4; i++ {
		fmt.Fprintf(&b, "  - {name: t%d, file: x.wav, offset_s: %d, inserts: [{type: highpass}, {type: compressor}], sends: [{to: r}]}\n", i, 300*i)
	}
	b.WriteString("buses: [{name: r, inserts: [{type: reverb}]}]\n")
	s := parse(t, dir, b.String())
	e, err := Compile(s, Options{Stems: AllStems})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	var ms runtime.MemStats
	var early, peak uint64
	total := e.EstimatedFrames()
	next := total / 20
	progress := func(n int64) {
		if n < next {
			return
		}
		next += total / 20
		runtime.GC()
		runtime.ReadMemStats(&ms)
		if early == 0 && n > total/10 {
			early = ms.HeapAlloc
		}
		peak = max(peak, ms.HeapAlloc)
	}
	var w memCounter
	stems := []audio.Writer{&w, &w, &w, &w, &w}
	rep, err := e.Render(context.Background(), &w, stems, progress)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Seconds != 1200 {
		t.Fatalf("rendered %g s, want 1200", rep.Seconds)
	}
	if peak > early+2<<20 || peak > 64<<20 {
		t.Errorf("live heap grew from %.1f MB at 10 %% to %.1f MB", float64(early)/(1<<20), float64(peak)/(1<<20))
	}
	t.Logf("live heap: %.1f MB at 10 %%, at most %.1f MB", float64(early)/(1<<20), float64(peak)/(1<<20))
}

// memCounter discards frames, counting them.
type memCounter struct{ n int64 }

func (m *memCounter) WriteFrames(b audio.Buffer) error { m.n += int64(b.Frames()); return nil }
func (m *memCounter) Close() error                     { return nil }

// TestSends: a post-fader send follows the fader, a pre-fader send does
// not; both follow the send level and its automation, and both leave the
// source's pan to the destination.
func TestSends(t *testing.T) {
	dir := t.TempDir()
	writeFloat(t, filepath.Join(dir, "x.wav"), dc(1, rate, 0.5), rate)
	s := parse(t, dir, `tail_s: 0
layout: mono
tracks:
  - name: post
    file: x.wav
    gain_db: -20
    output: sink
    sends: [{to: rpost, level_db: -6}]
  - name: pre
    file: x.wav
    gain_db: -20
    output: sink
    sends: [{to: rpre, level_db: -6, pre_fader: true}]
  - name: auto
    file: x.wav
    output: sink
    sends: [{to: rauto}]
    automation:
      send_db: {rauto: [[0, -40], [0.5, -40], [0.75, 0]]}
buses:
  - {name: sink, mute: true}
  - {name: rpost}
  - {name: rpre}
  - {name: rauto}
`)
	_, stems, _ := render(t, s, Options{Stems: BusStems})
	level := func(name string, at int) float64 {
		e, err := Compile(s, Options{Stems: BusStems})
		if err != nil {
			t.Fatal(err)
		}
		defer e.Close()
		for i, st := range e.Stems() {
			if st.Name == name {
				return float64(stems[i][0][at]) / 0.5
			}
		}
		t.Fatalf("no stem %s", name)
		return 0
	}
	// The ramp's tolerance: the smoother works on linear gains, and an
	// exponential ramp of k nepers per second comes out of two one-poles
	// (time constant τ, read 2τ ahead) e^(2kτ)/(1+kτ)² too high: 0.018 dB
	// for 160 dB/s.
	for _, c := range []struct {
		bus      string
		at       int
		wantDB   float64
		tolDB    float64
		whatStep string
	}{
		{"rpost", rate / 4, -26, 1e-4, "post-fader send"},
		{"rpre", rate / 4, -6, 1e-4, "pre-fader send"},
		{"rauto", rate / 4, -40, 1e-4, "automated send before the ramp"},
		{"rauto", rate * 5 / 8, -20, 0.025, "half way up the ramp"},
		{"rauto", rate - 1, 0, 1e-4, "after the ramp"},
	} {
		got := 20 * math.Log10(level(c.bus, c.at))
		if math.Abs(got-c.wantDB) > c.tolDB {
			t.Errorf("%s (%s, frame %d): %.4f dB, want %.4f", c.whatStep, c.bus, c.at, got, c.wantDB)
		}
	}
}

// TestSidechain: a compressor keyed by another track (muted, so only its
// key is used) and one keyed by a bus duck the programme while the key is
// loud and leave it alone while the key is silent.
func TestSidechain(t *testing.T) {
	dir := t.TempDir()
	writeFloat(t, filepath.Join(dir, "prog.wav"), dc(1, rate, 0.1), rate)
	key := audio.NewBuffer(1, rate)
	for i := rate / 2; i < rate; i++ {
		key[0][i] = 0.9
	}
	writeFloat(t, filepath.Join(dir, "key.wav"), key, rate)
	for _, c := range []struct{ name, yaml string }{
		{"track key", `tracks:
  - {name: k, file: key.wav, mute: true}
  - name: p
    file: prog.wav
    inserts: [{type: compressor, sidechain: k, threshold_db: -30, ratio: 10, knee_db: 0, attack_ms: 1, release_ms: 50}]
`},
		{"bus key", `tracks:
  - {name: k, file: key.wav, output: kb}
  - name: p
    file: prog.wav
    inserts: [{type: compressor, sidechain: kb, threshold_db: -30, ratio: 10, knee_db: 0, attack_ms: 1, release_ms: 50}]
buses:
  - {name: kb, mute: true}
`},
	} {
		out, _, _ := render(t, parse(t, dir, "layout: mono\ntail_s: 0\n"+c.yaml), Options{})
		quiet, loud := float64(out[0][rate/4]), float64(out[0][rate-100])
		// The key at 0.9 (-0.9 dBFS) is 29.1 dB over the threshold: ratio
		// 10 leaves 2.9 dB, a reduction of 26.2 dB.
		want := 0.1 * dbGain(-(1-1.0/10)*(20*math.Log10(0.9)+30))
		if math.Abs(quiet-0.1) > 1e-6 || math.Abs(loud-want) > 0.01*want {
			t.Errorf("%s: programme %g with the key silent (want 0.1), %g with it loud (want %g)", c.name, quiet, loud, want)
		}
	}
}

// TestClipWarning: a master above full scale is reported (sample and true
// peak) with a warning, and one below is not.
func TestClipWarning(t *testing.T) {
	dir := t.TempDir()
	writeFloat(t, filepath.Join(dir, "x.wav"), synth.Sine(rate, 1, rate, 997, 0.7, 0), rate)
	for _, c := range []struct {
		tracks int
		warn   bool
	}{{1, false}, {2, true}} {
		var b strings.Builder
		b.WriteString("layout: mono\ntail_s: 0\ntracks:\n")
		for i := 0; i < c.tracks; i++ {
			fmt.Fprintf(&b, "  - {name: t%d, file: x.wav}\n", i)
		}
		_, _, rep := render(t, parse(t, dir, b.String()), Options{})
		peak := 20 * math.Log10(0.7*float64(c.tracks))
		if got := float64(rep.Master.SamplePeakDBFS); math.Abs(got-peak) > 0.01 {
			t.Errorf("%d tracks: master peak %.3f dBFS, want %.3f", c.tracks, got, peak)
		}
		if tp := float64(rep.Master.TruePeakDBTP); tp < peak-0.01 || tp > peak+0.1 {
			t.Errorf("%d tracks: true peak %.3f dBTP, want about %.3f", c.tracks, tp, peak)
		}
		warned := strings.Contains(strings.Join(rep.Warnings, "\n"), "will clip")
		if warned != c.warn {
			t.Errorf("%d tracks (peak %+.2f dBFS): clip warning %v, want %v: %v", c.tracks, peak, warned, c.warn, rep.Warnings)
		}
	}
}

// TestMeters: each node's meter measures its own signal after its fader:
// a full-scale 997 Hz sine reads -3.01 LUFS in mono; a track at -20 dB
// reads 20 LU lower, the bus it feeds (stereo, centred at -3 dB per side)
// and the master agree with the power sum.
func TestMeters(t *testing.T) {
	dir := t.TempDir()
	writeFloat(t, filepath.Join(dir, "x.wav"), synth.Sine(rate, 1, 10*rate, 997, 1, 0), rate)
	_, _, rep := render(t, parse(t, dir, "tail_s: 0\ntracks:\n  - {name: a, file: x.wav, gain_db: -20, output: g}\nbuses: [{name: g}]\n"), Options{TrackTruePeak: true})
	tr, bus := rep.Tracks[0].Meter, rep.Buses[0].Meter
	if got := float64(tr.SamplePeakDBFS); math.Abs(got+20) > 0.01 {
		t.Errorf("track peak %.3f dBFS, want -20", got)
	}
	if got := float64(tr.IntegratedLUFS); math.Abs(got+23.01) > 0.05 {
		t.Errorf("track loudness %.2f LUFS, want -23.01", got)
	}
	if !tr.TruePeakDBTP.Finite() {
		t.Error("track true peak not measured with TrackTruePeak")
	}
	// In the stereo bus, each side carries the sine at -23.01 dB: two
	// channels sum their power (+3.01 dB), so -23.01 LUFS again.
	for what, m := range map[string]*Meter{"bus": bus, "master": &rep.Master} {
		if got := float64(m.IntegratedLUFS); math.Abs(got+23.01) > 0.05 {
			t.Errorf("%s loudness %.2f LUFS, want -23.01", what, got)
		}
		if got := float64(m.SamplePeakDBFS); math.Abs(got+23.01) > 0.01 {
			t.Errorf("%s peak %.3f dBFS, want -23.01", what, got)
		}
	}
}

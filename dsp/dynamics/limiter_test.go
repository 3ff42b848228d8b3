package dynamics

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/audio/wav"
	"github.com/mixdown/mixdown/dsp"
	"github.com/mixdown/mixdown/dsp/dsptest"
	"github.com/mixdown/mixdown/dsp/truepeak"
	"github.com/mixdown/mixdown/internal/refmeter"
	"github.com/mixdown/mixdown/internal/synth"
	"github.com/mixdown/mixdown/internal/testutil"
)

func TestLimiterConformance(t *testing.T) {
	variants := map[string]func(*LimiterParams){
		"default":  func(*LimiterParams) {},
		"unlinked": func(p *LimiterParams) { p.Link = false; p.AutoRelease = false; p.CeilingDBTP = -6 },
		"4x":       func(p *LimiterParams) { p.Oversampling = 4; p.LookaheadMS = 1.5; p.HoldMS = 0 },
		"sample":   func(p *LimiterParams) { p.Oversampling = 1; p.ReleaseMS = 5 },
	}
	for name, v := range variants {
		t.Run(name, func(t *testing.T) {
			dsptest.Run(t, func() dsp.Processor {
				p := DefaultLimiterParams()
				v(&p)
				return NewLimiter(p)
			}, dsptest.Options{Seconds: 2})
		})
	}
}

// fineTruePeakDB measures b's true peak with a 16x, 32-tap interpolator,
// finer than the limiter's own detector (dBTP).
func fineTruePeakDB(b audio.Buffer) float64 {
	m := 0.0
	for _, x := range b {
		d := truepeak.NewDetector(truepeak.Design(16, 32))
		d.Write(x)
		m = math.Max(m, d.Peak())
	}
	return 20 * math.Log10(m)
}

// ffmpegTruePeakDB writes b as a 32-bit float WAV file and reads its true
// peak with ffmpeg's ebur128 filter, which resamples to 192 kHz. The
// filter's summary prints one decimal; its per-frame metadata print the
// linear peak to three, so the reading is the largest of those (within
// 0.005 dB near full scale), checked against the summary.
func ffmpegTruePeakDB(t *testing.T, b audio.Buffer, rate int) float64 {
	path := filepath.Join(t.TempDir(), "limited.wav")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	e, err := wav.NewEncoder(f, audio.Format{SampleRate: rate, Channels: b.Channels(), Type: audio.SampleFloat, Bits: 32}, wav.Options{})
	if err == nil {
		err = e.WriteFrames(b)
	}
	if err == nil {
		err = e.Close()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	ff := testutil.Tool(t, "ffmpeg")
	out, err := exec.Command(ff, "-hide_banner", "-nostats", "-i", path,
		"-af", "ebur128=peak=true:metadata=1,ametadata=mode=print", "-f", "null", "-").CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	peak := 0.0
	for _, m := range ffPeakRe.FindAllSubmatch(out, -1) {
		v, err := strconv.ParseFloat(string(m[1]), 64)
		if err != nil {
			t.Fatalf("ffmpeg printed %q", m[0])
		}
		peak = math.Max(peak, v)
	}
	got := 20 * math.Log10(peak)
	summary := refmeter.FFmpegFile(t, path).MaxTruePeakDB()
	if math.Abs(got-summary) > 0.06 {
		t.Fatalf("ffmpeg: metadata peak %.3f dB, summary %.1f dB", got, summary)
	}
	return got
}

var ffPeakRe = regexp.MustCompile(`lavfi\.r128\.true_peaks_ch\d+=([0-9.]+)`)

// ffmpegResolutionDB is what the third decimal of ffmpeg's linear peak
// (half a unit, 0.0005) amounts to near the ceilings tested (dB).
const ffmpegResolutionDB = 0.006

// songSegment renders seconds of a synth song starting offset seconds in,
// so that both quiet verses and loud choruses turn up.
func songSegment(rate int, seed uint64, offset, seconds float64) audio.Buffer {
	s := synth.NewSong(rate, offset+seconds, seed)
	skip := audio.NewBuffer(2, int(offset*float64(rate)))
	if _, err := audio.ReadFull(s, skip); err != nil {
		panic(err)
	}
	b := audio.NewBuffer(2, int(seconds*float64(rate)))
	n, _ := audio.ReadFull(s, b)
	return b.Head(make(audio.Buffer, 2), n)
}

type ceilingCheck struct {
	worst map[string]float64 // largest reading above the ceiling per meter (dB)
}

// check limits x at rate with p and fails the test if any meter reads the
// output above the ceiling.
func (cc *ceilingCheck) check(t *testing.T, name string, x audio.Buffer, rate int, p LimiterParams) {
	t.Helper()
	l := prepared(t, NewLimiter(p), float64(rate), x.Channels())
	// Flush the lookahead with silence so the tail is measured too.
	in := synth.Concat(x, audio.NewBuffer(x.Channels(), l.Latency()))
	out := run(l, in)
	readings := map[string]float64{
		"fine 16x":   fineTruePeakDB(out) - p.CeilingDBTP,
		"libebur128": refmeter.Libebur128(t, out, rate).MaxTruePeakDB() - p.CeilingDBTP,
		"ffmpeg":     ffmpegTruePeakDB(t, out, rate) - p.CeilingDBTP,
	}
	for meter, over := range readings {
		cc.worst[meter] = math.Max(cc.worst[meter], over)
		limit := 0.0
		if meter == "ffmpeg" {
			limit = ffmpegResolutionDB
		}
		if over > limit {
			t.Errorf("%s: %s reads %.4f dB above the %.2f dBTP ceiling (input true peak %.2f dBTP)", name, meter, over, p.CeilingDBTP, fineTruePeakDB(x))
		}
	}
}

func newCeilingCheck() *ceilingCheck {
	return &ceilingCheck{worst: map[string]float64{"fine 16x": math.Inf(-1), "libebur128": math.Inf(-1), "ffmpeg": math.Inf(-1)}}
}

func (cc *ceilingCheck) log(t *testing.T) {
	for _, m := range []string{"fine 16x", "libebur128", "ffmpeg"} {
		t.Logf("%-10s highest reading relative to the ceiling: %+.4f dB", m, cc.worst[m])
	}
}

// (a) The output never exceeds the ceiling, by a fine 16x detector, by
// libebur128 and by ffmpeg, over random music-like material: synth songs
// at random offsets, raised by 0 to 20 dB, at 44.1, 48 and 96 kHz, with
// ceilings from -0.1 to -3 dBTP.
func TestLimiterCeilingProperty(t *testing.T) {
	cases := 30
	if testing.Short() {
		cases = 6
	}
	cc := newCeilingCheck()
	for k := 0; k < cases; k++ {
		r := synth.NewRand(uint64(9000 + k))
		rate := []int{44100, 48000, 96000}[k%3]
		gainDB := 20 * r.Float()
		ceil := -0.1 - 2.9*r.Float()
		seed := r.Uint64()
		offset := math.Round(12 * r.Float())
		x := songSegment(rate, seed, offset, 3)
		synth.Gain(x, math.Pow(10, gainDB/20))
		p := DefaultLimiterParams()
		p.CeilingDBTP = ceil
		if k%5 == 4 { // also the faster settings a user may pick
			p.LookaheadMS, p.ReleaseMS, p.HoldMS, p.AutoRelease = 1, 30, 5, false
		}
		cc.check(t, fmt.Sprintf("case %d (%d Hz, +%.1f dB, ceiling %.2f dBTP)", k, rate, gainDB, ceil), x, rate, p)
	}
	cc.log(t)
}

// The signals hardest on each meter: tones where libebur128's interpolator
// reads highest (about a third of the sample rate), a quarter-rate tone
// sampled 45° off its peaks (every sample 3 dB under the true peak), a
// full-scale square wave, white noise 20 dB over the ceiling, lone clicks,
// and a 20 kHz tone.
func TestLimiterCeilingHardSignals(t *testing.T) {
	cc := newCeilingCheck()
	for _, rate := range []int{44100, 48000, 96000} {
		fs := float64(rate)
		n := rate / 2
		signals := map[string][]float32{
			"libebur128 worst tone": sine(fs, n, map[int]float64{44100: 14660, 48000: 16030, 96000: 39750}[rate], 2, 0.3),
			"quarter-rate tone":     sine(fs, n, fs/4, 2, math.Pi/4),
			"20 kHz tone":           sine(fs, n, 20000, 2, 0),
			"square wave":           alternating(n, []int{0}, []float64{1}),
			"white noise +20 dB":    synth.WhiteNoise(rate, 1, n, 3, 4)[0],
		}
		sq := signals["square wave"]
		for i := range sq {
			if (i/37)%2 == 1 {
				sq[i] = -1
			} else {
				sq[i] = 1
			}
		}
		clicks := make([]float32, n)
		for i := 1000; i < n; i += 4801 {
			clicks[i] = 4
			clicks[i+1] = -3.5
		}
		signals["clicks"] = clicks
		for name, x := range signals {
			p := DefaultLimiterParams()
			p.CeilingDBTP = -1
			cc.check(t, fmt.Sprintf("%s at %d Hz", name, rate), stereo(2, x), rate, p)
		}
	}
	cc.log(t)
}

// Every detector factor holds tones up to the interpolator's band (0.42 of
// the rate), at every phase, under the ceiling by a fine 16x detector: the
// coarser the grid, the further the detector's estimate can fall below a
// tone's peak, and the limiter must allow for it (gridDeficitDB). 2x,
// whose estimate can fall 1.5 dB short, is refused.
func TestLimiterCeilingFactors(t *testing.T) {
	p := DefaultLimiterParams()
	p.Oversampling = 2
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "oversampling") {
		t.Errorf("oversampling 2: %v, want a range error", err)
	}
	for _, factor := range []int{4, 8, 16} {
		worst := math.Inf(-1)
		for _, rate := range []int{44100, 48000, 192000} {
			fs := float64(rate)
			for _, frac := range []float64{0.1, 0.25, 0.35, 0.4, 0.42} {
				for k := range 6 {
					x := stereo(2, sine(fs, rate/10, frac*fs, 2, float64(k)*math.Pi/12))
					p := DefaultLimiterParams()
					p.Oversampling = factor
					l := prepared(t, NewLimiter(p), fs, 2)
					out := run(l, synth.Concat(x, audio.NewBuffer(2, l.Latency())))
					over := fineTruePeakDB(out) - p.CeilingDBTP
					worst = max(worst, over)
					if over > 0 {
						t.Errorf("%dx, %d Hz, tone at %.2f of the rate, phase %d/12 π: %.4f dB over the ceiling", factor, rate, frac, k, over)
					}
				}
			}
		}
		t.Logf("%2dx: highest reading relative to the ceiling %+.4f dB (allowance %.4f dB)", factor, worst, gridDeficitDB(factor))
	}
}

// gainTrace runs l over src and returns the output and the gain applied to
// each output frame (the first gain path's).
func gainTrace(l *Limiter, src audio.Buffer) (audio.Buffer, []float64) {
	out := audio.NewBuffer(src.Channels(), src.Frames())
	audio.Copy(out, src)
	hdr := make(audio.Buffer, src.Channels())
	var g []float64
	for off := 0; off < out.Frames(); off += 512 {
		b := out.Slice(hdr, off, min(off+512, out.Frames()))
		l.Process(b)
		g = append(g, l.g[0][:b.Frames()]...)
	}
	return out, g
}

// thdDB returns the power of harmonics 2 to 10 of f relative to the
// fundamental (dB), by correlation over x (a whole number of periods).
func thdDB(x []float32, rate, f float64) float64 {
	amp := func(k int) float64 {
		var c, s float64
		w := 2 * math.Pi * f * float64(k) / rate
		for i, v := range x {
			c += float64(v) * math.Cos(w*float64(i))
			s += float64(v) * math.Sin(w*float64(i))
		}
		return math.Hypot(c, s)
	}
	a1, h := amp(1), 0.0
	for k := 2; k <= 10; k++ {
		a := amp(k)
		h += a * a
	}
	return 10 * math.Log10(h/(a1*a1))
}

// (b) A sustained 40 Hz sine 6 dB over the ceiling comes out with its
// harmonics 2-10 below -40 dB (the hold keeps the gain still between the
// waveform's peaks, so there is no waveshaping), and a sine under the
// ceiling passes bit for bit.
func TestLimiterSustainedBass(t *testing.T) {
	for _, rate := range []float64{44100, 48000, 96000} {
		for _, auto := range []bool{false, true} {
			p := DefaultLimiterParams()
			p.AutoRelease = auto
			l := prepared(t, NewLimiter(p), rate, 2)
			x := stereo(2, sine(rate, int(4*rate), 40, math.Pow(10, (p.CeilingDBTP+6)/20), 0.1))
			out, g := gainTrace(l, x)
			from, n := int(2*rate), int(rate) // 40 whole periods
			thd := thdDB(out[0][from:from+n], rate, 40)
			gmin, gmax := math.Inf(1), math.Inf(-1)
			for _, v := range g[from : from+n] {
				gmin, gmax = math.Min(gmin, v), math.Max(gmax, v)
			}
			t.Logf("%g Hz, auto release %v: THD %.1f dB, gain %.4f to %.4f dB", rate, auto, thd, db(gmin), db(gmax))
			if thd > -40 {
				t.Errorf("%g Hz, auto release %v: THD %.1f dB, want < -40 dB", rate, auto, thd)
			}
		}
		// Under the ceiling: untouched.
		p := DefaultLimiterParams()
		l := prepared(t, NewLimiter(p), rate, 2)
		x := stereo(2, sine(rate, int(rate), 40, math.Pow(10, (p.CeilingDBTP-0.5)/20), 0.1))
		out := run(l, x)
		L := l.Latency()
		for c := range out {
			for i := L; i < len(out[c]); i++ {
				if out[c][i] != x[c][i-L] {
					t.Fatalf("%g Hz: sine 0.5 dB under the ceiling changed at frame %d", rate, i)
				}
			}
		}
		if s := l.Stats(); s.MaxDB != 0 {
			t.Errorf("%g Hz: sine under the ceiling: %v", rate, s)
		}
	}
}

// (c) Pumping. Steady pink noise whose peaks go up to 11 dB over the
// ceiling: after 2 s the gain reduction, averaged over 10 ms windows,
// has settled (its 1 s means stay within 0.5 dB of each other) and its
// standard deviation, the pumping depth, is small. With AutoRelease the
// slow envelope carries the steady part of the reduction and the depth
// roughly halves.
func TestLimiterPumping(t *testing.T) {
	const rate = 44100.0
	depth := map[bool]float64{}
	for _, auto := range []bool{false, true} {
		p := DefaultLimiterParams()
		p.AutoRelease = auto
		l := prepared(t, NewLimiter(p), rate, 2)
		x := synth.PinkNoise(int(rate), 2, int(10*rate), math.Pow(10, (p.CeilingDBTP-4)/20), 3)
		_, g := gainTrace(l, x)
		win := int(rate / 100)
		var gr []float64 // 10 ms means of the gain reduction (dB)
		for i := int(2 * rate); i+win <= len(g); i += win {
			s := 0.0
			for _, v := range g[i : i+win] {
				s -= db(v)
			}
			gr = append(gr, s/float64(win))
		}
		mean, sd := meanSD(gr)
		lo, hi := math.Inf(1), math.Inf(-1)
		for i := 0; i+100 <= len(gr); i += 100 {
			m, _ := meanSD(gr[i : i+100])
			lo, hi = math.Min(lo, m), math.Max(hi, m)
		}
		depth[auto] = sd
		t.Logf("auto release %v: mean GR %.2f dB, pumping depth (SD of 10 ms means) %.3f dB, 1 s means %.2f to %.2f dB; %v", auto, mean, sd, lo, hi, l.Stats())
		if hi-lo > 0.5 {
			t.Errorf("auto release %v: 1 s means of the gain reduction range over %.2f dB, want < 0.5", auto, hi-lo)
		}
	}
	if depth[true] > 0.7 || depth[true] > 0.75*depth[false] {
		t.Errorf("pumping depth %.3f dB with auto release (want < 0.7 and < 3/4 of the %.3f dB without)", depth[true], depth[false])
	}
}

func meanSD(v []float64) (mean, sd float64) {
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	for _, x := range v {
		sd += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(sd / float64(len(v)))
}

// (d) Gain-reduction statistics: half a second under the ceiling, then one
// second of a sine 6 dB over it.
func TestLimiterStats(t *testing.T) {
	const rate = 48000.0
	p := DefaultLimiterParams()
	l := prepared(t, NewLimiter(p), rate, 2)
	quiet := sine(rate, int(rate/2), 100, 0.1, 0)
	loud := sine(rate, int(rate), 100, math.Pow(10, (p.CeilingDBTP+6)/20), 0)
	x := stereo(2, append(quiet, loud...))
	run(l, x)
	s := l.Stats()
	t.Log(s)
	want := 6 + LimiterMarginDB + gridDeficitDB(p.Oversampling)
	near(t, "MaxDB", s.MaxDB, want, 0.01)
	near(t, "MeanDB (active frames)", s.MeanDB, want, 0.1)
	// The gain starts down a lookahead before the loud part and is still
	// down a release after it: about two thirds of the frames.
	near(t, "PercentActive", s.PercentActive, 100*(1+float64(p.LookaheadMS)/1000)/1.5, 1)
	if s.Frames != int64(x.Frames()) {
		t.Errorf("Frames %d, want %d", s.Frames, x.Frames())
	}
	near(t, "GainReductionDB at the end", l.GainReductionDB(), want, 0.01)
	l.Reset()
	if s := l.Stats(); s != (GainReductionStats{}) {
		t.Errorf("after Reset: %v", s)
	}
}

// (e) Transparency: material whose true peak stays under the ceiling less
// the margin comes out as the input delayed by Latency, bit for bit, with
// no gain reduction counted; Latency is LookaheadMS in frames.
func TestLimiterTransparent(t *testing.T) {
	for _, rate := range []int{44100, 48000, 96000} {
		x := songSegment(rate, 21, 10, 3)
		tp := fineTruePeakDB(x)
		p := DefaultLimiterParams()
		synth.Gain(x, math.Pow(10, (p.CeilingDBTP-LimiterMarginDB-0.01-tp)/20))
		l := prepared(t, NewLimiter(p), float64(rate), 2)
		if want := int(math.Round(p.LookaheadMS * float64(rate) / 1000)); l.Latency() != want {
			t.Errorf("%d Hz: Latency %d, want %d", rate, l.Latency(), want)
		}
		out := run(l, x)
		L := l.Latency()
		for c := range out {
			for i := range out[c] {
				want := float32(0)
				if i >= L {
					want = x[c][i-L]
				}
				if out[c][i] != want {
					t.Fatalf("%d Hz: channel %d frame %d: %g, want %g", rate, c, i, out[c][i], want)
				}
			}
		}
		if s := l.Stats(); s.MaxDB != 0 || s.PercentActive != 0 {
			t.Errorf("%d Hz: %v", rate, s)
		}
	}
	p := DefaultLimiterParams()
	p.CeilingDBTP = 0
	dsptest.CheckLatency(t, func() dsp.Processor { return NewLimiter(p) }, dsp.Spec{SampleRate: 48000, Channels: 2, MaxFrames: 256}, 0.01)
}

// The gain is down when the peak arrives, and starts falling no earlier
// than the lookahead before it: a loud burst after silence.
func TestLimiterLookaheadRamp(t *testing.T) {
	const rate = 48000.0
	p := DefaultLimiterParams()
	l := prepared(t, NewLimiter(p), rate, 1)
	at := int(rate / 2)
	x := make([]float32, int(rate))
	copy(x[at:], sine(rate, 4800, 1000, 4, 0)) // +12 dBFS for 100 ms
	_, g := gainTrace(l, stereo(1, x))
	L := l.Latency()
	first := -1
	for i, v := range g {
		if v < 1 {
			first = i
			break
		}
	}
	// The burst reaches the output at frame at+L.
	if first < at || first > at+L-l.ramp/2 {
		t.Errorf("gain starts falling at output frame %d; the burst leaves the delay at %d, lookahead %d frames", first, at+L, L)
	}
	// From the first crest of the sine (a quarter period in) on, the gain
	// holds the 4.0 peaks at the ceiling.
	want := dbToGain(p.CeilingDBTP-LimiterMarginDB) / 4
	for i := at + L + 12; i < at+L+4800; i++ {
		if g[i] > want*1.00001 {
			t.Fatalf("gain %.5f at output frame %d, %d frames into the burst; want <= %.5f", g[i], i, i-at-L, want)
		}
	}
	t.Logf("gain falls from output frame %d, %.2f ms before the burst", first, float64(at+L-first)/rate*1000)
}

func TestLimiterUnlinked(t *testing.T) {
	const rate = 48000.0
	n := int(rate / 2)
	b := audio.NewBuffer(2, n)
	copy(b[0], sine(rate, n, 500, 2, 0))   // over the ceiling
	copy(b[1], sine(rate, n, 500, 0.1, 0)) // far under it
	p := DefaultLimiterParams()
	p.Link = false
	l := prepared(t, NewLimiter(p), rate, 2)
	out := run(l, b)
	L := l.Latency()
	for i := L; i < n; i++ {
		if out[1][i] != b[1][i-L] {
			t.Fatalf("unlinked: the quiet channel changed at frame %d", i)
		}
	}
	if tp := fineTruePeakDB(out[:1]); tp > p.CeilingDBTP {
		t.Errorf("unlinked: loud channel at %.3f dBTP", tp)
	}
	p.Link = true
	out = run(prepared(t, NewLimiter(p), rate, 2), b)
	if r := rmsDB(out[1], n/2, n) - rmsDB(b[1], n/2-L, n-L); r > -5 {
		t.Errorf("linked: the quiet channel's gain is %.2f dB, want the loud channel's (about -7)", r)
	}
}

func TestLimiterValidate(t *testing.T) {
	for _, tc := range []struct {
		mod  func(*LimiterParams)
		want string
	}{
		{func(p *LimiterParams) { p.CeilingDBTP = 0.5 }, "ceiling_dbtp 0.5 out of range (-30 to 0 dBTP)"},
		{func(p *LimiterParams) { p.Oversampling = 3 }, "oversampling 3 out of range (1, 4, 8 or 16)"},
		{func(p *LimiterParams) { p.LookaheadMS = 0 }, "lookahead_ms 0 out of range"},
		{func(p *LimiterParams) { p.ReleaseMS = math.NaN() }, "release_ms"},
		{func(p *LimiterParams) { p.HoldMS = -1 }, "hold_ms -1"},
	} {
		p := DefaultLimiterParams()
		tc.mod(&p)
		err := NewLimiter(p).Prepare(dsp.Spec{SampleRate: 48000, Channels: 2, MaxFrames: 64})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want an error containing %q", err, tc.want)
		}
	}
	// The detector's delay must fit in the lookahead.
	p := DefaultLimiterParams()
	p.LookaheadMS = 0.5
	if err := NewLimiter(p).Prepare(dsp.Spec{SampleRate: 22050, Channels: 1, MaxFrames: 64}); err == nil || !strings.Contains(err.Error(), "lookahead_ms 0.5 out of range (at least") {
		t.Errorf("0.5 ms lookahead at 22.05 kHz: %v", err)
	}
}

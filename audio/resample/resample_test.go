package resample

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"runtime"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/internal/synth"
)

// Rates used by the measured-quality tests: every direction among these.
var commonRates = []int{44100, 48000, 88200, 96000, 192000}

// Odd pairs: a rate that differs by 1 Hz (no short rational cycle: the
// interpolated table), very low to CD rate, and big jumps.
var oddPairs = [][2]int{{44100, 44101}, {44101, 44100}, {8000, 44100}, {192000, 44100}, {22050, 96000}, {96000, 22050}, {11025, 48000}, {48000, 8000}}

func commonPairs() [][2]int {
	var ps [][2]int
	for _, a := range commonRates {
		for _, b := range commonRates {
			if a != b {
				ps = append(ps, [2]int{a, b})
			}
		}
	}
	return ps
}

func TestNewErrors(t *testing.T) {
	for _, c := range []struct{ in, out, ch int }{
		{audio.MinSampleRate - 1, 48000, 2},
		{44100, audio.MaxSampleRate + 1, 2},
		{0, 48000, 1},
		{44100, -48000, 1},
	} {
		if _, err := New(c.in, c.out, c.ch); !errors.Is(err, ErrRate) || !errors.Is(err, audio.ErrUnsupported) {
			t.Errorf("New(%d, %d, %d) = %v, want ErrRate", c.in, c.out, c.ch, err)
		}
	}
	for _, ch := range []int{0, -1, audio.MaxChannels + 1} {
		if _, err := New(44100, 48000, ch); !errors.Is(err, audio.ErrUnsupported) {
			t.Errorf("New with %d channels = %v, want ErrUnsupported", ch, err)
		}
	}
	for _, c := range [][2]int{{audio.MinSampleRate, audio.MaxSampleRate}, {audio.MaxSampleRate, audio.MinSampleRate}, {audio.MaxSampleRate - 1, audio.MinSampleRate}, {audio.MinSampleRate, audio.MaxSampleRate - 1}} {
		if _, err := New(c[0], c[1], 1); err != nil {
			t.Errorf("New(%d, %d): %v", c[0], c[1], err)
		}
	}
}

// OutputLength against exact rational arithmetic.
func TestOutputLength(t *testing.T) {
	known := []struct {
		n       int64
		in, out int
		want    int64
	}{
		{0, 44100, 48000, 0},
		{1, 44100, 48000, 1},
		{1, 48000, 44100, 1},
		{1, 96000, 44100, 0},  // 0.459
		{1, 192000, 44100, 0}, // 0.2297
		{2, 96000, 44100, 1},  // 0.919
		{3, 192000, 44100, 1}, // 0.689
		{44100, 44100, 48000, 48000},
		{1, 2000, 1000, 1}, // exactly 0.5 rounds up
		{3, 2000, 1000, 2}, // 1.5 → 2
		{5, 2000, 1000, 3}, // 2.5 → 3
		{1001, 44100, 48000, 1090},
		{10584000, 44100, 48000, 11520000},
	}
	for _, k := range known {
		if got := OutputLength(k.n, k.in, k.out); got != k.want {
			t.Errorf("OutputLength(%d, %d, %d) = %d, want %d", k.n, k.in, k.out, got, k.want)
		}
	}
	rates := []int{1000, 8000, 11025, 22050, 44100, 44101, 48000, 88200, 96000, 176400, 192000, 1536000, 1535999}
	ns := []int64{0, 1, 2, 3, 5, 7, 11, 13, 101, 997, 7919, 65537, 1000003, 1 << 40, 1<<40 + 1}
	for _, in := range rates {
		for _, out := range rates {
			for _, n := range ns {
				// round half up: ⌊n·out/in + ½⌋
				q := new(big.Rat).SetFrac(big.NewInt(n*2*int64(out)+int64(in)), big.NewInt(2*int64(in)))
				want := new(big.Int).Quo(q.Num(), q.Denom()).Int64()
				if got := OutputLength(n, in, out); got != want {
					t.Fatalf("OutputLength(%d, %d, %d) = %d, want %d", n, in, out, got, want)
				}
			}
		}
	}
}

// The conversion itself produces exactly OutputLength frames (convert
// checks), for tiny, prime and ordinary lengths, every kind of table.
func TestExactOutputLength(t *testing.T) {
	pairs := append(commonPairs(), oddPairs...)
	pairs = append(pairs, [2]int{1000, 1536000}, [2]int{1536000, 1000}, [2]int{1535999, 1000}, [2]int{1000, 1535999}, [2]int{44100, 44100})
	lengths := []int{0, 1, 2, 3, 5, 7, 13, 31, 127, 1009, 4099, 8191}
	if testing.Short() {
		lengths = []int{0, 1, 2, 3, 7, 1009}
	}
	for _, pr := range pairs {
		for _, n := range lengths {
			in := synth.WhiteNoise(pr[0], 1, n, 0.1, uint64(n))
			out := convert(t, in, pr[0], pr[1], 1000, 777)
			if want := OutputLength(int64(n), pr[0], pr[1]); int64(out.Frames()) != want {
				t.Fatalf("%v N=%d: %d frames, want %d", pr, n, out.Frames(), want)
			}
		}
	}
}

func TestPassThrough(t *testing.T) {
	in := synth.WhiteNoise(48000, 3, 10007, 0.5, 3)
	for _, block := range []int{1, 7, 4096} {
		out := convert(t, in, 48000, 48000, block, 100)
		for c := range in {
			for i := range in[c] {
				if math.Float32bits(in[c][i]) != math.Float32bits(out[c][i]) {
					t.Fatalf("block %d: pass-through changed ch %d frame %d", block, c, i)
				}
			}
		}
	}
	r, _ := New(48000, 48000, 1)
	if r.Lookahead() != 0 {
		t.Errorf("pass-through Lookahead %d, want 0", r.Lookahead())
	}
}

// gaussPulse fills a buffer with exp(−(t−t0)²/(2σ²)) sampled at rate, t0
// and σ in seconds. With σ = 3/lowRate its spectrum is below −170 dB from
// the passband edge up, and it is below −170 dB beyond ±20σ: it is both
// band-limited and time-limited to well past float32 precision, so its
// ideal resampling is known in closed form.
func gaussPulse(rate, frames int, t0, sigma float64) audio.Buffer {
	b := audio.NewBuffer(1, frames)
	for i := range b[0] {
		d := (float64(i)/float64(rate) - t0) / sigma
		b[0][i] = float32(math.Exp(-d * d / 2))
	}
	return b
}

// Zero delay: a band-limited pulse placed at a fractional time lands at
// exactly that time in the output, with the shape theory gives.
func TestZeroDelayPulse(t *testing.T) {
	pairs := append(commonPairs(), oddPairs...)
	for _, pr := range pairs {
		low := min(pr[0], pr[1])
		sigma := 3.0 / float64(low)
		t0 := 0.0123456789 // seconds: no special alignment with either rate
		n := int(0.03 * float64(pr[0]))
		in := gaussPulse(pr[0], n, t0, sigma)
		out := convert(t, in, pr[0], pr[1], 4096, 4096)
		want := gaussPulse(pr[1], out.Frames(), t0, sigma)
		var maxErr, m0, m1 float64
		for i := range out[0] {
			maxErr = math.Max(maxErr, math.Abs(float64(out[0][i]-want[0][i])))
			m0 += float64(out[0][i])
			m1 += float64(out[0][i]) * float64(i)
		}
		// Centroid of the output pulse in output frames.
		lag := m1/m0 - t0*float64(pr[1])
		if math.Abs(lag) > 1e-5 || maxErr > 2e-7 {
			t.Errorf("%d→%d: centroid off by %.2g output frames, max error %.2g", pr[0], pr[1], lag, maxErr)
		}
	}
}

// An impulse at input frame m of a power-of-two upsampling lands on output frame
// m·ratio with value exactly 1 (the kernel is a sinc with zeros at the other
// input frames), and the output at other input-frame positions is exactly 0.
func TestImpulseIntegerRatio(t *testing.T) {
	for _, pr := range [][2]int{{48000, 96000}, {44100, 88200}, {48000, 192000}, {22050, 176400}, {11025, 44100}} {
		in := audio.NewBuffer(1, 600)
		in[0][300] = 1
		out := convert(t, in, pr[0], pr[1], 4096, 4096)
		ratio := pr[1] / pr[0]
		for m := range 600 {
			want := float32(0)
			if m == 300 {
				want = 1
			}
			if got := out[0][m*ratio]; got != want {
				t.Errorf("%d→%d: output %d = %g, want %g", pr[0], pr[1], m*ratio, got, want)
			}
		}
	}
}

// Cross-correlation of the output with the analytically resampled sine
// peaks at lag 0, and the fitted phase matches the input's to a tiny
// fraction of a frame.
func TestZeroDelaySine(t *testing.T) {
	for _, pr := range commonPairs() {
		const f, phase = 997.0, 0.7
		in := synth.Sine(pr[0], 1, pr[0]/2, f, 0.5, phase)
		out := convert(t, in, pr[0], pr[1], 4096, 4096)
		e := edge(pr[0], pr[1])
		_, ph, _ := sineFit(out[0], f, pr[1], e, out.Frames()-e)
		dph := math.Remainder(ph-phase, 2*math.Pi)
		shift := dph / (2 * math.Pi * f) * float64(pr[1]) // output frames
		if math.Abs(shift) > 1e-6 {
			t.Errorf("%d→%d: phase shift %.3g output frames", pr[0], pr[1], shift)
		}
		ref := synth.Sine(pr[1], 1, out.Frames(), f, 0.5, phase)
		best, bestLag := math.Inf(-1), 99
		for lag := -3; lag <= 3; lag++ {
			var s float64
			for i := e + 3; i < out.Frames()-e-3; i++ {
				s += float64(out[0][i]) * float64(ref[0][i+lag])
			}
			if s > best {
				best, bestLag = s, lag
			}
		}
		if bestLag != 0 {
			t.Errorf("%d→%d: cross-correlation peaks at lag %d", pr[0], pr[1], bestLag)
		}
	}
}

// thdnLimit is the required THD+N in dB for a −1 dBFS sine.
const thdnLimit = -140

func TestTHDN(t *testing.T) {
	pairs := append(commonPairs(), oddPairs...)
	amp := synth.DBToAmp(-1)
	for _, pr := range pairs {
		low := min(pr[0], pr[1])
		for _, f := range []float64{1000, 15000} {
			if f > passEdge*float64(low) {
				continue // outside the passband of this pair
			}
			in := synth.Sine(pr[0], 2, pr[0], f, amp, 0.3)
			out := convert(t, in, pr[0], pr[1], 4096, 4096)
			e := edge(pr[0], pr[1])
			for c := range out {
				a, _, d := sineFit(out[c], f, pr[1], e, out.Frames()-e)
				if d > thdnLimit || math.Abs(20*math.Log10(a/amp)) > 1e-5 {
					t.Errorf("%d→%d %g Hz ch %d: THD+N %.1f dB, gain %.2g dB", pr[0], pr[1], f, c, d, 20*math.Log10(a/amp))
				}
				if c == 0 && testing.Verbose() {
					t.Logf("%6d→%6d %5g Hz: THD+N %.1f dB", pr[0], pr[1], f, d)
				}
			}
		}
	}
}

// Passband flatness: the gain of sines from 20 Hz to 20 kHz, fitted at the
// known frequency, is within ±0.01 dB (it is in fact within ±1e-5 dB).
func TestPassbandFlatness(t *testing.T) {
	freqs := []float64{20000, 19999, 19000}
	for f := 20.0; f < 20000; f *= 1.25 {
		freqs = append(freqs, f)
	}
	pairs := commonPairs()
	if testing.Short() {
		pairs = [][2]int{{44100, 48000}, {96000, 44100}}
	}
	for _, pr := range pairs {
		worst := 0.0
		for _, f := range freqs {
			n := pr[0] / 4
			if f < 200 {
				n = pr[0] // at least 4 periods
			}
			const amp = 0.5
			in := synth.Sine(pr[0], 1, n, f, amp, 1.1)
			out := convert(t, in, pr[0], pr[1], 4096, 4096)
			e := edge(pr[0], pr[1])
			a, _, _ := sineFit(out[0], f, pr[1], e, out.Frames()-e)
			ai, _, _ := sineFit(in[0], f, pr[0], 0, in.Frames())
			db := 20 * math.Log10(a/ai)
			if math.Abs(db) > math.Abs(worst) {
				worst = db
			}
			if math.Abs(db) > 0.01 {
				t.Errorf("%d→%d: gain at %g Hz is %.4f dB", pr[0], pr[1], f, db)
			}
		}
		if testing.Verbose() {
			t.Logf("%6d→%6d: worst passband deviation %.2g dB", pr[0], pr[1], worst)
		}
	}
}

// rmsDB returns the RMS of x[from:to] in dB relative to a sine of peak amp.
func rmsDB(x []float32, from, to int, amp float64) float64 {
	var s float64
	for _, v := range x[from:to] {
		s += float64(v) * float64(v)
	}
	return 10*math.Log10(s/float64(to-from)) - 20*math.Log10(amp/math.Sqrt2)
}

// Alias rejection when downsampling: a tone above the output's stopband edge
// ((1−passEdge)·out, 24.1 kHz at 44.1 kHz) must not come out at all; a tone
// between the output Nyquist and that edge may alias only into the band above
// passEdge·out (20 kHz at 44.1 kHz): after removing the one alias tone, and
// so everything at or below 20 kHz, nothing is left.
func TestAliasRejection(t *testing.T) {
	pairs := [][2]int{{48000, 44100}, {88200, 44100}, {96000, 44100}, {192000, 44100}, {96000, 48000}, {192000, 48000}, {192000, 96000}, {96000, 44101}}
	const amp = 0.9
	for _, pr := range pairs {
		in, out := float64(pr[0]), float64(pr[1])
		stop := (1 - passEdge) * out
		var tones []float64
		for f := stop + 1; f < in/2; f *= 1.09 {
			tones = append(tones, f)
		}
		if in/2-1 > stop {
			tones = append(tones, in/2-1)
		}
		worst := -400.0
		for _, f := range tones {
			x := synth.Sine(pr[0], 1, pr[0]/4, f, amp, 0.2)
			y := convert(t, x, pr[0], pr[1], 4096, 4096)
			e := edge(pr[0], pr[1])
			d := rmsDB(y[0], e, y.Frames()-e, amp)
			worst = math.Max(worst, d)
			if d > -150 {
				t.Errorf("%d→%d: %.0f Hz tone comes out at %.1f dB", pr[0], pr[1], f, d)
			}
		}
		if testing.Verbose() && len(tones) > 0 {
			t.Logf("%6d→%6d: worst stopband tone (%.0f Hz up) %.1f dB", pr[0], pr[1], stop, worst)
		}
		// Transition band: the alias must lie above passEdge·out.
		for _, f := range []float64{out/2 + 10, (out/2 + stop) / 2, stop - 10} {
			if f >= in/2-1 {
				continue
			}
			x := synth.Sine(pr[0], 1, pr[0]/2, f, amp, 0.2)
			y := convert(t, x, pr[0], pr[1], 4096, 4096)
			e := edge(pr[0], pr[1])
			alias := out - f
			if alias <= passEdge*out {
				t.Fatalf("test bug: alias %g below passband edge", alias)
			}
			_, _, d := sineFit(y[0], alias, pr[1], e, y.Frames()-e)
			a, _, _ := sineFit(y[0], alias, pr[1], e, y.Frames()-e)
			// Residual relative to the input tone, not to the alias.
			res := d + 20*math.Log10(a/amp)
			if res > -150 {
				t.Errorf("%d→%d: %.0f Hz tone leaves %.1f dB besides its alias at %.0f Hz", pr[0], pr[1], f, res, alias)
			}
		}
	}
}

// Image rejection when upsampling: a tone anywhere in the passband, up to
// its edge (20 kHz at 44.1 kHz), comes out alone. Its images (at in − f and
// up, above the stopband edge (1−passEdge)·in) count in the residual left
// after fitting and removing the tone.
func TestImageRejection(t *testing.T) {
	for _, pr := range [][2]int{{44100, 96000}, {44100, 192000}, {48000, 96000}, {44100, 48000}} {
		in, out := float64(pr[0]), float64(pr[1])
		for _, f := range []float64{1000, 10000, 19500, passEdge * in} {
			x := synth.Sine(pr[0], 1, pr[0]/2, f, 0.9, 0.4)
			y := convert(t, x, pr[0], pr[1], 4096, 4096)
			e := edge(pr[0], pr[1])
			img := in - f // first image, above (1−passEdge)·in
			if img < out/2 {
				// 44.1 → 48: the image folds to out − img.
				img = math.Abs(out - img)
			}
			// Fit and remove the tone; what is left (image and noise) must
			// be small.
			_, _, d := sineFit(y[0], f, pr[1], e, y.Frames()-e)
			if d > thdnLimit {
				t.Errorf("%d→%d: %.0f Hz leaves %.1f dB (image near %.0f Hz)", pr[0], pr[1], f, d, img)
			}
		}
	}
}

// kaiserSpectrum returns the power spectrum in dB of x (length a power of
// two) through a Kaiser window with β = 20, whose sidelobes are below
// −180 dB; bin i is at i·rate/len(x) Hz.
func kaiserSpectrum(x []float32) []float64 {
	n := len(x)
	re, im := make([]float64, n), make([]float64, n)
	i0 := besselI0(20)
	for i, v := range x {
		r := 2*float64(i)/float64(n-1) - 1
		re[i] = float64(v) * besselI0(20*math.Sqrt(max(0, 1-r*r))) / i0
	}
	fft(re, im)
	p := make([]float64, n/2)
	for i := range p {
		p[i] = 10 * math.Log10(re[i]*re[i]+im[i]*im[i]+1e-300)
	}
	return p
}

// fft is an in-place radix-2 complex FFT.
func fft(re, im []float64) {
	n := len(re)
	for i, j := 1, 0; i < n; i++ {
		bit := n >> 1
		for ; j&bit != 0; bit >>= 1 {
			j ^= bit
		}
		j |= bit
		if i < j {
			re[i], re[j] = re[j], re[i]
			im[i], im[j] = im[j], im[i]
		}
	}
	for size := 2; size <= n; size <<= 1 {
		step := -2 * math.Pi / float64(size)
		for start := 0; start < n; start += size {
			for k := range size / 2 {
				s, c := math.Sincos(step * float64(k))
				a, b := start+k, start+k+size/2
				tr := re[b]*c - im[b]*s
				ti := re[b]*s + im[b]*c
				re[b], im[b] = re[a]-tr, im[a]-ti
				re[a], im[a] = re[a]+tr, im[a]+ti
			}
		}
	}
}

// Image rejection on a spread spectrum: twelve tones across the passband,
// upsampled through every kind of chain, leave nothing above the stopband
// edge (1 − passEdge)·in (24.1 kHz for 44.1 kHz input) relative to the tone
// lines. The windowed FFT concentrates each tone in a few bins while the
// float32 rounding noise spreads over all of them, so its floor here is
// about −175 dB and the images themselves are measured.
func TestImageRejectionSpectrum(t *testing.T) {
	for _, pr := range [][2]int{{44100, 96000}, {44100, 192000}, {48000, 96000}, {48000, 192000}, {8000, 44100}, {22050, 96000}, {44100, 88202}, {88200, 192000}, {44100, 48000 * 3}} {
		fin, fout := float64(pr[0]), float64(pr[1])
		n := pr[0] / 2
		in := audio.NewBuffer(1, n)
		for i := range in[0] {
			var s float64
			for k := range 12 {
				f := passEdge * fin * (float64(k) + 0.5) / 12
				s += math.Sin(2*math.Pi*f*float64(i)/fin + float64(k))
			}
			in[0][i] = float32(0.07 * s)
		}
		out := convert(t, in, pr[0], pr[1], 4096, 4096)
		const size = 1 << 14
		mid := out.Frames() / 2
		p := kaiserSpectrum(out[0][mid-size/2 : mid+size/2])
		ref, worst, at := math.Inf(-1), math.Inf(-1), 0.0
		stop := (1 - passEdge) * fin
		for i, v := range p {
			f := float64(i) * fout / size
			if f < passEdge*fin {
				ref = math.Max(ref, v)
			}
			if f > stop+8*fout/size && v > worst {
				worst, at = v, f
			}
		}
		worst -= ref
		if worst > -150 {
			t.Errorf("%d→%d: image at %.0f Hz is %.1f dB re the tones", pr[0], pr[1], at, worst)
		}
		if testing.Verbose() {
			t.Logf("%6d→%6d: worst line above %.0f Hz: %.1f dB re the tones", pr[0], pr[1], stop, worst)
		}
	}
}

// The output does not depend on how input and output are chunked.
func TestBlockSizeIndependence(t *testing.T) {
	for _, pr := range [][2]int{{44100, 48000}, {96000, 44100}, {44100, 44101}, {48000, 8000}, {8000, 44100}, {192000, 48000}, {192000, 44100}, {48000, 96000}, {44100, 192000}, {1536000, 1000}} {
		in := synth.WhiteNoise(pr[0], 3, 9001, 0.3, 7)
		ref := convert(t, in, pr[0], pr[1], 4096, 1<<20)
		for _, bs := range [][2]int{{1, 1}, {7, 13}, {64, 4096}, {4096, 64}, {4096, 4096}, {100000, 3}} {
			got := convert(t, in, pr[0], pr[1], bs[0], bs[1])
			if !identical(got, ref) {
				t.Errorf("%d→%d: blocks %v differ from one block", pr[0], pr[1], bs)
			}
		}
	}
}

func identical(a, b audio.Buffer) bool {
	if a.Channels() != b.Channels() || a.Frames() != b.Frames() {
		return false
	}
	for c := range a {
		for i := range a[c] {
			if math.Float32bits(a[c][i]) != math.Float32bits(b[c][i]) {
				return false
			}
		}
	}
	return true
}

// With helpers allowed, the output is bit-identical to the serial output
// whatever GOMAXPROCS is.
func TestDeterminismGOMAXPROCS(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, pr := range [][2]int{{44100, 48000}, {192000, 44100}, {44100, 44101}, {48000, 192000}} {
		in := synth.WhiteNoise(pr[0], 2, 3*pr[0]/2, 0.3, 9)
		runtime.GOMAXPROCS(1)
		ref := convert(t, in, pr[0], pr[1], 1<<20, 1<<20)
		for _, procs := range []int{1, 2, 4} {
			runtime.GOMAXPROCS(procs)
			r, _ := New(pr[0], pr[1], 2)
			r.SetParallel(true)
			got := convertWith(t, r, in, 1<<20, 1<<20)
			if !identical(got, ref) {
				t.Errorf("%d→%d: GOMAXPROCS=%d parallel output differs", pr[0], pr[1], procs)
			}
		}
	}
}

func TestReset(t *testing.T) {
	in := synth.WhiteNoise(44100, 2, 5000, 0.3, 11)
	r, _ := New(44100, 48000, 2)
	a := convertWith(t, r, in, 333, 4096)
	// Leave it mid-stream, then reset.
	r.Reset()
	r.Process(audio.NewBuffer(2, 100), synth.WhiteNoise(44100, 2, 1000, 0.3, 12))
	r.Reset()
	b := convertWith(t, r, in, 4096, 4096)
	if !identical(a, b) {
		t.Error("output after Reset differs")
	}
}

// DC passes with unit gain.
func TestDC(t *testing.T) {
	for _, pr := range append(commonPairs(), oddPairs...) {
		in := audio.NewBuffer(1, pr[0]/10)
		for i := range in[0] {
			in[0][i] = 0.5
		}
		out := convert(t, in, pr[0], pr[1], 4096, 4096)
		e := edge(pr[0], pr[1])
		for i := e; i < out.Frames()-e; i++ {
			if d := math.Abs(float64(out[0][i]) - 0.5); d > 1e-7 {
				t.Fatalf("%d→%d: DC output %d is %g", pr[0], pr[1], i, out[0][i])
			}
		}
	}
}

// multiTone returns a sum of sines below 19 kHz with irrational-ish
// frequencies and phases, peak below 0.9.
func multiTone(rate, frames int) audio.Buffer {
	freqs := []float64{31.7, 97.3, 440, 1234.5, 2718.3, 5003.1, 7777.7, 11111.1, 14142.1, 17320.5, 18900}
	b := audio.NewBuffer(1, frames)
	for i := range b[0] {
		var s float64
		for k, f := range freqs {
			s += math.Sin(2*math.Pi*f*float64(i)/float64(rate) + float64(k)*0.77)
		}
		b[0][i] = float32(0.08 * s)
	}
	return b
}

// 44.1 → 96 → 44.1 kHz returns the original (band-limited to 19 kHz) to
// within float32 precision.
func TestRoundTrip(t *testing.T) {
	for _, mid := range []int{96000, 48000, 88200, 192000, 44101} {
		in := multiTone(44100, 44100)
		up := convert(t, in, 44100, mid, 4096, 4096)
		back := convert(t, up, mid, 44100, 4096, 4096)
		if back.Frames() != in.Frames() {
			t.Fatalf("round trip via %d: %d frames, want %d", mid, back.Frames(), in.Frames())
		}
		e := 2 * edge(44100, mid)
		var num, den float64
		for i := e; i < in.Frames()-e; i++ {
			d := float64(back[0][i] - in[0][i])
			num += d * d
			den += float64(in[0][i]) * float64(in[0][i])
		}
		db := 10 * math.Log10(num/den)
		if db > -135 {
			t.Errorf("round trip via %d Hz: error %.1f dB", mid, db)
		}
		if testing.Verbose() {
			t.Logf("44100→%d→44100: error %.1f dB", mid, db)
		}
	}
}

// Process and Flush never allocate, with or without helpers.
func TestNoAllocs(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage instrumentation")
	}
	for _, pr := range [][2]int{{44100, 48000}, {44100, 44101}, {48000, 48000}, {192000, 44100}, {44100, 192000}} {
		for _, par := range []bool{false, true} {
			r, _ := New(pr[0], pr[1], 2)
			r.SetParallel(par)
			src := synth.WhiteNoise(pr[0], 2, 8192, 0.3, 1)
			dst := audio.NewBuffer(2, 16384)
			allocs := testing.AllocsPerRun(20, func() {
				r.Reset()
				r.Process(dst, src)
				for {
					if _, done := r.Flush(dst); done {
						break
					}
				}
			})
			if allocs != 0 {
				t.Errorf("%v parallel=%v: %.1f allocations per stream", pr, par, allocs)
			}
		}
	}
}

func TestPanics(t *testing.T) {
	r, _ := New(44100, 48000, 2)
	mustPanic(t, "wrong dst channels", func() { r.Process(audio.NewBuffer(1, 10), audio.NewBuffer(2, 10)) })
	mustPanic(t, "wrong src channels", func() { r.Process(audio.NewBuffer(2, 10), audio.NewBuffer(3, 10)) })
	mustPanic(t, "wrong flush channels", func() { r.Flush(audio.NewBuffer(1, 10)) })
	r.Flush(audio.NewBuffer(2, 10))
	mustPanic(t, "Process after Flush", func() { r.Process(audio.NewBuffer(2, 10), audio.NewBuffer(2, 10)) })
	mustPanic(t, "negative length", func() { OutputLength(-1, 44100, 48000) })
}

func mustPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s: no panic", what)
		}
	}()
	f()
}

// Progress guarantee: with dst of one frame and src of one frame, every call
// does something until the input is consumed.
func TestProgress(t *testing.T) {
	r, _ := New(96000, 44100, 1)
	src := synth.WhiteNoise(96000, 1, 3000, 0.3, 2)
	dst := audio.NewBuffer(1, 1)
	sh := make(audio.Buffer, 1)
	for pos := 0; pos < src.Frames(); {
		p, c := r.Process(dst, src.Slice(sh, pos, src.Frames()))
		if p+c == 0 {
			t.Fatalf("no progress at %d", pos)
		}
		pos += c
	}
	if _, done := r.Flush(audio.NewBuffer(1, 0)); done {
		t.Error("Flush with empty dst reports done with output pending")
	}
}

// Memory stays bounded for every ratio, including ones with no short
// rational cycle and extreme downsampling, and the chain is what plan says.
func TestStagesAndTableSize(t *testing.T) {
	for _, pr := range [][2]int{{44100, 48000}, {44100, 44101}, {96000, 44100}, {192000, 44100}, {44100, 192000}, {48000, 96000}, {8000, 44100}, {1535999, 1000}, {1000, 1535999}, {1536000, 1000}, {192000, 44101}} {
		r, err := New(pr[0], pr[1], 1)
		if err != nil {
			t.Fatal(err)
		}
		size := 0
		var desc []string
		for i, st := range r.stages {
			switch st.kind {
			case stagePoly:
				size += len(st.tab.coef) * 8
				desc = append(desc, fmt.Sprintf("poly %d→ (%d taps, exact=%v)", r.stageRates[i], st.tab.taps, st.tab.exact))
			case stageDec2:
				desc = append(desc, fmt.Sprintf("½ %d→ (%d taps)", r.stageRates[i], len(st.hb)))
			case stageInt2:
				desc = append(desc, fmt.Sprintf("×2 %d→ (%d taps)", r.stageRates[i], len(st.hb)))
			}
		}
		if size > 8<<20 {
			t.Errorf("%v: table of %d bytes", pr, size)
		}
		if testing.Verbose() {
			t.Logf("%8d→%8d: %v, table %d KiB, lookahead %d", pr[0], pr[1], desc, size>>10, r.Lookahead())
		}
	}
}

// Lookahead is an upper bound: once input frames up to ⌊k·in/out⌋ +
// Lookahead() are in, output k is out, in every kind of chain.
func TestLookahead(t *testing.T) {
	for _, pr := range [][2]int{{44100, 48000}, {96000, 44100}, {192000, 44100}, {192000, 48000}, {48000, 96000}, {44100, 192000}, {8000, 44100}, {44100, 44101}} {
		r, _ := New(pr[0], pr[1], 1)
		la := int64(r.Lookahead())
		src := audio.NewBuffer(1, 1)
		dst := audio.NewBuffer(1, 64)
		var in, out int64
		for in < 3*la+1000 {
			p, c := r.Process(dst, src)
			out += int64(p)
			in += int64(c)
			if c == 0 {
				t.Fatalf("%v: input not consumed", pr)
			}
			// The outputs whose frames up to ⌊k·in/out⌋ + la are in:
			// ⌊k·in/out⌋ <= in − 1 − la.
			if lim := in - 1 - la; lim >= 0 {
				want := (lim + 1) * int64(pr[1]) / int64(pr[0]) // k·in/out < lim+1
				if (lim+1)*int64(pr[1])%int64(pr[0]) != 0 {
					want++
				}
				if out < want {
					t.Fatalf("%v: after %d input frames %d outputs, want at least %d (Lookahead %d)", pr, in, out, want, la)
				}
			}
		}
	}
}

func ExampleResampler() {
	// Convert one second of a 1 kHz stereo sine from 44.1 kHz to 48 kHz,
	// streaming it through in blocks of 1000 frames.
	src := synth.Sine(44100, 2, 44100, 1000, 0.5, 0)
	r, err := New(44100, 48000, 2)
	if err != nil {
		panic(err)
	}
	dst := audio.NewBuffer(2, 2048)
	in, out := make(audio.Buffer, 2), make(audio.Buffer, 2)
	total := 0
	for pos := 0; pos < src.Frames(); {
		end := min(pos+1000, src.Frames())
		produced, consumed := r.Process(dst, src.Slice(in, pos, end))
		_ = dst.Head(out, produced) // write these frames somewhere
		total += produced
		pos += consumed
	}
	for {
		produced, done := r.Flush(dst)
		total += produced
		if done {
			break
		}
	}
	fmt.Println(total, OutputLength(44100, 44100, 48000))
	// Output: 48000 48000
}

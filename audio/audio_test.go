package audio_test

import (
	"errors"
	"math"
	"math/cmplx"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/internal/synth"
)

// Every integer layout round-trips exactly through float32 for values on
// the grid, in both byte orders.
func TestPCMRoundTrip(t *testing.T) {
	for _, p := range []audio.PCM{
		{Type: audio.SampleInt, Bytes: 1, Unsigned8: true}, {Type: audio.SampleInt, Bytes: 1},
		{Type: audio.SampleInt, Bytes: 2}, {Type: audio.SampleInt, Bytes: 2, BigEndian: true},
		{Type: audio.SampleInt, Bytes: 3}, {Type: audio.SampleInt, Bytes: 3, BigEndian: true},
		{Type: audio.SampleFloat, Bytes: 4}, {Type: audio.SampleFloat, Bytes: 8, BigEndian: true},
	} {
		for _, nc := range []int{1, 2, 3} {
			bits := p.Bytes * 8
			if p.Type == audio.SampleFloat {
				bits = 24
			}
			src := synth.WhiteNoise(48000, nc, 257, 0.4, 3)
			s := math.Ldexp(1, bits-1)
			for c := range src {
				for i, v := range src[c] {
					src[c][i] = float32(math.Max(-s, math.Min(s-1, math.Round(float64(v)*s))) / s)
				}
			}
			var q *audio.Quantizer
			if p.Type == audio.SampleInt {
				q = audio.NewQuantizer(bits, nc, 48000, audio.DitherNone, 0)
			}
			raw := audio.EncodePCM(make([]byte, 257*nc*p.Bytes), src, p, q)
			got := audio.NewBuffer(nc, 257)
			audio.DecodePCM(got, raw, p)
			for c := range src {
				for i := range src[c] {
					if got[c][i] != src[c][i] {
						t.Fatalf("%+v %d ch: sample %d/%d %v != %v", p, nc, c, i, got[c][i], src[c][i])
					}
				}
			}
		}
	}
}

func TestDecodeSanitizesFloats(t *testing.T) {
	raw := []byte{0, 0, 0xc0, 0x7f, 0, 0, 0x80, 0x7f, 0, 0, 0x80, 0xff} // NaN, +Inf, -Inf
	b := audio.NewBuffer(1, 3)
	audio.DecodePCM(b, raw, audio.PCM{Type: audio.SampleFloat, Bytes: 4})
	if b[0][0] != 0 || b[0][1] != audio.MaxFloatSample || b[0][2] != -audio.MaxFloatSample {
		t.Fatalf("got %v", b[0])
	}
}

// Noise shaping moves dither noise out of the 1-6 kHz band (where hearing
// is most sensitive) at the cost of more total noise, as designed.
func TestShapedDitherSpectrum(t *testing.T) {
	const n, rate = 1 << 15, 44100
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(0.3 * math.Sin(2*math.Pi*440*float64(i)/rate))
	}
	bandPower := func(d audio.Dither) (mid, total float64) {
		q := audio.NewQuantizer(16, 1, rate, d, 9)
		y := q.Quantize(make([]int32, n), x, 0)
		e := make([]complex128, n)
		for i := range e {
			w := 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/n)
			e[i] = complex((float64(y[i])/32768-float64(x[i]))*w, 0)
		}
		spec := dft(e)
		for k := 1; k < n/2; k++ {
			p := cmplx.Abs(spec[k]) * cmplx.Abs(spec[k])
			f := float64(k) * rate / n
			total += p
			if f >= 1000 && f <= 6000 {
				mid += p
			}
		}
		return
	}
	midT, totT := bandPower(audio.DitherTPDF)
	midS, totS := bandPower(audio.DitherShaped)
	gain := 10 * math.Log10(midT/midS)
	if gain < 6 {
		t.Errorf("shaping lowers 1-6 kHz noise by only %.1f dB", gain)
	}
	if totS <= totT {
		t.Errorf("shaped total noise %.3g not above flat %.3g", totS, totT)
	}
}

// dft is a radix-2 FFT, enough for the test.
func dft(x []complex128) []complex128 {
	n := len(x)
	if n == 1 {
		return []complex128{x[0]}
	}
	even, odd := make([]complex128, n/2), make([]complex128, n/2)
	for i := 0; i < n/2; i++ {
		even[i], odd[i] = x[2*i], x[2*i+1]
	}
	e, o := dft(even), dft(odd)
	out := make([]complex128, n)
	for k := 0; k < n/2; k++ {
		w := cmplx.Exp(complex(0, -2*math.Pi*float64(k)/float64(n))) * o[k]
		out[k], out[k+n/2] = e[k]+w, e[k]-w
	}
	return out
}

func TestQuantizerDeterministicAcrossBlocks(t *testing.T) {
	x := synth.PinkNoise(44100, 1, 10000, 0.3, 2)[0]
	whole := audio.NewQuantizer(16, 1, 44100, audio.DitherShaped, 5).Quantize(make([]int32, len(x)), x, 0)
	q := audio.NewQuantizer(16, 1, 44100, audio.DitherShaped, 5)
	for off := 0; off < len(x); off += 333 {
		end := min(off+333, len(x))
		part := q.Quantize(make([]int32, end-off), x[off:end], 0)
		for i, v := range part {
			if v != whole[off+i] {
				t.Fatalf("sample %d differs across block sizes", off+i)
			}
		}
	}
}

func TestLayouts(t *testing.T) {
	if got := audio.Layout5_1.Speakers(); len(got) != 6 || got[3] != audio.LowFrequency {
		t.Fatalf("5.1 speakers %v", got)
	}
	if audio.Layout5_1.String() != "5.1" || audio.Layout(0x3F|0x100).String() != "FL+FR+FC+LFE+BL+BR+BC" {
		t.Fatalf("names %q %q", audio.Layout5_1, audio.Layout(0x3F|0x100))
	}
	if err := (audio.Format{SampleRate: 48000, Channels: 2, Layout: audio.Layout5_1}).Validate(); !errors.Is(err, audio.ErrCorrupt) {
		t.Fatalf("layout/channel mismatch accepted: %v", err)
	}
	for _, f := range []audio.Format{{SampleRate: 48000, Channels: 0}, {SampleRate: 48000, Channels: 65}, {SampleRate: 10, Channels: 2}, {SampleRate: 48000, Channels: 2, Type: audio.SampleFloat, Bits: 16}} {
		if err := f.Validate(); !errors.Is(err, audio.ErrUnsupported) {
			t.Errorf("%+v: %v", f, err)
		}
	}
}

package flac

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/mewkiz/flac/frame"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/internal/synth"
)

// signal kinds for the round-trip matrix.
const (
	kindSong    = "song"    // music-like material
	kindSilence = "silence" // digital zero
	kindSquare  = "square"  // full-scale square waves (both rails)
	kindNoise   = "noise"   // uniform white noise over the full range: incompressible
	kindWasted  = "wasted"  // song with the low 8 bits zero (16-bit content in 24 bits)
)

// gen returns frames of the given kind for channels channels of bits-bit
// integers.
func gen(kind string, channels, frames, bits int, seed uint64) [][]int32 {
	out := make([][]int32, channels)
	for c := range out {
		out[c] = make([]int32, frames)
	}
	hi, lo := int32(1)<<(bits-1)-1, -int32(1)<<(bits-1)
	switch kind {
	case kindSong, kindWasted:
		b := bits
		if kind == kindWasted {
			b = bits - 8
		}
		s := synth.NewSong(44100, float64(frames)/44100+0.01, seed)
		buf := audio.NewBuffer(2, frames)
		if _, err := audio.ReadFull(s, buf); err != nil {
			panic(err)
		}
		st := quantize(buf, b)
		for c := range out {
			for i := range out[c] {
				l, r := st[0][i], st[1][i]
				var v int32
				switch c % 6 {
				case 0:
					v = l
				case 1:
					v = r
				case 2:
					v = (l + r) / 2
				case 3:
					v = l / 4
				case 4:
					v = r / 2
				case 5:
					v = -l / 3
				}
				if kind == kindWasted {
					v <<= 8
				}
				out[c][i] = v
			}
		}
	case kindSquare:
		for c := range out {
			period := 50 + 7*c
			for i := range out[c] {
				if (i/(period/2))%2 == 0 {
					out[c][i] = hi
				} else {
					out[c][i] = lo
				}
			}
		}
	case kindNoise:
		r := synth.NewRand(seed)
		for c := range out {
			for i := range out[c] {
				out[c][i] = lo + int32(r.Uint64()%uint64(int64(hi)-int64(lo)+1))
			}
		}
	}
	return out
}

// roundTripCase is one entry of the round-trip matrix.
type roundTripCase struct {
	kind             string
	channels, frames int
	bits             int
}

func (c roundTripCase) name() string {
	return fmt.Sprintf("%s/%dch/%dbit/%d", c.kind, c.channels, c.bits, c.frames)
}

// roundTripMatrix lists every combination the round-trip tests cover.
func roundTripMatrix() []roundTripCase {
	var cs []roundTripCase
	for _, kind := range []string{kindSong, kindSilence, kindSquare, kindNoise, kindWasted} {
		for _, ch := range []int{1, 2, 6} {
			for _, bits := range []int{16, 24} {
				for _, n := range []int{1, 4095, 4097} {
					if kind == kindWasted && bits == 16 {
						continue
					}
					cs = append(cs, roundTripCase{kind, ch, n, bits})
				}
			}
		}
	}
	return cs
}

func TestRoundTrip(t *testing.T) {
	for i, c := range roundTripMatrix() {
		t.Run(c.name(), func(t *testing.T) {
			ints := gen(c.kind, c.channels, c.frames, c.bits, uint64(i))
			data := encodeInts(t, ints, c.bits, 44100, Options{}, 0)
			got, f, err := decodeInts(t, data)
			if err != nil {
				t.Fatal(err)
			}
			compareInts(t, got, ints)
			want := audio.Format{SampleRate: 44100, Channels: c.channels, Layout: flacLayout(c.channels), Type: audio.SampleInt, Bits: c.bits}
			if f != want {
				t.Errorf("format %+v, want %+v", f, want)
			}
			d, _ := NewDecoder(bytes.NewReader(data))
			if d.Length() != int64(c.frames) {
				t.Errorf("Length() = %d, want %d", d.Length(), c.frames)
			}

			st := inspect(t, data)
			pcm := c.frames * c.channels * c.bits / 8
			switch c.kind {
			case kindNoise:
				// Nothing predicts white noise: every subframe of more than
				// one frame must be stored verbatim, and the file may exceed
				// the PCM only by headers.
				if st.preds[frame.PredFixed]+st.preds[frame.PredFIR] != 0 {
					t.Errorf("white noise coded with predictors: %v", st.preds)
				}
				overhead := 42 + len(st.frameSizes)*(16+c.channels)
				if len(data) > pcm+overhead {
					t.Errorf("white noise: %d bytes for %d bytes of PCM", len(data), pcm)
				}
			case kindSilence:
				if len(data) > 42+len(st.frameSizes)*(16+c.channels*4) {
					t.Errorf("silence: %d bytes for %d frames", len(data), len(st.frameSizes))
				}
			case kindSquare:
				// Rice codes handle the rare full-scale steps poorly (as in
				// the reference encoder), but must still beat verbatim.
				if c.frames > 1 && len(data) > pcm {
					t.Errorf("square: %d bytes for %d bytes of PCM", len(data), pcm)
				}
			case kindWasted:
				// The zero low byte must not be coded.
				if c.frames > 1 && len(data) > pcm*2/3 {
					t.Errorf("wasted bits: %d bytes for %d bytes of PCM", len(data), pcm)
				}
			}
		})
	}
}

// TestStreamInfo checks the STREAMINFO our encoder writes against the stream
// itself, parsed by mewkiz.
func TestStreamInfo(t *testing.T) {
	ints := gen(kindSong, 2, 3*4096+100, 16, 9)
	data := encodeInts(t, ints, 16, 48000, Options{}, 0)
	st := inspect(t, data)
	si := st.info
	if si.total != uint64(len(ints[0])) || si.rate != 48000 || si.channels != 2 || si.bps != 16 {
		t.Errorf("STREAMINFO %+v", si)
	}
	if si.minBlock != 4096 || si.maxBlock != 4096 {
		t.Errorf("block sizes %d..%d, want 4096", si.minBlock, si.maxBlock)
	}
	if len(st.frameSizes) != 4 {
		t.Fatalf("%d frames, want 4", len(st.frameSizes))
	}
	lo, hi := st.frameSizes[0], st.frameSizes[0]
	for _, s := range st.frameSizes {
		lo, hi = min(lo, s), max(hi, s)
	}
	if si.minFrame != lo || si.maxFrame != hi {
		t.Errorf("frame sizes %d..%d in STREAMINFO, actual %d..%d", si.minFrame, si.maxFrame, lo, hi)
	}
	if len(st.assign) < 2 {
		t.Logf("stereo modes used: %v", st.assign)
	}
}

// TestChunkingInvariance checks that the bytes written do not depend on how
// the input is split across WriteFrames calls.
func TestChunkingInvariance(t *testing.T) {
	ints := gen(kindSong, 2, 10000, 16, 3)
	want := encodeInts(t, ints, 16, 44100, Options{}, 0)
	for _, chunk := range []int{1, 7, 4095, 4096, 4097} {
		got := encodeInts(t, ints, 16, 44100, Options{}, chunk)
		if !bytes.Equal(got, want) {
			t.Errorf("chunks of %d frames give different output", chunk)
		}
	}
}

// TestLevels checks every level round-trips and that effort buys size.
func TestLevels(t *testing.T) {
	ints := gen(kindSong, 2, 2*44100, 16, 4)
	sizes := map[int]int{}
	for lv := 0; lv <= 8; lv++ {
		data := encodeInts(t, ints, 16, 44100, Options{Level: lv}, 0)
		got, _, err := decodeInts(t, data)
		if err != nil {
			t.Fatalf("level %d: %v", lv, err)
		}
		compareInts(t, got, ints)
		sizes[lv] = len(data)
	}
	t.Logf("sizes by level: %v", sizes)
	if sizes[0] != sizes[5] {
		t.Errorf("level 0 (%d bytes) differs from level 5 (%d)", sizes[0], sizes[5])
	}
	if !(sizes[8] <= sizes[5] && sizes[5] < sizes[2] && sizes[2] <= sizes[1]) {
		t.Errorf("sizes do not fall with level: %v", sizes)
	}
}

// TestBlockSizes round-trips unusual block sizes, including the extremes.
func TestBlockSizes(t *testing.T) {
	ints := gen(kindSong, 2, 70000, 16, 5)
	for _, bs := range []int{16, 192, 1000, 1152, 4608, 65535} {
		data := encodeInts(t, ints, 16, 44100, Options{BlockSize: bs}, 0)
		got, _, err := decodeInts(t, data)
		if err != nil {
			t.Fatalf("block size %d: %v", bs, err)
		}
		compareInts(t, got, ints)
	}
}

// TestDepthsAndRates covers the other depths a frame header can name and
// sample rates coded in every way a frame header allows (or not at all).
func TestDepthsAndRates(t *testing.T) {
	for _, bits := range []int{8, 12, 20} {
		ints := gen(kindSong, 2, 5000, bits, 6)
		got, f, err := decodeInts(t, encodeInts(t, ints, bits, 44100, Options{}, 0))
		if err != nil {
			t.Fatalf("%d-bit: %v", bits, err)
		}
		compareInts(t, got, ints)
		if f.Bits != bits {
			t.Errorf("%d-bit stream decodes as %d-bit", bits, f.Bits)
		}
	}
	for _, rate := range []int{8000, 11025, 22050, 44100, 96000, 192000, 200000, 384000, 705600, 1000001} {
		ints := gen(kindSong, 1, 3000, 16, 7)
		got, f, err := decodeInts(t, encodeInts(t, ints, 16, rate, Options{}, 0))
		if err != nil {
			t.Fatalf("%d Hz: %v", rate, err)
		}
		compareInts(t, got, ints)
		if f.SampleRate != rate {
			t.Errorf("%d Hz stream decodes as %d Hz", rate, f.SampleRate)
		}
	}
}

// TestLayout checks that a non-default channel layout survives a round trip
// and that the default one is reported for plain streams.
func TestLayout(t *testing.T) {
	ints := gen(kindSong, 6, 1000, 16, 8)
	for _, l := range []audio.Layout{0, audio.Layout5_1, audio.Layout5_1Side} {
		var m memFile
		e, err := NewEncoder(&m, audio.Format{SampleRate: 48000, Channels: 6, Layout: l, Bits: 16}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.WriteFrames(toFloat(ints, 16)); err != nil {
			t.Fatal(err)
		}
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
		got, f, err := decodeInts(t, m.b)
		if err != nil {
			t.Fatal(err)
		}
		compareInts(t, got, ints)
		want := l
		if want == 0 {
			want = audio.Layout5_1
		}
		if f.Layout != want {
			t.Errorf("layout %v decodes as %v", l, f.Layout)
		}
	}
}

// TestDither checks that dither changes the output only by about an LSB and
// is reproducible from its seed.
func TestDither(t *testing.T) {
	ints := gen(kindSong, 2, 5000, 24, 10)
	buf := toFloat(ints, 24) // 24-bit material, reduced to 16 bits below
	enc := func(seed uint64) []byte {
		var m memFile
		e, err := NewEncoder(&m, audio.Format{SampleRate: 44100, Channels: 2, Bits: 16}, Options{Dither: audio.DitherTPDF, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.WriteFrames(buf); err != nil {
			t.Fatal(err)
		}
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
		return m.b
	}
	a, b, c := enc(1), enc(1), enc(2)
	if !bytes.Equal(a, b) {
		t.Error("same seed, different output")
	}
	if bytes.Equal(a, c) {
		t.Error("different seeds, same output")
	}
	got, _, err := decodeInts(t, a)
	if err != nil {
		t.Fatal(err)
	}
	for ch := range got {
		for i, v := range got[ch] {
			if d := float64(v) - float64(ints[ch][i])/256; d > 1.5 || d < -1.5 {
				t.Fatalf("channel %d frame %d: dithered %d from %d/256", ch, i, v, ints[ch][i])
			}
		}
	}
}

// TestReencodeDecoded checks the property the package promises: decoding a
// file and encoding the decoded floats again at the same depth without dither
// reproduces the samples (here through the Reader/Writer interfaces only).
func TestReencodeDecoded(t *testing.T) {
	for _, bits := range []int{16, 24} {
		ints := gen(kindSong, 2, 9000, bits, 11)
		first := encodeInts(t, ints, bits, 44100, Options{Level: 1}, 0)
		d, err := NewDecoder(bytes.NewReader(first))
		if err != nil {
			t.Fatal(err)
		}
		var m memFile
		e, err := NewEncoder(&m, d.Format(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := audio.CopyFrames(e, d, 1000, nil); err != nil {
			t.Fatal(err)
		}
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
		got, _, err := decodeInts(t, m.b)
		if err != nil {
			t.Fatal(err)
		}
		compareInts(t, got, ints)
		if e.Clipped() != 0 {
			t.Errorf("%d samples clipped", e.Clipped())
		}
	}
}

// TestEmptyStream encodes no audio at all.
func TestEmptyStream(t *testing.T) {
	var m memFile
	e, err := NewEncoder(&m, audio.Format{SampleRate: 44100, Channels: 2, Bits: 16}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	d, err := NewDecoder(bytes.NewReader(m.b))
	if err != nil {
		t.Fatal(err)
	}
	if n, err := d.ReadFrames(audio.NewBuffer(2, 10)); n != 0 || err == nil {
		t.Errorf("ReadFrames on an empty stream = %d, %v", n, err)
	}
	if d.Length() != -1 {
		t.Errorf("Length() = %d, want -1 (unknown) for an empty stream", d.Length())
	}
}

// TestEncoderAtOffset writes a stream after other data in the same file.
func TestEncoderAtOffset(t *testing.T) {
	ints := gen(kindSong, 2, 5000, 16, 12)
	m := memFile{b: []byte("prefix-bytes")}
	m.pos = int64(len(m.b))
	e, err := NewEncoder(&m, audio.Format{SampleRate: 44100, Channels: 2, Bits: 16}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.WriteFrames(toFloat(ints, 16)); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if m.pos != int64(len(m.b)) {
		t.Errorf("Close left the writer at %d of %d", m.pos, len(m.b))
	}
	if string(m.b[:12]) != "prefix-bytes" {
		t.Fatal("prefix overwritten")
	}
	got, _, err := decodeInts(t, m.b[12:])
	if err != nil {
		t.Fatal(err)
	}
	compareInts(t, got, ints)
}

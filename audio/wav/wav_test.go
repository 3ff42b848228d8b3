package wav

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/internal/synth"
	"github.com/mixdown/mixdown/internal/testutil"
)

// onGrid returns noise quantized to bits so that it survives an undithered
// round trip exactly.
func onGrid(channels, frames, bits int, seed uint64) audio.Buffer {
	b := synth.WhiteNoise(48000, channels, frames, 0.3, seed)
	s := math.Ldexp(1, bits-1)
	for c := range b {
		for i, v := range b[c] {
			x := math.Round(float64(v) * s)
			x = math.Max(-s, math.Min(s-1, x))
			b[c][i] = float32(x / s)
		}
	}
	return b
}

func encode(t testing.TB, f audio.Format, src audio.Buffer, opt Options) []byte {
	t.Helper()
	var m testutil.MemFile
	e, err := NewEncoder(&m, f, opt)
	if err != nil {
		t.Fatal(err)
	}
	// Write in uneven blocks to exercise block handling.
	hdr := make(audio.Buffer, len(src))
	for off := 0; off < src.Frames(); {
		n := min(777, src.Frames()-off)
		if err := e.WriteFrames(src.Slice(hdr, off, off+n)); err != nil {
			t.Fatal(err)
		}
		off += n
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	return m.Data
}

func decode(t testing.TB, data []byte, block int) (*Decoder, audio.Buffer) {
	t.Helper()
	d, err := NewDecoder(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return d, testutil.ReadAll(t, d, block)
}

func TestRoundTripExact(t *testing.T) {
	cases := []struct {
		typ      audio.SampleType
		bits     int
		channels int
	}{
		{audio.SampleInt, 8, 1}, {audio.SampleInt, 16, 2}, {audio.SampleInt, 24, 2},
		{audio.SampleInt, 24, 6}, {audio.SampleInt, 16, 3}, {audio.SampleFloat, 32, 2},
		{audio.SampleFloat, 64, 1}, {audio.SampleFloat, 32, 8},
	}
	for _, c := range cases {
		for _, frames := range []int{0, 1, 1001} {
			t.Run(fmt.Sprintf("%s%d_%dch_%d", c.typ, c.bits, c.channels, frames), func(t *testing.T) {
				bits := c.bits
				if c.typ == audio.SampleFloat {
					bits = 24 // any float32 value round-trips; use grid values anyway
				}
				src := onGrid(c.channels, frames, bits, 7)
				f := audio.Format{SampleRate: 44100, Channels: c.channels, Type: c.typ, Bits: c.bits}
				data := encode(t, f, src, Options{})
				d, got := decode(t, data, 500)
				if d.Format().Bits != c.bits || d.Format().Type != c.typ || d.Format().Channels != c.channels {
					t.Fatalf("format %v, want %v", d.Format(), f)
				}
				if d.Length() != int64(frames) {
					t.Fatalf("Length %d, want %d", d.Length(), frames)
				}
				if diff := testutil.MaxAbsDiff(t, src, got); diff != 0 {
					t.Fatalf("round trip differs by %g", diff)
				}
			})
		}
	}
}

func TestInt32RoundTripWithinFloat32Precision(t *testing.T) {
	src := synth.Sine(48000, 2, 4800, 997, 0.9, 0)
	data := encode(t, audio.Format{SampleRate: 48000, Channels: 2, Type: audio.SampleInt, Bits: 32}, src, Options{})
	_, got := decode(t, data, 0)
	if diff := testutil.MaxAbsDiff(t, src, got); diff > 1.0/(1<<24) {
		t.Fatalf("32-bit round trip differs by %g", diff)
	}
}

func TestClippingAndDither(t *testing.T) {
	// Over-full-scale samples clip to the integer range and are counted.
	src := audio.Buffer{{1.5, -1.5, 0.25, 1.0}}
	var m testutil.MemFile
	e, err := NewEncoder(&m, audio.Format{SampleRate: 8000, Channels: 1, Type: audio.SampleInt, Bits: 16}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.WriteFrames(src); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if e.Clipped() != 3 {
		t.Fatalf("clipped %d samples, want 3 (1.5, -1.5 and 1.0)", e.Clipped())
	}
	_, got := decode(t, m.Data, 0)
	want := []float32{32767.0 / 32768, -1, 0.25, 32767.0 / 32768}
	for i := range want {
		if got[0][i] != want[i] {
			t.Fatalf("sample %d = %v, want %v", i, got[0][i], want[i])
		}
	}

	// TPDF dither to 16 bits: error is zero-mean with variance 1/4 LSB² (rounding
	// 1/12 plus triangular dither 1/6) and uncorrelated with the signal.
	sine := synth.Sine(48000, 1, 48000, 1000, 0.5, 0.3)
	data := encode(t, audio.Format{SampleRate: 48000, Channels: 1, Type: audio.SampleInt, Bits: 16}, sine, Options{Dither: audio.DitherTPDF, Seed: 1})
	_, dq := decode(t, data, 0)
	var mean, vari float64
	for i := range sine[0] {
		e := (float64(dq[0][i]) - float64(sine[0][i])) * 32768
		mean += e
		vari += e * e
	}
	mean /= 48000
	vari /= 48000
	if math.Abs(mean) > 0.01 || math.Abs(vari-0.25) > 0.01 {
		t.Fatalf("TPDF error mean %.4f LSB, variance %.4f LSB² (want 0, 0.25)", mean, vari)
	}
}

func TestHeaderLayout(t *testing.T) {
	src := onGrid(2, 3, 24, 1) // 3 frames of 24-bit stereo: 18 data bytes
	data := encode(t, audio.Format{SampleRate: 96000, Channels: 2, Type: audio.SampleInt, Bits: 24}, src, Options{})
	if string(data[:4]) != "RIFF" || string(data[12:16]) != "JUNK" {
		t.Fatalf("header starts %q", data[:16])
	}
	if got := binary.LittleEndian.Uint32(data[4:]); int(got) != len(data)-8 {
		t.Fatalf("RIFF size %d, file %d", got, len(data))
	}
	// Odd data size gets a pad byte.
	mono := onGrid(1, 3, 8, 1)
	data = encode(t, audio.Format{SampleRate: 8000, Channels: 1, Type: audio.SampleInt, Bits: 8}, mono, Options{})
	if len(data)%2 != 0 {
		t.Fatalf("file length %d is odd: missing pad byte", len(data))
	}
	if got := binary.LittleEndian.Uint32(data[len(data)-8:]); got != 3 && binary.LittleEndian.Uint32(data[len(data)-12:]) != 3 {
		t.Logf("data size field checked by decode below")
	}
	d, got := decode(t, data, 0)
	if d.Length() != 3 || testutil.MaxAbsDiff(t, mono, got) != 0 {
		t.Fatal("8-bit odd-length file did not round-trip")
	}
}

// buildWAV assembles a WAVE file from raw chunks, adding pad bytes.
func buildWAV(id string, chunks ...[]byte) []byte {
	var body []byte
	body = append(body, "WAVE"...)
	for _, c := range chunks {
		body = append(body, c...)
		if len(c)%2 == 1 {
			body = append(body, 0)
		}
	}
	out := append([]byte(id), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...)
	return append(out, body...)
}

func chunk(id string, payload []byte) []byte {
	b := append([]byte(id), binary.LittleEndian.AppendUint32(nil, uint32(len(payload)))...)
	return append(b, payload...)
}

func fmtPCM(tag, channels, rate, bits int) []byte {
	le := binary.LittleEndian
	b := le.AppendUint16(nil, uint16(tag))
	b = le.AppendUint16(b, uint16(channels))
	b = le.AppendUint32(b, uint32(rate))
	ba := channels * ((bits + 7) / 8)
	b = le.AppendUint32(b, uint32(rate*ba))
	b = le.AppendUint16(b, uint16(ba))
	return le.AppendUint16(b, uint16(bits))
}

func TestUnknownAndOddChunksSkipped(t *testing.T) {
	pcm := []byte{0x00, 0x40, 0x00, 0xC0} // 16-bit mono: 0.5, -0.5
	file := buildWAV("RIFF",
		chunk("bext", []byte("odd")), // odd size, padded
		chunk("fmt ", fmtPCM(1, 1, 44100, 16)),
		chunk("LIST", []byte("INFOsome text!")),
		chunk("data", pcm),
	)
	for _, seekable := range []bool{true, false} {
		var r io.Reader = bytes.NewReader(file)
		if !seekable {
			r = io.MultiReader(r) // hides Seek
		}
		d, err := NewDecoder(r)
		if err != nil {
			t.Fatal(err)
		}
		got := testutil.ReadAll(t, d, 0)
		if got.Frames() != 2 || got[0][0] != 0.5 || got[0][1] != -0.5 {
			t.Fatalf("seekable=%v: got %v", seekable, got)
		}
	}
}

func TestExtensibleMaskAndValidBits(t *testing.T) {
	le := binary.LittleEndian
	// 20 valid bits in 24-bit containers, 5.1 side layout.
	f := fmtPCM(tagExtensible, 6, 48000, 24)
	f = le.AppendUint16(f, 22)
	f = le.AppendUint16(f, 20)
	f = le.AppendUint32(f, uint32(audio.Layout5_1Side))
	f = le.AppendUint16(f, tagPCM)
	f = append(f, guidTail[:]...)
	frame := make([]byte, 18)
	frame[2] = 0x40 // channel 0 = 0.5
	file := buildWAV("RIFF", chunk("fmt ", f), chunk("data", frame))
	d, err := NewDecoder(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if d.Format().Layout != audio.Layout5_1Side || d.Format().Bits != 20 {
		t.Fatalf("format %+v", d.Format())
	}
	got := testutil.ReadAll(t, d, 0)
	if got[0][0] != 0.5 {
		t.Fatalf("sample %v", got[0][0])
	}
	// Our encoder writes the mask back.
	data := encode(t, d.Format(), got, Options{})
	d2, _ := decode(t, data, 0)
	if d2.Format().Layout != audio.Layout5_1Side {
		t.Fatalf("layout not preserved: %v", d2.Format().Layout)
	}
}

func TestRF64(t *testing.T) {
	old := maxRIFFSize
	maxRIFFSize = 1000
	defer func() { maxRIFFSize = old }()
	src := onGrid(2, 1000, 16, 3)
	data := encode(t, audio.Format{SampleRate: 44100, Channels: 2, Type: audio.SampleInt, Bits: 16}, src, Options{})
	if string(data[:4]) != "RF64" || string(data[12:16]) != "ds64" {
		t.Fatalf("header %q, want RF64 with ds64", data[:16])
	}
	if got := binary.LittleEndian.Uint64(data[28:]); got != 4000 {
		t.Fatalf("ds64 data size %d, want 4000", got)
	}
	d, got := decode(t, data, 333)
	if d.Container() != "RF64" || d.Length() != 1000 || testutil.MaxAbsDiff(t, src, got) != 0 {
		t.Fatal("RF64 did not round-trip")
	}
	// An independent reader agrees.
	path := filepath.Join(t.TempDir(), "x.wav")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	ff := testutil.FFmpegDecode(t, path, 2)
	if diff := testutil.MaxAbsDiff(t, src, ff); diff != 0 {
		t.Fatalf("ffmpeg reads our RF64 differently: %g", diff)
	}
}

// TestRF64Past4GiB writes a real 4.1 GiB file and checks that the switch to
// RF64 happens by itself and that ffmpeg reads the whole length.
func TestRF64Past4GiB(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 4.1 GiB")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "big.wav")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const rate = 48000
	e, err := NewEncoder(f, audio.Format{SampleRate: rate, Channels: 2, Type: audio.SampleFloat, Bits: 32}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	buf := audio.NewBuffer(2, 1<<20)
	total := int64(0)
	want := int64(4<<30)/8 + rate*10 // 10 s past 4 GiB of data
	for total < want {
		n := int(min(int64(buf.Frames()), want-total))
		hdr := make(audio.Buffer, 2)
		if n == buf.Frames() {
			buf[0][0] = float32(total%1000) / 1000 // mark each block
		}
		if err := e.WriteFrames(buf.Head(hdr, n)); err != nil {
			t.Fatal(err)
		}
		total += int64(n)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	d, err := NewDecoder(f)
	if err != nil {
		t.Fatal(err)
	}
	if d.Container() != "RF64" || d.Length() != want {
		t.Fatalf("container %s length %d, want RF64 %d", d.Container(), d.Length(), want)
	}
	ff := testutil.Tool(t, "ffprobe")
	out := testutil.Run(t, ff, "-v", "error", "-show_entries", "stream=duration_ts", "-of", "csv=p=0", path)
	if got := string(bytes.TrimSpace(out)); got != fmt.Sprint(want) {
		t.Fatalf("ffprobe says %s frames, want %d", got, want)
	}
}

func TestInteropWithFFmpegAndSox(t *testing.T) {
	ffmpeg := testutil.Tool(t, "ffmpeg")
	sox := testutil.Tool(t, "sox")
	dir := t.TempDir()
	// A reference signal made by an independent tool.
	ref := filepath.Join(dir, "ref.wav")
	testutil.Run(t, sox, "-n", "-r", "48000", "-b", "24", "-c", "2", ref, "synth", "1.3", "sine", "440", "sine", "3000", "vol", "0.8")
	codecs := []string{"pcm_u8", "pcm_s16le", "pcm_s24le", "pcm_s32le", "pcm_f32le", "pcm_f64le"}
	for _, codec := range codecs {
		for _, extra := range [][]string{nil, {"-rf64", "always"}, {"-ac", "6"}} {
			name := fmt.Sprintf("%s%v", codec, extra)
			t.Run(name, func(t *testing.T) {
				path := filepath.Join(dir, "x.wav")
				args := append([]string{"-v", "error", "-y", "-i", ref, "-c:a", codec}, extra...)
				testutil.Run(t, ffmpeg, append(args, path)...)
				raw, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				d, err := NewDecoder(bytes.NewReader(raw))
				if err != nil {
					t.Fatal(err)
				}
				got := testutil.ReadAll(t, d, 1000)
				want := testutil.FFmpegDecode(t, path, d.Format().Channels)
				if diff := testutil.MaxAbsDiff(t, want, got); diff > 1e-7 {
					t.Fatalf("differs from ffmpeg's decode by %g", diff)
				}
			})
		}
	}
	// sox reads what we write: same samples after a round trip through sox.
	for _, bits := range []int{16, 24} {
		src := onGrid(2, 4410, bits, 9)
		data := encode(t, audio.Format{SampleRate: 44100, Channels: 2, Type: audio.SampleInt, Bits: bits}, src, Options{})
		in := filepath.Join(dir, "ours.wav")
		out := filepath.Join(dir, "sox.wav")
		if err := os.WriteFile(in, data, 0o644); err != nil {
			t.Fatal(err)
		}
		testutil.Run(t, sox, in, out)
		raw, _ := os.ReadFile(out)
		_, got := decode(t, raw, 0)
		if diff := testutil.MaxAbsDiff(t, src, got); diff != 0 {
			t.Fatalf("%d-bit: sox copy differs by %g", bits, diff)
		}
	}
}

func TestBadInput(t *testing.T) {
	good := encode(t, audio.Format{SampleRate: 44100, Channels: 2, Type: audio.SampleInt, Bits: 16}, onGrid(2, 100, 16, 1), Options{})
	le := binary.LittleEndian
	withFmt := func(f []byte) []byte { return buildWAV("RIFF", chunk("fmt ", f), chunk("data", make([]byte, 8))) }
	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, audio.ErrNotAudio},
		{"text", []byte("hello, this is not a wave file at all"), audio.ErrNotAudio},
		{"riff-avi", append([]byte("RIFF\x10\x00\x00\x00AVI "), make([]byte, 16)...), audio.ErrNotAudio},
		{"no-fmt", buildWAV("RIFF", chunk("data", make([]byte, 4))), audio.ErrCorrupt},
		{"no-data", buildWAV("RIFF", chunk("fmt ", fmtPCM(1, 2, 44100, 16))), audio.ErrCorrupt},
		{"zero-channels", withFmt(fmtPCM(1, 0, 44100, 16)), audio.ErrCorrupt},
		{"65535-channels", withFmt(fmtPCM(1, 65535, 44100, 16)), audio.ErrUnsupported},
		{"rate-0", withFmt(fmtPCM(1, 2, 0, 16)), audio.ErrUnsupported},
		{"rate-4G", withFmt(fmtPCM(1, 2, 0xFFFFFFF0, 16)), audio.ErrUnsupported},
		{"bits-0", withFmt(fmtPCM(1, 2, 44100, 0)), audio.ErrUnsupported},
		{"bits-48", withFmt(fmtPCM(1, 2, 44100, 48)), audio.ErrUnsupported},
		{"float-16", withFmt(fmtPCM(3, 2, 44100, 16)), audio.ErrUnsupported},
		{"mp3-tag", withFmt(fmtPCM(0x55, 2, 44100, 16)), audio.ErrUnsupported},
		{"short-fmt", buildWAV("RIFF", chunk("fmt ", make([]byte, 10)), chunk("data", nil)), audio.ErrCorrupt},
		{"bad-blockalign", withFmt(le.AppendUint16(fmtPCM(1, 2, 44100, 16)[:12], 7)), audio.ErrCorrupt},
		{"chunk-beyond-end", append(good[:36], []byte("LIST\xff\xff\xff\x7f")...), io.ErrUnexpectedEOF},
		{"truncated-data", good[:len(good)-3], io.ErrUnexpectedEOF},
		{"truncated-header", good[:30], io.ErrUnexpectedEOF},
		{"rf64-no-ds64", buildWAV("RF64", chunk("fmt ", fmtPCM(1, 1, 8000, 16)), append([]byte("data\xff\xff\xff\xff"), 0, 0)), audio.ErrCorrupt},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, seekable := range []bool{true, false} {
				var r io.Reader = bytes.NewReader(c.data)
				if !seekable {
					r = io.MultiReader(r)
				}
				d, err := NewDecoder(r)
				if err == nil {
					_, err = testutil.ReadAllErr(d, 64)
				}
				if !errors.Is(err, c.want) {
					t.Fatalf("seekable=%v: error %v, want %v", seekable, err, c.want)
				}
				if err != nil && !bytes.HasPrefix([]byte(err.Error()), []byte("wav: ")) {
					t.Fatalf("error %q lacks the wav: prefix", err)
				}
			}
		})
	}
	// Every prefix of a valid file fails cleanly or decodes a prefix of it.
	for n := 0; n < len(good); n += 3 {
		d, err := NewDecoder(bytes.NewReader(good[:n]))
		if err == nil {
			_, err = testutil.ReadAllErr(d, 17)
		}
		if err == nil && n != len(good) {
			t.Fatalf("prefix of %d bytes decoded without error", n)
		}
	}
}

// TestNoAllocationFromHeaderClaims: a data chunk claiming 4 GiB in a tiny
// file must not make the decoder allocate anything near that.
func TestNoAllocationFromHeaderClaims(t *testing.T) {
	file := buildWAV("RIFF", chunk("fmt ", fmtPCM(1, 64, 1536000, 32)))
	file = append(file, []byte("data\xf0\xff\xff\xff")...)
	file = append(file, make([]byte, 1024)...)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	d, err := NewDecoder(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if d.Length() != 0xFFFFFFF0/256 {
		t.Fatalf("Length %d", d.Length())
	}
	_, err = testutil.ReadAllErr(d, 4096)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("error %v, want truncation", err)
	}
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Fatalf("allocated %d bytes for a %d-byte file", alloc, len(file))
	}
}

func FuzzDecode(f *testing.F) {
	for _, bits := range []int{8, 16, 24, 32} {
		f.Add(encode(f, audio.Format{SampleRate: 8000, Channels: 2, Type: audio.SampleInt, Bits: bits}, onGrid(2, 5, bits, 1), Options{}))
	}
	f.Add(encode(f, audio.Format{SampleRate: 8000, Channels: 3, Type: audio.SampleFloat, Bits: 64}, onGrid(3, 3, 16, 1), Options{}))
	old := maxRIFFSize
	maxRIFFSize = 10
	f.Add(encode(f, audio.Format{SampleRate: 8000, Channels: 1, Type: audio.SampleFloat, Bits: 32}, onGrid(1, 9, 16, 1), Options{}))
	maxRIFFSize = old
	f.Add(buildWAV("RIFF", chunk("bext", []byte("odd")), chunk("fmt ", fmtPCM(1, 1, 44100, 16)), chunk("data", []byte{1, 2, 3, 4})))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := NewDecoder(bytes.NewReader(data))
		if err != nil {
			return
		}
		if err := d.Format().Validate(); err != nil {
			t.Fatalf("decoder accepted invalid format %v: %v", d.Format(), err)
		}
		buf := audio.NewBuffer(d.Format().Channels, 61)
		total := 0
		for i := 0; ; i++ {
			n, err := d.ReadFrames(buf)
			if n < 0 || n > buf.Frames() {
				t.Fatalf("ReadFrames returned %d", n)
			}
			total += n
			if err != nil {
				break
			}
			if i > len(data)+10 {
				t.Fatal("decoder does not make progress")
			}
		}
		if total*d.Format().Channels > len(data) {
			t.Fatalf("decoded %d frames from %d bytes", total, len(data))
		}
	})
}

func BenchmarkDecode24Stereo(b *testing.B) {
	const rate, seconds = 44100, 10
	src := onGrid(2, rate*seconds, 24, 1)
	data := encode(b, audio.Format{SampleRate: rate, Channels: 2, Type: audio.SampleInt, Bits: 24}, src, Options{})
	buf := audio.NewBuffer(2, 4096)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		d, err := NewDecoder(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := d.ReadFrames(buf); err != nil {
				break
			}
		}
	}
	b.ReportMetric(float64(seconds)*float64(b.N)/b.Elapsed().Seconds(), "x-realtime")
}

func BenchmarkEncode24Stereo(b *testing.B) {
	const rate, seconds = 44100, 10
	src := synth.PinkNoise(rate, 2, rate*seconds, 0.2, 1)
	b.ResetTimer()
	for b.Loop() {
		var m testutil.MemFile
		m.Data = make([]byte, 0, rate*seconds*6+100)
		e, _ := NewEncoder(&m, audio.Format{SampleRate: rate, Channels: 2, Type: audio.SampleInt, Bits: 24}, Options{Dither: audio.DitherTPDF})
		hdr := make(audio.Buffer, 2)
		for off := 0; off < src.Frames(); off += 4096 {
			_ = e.WriteFrames(src.Slice(hdr, off, min(off+4096, src.Frames())))
		}
		_ = e.Close()
	}
	b.ReportMetric(float64(seconds)*float64(b.N)/b.Elapsed().Seconds(), "x-realtime")
}

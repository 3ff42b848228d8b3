package flac

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"testing"

	"github.com/mewkiz/flac/frame"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/internal/synth"
)

// memFile is an in-memory io.WriteSeeker.
type memFile struct {
	b   []byte
	pos int64
}

func (m *memFile) Write(p []byte) (int, error) {
	end := m.pos + int64(len(p))
	if end > int64(len(m.b)) {
		m.b = append(m.b, make([]byte, end-int64(len(m.b)))...)
	}
	copy(m.b[m.pos:], p)
	m.pos = end
	return len(p), nil
}

func (m *memFile) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		off += m.pos
	case io.SeekEnd:
		off += int64(len(m.b))
	}
	if off < 0 {
		return 0, errors.New("memFile: negative position")
	}
	m.pos = off
	return off, nil
}

// toFloat converts integer samples of the given depth to a float buffer
// (exactly, for depths up to 24 bits).
func toFloat(ints [][]int32, bits int) audio.Buffer {
	b := audio.NewBuffer(len(ints), len(ints[0]))
	s := 1 / math.Ldexp(1, bits-1)
	for c, ch := range ints {
		for i, v := range ch {
			b[c][i] = float32(float64(v) * s)
		}
	}
	return b
}

// encodeInts encodes integer samples with our encoder, writing in chunks of
// chunk frames (all at once if chunk <= 0).
func encodeInts(t testing.TB, ints [][]int32, bits, rate int, opt Options, chunk int) []byte {
	t.Helper()
	buf := toFloat(ints, bits)
	var m memFile
	e, err := NewEncoder(&m, audio.Format{SampleRate: rate, Channels: len(ints), Type: audio.SampleInt, Bits: bits}, opt)
	if err != nil {
		t.Fatal(err)
	}
	n := buf.Frames()
	if chunk <= 0 {
		chunk = max(n, 1)
	}
	hdr := make(audio.Buffer, len(ints))
	for off := 0; off < n; off += chunk {
		if err := e.WriteFrames(buf.Slice(hdr, off, min(off+chunk, n))); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if e.Clipped() != 0 {
		t.Fatalf("encoder clipped %d samples of on-grid input", e.Clipped())
	}
	return m.b
}

// decodeInts decodes a whole stream with our decoder and returns its samples
// as integers, failing the test if any float is not on the integer grid.
func decodeInts(t testing.TB, data []byte) ([][]int32, audio.Format, error) {
	t.Helper()
	d, err := NewDecoder(bytes.NewReader(data))
	if err != nil {
		return nil, audio.Format{}, err
	}
	f := d.Format()
	out := make([][]int32, f.Channels)
	buf := audio.NewBuffer(f.Channels, 1000)
	s := math.Ldexp(1, f.Bits-1)
	for {
		n, err := d.ReadFrames(buf)
		for c := range out {
			for _, v := range buf[c][:n] {
				x := float64(v) * s
				if x != math.Trunc(x) {
					t.Fatalf("decoded sample %v is not on the %d-bit grid", v, f.Bits)
				}
				out[c] = append(out[c], int32(x))
			}
		}
		if err == io.EOF {
			return out, f, nil
		}
		if err != nil {
			return out, f, err
		}
	}
}

// compareInts fails the test at the first sample where got and want differ.
func compareInts(t testing.TB, got, want [][]int32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d channels, want %d", len(got), len(want))
	}
	for c := range want {
		if len(got[c]) != len(want[c]) {
			t.Fatalf("channel %d: got %d frames, want %d", c, len(got[c]), len(want[c]))
		}
		for i := range want[c] {
			if got[c][i] != want[c][i] {
				t.Fatalf("channel %d frame %d: got %d, want %d", c, i, got[c][i], want[c][i])
			}
		}
	}
}

// quantize converts a float buffer to integers of the given depth (rounding,
// no dither), the way the encoder does.
func quantize(b audio.Buffer, bits int) [][]int32 {
	q := audio.NewQuantizer(bits, len(b), 44100, audio.DitherNone, 0)
	out := make([][]int32, len(b))
	for c := range b {
		out[c] = make([]int32, b.Frames())
		q.Quantize(out[c], b[c], c)
	}
	return out
}

// songInts renders seconds of synth.NewSong at rate, as integers of the
// given depth.
func songInts(rate int, seconds float64, seed uint64, bits int) [][]int32 {
	s := synth.NewSong(rate, seconds, seed)
	b := audio.NewBuffer(2, int(s.Length()))
	if _, err := audio.ReadFull(s, b); err != nil {
		panic(err)
	}
	return quantize(b, bits)
}

// wavFile returns integer samples as a WAVE_FORMAT_EXTENSIBLE file: samples
// left-justified in (bits+7)/8-byte containers, with bits as the valid bits,
// which is how the reference tool reads and writes depths like 12 and 20
// bits. (audio/wav is not used here, to keep this package's tests
// independent.)
func wavFile(ints [][]int32, bits, rate int) []byte {
	nc, n := len(ints), len(ints[0])
	bytesPer := (bits + 7) / 8
	shift := bytesPer*8 - bits
	just := make([][]int32, nc)
	for c := range ints {
		just[c] = make([]int32, n)
		for i, v := range ints[c] {
			just[c][i] = v << shift
		}
	}
	data := packLE(make([]byte, n*nc*bytesPer), just, n, bytesPer)
	if bytesPer == 1 {
		for i := range data {
			data[i] += 128 // 8-bit WAV is offset binary
		}
	}
	le32 := binary.LittleEndian.AppendUint32
	le16 := binary.LittleEndian.AppendUint16
	var b []byte
	b = append(b, "RIFF"...)
	b = le32(b, uint32(4+8+40+8+len(data)))
	b = append(b, "WAVEfmt "...)
	b = le32(b, 40)
	b = le16(b, 0xFFFE) // WAVE_FORMAT_EXTENSIBLE
	b = le16(b, uint16(nc))
	b = le32(b, uint32(rate))
	b = le32(b, uint32(rate*nc*bytesPer))
	b = le16(b, uint16(nc*bytesPer))
	b = le16(b, uint16(bytesPer*8))
	b = le16(b, 22)
	b = le16(b, uint16(bits))
	b = le32(b, uint32(flacLayout(nc)))
	// KSDATAFORMAT_SUBTYPE_PCM
	b = append(b, 1, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xAA, 0, 0x38, 0x9B, 0x71)
	b = append(b, "data"...)
	b = le32(b, uint32(len(data)))
	return append(b, data...)
}

// parseWAV returns the samples of a PCM WAV file written by the reference
// tool, undoing the left justification of the valid bits.
func parseWAV(t testing.TB, b []byte) (ints [][]int32, bits int) {
	t.Helper()
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		t.Fatal("not a WAV file")
	}
	var nc, bytesPer int
	for p := 12; p+8 <= len(b); {
		id, size := string(b[p:p+4]), int(binary.LittleEndian.Uint32(b[p+4:]))
		body := b[p+8 : min(p+8+size, len(b))]
		switch id {
		case "fmt ":
			nc = int(binary.LittleEndian.Uint16(body[2:]))
			bytesPer = int(binary.LittleEndian.Uint16(body[14:])) / 8
			bits = bytesPer * 8
			if binary.LittleEndian.Uint16(body) == 0xFFFE {
				bits = int(binary.LittleEndian.Uint16(body[18:]))
			}
		case "data":
			if bytesPer == 1 {
				body = bytes.Clone(body)
				for i := range body {
					body[i] -= 128 // 8-bit WAV is offset binary
				}
			}
			ints = unpackPCM(body, nc, bytesPer)
			for _, ch := range ints {
				for i := range ch {
					ch[i] >>= bytesPer*8 - bits
				}
			}
			return ints, bits
		}
		p += 8 + size + size&1
	}
	t.Fatal("WAV file without data")
	return nil, 0
}

// unpackPCM returns interleaved little-endian signed samples of bytesPer
// bytes as integers.
func unpackPCM(b []byte, channels, bytesPer int) [][]int32 {
	n := len(b) / (channels * bytesPer)
	out := make([][]int32, channels)
	for c := range out {
		out[c] = make([]int32, n)
		for i := range out[c] {
			o := (i*channels + c) * bytesPer
			var v uint32
			for k := range bytesPer {
				v |= uint32(b[o+k]) << (8 * k)
			}
			shift := 32 - 8*bytesPer
			out[c][i] = int32(v<<shift) >> shift
		}
	}
	return out
}

// streamStats describes the frames of a stream as parsed independently of our
// Decoder (with mewkiz's frame parser, after our own header reading).
type streamStats struct {
	info       streamInfo
	frameSizes []int
	preds      map[frame.Pred]int // subframes per prediction method
	assign     map[frame.Channels]int
	escapes    int // escaped Rice partitions
}

func inspect(t testing.TB, data []byte) streamStats {
	t.Helper()
	d, err := NewDecoder(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	st := streamStats{info: d.info, preds: map[frame.Pred]int{}, assign: map[frame.Channels]int{}}
	r := bytes.NewReader(data[d.offset():])
	for {
		before := r.Len()
		f, err := frame.Parse(r)
		if err == io.EOF {
			return st
		}
		if err != nil {
			t.Fatal(err)
		}
		st.frameSizes = append(st.frameSizes, before-r.Len())
		st.assign[f.Channels]++
		for _, sf := range f.Subframes {
			st.preds[sf.Pred]++
			if sf.RiceSubframe != nil {
				for _, p := range sf.RiceSubframe.Partitions {
					if p.Param == 15 && sf.ResidualCodingMethod == frame.ResidualCodingMethodRice1 ||
						p.Param == 31 && sf.ResidualCodingMethod == frame.ResidualCodingMethodRice2 {
						st.escapes++
					}
				}
			}
		}
	}
}

// sizeMaterial is a named test signal for compression measurements.
type sizeMaterial struct {
	name string
	ints [][]int32
	bits int
}

// sizeMaterials returns seconds of 44.1 kHz stereo music-like material at 16
// and 24 bits, pink noise, and a sum of five tones.
func sizeMaterials(seconds int) []sizeMaterial {
	n := 44100 * seconds
	pink := synth.PinkNoise(44100, 2, n, 0.1, 7)
	tones := audio.NewBuffer(2, n)
	for _, f := range []float64{110, 220.5, 331, 440, 1234} {
		s := synth.Sine(44100, 2, n, f, 0.15, f)
		for c := range tones {
			for i := range tones[c] {
				tones[c][i] += s[c][i]
			}
		}
	}
	return []sizeMaterial{
		{"song16", songInts(44100, float64(seconds), 1, 16), 16},
		{"song24", songInts(44100, float64(seconds), 2, 24), 24},
		{"pink16", quantize(pink, 16), 16},
		{"tones16", quantize(tones, 16), 16},
	}
}

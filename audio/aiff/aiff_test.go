package aiff

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/internal/synth"
	"github.com/mixdown/mixdown/internal/testutil"
)

func onGrid(channels, frames, bits int, seed uint64) audio.Buffer {
	b := synth.WhiteNoise(48000, channels, frames, 0.3, seed)
	s := math.Ldexp(1, bits-1)
	for c := range b {
		for i, v := range b[c] {
			b[c][i] = float32(math.Max(-s, math.Min(s-1, math.Round(float64(v)*s))) / s)
		}
	}
	return b
}

func encode(t testing.TB, f audio.Format, src audio.Buffer) []byte {
	t.Helper()
	var m testutil.MemFile
	e, err := NewEncoder(&m, f, Options{})
	if err != nil {
		t.Fatal(err)
	}
	hdr := make(audio.Buffer, len(src))
	for off := 0; off < src.Frames(); off += 500 {
		if err := e.WriteFrames(src.Slice(hdr, off, min(off+500, src.Frames()))); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	return m.Data
}

func TestRoundTrip(t *testing.T) {
	for _, c := range []struct {
		typ  audio.SampleType
		bits int
		ch   int
	}{{audio.SampleInt, 8, 1}, {audio.SampleInt, 16, 2}, {audio.SampleInt, 20, 2}, {audio.SampleInt, 24, 6}, {audio.SampleFloat, 32, 2}, {audio.SampleFloat, 64, 1}} {
		for _, frames := range []int{0, 1, 999} {
			t.Run(fmt.Sprintf("%s%d_%d_%d", c.typ, c.bits, c.ch, frames), func(t *testing.T) {
				g := c.bits
				if c.typ == audio.SampleFloat {
					g = 24
				}
				src := onGrid(c.ch, frames, g, 3)
				f := audio.Format{SampleRate: 88200, Channels: c.ch, Type: c.typ, Bits: c.bits}
				data := encode(t, f, src)
				d, err := NewDecoder(bytes.NewReader(data))
				if err != nil {
					t.Fatal(err)
				}
				if d.Format() != f || d.Length() != int64(frames) {
					t.Fatalf("format %v length %d, want %v %d", d.Format(), d.Length(), f, frames)
				}
				got := testutil.ReadAll(t, d, 77)
				if diff := testutil.MaxAbsDiff(t, src, got); diff != 0 {
					t.Fatalf("differs by %g", diff)
				}
			})
		}
	}
}

func TestExtended(t *testing.T) {
	for _, r := range []uint32{8000, 22050, 44100, 48000, 96000, 192000, 1536000} {
		if got := extended(appendExtended(nil, r)); got != float64(r) {
			t.Fatalf("%d -> %v", r, got)
		}
	}
	// 44100 Hz as written by every AIFF tool: 400E AC44 0000 0000 0000.
	std := []byte{0x40, 0x0E, 0xAC, 0x44, 0, 0, 0, 0, 0, 0}
	if !bytes.Equal(appendExtended(nil, 44100), std) {
		t.Fatalf("44100 encodes as % x", appendExtended(nil, 44100))
	}
}

func TestInterop(t *testing.T) {
	ffmpeg := testutil.Tool(t, "ffmpeg")
	sox := testutil.Tool(t, "sox")
	dir := t.TempDir()
	ref := filepath.Join(dir, "ref.wav")
	testutil.Run(t, sox, "-n", "-r", "44100", "-b", "24", "-c", "2", ref, "synth", "0.7", "sine", "300", "sine", "5000", "vol", "0.7")
	for _, codec := range []string{"pcm_s16be", "pcm_s24be", "pcm_s32be", "pcm_f32be", "pcm_f64be", "pcm_s16le", "pcm_s8"} {
		t.Run(codec, func(t *testing.T) {
			path := filepath.Join(dir, codec+".aiff")
			testutil.Run(t, ffmpeg, "-v", "error", "-y", "-i", ref, "-c:a", codec, "-f", "aiff", path)
			raw, _ := os.ReadFile(path)
			d, err := NewDecoder(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			got := testutil.ReadAll(t, d, 1000)
			if diff := testutil.MaxAbsDiff(t, testutil.FFmpegDecode(t, path, 2), got); diff > 1e-7 {
				t.Fatalf("differs from ffmpeg by %g", diff)
			}
		})
	}
	// sox writes AIFF; sox reads ours.
	soxAIFF := filepath.Join(dir, "sox.aiff")
	testutil.Run(t, sox, ref, "-b", "16", soxAIFF)
	raw, _ := os.ReadFile(soxAIFF)
	d, err := NewDecoder(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	got := testutil.ReadAll(t, d, 0)
	if diff := testutil.MaxAbsDiff(t, testutil.FFmpegDecode(t, soxAIFF, 2), got); diff != 0 {
		t.Fatalf("sox AIFF differs from ffmpeg's reading by %g", diff)
	}
	src := onGrid(2, 2000, 24, 5)
	ours := filepath.Join(dir, "ours.aiff")
	if err := os.WriteFile(ours, encode(t, audio.Format{SampleRate: 48000, Channels: 2, Type: audio.SampleInt, Bits: 24}, src), 0o644); err != nil {
		t.Fatal(err)
	}
	back := filepath.Join(dir, "back.wav")
	testutil.Run(t, sox, ours, "-t", "wav", "-e", "floating-point", "-b", "32", back)
	if diff := testutil.MaxAbsDiff(t, src, testutil.FFmpegDecode(t, back, 2)); diff != 0 {
		t.Fatalf("sox reads our AIFF differently: %g", diff)
	}
}

func chunk(id string, payload []byte) []byte {
	b := append([]byte(id), binary.BigEndian.AppendUint32(nil, uint32(len(payload)))...)
	b = append(b, payload...)
	if len(payload)%2 == 1 {
		b = append(b, 0)
	}
	return b
}

func form(typ string, chunks ...[]byte) []byte {
	body := []byte(typ)
	for _, c := range chunks {
		body = append(body, c...)
	}
	return append(append([]byte("FORM"), binary.BigEndian.AppendUint32(nil, uint32(len(body)))...), body...)
}

func comm(channels int, frames uint32, bits int, rate uint32, comp string) []byte {
	be := binary.BigEndian
	b := be.AppendUint16(nil, uint16(channels))
	b = be.AppendUint32(b, frames)
	b = be.AppendUint16(b, uint16(bits))
	b = appendExtended(b, rate)
	if comp != "" {
		b = append(b, comp...)
		b = append(b, 0, 0)
	}
	return b
}

func ssnd(data []byte) []byte { return append(make([]byte, 8), data...) }

func TestSSNDBeforeCOMMAndOddChunks(t *testing.T) {
	pcm := []byte{0x40, 0x00, 0xC0, 0x00}
	file := form("AIFF", chunk("NAME", []byte("odd")), chunk("SSND", ssnd(pcm)), chunk("COMM", comm(1, 2, 16, 8000, "")))
	d, err := NewDecoder(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	got := testutil.ReadAll(t, d, 0)
	if got.Frames() != 2 || got[0][0] != 0.5 || got[0][1] != -0.5 {
		t.Fatalf("got %v", got)
	}
	if _, err := NewDecoder(io.MultiReader(bytes.NewReader(file))); !errors.Is(err, audio.ErrUnsupported) {
		t.Fatalf("non-seekable SSND-first: %v", err)
	}
	// sowt is little-endian.
	file = form("AIFC", chunk("COMM", comm(1, 1, 16, 8000, "sowt")), chunk("SSND", ssnd([]byte{0x00, 0x40})))
	d, err = NewDecoder(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if got := testutil.ReadAll(t, d, 0); got[0][0] != 0.5 {
		t.Fatalf("sowt sample %v", got[0][0])
	}
}

func TestBadInput(t *testing.T) {
	good := encode(t, audio.Format{SampleRate: 44100, Channels: 2, Type: audio.SampleInt, Bits: 16}, onGrid(2, 50, 16, 1))
	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, audio.ErrNotAudio},
		{"text", []byte("FORMAT: this is a text file, not audio"), audio.ErrNotAudio},
		{"no-comm", form("AIFF", chunk("SSND", ssnd(nil))), audio.ErrCorrupt},
		{"no-ssnd", form("AIFF", chunk("COMM", comm(1, 0, 16, 8000, ""))), audio.ErrCorrupt},
		{"zero-channels", form("AIFF", chunk("COMM", comm(0, 1, 16, 8000, "")), chunk("SSND", ssnd(nil))), audio.ErrCorrupt},
		{"300-channels", form("AIFF", chunk("COMM", comm(300, 1, 16, 8000, "")), chunk("SSND", ssnd(nil))), audio.ErrUnsupported},
		{"rate-0", form("AIFF", chunk("COMM", comm(1, 1, 16, 0, "")), chunk("SSND", ssnd(nil))), audio.ErrUnsupported},
		{"rate-huge", form("AIFF", chunk("COMM", comm(1, 1, 16, 0xFFFFFFFF, "")), chunk("SSND", ssnd(nil))), audio.ErrUnsupported},
		{"bits-40", form("AIFF", chunk("COMM", comm(1, 1, 40, 8000, "")), chunk("SSND", ssnd(nil))), audio.ErrUnsupported},
		{"ulaw", form("AIFC", chunk("COMM", comm(1, 1, 16, 8000, "ulaw")), chunk("SSND", ssnd(nil))), audio.ErrUnsupported},
		{"frames-claim-4G", form("AIFF", chunk("COMM", comm(2, 0xFFFFFFFF, 16, 8000, "")), chunk("SSND", ssnd(make([]byte, 40)))), io.ErrUnexpectedEOF},
		{"truncated", good[:len(good)-5], io.ErrUnexpectedEOF},
		{"chunk-beyond-end", append(good[:12], []byte("JUNK\x7f\xff\xff\xff")...), io.ErrUnexpectedEOF},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := NewDecoder(bytes.NewReader(c.data))
			if err == nil {
				_, err = testutil.ReadAllErr(d, 64)
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("error %v, want %v", err, c.want)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(encode(f, audio.Format{SampleRate: 8000, Channels: 2, Type: audio.SampleInt, Bits: 16}, onGrid(2, 4, 16, 1)))
	f.Add(encode(f, audio.Format{SampleRate: 8000, Channels: 1, Type: audio.SampleFloat, Bits: 64}, onGrid(1, 4, 16, 1)))
	f.Add(form("AIFF", chunk("SSND", ssnd([]byte{1, 2})), chunk("COMM", comm(1, 1, 16, 8000, ""))))
	f.Add(form("AIFC", chunk("COMM", comm(1, 1, 12, 8000, "sowt")), chunk("SSND", ssnd([]byte{0x00, 0x40}))))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := NewDecoder(bytes.NewReader(data))
		if err != nil {
			return
		}
		if err := d.Format().Validate(); err != nil {
			t.Fatalf("accepted invalid format: %v", err)
		}
		buf := audio.NewBuffer(d.Format().Channels, 33)
		for i := 0; ; i++ {
			n, err := d.ReadFrames(buf)
			if n < 0 || n > 33 {
				t.Fatalf("ReadFrames returned %d", n)
			}
			if err != nil {
				break
			}
			if i > len(data)+10 {
				t.Fatal("no progress")
			}
		}
	})
}

func ExampleNewEncoder() {
	var f testutil.MemFile
	enc, _ := NewEncoder(&f, audio.Format{SampleRate: 44100, Channels: 1, Type: audio.SampleInt, Bits: 16}, Options{})
	_ = enc.WriteFrames(audio.Buffer{{0, 0.5, -0.5}})
	_ = enc.Close()
	_, _ = f.Seek(0, io.SeekStart)
	dec, _ := NewDecoder(&f)
	buf := audio.NewBuffer(1, 8)
	n, _ := dec.ReadFrames(buf)
	fmt.Println(dec.Format(), n, buf[0][:n])
	// Output: 44100 Hz, 1 ch, 16-bit int 3 [0 0.5 -0.5]
}

package mp3

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/internal/testutil"
)

// lameFile encodes a second of stereo material at 44.1 kHz with lame.
func lameFile(t testing.TB, opts ...string) []byte {
	t.Helper()
	data, _ := lameEncode(t, t.TempDir(), "x", source(44100, 2, 44100, 11), 44100, opts...)
	return data
}

// frameOffsets returns the byte offset of every frame in an MP3 without tags.
func frameOffsets(t testing.TB, data []byte) []int {
	t.Helper()
	var offs []int
	for p := 0; p+4 <= len(data); {
		h, ok, _ := parseHeader(data[p:])
		if !ok {
			t.Fatalf("no frame header at byte %d", p)
		}
		offs = append(offs, p)
		p += h.size
	}
	return offs
}

func mustDecode(t testing.TB, data []byte) audio.Buffer {
	t.Helper()
	b, _, err := decodeAll(t, data)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func equalBuffers(a, b audio.Buffer) bool {
	if len(a) != len(b) {
		return false
	}
	for c := range a {
		if len(a[c]) != len(b[c]) {
			return false
		}
		for i := range a[c] {
			if a[c][i] != b[c][i] {
				return false
			}
		}
	}
	return true
}

// id3v2 returns an ID3v2.4 tag with a body of n bytes (a TXXX-like frame and
// padding) and, if footer, a footer.
func id3v2(n int, footer bool) []byte {
	flags := byte(0)
	if footer {
		flags = 0x10
	}
	size := []byte{byte(n >> 21 & 0x7F), byte(n >> 14 & 0x7F), byte(n >> 7 & 0x7F), byte(n & 0x7F)}
	tag := append([]byte{'I', 'D', '3', 4, 0, flags}, size...)
	body := make([]byte, n)
	copy(body, "TIT2\x00\x00\x00\x06\x00\x00\x03title")
	tag = append(tag, body...)
	if footer {
		tag = append(tag, append([]byte{'3', 'D', 'I', 4, 0, flags}, size...)...)
	}
	return tag
}

// apeTag returns a minimal APEv2 tag with a header and footer.
func apeTag() []byte {
	item := append(binary.LittleEndian.AppendUint32(nil, 5), 0, 0, 0, 0)
	item = append(append(item, "Title\x00"...), "hello"...)
	hdr := func(isHeader bool) []byte {
		b := []byte("APETAGEX")
		b = binary.LittleEndian.AppendUint32(b, 2000)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(item)+32))
		b = binary.LittleEndian.AppendUint32(b, 1)
		fl := uint32(0x80000000)
		if isHeader {
			fl |= 0x20000000
		}
		b = binary.LittleEndian.AppendUint32(b, fl)
		return append(b, make([]byte, 8)...)
	}
	return append(append(hdr(true), item...), hdr(false)...)
}

func id3v1() []byte {
	t := make([]byte, 128)
	copy(t, "TAGtitle")
	return t
}

func TestTagsAreSkipped(t *testing.T) {
	plain := lameFile(t, "-b", "128")
	want := mustDecode(t, plain)
	notag := lameFile(t, "-b", "128", "-t")
	wantNT := mustDecode(t, notag)
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	for name, c := range map[string]struct {
		data []byte
		want audio.Buffer
	}{
		"id3v2":              {cat(id3v2(3000, false), plain), want},
		"id3v2 footer":       {cat(id3v2(100, true), plain), want},
		"two id3v2":          {cat(id3v2(100, false), id3v2(50, false), plain), want},
		"id3v2 zero padding": {cat(id3v2(100, false), make([]byte, 37), plain), want},
		"id3v1":              {cat(plain, id3v1()), want},
		"ape id3v1":          {cat(plain, apeTag(), id3v1()), want},
		"trailing zeros":     {cat(plain, make([]byte, 5000)), want},
		"lyrics3":            {cat(plain, []byte("LYRICSBEGINxyz000011LYRICS200"), id3v1()), want},
		"notag ape id3v1":    {cat(id3v2(200, false), notag, apeTag(), id3v1()), wantNT},
		"notag zeros":        {cat(notag, make([]byte, 100)), wantNT},
		"appended id3v2":     {cat(notag, id3v2(500, false)), wantNT},
	} {
		t.Run(name, func(t *testing.T) {
			if !Sniff(c.data) {
				t.Error("Sniff rejects it")
			}
			got, _, err := decodeAll(t, c.data)
			if err != nil {
				t.Fatal(err)
			}
			if !equalBuffers(got, c.want) {
				t.Fatalf("decoded %d frames, differs from the untagged file's %d", got.Frames(), c.want.Frames())
			}
		})
	}
}

func TestTruncated(t *testing.T) {
	tagged := lameFile(t, "-b", "128")
	full := mustDecode(t, tagged)
	offs := frameOffsets(t, tagged)
	notag := lameFile(t, "-b", "128", "-t")
	offsNT := frameOffsets(t, notag)
	withID3 := append(id3v2(4000, false), tagged...)

	for name, data := range map[string][]byte{
		"at frame boundary":       tagged[:offs[len(offs)/2]],
		"mid frame":               tagged[:offs[len(offs)/2]+100],
		"inside header":           tagged[:offs[len(offs)/2]+2],
		"after tag frame":         tagged[:offs[1]],
		"inside first audio":      tagged[:offs[1]+50],
		"no tag, mid frame":       notag[:offsNT[10]+7],
		"inside ID3v2":            withID3[:2000],
		"inside ID3v2 header":     withID3[:6],
		"ID3v2 then nothing":      withID3[:4010],
		"ID3v2 then a part frame": withID3[:4010+300],
	} {
		t.Run(name, func(t *testing.T) {
			got, _, err := decodeAll(t, data)
			testutil.WantErr(t, err, io.ErrUnexpectedEOF)
			if !strings.HasPrefix(err.Error(), "mp3: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
			t.Logf("%d frames, then %v", got.Frames(), err)
			if got != nil && bytes.HasPrefix(data, tagged[:offs[1]]) {
				// Frames before the error are the same as in the full decode.
				for c := range got {
					if !equalBuffers(audio.Buffer{got[c]}, audio.Buffer{full[c][:len(got[c])]}) {
						t.Fatal("frames before the error differ from the full decode")
					}
				}
			}
		})
	}
	// Without a tag, a cut at a frame boundary cannot be told from the end.
	if _, _, err := decodeAll(t, notag[:offsNT[10]]); err != nil {
		t.Errorf("untagged stream cut at a frame boundary: %v", err)
	}
}

func TestCorruptAndForeign(t *testing.T) {
	tagged := lameFile(t, "-b", "128")
	offs := frameOffsets(t, tagged)
	junk := bytes.Clone(tagged)
	copy(junk[offs[20]:], bytes.Repeat([]byte{0x55}, 50))
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 20000)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	badID3 := append([]byte("ID3\x04\x00\x00\x80\x00\x00\x00"), tagged...)
	wav := []byte("RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x02\x00")

	for name, c := range map[string]struct {
		data []byte
		want error
	}{
		"lost sync":       {junk, audio.ErrCorrupt},
		"random":          {random, audio.ErrNotAudio},
		"empty":           {nil, audio.ErrNotAudio},
		"zeros":           {make([]byte, 1000), audio.ErrNotAudio},
		"text":            {[]byte(strings.Repeat("not an mp3 file\n", 100)), audio.ErrNotAudio},
		"wav":             {wav, audio.ErrNotAudio},
		"malformed ID3v2": {badID3, audio.ErrCorrupt},
		"tag then junk":   {append(id3v2(100, false), random...), audio.ErrCorrupt},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := decodeAll(t, c.data)
			testutil.WantErr(t, err, c.want)
			if !strings.HasPrefix(err.Error(), "mp3: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
			t.Log(err)
		})
	}
}

func TestUnsupported(t *testing.T) {
	dir := t.TempDir()
	wav := filepath.Join(dir, "s.wav")
	testutil.WriteWAV16(t, wav, source(44100, 2, 20000, 5), 44100)
	lame := testutil.Tool(t, "lame")
	ff := testutil.Tool(t, "ffmpeg")
	for name, cmd := range map[string][]string{
		"layer II":    {ff, "-v", "error", "-i", wav, "-c:a", "mp2", "-f", "mp2", "OUT"},
		"MPEG-2.5":    {lame, "--quiet", "--resample", "8", "-b", "16", wav, "OUT"},
		"free format": {lame, "--quiet", "--freeformat", "-b", "400", wav, "OUT"},
	} {
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(dir, strings.ReplaceAll(name, " ", "")+".mp3")
			cmd[len(cmd)-1] = out
			testutil.Run(t, cmd[0], cmd[1:]...)
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if !Sniff(data) {
				t.Error("Sniff rejects it")
			}
			_, err = NewDecoder(bytes.NewReader(data))
			testutil.WantErr(t, err, audio.ErrUnsupported)
			t.Log(err)
		})
	}
}

// TestFrameCountLimit: frames after the count in the Xing tag are not audio
// of this stream (ffmpeg drops them too), e.g. a second file appended.
func TestFrameCountLimit(t *testing.T) {
	a := lameFile(t, "-b", "128")
	want := mustDecode(t, a)
	got := mustDecode(t, append(bytes.Clone(a), a...))
	if !equalBuffers(got, want) {
		t.Fatalf("decoded %d frames, want %d", got.Frames(), want.Frames())
	}
}

func TestSniff(t *testing.T) {
	data := lameFile(t, "-b", "128")
	if !Sniff(data[:8192]) || !Sniff(data) {
		t.Error("rejects a LAME file")
	}
	if !Sniff(id3v2(100000, false)[:4096]) {
		t.Error("rejects a file starting with a long ID3v2 tag")
	}
	if Sniff(data[:100]) {
		t.Error("accepts a lone frame header")
	}
	for _, head := range []string{"", "RIFF\x00\x00\x00\x00WAVE", "fLaC\x00\x00\x00\x22", "OggS\x00\x02", "FORM\x00\x00\x00\x00AIFF"} {
		if Sniff([]byte(head)) {
			t.Errorf("accepts %q", head)
		}
	}
	// Random data must not match: a pair of frame headers at the start or a
	// run of three within 4 KiB is about a 1e-8 event.
	rng := rand.New(rand.NewPCG(3, 4))
	head := make([]byte, 8192)
	for i := 0; i < 3000; i++ {
		for j := range head {
			head[j] = byte(rng.Uint32())
		}
		if i%2 == 0 {
			head[0], head[1] = 0xFF, 0xFB // a valid sync at the start
		}
		if Sniff(head) {
			t.Fatalf("accepts random data (trial %d)", i)
		}
	}
}

// TestNoAllocationByClaim: a tag that claims 256 MiB and a Xing tag that
// claims four billion frames must cost no more than the input.
func TestNoAllocationByClaim(t *testing.T) {
	a := lameFile(t, "-b", "128")
	offs := frameOffsets(t, a)
	tagFrame := bytes.Clone(a[:offs[1]])
	x := bytes.Index(tagFrame, []byte("Info"))
	binary.BigEndian.PutUint32(tagFrame[x+8:], 0xFFFFFFFF)
	big := []byte{'I', 'D', '3', 3, 0, 0, 0x7F, 0x7F, 0x7F, 0x7F}
	for name, data := range map[string][]byte{
		"huge id3":    append(bytes.Clone(big), a...),
		"huge frames": append(tagFrame, a[offs[1]:]...),
	} {
		t.Run(name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			d, err := NewDecoder(bytes.NewReader(data))
			if err == nil {
				buf := audio.NewBuffer(d.Format().Channels, 4096)
				for err == nil {
					_, err = d.ReadFrames(buf)
				}
			}
			runtime.ReadMemStats(&after)
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
				t.Errorf("allocated %d MiB", alloc>>20)
			}
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("got %v, want a truncation error", err)
			}
		})
	}
}

func TestReadFramesShapes(t *testing.T) {
	data := lameFile(t, "-V", "2")
	want := mustDecode(t, data)
	for _, size := range []int{1, 7, 1152, 100000} {
		d, err := NewDecoder(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		got := audio.NewBuffer(2, 0)
		buf := audio.NewBuffer(2, size)
		for {
			n, err := d.ReadFrames(buf)
			got[0], got[1] = append(got[0], buf[0][:n]...), append(got[1], buf[1][:n]...)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if !equalBuffers(got, want) {
			t.Errorf("reads of %d frames give a different stream", size)
		}
		if n, err := d.ReadFrames(buf); n != 0 || err != io.EOF {
			t.Errorf("after the end: %d, %v", n, err)
		}
	}
	d, _ := NewDecoder(bytes.NewReader(data))
	if n, err := d.ReadFrames(audio.NewBuffer(2, 0)); n != 0 || err != nil {
		t.Errorf("empty read: %d, %v", n, err)
	}
	defer func() {
		if recover() == nil {
			t.Error("no panic for a wrong channel count")
		}
	}()
	_, _ = d.ReadFrames(audio.NewBuffer(1, 10))
}

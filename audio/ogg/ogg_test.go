package ogg

import (
	"bufio"
	"bytes"
	"encoding/binary"
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

// vorbisFile encodes a second of stereo material at 44.1 kHz with oggenc.
func vorbisFile(t testing.TB, seed uint64, opts ...string) ([]byte, string) {
	t.Helper()
	if len(opts) == 0 {
		opts = []string{"-q", "3"}
	}
	return encode(t, t.TempDir(), "x", source(44100, 2, 44100, seed), 44100, "oggenc", opts...)
}

// rawPages splits an Ogg file into its pages.
func rawPages(t testing.TB, data []byte) [][]byte {
	t.Helper()
	var pages [][]byte
	for len(data) > 0 {
		n := pageSize(data)
		if n == 0 || n > len(data) || string(data[:4]) != "OggS" {
			t.Fatalf("no page at byte %d", len(data))
		}
		pages = append(pages, data[:n:n])
		data = data[n:]
	}
	return pages
}

// fixCRC recomputes the checksum of a raw page in place.
func fixCRC(p []byte) {
	binary.LittleEndian.PutUint32(p[22:], 0)
	binary.LittleEndian.PutUint32(p[22:], crcUpdate(0, p))
}

// packetsOf returns the packets of the only logical stream in data.
func packetsOf(t testing.TB, data []byte) [][]byte {
	t.Helper()
	pr := &pageReader{br: bufioReader(data)}
	var first page
	if err := pr.next(&first); err != nil {
		t.Fatal(err)
	}
	r := packetReader{pr: pr}
	r.start(&first)
	var out [][]byte
	for {
		p, err := r.next(false)
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, bytes.Clone(p.data))
	}
}

// mux writes packets as one logical stream, one packet per page (packets
// must be shorter than 65025 bytes). Pages of audio packets get granule -1
// except the last, which gets final.
func mux(serial uint32, packets [][]byte, final int64) []byte {
	var out []byte
	for i, pk := range packets {
		var lacing []byte
		n := len(pk)
		for n >= 255 {
			lacing = append(lacing, 255)
			n -= 255
		}
		lacing = append(lacing, byte(n))
		flags := byte(0)
		granule := int64(-1)
		switch {
		case i == 0:
			flags, granule = flagBOS, 0
		case i < 3:
			granule = 0
		}
		if i == len(packets)-1 {
			flags |= flagEOS
			if i >= 3 {
				granule = final
			}
		}
		h := []byte("OggS\x00")
		h = append(h, flags)
		h = binary.LittleEndian.AppendUint64(h, uint64(granule))
		h = binary.LittleEndian.AppendUint32(h, serial)
		h = binary.LittleEndian.AppendUint32(h, uint32(i))
		h = append(h, 0, 0, 0, 0, byte(len(lacing)))
		pg := append(append(h, lacing...), pk...)
		fixCRC(pg)
		out = append(out, pg...)
	}
	return out
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

func mustDecode(t testing.TB, data []byte) audio.Buffer {
	t.Helper()
	b, _, err := decodeAll(t, data)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// onlyReader hides io.Seeker.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func TestNonSeekable(t *testing.T) {
	data, _ := vorbisFile(t, 1)
	want := mustDecode(t, data)
	d, err := NewDecoder(onlyReader{bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	if d.Length() != -1 {
		t.Errorf("Length %d without a seeker, want -1", d.Length())
	}
	got := audio.NewBuffer(2, want.Frames()+10)
	n, err := audio.ReadFull(d, got)
	if err != nil || n != want.Frames() || !equalBuffers(got.Head(make(audio.Buffer, 2), n), want) {
		t.Fatalf("read %d frames (%v), want the same %d frames as with a seeker", n, err, want.Frames())
	}
}

// TestGranuleOffsets shifts every granule position after the headers. A
// first audio page that claims fewer frames than its packets decode to
// drops the difference at the start; one that claims more marks a later
// start and drops nothing.
func TestGranuleOffsets(t *testing.T) {
	data, _ := vorbisFile(t, 2)
	full := mustDecode(t, data)
	shift := func(k int64) []byte {
		var out []byte
		for _, p := range rawPages(t, data) {
			p = bytes.Clone(p)
			if g := int64(binary.LittleEndian.Uint64(p[6:])); g > 0 {
				binary.LittleEndian.PutUint64(p[6:], uint64(g+k))
				fixCRC(p)
			}
			out = append(out, p...)
		}
		return out
	}
	const k = 1000
	got, d, err := decodeAll(t, shift(-k))
	if err != nil {
		t.Fatal(err)
	}
	want := audio.Buffer{full[0][k:], full[1][k:]}
	if !equalBuffers(got, want) || d.Length() != int64(want.Frames()) {
		t.Errorf("negative start: %d frames (Length %d), want the full decode less its first %d (%d)", got.Frames(), d.Length(), k, want.Frames())
	}
	got, d, err = decodeAll(t, shift(k))
	if err != nil {
		t.Fatal(err)
	}
	if !equalBuffers(got, full) || d.Length() != int64(full.Frames()) {
		t.Errorf("late start: %d frames (Length %d), want %d", got.Frames(), d.Length(), full.Frames())
	}
}

// TestRemux checks the packet path with a stream rebuilt one packet per page
// (the first audio page then holds a single packet that yields nothing) and
// end trimming by the final granule, which applies to the last page only.
func TestRemux(t *testing.T) {
	data, _ := vorbisFile(t, 3)
	full := mustDecode(t, data)
	pk := packetsOf(t, data)
	const huge = 1 << 40 // beyond the decoded length: nothing is trimmed
	all := mustDecode(t, mux(77, pk, huge))
	allButLast := mustDecode(t, mux(77, pk[:len(pk)-1], huge))
	u, u1 := int64(all.Frames()), int64(allButLast.Frames())
	if u <= u1 || int64(full.Frames()) <= u1 || int64(full.Frames()) > u {
		t.Fatalf("untrimmed %d frames, %d without the last packet, trimmed %d", u, u1, full.Frames())
	}
	for _, final := range []int64{int64(full.Frames()), u1 + 1, (u1 + u) / 2, u} {
		got, d, err := decodeAll(t, mux(77, pk, final))
		if err != nil {
			t.Fatal(err)
		}
		want := audio.Buffer{all[0][:final], all[1][:final]}
		if !equalBuffers(got, want) || d.Length() != final {
			t.Errorf("final granule %d: decoded %d frames, Length %d", final, got.Frames(), d.Length())
		}
	}
	// Empty packets carry no audio and are skipped.
	withEmpty := append(append([][]byte{}, pk[:5]...), append([][]byte{{}}, pk[5:]...)...)
	if got := mustDecode(t, mux(78, withEmpty, int64(full.Frames()))); !equalBuffers(got, full) {
		t.Error("an empty packet changed the output")
	}
	// A stream with headers only is empty.
	got, d, err := decodeAll(t, mux(79, pk[:3], 0))
	if err != nil || got.Frames() != 0 || d.Length() != 0 {
		t.Errorf("headers only: %d frames, Length %d, %v", got.Frames(), d.Length(), err)
	}
}

func TestMultiplexedAndForeign(t *testing.T) {
	dir := t.TempDir()
	ff := testutil.Tool(t, "ffmpeg")
	a := filepath.Join(dir, "a.wav")
	b := filepath.Join(dir, "b.wav")
	testutil.WriteWAV16(t, a, source(48000, 2, 30000, 1), 48000)
	testutil.WriteWAV16(t, b, source(48000, 1, 30000, 2), 48000)
	run := func(name string, args ...string) []byte {
		out := filepath.Join(dir, name)
		testutil.Run(t, ff, append(append([]string{"-v", "error", "-y"}, args...), out)...)
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}

	t.Run("two vorbis streams", func(t *testing.T) {
		data := run("two.ogg", "-i", a, "-i", b, "-map", "0", "-map", "1", "-c:a", "libvorbis")
		got, d, err := decodeAll(t, data)
		if err != nil {
			t.Fatal(err)
		}
		ref := testutil.FFmpegDecode(t, filepath.Join(dir, "two.ogg"), 2, "-map", "0:a:0")
		if d.Format().Channels != 2 || got.Frames() != 30000 || d.Length() != 30000 {
			t.Fatalf("%v: %d frames, Length %d", d.Format(), got.Frames(), d.Length())
		}
		if m, rel := testutil.Diff(ref, got); m > maxDiffVsFFmpeg || rel > relDiffVsFFmpeg {
			t.Errorf("first stream differs from ffmpeg's: %.2e, %.1f dB", m, rel)
		}
	})
	t.Run("opus then vorbis", func(t *testing.T) {
		data := run("ov.ogg", "-i", b, "-i", a, "-map", "0", "-map", "1", "-c:a:0", "libopus", "-c:a:1", "libvorbis")
		got, d, err := decodeAll(t, data)
		if err != nil {
			t.Fatal(err)
		}
		if d.Format().Channels != 2 || got.Frames() != 30000 {
			t.Fatalf("%v: %d frames; want the stereo Vorbis stream", d.Format(), got.Frames())
		}
	})
	for name, c := range map[string]struct {
		args []string
		word string
	}{
		"opus":      {[]string{"-i", a, "-c:a", "libopus", "-f", "ogg"}, "Opus"},
		"ogg flac":  {[]string{"-i", a, "-c:a", "flac", "-f", "ogg"}, "FLAC"},
		"ogg speex": {nil, "Speex"},
	} {
		t.Run(name, func(t *testing.T) {
			var data []byte
			if c.args == nil {
				// A hand-made Speex header page: nothing encodes Speex here.
				data = mux(5, [][]byte{append([]byte("Speex   1.2"), make([]byte, 69)...), {1}, {2}}, 0)
			} else {
				data = run(strings.ReplaceAll(name, " ", "")+".ogg", c.args...)
			}
			if !Sniff(data) {
				t.Error("Sniff rejects it")
			}
			_, err := NewDecoder(bytes.NewReader(data))
			testutil.WantErr(t, err, audio.ErrUnsupported)
			if !strings.Contains(err.Error(), c.word) || !strings.HasPrefix(err.Error(), "ogg: ") {
				t.Errorf("error %q does not name %s", err, c.word)
			}
			t.Log(err)
		})
	}
}

func TestChained(t *testing.T) {
	one, _ := vorbisFile(t, 4)
	two, _ := vorbisFile(t, 5, "-q", "5", "-s", "1234")
	want := mustDecode(t, one)
	got, _, err := decodeAll(t, append(bytes.Clone(one), two...))
	testutil.WantErr(t, err, audio.ErrUnsupported)
	if !equalBuffers(got, want) {
		t.Errorf("decoded %d frames before the error, want the first link's %d", got.Frames(), want.Frames())
	}
	t.Log(err)
	// Trailing bytes that are not a page are ignored.
	if got := mustDecode(t, append(bytes.Clone(one), "trailing junk"...)); !equalBuffers(got, want) {
		t.Error("trailing junk changed the output")
	}
}

func TestTruncated(t *testing.T) {
	data, _ := vorbisFile(t, 6)
	full := mustDecode(t, data)
	pages := rawPages(t, data)
	at := func(i int) int { // offset of page i
		n := 0
		for _, p := range pages[:i] {
			n += len(p)
		}
		return n
	}
	last := len(pages) - 1
	for name, cut := range map[string]int{
		"before last page":  at(last),
		"inside last page":  at(last) + 100,
		"mid stream":        at(last/2) + len(pages[last/2])/2,
		"mid page header":   at(last/2) + 10,
		"after first page":  at(1),
		"inside headers":    at(1) + 200,
		"after header page": at(3),
		"four bytes":        4,
	} {
		t.Run(name, func(t *testing.T) {
			got, _, err := decodeAll(t, data[:cut])
			testutil.WantErr(t, err, io.ErrUnexpectedEOF)
			if !strings.HasPrefix(err.Error(), "ogg: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
			t.Logf("%d frames, then %v", got.Frames(), err)
			for c := range got {
				if !equalBuffers(audio.Buffer{got[c]}, audio.Buffer{full[c][:len(got[c])]}) {
					t.Fatal("frames before the error differ from the full decode")
				}
			}
		})
	}
}

func TestCorrupt(t *testing.T) {
	data, _ := vorbisFile(t, 7)
	pages := rawPages(t, data)
	flipped := bytes.Clone(data)
	flipped[len(data)/2] ^= 0x10
	var missing []byte
	for i, p := range pages {
		if i != len(pages)/2 {
			missing = append(missing, p...)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 5000)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	notBOS := bytes.Clone(pages[0])
	notBOS[5] = 0
	fixCRC(notBOS)
	pk := packetsOf(t, data)
	badAudio := bytes.Clone(pk[3])
	badAudio[0] |= 1 // a header packet where audio belongs
	junkInside := append(append(bytes.Clone(pages[0]), "junk"...), bytes.Join(pages[1:], nil)...)

	for name, c := range map[string]struct {
		data []byte
		want error
	}{
		"flipped byte":     {flipped, audio.ErrCorrupt},
		"missing page":     {missing, audio.ErrCorrupt},
		"not first page":   {notBOS, audio.ErrCorrupt},
		"header as audio":  {mux(1, append(pk[:3:3], badAudio), 1000), audio.ErrCorrupt},
		"no setup":         {mux(1, [][]byte{pk[0], pk[1], pk[1], pk[3]}, 1000), audio.ErrCorrupt},
		"no comment":       {mux(1, [][]byte{pk[0], pk[2], pk[2], pk[3]}, 1000), audio.ErrCorrupt},
		"junk after page":  {junkInside, audio.ErrCorrupt},
		"random":           {random, audio.ErrNotAudio},
		"empty":            {nil, audio.ErrNotAudio},
		"text":             {[]byte(strings.Repeat("hello ", 100)), audio.ErrNotAudio},
		"bad ident header": {mux(1, [][]byte{append([]byte("\x01vorbis"), make([]byte, 23)...), pk[1], pk[2]}, 0), audio.ErrCorrupt},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := decodeAll(t, c.data)
			testutil.WantErr(t, err, c.want)
			if !strings.HasPrefix(err.Error(), "ogg: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
			t.Log(err)
		})
	}
}

// TestLargeComment: a 3 MiB comment header (cover art) is skipped without
// being held in memory.
func TestLargeComment(t *testing.T) {
	data, path := vorbisFile(t, 8)
	want := mustDecode(t, data)
	vc := testutil.Tool(t, "vorbiscomment")
	list := filepath.Join(filepath.Dir(path), "comments.txt")
	if err := os.WriteFile(list, []byte("TITLE=x\nPICTURE="+strings.Repeat("A", 3<<20)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	testutil.Run(t, vc, "-w", "-c", list, path)
	big, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(big) < 3<<20 {
		t.Fatalf("file is %d bytes; comment not written", len(big))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	d, err := NewDecoder(onlyReader{bytes.NewReader(big)})
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 2<<20 {
		t.Errorf("NewDecoder allocated %d KiB for a 3 MiB comment", alloc>>10)
	}
	got := audio.NewBuffer(2, want.Frames())
	if n, err := audio.ReadFull(d, got); n != want.Frames() || err != nil || !equalBuffers(got, want) {
		t.Errorf("decoded %d frames (%v), want %d", n, err, want.Frames())
	}
}

func TestSniff(t *testing.T) {
	data, _ := vorbisFile(t, 9)
	if !Sniff(data[:64]) || !Sniff(data) {
		t.Error("rejects an Ogg Vorbis file")
	}
	bad := bytes.Clone(data[:200])
	bad[40] ^= 1 // inside the first page: checksum now wrong
	if Sniff(bad) {
		t.Error("accepts a first page with a bad checksum")
	}
	for _, head := range []string{"", "OggS", "RIFF\x00\x00\x00\x00WAVEfmt ", "fLaC\x00\x00\x00\x22", "ID3\x04\x00\x00\x00\x00\x00\x00"} {
		if Sniff([]byte(head)) {
			t.Errorf("accepts %q", head)
		}
	}
	rng := rand.New(rand.NewPCG(5, 6))
	head := make([]byte, 4096)
	for i := 0; i < 2000; i++ {
		for j := range head {
			head[j] = byte(rng.Uint32())
		}
		if i%2 == 0 {
			copy(head, "OggS") // the capture pattern alone is not enough
		}
		if Sniff(head) {
			t.Fatalf("accepts random data (trial %d)", i)
		}
	}
}

func TestReadFramesShapes(t *testing.T) {
	data, _ := vorbisFile(t, 10)
	want := mustDecode(t, data)
	for _, size := range []int{1, 7, 1024, 100000} {
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

// TestNoClipping: Vorbis can decode beyond full scale; the samples are kept.
func TestNoClipping(t *testing.T) {
	src := source(44100, 2, 44100, 11)
	for c := range src {
		for i := range src[c] {
			src[c][i] *= 1.95 // peaks near full scale; coding overshoot exceeds it
		}
	}
	data, _ := encode(t, t.TempDir(), "loud", src, 44100, "oggenc", "-q", "0")
	got := mustDecode(t, data)
	peak := float32(0)
	for c := range got {
		for _, v := range got[c] {
			peak = max(peak, v, -v)
		}
	}
	t.Logf("decoded peak %.3f", peak)
	if peak <= 1 {
		t.Errorf("peak %.3f: samples beyond full scale were clipped (or none occurred)", peak)
	}
}

func bufioReader(b []byte) *bufio.Reader {
	return bufio.NewReaderSize(bytes.NewReader(b), maxPageBytes+4096)
}

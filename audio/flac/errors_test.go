package flac

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/mixdown/mixdown/audio"
)

// decodeErr decodes a whole stream with our Decoder and returns the first
// error other than io.EOF (nil for a clean decode) and the samples decoded.
func decodeErr(data []byte) ([][]int32, error) {
	d, err := NewDecoder(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	f := d.Format()
	out := make([][]int32, f.Channels)
	buf := audio.NewBuffer(f.Channels, 777)
	scale := float32(int64(1) << (f.Bits - 1))
	for {
		n, err := d.ReadFrames(buf)
		for c := range out {
			for _, v := range buf[c][:n] {
				out[c] = append(out[c], int32(v*scale))
			}
		}
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			// Errors are sticky.
			if _, again := d.ReadFrames(buf); again != err {
				return out, errors.New("error not sticky: " + again.Error())
			}
			return out, err
		}
	}
}

// checkErr fails the test unless err wraps one of the wanted sentinels and
// reads like one of this package's errors.
func checkErr(t *testing.T, what string, err error, want ...error) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want %v", what, want)
		return
	}
	if !strings.HasPrefix(err.Error(), "flac: ") {
		t.Errorf("%s: error %q lacks the package prefix", what, err)
	}
	for _, w := range want {
		if errors.Is(err, w) {
			return
		}
	}
	t.Errorf("%s: error %q wraps none of %v", what, err, want)
}

// smallStream is a short mono stream of several small frames, for tests
// that damage it byte by byte.
func smallStream(t testing.TB) ([]byte, [][]int32) {
	ints := gen(kindSong, 1, 1000, 16, 21)
	return encodeInts(t, ints, 16, 44100, Options{BlockSize: 256}, 0), ints
}

// headerLen returns the length of the signature and metadata of a stream.
func headerLen(t testing.TB, data []byte) int {
	d, err := NewDecoder(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return int(d.offset())
}

// TestTruncation cuts a stream at every byte: each prefix must fail, as not
// FLAC while the signature is incomplete and as truncated after that.
func TestTruncation(t *testing.T) {
	data, _ := smallStream(t)
	for cut := 0; cut < len(data); cut++ {
		_, err := decodeErr(data[:cut])
		if cut < len(signature) {
			checkErr(t, "cut at "+strconv.Itoa(cut), err, audio.ErrNotAudio)
		} else {
			checkErr(t, "cut at "+strconv.Itoa(cut), err, io.ErrUnexpectedEOF)
		}
	}
}

// TestCorruption flips one bit in every byte of the frames: the frame CRCs
// and the MD5 signature must catch every one. Flips in STREAMINFO must either
// be caught or be harmless.
func TestCorruption(t *testing.T) {
	data, ints := smallStream(t)
	hl := headerLen(t, data)
	counts := map[string]int{}
	for i := range data {
		bad := bytes.Clone(data)
		bad[i] ^= 1 << (i % 8)
		got, err := decodeErr(bad)
		switch {
		case i < hl && err == nil:
			// A field the decoder does not depend on (frame size limits,
			// minimum block size): the audio must be intact.
			compareInts(t, got, ints)
			counts["benign"]++
		case i < hl:
			checkErr(t, "flip in header byte "+strconv.Itoa(i), err, audio.ErrCorrupt, audio.ErrUnsupported, audio.ErrNotAudio, io.ErrUnexpectedEOF)
		default:
			checkErr(t, "flip in frame byte "+strconv.Itoa(i), err, audio.ErrCorrupt, io.ErrUnexpectedEOF)
			if errors.Is(err, audio.ErrCorrupt) {
				counts["corrupt"]++
			} else {
				counts["truncated"]++
			}
		}
	}
	t.Logf("%d bytes: %v", len(data), counts)
}

// TestCraftedHeaders feeds headers that are malformed or absurd.
func TestCraftedHeaders(t *testing.T) {
	good := streamInfo{minBlock: 4096, maxBlock: 4096, rate: 44100, channels: 2, bps: 16}
	with := func(f func(si *streamInfo)) []byte {
		si := good
		f(&si)
		return craft(true, blockStreamInfo, appendStreamInfo(nil, &si))
	}
	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, audio.ErrNotAudio},
		{"RIFF", []byte("RIFF\x00\x00\x00\x00WAVEfmt "), audio.ErrNotAudio},
		{"ID3 then MP3", append(id3Tag(10), 0xFF, 0xFB, 0x90, 0x00), audio.ErrNotAudio},
		{"truncated ID3", id3Tag(1000)[:100], io.ErrUnexpectedEOF},
		{"first block not STREAMINFO", craft(true, blockVorbisComment, appendStreamInfo(nil, &good)), audio.ErrCorrupt},
		{"STREAMINFO too short", craft(true, blockStreamInfo, appendStreamInfo(nil, &good)[:33]), audio.ErrCorrupt},
		{"sample rate 0", with(func(si *streamInfo) { si.rate = 0 }), audio.ErrUnsupported},
		{"32-bit samples", with(func(si *streamInfo) { si.bps = 32 }), audio.ErrUnsupported},
		{"3-bit samples", with(func(si *streamInfo) { si.bps = 3 }), audio.ErrCorrupt},
		{"max block size 15", with(func(si *streamInfo) { si.maxBlock = 15 }), audio.ErrCorrupt},
		{"min block size above max", with(func(si *streamInfo) { si.minBlock = 8192 }), audio.ErrCorrupt},
		{"block type 127", append(nonLast(with(func(*streamInfo) {})), craftBlock(true, blockInvalid, nil)...), audio.ErrCorrupt},
		{"second STREAMINFO", append(nonLast(with(func(*streamInfo) {})), craftBlock(true, blockStreamInfo, appendStreamInfo(nil, &good))...), audio.ErrCorrupt},
		{"metadata truncated", append(nonLast(with(func(*streamInfo) {})), craftBlock(true, 1, make([]byte, 100))[:50]...), io.ErrUnexpectedEOF},
		{"total declared, no frames", with(func(si *streamInfo) { si.total = 1000 }), io.ErrUnexpectedEOF},
		{"garbage instead of frames", append(with(func(*streamInfo) {}), "not a frame at all"...), audio.ErrCorrupt},
	}
	for _, c := range cases {
		_, err := decodeErr(c.data)
		checkErr(t, c.name, err, c.want)
	}
}

// TestID3Prefix decodes a stream behind an ID3v2 tag (with a footer flag).
func TestID3Prefix(t *testing.T) {
	data, ints := smallStream(t)
	tagged := append(id3Tag(300), data...)
	tagged[5] |= 0x10 // footer present: 10 more bytes
	tagged = append(tagged[:310], append(make([]byte, 10), tagged[310:]...)...)
	if !Sniff(tagged) {
		t.Error("Sniff rejects a tagged stream")
	}
	got, err := decodeErr(tagged)
	if err != nil {
		t.Fatal(err)
	}
	compareInts(t, got, ints)
}

// TestFrameLevelDamage damages the frame sequence and STREAMINFO's claims
// about it.
func TestFrameLevelDamage(t *testing.T) {
	data, ints := smallStream(t)
	hl := headerLen(t, data)
	st := inspect(t, data)
	// Frame boundaries.
	starts := []int{hl}
	for _, s := range st.frameSizes {
		starts = append(starts, starts[len(starts)-1]+s)
	}
	frameBytes := func(i int) []byte { return data[starts[i]:starts[i+1]] }
	splice := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	siOff := len(signature) + blockHeaderLen
	setInfo := func(b []byte, f func(si *streamInfo)) []byte {
		b = bytes.Clone(b)
		si := parseStreamInfo(b[siOff:])
		f(&si)
		copy(b[siOff:], appendStreamInfo(nil, &si))
		return b
	}

	// A missing or repeated frame is caught by the frame numbers.
	_, err := decodeErr(splice(data[:starts[1]], data[starts[2]:]))
	checkErr(t, "missing frame", err, audio.ErrCorrupt)
	_, err = decodeErr(splice(data[:starts[2]], frameBytes(1), data[starts[2]:]))
	checkErr(t, "repeated frame", err, audio.ErrCorrupt)

	// Frames that contradict STREAMINFO.
	_, err = decodeErr(setInfo(data, func(si *streamInfo) { si.channels = 2 }))
	checkErr(t, "channel count", err, audio.ErrCorrupt)
	_, err = decodeErr(setInfo(data, func(si *streamInfo) { si.bps = 24 }))
	checkErr(t, "sample size", err, audio.ErrCorrupt)
	_, err = decodeErr(setInfo(data, func(si *streamInfo) { si.rate = 48000 }))
	checkErr(t, "sample rate", err, audio.ErrCorrupt)
	_, err = decodeErr(setInfo(data, func(si *streamInfo) { si.minBlock, si.maxBlock = 100, 100 }))
	checkErr(t, "block size", err, audio.ErrCorrupt)
	_, err = decodeErr(setInfo(data, func(si *streamInfo) { si.md5[0] ^= 1 }))
	checkErr(t, "MD5", err, audio.ErrCorrupt)
	_, err = decodeErr(setInfo(data, func(si *streamInfo) { si.total -= 10 }))
	checkErr(t, "total too small", err, audio.ErrCorrupt)
	_, err = decodeErr(setInfo(data, func(si *streamInfo) { si.total += 10 }))
	checkErr(t, "total too large", err, io.ErrUnexpectedEOF)

	// A stream cut at a frame boundary is truncated, not finished.
	_, err = decodeErr(data[:starts[2]])
	checkErr(t, "cut at a frame boundary", err, io.ErrUnexpectedEOF)

	// Junk after the declared length (an ID3v1 tag, say) is ignored...
	got, err := decodeErr(splice(data, []byte("TAG"), make([]byte, 125)))
	if err != nil {
		t.Fatalf("junk after the last frame: %v", err)
	}
	compareInts(t, got, ints)
	// ...but when the length is unknown it must look like a frame.
	unknown := setInfo(data, func(si *streamInfo) { si.total = 0 })
	got, err = decodeErr(unknown)
	if err != nil {
		t.Fatalf("unknown length: %v", err)
	}
	compareInts(t, got, ints)
	_, err = decodeErr(splice(unknown, []byte("TAG"), make([]byte, 125)))
	checkErr(t, "junk after an unknown length", err, audio.ErrCorrupt)
}

// TestHugeClaimsAllocation: headers that claim enormous sizes must fail
// having allocated only what the decoder always needs.
func TestHugeClaimsAllocation(t *testing.T) {
	big := streamInfo{minBlock: 65535, maxBlock: 65535, rate: 192000, channels: 8, bps: 24, total: 1<<36 - 1}
	head := nonLast(craft(true, blockStreamInfo, appendStreamInfo(nil, &big)))
	// A frame header for 65535 frames of 8 channels at 24 bits, then nothing.
	fh := []byte{0xFF, 0xF8, 0x73, 0x7C, 0x00, 0xFF, 0xFE}
	fh = append(fh, crc8(fh))
	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"16 MiB metadata block", append(bytes.Clone(head), 0x81, 0xFF, 0xFF, 0xFF, 1, 2, 3), io.ErrUnexpectedEOF},
		{"4 GiB vendor string", append(bytes.Clone(head), 0x84, 0xFF, 0xFF, 0xFF, 0xF0, 0xFF, 0xFF, 0xFF, 'x'), io.ErrUnexpectedEOF},
		{"4 G comments", append(bytes.Clone(head), 0x84, 0x00, 0x00, 0x10, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F), io.ErrUnexpectedEOF},
		{"256 MiB ID3 tag", append(id3Tag(1<<28 - 1)[:10], make([]byte, 100)...), io.ErrUnexpectedEOF},
		{"65535-frame 8-channel frame", append(lastBlock(head), fh...), io.ErrUnexpectedEOF},
		// ...with the start of a verbatim subframe.
		{"65535-frame verbatim subframe", append(append(lastBlock(head), fh...), 0x02, 1, 2, 3, 4, 5), io.ErrUnexpectedEOF},
	}
	for _, c := range cases {
		var err error
		allocated := bytesAllocated(func() { _, err = decodeErr(c.data) })
		checkErr(t, c.name, err, c.want)
		const limit = 4 << 20
		if allocated > limit {
			t.Errorf("%s: allocated %d bytes (limit %d)", c.name, allocated, limit)
		}
		t.Logf("%s: %d bytes allocated", c.name, allocated)
	}
}

// bytesAllocated returns the bytes f allocates on the heap (the minimum over
// a few runs, to discount other goroutines).
func bytesAllocated(f func()) uint64 {
	best := ^uint64(0)
	for range 3 {
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		f()
		runtime.ReadMemStats(&m1)
		best = min(best, m1.TotalAlloc-m0.TotalAlloc)
	}
	return best
}

// TestSniff checks the signature test.
func TestSniff(t *testing.T) {
	data, _ := smallStream(t)
	cases := []struct {
		head []byte
		want bool
	}{
		{data[:4], true},
		{data, true},
		{[]byte("fLa"), false},
		{[]byte("RIFF....WAVE"), false},
		{append(id3Tag(20), "fLaC"...), true},
		{append(id3Tag(20), "RIFF"...), false},
		{id3Tag(5000)[:100], false}, // tag longer than the head: cannot tell
		{nil, false},
	}
	for i, c := range cases {
		if got := Sniff(c.head); got != c.want {
			t.Errorf("case %d: Sniff = %v, want %v", i, got, c.want)
		}
	}
}

// Helpers to build streams by hand.

func craftBlock(last bool, typ int, body []byte) []byte {
	b := byte(typ)
	if last {
		b |= 0x80
	}
	return append([]byte{b, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}, body...)
}

// craft returns "fLaC" and one metadata block.
func craft(last bool, typ int, body []byte) []byte {
	return append([]byte("fLaC"), craftBlock(last, typ, body)...)
}

// nonLast clears the last-block flag of the first metadata block.
func nonLast(b []byte) []byte {
	b = bytes.Clone(b)
	b[4] &^= 0x80
	return b
}

// lastBlock sets the last-block flag of the first metadata block.
func lastBlock(b []byte) []byte {
	b = bytes.Clone(b)
	b[4] |= 0x80
	return b
}

// id3Tag returns an ID3v2.4 tag with a body of n zero bytes.
func id3Tag(n int) []byte {
	b := []byte{'I', 'D', '3', 4, 0, 0, byte(n >> 21 & 0x7F), byte(n >> 14 & 0x7F), byte(n >> 7 & 0x7F), byte(n & 0x7F)}
	return append(b, make([]byte, n)...)
}

// crc8 is the frame header checksum (polynomial x^8 + x^2 + x + 1).
func crc8(b []byte) byte {
	var c byte
	for _, v := range b {
		c ^= v
		for range 8 {
			if c&0x80 != 0 {
				c = c<<1 ^ 0x07
			} else {
				c <<= 1
			}
		}
	}
	return c
}

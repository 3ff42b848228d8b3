package mp3

import (
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/internal/testutil"
)

// FuzzDecode decodes arbitrary input and checks the contract: no panic or
// hang, errors with the package prefix that wrap a known sentinel, output
// within full scale and no more frames than the input can hold.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.mp3")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		f.Add(data[:len(data)/2])
		f.Add(append(id3v2(20, false), data...))
		f.Add(append(bytes.Clone(data), id3v1()...))
	}
	f.Add(mixedBlockFrames(0))
	f.Add(mixedBlockFrames(2))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecode(t, data)
	})
}

// bitWriter packs MSB-first bit fields, as MPEG headers and side info are.
type bitWriter struct {
	b []byte
	n int
}

func (w *bitWriter) put(v uint32, bits int) {
	for i := bits - 1; i >= 0; i-- {
		if w.n%8 == 0 {
			w.b = append(w.b, 0)
		}
		if v>>uint(i)&1 != 0 {
			w.b[len(w.b)-1] |= 0x80 >> uint(w.n%8)
		}
		w.n++
	}
}

// mixedBlockFrames returns MPEG-2 mono frames: silent ones (all-zero side
// information), then one that uses a mixed short block. go-mp3 v0.3.4 reads
// 38 scale factors for such a granule and then indexes the 39th, panicking
// with an index out of range.
func mixedBlockFrames(silentFirst int) []byte {
	var w bitWriter
	w.put(0, 8)                          // main_data_begin
	w.put(0, 1)                          // private bit (mono)
	w.put(100, 12)                       // part2_3_length
	w.put(0, 9)                          // big_values
	w.put(150, 8)                        // global_gain
	w.put(0, 9)                          // scalefac_compress
	w.put(1, 1)                          // window switching
	w.put(2, 2)                          // block type: short
	w.put(1, 1)                          // mixed block
	w.put(0, 10)                         // two table selects
	w.put(0, 9)                          // three subblock gains
	w.put(0, 2)                          // scalefac_scale, count1 table
	hb := []byte{0xFF, 0xF3, 0x40, 0xC4} // MPEG-2 Layer III, 32 kbit/s, 22.05 kHz, mono
	h, _, _ := parseHeader(hb)
	var data []byte
	for k := 0; k <= silentFirst+1; k++ {
		fr := make([]byte, h.size)
		copy(fr, hb)
		if k >= silentFirst {
			copy(fr[4:], w.b)
		}
		data = append(data, fr...)
	}
	return data
}

// TestLibraryPanicRecovered: a go-mp3 panic becomes audio.ErrCorrupt, both
// when NewDecoder decodes the first frame and later in ReadFrames (after the
// frames decoded before it are returned).
func TestLibraryPanicRecovered(t *testing.T) {
	_, err := NewDecoder(bytes.NewReader(mixedBlockFrames(0)))
	testutil.WantErr(t, err, audio.ErrCorrupt)
	t.Log(err)

	got, _, err := decodeAll(t, mixedBlockFrames(2))
	testutil.WantErr(t, err, audio.ErrCorrupt)
	if got.Frames() != 2*576 {
		t.Errorf("%d frames before the error, want the two silent frames", got.Frames())
	}
	t.Log(err)
	checkDecode(t, mixedBlockFrames(0))
	checkDecode(t, mixedBlockFrames(2))
}

func checkDecode(t *testing.T, data []byte) {
	checkErr := func(err error) {
		t.Helper()
		if !strings.HasPrefix(err.Error(), "mp3: ") {
			t.Fatalf("error %q lacks the package prefix", err)
		}
		for _, target := range []error{audio.ErrCorrupt, audio.ErrNotAudio, audio.ErrUnsupported, io.ErrUnexpectedEOF} {
			if errors.Is(err, target) {
				return
			}
		}
		t.Fatalf("error %q wraps no sentinel", err)
	}
	d, err := NewDecoder(bytes.NewReader(data))
	if err != nil {
		checkErr(err)
		return
	}
	// Every frame of at least 24 bytes decodes to at most 1152 frames.
	limit := (len(data)/24 + 1) * 1152
	buf := audio.NewBuffer(d.Format().Channels, 999)
	total := 0
	for {
		n, err := d.ReadFrames(buf)
		total += n
		for _, ch := range buf {
			for _, v := range ch[:n] {
				if !(math.Abs(float64(v)) <= 1) {
					t.Fatalf("sample %v", v)
				}
			}
		}
		if total > limit {
			t.Fatalf("%d frames from %d bytes", total, len(data))
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			checkErr(err)
			break
		}
	}
	if l := d.Length(); l >= 0 && err == nil && int64(total) > l {
		t.Fatalf("decoded %d frames, Length says %d", total, l)
	}
}

// FuzzFrames lays arbitrary bytes into a sequence of frames with valid
// headers (so that the input reaches go-mp3's bitstream decoding rather than
// failing frame sync) and checks the same contract as FuzzDecode.
func FuzzFrames(f *testing.F) {
	for _, name := range []string{"testdata/chirp-stereo-48k-v6.mp3", "testdata/sine440-mono-44k-cbr64.mp3"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(0), data)
		f.Add(uint8(5), data[len(data)/3:])
	}
	f.Fuzz(func(t *testing.T, kind uint8, payload []byte) {
		checkDecode(t, framed(kind, payload))
	})
}

// framed wraps payload into Layer III frames; kind picks one of a few
// header templates (MPEG-1/2, mono/joint stereo, with or without CRC).
func framed(kind uint8, payload []byte) []byte {
	templates := [...][4]byte{
		{0xFF, 0xFB, 0x90, 0x44}, // MPEG-1, 128 kbit/s, 44.1 kHz, joint stereo
		{0xFF, 0xFB, 0x50, 0xC4}, // MPEG-1, 64 kbit/s, 44.1 kHz, mono
		{0xFF, 0xFA, 0x94, 0x64}, // MPEG-1, 128 kbit/s, 48 kHz, joint stereo, CRC
		{0xFF, 0xF3, 0x84, 0x44}, // MPEG-2, 64 kbit/s, 24 kHz, joint stereo
		{0xFF, 0xF3, 0x40, 0xC4}, // MPEG-2, 32 kbit/s, 22.05 kHz, mono
		{0xFF, 0xFB, 0x90, 0x04}, // MPEG-1, 128 kbit/s, 44.1 kHz, stereo
	}
	hb := templates[int(kind)%len(templates)]
	h, _, _ := parseHeader(hb[:])
	var out []byte
	for len(payload) > 0 && len(out) < 64<<10 {
		n := min(h.size-4, len(payload))
		frame := make([]byte, h.size)
		copy(frame, hb[:])
		copy(frame[4:], payload[:n])
		payload = payload[n:]
		out = append(out, frame...)
	}
	return out
}

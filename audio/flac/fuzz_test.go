package flac

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/mixdown/mixdown/audio"
)

// FuzzDecode feeds arbitrary bytes to the Decoder: it must never panic or
// hang, and every error must carry the package prefix and one of the
// documented sentinels. Seeds are small valid streams of many shapes.
func FuzzDecode(f *testing.F) {
	type seed struct {
		kind           string
		channels, bits int
		frames, block  int
		level          int
	}
	for i, s := range []seed{
		{kindSong, 1, 16, 300, 64, 5},
		{kindSong, 2, 24, 300, 128, 8},
		{kindSong, 2, 16, 200, 16, 1},
		{kindSong, 2, 8, 100, 32, 5},
		{kindSong, 2, 12, 100, 32, 5},
		{kindSong, 1, 20, 100, 32, 5},
		{kindNoise, 2, 16, 100, 50, 5},
		{kindSquare, 3, 16, 100, 50, 5},
		{kindSilence, 8, 24, 40, 20, 5},
		{kindWasted, 1, 24, 100, 100, 5},
	} {
		ints := gen(s.kind, s.channels, s.frames, s.bits, uint64(i))
		f.Add(encodeInts(f, ints, s.bits, 44100, Options{BlockSize: s.block, Level: s.level}, 0))
	}
	// A non-default layout (VORBIS_COMMENT block) behind an ID3v2 tag.
	var m memFile
	e, err := NewEncoder(&m, audio.Format{SampleRate: 48000, Channels: 6, Layout: audio.Layout5_1Side, Bits: 16}, Options{BlockSize: 32})
	if err != nil {
		f.Fatal(err)
	}
	if err := e.WriteFrames(toFloat(gen(kindSong, 6, 64, 16, 1), 16)); err != nil {
		f.Fatal(err)
	}
	if err := e.Close(); err != nil {
		f.Fatal(err)
	}
	f.Add(append(id3Tag(16), m.b...))

	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := NewDecoder(bytes.NewReader(data))
		if err != nil {
			checkFuzzErr(t, err)
			return
		}
		fm := d.Format()
		if err := fm.Validate(); err != nil || fm.Channels > 8 || fm.Bits < 4 || fm.Bits > 24 {
			t.Fatalf("decoder accepted format %v (%v)", fm, err)
		}
		const bufFrames = 1000
		buf := audio.NewBuffer(fm.Channels, bufFrames)
		total := int64(0)
		for total < 1<<22 { // bound the work per input
			n, err := d.ReadFrames(buf)
			if n < 0 || n > bufFrames {
				t.Fatalf("ReadFrames returned %d frames", n)
			}
			total += int64(n)
			if err == io.EOF {
				if l := d.Length(); l >= 0 && l != total {
					t.Fatalf("clean end after %d frames, header says %d", total, l)
				}
				return
			}
			if err != nil {
				checkFuzzErr(t, err)
				return
			}
		}
	})
}

func checkFuzzErr(t *testing.T, err error) {
	t.Helper()
	if !strings.HasPrefix(err.Error(), "flac: ") {
		t.Fatalf("error without prefix: %v", err)
	}
	for _, s := range []error{audio.ErrCorrupt, audio.ErrUnsupported, audio.ErrNotAudio, io.ErrUnexpectedEOF} {
		if errors.Is(err, s) {
			return
		}
	}
	t.Fatalf("error without sentinel: %v", err)
}

package flac

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/mewkiz/flac/frame"

	"github.com/mixdown/mixdown/audio"
)

// TestEncoderRejects checks the formats and options NewEncoder refuses.
func TestEncoderRejects(t *testing.T) {
	ok := audio.Format{SampleRate: 44100, Channels: 2, Type: audio.SampleInt, Bits: 16}
	cases := []struct {
		name string
		f    func(*audio.Format, *Options)
	}{
		{"32-bit", func(f *audio.Format, _ *Options) { f.Bits = 32 }},
		{"17-bit", func(f *audio.Format, _ *Options) { f.Bits = 17 }},
		{"0 bits", func(f *audio.Format, _ *Options) { f.Bits = 0 }},
		{"0 channels", func(f *audio.Format, _ *Options) { f.Channels = 0 }},
		{"9 channels", func(f *audio.Format, _ *Options) { f.Channels = 9 }},
		{"0 Hz", func(f *audio.Format, _ *Options) { f.SampleRate = 0 }},
		{"2 MHz", func(f *audio.Format, _ *Options) { f.SampleRate = 2000000 }},
		{"layout of 3 channels", func(f *audio.Format, _ *Options) { f.Layout = audio.Layout3_0 }},
		{"block size 15", func(_ *audio.Format, o *Options) { o.BlockSize = 15 }},
		{"block size 65536", func(_ *audio.Format, o *Options) { o.BlockSize = 65536 }},
		{"level 9", func(_ *audio.Format, o *Options) { o.Level = 9 }},
		{"level -1", func(_ *audio.Format, o *Options) { o.Level = -1 }},
	}
	for _, c := range cases {
		f, o := ok, Options{}
		c.f(&f, &o)
		var m memFile
		_, err := NewEncoder(&m, f, o)
		if !errors.Is(err, audio.ErrUnsupported) || !strings.HasPrefix(err.Error(), "flac: ") {
			t.Errorf("%s: error %v", c.name, err)
		}
		if len(m.b) != 0 {
			t.Errorf("%s: %d bytes written", c.name, len(m.b))
		}
	}
}

// failingFile fails every write after the first limit bytes, and optionally
// every seek.
type failingFile struct {
	memFile
	limit  int
	noSeek bool
}

var errDiskFull = errors.New("disk full")

func (f *failingFile) Write(p []byte) (int, error) {
	if len(f.b)+len(p) > f.limit {
		return 0, errDiskFull
	}
	return f.memFile.Write(p)
}

func (f *failingFile) Seek(off int64, whence int) (int64, error) {
	if f.noSeek {
		return 0, errors.New("illegal seek")
	}
	return f.memFile.Seek(off, whence)
}

// TestEncoderWriteErrors checks that output errors reach the caller with
// their identity intact, and that the encoder then stays failed.
func TestEncoderWriteErrors(t *testing.T) {
	f := audio.Format{SampleRate: 44100, Channels: 2, Bits: 16}
	if _, err := NewEncoder(&failingFile{limit: 1 << 30, noSeek: true}, f, Options{}); err == nil {
		t.Error("unseekable output accepted")
	}
	buf := toFloat(gen(kindNoise, 2, 200000, 16, 1), 16)
	w := &failingFile{limit: 100000}
	e, err := NewEncoder(w, f, Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = e.WriteFrames(buf)
	if !errors.Is(err, errDiskFull) {
		t.Fatalf("WriteFrames error %v, want it to wrap %v", err, errDiskFull)
	}
	if err2 := e.WriteFrames(buf); err2 != err {
		t.Errorf("second WriteFrames: %v", err2)
	}
	if err2 := e.Close(); !errors.Is(err2, errDiskFull) {
		t.Errorf("Close: %v", err2)
	}
	// The failure may also come only when Close flushes.
	w = &failingFile{limit: 30000}
	e, _ = NewEncoder(w, f, Options{})
	if err := e.WriteFrames(buf.Slice(make(audio.Buffer, 2), 0, 4096)); err != nil {
		t.Fatal(err) // buffered, not yet written
	}
	if err := e.WriteFrames(buf.Slice(make(audio.Buffer, 2), 0, 4000)); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); !errors.Is(err, errDiskFull) {
		t.Errorf("Close after a failed flush: %v", err)
	}
}

// TestEncoderMisuse checks the documented behaviour after Close and with a
// buffer of the wrong shape.
func TestEncoderMisuse(t *testing.T) {
	var m memFile
	e, err := NewEncoder(&m, audio.Format{SampleRate: 44100, Channels: 2, Bits: 16}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if p := recover(); p == nil || !strings.HasPrefix(p.(string), "flac: ") {
				t.Errorf("WriteFrames with 1 channel: panic %v", p)
			}
		}()
		_ = e.WriteFrames(audio.NewBuffer(1, 10))
	}()
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := e.WriteFrames(audio.NewBuffer(2, 10)); err == nil {
		t.Error("WriteFrames after Close succeeded")
	}
}

// TestClipping checks that out-of-range input is clipped and counted.
func TestClipping(t *testing.T) {
	var m memFile
	e, _ := NewEncoder(&m, audio.Format{SampleRate: 44100, Channels: 1, Bits: 16}, Options{})
	if err := e.WriteFrames(audio.Buffer{{0.5, 1.0, 1.5, -1.0, -2, 0}}); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if e.Clipped() != 3 { // 1.0, 1.5 and -2
		t.Errorf("Clipped() = %d, want 3", e.Clipped())
	}
	got, _, err := decodeInts(t, m.b)
	if err != nil {
		t.Fatal(err)
	}
	compareInts(t, got, [][]int32{{16384, 32767, 32767, -32768, -32768, 0}})
}

// TestStereoModes checks that the cheapest stereo decorrelation is chosen
// for signals where one is clearly best.
func TestStereoModes(t *testing.T) {
	song := gen(kindSong, 1, 8192, 16, 2)[0]
	neg := make([]int32, len(song))
	half := make([]int32, len(song))
	for i, v := range song {
		neg[i] = -v
		half[i] = v / 2
	}
	noise := gen(kindNoise, 2, 8192, 16, 3)
	cases := []struct {
		name string
		l, r []int32
		ok   []frame.Channels
	}{
		{"identical", song, song, []frame.Channels{frame.ChannelsLeftSide, frame.ChannelsSideRight, frame.ChannelsMidSide}},
		{"inverted", song, neg, []frame.Channels{frame.ChannelsMidSide}},
		{"independent noise", noise[0], noise[1], []frame.Channels{frame.ChannelsLR}},
	}
	for _, c := range cases {
		st := inspect(t, encodeInts(t, [][]int32{c.l, c.r}, 16, 44100, Options{}, 0))
		for mode, n := range st.assign {
			found := false
			for _, ok := range c.ok {
				found = found || mode == ok
			}
			if !found {
				t.Errorf("%s: %d frames use channel assignment %d, want one of %v", c.name, n, mode, c.ok)
			}
		}
	}
}

// TestPanicGuard checks that a panic in mewkiz's frame parser becomes an
// ErrCorrupt error (no input found so far makes it panic; this injects one).
func TestPanicGuard(t *testing.T) {
	data, _ := smallStream(t)
	orig := parseSubframes
	defer func() { parseSubframes = orig }()
	parseSubframes = func(*frame.Frame) error { panic("index out of range") }
	d, err := NewDecoder(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.ReadFrames(audio.NewBuffer(1, 100))
	checkErr(t, "panicking parser", err, audio.ErrCorrupt)
	if _, err2 := d.ReadFrames(audio.NewBuffer(1, 100)); err2 != err {
		t.Errorf("error not sticky: %v", err2)
	}
}

// TestDecoderMisuse checks the panic for a buffer of the wrong shape.
func TestDecoderMisuse(t *testing.T) {
	data, _ := smallStream(t)
	d, err := NewDecoder(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if p := recover(); p == nil || !strings.HasPrefix(p.(string), "flac: ") {
			t.Errorf("ReadFrames into 2 channels: panic %v", p)
		}
	}()
	_, _ = d.ReadFrames(audio.NewBuffer(2, 10))
}

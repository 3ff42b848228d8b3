package audiofile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/internal/synth"
	"github.com/mixdown/mixdown/internal/testutil"
)

func writeFile(t *testing.T, path string, f audio.Format, src audio.Buffer, opt WriteOptions) {
	t.Helper()
	w, err := Create(path, f, opt)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteFrames(src); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// Files are recognised by content: each is written under a misleading name.
func TestOpenByContent(t *testing.T) {
	dir := t.TempDir()
	src := synth.SongBuffer(44100, 1, 1)
	f16 := audio.Format{SampleRate: 44100, Channels: 2, Type: audio.SampleInt, Bits: 16}
	for _, c := range []struct {
		container Container
		codec     string
		format    audio.Format
	}{
		{WAV, "wav", f16},
		{FLAC, "flac", f16},
		{AIFF, "aiff", f16},
		{AIFF, "aifc", audio.Format{SampleRate: 44100, Channels: 2, Type: audio.SampleFloat, Bits: 32}},
		{WAV, "wav", audio.Format{SampleRate: 44100, Channels: 2, Type: audio.SampleFloat, Bits: 32}},
	} {
		path := filepath.Join(dir, "misnamed-"+c.codec+".mp3")
		writeFile(t, path, c.format, src, WriteOptions{Container: c.container, Dither: audio.DitherTPDF})
		f, err := Open(path)
		if err != nil {
			t.Fatalf("%s: %v", c.codec, err)
		}
		if f.Info().Codec != c.codec || f.Format().Bits != c.format.Bits || f.Length() != int64(src.Frames()) {
			t.Errorf("%s: info %+v", c.codec, f.Info())
		}
		got := testutil.ReadAll(t, f, 1000)
		if got.Frames() != src.Frames() {
			t.Errorf("%s: %d frames, want %d", c.codec, got.Frames(), src.Frames())
		}
		f.Close()
	}
}

func TestOpenErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		path string
		want error
		text string
	}{
		{write("empty.wav", nil), audio.ErrNotAudio, "empty file"},
		{write("doc.wav", []byte("%PDF-1.7 not audio at all")), audio.ErrNotAudio, "PDF"},
		{write("notes.flac", []byte("just some text in a file")), audio.ErrNotAudio, "not a recognised audio format"},
		{write("short.wav", []byte("RIFF\x24\x00\x00\x00WAVEfmt ")), io.ErrUnexpectedEOF, "ends inside"},
		{filepath.Join(dir, "missing.wav"), fs.ErrNotExist, "no such file"},
		{dir, nil, "is a directory"},
	}
	for _, c := range cases {
		_, err := Open(c.path)
		if err == nil {
			t.Fatalf("%s: no error", c.path)
		}
		if c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.path, err, c.want)
		}
		if !strings.Contains(err.Error(), c.path) || !strings.Contains(err.Error(), c.text) {
			t.Errorf("error %q should name %s and say %q", err, c.path, c.text)
		}
	}
	// Truncation discovered while reading also names the file.
	p := filepath.Join(dir, "cut.wav")
	writeFile(t, p, audio.Format{SampleRate: 8000, Channels: 1, Type: audio.SampleInt, Bits: 16}, synth.Sine(8000, 1, 8000, 440, 0.5, 0), WriteOptions{})
	data, _ := os.ReadFile(p)
	os.WriteFile(p, data[:len(data)-101], 0o644)
	f, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, err = testutil.ReadAllErr(f, 512)
	if !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), p) {
		t.Fatalf("truncated read: %v", err)
	}
}

func TestCreateIsAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.wav")
	f := audio.Format{SampleRate: 8000, Channels: 1, Type: audio.SampleInt, Bits: 16}
	w, err := Create(path, f, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteFrames(audio.Buffer{make([]float32, 100)}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("output visible before Close")
	}
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("Abort left %v", entries)
	}
	// A failing encoder (FLAC cannot hold float) leaves nothing behind.
	if _, err := Create(filepath.Join(dir, "x.flac"), audio.Format{SampleRate: 8000, Channels: 1, Type: audio.SampleFloat, Bits: 32}, WriteOptions{}); err == nil {
		t.Fatal("FLAC accepted float samples")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("failed Create left %v", entries)
	}
	// An existing file is replaced only when the new one is complete.
	os.WriteFile(path, []byte("old"), 0o644)
	writeFile(t, path, f, audio.Buffer{make([]float32, 10)}, WriteOptions{})
	if d, err := os.ReadFile(path); err != nil || string(d[:4]) != "RIFF" {
		t.Fatalf("replace failed: %v", err)
	}
	if _, err := ContainerFor("x.ogg"); !errors.Is(err, audio.ErrUnsupported) {
		t.Fatal("ContainerFor accepted .ogg")
	}
}

// Lossy files made by the reference encoders open by content, with the
// source's exact length (gapless trimming).
func TestOpenLossyByContent(t *testing.T) {
	lame := testutil.Tool(t, "lame")
	oggenc := testutil.Tool(t, "oggenc")
	dir := t.TempDir()
	src := filepath.Join(dir, "src.wav")
	frames := 44100*2 + 17
	writeFile(t, src, audio.Format{SampleRate: 44100, Channels: 2, Type: audio.SampleInt, Bits: 16},
		synth.SongBuffer(44100, float64(frames)/44100, 2), WriteOptions{Dither: audio.DitherTPDF})
	mp3Path := filepath.Join(dir, "song.dat")
	oggPath := filepath.Join(dir, "song.bin")
	testutil.Run(t, lame, "--quiet", "-V", "2", src, mp3Path)
	testutil.Run(t, oggenc, "-Q", "-q", "4", "-o", oggPath, src)
	for path, codec := range map[string]string{mp3Path: "mp3", oggPath: "vorbis"} {
		f, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		got := testutil.ReadAll(t, f, 999)
		f.Close()
		if f.Info().Codec != codec || f.Format().Type != audio.SampleLossy || got.Frames() != frames {
			t.Errorf("%s: codec %s type %v, %d frames (want %s, %d)", path, f.Info().Codec, f.Format().Type, got.Frames(), codec, frames)
		}
	}
}

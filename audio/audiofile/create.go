package audiofile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/audio/aiff"
	"github.com/mixdown/mixdown/audio/wav"
)

// Container names an output file format.
type Container string

// Output containers.
const (
	WAV  Container = "wav"  // RIFF WAVE, RF64 past 4 GiB
	FLAC Container = "flac" // FLAC, 16 or 24 bits
	AIFF Container = "aiff" // AIFF (integer) or AIFF-C (float)
)

// ContainerFor returns the container implied by a file name's extension.
func ContainerFor(path string) (Container, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".wav", ".wave", ".rf64", ".bw64":
		return WAV, nil
	case ".flac":
		return FLAC, nil
	case ".aif", ".aiff", ".aifc":
		return AIFF, nil
	}
	return "", fmt.Errorf("cannot tell the output format from %q (use .wav, .flac or .aiff, or name a format): %w", filepath.Base(path), audio.ErrUnsupported)
}

// WriteOptions control Create.
type WriteOptions struct {
	// Container; "" picks it from the file name.
	Container Container
	// Dither for quantizing to integer samples (audio.DitherNone when the
	// signal is already on the output grid).
	Dither audio.Dither
	// Seed for reproducible dither.
	Seed uint64
}

// encoder is what every codec's encoder provides.
type encoder interface {
	WriteFrames(audio.Buffer) error
	Close() error
}

// Writer writes an audio file atomically. Until Close succeeds the data lives
// in a temporary file next to the destination; Abort (or a failed Close)
// removes it, so a partial output never appears under the real name.
type Writer struct {
	path, tmp string
	f         *os.File
	enc       encoder
	format    audio.Format
	frames    int64
	done      bool
}

// Create starts writing format f to path.
func Create(path string, f audio.Format, opt WriteOptions) (*Writer, error) {
	c := opt.Container
	if c == "" {
		var err error
		if c, err = ContainerFor(path); err != nil {
			return nil, &os.PathError{Op: "create", Path: path, Err: err}
		}
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, err
	}
	w := &Writer{path: path, tmp: tmp.Name(), f: tmp, format: f}
	w.enc, err = newEncoder(c, tmp, f, opt)
	if err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, &os.PathError{Op: "create", Path: path, Err: err}
	}
	return w, nil
}

func newEncoder(c Container, w io.WriteSeeker, f audio.Format, opt WriteOptions) (encoder, error) {
	switch c {
	case WAV:
		return wav.NewEncoder(w, f, wav.Options{Dither: opt.Dither, Seed: opt.Seed})
	case AIFF:
		return aiff.NewEncoder(w, f, aiff.Options{Dither: opt.Dither, Seed: opt.Seed})
	case FLAC:
		return newFLACEncoder(w, f, opt)
	}
	return nil, fmt.Errorf("unknown container %q: %w", c, audio.ErrUnsupported)
}

// Format returns the format being written.
func (w *Writer) Format() audio.Format { return w.format }

// Frames returns how many frames were written.
func (w *Writer) Frames() int64 { return w.frames }

// Clipped returns the number of samples clipped when quantizing, if the
// encoder counts them.
func (w *Writer) Clipped() int64 {
	if c, ok := w.enc.(interface{ Clipped() int64 }); ok {
		return c.Clipped()
	}
	return 0
}

// WriteFrames encodes src.
func (w *Writer) WriteFrames(src audio.Buffer) error {
	if w.done {
		return errors.New("audiofile: write after Close or Abort")
	}
	if err := w.enc.WriteFrames(src); err != nil {
		return &os.PathError{Op: "write", Path: w.path, Err: err}
	}
	w.frames += int64(src.Frames())
	return nil
}

// Close finishes the file, flushes it to stable storage and renames it into
// place. On failure the temporary file is removed and nothing appears at the
// destination.
func (w *Writer) Close() error {
	if w.done {
		return nil
	}
	w.done = true
	err := w.enc.Close()
	if err == nil {
		err = w.f.Sync()
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(w.tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(w.tmp, w.path)
	}
	if err != nil {
		os.Remove(w.tmp)
		return &os.PathError{Op: "write", Path: w.path, Err: err}
	}
	return nil
}

// Abort discards everything written. It is safe to call after Close (it
// then does nothing).
func (w *Writer) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	w.f.Close()
	return os.Remove(w.tmp)
}

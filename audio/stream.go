package audio

import (
	"errors"
	"io"
)

// Sentinel errors wrapped by every decoder and encoder. Test with errors.Is.
var (
	// ErrUnsupported: a well-formed stream that uses a feature, codec or
	// format mixdown does not handle (an unknown WAVE format tag, 200
	// channels, a 5 Hz sample rate).
	ErrUnsupported = errors.New("unsupported")
	// ErrCorrupt: a stream that breaks its own format (a chunk that claims more
	// bytes than the file has, a bad sync code, inconsistent header fields).
	ErrCorrupt = errors.New("corrupt")
	// ErrNotAudio: the content is not a recognised audio format.
	ErrNotAudio = errors.New("not a recognised audio format")
)

// Reader is a stream of audio frames in a fixed Format.
//
// ReadFrames reads up to dst.Frames() frames into dst, which must have
// Format().Channels channels, and returns the number of frames read. As with
// io.Reader it may return fewer frames than asked without an error; it returns
// io.EOF (with n >= 0) at the clean end of the stream and an error wrapping
// io.ErrUnexpectedEOF when the stream is truncated. Frames beyond n in dst are
// unspecified.
type Reader interface {
	Format() Format
	ReadFrames(dst Buffer) (n int, err error)
}

// ReadCloser is a Reader that holds a resource, typically an open file.
type ReadCloser interface {
	Reader
	io.Closer
}

// Lengther is implemented by Readers that know their total length in frames
// from the stream header. The length is the header's claim: readers must not
// trust it for allocation.
type Lengther interface {
	// Length returns the stream's length in frames, or -1 if unknown.
	Length() int64
}

// Writer consumes audio frames.
//
// WriteFrames writes every frame of src (which must have the writer's channel
// count) or returns an error. Close finishes the stream: for files it writes
// the final header and makes the file appear under its name; a Writer that
// was not closed leaves no output behind once Abort is called.
type Writer interface {
	WriteFrames(src Buffer) error
	Close() error
}

// Aborter is implemented by Writers that can discard what they wrote, for
// example by removing a temporary file.
type Aborter interface {
	Abort() error
}

// ReadFull reads exactly dst.Frames() frames unless the stream ends first. It
// returns the number of frames read; err is io.EOF only if no frames were read
// before the clean end, and nil when the buffer was filled or the stream ended
// cleanly after some frames.
func ReadFull(r Reader, dst Buffer) (int, error) {
	want := dst.Frames()
	hdr := make(Buffer, len(dst))
	n, zeroReads := 0, 0
	for n < want {
		m, err := r.ReadFrames(dst.Slice(hdr, n, want))
		if m < 0 || m > want-n {
			panic("audio: Reader returned an invalid frame count")
		}
		n += m
		if err == io.EOF {
			if n == 0 {
				return 0, io.EOF
			}
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if m == 0 {
			// Guard against readers that return (0, nil) forever.
			zeroReads++
			if zeroReads > 100 {
				return n, io.ErrNoProgress
			}
		}
	}
	return n, nil
}

// CopyFrames streams every frame from r to w through a buffer of bufFrames
// frames and returns the number of frames copied. progress, if non-nil, is
// called after each block with the running total. It stops at the first error;
// io.EOF from r is the normal end and is not returned.
func CopyFrames(w Writer, r Reader, bufFrames int, progress func(frames int64)) (int64, error) {
	if bufFrames <= 0 {
		bufFrames = 4096
	}
	buf := NewBuffer(r.Format().Channels, bufFrames)
	hdr := make(Buffer, len(buf))
	var total int64
	for {
		n, err := r.ReadFrames(buf)
		if n > 0 {
			if werr := w.WriteFrames(buf.Head(hdr, n)); werr != nil {
				return total, werr
			}
			total += int64(n)
			if progress != nil {
				progress(total)
			}
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

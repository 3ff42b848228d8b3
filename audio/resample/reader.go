package resample

import (
	"fmt"
	"io"

	"github.com/mixdown/mixdown/audio"
)

// readerBlock is the number of source frames a Reader reads at a time.
const readerBlock = 4096

// Reader is an audio.Reader that resamples another one. Its memory use is a
// few blocks of audio plus the filter table, whatever the stream's length.
type Reader struct {
	src    audio.Reader
	rs     *Resampler
	format audio.Format
	length int64 // output length in frames, -1 if unknown

	in       audio.Buffer // source block
	inHdr    audio.Buffer
	outHdr   audio.Buffer
	pos, end int // unconsumed frames in[pos:end]
	srcDone  bool
	done     bool
	err      error // sticky source error
}

// NewReader returns a Reader that converts src to outRate Hz. Its Format is
// src's with SampleRate set to outRate (Type and Bits still describe the
// source's precision, which a writer may use to pick a word length). If src
// implements audio.Lengther with a known length N, the Reader's Length is
// OutputLength(N, src rate, outRate); otherwise -1.
//
// It returns an error wrapping ErrRate if outRate is out of range, and the
// error of src.Format().Validate() if the source format is invalid.
func NewReader(src audio.Reader, outRate int) (*Reader, error) {
	f := src.Format()
	if f.SampleRate < audio.MinSampleRate || f.SampleRate > audio.MaxSampleRate {
		return nil, fmt.Errorf("resample: source at %d Hz: %w", f.SampleRate, ErrRate)
	}
	if err := f.Validate(); err != nil {
		return nil, fmt.Errorf("resample: source format: %w", err)
	}
	rs, err := New(f.SampleRate, outRate, f.Channels)
	if err != nil {
		return nil, err
	}
	r := &Reader{src: src, rs: rs, format: f, length: -1}
	r.format.SampleRate = outRate
	if l, ok := src.(audio.Lengther); ok {
		if n := l.Length(); n >= 0 {
			r.length = OutputLength(n, f.SampleRate, outRate)
		}
	}
	r.in = audio.NewBuffer(f.Channels, readerBlock)
	r.inHdr = make(audio.Buffer, f.Channels)
	r.outHdr = make(audio.Buffer, f.Channels)
	return r, nil
}

// Format returns the source format with the output sample rate.
func (r *Reader) Format() audio.Format { return r.format }

// Length returns the output length in frames, or -1 if the source's length is
// unknown.
func (r *Reader) Length() int64 { return r.length }

// ReadFrames fills dst with resampled frames. It returns io.EOF once every
// output frame has been read, and passes on the source's errors (other than
// io.EOF) after the frames produced before them.
func (r *Reader) ReadFrames(dst audio.Buffer) (int, error) {
	if len(dst) != r.format.Channels {
		panic("resample: Reader.ReadFrames with wrong channel count")
	}
	want := dst.Frames()
	n := 0
	zeroReads := 0
	for n < want && !r.done {
		out := dst.Slice(r.outHdr, n, want)
		if r.pos < r.end {
			p, c := r.rs.Process(out, r.in.Slice(r.inHdr, r.pos, r.end))
			n += p
			r.pos += c
			continue
		}
		if r.srcDone {
			p, done := r.rs.Flush(out)
			n += p
			r.done = done
			continue
		}
		if r.err != nil {
			break
		}
		m, err := r.src.ReadFrames(r.in)
		if m < 0 || m > readerBlock {
			panic("resample: source Reader returned an invalid frame count")
		}
		r.pos, r.end = 0, m
		if m == 0 {
			zeroReads++
		}
		switch {
		case err == io.EOF:
			r.srcDone = true
		case err != nil:
			r.err = err
		case m == 0 && zeroReads > 100:
			r.err = io.ErrNoProgress
		}
	}
	if n > 0 {
		return n, nil
	}
	if r.done {
		return 0, io.EOF
	}
	if r.err != nil {
		return 0, r.err
	}
	return 0, nil
}

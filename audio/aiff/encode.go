package aiff

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/mixdown/mixdown/audio"
)

// Options control encoding.
type Options struct {
	// Dither applied when quantizing to integers.
	Dither audio.Dither
	// Seed makes the dither reproducible.
	Seed uint64
}

// Encoder writes AIFF (integer samples, big-endian) or AIFF-C (fl32/fl64).
// AIFF cannot describe more than 4 GiB; WriteFrames fails before that.
type Encoder struct {
	w       io.WriteSeeker
	bw      *bufio.Writer
	format  audio.Format
	pcm     audio.PCM
	q       *audio.Quantizer
	buf     []byte
	start   int64
	commOff int64 // offset of numSampleFrames
	ssndOff int64 // offset of the SSND size field
	data    int64
	frames  int64
	err     error
	closed  bool
}

// NewEncoder writes the header for f: SampleInt 1-32 bits, or SampleFloat
// 32/64 bits (AIFF-C).
func NewEncoder(w io.WriteSeeker, f audio.Format, opt Options) (*Encoder, error) {
	if err := f.Validate(); err != nil {
		return nil, fmt.Errorf("aiff: cannot encode %s: %w", f, err)
	}
	var p audio.PCM
	comp := ""
	switch {
	case f.Type == audio.SampleInt && f.Bits >= 1 && f.Bits <= 32:
		p = audio.PCM{Type: audio.SampleInt, Bytes: (f.Bits + 7) / 8, BigEndian: true}
	case f.Type == audio.SampleFloat && f.Bits == 32:
		p, comp = audio.PCM{Type: audio.SampleFloat, Bytes: 4, BigEndian: true}, "fl32"
	case f.Type == audio.SampleFloat && f.Bits == 64:
		p, comp = audio.PCM{Type: audio.SampleFloat, Bytes: 8, BigEndian: true}, "fl64"
	default:
		return nil, unsupported("cannot encode %s", f)
	}
	start, err := w.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, fmt.Errorf("aiff: encoder needs a seekable writer: %w", err)
	}
	e := &Encoder{w: w, bw: bufio.NewWriterSize(w, 1<<16), format: f, pcm: p, start: start}
	if p.Type == audio.SampleInt {
		e.q = audio.NewQuantizer(f.Bits, f.Channels, f.SampleRate, opt.Dither, opt.Seed)
	}
	be := binary.BigEndian
	b := []byte("FORM\x00\x00\x00\x00")
	if comp == "" {
		b = append(b, "AIFF"...)
	} else {
		b = append(b, "AIFCFVER"...)
		b = be.AppendUint32(b, 4)
		b = be.AppendUint32(b, 0xA2805140) // AIFF-C version 1
	}
	b = append(b, "COMM"...)
	commSize := uint32(18)
	if comp != "" {
		commSize = 18 + 4 + 2 // compression type and an empty, padded pstring
	}
	b = be.AppendUint32(b, commSize)
	b = be.AppendUint16(b, uint16(f.Channels))
	e.commOff = start + int64(len(b))
	b = be.AppendUint32(b, 0)
	b = be.AppendUint16(b, uint16(f.Bits))
	b = appendExtended(b, uint32(f.SampleRate))
	if comp != "" {
		b = append(b, comp...)
		b = append(b, 0, 0)
	}
	b = append(b, "SSND"...)
	e.ssndOff = start + int64(len(b))
	b = append(b, make([]byte, 12)...) // size, offset, block size
	if _, err := e.bw.Write(b); err != nil {
		return nil, fmt.Errorf("aiff: writing header: %w", err)
	}
	return e, nil
}

// maxData keeps the FORM size within 32 bits.
const maxData = 0xFFFFFFFF - 256

// WriteFrames encodes every frame of src.
func (e *Encoder) WriteFrames(src audio.Buffer) error {
	if e.err != nil {
		return e.err
	}
	if e.closed {
		return errors.New("aiff: WriteFrames after Close")
	}
	if len(src) != e.format.Channels {
		panic("aiff: WriteFrames buffer has the wrong channel count")
	}
	n := src.Frames() * e.format.Channels * e.pcm.Bytes
	if e.data+int64(n) > maxData {
		e.err = fmt.Errorf("aiff: output would exceed the format's 4 GiB limit (use WAV, which switches to RF64): %w", audio.ErrUnsupported)
		return e.err
	}
	if cap(e.buf) < n {
		e.buf = make([]byte, n)
	}
	if _, err := e.bw.Write(audio.EncodePCM(e.buf[:n], src, e.pcm, e.q)); err != nil {
		e.err = fmt.Errorf("aiff: writing sample data: %w", err)
		return e.err
	}
	e.data += int64(n)
	e.frames += int64(src.Frames())
	return nil
}

// Clipped returns how many samples were clipped to the integer range.
func (e *Encoder) Clipped() int64 {
	if e.q == nil {
		return 0
	}
	return e.q.Clipped()
}

// Close pads the data and writes the final sizes. It does not close w.
func (e *Encoder) Close() error {
	if e.closed {
		return e.err
	}
	e.closed = true
	if e.err != nil {
		return e.err
	}
	if e.data&1 == 1 {
		if err := e.bw.WriteByte(0); err != nil {
			e.err = err
			return err
		}
	}
	if err := e.bw.Flush(); err != nil {
		e.err = fmt.Errorf("aiff: writing sample data: %w", err)
		return e.err
	}
	end, err := e.w.Seek(0, io.SeekCurrent)
	if err != nil {
		e.err = err
		return err
	}
	be := binary.BigEndian
	for _, p := range []struct {
		off int64
		v   uint32
	}{
		{e.start + 4, uint32(end - e.start - 8)},
		{e.commOff, uint32(e.frames)},
		{e.ssndOff, uint32(e.data + 8)},
	} {
		if _, err := e.w.Seek(p.off, io.SeekStart); err != nil {
			e.err = err
			return err
		}
		if _, err := e.w.Write(be.AppendUint32(nil, p.v)); err != nil {
			e.err = fmt.Errorf("aiff: finishing header: %w", err)
			return e.err
		}
	}
	_, err = e.w.Seek(end, io.SeekStart)
	e.err = err
	return err
}

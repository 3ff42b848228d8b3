package wav

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
	// Dither applied when float samples are quantized to integers. Use
	// audio.DitherNone only when the signal is already on the target grid
	// (e.g. copying 16-bit audio to 16 bits).
	Dither audio.Dither
	// Seed makes the dither noise reproducible.
	Seed uint64
}

// maxRIFFSize is the largest RIFF chunk size a plain RIFF file can declare;
// beyond it the encoder rewrites the header as RF64. Tests lower it.
var maxRIFFSize int64 = 0xFFFFFFFF

// Encoder writes a WAVE stream. It writes a plain RIFF header with a JUNK
// chunk reserved for a ds64 chunk, and on Close turns the file into RF64 if
// it has grown past 4 GiB (EBU Tech 3306), so a caller never has to know the
// length in advance.
type Encoder struct {
	w       io.WriteSeeker
	bw      *bufio.Writer
	format  audio.Format
	pcm     audio.PCM
	q       *audio.Quantizer
	buf     []byte
	dataOff int64 // offset of the data chunk header
	factOff int64 // offset of the fact chunk header, 0 if none
	junkOff int64 // offset of the JUNK chunk reserved for ds64
	data    int64 // bytes of sample data written
	frames  int64
	err     error
	closed  bool
}

// NewEncoder writes a WAVE header for format f to w and returns an Encoder.
// f.Type SampleInt with Bits 1 to 32 (stored in whole bytes, left-justified,
// with the valid bits recorded), or SampleFloat with Bits 32 or 64; f.Layout,
// when set, is written as the channel mask. Files with more than two
// channels, more than 16 bits, a word length that is not a whole number of
// bytes or a non-default layout use WAVE_FORMAT_EXTENSIBLE.
func NewEncoder(w io.WriteSeeker, f audio.Format, opt Options) (*Encoder, error) {
	if err := f.Validate(); err != nil {
		return nil, fmt.Errorf("wav: cannot encode %s: %w", f, err)
	}
	var p audio.PCM
	switch {
	case f.Type == audio.SampleInt && f.Bits >= 1 && f.Bits <= 32:
		p = audio.PCM{Type: audio.SampleInt, Bytes: (f.Bits + 7) / 8, Unsigned8: true}
	case f.Type == audio.SampleFloat && (f.Bits == 32 || f.Bits == 64):
		p = audio.PCM{Type: audio.SampleFloat, Bytes: f.Bits / 8}
	default:
		return nil, unsupported("cannot encode %s (use 1- to 32-bit integer or 32/64-bit float)", f)
	}
	start, err := w.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, fmt.Errorf("wav: encoder needs a seekable writer: %w", err)
	}
	e := &Encoder{w: w, bw: bufio.NewWriterSize(w, 1<<16), format: f, pcm: p}
	if p.Type == audio.SampleInt {
		e.q = audio.NewQuantizer(f.Bits, f.Channels, f.SampleRate, opt.Dither, opt.Seed)
	}
	hdr := e.header()
	e.junkOff = start + 12
	e.dataOff = start + int64(len(hdr)) - 8
	if p.Type == audio.SampleFloat {
		e.factOff = e.dataOff - 12
	}
	if _, err := e.bw.Write(hdr); err != nil {
		return nil, fmt.Errorf("wav: writing header: %w", err)
	}
	return e, nil
}

// header builds RIFF, JUNK, fmt, optional fact and the data chunk header,
// with sizes to be patched on Close.
func (e *Encoder) header() []byte {
	f := e.format
	le := binary.LittleEndian
	b := make([]byte, 0, 128)
	b = append(b, "RIFF\x00\x00\x00\x00WAVE"...)
	b = append(b, "JUNK"...)
	b = le.AppendUint32(b, 28)
	b = append(b, make([]byte, 28)...)

	layout := f.Layout
	extensible := f.Channels > 2 || f.Type == audio.SampleInt && (f.Bits > 16 || f.Bits%8 != 0) ||
		layout != 0 && layout != audio.DefaultLayout(f.Channels)
	tag := uint16(tagPCM)
	if f.Type == audio.SampleFloat {
		tag = tagFloat
	}
	fmtTag := tag
	fmtSize := uint32(16)
	switch {
	case extensible:
		fmtTag, fmtSize = tagExtensible, 40
	case f.Type == audio.SampleFloat:
		fmtSize = 18
	}
	blockAlign := f.Channels * e.pcm.Bytes
	b = append(b, "fmt "...)
	b = le.AppendUint32(b, fmtSize)
	b = le.AppendUint16(b, fmtTag)
	b = le.AppendUint16(b, uint16(f.Channels))
	b = le.AppendUint32(b, uint32(f.SampleRate))
	b = le.AppendUint32(b, uint32(f.SampleRate*blockAlign))
	b = le.AppendUint16(b, uint16(blockAlign))
	b = le.AppendUint16(b, uint16(e.pcm.Bytes*8))
	switch fmtSize {
	case 18:
		b = le.AppendUint16(b, 0)
	case 40:
		b = le.AppendUint16(b, 22)
		b = le.AppendUint16(b, uint16(f.Bits))
		if layout == 0 {
			layout = audio.DefaultLayout(f.Channels)
		}
		b = le.AppendUint32(b, uint32(layout))
		b = le.AppendUint16(b, tag)
		b = append(b, guidTail[:]...)
	}
	if f.Type == audio.SampleFloat {
		b = append(b, "fact"...)
		b = le.AppendUint32(b, 4)
		b = le.AppendUint32(b, 0)
	}
	b = append(b, "data\x00\x00\x00\x00"...)
	return b
}

// Format returns the format being written.
func (e *Encoder) Format() audio.Format { return e.format }

// Clipped returns how many samples so far were clipped to the integer range.
func (e *Encoder) Clipped() int64 {
	if e.q == nil {
		return 0
	}
	return e.q.Clipped()
}

// WriteFrames encodes every frame of src.
func (e *Encoder) WriteFrames(src audio.Buffer) error {
	if e.err != nil {
		return e.err
	}
	if e.closed {
		return errors.New("wav: WriteFrames after Close")
	}
	if len(src) != e.format.Channels {
		panic("wav: WriteFrames buffer has the wrong channel count")
	}
	n := src.Frames() * e.format.Channels * e.pcm.Bytes
	if cap(e.buf) < n {
		e.buf = make([]byte, n)
	}
	out := audio.EncodePCM(e.buf[:n], src, e.pcm, e.q)
	if _, err := e.bw.Write(out); err != nil {
		e.err = fmt.Errorf("wav: writing data: %w", err)
		return e.err
	}
	e.data += int64(n)
	e.frames += int64(src.Frames())
	return nil
}

// Close writes the pad byte and the final chunk sizes, switching to RF64 if
// the file exceeds 4 GiB. It does not close the underlying writer.
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
			e.err = fmt.Errorf("wav: writing pad byte: %w", err)
			return e.err
		}
	}
	if err := e.bw.Flush(); err != nil {
		e.err = fmt.Errorf("wav: writing data: %w", err)
		return e.err
	}
	riffSize := e.dataOff + 8 + e.data + e.data&1 - (e.junkOff - 12) - 8
	le := binary.LittleEndian
	var patches []struct {
		off int64
		b   []byte
	}
	patch := func(off int64, b []byte) {
		patches = append(patches, struct {
			off int64
			b   []byte
		}{off, b})
	}
	if riffSize <= maxRIFFSize && e.data <= maxRIFFSize {
		patch(e.junkOff-12, le.AppendUint32([]byte("RIFF"), uint32(riffSize)))
		patch(e.dataOff+4, le.AppendUint32(nil, uint32(e.data)))
		if e.factOff != 0 {
			patch(e.factOff+8, le.AppendUint32(nil, uint32(min(e.frames, 0xFFFFFFFF))))
		}
	} else {
		patch(e.junkOff-12, le.AppendUint32([]byte("RF64"), unknownSize))
		ds64 := []byte("ds64")
		ds64 = le.AppendUint32(ds64, 28)
		ds64 = le.AppendUint64(ds64, uint64(riffSize))
		ds64 = le.AppendUint64(ds64, uint64(e.data))
		ds64 = le.AppendUint64(ds64, uint64(e.frames))
		ds64 = le.AppendUint32(ds64, 0)
		patch(e.junkOff, ds64)
		patch(e.dataOff+4, le.AppendUint32(nil, unknownSize))
		if e.factOff != 0 {
			patch(e.factOff+8, le.AppendUint32(nil, unknownSize))
		}
	}
	end, err := e.w.Seek(0, io.SeekCurrent)
	if err != nil {
		e.err = fmt.Errorf("wav: finishing header: %w", err)
		return e.err
	}
	for _, p := range patches {
		if _, err := e.w.Seek(p.off, io.SeekStart); err != nil {
			e.err = fmt.Errorf("wav: finishing header: %w", err)
			return e.err
		}
		if _, err := e.w.Write(p.b); err != nil {
			e.err = fmt.Errorf("wav: finishing header: %w", err)
			return e.err
		}
	}
	if _, err := e.w.Seek(end, io.SeekStart); err != nil {
		e.err = fmt.Errorf("wav: finishing header: %w", err)
	}
	return e.err
}

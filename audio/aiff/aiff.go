// Package aiff reads AIFF and AIFF-C files (uncompressed NONE/twos, sowt,
// in24/in32, fl32 and fl64) and writes AIFF (integer) and AIFF-C (float).
// Memory is bounded by the caller's buffers, never by header claims.
package aiff

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"

	"github.com/mixdown/mixdown/audio"
)

// Sniff reports whether head starts with a FORM chunk of type AIFF or AIFC.
func Sniff(head []byte) bool {
	return len(head) >= 12 && string(head[:4]) == "FORM" &&
		(string(head[8:12]) == "AIFF" || string(head[8:12]) == "AIFC")
}

func corrupt(format string, args ...any) error {
	return fmt.Errorf("aiff: "+format+": %w", append(args, audio.ErrCorrupt)...)
}

func unsupported(format string, args ...any) error {
	return fmt.Errorf("aiff: "+format+": %w", append(args, audio.ErrUnsupported)...)
}

func truncated(what string, err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("aiff: file ends inside the %s: %w", what, io.ErrUnexpectedEOF)
	}
	return fmt.Errorf("aiff: reading %s: %w", what, err)
}

// Decoder streams frames from an AIFF or AIFF-C file.
type Decoder struct {
	r      io.Reader
	format audio.Format
	pcm    audio.PCM
	aifc   bool
	frames int64 // from COMM
	remain int64 // frames left to read
	short  int64 // frames COMM claims beyond what SSND holds
	buf    []byte
	hdr    audio.Buffer
	err    error
}

// NewDecoder parses the header up to the sample data. When the SSND chunk
// precedes COMM (legal but rare) r must be an io.Seeker.
func NewDecoder(r io.Reader) (*Decoder, error) {
	d := &Decoder{r: r}
	if err := d.readHeader(); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *Decoder) readHeader() error {
	var hdr [12]byte
	if _, err := io.ReadFull(d.r, hdr[:]); err != nil {
		if err == io.EOF {
			return fmt.Errorf("aiff: empty stream: %w", audio.ErrNotAudio)
		}
		return truncated("FORM header", err)
	}
	if !Sniff(hdr[:]) {
		return fmt.Errorf("aiff: no FORM AIFF/AIFC header: %w", audio.ErrNotAudio)
	}
	d.aifc = string(hdr[8:12]) == "AIFC"
	seeker, _ := d.r.(io.Seeker)
	var (
		haveComm bool
		ssndAt   int64 = -1 // file offset of sample data when SSND came first
		ssndLen  int64
		pos      int64 = 12
		chunk    [8]byte
	)
	for n := 0; ; n++ {
		if n > 1<<16 {
			return corrupt("more than %d chunks before the sample data", 1<<16)
		}
		if _, err := io.ReadFull(d.r, chunk[:]); err != nil {
			if err == io.EOF {
				if !haveComm {
					return corrupt("no COMM chunk")
				}
				return corrupt("no SSND chunk")
			}
			return truncated("chunk header", err)
		}
		pos += 8
		id := string(chunk[:4])
		size := int64(binary.BigEndian.Uint32(chunk[4:]))
		padded := size + size&1
		switch id {
		case "COMM":
			if haveComm {
				return corrupt("second COMM chunk")
			}
			need := int64(18)
			if d.aifc {
				need = 22
			}
			if size < need {
				return corrupt("COMM chunk of %d bytes (need %d)", size, need)
			}
			var b [22]byte
			if _, err := io.ReadFull(d.r, b[:need]); err != nil {
				return truncated("COMM chunk", err)
			}
			if err := d.parseComm(b[:need]); err != nil {
				return err
			}
			haveComm = true
			if err := skip(d.r, padded-need, "COMM chunk"); err != nil {
				return err
			}
			pos += padded
			if ssndAt >= 0 {
				return d.startData(seeker, ssndAt, ssndLen)
			}
			continue
		case "SSND":
			if size < 8 {
				return corrupt("SSND chunk of %d bytes", size)
			}
			var b [8]byte
			if _, err := io.ReadFull(d.r, b[:]); err != nil {
				return truncated("SSND chunk", err)
			}
			offset := int64(binary.BigEndian.Uint32(b[:]))
			if offset > size-8 {
				return corrupt("SSND offset %d beyond its chunk", offset)
			}
			dataLen := size - 8 - offset
			if haveComm {
				if err := skip(d.r, offset, "SSND offset"); err != nil {
					return err
				}
				return d.setLength(dataLen)
			}
			if seeker == nil {
				return unsupported("SSND chunk before COMM in a stream that cannot seek")
			}
			ssndAt, ssndLen = pos+8+offset, dataLen
			if err := skip(d.r, padded-8, "SSND chunk"); err != nil {
				return err
			}
			pos += padded
			continue
		}
		if err := skip(d.r, padded, id+" chunk"); err != nil {
			return err
		}
		pos += padded
	}
}

func (d *Decoder) startData(s io.Seeker, at, length int64) error {
	if _, err := s.Seek(at, io.SeekStart); err != nil {
		return fmt.Errorf("aiff: seeking to sample data: %w", err)
	}
	return d.setLength(length)
}

// setLength reconciles COMM's frame count with the SSND size: a chunk that
// holds fewer bytes than COMM claims is read as far as it goes and then
// reported as truncated.
func (d *Decoder) setLength(dataLen int64) error {
	d.remain = min(d.frames, dataLen/int64(d.format.Channels*d.pcm.Bytes))
	d.short = d.frames - d.remain
	return nil
}

// extended decodes an 80-bit IEEE 754 extended-precision number.
func extended(b []byte) float64 {
	exp := int(binary.BigEndian.Uint16(b[0:]) & 0x7FFF)
	sign := b[0]&0x80 != 0
	mant := binary.BigEndian.Uint64(b[2:])
	if exp == 0 && mant == 0 {
		return 0
	}
	if exp == 0x7FFF {
		return math.NaN()
	}
	v := math.Ldexp(float64(mant), exp-16383-63)
	if sign {
		v = -v
	}
	return v
}

// appendExtended encodes a positive integer-valued rate as 80-bit extended.
func appendExtended(b []byte, v uint32) []byte {
	if v == 0 {
		return append(b, make([]byte, 10)...)
	}
	shift := bits.LeadingZeros64(uint64(v))
	exp := uint16(16383 + 63 - shift)
	b = binary.BigEndian.AppendUint16(b, exp)
	return binary.BigEndian.AppendUint64(b, uint64(v)<<shift)
}

func (d *Decoder) parseComm(b []byte) error {
	channels := int(int16(binary.BigEndian.Uint16(b[0:])))
	frames := int64(binary.BigEndian.Uint32(b[2:]))
	bitsPer := int(int16(binary.BigEndian.Uint16(b[6:])))
	rateF := extended(b[8:18])
	if channels <= 0 {
		return corrupt("COMM says %d channels", channels)
	}
	if channels > audio.MaxChannels {
		return unsupported("%d channels (at most %d)", channels, audio.MaxChannels)
	}
	if !(rateF >= audio.MinSampleRate && rateF <= audio.MaxSampleRate) {
		return unsupported("sample rate %g Hz (supported %d to %d)", rateF, audio.MinSampleRate, audio.MaxSampleRate)
	}
	rate := int(math.Round(rateF))
	comp := "NONE"
	if d.aifc {
		comp = string(b[18:22])
	}
	f := audio.Format{SampleRate: rate, Channels: channels}
	p := audio.PCM{BigEndian: true}
	switch comp {
	case "NONE", "twos", "in24", "in32", "sowt":
		if bitsPer < 1 || bitsPer > 32 {
			return unsupported("%d-bit integer samples", bitsPer)
		}
		f.Type, f.Bits = audio.SampleInt, bitsPer
		p.Type, p.Bytes = audio.SampleInt, (bitsPer+7)/8
		if comp == "sowt" {
			p.BigEndian = false
		}
		if comp == "in24" && p.Bytes != 3 || comp == "in32" && p.Bytes != 4 {
			return corrupt("%s compression with %d-bit samples", comp, bitsPer)
		}
	case "fl32", "FL32":
		f.Type, f.Bits = audio.SampleFloat, 32
		p.Type, p.Bytes = audio.SampleFloat, 4
	case "fl64", "FL64":
		f.Type, f.Bits = audio.SampleFloat, 64
		p.Type, p.Bytes = audio.SampleFloat, 8
	default:
		return unsupported("AIFF-C compression type %q (read: NONE, twos, sowt, in24, in32, fl32, fl64)", comp)
	}
	d.format, d.pcm, d.frames = f, p, frames
	return nil
}

func skip(r io.Reader, n int64, what string) error {
	if n <= 0 {
		return nil
	}
	if s, ok := r.(io.Seeker); ok {
		cur, err := s.Seek(0, io.SeekCurrent)
		if err == nil {
			end, err := s.Seek(0, io.SeekEnd)
			if err != nil {
				return truncated(what, err)
			}
			if cur+n > end {
				if cur+n-1 == end {
					_, err = s.Seek(end, io.SeekStart) // missing final pad byte
					return err
				}
				return fmt.Errorf("aiff: %s claims %d bytes but the file ends after %d: %w", what, n, end-cur, io.ErrUnexpectedEOF)
			}
			_, err = s.Seek(cur+n, io.SeekStart)
			return err
		}
	}
	m, err := io.CopyN(io.Discard, r, n)
	if err == io.EOF && m == n-1 {
		return nil
	}
	if err != nil {
		return truncated(what, err)
	}
	return nil
}

// Format returns the stream format.
func (d *Decoder) Format() audio.Format { return d.format }

// Length returns the frame count declared in COMM.
func (d *Decoder) Length() int64 { return d.frames }

// Compressed reports whether the file is AIFF-C.
func (d *Decoder) Compressed() bool { return d.aifc }

// ReadFrames decodes up to dst.Frames() frames.
func (d *Decoder) ReadFrames(dst audio.Buffer) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	if len(dst) != d.format.Channels {
		panic("aiff: ReadFrames buffer has the wrong channel count")
	}
	frameBytes := d.format.Channels * d.pcm.Bytes
	want := int(min(int64(dst.Frames()), d.remain, int64(max(1, (1<<20)/frameBytes))))
	if want == 0 {
		if dst.Frames() == 0 && d.remain > 0 {
			return 0, nil
		}
		d.err = io.EOF
		if d.short > 0 {
			d.err = fmt.Errorf("aiff: COMM declares %d frames but SSND holds %d: %w", d.frames, d.frames-d.short, io.ErrUnexpectedEOF)
		}
		return 0, d.err
	}
	nb := want * frameBytes
	if cap(d.buf) < nb {
		d.buf = make([]byte, nb)
	}
	got, err := io.ReadFull(d.r, d.buf[:nb])
	n := got / frameBytes
	if n > 0 {
		out := dst
		if n < dst.Frames() {
			if len(d.hdr) != len(dst) {
				d.hdr = make(audio.Buffer, len(dst))
			}
			out = dst.Head(d.hdr, n)
		}
		audio.DecodePCM(out, d.buf[:n*frameBytes], d.pcm)
		d.remain -= int64(n)
	}
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			d.err = fmt.Errorf("aiff: sample data truncated (%d of %d frames present): %w", d.frames-d.short-d.remain, d.frames, io.ErrUnexpectedEOF)
		} else {
			d.err = fmt.Errorf("aiff: reading sample data: %w", err)
		}
		if n > 0 {
			return n, nil
		}
		return 0, d.err
	}
	return n, nil
}

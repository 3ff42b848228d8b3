// Package wav reads and writes RIFF WAVE files: PCM integer (8, 16, 24 and 32
// bits), IEEE float (32 and 64 bits), WAVE_FORMAT_EXTENSIBLE with its channel
// mask, and RF64/BW64 for files past 4 GiB. Decoding and encoding stream
// with memory bounded by the caller's buffer, never by what a header claims.
package wav

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/mixdown/mixdown/audio"
)

// WAVE format tags.
const (
	tagPCM        = 0x0001
	tagFloat      = 0x0003
	tagExtensible = 0xFFFE
)

// The GUID tail shared by the KSDATAFORMAT_SUBTYPE_* identifiers; the first
// two bytes carry the format tag.
var guidTail = [14]byte{0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71}

// unknownSize marks a chunk whose real size is elsewhere (RF64 ds64) or
// unknown (a stream written to a pipe).
const unknownSize = 0xFFFFFFFF

// Sniff reports whether head, the first bytes of a file, is a RIFF, RF64 or
// BW64 WAVE header. It needs at least 12 bytes.
func Sniff(head []byte) bool {
	if len(head) < 12 {
		return false
	}
	id := string(head[:4])
	return (id == "RIFF" || id == "RF64" || id == "BW64") && string(head[8:12]) == "WAVE"
}

// Decoder streams frames from a WAVE file.
type Decoder struct {
	r         io.Reader
	format    audio.Format
	pcm       audio.PCM
	container string // "RIFF", "RF64" or "BW64"
	// remaining data bytes; -1 when the data chunk runs to the end of the
	// stream (size unknown).
	remain int64
	frames int64 // declared length in frames, -1 if unknown
	buf    []byte
	hdr    audio.Buffer // reusable slice header for partial reads
	err    error        // sticky error
}

// NewDecoder reads the header of a WAVE stream up to the start of its data
// chunk and returns a Decoder positioned at the first frame. Chunks other
// than fmt, ds64 and data are skipped (seeking when r is an io.Seeker).
func NewDecoder(r io.Reader) (*Decoder, error) {
	d := &Decoder{r: r, frames: -1}
	if err := d.readHeader(); err != nil {
		return nil, err
	}
	return d, nil
}

func corrupt(format string, args ...any) error {
	return fmt.Errorf("wav: "+format+": %w", append(args, audio.ErrCorrupt)...)
}

func unsupported(format string, args ...any) error {
	return fmt.Errorf("wav: "+format+": %w", append(args, audio.ErrUnsupported)...)
}

// truncated wraps io.ErrUnexpectedEOF for a read that ran out of bytes.
func truncated(what string, err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("wav: file ends inside the %s: %w", what, io.ErrUnexpectedEOF)
	}
	return fmt.Errorf("wav: reading %s: %w", what, err)
}

func (d *Decoder) readHeader() error {
	var hdr [12]byte
	if _, err := io.ReadFull(d.r, hdr[:]); err != nil {
		if err == io.EOF {
			return fmt.Errorf("wav: empty stream: %w", audio.ErrNotAudio)
		}
		return truncated("RIFF header", err)
	}
	if !Sniff(hdr[:]) {
		return fmt.Errorf("wav: no RIFF/RF64 WAVE header: %w", audio.ErrNotAudio)
	}
	d.container = string(hdr[:4])
	rf64 := d.container != "RIFF"

	var (
		haveFmt      bool
		ds64Data     int64 = -1
		ds64Frames   int64 = -1
		chunk        [8]byte
		fmtBuf       [40]byte
		chunksSeen   int
		maxSkipChunk = 1 << 16 // chunks before data; a guard against endless tiny chunks
	)
	for {
		chunksSeen++
		if chunksSeen > maxSkipChunk {
			return corrupt("more than %d chunks before the data chunk", maxSkipChunk)
		}
		if _, err := io.ReadFull(d.r, chunk[:]); err != nil {
			if err == io.EOF {
				if !haveFmt {
					return corrupt("no fmt chunk")
				}
				return corrupt("no data chunk")
			}
			return truncated("chunk header", err)
		}
		id := string(chunk[:4])
		size := int64(binary.LittleEndian.Uint32(chunk[4:]))
		switch id {
		case "ds64":
			if !rf64 {
				// A ds64 in a RIFF file is meaningless; skip it.
				break
			}
			if size < 24 {
				return corrupt("ds64 chunk of %d bytes (need 24)", size)
			}
			var b [24]byte
			if _, err := io.ReadFull(d.r, b[:]); err != nil {
				return truncated("ds64 chunk", err)
			}
			ds64Data = int64(binary.LittleEndian.Uint64(b[8:]))
			ds64Frames = int64(binary.LittleEndian.Uint64(b[16:]))
			if ds64Data < 0 || ds64Frames < -1 {
				return corrupt("ds64 chunk sizes out of range")
			}
			if err := d.skip(size-24, "ds64 chunk"); err != nil {
				return err
			}
			continue
		case "fmt ":
			if haveFmt {
				return corrupt("second fmt chunk")
			}
			if size < 16 {
				return corrupt("fmt chunk of %d bytes (need at least 16)", size)
			}
			n := min(size, int64(len(fmtBuf)))
			if _, err := io.ReadFull(d.r, fmtBuf[:n]); err != nil {
				return truncated("fmt chunk", err)
			}
			if err := d.parseFmt(fmtBuf[:n]); err != nil {
				return err
			}
			haveFmt = true
			if err := d.skip(size-n+size&1, "fmt chunk"); err != nil {
				return err
			}
			continue
		case "data":
			if !haveFmt {
				return corrupt("data chunk before the fmt chunk")
			}
			switch {
			case rf64 && size == unknownSize:
				if ds64Data < 0 {
					return corrupt("RF64 data chunk without a ds64 chunk")
				}
				d.remain = ds64Data
			case size == unknownSize:
				d.remain = -1 // written to a pipe: read to the end
			default:
				d.remain = size
			}
			if d.remain >= 0 {
				d.frames = d.remain / int64(d.pcm.Bytes*d.format.Channels)
			}
			_ = ds64Frames // the data size is authoritative; the frame count is derived from it
			return nil
		}
		if err := d.skip(size+size&1, id+" chunk"); err != nil {
			return err
		}
	}
}

// skip discards n bytes, seeking when possible.
func (d *Decoder) skip(n int64, what string) error {
	if n <= 0 {
		return nil
	}
	if s, ok := d.r.(io.Seeker); ok {
		cur, err := s.Seek(0, io.SeekCurrent)
		if err == nil {
			end, err := s.Seek(0, io.SeekEnd)
			if err != nil {
				return truncated(what, err)
			}
			if cur+n > end {
				// Tolerate a missing pad byte on the last chunk; otherwise the
				// chunk claims more than the file holds.
				if cur+n-1 == end && n&1 == 1 {
					_, err = s.Seek(end, io.SeekStart)
					return err
				}
				return fmt.Errorf("wav: %s claims %d bytes but the file ends after %d: %w", what, n, end-cur, io.ErrUnexpectedEOF)
			}
			_, err = s.Seek(cur+n, io.SeekStart)
			return err
		}
	}
	m, err := io.CopyN(io.Discard, d.r, n)
	if err == io.EOF && m == n-1 && n&1 == 1 {
		return nil // missing pad byte at the very end
	}
	if err != nil {
		return truncated(what, err)
	}
	return nil
}

func (d *Decoder) parseFmt(b []byte) error {
	tag := binary.LittleEndian.Uint16(b[0:])
	channels := int(binary.LittleEndian.Uint16(b[2:]))
	rate := int64(binary.LittleEndian.Uint32(b[4:]))
	blockAlign := int(binary.LittleEndian.Uint16(b[12:]))
	bits := int(binary.LittleEndian.Uint16(b[14:]))
	validBits := bits
	var mask uint32
	if tag == tagExtensible {
		if len(b) < 40 {
			return corrupt("WAVE_FORMAT_EXTENSIBLE fmt chunk of %d bytes (need 40)", len(b))
		}
		if cb := binary.LittleEndian.Uint16(b[16:]); cb < 22 {
			return corrupt("WAVE_FORMAT_EXTENSIBLE extension of %d bytes (need 22)", cb)
		}
		if v := int(binary.LittleEndian.Uint16(b[18:])); v != 0 {
			validBits = v
		}
		mask = binary.LittleEndian.Uint32(b[20:])
		if !bytes.Equal(b[26:40], guidTail[:]) {
			return unsupported("WAVE_FORMAT_EXTENSIBLE sub-format GUID %x", b[24:40])
		}
		tag = binary.LittleEndian.Uint16(b[24:])
	}
	if channels == 0 {
		return corrupt("fmt chunk says 0 channels")
	}
	if channels > audio.MaxChannels {
		return unsupported("%d channels (at most %d)", channels, audio.MaxChannels)
	}
	if rate < audio.MinSampleRate || rate > audio.MaxSampleRate {
		return unsupported("sample rate %d Hz (supported %d to %d)", rate, audio.MinSampleRate, audio.MaxSampleRate)
	}
	f := audio.Format{SampleRate: int(rate), Channels: channels}
	p := audio.PCM{Bytes: (bits + 7) / 8}
	switch tag {
	case tagPCM:
		if bits < 1 || bits > 32 {
			return unsupported("%d-bit integer PCM", bits)
		}
		f.Type, p.Type, p.Unsigned8 = audio.SampleInt, audio.SampleInt, true
		if validBits < 1 || validBits > bits {
			return corrupt("%d valid bits in %d-bit samples", validBits, bits)
		}
		f.Bits = validBits
	case tagFloat:
		if bits != 32 && bits != 64 {
			return unsupported("%d-bit float PCM", bits)
		}
		f.Type, p.Type, f.Bits = audio.SampleFloat, audio.SampleFloat, bits
	default:
		return unsupported("WAVE format tag %#04x (only PCM, IEEE float and extensible are read)", tag)
	}
	if blockAlign != channels*p.Bytes {
		// Some writers round the block align; trust it only if it is the
		// natural packing, since the data is interpreted with that packing.
		return corrupt("block align %d for %d channels of %d-byte samples", blockAlign, channels, p.Bytes)
	}
	if mask != 0 && audio.Layout(mask).Count() == channels {
		f.Layout = audio.Layout(mask)
	}
	d.format, d.pcm = f, p
	return nil
}

// Format returns the stream's format. Bits is the number of valid bits.
func (d *Decoder) Format() audio.Format { return d.format }

// PCM returns the on-disk sample layout.
func (d *Decoder) PCM() audio.PCM { return d.pcm }

// Container returns "RIFF", "RF64" or "BW64".
func (d *Decoder) Container() string { return d.container }

// Length returns the number of frames the header declares, or -1 when the
// data chunk has no size (a stream written to a pipe).
func (d *Decoder) Length() int64 { return d.frames }

// maxReadBytes bounds one read from the underlying stream.
const maxReadBytes = 1 << 20

// ReadFrames decodes up to dst.Frames() frames into dst.
func (d *Decoder) ReadFrames(dst audio.Buffer) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	if len(dst) != d.format.Channels {
		panic("wav: ReadFrames buffer has the wrong channel count")
	}
	frameBytes := d.format.Channels * d.pcm.Bytes
	want := dst.Frames()
	if d.remain >= 0 && int64(want) > d.remain/int64(frameBytes) {
		want = int(d.remain / int64(frameBytes))
	}
	want = min(want, max(1, maxReadBytes/frameBytes))
	if want == 0 {
		if d.remain > 0 {
			d.err = corrupt("data chunk size %d is not a whole number of %d-byte frames", d.remain, frameBytes)
			return 0, d.err
		}
		if dst.Frames() == 0 {
			return 0, nil
		}
		d.err = io.EOF
		return 0, io.EOF
	}
	nb := want * frameBytes
	if cap(d.buf) < nb {
		d.buf = make([]byte, nb)
	}
	buf := d.buf[:nb]
	got, err := io.ReadFull(d.r, buf)
	n := got / frameBytes
	if n > 0 {
		out := dst
		if n < dst.Frames() {
			if len(d.hdr) != len(dst) {
				d.hdr = make(audio.Buffer, len(dst))
			}
			out = dst.Head(d.hdr, n)
		}
		audio.DecodePCM(out, buf[:n*frameBytes], d.pcm)
		if d.remain >= 0 {
			d.remain -= int64(n * frameBytes)
		}
	}
	switch {
	case err == nil:
		return n, nil
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		if d.remain < 0 && got%frameBytes == 0 {
			d.err = io.EOF // size unknown: the end of the stream is the end of the data
		} else {
			missing := "an incomplete last frame"
			if d.remain >= 0 {
				missing = fmt.Sprintf("%d bytes missing", d.remain-int64(got%frameBytes))
			}
			d.err = fmt.Errorf("wav: data chunk truncated (%s): %w", missing, io.ErrUnexpectedEOF)
		}
	default:
		d.err = fmt.Errorf("wav: reading data: %w", err)
	}
	if n > 0 {
		return n, nil
	}
	return 0, d.err
}

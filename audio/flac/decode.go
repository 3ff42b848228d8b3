package flac

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/mewkiz/flac/frame"

	"github.com/mixdown/mixdown/audio"
)

// Decoder reads a FLAC stream frame by frame. It implements audio.Reader and
// audio.Lengther. Memory use is bounded by the largest legal frame (65535
// frames of 8 channels), whatever the stream's header claims.
type Decoder struct {
	r      *bufio.Reader
	cr     *countingReader // under r: bytes consumed from the source
	info   streamInfo
	format audio.Format
	scale  float32 // 2^-(bps-1): integer sample to full scale

	cur     *frame.Frame // frame being delivered, nil before the first
	pos     int          // next frame index within cur
	nframes int64        // FLAC frames decoded so far
	firstN  uint64       // header number of the first FLAC frame
	decoded uint64       // frames per channel decoded so far

	md5    hash.Hash
	md5buf []byte
	chans  [][]int32 // scratch for hashing
	err    error     // sticky: returned by every later ReadFrames
}

// countingReader counts the bytes read through it, so that errors can give
// the byte offset of the damage.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// offset returns the offset in the source of the next byte d will parse.
func (d *Decoder) offset() int64 { return d.cr.n - int64(d.r.Buffered()) }

// Decoding limits: sample depths this decoder handles, in bits.
const (
	minBits       = 4  // the smallest depth FLAC allows
	maxDecodeBits = 24 // 32-bit streams need 64-bit side channels (unsupported)
)

// NewDecoder reads the FLAC signature (after an optional ID3v2 tag) and the
// metadata blocks of r, and returns a Decoder positioned at the first audio
// frame. r is read through a buffer, so it may be read past the data the
// Decoder has consumed.
func NewDecoder(r io.Reader) (*Decoder, error) {
	cr := &countingReader{r: r}
	d := &Decoder{r: bufio.NewReaderSize(cr, 64<<10), cr: cr, md5: md5.New()}
	if err := d.readHeader(); err != nil {
		return nil, err
	}
	return d, nil
}

// truncated returns the error for a stream that ends inside what.
func truncated(what string) error {
	return fmt.Errorf("flac: stream ends inside %s: %w", what, io.ErrUnexpectedEOF)
}

// readFull reads len(b) bytes of what, reporting a short read as truncation.
func (d *Decoder) readFull(b []byte, what string) error {
	if _, err := io.ReadFull(d.r, b); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return truncated(what)
		}
		return fmt.Errorf("flac: reading %s: %w", what, err)
	}
	return nil
}

// discard skips n bytes of what.
func (d *Decoder) discard(n int64, what string) error {
	for n > 0 {
		// bufio.Reader.Discard takes an int; go in steps to stay portable.
		step := int(min(n, 1<<30))
		m, err := d.r.Discard(step)
		n -= int64(m)
		if err != nil {
			if err == io.EOF {
				return truncated(what)
			}
			return fmt.Errorf("flac: reading %s: %w", what, err)
		}
	}
	return nil
}

// readHeader reads the signature and all metadata blocks.
func (d *Decoder) readHeader() error {
	// A short or failing Peek is left for the signature read to report.
	head, _ := d.r.Peek(id3Header)
	if n, ok := id3v2Size(head); ok {
		if err := d.discard(int64(n), "ID3v2 tag"); err != nil {
			return err
		}
	}
	var sig [4]byte
	if n, err := io.ReadFull(d.r, sig[:]); err != nil {
		if n == 0 && err == io.EOF {
			return fmt.Errorf("flac: empty stream: %w", audio.ErrNotAudio)
		}
		if err == io.ErrUnexpectedEOF {
			return fmt.Errorf("flac: stream too short for a FLAC signature: %w", audio.ErrNotAudio)
		}
		return fmt.Errorf("flac: reading signature: %w", err)
	}
	if !bytes.Equal(sig[:], signature) {
		return fmt.Errorf("flac: no FLAC signature (found %q): %w", sig[:], audio.ErrNotAudio)
	}

	// The first block must be STREAMINFO.
	var hdr [blockHeaderLen]byte
	if err := d.readFull(hdr[:], "STREAMINFO header"); err != nil {
		return err
	}
	last, typ, length := hdr[0]&0x80 != 0, int(hdr[0]&0x7F), int(hdr[1])<<16|int(hdr[2])<<8|int(hdr[3])
	if typ != blockStreamInfo || length != streamInfoLen {
		return fmt.Errorf("flac: first metadata block has type %d and %d bytes, want STREAMINFO (type 0, 34 bytes): %w",
			typ, length, audio.ErrCorrupt)
	}
	var body [streamInfoLen]byte
	if err := d.readFull(body[:], "STREAMINFO"); err != nil {
		return err
	}
	d.info = parseStreamInfo(body[:])
	if err := d.checkStreamInfo(); err != nil {
		return err
	}

	layout := audio.Layout(0)
	for !last {
		off := d.offset()
		if err := d.readFull(hdr[:], "metadata block header"); err != nil {
			return err
		}
		last, typ, length = hdr[0]&0x80 != 0, int(hdr[0]&0x7F), int(hdr[1])<<16|int(hdr[2])<<8|int(hdr[3])
		switch typ {
		case blockStreamInfo:
			return fmt.Errorf("flac: second STREAMINFO block at byte %d: %w", off, audio.ErrCorrupt)
		case blockInvalid:
			return fmt.Errorf("flac: metadata block of invalid type 127 at byte %d: %w", off, audio.ErrCorrupt)
		case blockVorbisComment:
			l, err := d.readVorbisComment(int64(length))
			if err != nil {
				return err
			}
			if l != 0 && l.Count() == d.info.channels {
				layout = l
			}
		default:
			if err := d.discard(int64(length), "metadata block"); err != nil {
				return err
			}
		}
	}
	if layout == 0 {
		layout = flacLayout(d.info.channels)
	}
	d.format = audio.Format{
		SampleRate: d.info.rate,
		Channels:   d.info.channels,
		Layout:     layout,
		Type:       audio.SampleInt,
		Bits:       d.info.bps,
	}
	d.scale = 1 / float32(int64(1)<<(d.info.bps-1))
	return nil
}

// checkStreamInfo rejects STREAMINFO values that are impossible or that this
// decoder does not handle.
func (d *Decoder) checkStreamInfo() error {
	si := &d.info
	switch {
	case si.maxBlock < 16:
		return fmt.Errorf("flac: STREAMINFO maximum block size %d (FLAC requires at least 16): %w", si.maxBlock, audio.ErrCorrupt)
	case si.minBlock > si.maxBlock:
		return fmt.Errorf("flac: STREAMINFO minimum block size %d exceeds the maximum %d: %w", si.minBlock, si.maxBlock, audio.ErrCorrupt)
	case si.bps < minBits:
		return fmt.Errorf("flac: STREAMINFO declares %d-bit samples (FLAC allows 4 to 32): %w", si.bps, audio.ErrCorrupt)
	case si.bps > maxDecodeBits:
		return fmt.Errorf("flac: %d-bit samples (supported: %d to %d): %w", si.bps, minBits, maxDecodeBits, audio.ErrUnsupported)
	}
	f := audio.Format{SampleRate: si.rate, Channels: si.channels, Type: audio.SampleInt, Bits: si.bps}
	if err := f.Validate(); err != nil {
		return fmt.Errorf("flac: STREAMINFO: %w", err)
	}
	return nil
}

// Limits on what readVorbisComment looks at, in bytes: longer comments cannot
// be a channel mask and are skipped unread.
const maxMaskComment = 64

// readVorbisComment reads a VORBIS_COMMENT block of length bytes and returns
// the speaker layout of its channel mask tag, or 0. It allocates nothing in
// proportion to the lengths the block claims. A malformed comment list is
// skipped (it carries no audio); a stream that ends inside the block is
// reported as truncated.
func (d *Decoder) readVorbisComment(length int64) (audio.Layout, error) {
	left := length
	var layout audio.Layout
	var b [maxMaskComment]byte
	// next reads a little-endian 32-bit length; ok is false if the block has
	// no room for it.
	next := func() (n int64, ok bool, err error) {
		if left < 4 {
			return 0, false, nil
		}
		if err := d.readFull(b[:4], "VORBIS_COMMENT block"); err != nil {
			return 0, false, err
		}
		left -= 4
		n = int64(binary.LittleEndian.Uint32(b[:4]))
		return n, n <= left, nil
	}
	vendor, ok, err := next()
	if err != nil {
		return 0, err
	}
	if ok {
		if err := d.discard(vendor, "VORBIS_COMMENT block"); err != nil {
			return 0, err
		}
		left -= vendor
		count, ok, err := next()
		if err != nil {
			return 0, err
		}
		for i := int64(0); ok && i < count; i++ {
			var n int64
			n, ok, err = next()
			if err != nil {
				return 0, err
			}
			if !ok {
				break
			}
			if n <= maxMaskComment {
				if err := d.readFull(b[:n], "VORBIS_COMMENT block"); err != nil {
					return 0, err
				}
				if l, found := parseChannelMask(string(b[:n])); found {
					layout = l
				}
			} else if err := d.discard(n, "VORBIS_COMMENT block"); err != nil {
				return 0, err
			}
			left -= n
		}
	}
	if err := d.discard(left, "VORBIS_COMMENT block"); err != nil {
		return 0, err
	}
	return layout, nil
}

// Format returns the stream's format: Type is audio.SampleInt and Bits the
// stream's bits per sample. Layout is FLAC's channel order for the channel
// count unless a WAVEFORMATEXTENSIBLE_CHANNEL_MASK comment names another.
func (d *Decoder) Format() audio.Format { return d.format }

// Length returns the stream's length in frames from STREAMINFO, or -1 when
// the header leaves it unknown (0).
func (d *Decoder) Length() int64 {
	if d.info.total == 0 {
		return -1
	}
	return int64(d.info.total)
}

// ReadFrames decodes up to dst.Frames() frames into dst, which must have
// Format().Channels channels (it panics otherwise). It returns io.EOF at the
// clean end of the stream, after checking the total length and the MD5
// signature in STREAMINFO; an error wrapping io.ErrUnexpectedEOF if the
// stream is truncated; and an error wrapping audio.ErrCorrupt for damaged
// frames. Errors are sticky.
func (d *Decoder) ReadFrames(dst audio.Buffer) (int, error) {
	if len(dst) != d.format.Channels {
		panic(fmt.Sprintf("flac: ReadFrames into a buffer of %d channels from a stream of %d", len(dst), d.format.Channels))
	}
	want := dst.Frames()
	n := 0
	for n < want {
		if d.cur == nil || d.pos >= int(d.cur.BlockSize) {
			if d.err == nil {
				d.err = d.nextFrame()
			}
			if d.err != nil {
				if n > 0 {
					return n, nil // report the error on the next call
				}
				return 0, d.err
			}
		}
		k := min(want-n, int(d.cur.BlockSize)-d.pos)
		for c, sf := range d.cur.Subframes {
			src := sf.Samples[d.pos : d.pos+k]
			out := dst[c][n : n+k]
			for i, v := range src {
				out[i] = float32(v) * d.scale
			}
		}
		d.pos += k
		n += k
	}
	return n, nil
}

// nextFrame decodes the next frame into d.cur, or returns io.EOF at the end.
func (d *Decoder) nextFrame() error {
	d.cur, d.pos = nil, 0
	si := &d.info
	if si.total > 0 && d.decoded >= si.total {
		// Everything the header promised has been decoded; whatever follows
		// (an ID3v1 tag, padding) is not audio.
		return d.finish()
	}
	start := d.offset()
	f, err := d.parseFrame()
	if err == io.EOF {
		if si.total > 0 && d.decoded < si.total {
			return fmt.Errorf("flac: stream ends after %d of the %d frames STREAMINFO declares: %w",
				d.decoded, si.total, io.ErrUnexpectedEOF)
		}
		return d.finish()
	}
	if err != nil {
		return err
	}
	bs := uint64(f.BlockSize)
	if si.total > 0 && d.decoded+bs > si.total {
		return fmt.Errorf("flac: frame %d at byte %d ends at frame %d, beyond the %d STREAMINFO declares: %w",
			d.nframes, start, d.decoded+bs, si.total, audio.ErrCorrupt)
	}
	d.hash(f)
	d.cur = f
	d.nframes++
	d.decoded += bs
	return nil
}

// parseFrame reads and decodes one frame, checking its header against
// STREAMINFO. It returns io.EOF if the stream ends cleanly before the frame.
func (d *Decoder) parseFrame() (f *frame.Frame, err error) {
	start := d.offset()
	defer func() {
		// mewkiz/flac indexes and shifts by values read from the stream; a
		// damaged frame must give an error, never crash the caller.
		if p := recover(); p != nil {
			f, err = nil, fmt.Errorf("flac: frame %d at byte %d is malformed (decoder panic: %v): %w",
				d.nframes, start, p, audio.ErrCorrupt)
		}
	}()
	f, err = frame.New(d.r)
	if err == io.EOF {
		return nil, io.EOF
	}
	if err != nil {
		return nil, d.frameError(err, start)
	}
	if err := d.checkFrameHeader(&f.Header, start); err != nil {
		return nil, err
	}
	if f.BitsPerSample == 0 {
		// "Get from STREAMINFO": mewkiz reads the field as the depth.
		f.BitsPerSample = uint8(d.info.bps)
	}
	if err := parseSubframes(f); err != nil {
		return nil, d.frameError(err, start)
	}
	return f, nil
}

// parseSubframes decodes the subframes of a frame whose header has been read.
// It is a variable so that a test can check the panic guard in parseFrame.
var parseSubframes = (*frame.Frame).Parse

// frameError wraps an error from mewkiz's frame parser.
func (d *Decoder) frameError(err error, start int64) error {
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || err == io.EOF:
		return fmt.Errorf("flac: stream ends inside frame %d (starting at byte %d): %w", d.nframes, start, io.ErrUnexpectedEOF)
	case err == frame.ErrInvalidSync:
		return fmt.Errorf("flac: no frame sync code at byte %d (frame %d): %w", start, d.nframes, audio.ErrCorrupt)
	}
	return fmt.Errorf("flac: frame %d at byte %d: %v: %w", d.nframes, start, err, audio.ErrCorrupt)
}

// checkFrameHeader rejects frame headers that contradict STREAMINFO or the
// frames before them.
func (d *Decoder) checkFrameHeader(h *frame.Header, start int64) error {
	si := &d.info
	bad := func(format string, args ...any) error {
		return fmt.Errorf("flac: frame %d at byte %d: %s: %w", d.nframes, start, fmt.Sprintf(format, args...), audio.ErrCorrupt)
	}
	switch {
	case h.Channels.Count() != si.channels:
		return bad("%d channels, STREAMINFO says %d", h.Channels.Count(), si.channels)
	case h.BitsPerSample != 0 && int(h.BitsPerSample) != si.bps:
		return bad("%d bits per sample, STREAMINFO says %d", h.BitsPerSample, si.bps)
	case h.SampleRate != 0 && int(h.SampleRate) != si.rate:
		return bad("sample rate %d Hz, STREAMINFO says %d Hz", h.SampleRate, si.rate)
	case h.BlockSize == 0 || int(h.BlockSize) > si.maxBlock:
		// mewkiz stores a coded block size of 65536 as 0.
		bs := int(h.BlockSize)
		if bs == 0 {
			bs = 65536
		}
		return bad("block size %d, STREAMINFO allows at most %d", bs, si.maxBlock)
	}
	// Frames carry their frame number (fixed block size) or first sample
	// number (variable block size): a gap means frames were lost.
	want := d.decoded
	if h.HasFixedBlockSize {
		want = uint64(d.nframes)
	}
	if d.nframes == 0 {
		d.firstN = h.Num - want
	}
	if h.Num-d.firstN != want {
		return bad("numbered %d, expected %d (frames missing or out of order)", h.Num, want+d.firstN)
	}
	return nil
}

// hash adds the samples of f to the running MD5 signature, packed the way
// STREAMINFO's signature is defined: interleaved, little-endian, in whole
// bytes.
func (d *Decoder) hash(f *frame.Frame) {
	bytesPer := (d.info.bps + 7) / 8
	n, nc := int(f.BlockSize), len(f.Subframes)
	size := n * nc * bytesPer
	if cap(d.md5buf) < size {
		d.md5buf = make([]byte, size)
	}
	d.chans = d.chans[:0]
	for _, sf := range f.Subframes {
		d.chans = append(d.chans, sf.Samples)
	}
	d.md5.Write(packLE(d.md5buf[:size], d.chans, n, bytesPer))
}

// packLE interleaves n samples of each channel into b as little-endian
// integers of bytesPer bytes and returns b.
func packLE(b []byte, chans [][]int32, n, bytesPer int) []byte {
	nc := len(chans)
	for c, ch := range chans {
		s := ch[:n]
		o := c * bytesPer
		step := nc * bytesPer
		switch bytesPer {
		case 1:
			for _, v := range s {
				b[o] = byte(v)
				o += step
			}
		case 2:
			for _, v := range s {
				b[o], b[o+1] = byte(v), byte(v>>8)
				o += step
			}
		default:
			for _, v := range s {
				b[o], b[o+1], b[o+2] = byte(v), byte(v>>8), byte(v>>16)
				o += step
			}
		}
	}
	return b
}

// finish checks the MD5 signature at the end of the stream and returns io.EOF
// if it matches (or STREAMINFO has none).
func (d *Decoder) finish() error {
	var zero [16]byte
	if d.info.md5 != zero {
		var got [16]byte
		d.md5.Sum(got[:0])
		if got != d.info.md5 {
			return fmt.Errorf("flac: decoded audio does not match the MD5 signature in STREAMINFO (%x, decoded %x): %w",
				d.info.md5, got, audio.ErrCorrupt)
		}
	}
	return io.EOF
}

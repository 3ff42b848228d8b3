package mp3

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	gomp3 "github.com/hajimehoshi/go-mp3"

	"github.com/mixdown/mixdown/audio"
)

// Decoder reads an MP3 stream as planar float32 frames at the stream's own
// sample rate and channel count. It implements audio.Reader and
// audio.Lengther. A Decoder is not safe for concurrent use.
type Decoder struct {
	src    *bufio.Reader
	off    int64 // input offset in bytes of src's next byte
	first  frameHeader
	format audio.Format
	tag    infoTag
	hasTag bool
	length int64

	// Gapless window, in frames of the library's output: samples before
	// start and from end on are dropped. end < 0 means no end trimming.
	start, end int64
	maxFrames  int64 // audio frames to decode, or -1 for all
	fed        int64 // audio frames handed to the library so far

	frame   []byte // the audio frame being handed to the library
	fpos    int    // bytes of frame already handed over
	feedErr error  // why the frame supply ended, if not cleanly

	lib    *gomp3.Decoder
	pcmBuf []byte
	pcm    []byte // decoded samples not yet returned: 16-bit LE stereo pairs
	pos    int64  // library output frames consumed (returned or trimmed)
	err    error  // sticky: io.EOF at the clean end, or the failure
}

// bufSize is the read buffer; it must hold syncPeek and maxFrameBytes.
const bufSize = 32 << 10

// NewDecoder reads the start of an MP3 stream from r (ID3v2 tags, the first
// frame and any Xing/Info/LAME tag) and returns a Decoder positioned at the
// first audio frame. r need not be an io.Seeker; it is read sequentially
// through an internal buffer.
//
// Errors wrap audio.ErrNotAudio when no MPEG audio frames are found,
// audio.ErrUnsupported for MPEG audio this package cannot decode (Layer I/II,
// MPEG-2.5, free format), audio.ErrCorrupt for malformed data and
// io.ErrUnexpectedEOF when the input ends inside a tag or the first frame.
func NewDecoder(r io.Reader) (*Decoder, error) {
	d := &Decoder{src: bufio.NewReaderSize(r, bufSize), length: -1, end: -1, maxFrames: -1}
	tagged, err := d.skipID3v2()
	if err != nil {
		return nil, err
	}
	if err := d.findFirstFrame(tagged); err != nil {
		return nil, err
	}
	h := d.first
	d.format = audio.Format{SampleRate: h.sampleRate, Channels: h.channels(), Type: audio.SampleLossy}
	if err := d.format.Validate(); err != nil {
		return nil, fmt.Errorf("mp3: %w", err)
	}

	// A tag frame describes the stream and is not decoded.
	b, _ := d.src.Peek(h.size)
	if len(b) == h.size {
		d.tag, d.hasTag = parseInfoTag(b, h)
	}
	if d.hasTag {
		d.discard(h.size)
		d.setGapless()
	}

	d.frame = make([]byte, 0, maxFrameBytes)
	d.pcmBuf = make([]byte, 2*4*1152)
	lib, err := d.newLib()
	switch {
	case err == io.EOF:
		// No audio frames: an empty stream, or a truncated one.
		d.finish()
	case err != nil:
		return nil, err
	default:
		d.lib = lib
	}
	if d.err != nil && d.err != io.EOF {
		return nil, d.err
	}
	return d, nil
}

// skipID3v2 discards the ID3v2 tags at the start of the input and reports
// whether there were any.
func (d *Decoder) skipID3v2() (tagged bool, err error) {
	for {
		b, _ := d.src.Peek(10)
		if len(b) < 3 || string(b[:3]) != "ID3" {
			return tagged, nil
		}
		n, ok := id3v2Size(b)
		if !ok {
			if len(b) < 10 {
				return tagged, fmt.Errorf("mp3: input ends inside an ID3v2 tag header: %w", io.ErrUnexpectedEOF)
			}
			return tagged, fmt.Errorf("mp3: malformed ID3v2 tag header at byte %d: %w", d.off, audio.ErrCorrupt)
		}
		at := d.off
		if got := d.discard64(n); got < n {
			return tagged, fmt.Errorf("mp3: ID3v2 tag at byte %d claims %d bytes but the input ends after %d: %w",
				at, n, got, io.ErrUnexpectedEOF)
		}
		tagged = true
	}
}

// findFirstFrame locates the first frame after the tags and leaves the
// input positioned at it, with d.first set.
func (d *Decoder) findFirstFrame(tagged bool) error {
	b, err := d.src.Peek(syncPeek)
	eof := err != nil
	if err != nil && err != io.EOF {
		return fmt.Errorf("mp3: %w", err)
	}
	off, h, found, free := syncSearch(b, eof)
	switch {
	case free:
		return fmt.Errorf("mp3: free-format bitrate (no bitrate in the frame header): %w", audio.ErrUnsupported)
	case !found && len(bytes.TrimLeft(b, "\x00")) == 0:
		if tagged {
			return fmt.Errorf("mp3: no audio frames after the ID3v2 tag: %w", io.ErrUnexpectedEOF)
		}
		return fmt.Errorf("mp3: empty input: %w", audio.ErrNotAudio)
	case !found:
		// A lone header whose frame runs past the end is a truncated file.
		z := len(b) - len(bytes.TrimLeft(b, "\x00"))
		if h0, ok, _ := parseHeader(b[z:]); ok && eof && z+h0.size > len(b) {
			return fmt.Errorf("mp3: input ends inside the first frame (%d of %d bytes): %w",
				len(b)-z, h0.size, io.ErrUnexpectedEOF)
		}
		if tagged {
			return fmt.Errorf("mp3: no MPEG audio frames after the ID3v2 tag: %w", audio.ErrCorrupt)
		}
		return fmt.Errorf("mp3: no MPEG audio frame headers found: %w", audio.ErrNotAudio)
	}
	d.discard(off)
	switch {
	case h.layer != 3:
		return fmt.Errorf("mp3: %s audio is not supported, only Layer III: %w", h, audio.ErrUnsupported)
	case h.version == mpeg25:
		return fmt.Errorf("mp3: MPEG-2.5 (%d Hz) is not supported: %w", h.sampleRate, audio.ErrUnsupported)
	}
	d.first = h
	return nil
}

// setGapless derives the trimming window and length from d.tag.
func (d *Decoder) setGapless() {
	t := d.tag
	spf := int64(d.first.samples)
	switch {
	case t.gapless && t.frames >= 0:
		total := t.frames * spf
		d.start = int64(t.delay) + decoderDelay
		d.end = min(total-int64(t.padding)+decoderDelay, total)
		d.start = min(d.start, max(d.end, 0))
		d.end = max(d.end, d.start)
		d.length = d.end - d.start
		d.maxFrames = t.frames
	case t.gapless:
		d.start = int64(t.delay) + decoderDelay
	case t.frames >= 0:
		d.length = t.frames * spf
	}
}

// Format returns the stream's format: its sample rate and channel count
// (1 for mono MP3, 2 otherwise), Type audio.SampleLossy and Bits 0.
func (d *Decoder) Format() audio.Format { return d.format }

// Length returns the decoded length in frames when the stream states it: with
// a LAME tag it is exactly the length of the encoder's input; with only a
// Xing/Info frame count it is that count times the frame size (nothing is
// trimmed then). It returns -1 when the stream does not say. The value is the
// stream's claim, read from its header: a truncated file decodes to fewer
// frames (and ReadFrames reports the truncation).
func (d *Decoder) Length() int64 { return d.length }

// Encoder returns the encoder version string from the LAME tag (for
// example "LAME3.100"), or "" if the stream has none.
func (d *Decoder) Encoder() string { return d.tag.encoder }

// Gapless reports whether the stream carries a LAME tag with the encoder
// delay and padding, which the Decoder trims. Delay and padding are in
// frames; the delay excludes the 529-frame delay of the decoder.
func (d *Decoder) Gapless() (ok bool, delay, padding int) {
	return d.tag.gapless, d.tag.delay, d.tag.padding
}

// ReadFrames decodes up to dst.Frames() frames into dst, which must have
// Format().Channels channels (it panics otherwise). It returns io.EOF at the
// clean end of the stream, an error wrapping io.ErrUnexpectedEOF when the
// input ends inside a frame or before the frame count in the Xing tag, and
// an error wrapping audio.ErrCorrupt or audio.ErrUnsupported when the frame
// sequence is broken. Frames decoded before an error are returned first.
func (d *Decoder) ReadFrames(dst audio.Buffer) (int, error) {
	if len(dst) != d.format.Channels {
		panic(fmt.Sprintf("mp3: ReadFrames into a %d-channel buffer, stream has %d channels", len(dst), d.format.Channels))
	}
	want := dst.Frames()
	n := 0
	for n < want {
		if len(d.pcm) == 0 {
			if d.err != nil {
				break
			}
			d.fill()
			continue
		}
		avail := int64(len(d.pcm) / 4)
		if d.pos < d.start {
			skip := min(avail, d.start-d.pos)
			d.pcm = d.pcm[skip*4:]
			d.pos += skip
			continue
		}
		take := min(avail, int64(want-n))
		if d.end >= 0 {
			take = min(take, d.end-d.pos)
			if take <= 0 {
				d.pcm = nil
				d.err = io.EOF
				break
			}
		}
		k := int(take)
		convert(dst, n, d.pcm[:k*4])
		d.pcm = d.pcm[k*4:]
		d.pos += take
		n += k
	}
	if n > 0 {
		return n, nil
	}
	return 0, d.err
}

// sampleScale undoes the library's conversion to 16 bits, which multiplies by
// 32767 (not 32768) and truncates, so that full scale stays at ±1.0.
const sampleScale = 1.0 / 32767

// convert writes the 16-bit little-endian stereo pairs in pcm to dst from
// frame at on. For a mono stream only the left copy is used.
func convert(dst audio.Buffer, at int, pcm []byte) {
	k := len(pcm) / 4
	l := dst[0][at : at+k]
	if len(dst) == 1 {
		for i := range l {
			l[i] = float32(int16(uint16(pcm[4*i])|uint16(pcm[4*i+1])<<8)) * sampleScale
		}
		return
	}
	r := dst[1][at : at+k]
	for i := range l {
		p := pcm[4*i : 4*i+4 : 4*i+4]
		l[i] = float32(int16(uint16(p[0])|uint16(p[1])<<8)) * sampleScale
		r[i] = float32(int16(uint16(p[2])|uint16(p[3])<<8)) * sampleScale
	}
}

// fill decodes the next frame into d.pcm, or sets d.err.
func (d *Decoder) fill() {
	if d.lib == nil {
		d.finish()
		return
	}
	if d.end >= 0 && d.pos >= d.end {
		d.err = io.EOF
		return
	}
	n, err := d.libRead(d.pcmBuf)
	d.pcm = d.pcmBuf[:n]
	switch {
	case err == io.EOF:
		d.finish()
	case err != nil:
		d.err = err
	case n == 0:
		// The library always returns data or an error; never spin.
		d.err = fmt.Errorf("mp3: decoder made no progress at frame %d: %w", d.fed, audio.ErrCorrupt)
	}
}

// finish ends decoding: cleanly, or with the reason the frame supply ended.
func (d *Decoder) finish() {
	if d.feedErr != nil {
		d.err = d.feedErr
	} else {
		d.err = io.EOF
	}
}

// newLib starts the library decoder on the frame supply. It decodes the first
// audio frame; io.EOF means there is none.
func (d *Decoder) newLib() (lib *gomp3.Decoder, err error) {
	defer func() {
		// go-mp3 indexes tables with values from the bitstream; a damaged
		// frame can make it panic. Its state is then unusable.
		if p := recover(); p != nil {
			lib, err = nil, fmt.Errorf("mp3: frame 1: decoder failed on malformed data (%v): %w", p, audio.ErrCorrupt)
		}
	}()
	lib, err = gomp3.NewDecoder(feeder{d})
	if err != nil && err != io.EOF {
		return nil, d.libError(err)
	}
	return lib, err
}

// libRead reads decoded samples from the library, turning its panics into
// errors (see newLib).
func (d *Decoder) libRead(p []byte) (n int, err error) {
	defer func() {
		if r := recover(); r != nil {
			n, err = 0, fmt.Errorf("mp3: frame %d: decoder failed on malformed data (%v): %w", d.fed, r, audio.ErrCorrupt)
		}
	}()
	n, err = d.lib.Read(p)
	if err != nil && err != io.EOF {
		err = d.libError(err)
	}
	return n, err
}

// libError wraps an error from the library.
func (d *Decoder) libError(err error) error {
	if d.feedErr != nil {
		return d.feedErr
	}
	msg := strings.TrimPrefix(err.Error(), "mp3: ")
	return fmt.Errorf("mp3: frame %d: %s: %w", d.fed, msg, audio.ErrCorrupt)
}

// feeder is the io.Reader the library decodes from: it yields only complete,
// checked audio frames and ends with io.EOF, recording in d.feedErr why the
// supply ended if that was not the clean end of the stream.
type feeder struct{ d *Decoder }

func (f feeder) Read(p []byte) (int, error) {
	d := f.d
	for d.fpos == len(d.frame) {
		if d.feedErr != nil || !d.nextFrame() {
			return 0, io.EOF
		}
	}
	n := copy(p, d.frame[d.fpos:])
	d.fpos += n
	return n, nil
}

// nextFrame loads the next audio frame into d.frame. It returns false at the
// end of the audio, setting d.feedErr unless the end is clean.
func (d *Decoder) nextFrame() bool {
	if d.maxFrames >= 0 && d.fed >= d.maxFrames {
		return false
	}
	at := d.off
	b, err := d.src.Peek(4)
	if err != nil && err != io.EOF {
		d.feedErr = fmt.Errorf("mp3: reading frame %d: %w", d.fed+1, err)
		return false
	}
	h, ok, _ := parseHeader(b)
	if !ok {
		d.endOfFrames(b)
		return false
	}
	switch {
	case !h.sameStream(d.first):
		d.feedErr = fmt.Errorf("mp3: frame %d at byte %d is %s, the stream began as %s: %w",
			d.fed+1, at, h, d.first, audio.ErrUnsupported)
		return false
	case h.channels() != d.first.channels():
		d.feedErr = fmt.Errorf("mp3: frame %d at byte %d has %d channels, the stream began with %d: %w",
			d.fed+1, at, h.channels(), d.first.channels(), audio.ErrUnsupported)
		return false
	}
	fb, err := d.src.Peek(h.size)
	if len(fb) < h.size {
		if err == io.EOF {
			d.feedErr = fmt.Errorf("mp3: input ends inside frame %d at byte %d (%d of %d bytes): %w",
				d.fed+1, at, len(fb), h.size, io.ErrUnexpectedEOF)
		} else {
			d.feedErr = fmt.Errorf("mp3: reading frame %d: %w", d.fed+1, err)
		}
		return false
	}
	d.frame = append(d.frame[:0], fb...)
	d.fpos = 0
	d.discard(h.size)
	d.fed++
	return true
}

// endOfFrames decides what the bytes b where a frame header was expected
// mean: the clean end, a trailing tag, zero padding, truncation or lost sync.
func (d *Decoder) endOfFrames(b []byte) {
	at := d.off
	short := func() {
		if d.maxFrames >= 0 && d.fed < d.maxFrames {
			d.feedErr = fmt.Errorf("mp3: stream ends after %d of the %d frames its Xing tag announces: %w",
				d.fed, d.maxFrames, io.ErrUnexpectedEOF)
		}
	}
	if len(b) == 0 {
		short()
		return
	}
	tb, _ := d.src.Peek(11)
	if isTrailer(tb) {
		short()
		return
	}
	if b[0] == 0 && d.zerosToEnd() {
		short()
		return
	}
	if len(b) < 4 {
		if _, err := d.src.Peek(len(b) + 1); err == io.EOF && b[0] == 0xFF {
			d.feedErr = fmt.Errorf("mp3: input ends inside the header of frame %d at byte %d: %w",
				d.fed+1, at, io.ErrUnexpectedEOF)
			return
		}
	}
	d.feedErr = fmt.Errorf("mp3: lost frame sync at byte %d after frame %d (bytes % x are not a frame header): %w",
		at, d.fed, b, audio.ErrCorrupt)
}

// zerosToEnd consumes zero bytes and reports whether only zeros remain.
func (d *Decoder) zerosToEnd() bool {
	for {
		b, err := d.src.Peek(bufSize)
		z := len(b) - len(bytes.TrimLeft(b, "\x00"))
		d.discard(z)
		if z < len(b) {
			return false
		}
		if err != nil {
			return errors.Is(err, io.EOF)
		}
	}
}

// discard skips n bytes that are known to be buffered.
func (d *Decoder) discard(n int) {
	m, _ := d.src.Discard(n)
	d.off += int64(m)
}

// discard64 skips up to n bytes and returns how many it skipped.
func (d *Decoder) discard64(n int64) int64 {
	var got int64
	for got < n {
		m, err := d.src.Discard(int(min(n-got, 1<<20)))
		got += int64(m)
		if err != nil {
			break
		}
	}
	d.off += got
	return got
}

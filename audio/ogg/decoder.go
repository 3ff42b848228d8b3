package ogg

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/jfreymuth/vorbis"

	"github.com/mixdown/mixdown/audio"
)

// Decoder reads the first Vorbis stream of an Ogg file as planar float32
// frames at the stream's own sample rate and channel count. It implements
// audio.Reader and audio.Lengther. A Decoder is not safe for concurrent use.
type Decoder struct {
	pages   pageReader
	packets packetReader
	seeker  io.ReadSeeker
	perm    []int // perm[c] is the Vorbis channel delivered as channel c
	info    vorbisInfo
	format  audio.Format
	lib     vorbis.Decoder
	libBuf  []float32
	length  int64

	queue   []packet // packets read ahead on the first audio page
	prevLen int      // block size of the previous audio packet, 0 before the first
	npkt    int64    // audio packets decoded

	// Positions are granule positions (frames from the stream's time zero).
	next  int64 // position of the next decoded frame
	start int64 // frames before this position are dropped (0, or the stream's first position)
	end   int64 // frames from this position on are dropped; -1 until the last page

	pending []float32 // decoded interleaved frames not yet returned
	err     error     // sticky: io.EOF at the clean end, or the failure
}

// NewDecoder reads the Ogg headers of the first Vorbis stream in r and the
// first page of its audio, and returns a Decoder positioned at the first
// frame. If r is also an io.Seeker, NewDecoder looks for the stream's last
// page near the end of the input to learn its length (see Length), then
// returns to where it was; otherwise r is read strictly sequentially.
//
// Errors wrap audio.ErrNotAudio when r is not an Ogg stream,
// audio.ErrUnsupported when it carries no Vorbis stream (naming what it
// carries, for example Opus) or one beyond mixdown's limits, audio.ErrCorrupt
// for malformed data and io.ErrUnexpectedEOF when the input ends early.
func NewDecoder(r io.Reader) (*Decoder, error) {
	d := &Decoder{length: -1, end: -1}
	d.pages.br = bufio.NewReaderSize(r, maxPageBytes+4096)
	d.packets.pr = &d.pages
	d.seeker, _ = r.(io.ReadSeeker)

	first, err := d.selectStream()
	if err != nil {
		return nil, err
	}
	d.packets.start(first)
	if err := d.readHeaders(); err != nil {
		return nil, err
	}
	if err := d.readFirstPage(); err != nil {
		return nil, err
	}
	if d.seeker != nil {
		if last, ok := d.findLastGranule(); ok {
			d.length = max(last-d.start, 0)
		}
	}
	return d, nil
}

// codecOf names the codec of a logical stream from its first packet.
func codecOf(p []byte) string {
	for _, c := range []struct{ magic, name string }{
		{"\x01vorbis", "Vorbis"},
		{"OpusHead", "Opus"},
		{"\x7fFLAC", "FLAC"},
		{"fLaC", "FLAC"},
		{"Speex   ", "Speex"},
		{"\x80theora", "Theora"},
		{"fishead\x00", "Skeleton"},
		{"PCM     ", "PCM"},
		{"\x80kate", "Kate"},
		{"BBCD\x00", "Dirac"},
		{"CELT    ", "CELT"},
	} {
		if bytes.HasPrefix(p, []byte(c.magic)) {
			return c.name
		}
	}
	return "unknown"
}

// selectStream reads the beginning-of-stream pages (all of them precede the
// first data page) and returns the first page of the first Vorbis stream.
func (d *Decoder) selectStream() (*page, error) {
	var vorbisPage *page
	var others []string
	for n := 0; ; n++ {
		if n > 0 {
			if fl, ok := d.pages.peekFlags(); !ok || fl&flagBOS == 0 {
				break
			}
		}
		p := new(page)
		err := d.pages.next(p)
		switch {
		case n == 0 && (err == io.EOF || err == errNoPage):
			return nil, fmt.Errorf("ogg: not an Ogg stream (no page header at the start): %w", audio.ErrNotAudio)
		case err == io.EOF || err == errNoPage:
			return nil, fmt.Errorf("ogg: the input ends after the stream headers at byte %d: %w", d.pages.off, io.ErrUnexpectedEOF)
		case err != nil:
			return nil, err
		case p.flags&flagBOS == 0:
			return nil, fmt.Errorf("ogg: the first page does not begin a logical stream: %w", audio.ErrCorrupt)
		}
		pkt, _ := p.firstPacket()
		codec := codecOf(pkt)
		if codec == "Vorbis" && vorbisPage == nil {
			vorbisPage = p
		} else {
			others = append(others, codec)
		}
	}
	if vorbisPage != nil {
		return vorbisPage, nil
	}
	for _, c := range others {
		if c == "Opus" {
			return nil, fmt.Errorf("ogg: the stream is Opus audio, which is not supported (only Vorbis is): %w", audio.ErrUnsupported)
		}
	}
	return nil, fmt.Errorf("ogg: no Vorbis stream (found: %s): %w", strings.Join(others, ", "), audio.ErrUnsupported)
}

// readHeaders reads and checks the three Vorbis header packets and gives the
// identification and setup headers to the library.
func (d *Decoder) readHeaders() error {
	p, err := d.packets.next(false)
	if err != nil {
		return err
	}
	if d.info, err = parseIdent(p.data); err != nil {
		return err
	}
	if err := d.libHeader(p.data); err != nil {
		return err
	}
	if p, err = d.packets.next(true); err != nil {
		return headerEOF(err)
	}
	if !bytes.HasPrefix(p.data, []byte("\x03vorbis")) {
		return fmt.Errorf("ogg: the second packet of the Vorbis stream is not a comment header: %w", audio.ErrCorrupt)
	}
	if p, err = d.packets.next(false); err != nil {
		return headerEOF(err)
	}
	setup, err := parseSetup(p.data, &d.info)
	if err != nil {
		return err
	}
	if err := d.libHeader(setup); err != nil {
		return err
	}
	d.format = audio.Format{SampleRate: d.info.sampleRate, Channels: d.info.channels, Type: audio.SampleLossy}
	d.format.Layout, d.perm = channelOrder(d.info.channels)
	d.libBuf = make([]float32, d.lib.BufferSize())
	return nil
}

// headerEOF turns a clean end of the stream inside the headers into a
// truncation error.
func headerEOF(err error) error {
	if err == io.EOF {
		return fmt.Errorf("ogg: the Vorbis stream ends inside its headers: %w", io.ErrUnexpectedEOF)
	}
	return err
}

// libHeader passes a header packet to the library, which reports damage it
// finds by panicking in some cases.
func (d *Decoder) libHeader(p []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("ogg: Vorbis header rejected by the decoder (%v): %w", r, audio.ErrCorrupt)
		}
	}()
	if err := d.lib.ReadHeader(p); err != nil {
		return fmt.Errorf("ogg: Vorbis header rejected by the decoder (%s): %w", strings.TrimPrefix(err.Error(), "vorbis: "), audio.ErrCorrupt)
	}
	return nil
}

// blockLen returns the block size of an audio packet from its mode number,
// or 0 for an empty packet (which carries no audio and is skipped).
func (d *Decoder) blockLen(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if p[0]&1 != 0 {
		return 0, fmt.Errorf("ogg: header packet among the audio packets: %w", audio.ErrCorrupt)
	}
	mode := int(p[0]>>1) & (1<<d.info.modeBits - 1)
	if mode >= len(d.info.modeLong) {
		return 0, fmt.Errorf("ogg: audio packet uses mode %d of %d: %w", mode, len(d.info.modeLong), audio.ErrCorrupt)
	}
	if d.info.modeLong[mode] {
		return d.info.blocksize[1], nil
	}
	return d.info.blocksize[0], nil
}

// readFirstPage reads the packets up to the first one that ends a page and
// works out from that page's granule position where the stream starts.
func (d *Decoder) readFirstPage() error {
	var decoded int64
	prev := 0
	for {
		p, err := d.packets.next(false)
		if err == io.EOF {
			break // no audio at all
		}
		if err != nil {
			return err
		}
		n, err := d.blockLen(p.data)
		if err != nil {
			return err
		}
		if n > 0 {
			if prev > 0 {
				decoded += int64(prev/4 + n/4)
			}
			prev = n
		}
		p.data = bytes.Clone(p.data)
		d.queue = append(d.queue, p)
		if !p.lastOnPage {
			continue
		}
		switch {
		case p.eos || p.granule < 0:
			// A stream that fits on one page: its granule position marks the
			// end, not the start.
		case p.granule < decoded:
			d.start = 0
			d.next = p.granule - decoded
		default:
			d.next = p.granule - decoded
			d.start = d.next
		}
		break
	}
	return nil
}

// findLastGranule looks for the stream's last page near the end of the
// input and returns its granule position, leaving the input where it was.
func (d *Decoder) findLastGranule() (int64, bool) {
	const window = 256 << 10
	s := d.seeker
	here, err := s.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, false
	}
	defer func() { _, _ = s.Seek(here, io.SeekStart) }()
	size, err := s.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, false
	}
	from := max(size-window, 0)
	if _, err := s.Seek(from, io.SeekStart); err != nil {
		return 0, false
	}
	buf := make([]byte, size-from)
	if _, err := io.ReadFull(s, buf); err != nil {
		return 0, false
	}
	granule, found := int64(0), false
	var p page
	for i := 0; i+pageHeaderBytes <= len(buf); {
		j := bytes.Index(buf[i:], []byte("OggS"))
		if j < 0 {
			break
		}
		i += j
		size := pageSize(buf[i:])
		if size == 0 || i+size > len(buf) || decodePage(buf[i:i+size], &p) != nil {
			i++
			continue
		}
		if p.serial == d.packets.serial && p.flags&flagEOS != 0 {
			granule, found = p.granule, true
		}
		i += size
	}
	return granule, found
}

// Format returns the stream's format: sample rate, channel count, Type
// audio.SampleLossy and Bits 0. Streams of three to eight channels are
// reordered from the Vorbis channel order (for 5.1: front left, center,
// front right, rear left, rear right, LFE) to mixdown's (WAVE) order and get
// the matching Layout; other counts keep the stream's order and Layout 0.
func (d *Decoder) Format() audio.Format { return d.format }

// Length returns the stream's length in frames as stated by the granule
// position of its last page, or -1 if unknown: when the input is not an
// io.Seeker, or its last page was not found in the final 256 KiB. It is the
// stream's claim; a damaged stream may decode to fewer frames.
func (d *Decoder) Length() int64 { return d.length }

// ReadFrames decodes up to dst.Frames() frames into dst, which must have
// Format().Channels channels (it panics otherwise). It returns io.EOF at the
// end of the stream, an error wrapping io.ErrUnexpectedEOF when the input
// ends before the stream's last page, and an error wrapping audio.ErrCorrupt
// or audio.ErrUnsupported when the stream is damaged or chained. Frames
// decoded before an error are returned first.
//
// Samples are not clipped: values beyond ±1.0 are kept, NaN becomes 0 and
// magnitudes above audio.MaxFloatSample are clamped to it.
func (d *Decoder) ReadFrames(dst audio.Buffer) (int, error) {
	nc := d.info.channels
	if len(dst) != nc {
		panic(fmt.Sprintf("ogg: ReadFrames into a %d-channel buffer, stream has %d channels", len(dst), nc))
	}
	want := dst.Frames()
	n := 0
	for n < want {
		if len(d.pending) == 0 {
			if d.err != nil {
				break
			}
			d.decodeNext()
			continue
		}
		k := min(len(d.pending)/nc, want-n)
		deinterleave(dst, n, d.pending[:k*nc], d.perm)
		d.pending = d.pending[k*nc:]
		n += k
	}
	if n > 0 {
		return n, nil
	}
	return 0, d.err
}

// channelOrder returns the layout of an n-channel Vorbis stream (0 for the
// default) and, for each output channel, the Vorbis channel it comes from.
func channelOrder(n int) (audio.Layout, []int) {
	const (
		fl, fr, fc, lfe = audio.FrontLeft, audio.FrontRight, audio.FrontCenter, audio.LowFrequency
		bl, br, bc      = audio.BackLeft, audio.BackRight, audio.BackCenter
		sl, sr          = audio.SideLeft, audio.SideRight
	)
	// Speaker of each Vorbis channel, from the Vorbis I specification.
	vorbisOrder := map[int][]audio.Speaker{
		3: {fl, fc, fr},
		4: {fl, fr, bl, br},
		5: {fl, fc, fr, bl, br},
		6: {fl, fc, fr, bl, br, lfe},
		7: {fl, fc, fr, sl, sr, bc, lfe},
		8: {fl, fc, fr, sl, sr, bl, br, lfe},
	}
	perm := make([]int, n)
	for c := range perm {
		perm[c] = c
	}
	sp, ok := vorbisOrder[n]
	if !ok {
		return 0, perm
	}
	var layout audio.Layout
	for _, s := range sp {
		layout |= audio.Layout(s)
	}
	for c := range perm {
		want := layout.Speaker(c)
		for v, s := range sp {
			if s == want {
				perm[c] = v
			}
		}
	}
	return layout, perm
}

// deinterleave copies interleaved samples to dst from frame at on, taking
// output channel c from source channel perm[c] and sanitizing the values.
func deinterleave(dst audio.Buffer, at int, src []float32, perm []int) {
	nc := len(dst)
	k := len(src) / nc
	for c, ch := range dst {
		out := ch[at : at+k]
		sc := perm[c]
		for i := range out {
			v := src[i*nc+sc]
			switch {
			case v != v:
				v = 0
			case v > audio.MaxFloatSample:
				v = audio.MaxFloatSample
			case v < -audio.MaxFloatSample:
				v = -audio.MaxFloatSample
			}
			out[i] = v
		}
	}
}

// decodeNext decodes the next packet into d.pending, trimmed, or sets d.err.
func (d *Decoder) decodeNext() {
	var p packet
	if len(d.queue) > 0 {
		p, d.queue = d.queue[0], d.queue[1:]
	} else {
		var err error
		p, err = d.packets.next(false)
		if err == io.EOF {
			d.err = d.afterEnd()
			return
		}
		if err != nil {
			d.err = err
			return
		}
	}
	if p.eos && p.lastOnPage && p.granule >= 0 {
		d.end = p.granule
	}
	n, err := d.blockLen(p.data)
	if err != nil {
		d.err = err
		return
	}
	if n == 0 {
		return
	}
	want := 0
	if d.prevLen > 0 {
		want = d.prevLen/4 + n/4
	}
	d.prevLen = n
	out, err := d.decode(p.data)
	if err != nil {
		d.err = err
		return
	}
	nc := d.info.channels
	if len(out) != want*nc {
		d.err = fmt.Errorf("ogg: audio packet %d (page at byte %d) decoded to %d frames, its block sizes give %d: %w",
			d.npkt, p.offset, len(out)/nc, want, audio.ErrCorrupt)
		return
	}
	// Keep the frames with positions in [start, end).
	from, to := d.next, d.next+int64(want)
	d.next = to
	lo := max(from, d.start)
	hi := to
	if d.end >= 0 {
		hi = min(hi, d.end)
	}
	if hi <= lo {
		return
	}
	d.pending = out[(lo-from)*int64(nc) : (hi-from)*int64(nc)]
}

// decode runs the library on one audio packet.
func (d *Decoder) decode(p []byte) (out []float32, err error) {
	d.npkt++
	defer func() {
		// The library indexes tables with values from the packet; on
		// damaged data it can panic. Its state is then unusable.
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("ogg: audio packet %d: decoder failed on malformed data (%v): %w", d.npkt, r, audio.ErrCorrupt)
		}
	}()
	out, err = d.lib.DecodeInto(p, d.libBuf)
	if err != nil {
		return nil, fmt.Errorf("ogg: audio packet %d: %s: %w", d.npkt, strings.TrimPrefix(err.Error(), "vorbis: "), audio.ErrCorrupt)
	}
	return out, nil
}

// afterEnd decides what follows the stream's last page: nothing, other
// streams' pages or junk (ignored), or a new stream (a chained file).
func (d *Decoder) afterEnd() error {
	if fl, ok := d.pages.peekFlags(); ok && fl&flagBOS != 0 {
		return fmt.Errorf("ogg: chained stream: another logical stream starts at byte %d after the Vorbis stream ends; only the first is decoded: %w",
			d.pages.off, audio.ErrUnsupported)
	}
	return io.EOF
}

// Sniff reports whether head, the first bytes of a file, looks like an Ogg
// stream: it must begin with an Ogg page header (version 0) that starts a
// logical stream, and if the whole first page is in head, its checksum must
// be right. Any codec matches (Opus, FLAC, ...), so that NewDecoder can name
// what it does not support; 64 bytes are enough.
func Sniff(head []byte) bool {
	if len(head) < pageHeaderBytes || string(head[:4]) != "OggS" || head[4] != 0 {
		return false
	}
	if fl := head[5]; fl != flagBOS && fl != flagBOS|flagEOS {
		return false
	}
	if n := pageSize(head); n > 0 && n <= len(head) {
		var p page
		return decodePage(head[:n], &p) == nil
	}
	return true
}

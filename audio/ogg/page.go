package ogg

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/mixdown/mixdown/audio"
)

// Page header flags.
const (
	flagContinued = 1 // the first packet continues from the previous page
	flagBOS       = 2 // first page of a logical stream
	flagEOS       = 4 // last page of a logical stream
)

const (
	pageHeaderBytes = 27
	maxPageBytes    = pageHeaderBytes + 255 + 255*255
	// maxPacketBytes bounds a packet assembled across pages. Vorbis audio
	// packets are a few kilobytes and setup headers rarely reach 100 KiB;
	// comment headers (which may carry pictures) are skipped, not stored.
	maxPacketBytes = 16 << 20
)

// page is one Ogg page. lacing and body are owned by the page and reused.
type page struct {
	flags   byte
	granule int64
	serial  uint32
	seq     uint32
	lacing  []byte
	body    []byte
	offset  int64 // byte offset of the page in the input
}

// errNoPage means the bytes at the read position are not an Ogg page.
var errNoPage = errors.New("no Ogg page")

// pageReader reads Ogg pages from a buffered input.
type pageReader struct {
	br  *bufio.Reader
	off int64 // input offset of br's next byte
}

// peekFlags returns the header flags of the next page without consuming it;
// ok is false if no page header follows.
func (r *pageReader) peekFlags() (flags byte, ok bool) {
	b, _ := r.br.Peek(pageHeaderBytes)
	if len(b) < pageHeaderBytes || string(b[:4]) != "OggS" {
		return 0, false
	}
	return b[5], true
}

// next reads the next page into p, checking its checksum. At the clean end
// of the input it returns io.EOF; errNoPage if other bytes follow; an error
// wrapping io.ErrUnexpectedEOF if the input ends inside a page.
func (r *pageReader) next(p *page) error {
	b, err := r.br.Peek(pageHeaderBytes)
	if len(b) == 0 && err == io.EOF {
		return io.EOF
	}
	if err != nil && err != io.EOF {
		return fmt.Errorf("ogg: %w", err)
	}
	if n := min(len(b), 4); string(b[:n]) != "OggS"[:n] {
		return errNoPage
	}
	if len(b) < pageHeaderBytes {
		return fmt.Errorf("ogg: input ends inside a page header at byte %d: %w", r.off, io.ErrUnexpectedEOF)
	}
	if b[4] != 0 {
		return fmt.Errorf("ogg: page at byte %d has stream structure version %d: %w", r.off, b[4], audio.ErrUnsupported)
	}
	nseg := int(b[26])
	b, _ = r.br.Peek(pageHeaderBytes + nseg)
	if len(b) < pageHeaderBytes+nseg {
		return fmt.Errorf("ogg: input ends inside a page header at byte %d: %w", r.off, io.ErrUnexpectedEOF)
	}
	size := pageSize(b)
	b, _ = r.br.Peek(size)
	if len(b) < size {
		return fmt.Errorf("ogg: input ends inside the page at byte %d (%d of %d bytes): %w",
			r.off, len(b), size, io.ErrUnexpectedEOF)
	}
	if err := decodePage(b, p); err != nil {
		return fmt.Errorf("ogg: page at byte %d %w", r.off, err)
	}
	p.offset = r.off
	_, _ = r.br.Discard(size)
	r.off += int64(size)
	return nil
}

// decodePage fills p from the complete page in b after checking its
// checksum.
func decodePage(b []byte, p *page) error {
	le := binary.LittleEndian
	crc := crcUpdate(0, b[:22])
	crc = crcUpdate(crc, []byte{0, 0, 0, 0})
	crc = crcUpdate(crc, b[26:])
	if want := le.Uint32(b[22:]); crc != want {
		return fmt.Errorf("fails its checksum: %w", audio.ErrCorrupt)
	}
	nseg := int(b[26])
	p.flags = b[5]
	p.granule = int64(le.Uint64(b[6:]))
	p.serial = le.Uint32(b[14:])
	p.seq = le.Uint32(b[18:])
	p.lacing = append(p.lacing[:0], b[pageHeaderBytes:pageHeaderBytes+nseg]...)
	p.body = append(p.body[:0], b[pageHeaderBytes+nseg:]...)
	return nil
}

// pageSize returns the size in bytes of the page whose header starts b, or
// 0 if b is too short to tell.
func pageSize(b []byte) int {
	if len(b) < pageHeaderBytes || len(b) < pageHeaderBytes+int(b[26]) {
		return 0
	}
	size := pageHeaderBytes + int(b[26])
	for _, l := range b[pageHeaderBytes:size] {
		size += int(l)
	}
	return size
}

// firstPacket returns the first packet on p if it is complete there.
func (p *page) firstPacket() ([]byte, bool) {
	n := 0
	for _, l := range p.lacing {
		n += int(l)
		if l < 255 {
			return p.body[:n], true
		}
	}
	return nil, false
}

// packet is one packet of the logical stream.
type packet struct {
	data []byte
	// granule is the granule position of the page the packet ends on; it
	// applies to this packet only if lastOnPage.
	granule    int64
	lastOnPage bool
	eos        bool  // the packet ends on the stream's last page
	offset     int64 // byte offset of the page the packet ends on
}

// packetReader assembles the packets of one logical stream.
type packetReader struct {
	pr      *pageReader
	serial  uint32
	cur     page
	seg     int  // next lacing value of cur to use
	pos     int  // body offset of that segment
	eos     bool // cur is the stream's last page
	partial []byte
	open    bool // a packet continues onto the next page
}

// start makes p, the stream's first page, the current page.
func (r *packetReader) start(p *page) {
	r.cur.flags, r.cur.granule, r.cur.serial, r.cur.seq, r.cur.offset = p.flags, p.granule, p.serial, p.seq, p.offset
	r.cur.lacing = append(r.cur.lacing[:0], p.lacing...)
	r.cur.body = append(r.cur.body[:0], p.body...)
	r.serial = p.serial
	r.seg, r.pos = 0, 0
	r.eos = p.flags&flagEOS != 0
}

// next returns the next packet. The data is valid until the next call. With
// discard, only the first 16 bytes of the packet are kept (for headers that
// are checked but not used). At the end of the stream (after its last page)
// it returns io.EOF.
func (r *packetReader) next(discard bool) (packet, error) {
	r.partial = r.partial[:0]
	for {
		if r.seg == len(r.cur.lacing) {
			if r.eos {
				if r.open {
					return packet{}, fmt.Errorf("ogg: the last page (byte %d) ends inside a packet: %w", r.cur.offset, audio.ErrCorrupt)
				}
				return packet{}, io.EOF
			}
			if err := r.nextPage(); err != nil {
				return packet{}, err
			}
			continue
		}
		l := int(r.cur.lacing[r.seg])
		chunk := r.cur.body[r.pos : r.pos+l]
		r.seg++
		r.pos += l
		switch {
		case !discard:
			if len(r.partial)+l > maxPacketBytes {
				return packet{}, fmt.Errorf("ogg: packet at byte %d is larger than %d MiB: %w", r.cur.offset, maxPacketBytes>>20, audio.ErrUnsupported)
			}
			r.partial = append(r.partial, chunk...)
		case len(r.partial) < 16:
			r.partial = append(r.partial, chunk[:min(l, 16-len(r.partial))]...)
		}
		if l == 255 {
			r.open = true
			continue
		}
		r.open = false
		last := true
		for _, v := range r.cur.lacing[r.seg:] {
			if v < 255 {
				last = false
				break
			}
		}
		return packet{data: r.partial, granule: r.cur.granule, lastOnPage: last, eos: r.eos, offset: r.cur.offset}, nil
	}
}

// nextPage loads the stream's next page, skipping pages of other streams.
func (r *packetReader) nextPage() error {
	var p page
	for {
		p.lacing, p.body = r.cur.lacing, r.cur.body // reuse storage
		err := r.pr.next(&p)
		switch {
		case err == io.EOF:
			return fmt.Errorf("ogg: the input ends at byte %d before the stream's last page: %w", r.pr.off, io.ErrUnexpectedEOF)
		case err == errNoPage:
			return fmt.Errorf("ogg: bytes at %d are not an Ogg page (lost page sync): %w", r.pr.off, audio.ErrCorrupt)
		case err != nil:
			return err
		}
		if p.serial != r.serial {
			r.cur.lacing, r.cur.body = p.lacing, p.body
			if p.flags&flagBOS != 0 {
				return fmt.Errorf("ogg: a new logical stream begins at byte %d inside the Vorbis stream: %w", p.offset, audio.ErrUnsupported)
			}
			continue
		}
		break
	}
	switch {
	case p.seq != r.cur.seq+1:
		return fmt.Errorf("ogg: page %d follows page %d at byte %d (pages lost): %w", p.seq, r.cur.seq, p.offset, audio.ErrCorrupt)
	case p.flags&flagBOS != 0:
		return fmt.Errorf("ogg: page at byte %d restarts the stream: %w", p.offset, audio.ErrCorrupt)
	case r.open && p.flags&flagContinued == 0:
		return fmt.Errorf("ogg: page at byte %d does not continue the unfinished packet before it: %w", p.offset, audio.ErrCorrupt)
	case !r.open && p.flags&flagContinued != 0:
		return fmt.Errorf("ogg: page at byte %d continues a packet that was never started: %w", p.offset, audio.ErrCorrupt)
	}
	r.cur = p
	r.seg, r.pos = 0, 0
	r.eos = p.flags&flagEOS != 0
	return nil
}

// crcTable is the Ogg CRC-32: polynomial 0x04C11DB7, no reflection, initial
// value 0, no final inversion.
var crcTable = func() (t [256]uint32) {
	for i := range t {
		c := uint32(i) << 24
		for k := 0; k < 8; k++ {
			if c&0x80000000 != 0 {
				c = c<<1 ^ 0x04C11DB7
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()

func crcUpdate(crc uint32, b []byte) uint32 {
	for _, v := range b {
		crc = crc<<8 ^ crcTable[byte(crc>>24)^v]
	}
	return crc
}

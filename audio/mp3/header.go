package mp3

import (
	"bytes"
	"fmt"
)

// MPEG audio versions as stored in a frameHeader.
const (
	mpeg1  = 1
	mpeg2  = 2
	mpeg25 = 25
)

// maxFrameBytes is the largest frame any valid header can describe: Layer II,
// MPEG-2.5, 160 kbit/s at 8 kHz with padding.
const maxFrameBytes = 2881

// frameHeader is a decoded 4-byte MPEG audio frame header.
type frameHeader struct {
	version    int  // mpeg1, mpeg2 or mpeg25
	layer      int  // 1, 2 or 3
	crc        bool // a 16-bit CRC follows the header
	bitrate    int  // bits per second
	sampleRate int  // Hz
	padded     bool // one extra slot in this frame
	mode       int  // 0 stereo, 1 joint stereo, 2 dual channel, 3 mono
	size       int  // bytes in the whole frame, header included
	samples    int  // frames (samples per channel) the frame decodes to
}

// Bitrates in kbit/s indexed by [row][bitrate index]; index 0 (free format)
// and 15 (invalid) are rejected before lookup.
var bitrateTable = [5][15]int{
	{0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448}, // MPEG-1 Layer I
	{0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384},    // MPEG-1 Layer II
	{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320},     // MPEG-1 Layer III
	{0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256},    // MPEG-2/2.5 Layer I
	{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},         // MPEG-2/2.5 Layer II and III
}

var rateTable = [3]int{44100, 48000, 32000} // MPEG-1; halved for MPEG-2, quartered for 2.5

// parseHeader decodes the frame header in the first 4 bytes of b. ok is false
// if b is shorter than 4 bytes or is not a valid header; free-format frames
// (bitrate index 0) are reported separately through free, since their size
// cannot be computed from the header.
func parseHeader(b []byte) (h frameHeader, ok, free bool) {
	if len(b) < 4 || b[0] != 0xFF || b[1]&0xE0 != 0xE0 {
		return h, false, false
	}
	switch (b[1] >> 3) & 3 {
	case 0:
		h.version = mpeg25
	case 2:
		h.version = mpeg2
	case 3:
		h.version = mpeg1
	default:
		return h, false, false // reserved
	}
	h.layer = 4 - int((b[1]>>1)&3)
	if h.layer == 4 {
		return h, false, false // reserved
	}
	h.crc = b[1]&1 == 0
	bi := int(b[2] >> 4)
	si := int((b[2] >> 2) & 3)
	if bi == 15 || si == 3 || b[3]&3 == 2 { // bad bitrate, reserved rate, reserved emphasis
		return h, false, false
	}
	h.padded = b[2]&2 != 0
	h.mode = int(b[3] >> 6)
	h.sampleRate = rateTable[si]
	switch h.version {
	case mpeg2:
		h.sampleRate /= 2
	case mpeg25:
		h.sampleRate /= 4
	}
	if bi == 0 {
		return h, false, true
	}
	row := h.layer - 1
	if h.version != mpeg1 {
		row = 3
		if h.layer != 1 {
			row = 4
		}
	}
	h.bitrate = bitrateTable[row][bi] * 1000
	pad := 0
	if h.padded {
		pad = 1
	}
	switch {
	case h.layer == 1:
		h.samples = 384
		h.size = (12*h.bitrate/h.sampleRate + pad) * 4
	case h.layer == 2 || h.version == mpeg1:
		h.samples = 1152
		h.size = 144*h.bitrate/h.sampleRate + pad
	default: // Layer III, MPEG-2 or 2.5: one granule per frame
		h.samples = 576
		h.size = 72*h.bitrate/h.sampleRate + pad
	}
	return h, true, false
}

// channels returns 1 for mono frames and 2 otherwise.
func (h frameHeader) channels() int {
	if h.mode == 3 {
		return 1
	}
	return 2
}

// sideInfoBytes returns the size of the Layer III side information that
// follows the header (and the CRC, if any).
func (h frameHeader) sideInfoBytes() int {
	switch {
	case h.version == mpeg1 && h.mode == 3:
		return 17
	case h.version == mpeg1:
		return 32
	case h.mode == 3:
		return 9
	}
	return 17
}

// sameStream reports whether h and o can be frames of one stream: the same
// version, layer and sample rate. Channel mode and bitrate may change.
func (h frameHeader) sameStream(o frameHeader) bool {
	return h.version == o.version && h.layer == o.layer && h.sampleRate == o.sampleRate
}

func (h frameHeader) String() string {
	v := map[int]string{mpeg1: "MPEG-1", mpeg2: "MPEG-2", mpeg25: "MPEG-2.5"}[h.version]
	return fmt.Sprintf("%s Layer %s, %d Hz, %d kbit/s", v, [...]string{"", "I", "II", "III"}[h.layer], h.sampleRate, h.bitrate/1000)
}

// id3v2Size returns the total size in bytes of the ID3v2 tag at the start of
// b (header, body and footer), or ok=false if b does not start with a
// well-formed ID3v2 header. b must hold at least 10 bytes.
func id3v2Size(b []byte) (n int64, ok bool) {
	if len(b) < 10 || string(b[:3]) != "ID3" || b[3] == 0xFF || b[4] == 0xFF {
		return 0, false
	}
	if b[6]|b[7]|b[8]|b[9] >= 0x80 {
		return 0, false // size bytes are "syncsafe": 7 bits each
	}
	n = 10 + (int64(b[6])<<21 | int64(b[7])<<14 | int64(b[8])<<7 | int64(b[9]))
	if b[5]&0x10 != 0 {
		n += 10 // footer
	}
	return n, true
}

// Trailing tags that end the audio part of a file.
var trailerMagics = [][]byte{
	[]byte("TAG"),         // ID3v1
	[]byte("APETAGEX"),    // APEv2 (header or footer)
	[]byte("LYRICSBEGIN"), // Lyrics3
	[]byte("ID3"),         // ID3v2 appended at the end (ID3v2.4 allows it)
}

// isTrailer reports whether b starts with a tag that may follow the audio
// frames. b should hold at least 11 bytes when that many remain.
func isTrailer(b []byte) bool {
	for _, m := range trailerMagics {
		if bytes.HasPrefix(b, m) {
			return true
		}
	}
	return false
}

// Frame-sync search windows.
const (
	// sniffScan is how far into the data after the ID3v2 tags a stream may
	// start with something other than a frame (a damaged tag, junk).
	sniffScan = 4096
	// syncPeek is the number of bytes syncSearch wants to see: the scan
	// window plus three frames.
	syncPeek = sniffScan + 3*maxFrameBytes + 4
)

// syncSearch looks for the first frame of a stream in b, which starts right
// after any ID3v2 tags. At offset 0 (after zero padding) two consecutive
// compatible headers are enough; further into b, three are required, which
// makes a false match in random data about one in 10^12 per position. If eof
// is true, b holds the whole rest of the input, and a stream that ends
// after fewer frames than required is accepted. It returns the offset of the
// first frame and its header; free is set when a free-format header was
// found where a frame was expected (unsupported, but clearly MPEG audio).
func syncSearch(b []byte, eof bool) (off int, h frameHeader, found, free bool) {
	start := 0
	for start < len(b) && b[start] == 0 {
		start++
	}
	for i := start; i <= start+sniffScan && i+4 <= len(b); i++ {
		h0, ok, fr := parseHeader(b[i:])
		if fr && i == start {
			// Free format: the next frame's position is unknown, but a
			// second free-format header of the same stream must follow
			// within two maximal frames.
			for j := i + 4; j+4 <= len(b) && j < i+2*maxFrameBytes; j++ {
				if h1, _, f1 := parseHeader(b[j:]); f1 && h1.sameStream(h0) {
					return i, h0, false, true
				}
			}
		}
		if !ok {
			continue
		}
		need := 2
		if i > start {
			need = 3
		}
		if chainOK(b[i:], h0, need, eof) {
			return i, h0, true, false
		}
	}
	return 0, frameHeader{}, false, false
}

// chainOK reports whether b starts with need consecutive frames of the same
// stream as h (which is the header at b[0]). With eof, the chain may stop
// early at the exact end of b or at a trailing tag.
func chainOK(b []byte, h frameHeader, need int, eof bool) bool {
	pos := 0
	for k := 1; k < need; k++ {
		pos += h.size
		if pos+4 > len(b) {
			return eof && pos == len(b)
		}
		h1, ok, _ := parseHeader(b[pos:])
		if !ok || !h1.sameStream(h) {
			return eof && isTrailer(b[pos:])
		}
		h = h1
	}
	return true
}

// Sniff reports whether head, the first bytes of a file, looks like an MP3
// (MPEG audio) stream. It judges from content only: an ID3v2 tag, or frame
// headers. Without a tag it needs two consecutive valid frame headers at the
// start (or three within the first 4 KiB), so pass at least 8 KiB when the
// file is that long. With an ID3v2 tag that extends beyond head it returns
// true; when the frames after the tag are visible in head, they are checked
// as above. Layer I and II streams also match, so that NewDecoder can report
// them as unsupported rather than as unknown content.
func Sniff(head []byte) bool {
	tagged := false
	for {
		n, ok := id3v2Size(head)
		if !ok {
			break
		}
		tagged = true
		if n >= int64(len(head)) {
			return true
		}
		head = head[n:]
	}
	rest := bytes.TrimLeft(head, "\x00")
	if tagged && len(rest) < 4 {
		return true
	}
	_, _, found, free := syncSearch(head, false)
	if found || free {
		return true
	}
	// A tagged file whose first frame is visible but the next is not.
	if tagged {
		if h, ok, _ := parseHeader(rest); ok && h.size+4 > len(rest) {
			return true
		}
	}
	return false
}

package flac

import "bytes"

// signature is the four bytes every FLAC stream starts with (after an optional
// ID3v2 tag).
var signature = []byte("fLaC")

// Sniff reports whether head, the first bytes of a file, look like a FLAC
// stream: "fLaC" at the start, or right after an ID3v2 tag. When the file
// starts with an ID3v2 tag, head must extend past the tag (plus four bytes)
// for Sniff to see the signature; otherwise it returns false.
func Sniff(head []byte) bool {
	if n, ok := id3v2Size(head); ok {
		if n > len(head) {
			return false
		}
		head = head[n:]
	}
	return bytes.HasPrefix(head, signature)
}

// id3Header is the size of an ID3v2 tag header and of its optional footer,
// in bytes.
const id3Header = 10

// id3v2Size reports whether b starts with an ID3v2 tag header and, if so, the
// total size of the tag in bytes (header, body and optional footer). b must
// hold at least the 10-byte header.
func id3v2Size(b []byte) (int, bool) {
	if len(b) < id3Header || string(b[:3]) != "ID3" {
		return 0, false
	}
	// Version bytes are never 0xFF and the four size bytes are synchsafe
	// (7 bits each).
	if b[3] == 0xFF || b[4] == 0xFF || (b[6]|b[7]|b[8]|b[9])&0x80 != 0 {
		return 0, false
	}
	n := int(b[6])<<21 | int(b[7])<<14 | int(b[8])<<7 | int(b[9])
	n += id3Header
	if b[5]&0x10 != 0 { // footer present
		n += id3Header
	}
	return n, true
}

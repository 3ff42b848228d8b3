package mp3

import (
	"encoding/binary"
	"strings"
)

// decoderDelay is the delay in frames of the standard Layer III synthesis
// (hybrid filter bank overlap plus polyphase filter bank), the same for
// every conforming decoder. LAME's recorded delay does not include it.
const decoderDelay = 529

// infoTag describes a Xing/Info or VBRI tag frame: a frame at the start of
// the stream that carries no audio, only data about the stream.
type infoTag struct {
	kind    string // "Xing", "Info" or "VBRI"
	frames  int64  // audio frames after the tag frame, or -1 if not given
	gapless bool   // a LAME extension gave delay and padding
	delay   int    // encoder delay in frames (samples per channel)
	padding int    // encoder padding in frames at the end
	encoder string // encoder version string from the LAME extension
}

// parseInfoTag looks for a tag in frame, the first frame of a stream, whose
// header is h. ok is false if the frame is an ordinary audio frame.
func parseInfoTag(frame []byte, h frameHeader) (t infoTag, ok bool) {
	if h.layer != 3 {
		return t, false
	}
	// The Xing tag sits right after the side information. Encoders do not
	// agree on whether a CRC shifts it, so look at both places.
	offs := []int{4 + h.sideInfoBytes()}
	if h.crc {
		offs = append(offs, 6+h.sideInfoBytes())
	}
	for _, x := range offs {
		if x+8 > len(frame) {
			continue
		}
		id := string(frame[x : x+4])
		if id != "Xing" && id != "Info" {
			continue
		}
		return parseXing(frame, x, id), true
	}
	// The Fraunhofer VBRI tag is always 32 bytes after the header.
	if len(frame) >= 36+18 && string(frame[36:40]) == "VBRI" {
		// Its frame count is documented inconsistently (with or without
		// the tag frame), so it is not trusted for the length.
		return infoTag{kind: "VBRI", frames: -1}, true
	}
	return t, false
}

// parseXing decodes a Xing/Info tag at frame[x:] and a LAME extension after
// it. Fields that would run past the frame are ignored.
func parseXing(frame []byte, x int, id string) infoTag {
	t := infoTag{kind: id, frames: -1}
	be := binary.BigEndian
	flags := be.Uint32(frame[x+4:])
	p := x + 8
	if flags&1 != 0 {
		if p+4 > len(frame) {
			return t
		}
		t.frames = int64(be.Uint32(frame[p:]))
		p += 4
	}
	if flags&2 != 0 {
		p += 4 // stream size in bytes
	}
	if flags&4 != 0 {
		p += 100 // seek table
	}
	if flags&8 != 0 {
		p += 4 // VBR quality
	}
	// LAME extension: a 9-byte encoder version, then 12 bytes of encoder
	// settings and ReplayGain, then delay and padding in 3 bytes.
	if p+24 > len(frame) {
		return t
	}
	ver := string(frame[p : p+9])
	switch {
	case strings.HasPrefix(ver, "LAME"), strings.HasPrefix(ver, "Lavf"), strings.HasPrefix(ver, "Lavc"):
	default:
		return t
	}
	t.encoder = strings.TrimRight(ver, "\x00 ")
	v := int(frame[p+21])<<16 | int(frame[p+22])<<8 | int(frame[p+23])
	t.delay, t.padding = v>>12, v&0xFFF
	t.gapless = true
	return t
}

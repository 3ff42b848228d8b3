package flac

import (
	"encoding/binary"
	"strconv"
	"strings"

	"github.com/mixdown/mixdown/audio"
)

// Metadata block types (the 7-bit type field of a metadata block header).
const (
	blockStreamInfo    = 0
	blockVorbisComment = 4
	blockInvalid       = 127
)

// Sizes in bytes of a metadata block header and of a STREAMINFO body.
const (
	blockHeaderLen = 4
	streamInfoLen  = 34
)

// streamInfo is the STREAMINFO metadata block.
type streamInfo struct {
	minBlock, maxBlock int    // block size limits, frames per channel
	minFrame, maxFrame int    // frame size limits, bytes (0 = unknown)
	rate               int    // sample rate, Hz
	channels           int    // 1 to 8
	bps                int    // bits per sample, 4 to 32
	total              uint64 // frames per channel in the stream (0 = unknown)
	md5                [16]byte
}

// parseStreamInfo decodes a 34-byte STREAMINFO body. It does not validate.
func parseStreamInfo(b []byte) streamInfo {
	_ = b[streamInfoLen-1]
	var si streamInfo
	si.minBlock = int(binary.BigEndian.Uint16(b[0:]))
	si.maxBlock = int(binary.BigEndian.Uint16(b[2:]))
	si.minFrame = int(b[4])<<16 | int(b[5])<<8 | int(b[6])
	si.maxFrame = int(b[7])<<16 | int(b[8])<<8 | int(b[9])
	// 20 bits rate, 3 bits channels-1, 5 bits bps-1, 36 bits total samples.
	x := binary.BigEndian.Uint64(b[10:])
	si.rate = int(x >> 44)
	si.channels = int(x>>41&7) + 1
	si.bps = int(x>>36&31) + 1
	si.total = x & (1<<36 - 1)
	copy(si.md5[:], b[18:34])
	return si
}

// appendStreamInfo appends the 34-byte STREAMINFO body for si to dst.
func appendStreamInfo(dst []byte, si *streamInfo) []byte {
	dst = binary.BigEndian.AppendUint16(dst, uint16(si.minBlock))
	dst = binary.BigEndian.AppendUint16(dst, uint16(si.maxBlock))
	dst = append(dst, byte(si.minFrame>>16), byte(si.minFrame>>8), byte(si.minFrame))
	dst = append(dst, byte(si.maxFrame>>16), byte(si.maxFrame>>8), byte(si.maxFrame))
	x := uint64(si.rate)<<44 | uint64(si.channels-1)<<41 | uint64(si.bps-1)<<36 | si.total&(1<<36-1)
	dst = binary.BigEndian.AppendUint64(dst, x)
	return append(dst, si.md5[:]...)
}

// flacLayout returns the speaker layout FLAC assigns to n channels when the
// stream names none.
func flacLayout(n int) audio.Layout {
	switch n {
	case 7:
		// L R C LFE, back centre, side left, side right.
		return audio.Layout(audio.FrontLeft | audio.FrontRight | audio.FrontCenter |
			audio.LowFrequency | audio.BackCenter | audio.SideLeft | audio.SideRight)
	}
	// 1 to 6 and 8 channels follow the WAVE defaults.
	return audio.DefaultLayout(n)
}

// channelMaskTag is the Vorbis comment field naming a non-default speaker
// layout, as written by the reference encoder.
const channelMaskTag = "WAVEFORMATEXTENSIBLE_CHANNEL_MASK"

// parseChannelMask parses one Vorbis comment "NAME=value"; it returns the mask
// if the comment is a channel mask tag with a valid value.
func parseChannelMask(comment string) (audio.Layout, bool) {
	name, value, ok := strings.Cut(comment, "=")
	if !ok || !strings.EqualFold(name, channelMaskTag) {
		return 0, false
	}
	m, err := strconv.ParseUint(strings.TrimSpace(value), 0, 32)
	if err != nil || m == 0 {
		return 0, false
	}
	return audio.Layout(m), true
}

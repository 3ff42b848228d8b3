package audio

// Buffer is planar float32 audio: b[c][i] is frame i of channel c. Every
// channel slice has the same length, the buffer's length in frames. Full scale
// is ±1.0; values beyond it are legal (float headroom) and clip only when
// quantized to an integer format.
type Buffer [][]float32

// NewBuffer returns a zeroed buffer of the given shape backed by one
// allocation. It panics if channels or frames is negative.
func NewBuffer(channels, frames int) Buffer {
	if channels < 0 || frames < 0 {
		panic("audio: NewBuffer with negative size")
	}
	b := make(Buffer, channels)
	backing := make([]float32, channels*frames)
	for c := range b {
		b[c] = backing[c*frames : (c+1)*frames : (c+1)*frames]
	}
	return b
}

// Channels returns the number of channels.
func (b Buffer) Channels() int { return len(b) }

// Frames returns the length in frames (0 for a buffer with no channels).
func (b Buffer) Frames() int {
	if len(b) == 0 {
		return 0
	}
	return len(b[0])
}

// Slice makes hdr view frames [from, to) of b and returns it. hdr must have
// b.Channels() channels; it is reused so that slicing does not allocate.
// It panics if the range is out of bounds or hdr has the wrong shape.
func (b Buffer) Slice(hdr Buffer, from, to int) Buffer {
	if len(hdr) != len(b) {
		panic("audio: Buffer.Slice header has wrong channel count")
	}
	for c := range b {
		hdr[c] = b[c][from:to:to]
	}
	return hdr
}

// Head is b.Slice(hdr, 0, n).
func (b Buffer) Head(hdr Buffer, n int) Buffer { return b.Slice(hdr, 0, n) }

// Zero sets every sample to 0.
func (b Buffer) Zero() {
	for _, ch := range b {
		clear(ch)
	}
}

// Copy copies min(dst.Frames(), src.Frames()) frames of every channel from src
// to dst and returns the number of frames copied. It panics if the channel
// counts differ.
func Copy(dst, src Buffer) int {
	if len(dst) != len(src) {
		panic("audio: Copy between buffers of different channel counts")
	}
	n := 0
	for c := range dst {
		n = copy(dst[c], src[c])
	}
	return n
}

// Interleave writes frames of b into dst as interleaved samples
// (dst[i*channels+c] = b[c][i]) and returns dst[:frames*channels]. It panics if
// dst is too short.
func (b Buffer) Interleave(dst []float32) []float32 {
	nc, n := len(b), b.Frames()
	dst = dst[:n*nc]
	for c, ch := range b {
		for i, v := range ch {
			dst[i*nc+c] = v
		}
	}
	return dst
}

// Deinterleave fills b from interleaved samples src (src[i*channels+c]); it
// reads b.Frames() frames and panics if src is too short.
func (b Buffer) Deinterleave(src []float32) {
	nc := len(b)
	for c, ch := range b {
		for i := range ch {
			ch[i] = src[i*nc+c]
		}
	}
}

// Scale multiplies every sample by g (a linear gain), rounding each product
// once to float32.
func (b Buffer) Scale(g float64) {
	for _, ch := range b {
		for i := range ch {
			ch[i] = float32(float64(ch[i]) * g)
		}
	}
}

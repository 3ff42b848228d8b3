package audio

import (
	"encoding/binary"
	"fmt"
	"math"
)

// PCM describes how interleaved samples are laid out as bytes in a file.
type PCM struct {
	// Type is SampleInt or SampleFloat.
	Type SampleType
	// Bytes per sample in the container: 1, 2, 3 or 4 for integers, 4 or 8
	// for floats. Integer samples narrower than the container (20 bits in 3
	// bytes) are left-justified, so they decode correctly as the container size.
	Bytes int
	// BigEndian byte order (AIFF) instead of little-endian (WAV).
	BigEndian bool
	// Unsigned8 marks 8-bit samples stored as offset binary (WAV) rather than
	// two's complement (AIFF).
	Unsigned8 bool
}

// Validate reports whether p is a layout DecodePCM and EncodePCM handle.
func (p PCM) Validate() error {
	switch {
	case p.Type == SampleInt && p.Bytes >= 1 && p.Bytes <= 4:
	case p.Type == SampleFloat && (p.Bytes == 4 || p.Bytes == 8):
	default:
		return fmt.Errorf("%s samples of %d bytes: %w", p.Type, p.Bytes, ErrUnsupported)
	}
	return nil
}

// Scale factors between integers of a given width and float full scale.
const (
	scale8  = 1.0 / 128
	scale16 = 1.0 / 32768
	scale24 = 1.0 / 8388608
	scale32 = 1.0 / 2147483648
)

// DecodePCM converts dst.Frames() interleaved frames from src to planar
// float32 in dst. Integers map to [-1, 1) by dividing by 2^(bits-1), which is
// exact for up to 24 bits, so 16- and 24-bit audio round-trips bit-exactly
// through EncodePCM. It panics if src is shorter than dst needs or p is
// invalid.
func DecodePCM(dst Buffer, src []byte, p PCM) {
	nc, n := len(dst), dst.Frames()
	if len(src) < n*nc*p.Bytes {
		panic("audio: DecodePCM source too short")
	}
	switch {
	case p.Type == SampleInt && p.Bytes == 2 && nc == 2 && !p.BigEndian:
		decode16Stereo(dst[0], dst[1], src)
		return
	case p.Type == SampleInt && p.Bytes == 3 && nc == 2 && !p.BigEndian:
		decode24Stereo(dst[0], dst[1], src)
		return
	}
	stride := nc * p.Bytes
	for c, ch := range dst {
		s := src[c*p.Bytes:]
		decodeChannel(ch, s, stride, p)
	}
}

func decode16Stereo(l, r []float32, src []byte) {
	r = r[:len(l)]
	src = src[:len(l)*4]
	for i := range l {
		o := i * 4
		l[i] = float32(int16(binary.LittleEndian.Uint16(src[o:]))) * scale16
		r[i] = float32(int16(binary.LittleEndian.Uint16(src[o+2:]))) * scale16
	}
}

func decode24Stereo(l, r []float32, src []byte) {
	r = r[:len(l)]
	src = src[:len(l)*6]
	for i := range l {
		s := src[i*6 : i*6+6 : i*6+6]
		a := int32(uint32(s[0])<<8|uint32(s[1])<<16|uint32(s[2])<<24) >> 8
		b := int32(uint32(s[3])<<8|uint32(s[4])<<16|uint32(s[5])<<24) >> 8
		l[i] = float32(a) * scale24
		r[i] = float32(b) * scale24
	}
}

func decodeChannel(ch []float32, s []byte, stride int, p PCM) {
	be := p.BigEndian
	switch {
	case p.Type == SampleInt && p.Bytes == 1:
		for i := range ch {
			v := s[i*stride]
			if p.Unsigned8 {
				ch[i] = float32(int(v)-128) * scale8
			} else {
				ch[i] = float32(int8(v)) * scale8
			}
		}
	case p.Type == SampleInt && p.Bytes == 2:
		for i := range ch {
			b := s[i*stride : i*stride+2]
			var v uint16
			if be {
				v = binary.BigEndian.Uint16(b)
			} else {
				v = binary.LittleEndian.Uint16(b)
			}
			ch[i] = float32(int16(v)) * scale16
		}
	case p.Type == SampleInt && p.Bytes == 3:
		for i := range ch {
			b := s[i*stride : i*stride+3]
			var v uint32
			if be {
				v = uint32(b[2])<<8 | uint32(b[1])<<16 | uint32(b[0])<<24
			} else {
				v = uint32(b[0])<<8 | uint32(b[1])<<16 | uint32(b[2])<<24
			}
			ch[i] = float32(int32(v)>>8) * scale24
		}
	case p.Type == SampleInt && p.Bytes == 4:
		for i := range ch {
			b := s[i*stride : i*stride+4]
			var v uint32
			if be {
				v = binary.BigEndian.Uint32(b)
			} else {
				v = binary.LittleEndian.Uint32(b)
			}
			ch[i] = float32(float64(int32(v)) * scale32)
		}
	case p.Type == SampleFloat && p.Bytes == 4:
		for i := range ch {
			b := s[i*stride : i*stride+4]
			var v uint32
			if be {
				v = binary.BigEndian.Uint32(b)
			} else {
				v = binary.LittleEndian.Uint32(b)
			}
			ch[i] = sanitize(math.Float32frombits(v))
		}
	case p.Type == SampleFloat && p.Bytes == 8:
		for i := range ch {
			b := s[i*stride : i*stride+8]
			var v uint64
			if be {
				v = binary.BigEndian.Uint64(b)
			} else {
				v = binary.LittleEndian.Uint64(b)
			}
			ch[i] = sanitize(float32(math.Float64frombits(v)))
		}
	default:
		panic("audio: DecodePCM with invalid PCM layout")
	}
}

// sanitize replaces NaN with 0 and infinities with ±MaxFloatSample so that a
// damaged float file cannot poison every filter downstream.
func sanitize(v float32) float32 {
	if v != v {
		return 0
	}
	if v > MaxFloatSample {
		return MaxFloatSample
	}
	if v < -MaxFloatSample {
		return -MaxFloatSample
	}
	return v
}

// MaxFloatSample is the largest magnitude a decoded float sample is allowed to
// have (+60 dBFS); larger values and infinities are clamped to it and NaN
// becomes 0.
const MaxFloatSample = 1000

// EncodePCM converts src to interleaved bytes in dst and returns
// dst[:src.Frames()*channels*p.Bytes]. Integer output is quantized by q, which
// must have been made for src's channel count and p's word length; q is
// ignored for float output. It panics if dst is too short.
func EncodePCM(dst []byte, src Buffer, p PCM, q *Quantizer) []byte {
	nc, n := len(src), src.Frames()
	dst = dst[:n*nc*p.Bytes]
	stride := nc * p.Bytes
	if p.Type == SampleFloat {
		for c, ch := range src {
			d := dst[c*p.Bytes:]
			for i, v := range ch {
				b := d[i*stride:]
				switch {
				case p.Bytes == 4 && p.BigEndian:
					binary.BigEndian.PutUint32(b, math.Float32bits(v))
				case p.Bytes == 4:
					binary.LittleEndian.PutUint32(b, math.Float32bits(v))
				case p.BigEndian:
					binary.BigEndian.PutUint64(b, math.Float64bits(float64(v)))
				default:
					binary.LittleEndian.PutUint64(b, math.Float64bits(float64(v)))
				}
			}
		}
		return dst
	}
	if q == nil || q.Channels() != nc || q.Bits() > p.Bytes*8 {
		panic("audio: EncodePCM needs a Quantizer matching channels and word length")
	}
	shift := uint(p.Bytes*8 - q.Bits())
	ints := q.scratch(n)
	for c, ch := range src {
		q.Quantize(ints, ch, c)
		d := dst[c*p.Bytes:]
		// The common little-endian layouts, without a switch per sample.
		switch {
		case p.Bytes == 3 && !p.BigEndian:
			for i, v := range ints {
				u := uint32(v << shift)
				b := d[i*stride : i*stride+3]
				b[0], b[1], b[2] = byte(u), byte(u>>8), byte(u>>16)
			}
			continue
		case p.Bytes == 2 && !p.BigEndian:
			for i, v := range ints {
				binary.LittleEndian.PutUint16(d[i*stride:], uint16(uint32(v<<shift)))
			}
			continue
		}
		for i, v := range ints {
			u := uint32(v << shift)
			b := d[i*stride:]
			switch p.Bytes {
			case 1:
				if p.Unsigned8 {
					b[0] = byte(u + 128)
				} else {
					b[0] = byte(u)
				}
			case 2:
				if p.BigEndian {
					binary.BigEndian.PutUint16(b, uint16(u))
				} else {
					binary.LittleEndian.PutUint16(b, uint16(u))
				}
			case 3:
				if p.BigEndian {
					b[0], b[1], b[2] = byte(u>>16), byte(u>>8), byte(u)
				} else {
					b[0], b[1], b[2] = byte(u), byte(u>>8), byte(u>>16)
				}
			case 4:
				if p.BigEndian {
					binary.BigEndian.PutUint32(b, u)
				} else {
					binary.LittleEndian.PutUint32(b, u)
				}
			}
		}
	}
	return dst
}

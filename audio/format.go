package audio

import (
	"fmt"
	"math/bits"
	"strings"
)

// SampleType says how a stream stores samples.
type SampleType uint8

const (
	// SampleUnknown is the zero value.
	SampleUnknown SampleType = iota
	// SampleInt is two's-complement integer PCM (8-bit WAV is offset binary on
	// disk but is reported as SampleInt).
	SampleInt
	// SampleFloat is IEEE-754 floating point PCM.
	SampleFloat
	// SampleLossy means the source was perceptually coded (MP3, Vorbis): it has
	// no native word length.
	SampleLossy
)

func (t SampleType) String() string {
	switch t {
	case SampleInt:
		return "int"
	case SampleFloat:
		return "float"
	case SampleLossy:
		return "lossy"
	}
	return "unknown"
}

// Limits on what a stream may claim. Headers outside them are rejected as
// ErrUnsupported before anything is allocated.
const (
	MaxChannels   = 64      // channels per stream
	MinSampleRate = 1000    // Hz
	MaxSampleRate = 1536000 // Hz (8 × 192 kHz)
)

// Format describes a PCM stream.
type Format struct {
	// SampleRate in frames per second (Hz).
	SampleRate int
	// Channels is the number of interleaved or planar channels.
	Channels int
	// Layout gives each channel's speaker position; 0 means "the default for
	// this channel count" (see DefaultLayout).
	Layout Layout
	// Type is how samples are (or were, before decoding) stored.
	Type SampleType
	// Bits is the word length in bits: 8, 16, 24 or 32 for SampleInt, 32 or
	// 64 for SampleFloat, 0 for SampleLossy.
	Bits int
}

// Validate reports whether f is a format mixdown can process.
func (f Format) Validate() error {
	switch {
	case f.Channels < 1 || f.Channels > MaxChannels:
		return fmt.Errorf("%d channels (supported: 1 to %d): %w", f.Channels, MaxChannels, ErrUnsupported)
	case f.SampleRate < MinSampleRate || f.SampleRate > MaxSampleRate:
		return fmt.Errorf("sample rate %d Hz (supported: %d to %d): %w", f.SampleRate, MinSampleRate, MaxSampleRate, ErrUnsupported)
	case f.Layout != 0 && f.Layout.Count() != f.Channels:
		return fmt.Errorf("channel layout %s names %d channels, stream has %d: %w", f.Layout, f.Layout.Count(), f.Channels, ErrCorrupt)
	}
	switch f.Type {
	case SampleInt:
		if f.Bits < 1 || f.Bits > 32 {
			return fmt.Errorf("%d-bit integer samples: %w", f.Bits, ErrUnsupported)
		}
	case SampleFloat:
		if f.Bits != 32 && f.Bits != 64 {
			return fmt.Errorf("%d-bit float samples: %w", f.Bits, ErrUnsupported)
		}
	}
	return nil
}

// ChannelLayout returns f.Layout, or the default layout for f.Channels when
// f.Layout is 0.
func (f Format) ChannelLayout() Layout {
	if f.Layout != 0 {
		return f.Layout
	}
	return DefaultLayout(f.Channels)
}

func (f Format) String() string {
	s := fmt.Sprintf("%d Hz, %d ch", f.SampleRate, f.Channels)
	switch f.Type {
	case SampleInt:
		s += fmt.Sprintf(", %d-bit int", f.Bits)
	case SampleFloat:
		s += fmt.Sprintf(", %d-bit float", f.Bits)
	case SampleLossy:
		s += ", lossy"
	}
	return s
}

// Speaker is one WAVE_FORMAT_EXTENSIBLE speaker position bit.
type Speaker uint32

// Speaker positions, with the bit values of the WAVE_FORMAT_EXTENSIBLE
// dwChannelMask. Channels appear in a stream in increasing bit order.
const (
	FrontLeft          Speaker = 0x1
	FrontRight         Speaker = 0x2
	FrontCenter        Speaker = 0x4
	LowFrequency       Speaker = 0x8
	BackLeft           Speaker = 0x10
	BackRight          Speaker = 0x20
	FrontLeftOfCenter  Speaker = 0x40
	FrontRightOfCenter Speaker = 0x80
	BackCenter         Speaker = 0x100
	SideLeft           Speaker = 0x200
	SideRight          Speaker = 0x400
	TopCenter          Speaker = 0x800
	TopFrontLeft       Speaker = 0x1000
	TopFrontCenter     Speaker = 0x2000
	TopFrontRight      Speaker = 0x4000
	TopBackLeft        Speaker = 0x8000
	TopBackCenter      Speaker = 0x10000
	TopBackRight       Speaker = 0x20000
)

var speakerNames = [...]string{"FL", "FR", "FC", "LFE", "BL", "BR", "FLC", "FRC", "BC", "SL", "SR", "TC", "TFL", "TFC", "TFR", "TBL", "TBC", "TBR"}

func (s Speaker) String() string {
	if s != 0 && s&(s-1) == 0 {
		if i := bits.TrailingZeros32(uint32(s)); i < len(speakerNames) {
			return speakerNames[i]
		}
	}
	return fmt.Sprintf("Speaker(%#x)", uint32(s))
}

// Layout is a set of speaker positions (a WAVE_FORMAT_EXTENSIBLE channel
// mask); channel i of a stream is the i-th lowest set bit.
type Layout uint32

// Common layouts.
const (
	LayoutMono       = Layout(FrontCenter)
	LayoutStereo     = Layout(FrontLeft | FrontRight)
	Layout3_0        = LayoutStereo | Layout(FrontCenter)
	LayoutQuad       = LayoutStereo | Layout(BackLeft|BackRight)
	Layout5_0        = Layout3_0 | Layout(BackLeft|BackRight)
	Layout5_1        = Layout5_0 | Layout(LowFrequency)
	Layout5_1Side    = Layout3_0 | Layout(LowFrequency|SideLeft|SideRight)
	Layout7_1        = Layout5_1 | Layout(SideLeft|SideRight)
	layoutKnownBits  = Layout(1<<len(speakerNames) - 1)
	layoutMaxDefault = 8
)

// DefaultLayout is the layout assumed for a stream of n channels that names
// none (the WAVE and libebur128 conventions): 1 mono, 2 stereo, 3 L R C,
// 4 quad, 5 L R C Ls Rs, 6 5.1 (L R C LFE Ls Rs), 8 7.1. Other counts get 0
// (unknown positions; treated as front channels of weight 1).
func DefaultLayout(n int) Layout {
	switch n {
	case 1:
		return LayoutMono
	case 2:
		return LayoutStereo
	case 3:
		return Layout3_0
	case 4:
		return LayoutQuad
	case 5:
		return Layout5_0
	case 6:
		return Layout5_1
	case 8:
		return Layout7_1
	}
	return 0
}

// Count returns the number of speakers in the layout.
func (l Layout) Count() int { return bits.OnesCount32(uint32(l)) }

// Speakers returns the positions of the layout in stream order. It returns
// nil for the zero layout.
func (l Layout) Speakers() []Speaker {
	var s []Speaker
	for m := uint32(l); m != 0; m &= m - 1 {
		s = append(s, Speaker(m&-m))
	}
	return s
}

// Speaker returns the position of channel i, or 0 if the layout has no
// channel i.
func (l Layout) Speaker(i int) Speaker {
	for m := uint32(l); m != 0; m &= m - 1 {
		if i == 0 {
			return Speaker(m & -m)
		}
		i--
	}
	return 0
}

func (l Layout) String() string {
	switch l {
	case 0:
		return "unknown"
	case LayoutMono:
		return "mono"
	case LayoutStereo:
		return "stereo"
	case Layout5_1:
		return "5.1"
	case Layout5_1Side:
		return "5.1(side)"
	case Layout7_1:
		return "7.1"
	}
	var names []string
	for _, s := range l.Speakers() {
		names = append(names, s.String())
	}
	return strings.Join(names, "+")
}

// Package session is the model of a mixdown mix session and its YAML file
// format: tracks (audio files with level, position, insert effects and sends),
// buses that group them, effect returns fed by sends, a master bus, and
// automation. mix renders a Session; the automatic mixer writes one.
//
// A session file is YAML (mix/example.yaml is a commented example and
// mix/session.schema.json its JSON Schema). Parse checks it completely:
// unknown keys, values of the wrong type or out of range, references to
// tracks or buses that do not exist, routing cycles and misused sidechains
// are errors that name the file and line:
//
//	session.yaml:14: track "bass": pan 1.7 out of range [-1, 1]
//
// Paths in a session file are relative to the file's directory.
//
// Units are in the key names: _db decibels, _hz hertz, _s seconds, _ms
// milliseconds, _deg degrees. Pan positions run from -1 (left) to +1 (right).
package session

import (
	"path/filepath"

	"github.com/mixdown/mixdown/dsp/fx"
	"go.yaml.in/yaml/v3"
)

// Version is the session format version this package reads and writes.
const Version = 1

// Output layouts.
const (
	LayoutMono     = "mono"
	LayoutStereo   = "stereo"
	LayoutSurround = "5.1"
)

// Pan laws for mono sources panned between two speakers: the level of a
// centred source in each speaker.
const (
	// PanConstantPower keeps the summed power constant (-3 dB at centre):
	// the default, right for stereo listening.
	PanConstantPower = fx.PanConstantPower
	// PanMinus45 is the compromise -4.5 dB law.
	PanMinus45 = fx.Pan4_5dB
	// PanLinear is the -6 dB (linear, constant-amplitude) law, right when
	// the mix will be folded to mono.
	PanLinear = fx.Pan6dB
)

// Master is the reserved name of the master bus in output, send and
// sidechain references.
const Master = "master"

// Defaults applied when a key is absent.
const (
	DefaultSampleRate = 48000 // Hz
	DefaultTailS      = 10.0  // seconds
)

// Session is a whole mix.
type Session struct {
	// Version of the format: 1 (0 is read as 1).
	Version int `yaml:"version" json:"version"`
	// SampleRateHz is the rate the mix is rendered at; sources at other
	// rates are resampled. 0 means DefaultSampleRate.
	SampleRateHz int `yaml:"sample_rate_hz,omitempty" json:"sample_rate_hz,omitempty"`
	// Layout of the master output: "mono", "stereo" (default) or "5.1"
	// (L R C LFE Ls Rs).
	Layout string `yaml:"layout,omitempty" json:"layout,omitempty"`
	// PanLaw for mono sources: PanConstantPower (default), PanMinus45 or
	// PanLinear. Tracks and buses may override it.
	PanLaw string `yaml:"pan_law,omitempty" json:"pan_law,omitempty"`
	// LengthS, when set, fixes the length of the render in seconds
	// (cutting or extending it); otherwise the render ends after the last
	// source plus its tail.
	LengthS *float64 `yaml:"length_s,omitempty" json:"length_s,omitempty"`
	// TailS is the longest time in seconds the render continues after the
	// last source ends, to let reverbs and delays ring out. It stops
	// earlier once the master has been silent (below -100 dBFS) for 0.1 s.
	// nil means DefaultTailS.
	TailS *float64 `yaml:"tail_s,omitempty" json:"tail_s,omitempty"`
	// FoldDownMaxLossDB is, for 5.1 sessions, the largest loudness drop of
	// the ITU stereo fold-down relative to the 5.1 mix that passes without
	// a warning (default 3 dB).
	FoldDownMaxLossDB *float64 `yaml:"fold_down_max_loss_db,omitempty" json:"fold_down_max_loss_db,omitempty"`
	// Tracks, in the order their signals are summed.
	Tracks []Track `yaml:"tracks" json:"tracks"`
	// Buses: groups and effect returns, in the order they are summed.
	Buses []Bus `yaml:"buses,omitempty" json:"buses,omitempty"`
	// Master is the master bus.
	Master MasterBus `yaml:"master,omitempty" json:"master,omitempty"`

	// Path is the session file's path ("" for a session built in code);
	// errors name it.
	Path string `yaml:"-" json:"-"`
	// Dir is the directory relative file paths are resolved against.
	Dir string `yaml:"-" json:"-"`
	// Pos locates the document in the file.
	Pos Pos `yaml:"-" json:"-"`
}

// Track is one source file and its channel strip.
type Track struct {
	// Name identifies the track in routing, sidechains and reports; names
	// are unique among tracks and buses, and "master" is reserved.
	Name string `yaml:"name" json:"name"`
	// File is the audio file (any supported format, rate and channel
	// count up to 5.1), relative to the session file.
	File string `yaml:"file" json:"file"`
	// GainDB is the fader level in dB (-120 to +24).
	GainDB float64 `yaml:"gain_db,omitempty" json:"gain_db,omitempty"`
	// Pan is the position from -1 (left) through 0 (centre) to +1 (right).
	// Mono sources are placed with the pan law; stereo sources are
	// balanced (the far side is attenuated, centre leaves both at unity).
	// In a 5.1 session it sets AngleDeg = 30·Pan unless AngleDeg is given.
	Pan float64 `yaml:"pan,omitempty" json:"pan,omitempty"`
	// PanLaw overrides the session's pan law for this track.
	PanLaw string `yaml:"pan_law,omitempty" json:"pan_law,omitempty"`
	// Width scales the side (L-R) component of a stereo source: 0 mono,
	// 1 unchanged (default), up to 2 wider. In 5.1 it scales the spread of
	// the two channels around AngleDeg (1: ±30°).
	Width *float64 `yaml:"width,omitempty" json:"width,omitempty"`
	// AngleDeg (5.1 only) is the direction in degrees: 0 centre, -30 left,
	// +30 right, ±110 surrounds, ±180 behind. The source is panned between
	// the two adjacent speakers with constant power.
	AngleDeg *float64 `yaml:"angle_deg,omitempty" json:"angle_deg,omitempty"`
	// LFEDB (5.1 only) sends the track to the LFE channel at this level
	// in dB; nil sends nothing.
	LFEDB *float64 `yaml:"lfe_db,omitempty" json:"lfe_db,omitempty"`
	// InvertPolarity multiplies the source by -1 before the inserts.
	InvertPolarity bool `yaml:"invert_polarity,omitempty" json:"invert_polarity,omitempty"`
	// Mute silences the track's output and sends. A muted track still
	// feeds the sidechains keyed from it (a "ghost" key).
	Mute bool `yaml:"mute,omitempty" json:"mute,omitempty"`
	// Solo: when any track or bus is soloed, only soloed tracks and the
	// tracks routed into soloed buses play.
	Solo bool `yaml:"solo,omitempty" json:"solo,omitempty"`
	// OffsetS is where the region starts on the session timeline, in
	// seconds.
	OffsetS float64 `yaml:"offset_s,omitempty" json:"offset_s,omitempty"`
	// StartS is where the region starts in the source file, in seconds
	// (trims the head).
	StartS float64 `yaml:"start_s,omitempty" json:"start_s,omitempty"`
	// EndS is where the region ends in the source file, in seconds (trims
	// the tail); 0 means the end of the file.
	EndS float64 `yaml:"end_s,omitempty" json:"end_s,omitempty"`
	// FadeInS and FadeOutS are the lengths in seconds of raised-cosine
	// fades at the start and end of the region (before the inserts).
	FadeInS  float64 `yaml:"fade_in_s,omitempty" json:"fade_in_s,omitempty"`
	FadeOutS float64 `yaml:"fade_out_s,omitempty" json:"fade_out_s,omitempty"`
	// Inserts are the effects in series on the track, before the fader.
	Inserts []Insert `yaml:"inserts,omitempty" json:"inserts,omitempty"`
	// Sends feed copies of the track to buses (effect returns).
	Sends []Send `yaml:"sends,omitempty" json:"sends,omitempty"`
	// Output is the bus the track feeds; "" or "master" is the master bus.
	Output string `yaml:"output,omitempty" json:"output,omitempty"`
	// Automation moves the fader, pan and send levels over time.
	Automation Automation `yaml:"automation,omitempty" json:"automation,omitempty"`

	Pos Pos `yaml:"-" json:"-"`
}

// Bus sums tracks, other buses and sends, and runs its own inserts: a
// group (drums, vocals) or an effect return (a reverb fed by sends).
type Bus struct {
	// Name, unique among tracks and buses.
	Name string `yaml:"name" json:"name"`
	// Layout of the bus: "mono", "stereo" or "5.1"; "" is the session's
	// layout. A stereo reverb return in a 5.1 session is "stereo".
	Layout string `yaml:"layout,omitempty" json:"layout,omitempty"`
	// GainDB, Pan, PanLaw, Width, AngleDeg, LFEDB, Mute, Solo, Inserts,
	// Sends, Output and Automation work as for a Track; the bus's signal
	// is placed into the layout of the bus it feeds.
	GainDB     float64    `yaml:"gain_db,omitempty" json:"gain_db,omitempty"`
	Pan        float64    `yaml:"pan,omitempty" json:"pan,omitempty"`
	PanLaw     string     `yaml:"pan_law,omitempty" json:"pan_law,omitempty"`
	Width      *float64   `yaml:"width,omitempty" json:"width,omitempty"`
	AngleDeg   *float64   `yaml:"angle_deg,omitempty" json:"angle_deg,omitempty"`
	LFEDB      *float64   `yaml:"lfe_db,omitempty" json:"lfe_db,omitempty"`
	Mute       bool       `yaml:"mute,omitempty" json:"mute,omitempty"`
	Solo       bool       `yaml:"solo,omitempty" json:"solo,omitempty"`
	Inserts    []Insert   `yaml:"inserts,omitempty" json:"inserts,omitempty"`
	Sends      []Send     `yaml:"sends,omitempty" json:"sends,omitempty"`
	Output     string     `yaml:"output,omitempty" json:"output,omitempty"`
	Automation Automation `yaml:"automation,omitempty" json:"automation,omitempty"`

	Pos Pos `yaml:"-" json:"-"`
}

// MasterBus is the master bus: everything ends here.
type MasterBus struct {
	// GainDB is the master fader in dB, after the inserts.
	GainDB float64 `yaml:"gain_db,omitempty" json:"gain_db,omitempty"`
	// Inserts run on the summed mix, before the fader.
	Inserts []Insert `yaml:"inserts,omitempty" json:"inserts,omitempty"`
	// Automation of the master fader.
	Automation MasterAutomation `yaml:"automation,omitempty" json:"automation,omitempty"`

	Pos Pos `yaml:"-" json:"-"`
}

// Send feeds a copy of a track or bus to another bus.
type Send struct {
	// To is the receiving bus.
	To string `yaml:"to" json:"to"`
	// LevelDB is the send level in dB (-120 to +24).
	LevelDB float64 `yaml:"level_db,omitempty" json:"level_db,omitempty"`
	// PreFader takes the signal before the fader (after the inserts), so
	// that fader moves do not change the send; the default is post-fader.
	// Either way the send follows the source's pan and mute.
	PreFader bool `yaml:"pre_fader,omitempty" json:"pre_fader,omitempty"`

	Pos Pos `yaml:"-" json:"-"`
}

// Automation holds breakpoint envelopes for a track's or bus's controls.
// An envelope replaces the static value of its control for the whole
// render. Values are interpolated linearly between breakpoints (in dB for
// levels, so fades are straight lines on a dB scale), held before the first
// and after the last, and then smoothed with a 2-pole filter (time constant
// 2.5 ms per pole) so that even a jump does not click.
type Automation struct {
	// GainDB automates the fader.
	GainDB Envelope `yaml:"gain_db,omitempty" json:"gain_db,omitempty"`
	// Pan automates the pan position.
	Pan Envelope `yaml:"pan,omitempty" json:"pan,omitempty"`
	// AngleDeg automates the 5.1 direction.
	AngleDeg Envelope `yaml:"angle_deg,omitempty" json:"angle_deg,omitempty"`
	// SendDB automates send levels, keyed by the receiving bus.
	SendDB map[string]Envelope `yaml:"send_db,omitempty" json:"send_db,omitempty"`

	Pos Pos `yaml:"-" json:"-"`
}

// MasterAutomation holds the master fader's envelope.
type MasterAutomation struct {
	// GainDB automates the master fader.
	GainDB Envelope `yaml:"gain_db,omitempty" json:"gain_db,omitempty"`

	Pos Pos `yaml:"-" json:"-"`
}

// Envelope is a list of breakpoints in time order. In YAML each breakpoint
// is a pair [time_s, value]: [[0, -60], [4, 0]] fades in over 4 seconds.
// Two breakpoints at the same time make a jump.
type Envelope []Point

// Point is one breakpoint.
type Point struct {
	// TimeS is the time on the session timeline in seconds.
	TimeS float64
	// Value in the control's unit.
	Value float64
}

// Pos locates a YAML mapping in its file, for error messages. The zero Pos
// (a session built in code) has no location.
type Pos struct {
	node *yaml.Node
}

// Line returns the line of the mapping, or 0 if unknown.
func (p Pos) Line() int {
	if p.node == nil {
		return 0
	}
	return p.node.Line
}

// KeyLine returns the line of key in the mapping, or of the mapping itself
// when the key is absent.
func (p Pos) KeyLine(key string) int {
	if p.node == nil {
		return 0
	}
	if p.node.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(p.node.Content); i += 2 {
			if p.node.Content[i].Value == key {
				return p.node.Content[i].Line
			}
		}
	}
	return p.node.Line
}

// SampleRate returns the session's rate in Hz (with the default applied).
func (s *Session) SampleRate() int {
	if s.SampleRateHz == 0 {
		return DefaultSampleRate
	}
	return s.SampleRateHz
}

// OutputLayout returns the master layout name (with the default applied).
func (s *Session) OutputLayout() string {
	if s.Layout == "" {
		return LayoutStereo
	}
	return s.Layout
}

// DefaultPanLaw returns the session's pan law (with the default applied).
func (s *Session) DefaultPanLaw() string {
	if s.PanLaw == "" {
		return PanConstantPower
	}
	return s.PanLaw
}

// Tail returns the maximum tail in seconds (with the default applied).
func (s *Session) Tail() float64 {
	if s.TailS == nil {
		return DefaultTailS
	}
	return *s.TailS
}

// FoldDownMaxLoss returns the fold-down loudness-loss threshold in dB.
func (s *Session) FoldDownMaxLoss() float64 {
	if s.FoldDownMaxLossDB == nil {
		return 3
	}
	return *s.FoldDownMaxLossDB
}

// ResolvePath returns a file path from the session made absolute against
// the session's directory.
func (s *Session) ResolvePath(p string) string {
	if p == "" || filepath.IsAbs(p) || s.Dir == "" {
		return p
	}
	return filepath.Join(s.Dir, p)
}

// Track returns the track named name, or nil.
func (s *Session) Track(name string) *Track {
	for i := range s.Tracks {
		if s.Tracks[i].Name == name {
			return &s.Tracks[i]
		}
	}
	return nil
}

// Bus returns the bus named name, or nil.
func (s *Session) Bus(name string) *Bus {
	for i := range s.Buses {
		if s.Buses[i].Name == name {
			return &s.Buses[i]
		}
	}
	return nil
}

// WidthOr returns *w, or 1 when w is nil.
func WidthOr(w *float64) float64 {
	if w == nil {
		return 1
	}
	return *w
}

// At returns the envelope's value at time t seconds: linear interpolation
// between breakpoints, the first value before the first breakpoint and the
// last after the last. For breakpoints at the same time, the later one
// wins from that time on. It panics on an empty envelope.
func (e Envelope) At(t float64) float64 {
	if len(e) == 0 {
		panic("session: Envelope.At on an empty envelope")
	}
	if t < e[0].TimeS {
		return e[0].Value
	}
	// Find the last breakpoint at or before t.
	lo, hi := 0, len(e) // e[lo].TimeS <= t
	for hi-lo > 1 {
		m := (lo + hi) / 2
		if e[m].TimeS <= t {
			lo = m
		} else {
			hi = m
		}
	}
	if lo == len(e)-1 {
		return e[lo].Value
	}
	a, b := e[lo], e[lo+1]
	if b.TimeS == a.TimeS {
		return b.Value
	}
	f := (t - a.TimeS) / (b.TimeS - a.TimeS)
	return a.Value + f*(b.Value-a.Value)
}

package session

import (
	"fmt"
	"reflect"
	"sort"
	"sync"

	"github.com/mixdown/mixdown/dsp"
)

// Kind is a processor type an insert can name: its YAML "type", the Go type
// of its parameters (decoded straight from the insert's other keys) and a
// constructor.
type Kind struct {
	// Name is the insert's "type" value.
	Name string
	// Summary is a one-line description.
	Summary string
	// Hidden lists parameter keys the kind fixes itself (for example the
	// filter type of "highpass"); they may not appear in a session.
	Hidden []string
	// Renamed maps session keys to parameter keys that are spelled
	// differently in a session because they would clash with the insert's
	// own keys (a saturation's curve "type" is written "curve").
	Renamed map[string]string

	params   reflect.Type
	defaults any
	build    func(params any) (dsp.Processor, error)
}

// Defaults returns a copy of the kind's default parameters (a struct
// value of the kind's parameter type).
func (k *Kind) Defaults() any {
	v := reflect.New(k.params).Elem()
	v.Set(reflect.ValueOf(k.defaults))
	return v.Interface()
}

// ParamsType returns the Go type of the kind's parameters.
func (k *Kind) ParamsType() reflect.Type { return k.params }

// New makes an unprepared processor from parameters of the kind's type.
func (k *Kind) New(params any) (dsp.Processor, error) {
	if reflect.TypeOf(params) != k.params {
		return nil, fmt.Errorf("session: %s insert with parameters of type %T, want %v", k.Name, params, k.params)
	}
	return k.build(params)
}

// Option adjusts a kind at registration.
type Option func(*Kind)

// Hide fixes parameter keys: the kind sets them and sessions may not.
func Hide(keys ...string) Option {
	return func(k *Kind) { k.Hidden = append(k.Hidden, keys...) }
}

// Rename spells parameter key paramKey as sessionKey in sessions.
func Rename(sessionKey, paramKey string) Option {
	return func(k *Kind) {
		if k.Renamed == nil {
			k.Renamed = map[string]string{}
		}
		k.Renamed[sessionKey] = paramKey
	}
}

// SessionKey returns how a parameter key is spelled in a session.
func (k *Kind) SessionKey(paramKey string) string {
	for s, p := range k.Renamed {
		if p == paramKey {
			return s
		}
	}
	return paramKey
}

// Keys returns the session keys of the kind's parameters (hidden keys
// left out, renamed keys under their session spelling), sorted.
func (k *Kind) Keys() []string {
	var out []string
	for _, key := range YAMLKeys(k.params) {
		hidden := false
		for _, h := range k.Hidden {
			hidden = hidden || h == key
		}
		if !hidden {
			out = append(out, k.SessionKey(key))
		}
	}
	sort.Strings(out)
	return out
}

var (
	regMu sync.RWMutex
	kinds = map[string]*Kind{}
)

// Register adds a processor kind: inserts of type name decode their keys
// into a copy of defaults (a struct with yaml tags) and are built by build.
// It panics if the name is taken, P is not a struct, or a parameter key
// clashes with the insert's own keys (type, bypass, sidechain) without
// being hidden or renamed.
func Register[P any](name, summary string, defaults P, build func(P) (dsp.Processor, error), opts ...Option) {
	t := reflect.TypeOf(defaults)
	if t == nil || t.Kind() != reflect.Struct {
		panic("session: Register " + name + ": parameters must be a struct")
	}
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := kinds[name]; dup {
		panic("session: Register " + name + " twice")
	}
	for _, reserved := range insertKeys {
		if name == reserved {
			panic("session: Register " + name + ": reserved name")
		}
	}
	k := &Kind{Name: name, Summary: summary, params: t, defaults: defaults,
		build: func(p any) (dsp.Processor, error) { return build(p.(P)) }}
	for _, o := range opts {
		o(k)
	}
	for _, key := range k.Keys() {
		for _, reserved := range insertKeys {
			if key == reserved {
				panic("session: Register " + name + ": parameter key " + key + " clashes with the insert's own; hide or rename it")
			}
		}
	}
	kinds[name] = k
}

// LookupKind returns the kind registered under name.
func LookupKind(name string) (*Kind, bool) {
	regMu.RLock()
	defer regMu.RUnlock()
	k, ok := kinds[name]
	return k, ok
}

// Kinds returns every registered kind, sorted by name.
func Kinds() []*Kind {
	regMu.RLock()
	defer regMu.RUnlock()
	out := make([]*Kind, 0, len(kinds))
	for _, k := range kinds {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func kindNames() []string {
	var names []string
	for _, k := range Kinds() {
		names = append(names, k.Name)
	}
	return names
}

// Insert is one effect in a chain. In YAML its keys are "type", the
// optional "bypass" and "sidechain", and the parameters of its kind:
//
//   - type: compressor
//     sidechain: kick
//     threshold_db: -24
//     ratio: 4
type Insert struct {
	// Type names the processor kind (see Kinds).
	Type string `yaml:"type" json:"type"`
	// Bypass leaves the insert out of the chain (its parameters are still
	// checked).
	Bypass bool `yaml:"bypass,omitempty" json:"bypass,omitempty"`
	// Sidechain names the track or bus whose signal (after its inserts,
	// before its fader) drives a keyed processor such as a compressor or
	// gate; "" keys it from its own input.
	Sidechain string `yaml:"sidechain,omitempty" json:"sidechain,omitempty"`
	// Params holds the kind's parameter struct (a value of
	// Kind.ParamsType); nil means the kind's defaults.
	Params any `yaml:"-" json:"-"`

	Pos Pos `yaml:"-" json:"-"`
}

// insertKeys are the keys of an insert that are not processor parameters.
var insertKeys = []string{"type", "bypass", "sidechain"}

// Kind returns the insert's kind.
func (in *Insert) Kind() (*Kind, bool) { return LookupKind(in.Type) }

// NewProcessor builds the insert's processor (unprepared).
func (in *Insert) NewProcessor() (dsp.Processor, error) {
	k, ok := in.Kind()
	if !ok {
		return nil, fmt.Errorf("unknown insert type %q", in.Type)
	}
	p := in.Params
	if p == nil {
		p = k.Defaults()
	}
	return k.New(p)
}

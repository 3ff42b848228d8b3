package session

import (
	"bytes"
	"reflect"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// Marshal encodes a session as YAML that Parse reads back to the same
// session. Optional keys at their defaults are left out.
func Marshal(s *Session) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func floatNode(f float64) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Value: strconv.FormatFloat(f, 'g', -1, 64)}
}

// MarshalYAML writes a breakpoint as [time_s, value].
func (p Point) MarshalYAML() (any, error) {
	return &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle, Content: []*yaml.Node{floatNode(p.TimeS), floatNode(p.Value)}}, nil
}

// MarshalYAML writes an envelope on one line.
func (e Envelope) MarshalYAML() (any, error) {
	n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, p := range e {
		pn, _ := p.MarshalYAML()
		n.Content = append(n.Content, pn.(*yaml.Node))
	}
	return n, nil
}

// MarshalYAML writes an insert as one mapping: type, bypass and sidechain,
// then the kind's parameters that differ from its defaults (without the
// keys the kind fixes).
func (in Insert) MarshalYAML() (any, error) {
	str := func(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }
	n := &yaml.Node{Kind: yaml.MappingNode}
	n.Content = append(n.Content, str("type"), str(in.Type))
	if in.Bypass {
		n.Content = append(n.Content, str("bypass"), &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"})
	}
	if in.Sidechain != "" {
		n.Content = append(n.Content, str("sidechain"), str(in.Sidechain))
	}
	if in.Params == nil {
		return n, nil
	}
	var pn yaml.Node
	if err := pn.Encode(in.Params); err != nil {
		return nil, err
	}
	var hidden []string
	defaults := map[string]string{}
	kind, _ := in.Kind()
	if k := kind; k != nil {
		hidden = k.Hidden
		var dn yaml.Node
		if err := dn.Encode(k.Defaults()); err == nil && dn.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(dn.Content); i += 2 {
				defaults[dn.Content[i].Value] = nodeText(dn.Content[i+1])
			}
		}
	}
	if pn.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(pn.Content); i += 2 {
			k := pn.Content[i].Value
			skip := false
			for _, h := range hidden {
				skip = skip || h == k
			}
			if d, ok := defaults[k]; ok && d == nodeText(pn.Content[i+1]) {
				skip = true
			}
			if !skip {
				key := pn.Content[i]
				if kind != nil {
					if sk := kind.SessionKey(k); sk != k {
						key = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: sk}
					}
				}
				n.Content = append(n.Content, key, pn.Content[i+1])
			}
		}
	}
	return n, nil
}

// nodeText is a node's YAML text, for comparing values.
func nodeText(n *yaml.Node) string {
	b, err := yaml.Marshal(n)
	if err != nil {
		return "?"
	}
	return string(b)
}

// Equal reports whether two sessions describe the same mix, ignoring file
// positions, Path and Dir, nil versus empty lists, and nil insert
// parameters versus the kind's defaults.
func Equal(a, b *Session) bool {
	return reflect.DeepEqual(normalize(reflect.ValueOf(*a)).Interface(), normalize(reflect.ValueOf(*b)).Interface())
}

// normalize returns a deep copy of v with positions cleared and the
// differences Equal ignores removed.
func normalize(v reflect.Value) reflect.Value {
	t := v.Type()
	out := reflect.New(t).Elem()
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			p := reflect.New(t.Elem())
			p.Elem().Set(normalize(v.Elem()))
			out.Set(p)
		}
	case reflect.Struct:
		if t == posType {
			return out
		}
		for i := 0; i < v.NumField(); i++ {
			if !t.Field(i).IsExported() {
				continue
			}
			f := v.Field(i)
			if t == insertType && t.Field(i).Name == "Params" {
				in := v.Interface().(Insert)
				if f.IsNil() {
					if k, ok := in.Kind(); ok {
						out.Field(i).Set(reflect.ValueOf(k.Defaults()))
					}
					continue
				}
				out.Field(i).Set(normalize(f.Elem()))
				continue
			}
			if t == reflect.TypeOf(Session{}) && (t.Field(i).Name == "Path" || t.Field(i).Name == "Dir") {
				continue
			}
			out.Field(i).Set(normalize(f))
		}
	case reflect.Slice:
		if v.Len() == 0 {
			return out
		}
		s := reflect.MakeSlice(t, v.Len(), v.Len())
		for i := 0; i < v.Len(); i++ {
			s.Index(i).Set(normalize(v.Index(i)))
		}
		out.Set(s)
	case reflect.Map:
		if v.Len() == 0 {
			return out
		}
		m := reflect.MakeMapWithSize(t, v.Len())
		for _, k := range v.MapKeys() {
			m.SetMapIndex(k, normalize(v.MapIndex(k)))
		}
		out.Set(m)
	case reflect.Interface:
		if !v.IsNil() {
			out.Set(normalize(v.Elem()))
		}
	default:
		out.Set(v)
	}
	return out
}

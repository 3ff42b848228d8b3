package session

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// MaxFileSize is the largest session file Parse accepts (bytes): room for
// a few hundred tracks with tens of thousands of automation breakpoints,
// while parsing the worst file of that size (a list of a third of a million
// empty items) allocates about 200 MB in all (TestParseHugeList).
const MaxFileSize = 1 << 20

// problemSearchLimit is the largest file (bytes) in which problemLine
// searches for the line of a syntax error.
const problemSearchLimit = 64 << 10

// Load reads, parses and validates the session file at path, resolves its
// relative paths against the file's directory and checks that every source
// file exists. Errors wrap ErrInvalid and name the file and line.
func Load(path string) (*Session, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, &os.PathError{Op: "open", Path: path, Err: errors.New("is a directory")}
	}
	if st.Size() > MaxFileSize {
		return nil, &Error{Path: path, Msg: fmt.Sprintf("session file is %d bytes (at most %d)", st.Size(), MaxFileSize)}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	s.Dir = filepath.Dir(path)
	if err := s.CheckFiles(); err != nil {
		return nil, err
	}
	return s, nil
}

// Parse decodes and validates a session from YAML. path names the file in
// errors (it is not read); relative source paths are left as they are
// (set Session.Dir to resolve them). Errors wrap ErrInvalid.
func Parse(path string, data []byte) (*Session, error) {
	s, err := decode(path, data)
	if err != nil {
		return nil, err
	}
	s.Path = path
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// CheckFiles reports source files that are missing or are not regular
// files, naming the line of each.
func (s *Session) CheckFiles() error {
	l := errList{path: s.Path}
	for i := range s.Tracks {
		t := &s.Tracks[i]
		if t.File == "" {
			continue // reported by Validate
		}
		p := s.ResolvePath(t.File)
		st, err := os.Stat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			l.add(t.Pos.KeyLine("file"), err, "track %q: file %q does not exist", t.Name, p)
		case err != nil:
			l.add(t.Pos.KeyLine("file"), err, "track %q: file %q: %v", t.Name, p, errors.Unwrap(err))
		case st.IsDir():
			l.addf(t.Pos.KeyLine("file"), "track %q: file %q is a directory", t.Name, p)
		}
	}
	return l.err()
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// decode turns YAML into a Session, strictly: unknown keys, duplicate
// keys and values of the wrong type are errors with their line.
func decode(path string, data []byte) (*Session, error) {
	l := &errList{path: path}
	if len(data) > MaxFileSize {
		l.addf(0, "session file is %d bytes (at most %d)", len(data), MaxFileSize)
		return nil, l.err()
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line, msg := yamlErrorLine(err)
		if line > 0 {
			line = problemLine(data, msg, line)
		}
		l.addf(line, "not valid YAML: %s", msg)
		return nil, l.err()
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		l.addf(0, "empty session file")
		return nil, l.err()
	}
	root := doc.Content[0]
	s := &Session{}
	d := &decoder{errs: l, budget: 1 << 20}
	d.value(root, reflect.ValueOf(s).Elem(), "")
	if err := l.err(); err != nil {
		return nil, err
	}
	return s, nil
}

// yamlErrorLine splits a go.yaml.in/yaml error into its line and message.
func yamlErrorLine(err error) (int, string) {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return line, m[2]
	}
	return 0, strings.TrimPrefix(msg, "yaml: ")
}

// problemLine finds the line a YAML syntax error is about. The parser
// reports the line where the enclosing construct began (a list opened on
// line 1 whose third line is wrong is reported on line 1); the first prefix
// of the document that fails with the same message ends on the problem.
//
// Each try parses a prefix, so the search is quadratic: files over
// problemSearchLimit bytes keep the reported line.
func problemLine(data []byte, msg string, reported int) int {
	if len(data) > problemSearchLimit {
		return reported
	}
	end := 0
	for k := 0; end < len(data); k++ {
		if i := bytes.IndexByte(data[end:], '\n'); i >= 0 {
			end += i + 1
		} else {
			end = len(data)
		}
		if k+1 < reported {
			continue
		}
		var n yaml.Node
		if err := yaml.Unmarshal(data[:end], &n); err != nil {
			if _, m := yamlErrorLine(err); m == msg {
				return k + 1
			}
		}
	}
	return reported
}

type decoder struct {
	errs   *errList
	budget int // nodes left to visit (aliases can multiply a document)
}

var (
	posType    = reflect.TypeOf(Pos{})
	insertType = reflect.TypeOf(Insert{})
	pointType  = reflect.TypeOf(Point{})
	trackType  = reflect.TypeOf(Track{})
	busType    = reflect.TypeOf(Bus{})
	sendType   = reflect.TypeOf(Send{})
)

// field is a struct field reachable by a YAML key.
type field struct {
	index []int
	typ   reflect.Type
}

// yamlFields returns the YAML keys of struct type t (following inline
// embedded structs) and the fields they set. Fields tagged "-" and
// unexported fields are not keys; an untagged field's key is its lowercased
// name, as go.yaml.in/yaml/v3 does.
// The map is computed once per type and shared: callers must not change
// it (maps.Clone it first).
func yamlFields(t reflect.Type) map[string]field {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]field)
	}
	m, _ := fieldCache.LoadOrStore(t, walkFields(t))
	return m.(map[string]field)
}

// fieldCache maps a reflect.Type to its yamlFields.
var fieldCache sync.Map

func walkFields(t reflect.Type) map[string]field {
	out := map[string]field{}
	var walk func(t reflect.Type, prefix []int)
	walk = func(t reflect.Type, prefix []int) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			tag := f.Tag.Get("yaml")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			idx := append(append([]int(nil), prefix...), i)
			if strings.Contains(","+opts+",", ",inline,") && f.Type.Kind() == reflect.Struct {
				walk(f.Type, idx)
				continue
			}
			if name == "" {
				name = strings.ToLower(f.Name)
			}
			out[name] = field{index: idx, typ: f.Type}
		}
	}
	walk(t, nil)
	return out
}

// YAMLKeys returns the sorted YAML keys of a struct type (following inline
// embedded structs), as the decoder accepts them.
func YAMLKeys(t reflect.Type) []string {
	var keys []string
	for k := range yamlFields(t) {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func sortedKeys(m map[string]field) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// resolve follows aliases, charging the visit budget.
func (d *decoder) resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	d.budget--
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isNull(n) {
			return "nothing"
		}
		v := n.Value
		if len(v) > 40 {
			v = v[:40] + "..."
		}
		return strconv.Quote(v)
	}
	return "something else"
}

// value decodes n into v; ctx names the place for errors.
func (d *decoder) value(n *yaml.Node, v reflect.Value, ctx string) {
	n = d.resolve(n)
	if n == nil {
		return
	}
	if d.budget < 0 {
		if d.budget == -1 {
			d.errs.addf(n.Line, "document too large or too deeply aliased")
		}
		return
	}
	if d.errs.full {
		return
	}
	t := v.Type()
	switch {
	case t == insertType:
		d.insert(n, v.Addr().Interface().(*Insert), ctx)
		return
	case t == pointType:
		d.point(n, v.Addr().Interface().(*Point), ctx)
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		if isNull(n) {
			v.SetZero()
			return
		}
		p := reflect.New(t.Elem())
		d.value(n, p.Elem(), ctx)
		v.Set(p)
	case reflect.Struct:
		d.structure(n, v, ctx)
	case reflect.Slice:
		if isNull(n) {
			v.SetZero()
			return
		}
		if n.Kind != yaml.SequenceNode {
			d.errs.addf(n.Line, "%s: expected a list, got %s", ctx, describe(n))
			return
		}
		// Every item will be charged when visited; charging them before
		// the slice is made keeps a long list from sizing it.
		if len(n.Content) > d.budget {
			d.budget = -1
			d.errs.addf(n.Line, "document too large or too deeply aliased")
			return
		}
		s := reflect.MakeSlice(t, len(n.Content), len(n.Content))
		for i, c := range n.Content {
			d.value(c, s.Index(i), d.itemContext(ctx, t.Elem(), c, i))
		}
		v.Set(s)
	case reflect.Map:
		if isNull(n) {
			v.SetZero()
			return
		}
		if n.Kind != yaml.MappingNode {
			d.errs.addf(n.Line, "%s: expected a mapping, got %s", ctx, describe(n))
			return
		}
		if t.Key().Kind() != reflect.String {
			panic("session: map with non-string keys in the model")
		}
		m := reflect.MakeMapWithSize(t, len(n.Content)/2)
		seen := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := d.resolve(n.Content[i]), n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				d.errs.addf(k.Line, "%s: keys must be plain text", ctx)
				continue
			}
			if l, dup := seen[k.Value]; dup {
				d.errs.addf(k.Line, "%s: %q given twice (first on line %d)", ctx, k.Value, l)
				continue
			}
			seen[k.Value] = k.Line
			if rv := d.resolve(val); rv != nil && isNull(rv) {
				// A key without a value: an error rather than an entry
				// that would mean nothing (and not survive a round trip).
				d.errs.addf(rv.Line, "%s: expected %s, got nothing", join(ctx, k.Value), wantType(t.Elem()))
				continue
			}
			e := reflect.New(t.Elem()).Elem()
			d.value(val, e, join(ctx, k.Value))
			m.SetMapIndex(reflect.ValueOf(k.Value).Convert(t.Key()), e)
		}
		v.Set(m)
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		d.scalar(n, v, ctx)
	case reflect.Interface:
		// A free-form value: let yaml decode it.
		if err := n.Decode(v.Addr().Interface()); err != nil {
			d.errs.addf(n.Line, "%s: %v", ctx, err)
		}
	default:
		panic("session: unsupported field type " + t.String())
	}
}

// itemContext names a list item for errors: tracks and buses by name,
// inserts by position and type, sends by target.
func (d *decoder) itemContext(ctx string, elem reflect.Type, n *yaml.Node, i int) string {
	n = d.resolve(n)
	get := func(key string) string {
		if n == nil || n.Kind != yaml.MappingNode {
			return ""
		}
		for j := 0; j+1 < len(n.Content); j += 2 {
			if n.Content[j].Value == key {
				if v := n.Content[j+1]; v.Kind == yaml.ScalarNode {
					return v.Value
				}
			}
		}
		return ""
	}
	switch elem {
	case trackType, busType:
		kind := "track"
		if elem == busType {
			kind = "bus"
		}
		if name := get("name"); name != "" {
			return fmt.Sprintf("%s %q", kind, name)
		}
		return fmt.Sprintf("%s %d", kind, i+1)
	case insertType:
		if typ := get("type"); typ != "" {
			return join(strings.TrimSuffix(ctx, ": inserts"), fmt.Sprintf("insert %d (%s)", i+1, typ))
		}
		return join(strings.TrimSuffix(ctx, ": inserts"), fmt.Sprintf("insert %d", i+1))
	case sendType:
		if to := get("to"); to != "" {
			return join(strings.TrimSuffix(ctx, ": sends"), fmt.Sprintf("send to %q", to))
		}
		return join(strings.TrimSuffix(ctx, ": sends"), fmt.Sprintf("send %d", i+1))
	case pointType:
		return join(ctx, fmt.Sprintf("breakpoint %d", i+1))
	}
	return fmt.Sprintf("%s[%d]", ctx, i)
}

// structure decodes a mapping into struct v.
func (d *decoder) structure(n *yaml.Node, v reflect.Value, ctx string) {
	if n.Kind != yaml.MappingNode {
		d.errs.addf(n.Line, "%s: expected a mapping, got %s", ctx, describe(n))
		return
	}
	fields := yamlFields(v.Type())
	d.fields(n, v, ctx, fields, nil)
	for i := 0; i < v.NumField(); i++ {
		if v.Type().Field(i).Type == posType && v.Type().Field(i).IsExported() {
			v.Field(i).Set(reflect.ValueOf(Pos{node: n}))
		}
	}
}

// fields decodes the keys of mapping n into v's fields; skip, if non-nil,
// handles keys that are not fields (it reports whether it took the key).
func (d *decoder) fields(n *yaml.Node, v reflect.Value, ctx string, fields map[string]field, skip func(key, val *yaml.Node) bool) {
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := d.resolve(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.errs.addf(k.Line, "%s", join(ctx, "keys must be plain text"))
			continue
		}
		key := k.Value
		if key == "<<" {
			d.errs.addf(k.Line, "%s", join(ctx, "merge keys (<<) are not supported; repeat the keys or use an alias for the whole value"))
			continue
		}
		if l, dup := seen[key]; dup {
			d.errs.addf(k.Line, "%s", join(ctx, fmt.Sprintf("%q given twice (first on line %d)", key, l)))
			continue
		}
		seen[key] = k.Line
		if skip != nil && skip(k, val) {
			continue
		}
		f, ok := fields[key]
		if !ok {
			known := sortedKeys(fields)
			d.errs.addf(k.Line, "%s%s (known keys: %s)", join(ctx, fmt.Sprintf("unknown key %q", key)), didYouMean(key, known), strings.Join(known, ", "))
			continue
		}
		fv := v.FieldByIndex(f.index)
		d.value(val, fv, join(ctx, key))
	}
}

// scalar decodes a scalar node into a string, bool or number.
func (d *decoder) scalar(n *yaml.Node, v reflect.Value, ctx string) {
	if n.Kind != yaml.ScalarNode {
		d.errs.addf(n.Line, "%s: expected %s, got %s", ctx, want(v.Kind()), describe(n))
		return
	}
	tag := n.ShortTag()
	if tag == "!!null" {
		d.errs.addf(n.Line, "%s: expected %s, got nothing", ctx, want(v.Kind()))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(n.Value)
		return
	case reflect.Bool:
		if tag != "!!bool" {
			d.errs.addf(n.Line, "%s: expected true or false, got %s", ctx, describe(n))
			return
		}
	case reflect.Float32, reflect.Float64:
		if tag != "!!float" && tag != "!!int" {
			d.errs.addf(n.Line, "%s: expected a number, got %s", ctx, describe(n))
			return
		}
	default: // integers
		if tag != "!!int" {
			d.errs.addf(n.Line, "%s: expected a whole number, got %s", ctx, describe(n))
			return
		}
	}
	if err := n.Decode(v.Addr().Interface()); err != nil {
		d.errs.addf(n.Line, "%s: %s does not fit (%s)", ctx, describe(n), v.Type())
	}
}

// join appends key to a context ("" at the top level).
func join(ctx, key string) string {
	if ctx == "" {
		return key
	}
	return ctx + ": " + key
}

// wantType names what a value of type t is written as.
func wantType(t reflect.Type) string {
	switch {
	case t == reflect.TypeOf(Envelope{}):
		return "a list of [time_s, value] breakpoints"
	case t.Kind() == reflect.Slice:
		return "a list"
	case t.Kind() == reflect.Map || t.Kind() == reflect.Struct:
		return "a mapping"
	}
	return want(t.Kind())
}

func want(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "text"
	case reflect.Bool:
		return "true or false"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "a whole number"
}

// point decodes a breakpoint [time_s, value].
func (d *decoder) point(n *yaml.Node, p *Point, ctx string) {
	if n.Kind != yaml.SequenceNode || len(n.Content) != 2 {
		d.errs.addf(n.Line, "%s: expected a pair [time_s, value], got %s", ctx, describe(n))
		return
	}
	d.value(n.Content[0], reflect.ValueOf(&p.TimeS).Elem(), join(ctx, "time"))
	d.value(n.Content[1], reflect.ValueOf(&p.Value).Elem(), join(ctx, "value"))
}

// insert decodes an insert: its engine keys and its kind's parameters.
func (d *decoder) insert(n *yaml.Node, in *Insert, ctx string) {
	if n.Kind != yaml.MappingNode {
		d.errs.addf(n.Line, "%s: expected a mapping with a \"type\", got %s", ctx, describe(n))
		return
	}
	in.Pos = Pos{node: n}
	var typeNode *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "type" {
			typeNode = d.resolve(n.Content[i+1])
		}
	}
	if typeNode == nil || typeNode.Kind != yaml.ScalarNode || typeNode.Value == "" {
		d.errs.addf(n.Line, "%s: missing \"type\" (one of: %s)", ctx, strings.Join(kindNames(), ", "))
		return
	}
	in.Type = typeNode.Value
	k, ok := LookupKind(in.Type)
	if !ok {
		names := kindNames()
		d.errs.addf(typeNode.Line, "%s: unknown insert type %q%s (known types: %s)", ctx, in.Type, didYouMean(in.Type, names), strings.Join(names, ", "))
		return
	}
	params := reflect.New(k.params).Elem()
	params.Set(reflect.ValueOf(k.defaults))
	fields := maps.Clone(yamlFields(k.params))
	for _, h := range k.Hidden {
		delete(fields, h)
	}
	for sk, pk := range k.Renamed {
		if f, ok := fields[pk]; ok {
			delete(fields, pk)
			fields[sk] = f
		}
	}
	for _, key := range insertKeys {
		fields[key] = field{} // handled below; listed in "known keys"
	}
	self := reflect.ValueOf(in).Elem()
	d.fields(n, params, ctx, fields, func(key, val *yaml.Node) bool {
		switch key.Value {
		case "type":
			return true
		case "bypass":
			d.value(val, self.FieldByName("Bypass"), join(ctx, "bypass"))
			return true
		case "sidechain":
			d.value(val, self.FieldByName("Sidechain"), join(ctx, "sidechain"))
			return true
		}
		return false
	})
	in.Params = params.Interface()
}

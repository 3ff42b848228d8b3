package mix

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/mixdown/mixdown/internal/testutil"
	"github.com/mixdown/mixdown/mix/session"
)

var update = flag.Bool("update", false, "regenerate the processor part of session.schema.json")

// The JSON Schema is written by hand for the session model and generated
// for the processors' parameters (from the registry, with descriptions
// from the processors' own field comments). TestSchemaInStep checks both:
// every key of the Go model is in the schema and vice versa, with the same
// ranges and enumerations, and the processor definitions are what the
// registry generates today. Run `go test ./mix -run TestSchemaInStep
// -update` after a processor's parameters change.

// ojson is an order-preserving JSON value: an object is a list of members.
type ojson struct {
	obj   []member // object members, when isObj
	arr   []*ojson // array items, when isArr
	raw   json.RawMessage
	isObj bool
	isArr bool
}

type member struct {
	key string
	val *ojson
}

func (o *ojson) get(key string) *ojson {
	for _, m := range o.obj {
		if m.key == key {
			return m.val
		}
	}
	return nil
}

func (o *ojson) set(key string, v *ojson) {
	for i, m := range o.obj {
		if m.key == key {
			o.obj[i].val = v
			return
		}
	}
	o.obj = append(o.obj, member{key, v})
}

func (o *ojson) del(pred func(string) bool) {
	var keep []member
	for _, m := range o.obj {
		if !pred(m.key) {
			keep = append(keep, m)
		}
	}
	o.obj = keep
}

func (o *ojson) keys() []string {
	var k []string
	for _, m := range o.obj {
		k = append(k, m.key)
	}
	return k
}

func (o *ojson) str() string {
	var s string
	json.Unmarshal(o.raw, &s)
	return s
}

func (o *ojson) num() float64 {
	var f float64
	json.Unmarshal(o.raw, &f)
	return f
}

func parseOJSON(dec *json.Decoder) (*ojson, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := &ojson{isObj: true}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := parseOJSON(dec)
				if err != nil {
					return nil, err
				}
				o.obj = append(o.obj, member{kt.(string), v})
			}
			_, err := dec.Token()
			return o, err
		case '[':
			o := &ojson{isArr: true}
			for dec.More() {
				v, err := parseOJSON(dec)
				if err != nil {
					return nil, err
				}
				o.arr = append(o.arr, v)
			}
			_, err := dec.Token()
			return o, err
		}
	}
	b, err := json.Marshal(tok)
	if f, ok := tok.(json.Number); ok {
		b = []byte(f.String())
	}
	return &ojson{raw: b}, err
}

func leaf(v any) *ojson {
	b, _ := json.Marshal(v)
	return &ojson{raw: b}
}

func obj(kv ...any) *ojson {
	o := &ojson{isObj: true}
	for i := 0; i+1 < len(kv); i += 2 {
		v, ok := kv[i+1].(*ojson)
		if !ok {
			v = leaf(kv[i+1])
		}
		o.obj = append(o.obj, member{kv[i].(string), v})
	}
	return o
}

// flat reports whether o prints on one line: no nested object with more
// than two members, no nested array of objects.
func (o *ojson) flat() bool {
	for _, m := range o.obj {
		if (m.val.isObj && (len(m.val.obj) > 2 || !m.val.flat())) || (m.val.isArr && !m.val.flat()) {
			return false
		}
	}
	for _, v := range o.arr {
		if v.isObj && len(o.arr) > 1 || v.isArr && !v.flat() || v.isObj && !v.flat() {
			return false
		}
	}
	return true
}

func (o *ojson) write(b *bytes.Buffer, indent string) {
	switch {
	case o.isObj && (o.flat() || len(o.obj) == 0):
		b.WriteString("{")
		for i, m := range o.obj {
			if i > 0 {
				b.WriteString(", ")
			}
			k, _ := json.Marshal(m.key)
			b.Write(k)
			b.WriteString(": ")
			m.val.write(b, indent)
		}
		b.WriteString("}")
	case o.isObj:
		b.WriteString("{\n")
		for i, m := range o.obj {
			k, _ := json.Marshal(m.key)
			b.WriteString(indent + "  ")
			b.Write(k)
			b.WriteString(": ")
			m.val.write(b, indent+"  ")
			if i < len(o.obj)-1 {
				b.WriteString(",")
			}
			b.WriteString("\n")
		}
		b.WriteString(indent + "}")
	case o.isArr && o.flat():
		b.WriteString("[")
		for i, v := range o.arr {
			if i > 0 {
				b.WriteString(", ")
			}
			v.write(b, indent)
		}
		b.WriteString("]")
	case o.isArr:
		b.WriteString("[\n")
		for i, v := range o.arr {
			b.WriteString(indent + "  ")
			v.write(b, indent+"  ")
			if i < len(o.arr)-1 {
				b.WriteString(",")
			}
			b.WriteString("\n")
		}
		b.WriteString(indent + "]")
	default:
		var c bytes.Buffer
		json.Compact(&c, o.raw)
		b.Write(c.Bytes())
	}
}

func readSchema(t *testing.T) *ojson {
	t.Helper()
	data, err := os.ReadFile("session.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	o, err := parseOJSON(dec)
	if err != nil {
		t.Fatalf("session.schema.json: %v", err)
	}
	return o
}

// snake turns a Go type name into a schema definition name: EQBand →
// eq_band, CompressorParams → compressor_params.
func snake(s string) string {
	var b strings.Builder
	r := []rune(s)
	for i, c := range r {
		if unicode.IsUpper(c) && i > 0 && (unicode.IsLower(r[i-1]) || i+1 < len(r) && unicode.IsLower(r[i+1])) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return b.String()
}

// fieldDocs returns the doc comments of the fields of the named struct type
// in the package at import path pkg (inside this module).
func fieldDocs(t *testing.T, pkg, typ string) map[string]string {
	t.Helper()
	const mod = "github.com/mixdown/mixdown"
	dir := filepath.Join(testutil.RepoRoot(t), strings.TrimPrefix(strings.TrimPrefix(pkg, mod), "/"))
	fset := token.NewFileSet()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]string{}
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok || ts.Name.Name != typ {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return false
			}
			prev := ""
			for _, fl := range st.Fields.List {
				text := strings.Join(strings.Fields(fl.Doc.Text()), " ")
				if text == "" {
					text = strings.Join(strings.Fields(fl.Comment.Text()), " ")
				}
				for _, nm := range fl.Names {
					// A field documented together with the one before it
					// ("A and B are ...") shares its comment.
					if text == "" && strings.Contains(prev, nm.Name) {
						text = prev
					}
					docs[nm.Name] = text
				}
				prev = text
			}
			return false
		})
	}
	return docs
}

// paramSchema builds the schema of a parameter struct type, adding the
// definitions of nested struct types to defs.
func paramSchema(t *testing.T, typ reflect.Type, defaults reflect.Value, hidden []string, rename func(string) string, defs map[string]*ojson) *ojson {
	docs := fieldDocs(t, typ.PkgPath(), typ.Name())
	props := &ojson{isObj: true}
	fields := map[string]int{}
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		if !f.IsExported() || f.Tag.Get("yaml") == "-" {
			continue
		}
		key, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if key == "" {
			key = strings.ToLower(f.Name)
		}
		skip := false
		for _, h := range hidden {
			skip = skip || h == key
		}
		if skip {
			continue
		}
		fields[key] = i
		if rename != nil {
			key = rename(key)
		}
		p := typeSchema(t, f.Type, defs)
		if d := describeField(f.Name, docs[f.Name]); d != "" {
			p.obj = append([]member{{"description", leaf(d)}}, p.obj...)
		}
		if defaults.IsValid() {
			if dv := jsonDefault(defaults.Field(i)); dv != nil {
				p.set("default", dv)
			}
		}
		props.obj = append(props.obj, member{key, p})
	}
	return obj("type", "object", "additionalProperties", false, "properties", props)
}

// describeField turns a Go field comment into a schema description:
// "DriveDB is the gain in dB" becomes "The gain in dB".
func describeField(name, doc string) string {
	for _, verb := range []string{" is ", " are "} {
		if rest, ok := strings.CutPrefix(doc, name+verb); ok && rest != "" {
			r := []rune(rest)
			return string(unicode.ToUpper(r[0])) + string(r[1:])
		}
	}
	return doc
}

func jsonDefault(v reflect.Value) *ojson {
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return nil
		}
		return &ojson{raw: []byte(strconv.FormatFloat(f, 'g', -1, 64))}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return leaf(v.Int())
	case reflect.Bool:
		return leaf(v.Bool())
	case reflect.String:
		if v.String() == "" {
			return nil
		}
		return leaf(v.String())
	}
	return nil
}

func typeSchema(t *testing.T, typ reflect.Type, defs map[string]*ojson) *ojson {
	switch typ.Kind() {
	case reflect.Pointer:
		return typeSchema(t, typ.Elem(), defs)
	case reflect.Float32, reflect.Float64:
		return obj("type", "number")
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return obj("type", "integer")
	case reflect.Bool:
		return obj("type", "boolean")
	case reflect.String:
		return obj("type", "string")
	case reflect.Slice, reflect.Array:
		return obj("type", "array", "items", typeSchema(t, typ.Elem(), defs))
	case reflect.Map:
		return obj("type", "object", "additionalProperties", typeSchema(t, typ.Elem(), defs))
	case reflect.Struct:
		name := snake(typ.Name())
		if _, ok := defs[name]; !ok {
			defs[name] = nil // reserve against recursion
			defs[name] = paramSchema(t, typ, reflect.Value{}, nil, nil, defs)
		}
		return obj("$ref", "#/$defs/"+name)
	}
	t.Fatalf("schema: unsupported parameter type %v", typ)
	return nil
}

// generated returns the schema with the processor definitions regenerated.
func generated(t *testing.T) *ojson {
	s := readSchema(t)
	defs := s.get("$defs")
	defs.del(func(k string) bool { return strings.HasPrefix(k, "insert_") || k == "processor_param" })
	nested := map[string]*ojson{}
	oneOf := &ojson{isArr: true}
	for _, k := range session.Kinds() {
		ps := paramSchema(t, k.ParamsType(), reflect.ValueOf(k.Defaults()), k.Hidden, k.SessionKey, nested)
		props := ps.get("properties")
		head := []member{
			{"type", obj("const", k.Name)},
			{"bypass", obj("description", "Leave this insert out of the chain (its parameters are still checked).", "type", "boolean", "default", false)},
			{"sidechain", obj("description", "Track or bus whose signal (after its inserts, before its fader) keys this processor.", "type", "string")},
		}
		props.obj = append(head, props.obj...)
		def := obj("description", k.Summary, "type", "object", "additionalProperties", false, "required", []string{"type"}, "properties", props)
		defs.set("insert_"+k.Name, def)
		oneOf.arr = append(oneOf.arr, obj("$ref", "#/$defs/insert_"+k.Name))
	}
	var names []string
	for n := range nested {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		defs.del(func(k string) bool { return k == n })
		defs.set(n, nested[n])
	}
	defs.get("insert").set("oneOf", oneOf)
	return s
}

func encode(o *ojson) []byte {
	var b bytes.Buffer
	o.write(&b, "")
	b.WriteString("\n")
	return b.Bytes()
}

func TestSchemaInStep(t *testing.T) {
	want := encode(generated(t))
	if *update {
		if err := os.WriteFile("session.schema.json", want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	have, err := os.ReadFile("session.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, want) {
		t.Fatalf("session.schema.json is out of date with the processor registry: run go test ./mix -run TestSchemaInStep -update")
	}
	var any map[string]any
	if err := json.Unmarshal(have, &any); err != nil {
		t.Fatalf("schema is not valid JSON: %v", err)
	}

	s := readSchema(t)
	defs := s.get("$defs")
	limits := session.Limits()
	enums := session.Enums()
	// Each model type against its definition.
	for typ, def := range map[reflect.Type]*ojson{
		reflect.TypeOf(session.Session{}):          s,
		reflect.TypeOf(session.Track{}):            defs.get("track"),
		reflect.TypeOf(session.Bus{}):              defs.get("bus"),
		reflect.TypeOf(session.MasterBus{}):        defs.get("master"),
		reflect.TypeOf(session.Send{}):             defs.get("send"),
		reflect.TypeOf(session.Automation{}):       defs.get("automation"),
		reflect.TypeOf(session.MasterAutomation{}): defs.get("master_automation"),
	} {
		if def == nil {
			t.Errorf("schema: no definition for %v", typ)
			continue
		}
		if ap := def.get("additionalProperties"); ap == nil || string(ap.raw) != "false" {
			t.Errorf("schema: %v: additionalProperties must be false (unknown keys are errors)", typ)
		}
		props := def.get("properties")
		got := props.keys()
		sort.Strings(got)
		wantKeys := session.YAMLKeys(typ)
		if strings.Join(got, ",") != strings.Join(wantKeys, ",") {
			t.Errorf("schema: %v: properties %v, model keys %v", typ, got, wantKeys)
		}
		for _, k := range got {
			p := props.get(k)
			if r := p.get("$ref"); r != nil && strings.HasPrefix(r.str(), "#/$defs/") {
				if d := defs.get(strings.TrimPrefix(r.str(), "#/$defs/")); d != nil && d.get("type") != nil && d.get("type").str() != "object" && d.get("type").str() != "array" {
					p = d
				}
			}
			if l, ok := limits[k]; ok && p.get("type") != nil && p.get("type").str() != "array" {
				lo := p.get("minimum")
				if l.ExclusiveMin {
					lo = p.get("exclusiveMinimum")
				}
				hi := p.get("maximum")
				if lo == nil || hi == nil || lo.num() != l.Min || hi.num() != l.Max {
					t.Errorf("schema: %v.%s: range in schema differs from the model's %v", typ, k, l)
				}
			}
			if vals, ok := enums[k]; ok {
				if r := p.get("$ref"); r != nil {
					p = defs.get(strings.TrimPrefix(r.str(), "#/$defs/"))
				}
				var have []string
				if e := p.get("enum"); e != nil {
					for _, v := range e.arr {
						have = append(have, v.str())
					}
				}
				if strings.Join(have, ",") != strings.Join(vals, ",") {
					t.Errorf("schema: %v.%s: enum %v, model %v", typ, k, have, vals)
				}
			}
		}
	}
	// Every processor kind has a definition listing exactly its keys.
	for _, k := range session.Kinds() {
		d := defs.get("insert_" + k.Name)
		if d == nil {
			t.Errorf("schema: no definition for insert type %q", k.Name)
			continue
		}
		got := d.get("properties").keys()
		sort.Strings(got)
		want := append(k.Keys(), "bypass", "sidechain", "type")
		sort.Strings(want)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("schema: insert %q: properties %v, parameters %v", k.Name, got, want)
		}
	}
}

// TestSchemaValidatesExample checks the example session against the schema
// with a small validator for the keywords the schema uses.
func TestSchemaValidatesExample(t *testing.T) {
	var schema map[string]any
	if err := json.Unmarshal(Schema, &schema); err != nil {
		t.Fatal(err)
	}
	doc := exampleAsJSON(t)
	if errs := validate(schema, schema, doc, "$"); len(errs) > 0 {
		t.Fatalf("example.yaml does not validate against the schema:\n%s", strings.Join(errs, "\n"))
	}
	// And some bad documents do not.
	for _, bad := range []string{
		`{"tracks": []}`,
		`{"tracks": [{"name": "a", "file": "a.wav", "pan": 2}]}`,
		`{"tracks": [{"name": "a", "file": "a.wav", "volume": 1}]}`,
		`{"tracks": [{"name": "a", "file": "a.wav", "inserts": [{"type": "compressor", "ratio": "x"}]}]}`,
		`{"tracks": [{"name": "a", "file": "a.wav", "inserts": [{"type": "nonesuch"}]}]}`,
		`{"tracks": [{"name": "a", "file": "a.wav", "automation": {"gain_db": [[0]]}}]}`,
		`{"layout": "7.1", "tracks": [{"name": "a", "file": "a.wav"}]}`,
	} {
		var v any
		if err := json.Unmarshal([]byte(bad), &v); err != nil {
			t.Fatal(err)
		}
		if errs := validate(schema, schema, v, "$"); len(errs) == 0 {
			t.Errorf("schema accepts %s", bad)
		}
	}
}

// validate checks v against schema s (the subset of JSON Schema 2020-12
// that session.schema.json uses) and returns the problems.
func validate(root, s map[string]any, v any, at string) []string {
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, at+": "+fmt.Sprintf(format, args...)) }
	if r, ok := s["$ref"].(string); ok {
		def := root["$defs"].(map[string]any)[strings.TrimPrefix(r, "#/$defs/")]
		if def == nil {
			fail("unresolved $ref %s", r)
			return errs
		}
		errs = append(errs, validate(root, def.(map[string]any), v, at)...)
	}
	if typ, ok := s["type"].(string); ok {
		okType := false
		switch typ {
		case "object":
			_, okType = v.(map[string]any)
		case "array":
			_, okType = v.([]any)
		case "string":
			_, okType = v.(string)
		case "boolean":
			_, okType = v.(bool)
		case "number":
			_, okType = v.(float64)
		case "integer":
			f, isNum := v.(float64)
			okType = isNum && f == math.Trunc(f)
		}
		if !okType {
			fail("want %s, got %T", typ, v)
			return errs
		}
	}
	if c, ok := s["const"]; ok && !reflect.DeepEqual(c, v) {
		fail("want %v", c)
	}
	if e, ok := s["enum"].([]any); ok {
		found := false
		for _, x := range e {
			found = found || reflect.DeepEqual(x, v)
		}
		if !found {
			fail("%v not in %v", v, e)
		}
	}
	if f, ok := v.(float64); ok {
		if m, ok := s["minimum"].(float64); ok && f < m {
			fail("%g below minimum %g", f, m)
		}
		if m, ok := s["exclusiveMinimum"].(float64); ok && f <= m {
			fail("%g not above %g", f, m)
		}
		if m, ok := s["maximum"].(float64); ok && f > m {
			fail("%g above maximum %g", f, m)
		}
	}
	if o, ok := v.(map[string]any); ok {
		props, _ := s["properties"].(map[string]any)
		for _, r := range asList(s["required"]) {
			if _, ok := o[r.(string)]; !ok {
				fail("missing %q", r)
			}
		}
		for k, val := range o {
			if p, ok := props[k]; ok {
				errs = append(errs, validate(root, p.(map[string]any), val, at+"."+k)...)
			} else if ap, ok := s["additionalProperties"]; ok {
				switch ap := ap.(type) {
				case bool:
					if !ap {
						fail("unknown key %q", k)
					}
				case map[string]any:
					errs = append(errs, validate(root, ap, val, at+"."+k)...)
				}
			}
		}
	}
	if a, ok := v.([]any); ok {
		if m, ok := s["minItems"].(float64); ok && float64(len(a)) < m {
			fail("%d items, want at least %g", len(a), m)
		}
		if m, ok := s["maxItems"].(float64); ok && float64(len(a)) > m {
			fail("%d items, want at most %g", len(a), m)
		}
		prefix := asList(s["prefixItems"])
		for i, x := range a {
			if i < len(prefix) {
				errs = append(errs, validate(root, prefix[i].(map[string]any), x, fmt.Sprintf("%s[%d]", at, i))...)
			} else if it, ok := s["items"].(map[string]any); ok {
				errs = append(errs, validate(root, it, x, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	}
	if one := asList(s["oneOf"]); len(one) > 0 {
		n := 0
		var sub [][]string
		for _, alt := range one {
			e := validate(root, alt.(map[string]any), v, at)
			if len(e) == 0 {
				n++
			} else {
				sub = append(sub, e)
			}
		}
		switch {
		case n == 0:
			// Show the problems of the alternative that came closest.
			best := sub[0]
			for _, e := range sub {
				if len(e) < len(best) {
					best = e
				}
			}
			fail("matches none of the %d oneOf alternatives; the closest: %s", len(one), strings.Join(best, "; "))
		case n > 1:
			fail("matches %d of the oneOf alternatives, want 1", n)
		}
	}
	return errs
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

package session

import (
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"unicode"

	"github.com/mixdown/mixdown/dsp"
)

// Limit is the accepted range of a numeric session key.
type Limit struct {
	Min, Max float64
	// ExclusiveMin means the value must be above Min.
	ExclusiveMin bool
}

// limits gives the range of every numeric key of the session model
// (processor parameters are checked by their processors). The JSON Schema
// carries the same ranges; a test keeps them in step.
var limits = map[string]Limit{
	"version":               {Min: 0, Max: Version},
	"sample_rate_hz":        {Min: 8000, Max: 384000},
	"length_s":              {Min: 0, Max: 86400, ExclusiveMin: true},
	"tail_s":                {Min: 0, Max: 600},
	"fold_down_max_loss_db": {Min: 0, Max: 60},
	"gain_db":               {Min: -120, Max: 24},
	"pan":                   {Min: -1, Max: 1},
	"width":                 {Min: 0, Max: 2},
	"angle_deg":             {Min: -180, Max: 180},
	"lfe_db":                {Min: -120, Max: 12},
	"offset_s":              {Min: 0, Max: 86400},
	"start_s":               {Min: 0, Max: 86400},
	"end_s":                 {Min: 0, Max: 86400},
	"fade_in_s":             {Min: 0, Max: 3600},
	"fade_out_s":            {Min: 0, Max: 3600},
	"level_db":              {Min: -120, Max: 24},
	"time_s":                {Min: 0, Max: 86400},
}

// Limits returns the accepted range of each numeric key of the session
// model, by key.
func Limits() map[string]Limit {
	out := make(map[string]Limit, len(limits))
	for k, v := range limits {
		out[k] = v
	}
	return out
}

// Enums returns the accepted values of each enumerated key ("" is also
// accepted where the key is optional).
func Enums() map[string][]string {
	return map[string][]string{
		"layout":  {LayoutMono, LayoutStereo, LayoutSurround},
		"pan_law": {PanConstantPower, PanMinus45, PanLinear},
	}
}

func (l Limit) ok(x float64) bool {
	if !(x >= l.Min && x <= l.Max) { // also rejects NaN
		return false
	}
	return !(l.ExclusiveMin && x == l.Min)
}

func (l Limit) String() string {
	if l.ExclusiveMin {
		return fmt.Sprintf("(%g, %g]", l.Min, l.Max)
	}
	return fmt.Sprintf("[%g, %g]", l.Min, l.Max)
}

// LayoutChannels returns the channel count of a layout name (0 if unknown;
// "" is stereo).
func LayoutChannels(layout string) int {
	switch layout {
	case LayoutMono:
		return 1
	case LayoutStereo, "":
		return 2
	case LayoutSurround:
		return 6
	}
	return 0
}

// checker validates a decoded session.
type checker struct {
	s    *Session
	errs errList
	// nodes by name: *Track or *Bus
	names map[string]any
}

// Validate checks a session's values, names and routing without touching
// the file system. Errors wrap ErrInvalid and carry lines when the session
// came from a file.
func (s *Session) Validate() error {
	c := &checker{s: s, errs: errList{path: s.Path}, names: map[string]any{}}
	c.session()
	return c.errs.err()
}

func (c *checker) addf(pos Pos, key, format string, args ...any) {
	c.errs.addf(pos.KeyLine(key), format, args...)
}

// num checks a numeric key against its limit.
func (c *checker) num(pos Pos, what, key string, x float64) {
	l := limits[key]
	if !l.ok(x) {
		c.addf(pos, key, "%s%s %g out of range %s", what, key, x, l)
	}
}

func (c *checker) enum(pos Pos, what, key, v string) {
	if v == "" {
		return
	}
	vals := Enums()[key]
	for _, ok := range vals {
		if v == ok {
			return
		}
	}
	c.addf(pos, key, "%s%s %q: use %s%s", what, key, v, quoteList(vals), didYouMean(v, vals))
}

func quoteList(vals []string) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = fmt.Sprintf("%q", v)
	}
	if len(q) > 1 {
		return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
	}
	return strings.Join(q, "")
}

var nameRE = regexp.MustCompile(`^[^\x00-\x1f/\\]{1,100}$`)

func (c *checker) session() {
	s := c.s
	top := s.Pos
	if s.Version != 0 && s.Version != Version {
		c.addf(top, "version", "version %d: this mixdown reads version %d", s.Version, Version)
	}
	if s.SampleRateHz != 0 {
		c.num(top, "", "sample_rate_hz", float64(s.SampleRateHz))
	}
	c.enum(top, "", "layout", s.Layout)
	c.enum(top, "", "pan_law", s.PanLaw)
	if s.LengthS != nil {
		c.num(top, "", "length_s", *s.LengthS)
	}
	if s.TailS != nil {
		c.num(top, "", "tail_s", *s.TailS)
	}
	if s.FoldDownMaxLossDB != nil {
		c.num(top, "", "fold_down_max_loss_db", *s.FoldDownMaxLossDB)
		if s.OutputLayout() != LayoutSurround {
			c.addf(top, "fold_down_max_loss_db", "fold_down_max_loss_db applies to 5.1 sessions only")
		}
	}
	if len(s.Tracks) == 0 {
		c.addf(top, "tracks", "the session has no tracks")
	}
	// Names first, so that references can be checked in any order.
	for i := range s.Tracks {
		t := &s.Tracks[i]
		c.name(t.Pos, "track", t.Name, t)
	}
	for i := range s.Buses {
		b := &s.Buses[i]
		c.name(b.Pos, "bus", b.Name, b)
	}
	for i := range s.Tracks {
		c.track(&s.Tracks[i])
	}
	for i := range s.Buses {
		c.bus(&s.Buses[i])
	}
	c.master()
	if len(c.errs.errs) == 0 {
		c.cycles()
	}
}

func (c *checker) name(pos Pos, kind, name string, node any) {
	switch {
	case name == "":
		c.addf(pos, "name", "%s without a name", kind)
		return
	case name == Master:
		c.addf(pos, "name", "%s %q: the name %q is reserved for the master bus", kind, name, Master)
		return
	case !nameRE.MatchString(name) || strings.TrimSpace(name) != name || !printable(name):
		c.addf(pos, "name", "%s %q: names are 1 to 100 printable characters without slashes or surrounding spaces", kind, name)
		return
	}
	if prev, dup := c.names[name]; dup {
		c.addf(pos, "name", "%s %q: the name is already used by the %s on line %d", kind, name, kindOf(prev), posOf(prev).Line())
		return
	}
	c.names[name] = node
}

func printable(s string) bool {
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

func kindOf(n any) string {
	if _, ok := n.(*Track); ok {
		return "track"
	}
	return "bus"
}

func posOf(n any) Pos {
	switch n := n.(type) {
	case *Track:
		return n.Pos
	case *Bus:
		return n.Pos
	}
	return Pos{}
}

// destLayout returns the layout of the bus a node feeds.
func (c *checker) destLayout(output string) string {
	if b, ok := c.names[output].(*Bus); ok && output != "" {
		if b.Layout != "" {
			return b.Layout
		}
	}
	return c.s.OutputLayout()
}

// strip holds the channel-strip fields tracks and buses share.
type strip struct {
	what       string // `track "x": `
	pos        Pos
	name       string
	gainDB     float64
	pan        float64
	panLaw     string
	width      *float64
	angleDeg   *float64
	lfeDB      *float64
	inserts    []Insert
	sends      []Send
	output     string
	automation *Automation
}

func (c *checker) track(t *Track) {
	what := fmt.Sprintf("track %q: ", t.Name)
	if t.File == "" {
		c.addf(t.Pos, "file", "%sno file", what)
	}
	c.num(t.Pos, what, "offset_s", t.OffsetS)
	c.num(t.Pos, what, "start_s", t.StartS)
	c.num(t.Pos, what, "end_s", t.EndS)
	c.num(t.Pos, what, "fade_in_s", t.FadeInS)
	c.num(t.Pos, what, "fade_out_s", t.FadeOutS)
	if t.EndS != 0 && t.EndS <= t.StartS {
		c.addf(t.Pos, "end_s", "%send_s %g is not after start_s %g", what, t.EndS, t.StartS)
	} else if t.EndS != 0 && t.FadeInS+t.FadeOutS > t.EndS-t.StartS+1e-9 {
		c.addf(t.Pos, "fade_out_s", "%sfades of %g s and %g s are longer than the region (%g s)", what, t.FadeInS, t.FadeOutS, t.EndS-t.StartS)
	}
	c.strip(strip{what: what, pos: t.Pos, name: t.Name, gainDB: t.GainDB, pan: t.Pan, panLaw: t.PanLaw, width: t.Width,
		angleDeg: t.AngleDeg, lfeDB: t.LFEDB, inserts: t.Inserts, sends: t.Sends, output: t.Output, automation: &t.Automation})
}

func (c *checker) bus(b *Bus) {
	what := fmt.Sprintf("bus %q: ", b.Name)
	c.enum(b.Pos, what, "layout", b.Layout)
	c.strip(strip{what: what, pos: b.Pos, name: b.Name, gainDB: b.GainDB, pan: b.Pan, panLaw: b.PanLaw, width: b.Width,
		angleDeg: b.AngleDeg, lfeDB: b.LFEDB, inserts: b.Inserts, sends: b.Sends, output: b.Output, automation: &b.Automation})
}

func (c *checker) strip(st strip) {
	c.num(st.pos, st.what, "gain_db", st.gainDB)
	c.num(st.pos, st.what, "pan", st.pan)
	c.enum(st.pos, st.what, "pan_law", st.panLaw)
	if st.width != nil {
		c.num(st.pos, st.what, "width", *st.width)
	}
	surround := c.destLayout(st.output) == LayoutSurround
	if st.angleDeg != nil {
		c.num(st.pos, st.what, "angle_deg", *st.angleDeg)
		if !surround {
			c.addf(st.pos, "angle_deg", "%sangle_deg needs a 5.1 destination (this one feeds a %s bus)", st.what, c.destLayout(st.output))
		}
	}
	if st.lfeDB != nil {
		c.num(st.pos, st.what, "lfe_db", *st.lfeDB)
		if !surround {
			c.addf(st.pos, "lfe_db", "%slfe_db needs a 5.1 destination (this one feeds a %s bus)", st.what, c.destLayout(st.output))
		}
	}
	if st.output != "" && st.output != Master {
		switch n := c.names[st.output].(type) {
		case *Bus:
			if n.Name == st.name {
				c.addf(st.pos, "output", "%soutput: a bus cannot feed itself", st.what)
			}
		case *Track:
			c.addf(st.pos, "output", "%soutput %q is a track; outputs go to buses or %q", st.what, st.output, Master)
		default:
			c.addf(st.pos, "output", "%soutput %q: no such bus%s", st.what, st.output, didYouMean(st.output, c.busNames()))
		}
	}
	c.inserts(st.what, st.name, st.inserts)
	sendTo := map[string]bool{}
	for i := range st.sends {
		sd := &st.sends[i]
		w := fmt.Sprintf("%ssend to %q: ", st.what, sd.To)
		c.num(sd.Pos, w, "level_db", sd.LevelDB)
		switch n := c.names[sd.To].(type) {
		case *Bus:
			if n.Name == st.name {
				c.addf(sd.Pos, "to", "%sa bus cannot send to itself", st.what)
			}
		case *Track:
			c.addf(sd.Pos, "to", "%ssend to %q: that is a track; sends go to buses", st.what, sd.To)
		default:
			if sd.To == "" {
				c.addf(sd.Pos, "to", "%ssend without \"to\"", st.what)
			} else if sd.To == Master {
				c.addf(sd.Pos, "to", "%ssend to %q: sends go to buses (route the output instead)", st.what, sd.To)
			} else {
				c.addf(sd.Pos, "to", "%ssend to %q: no such bus%s", st.what, sd.To, didYouMean(sd.To, c.busNames()))
			}
		}
		if sendTo[sd.To] && sd.To != "" {
			c.addf(sd.Pos, "to", "%stwo sends to %q", st.what, sd.To)
		}
		sendTo[sd.To] = true
	}
	a := st.automation
	w := st.what + "automation: "
	c.envelope(a.Pos, w, "gain_db", "gain_db", a.GainDB)
	c.envelope(a.Pos, w, "pan", "pan", a.Pan)
	c.envelope(a.Pos, w, "angle_deg", "angle_deg", a.AngleDeg)
	if len(a.AngleDeg) > 0 && !surround {
		c.addf(a.Pos, "angle_deg", "%sangle_deg needs a 5.1 destination", w)
	}
	keys := make([]string, 0, len(a.SendDB))
	for k := range a.SendDB {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, to := range keys {
		if !sendTo[to] {
			c.addf(a.Pos, "send_db", "%ssend_db: %q is not one of this %ssends", w, to, strings.SplitN(st.what, " ", 2)[0]+"'s ")
			continue
		}
		if len(a.SendDB[to]) == 0 {
			c.addf(a.Pos, "send_db", "%ssend_db: %s: an envelope needs at least one breakpoint", w, to)
			continue
		}
		c.envelope(a.Pos, w, "send_db", "level_db", a.SendDB[to])
	}
}

func (c *checker) busNames() []string {
	var names []string
	for _, b := range c.s.Buses {
		names = append(names, b.Name)
	}
	return names
}

// envelope checks breakpoints: finite, in time order, values in range.
func (c *checker) envelope(pos Pos, what, key, limitKey string, e Envelope) {
	if e == nil {
		return
	}
	if len(e) == 0 {
		c.addf(pos, key, "%s%s: an envelope needs at least one breakpoint", what, key)
		return
	}
	lt, lv := limits["time_s"], limits[limitKey]
	for i, p := range e {
		switch {
		case !lt.ok(p.TimeS):
			c.addf(pos, key, "%s%s: breakpoint %d: time %g s out of range %s", what, key, i+1, p.TimeS, lt)
		case i > 0 && p.TimeS < e[i-1].TimeS:
			c.addf(pos, key, "%s%s: breakpoint %d: time %g s is before the previous breakpoint (%g s)", what, key, i+1, p.TimeS, e[i-1].TimeS)
		case !lv.ok(p.Value):
			c.addf(pos, key, "%s%s: breakpoint %d: value %g out of range %s", what, key, i+1, p.Value, lv)
		}
	}
}

// inserts checks each insert's kind, parameters and sidechain.
func (c *checker) inserts(what, self string, ins []Insert) {
	for i := range ins {
		in := &ins[i]
		w := fmt.Sprintf("%sinsert %d (%s): ", what, i+1, in.Type)
		k, ok := in.Kind()
		if !ok {
			names := kindNames()
			c.addf(in.Pos, "type", "%sunknown insert type %q%s (known types: %s)", w, in.Type, didYouMean(in.Type, names), strings.Join(names, ", "))
			continue
		}
		if in.Params != nil && reflect.TypeOf(in.Params) != k.params {
			c.addf(in.Pos, "type", "%sparameters of type %T, want %v", w, in.Params, k.params)
			continue
		}
		p, err := in.NewProcessor()
		if err != nil {
			c.addf(in.Pos, paramKey(in.Pos, err.Error()), "%s%v", w, err)
			continue
		}
		if in.Sidechain == "" {
			continue
		}
		if _, keyed := p.(dsp.Keyed); !keyed {
			c.addf(in.Pos, "sidechain", "%sa %s does not take a sidechain", w, in.Type)
			continue
		}
		switch {
		case in.Sidechain == self:
			c.addf(in.Pos, "sidechain", "%ssidechain %q is this insert's own %s (leave sidechain out to key from the input)", w, in.Sidechain, strings.SplitN(what, " ", 2)[0])
		case in.Sidechain == Master:
			c.addf(in.Pos, "sidechain", "%ssidechain %q: the master cannot key anything upstream of it", w, in.Sidechain)
		case c.names[in.Sidechain] == nil:
			var all []string
			for n := range c.names {
				all = append(all, n)
			}
			sort.Strings(all)
			c.addf(in.Pos, "sidechain", "%ssidechain %q: no such track or bus%s", w, in.Sidechain, didYouMean(in.Sidechain, all))
		}
	}
}

// paramKey guesses which of an insert's keys a processor's error is about,
// so that the error points at that key's line: the longest key (or its
// spelling with spaces for underscores) that the message mentions.
func paramKey(pos Pos, msg string) string {
	n := pos.node
	if n == nil {
		return ""
	}
	msg = strings.ToLower(msg)
	best := ""
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i].Value
		if len(k) <= len(best) || k == "type" {
			continue
		}
		if strings.Contains(msg, k) || strings.Contains(msg, strings.ReplaceAll(k, "_", " ")) {
			best = k
		}
	}
	return best
}

func (c *checker) master() {
	m := &c.s.Master
	what := "master: "
	c.num(m.Pos, what, "gain_db", m.GainDB)
	c.inserts(what, Master, m.Inserts)
	c.envelope(m.Automation.Pos, what+"automation: ", "gain_db", "gain_db", m.Automation.GainDB)
}

// edge is a dependency in the routing graph: to needs from's signal.
type edge struct {
	from, to string
	how      string // "output", "send", "sidechain"
	pos      Pos
	key      string
}

// Edges returns the routing graph's dependencies: for each track and bus,
// the nodes its signal reaches (output and sends) and, for each keyed
// insert, the node that keys it.
func (c *checker) edges() []edge {
	var es []edge
	add := func(name, output string, sends []Send, ins []Insert, pos Pos) {
		if output == "" {
			output = Master
		}
		es = append(es, edge{from: name, to: output, how: "output", pos: pos, key: "output"})
		for _, sd := range sends {
			es = append(es, edge{from: name, to: sd.To, how: "send", pos: sd.Pos, key: "to"})
		}
		for _, in := range ins {
			if in.Sidechain != "" {
				es = append(es, edge{from: in.Sidechain, to: name, how: "sidechain", pos: in.Pos, key: "sidechain"})
			}
		}
	}
	for _, t := range c.s.Tracks {
		add(t.Name, t.Output, t.Sends, t.Inserts, t.Pos)
	}
	for _, b := range c.s.Buses {
		add(b.Name, b.Output, b.Sends, b.Inserts, b.Pos)
	}
	for _, in := range c.s.Master.Inserts {
		if in.Sidechain != "" {
			es = append(es, edge{from: in.Sidechain, to: Master, how: "sidechain", pos: in.Pos, key: "sidechain"})
		}
	}
	return es
}

// cycles reports a routing loop (through outputs, sends or sidechains),
// spelled out node by node.
func (c *checker) cycles() {
	es := c.edges()
	out := map[string][]edge{}
	for _, e := range es {
		out[e.from] = append(out[e.from], e)
	}
	const (
		unvisited = iota
		active
		done
	)
	state := map[string]int{}
	var stack []edge
	var found bool
	var visit func(n string)
	visit = func(n string) {
		state[n] = active
		for _, e := range out[n] {
			if found {
				return
			}
			switch state[e.to] {
			case active:
				// The cycle is the part of the stack from e.to on, plus e.
				start := 0
				for i, s := range stack {
					if s.from == e.to {
						start = i
						break
					}
				}
				cyc := append(append([]edge(nil), stack[start:]...), e)
				var b strings.Builder
				for _, ce := range cyc {
					fmt.Fprintf(&b, "%s -(%s)-> ", c.label(ce.from), ce.how)
				}
				b.WriteString(c.label(e.to))
				c.addf(e.pos, e.key, "routing cycle: %s", b.String())
				found = true
				return
			case unvisited:
				stack = append(stack, e)
				visit(e.to)
				stack = stack[:len(stack)-1]
			}
		}
		state[n] = done
	}
	var names []string
	for _, t := range c.s.Tracks {
		names = append(names, t.Name)
	}
	for _, b := range c.s.Buses {
		names = append(names, b.Name)
	}
	for _, n := range names {
		if state[n] == unvisited && !found {
			visit(n)
		}
	}
}

// label names a node for messages: track "x", bus "y" or master.
func (c *checker) label(n string) string {
	if n == Master {
		return "master"
	}
	return fmt.Sprintf("%s %q", kindOf(c.names[n]), n)
}

package session

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// ErrInvalid is wrapped by every error Parse, Load and Validate return
// for a session that is malformed or inconsistent.
var ErrInvalid = errors.New("invalid session")

// Error is one problem in a session, located in its file when known.
type Error struct {
	// Path of the session file ("" when built in code).
	Path string
	// Line in the file (1-based), 0 when unknown.
	Line int
	// Msg describes the problem, naming the track or bus.
	Msg string
	// Err is an underlying cause (for example fs.ErrNotExist for a
	// missing source file), or nil.
	Err error
}

func (e *Error) Error() string {
	switch {
	case e.Path != "" && e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	case e.Path != "":
		return e.Path + ": " + e.Msg
	case e.Line > 0:
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

// Unwrap returns ErrInvalid and the cause, if any.
func (e *Error) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrInvalid, e.Err}
	}
	return []error{ErrInvalid}
}

// Errors is every problem found in a session, in line order.
type Errors []*Error

// maxErrors caps how many problems are collected.
const maxErrors = 25

func (es Errors) Error() string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap returns the individual errors.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// errList collects errors for one file.
type errList struct {
	path string
	errs Errors
	full bool
}

func (l *errList) add(line int, cause error, format string, args ...any) {
	if len(l.errs) >= maxErrors {
		l.full = true
		return
	}
	l.errs = append(l.errs, &Error{Path: l.path, Line: line, Msg: fmt.Sprintf(format, args...), Err: cause})
}

func (l *errList) addf(line int, format string, args ...any) { l.add(line, nil, format, args...) }

// err returns nil or the collected errors sorted by line (stable, so that
// problems on one line keep their order).
func (l *errList) err() error {
	if len(l.errs) == 0 {
		return nil
	}
	es := append(Errors(nil), l.errs...)
	sort.SliceStable(es, func(i, j int) bool { return es[i].Line < es[j].Line })
	if l.full {
		es = append(es, &Error{Path: l.path, Msg: fmt.Sprintf("(stopped after %d problems)", maxErrors)})
	}
	if len(es) == 1 {
		return es[0]
	}
	return es
}

// didYouMean returns ` (did you mean "x"?)` for the closest candidate
// within a small edit distance, or "".
func didYouMean(s string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" && len(s) >= 3 {
		// A prefix of a candidate: "sample_rate" for "sample_rate_hz".
		for _, c := range candidates {
			if strings.HasPrefix(c, s) {
				best = c
				break
			}
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 99
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

package report

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Threshold is an alert on a figure of a report, written PATH OP NUMBER, such as
// queries.openOver30Days>0 or completeness.percentComplete<95: PATH names a number of the
// report's JSON (section.member), OP is one of > >= < <= == !=. It is breached when the
// comparison holds.
type Threshold struct {
	Path  string
	Op    string
	Value float64
	text  string
}

// String returns the threshold as written.
func (t Threshold) String() string { return t.text }

// Section returns the section the threshold reads.
func (t Threshold) Section() Section {
	s, _, _ := strings.Cut(t.Path, ".")
	return Section(s)
}

// ParseThreshold reads a threshold such as "queries.openOver30Days>0".
func ParseThreshold(s string) (Threshold, error) {
	text := strings.TrimSpace(s)
	i := strings.IndexAny(text, "<>=!")
	if i <= 0 {
		return Threshold{}, fmt.Errorf("threshold %q: want PATH OP NUMBER, such as queries.openOver30Days>0", s)
	}
	path := strings.TrimSpace(text[:i])
	rest := text[i:]
	var op string
	for _, o := range []string{">=", "<=", "==", "!=", ">", "<"} {
		if strings.HasPrefix(rest, o) {
			op = o
			break
		}
	}
	if op == "" {
		return Threshold{}, fmt.Errorf("threshold %q: unknown comparison %q (use > >= < <= == !=)", s, rest[:1])
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(rest[len(op):]), 64)
	if err != nil {
		return Threshold{}, fmt.Errorf("threshold %q: %q is not a number", s, strings.TrimSpace(rest[len(op):]))
	}
	sec, member, ok := strings.Cut(path, ".")
	if !ok || member == "" {
		return Threshold{}, fmt.Errorf("threshold %q: the path %q names no member of a section (such as queries.open)", s, path)
	}
	if _, err := ParseSection(sec); err != nil {
		return Threshold{}, fmt.Errorf("threshold %q: %w", s, err)
	}
	return Threshold{Path: path, Op: op, Value: v, text: text}, nil
}

// Check evaluates the threshold on a report that holds its section: the figure, and whether
// the threshold is breached. A path that names no number of the report is an error.
func (t Threshold) Check(r *Report) (value float64, breached bool, err error) {
	b, err := json.Marshal(r)
	if err != nil {
		return 0, false, err
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return 0, false, err
	}
	var cur any = doc
	for _, p := range strings.Split(t.Path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return 0, false, fmt.Errorf("threshold %s: %s is not a member of the report", t, t.Path)
		}
		if cur, ok = m[p]; !ok {
			return 0, false, fmt.Errorf("threshold %s: %s is not a member of the report", t, t.Path)
		}
	}
	switch x := cur.(type) {
	case float64:
		value = x
	case bool:
		if x {
			value = 1
		}
	default:
		return 0, false, fmt.Errorf("threshold %s: %s is not a number", t, t.Path)
	}
	switch t.Op {
	case ">":
		breached = value > t.Value
	case ">=":
		breached = value >= t.Value
	case "<":
		breached = value < t.Value
	case "<=":
		breached = value <= t.Value
	case "==":
		breached = value == t.Value
	case "!=":
		breached = value != t.Value
	}
	return value, breached, nil
}

package filterexpr

import (
	"cmp"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Compare compares a value from the data, a, with a filter value, b, and
// returns -1, 0 or +1 as a is less than, equal to or greater than b:
//
//   - if both are decimal numbers (accepted by [strconv.ParseFloat] and made
//     only of digits, signs, '.', 'e' and 'E', so NaN, Inf and hexadecimal
//     forms are not numbers), they are compared numerically ("10" > "9");
//   - else if both are timestamps they are compared as instants. Accepted
//     forms are 2006-01-02T15:04:05 and 2006-01-02 15:04:05, each with
//     optional fractional seconds and an optional zone ("Z" or ±07:00), and
//     the date-only 2006-01-02. A timestamp without a zone is in UTC. When
//     either side is date-only, only the calendar dates (in UTC) are
//     compared, so "2024-01-02T23:00:00Z" equals "2024-01-02";
//   - else if both are "true" or "false" (in any letter case) they are
//     compared as booleans, false < true;
//   - otherwise they are compared as strings, case-sensitively, in byte
//     order.
func Compare(a, b string) int {
	if x, ok := parseNumber(a); ok {
		if y, ok := parseNumber(b); ok {
			return cmp.Compare(x, y)
		}
	}
	if x, xDate, ok := parseTime(a); ok {
		if y, yDate, ok := parseTime(b); ok {
			if xDate || yDate {
				x, y = utcDate(x), utcDate(y)
			}
			return x.Compare(y)
		}
	}
	if x, ok := parseBool(a); ok {
		if y, ok := parseBool(b); ok {
			switch {
			case x == y:
				return 0
			case y:
				return -1
			default:
				return +1
			}
		}
	}
	return strings.Compare(a, b)
}

func parseNumber(s string) (float64, bool) {
	if s == "" || strings.ContainsFunc(s, func(r rune) bool {
		return !('0' <= r && r <= '9' || strings.ContainsRune("+-.eE", r))
	}) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	// Out-of-range numbers parse as ±Inf, which still compares correctly.
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return f, true
}

// timeLayouts are tried in order. time.Parse accepts fractional seconds
// after the seconds field even though the layouts do not mention them, and
// "Z07:00" accepts both "Z" and a numeric offset.
var timeLayouts = [...]string{
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05",
}

const dateLayout = "2006-01-02"

// parseTime parses s as a timestamp and reports whether it is date-only.
// Timestamps without a zone are in UTC.
func parseTime(s string) (t time.Time, dateOnly, ok bool) {
	if len(s) < len(dateLayout) || s[4] != '-' {
		return time.Time{}, false, false // cheap rejection of most non-dates
	}
	if len(s) == len(dateLayout) {
		t, err := time.Parse(dateLayout, s)
		return t, true, err == nil
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, false, true
		}
	}
	return time.Time{}, false, false
}

// utcDate returns midnight UTC of t's calendar date in UTC.
func utcDate(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func parseBool(s string) (value, ok bool) {
	switch {
	case strings.EqualFold(s, "true"):
		return true, true
	case strings.EqualFold(s, "false"):
		return false, true
	}
	return false, false
}

// Match reports whether t matches an attribute with the given values; ok
// is false when the attribute is absent. An absent attribute satisfies only
// "!=". Otherwise "==" holds if some value is equal to t.Value by [Compare],
// "!=" if none is, "<", "<=", ">" and ">=" if some value satisfies the
// comparison, and "=~" if some value matches t.Value as a case-insensitive,
// unanchored regular expression (or, when t.Value is not a valid regular
// expression, contains it as a case-insensitive substring). A term with an
// unknown operator never matches.
//
// Match compiles the regular expression of a "=~" term on every call; use
// [Compile] to evaluate the same filter repeatedly.
func (t Term) Match(values []string, ok bool) bool {
	c := compileTerm(t)
	return c.match(values, ok)
}

// Matcher is a compiled [Expr] for repeated evaluation. It is safe for
// concurrent use by multiple goroutines.
type Matcher struct {
	or [][]compiledTerm
}

// compiledTerm is a Term with its "=~" pattern compiled.
type compiledTerm struct {
	Term
	re   *regexp.Regexp // the case-insensitive pattern, for a valid "=~" value
	fold string         // the lower-cased value, for an invalid "=~" pattern
}

func compileTerm(t Term) compiledTerm {
	c := compiledTerm{Term: t}
	if t.Op == Match {
		if re, err := regexp.Compile("(?i)" + t.Value); err == nil {
			c.re = re
		} else {
			c.fold = strings.ToLower(t.Value)
		}
	}
	return c
}

func (c *compiledTerm) match(values []string, ok bool) bool {
	if !ok {
		return c.Op == Ne
	}
	var pred func(v string) bool
	switch c.Op {
	case Eq:
		pred = func(v string) bool { return Compare(v, c.Value) == 0 }
	case Ne:
		for _, v := range values {
			if Compare(v, c.Value) == 0 {
				return false
			}
		}
		return true
	case Lt:
		pred = func(v string) bool { return Compare(v, c.Value) < 0 }
	case Le:
		pred = func(v string) bool { return Compare(v, c.Value) <= 0 }
	case Gt:
		pred = func(v string) bool { return Compare(v, c.Value) > 0 }
	case Ge:
		pred = func(v string) bool { return Compare(v, c.Value) >= 0 }
	case Match:
		if c.re != nil {
			pred = c.re.MatchString
		} else {
			pred = func(v string) bool { return strings.Contains(strings.ToLower(v), c.fold) }
		}
	default:
		return false
	}
	for _, v := range values {
		if pred(v) {
			return true
		}
	}
	return false
}

// Compile prepares e for repeated evaluation, compiling the pattern of each
// "=~" term once. Use it in hot paths, such as a server evaluating one
// parsed filter against many records or on many goroutines.
func Compile(e Expr) *Matcher {
	m := &Matcher{or: make([][]compiledTerm, len(e.Or))}
	for i, conj := range e.Or {
		m.or[i] = make([]compiledTerm, len(conj))
		for j, t := range conj {
			m.or[i][j] = compileTerm(t)
		}
	}
	return m
}

// Match reports whether the record described by lookup matches the
// compiled filter. lookup returns the values of an attribute as the API
// prints them, or ok == false if the record has no such attribute; it may be
// called several times for the same attribute. A nil Matcher, or one
// compiled from the zero Expr, matches everything. A conjunction matches
// when all its terms do (an empty conjunction always matches) and the
// filter matches when any conjunction does; evaluation stops early.
func (m *Matcher) Match(lookup func(attr string) (values []string, ok bool)) bool {
	if m == nil || len(m.or) == 0 {
		return true
	}
	for _, conj := range m.or {
		if matchAll(conj, lookup) {
			return true
		}
	}
	return false
}

// matchAll reports whether every term of conj matches.
func matchAll(conj []compiledTerm, lookup func(string) ([]string, bool)) bool {
	for i := range conj {
		values, ok := lookup(conj[i].Attr)
		if !conj[i].match(values, ok) {
			return false
		}
	}
	return true
}

// Eval reports whether the record described by lookup matches e; see
// [Matcher.Match] and [Term.Match] for the semantics. Eval compiles e on
// every call; when the same filter is evaluated many times, call [Compile]
// once and use [Matcher.Match] instead.
func (e Expr) Eval(lookup func(attr string) (values []string, ok bool)) bool {
	return Compile(e).Match(lookup)
}

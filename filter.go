package imednet

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/imednet/imednet-go/internal/filterexpr"
)

// Filter is a filter for a list endpoint's filter (or recordDataFilter) parameter, built from
// comparisons joined with And and Or:
//
//	f := imednet.Eq("siteId", 3).And(imednet.Gt("dateModified", since))
//	g := imednet.Eq("subjectStatus", "Enrolled").Or(imednet.Eq("subjectStatus", "Screened"))
//
// It prints the API's grammar: `==`, `!=`, `<`, `<=`, `>`, `>=` and `=~` (contains, for
// record data), `;` for AND and `,` for OR, values quoted and escaped when they need it, times
// as RFC 3339 in UTC. Attribute names are checked; a Filter built from an invalid one carries
// the error and makes the call that uses it fail before anything is sent.
//
// The zero Filter means "no filter". A Filter is immutable; And and Or return new ones.
type Filter struct {
	expr filterexpr.Expr
	raw  string
	err  error
}

// RawFilter passes s to the API as it is, for expressions the builder cannot make.
func RawFilter(s string) Filter { return Filter{raw: strings.TrimSpace(s)} }

// Eq matches items whose attr equals value.
func Eq(attr string, value any) Filter { return term(attr, filterexpr.Eq, value) }

// Ne matches items whose attr differs from value.
func Ne(attr string, value any) Filter { return term(attr, filterexpr.Ne, value) }

// Lt matches items whose attr is less than value.
func Lt(attr string, value any) Filter { return term(attr, filterexpr.Lt, value) }

// Le matches items whose attr is less than or equal to value.
func Le(attr string, value any) Filter { return term(attr, filterexpr.Le, value) }

// Gt matches items whose attr is greater than value.
func Gt(attr string, value any) Filter { return term(attr, filterexpr.Gt, value) }

// Ge matches items whose attr is greater than or equal to value.
func Ge(attr string, value any) Filter { return term(attr, filterexpr.Ge, value) }

// Contains matches record data whose variable attr contains pattern, case-insensitively (the
// API's `=~`, documented for recordDataFilter; the pattern may be a regular expression).
func Contains(attr, pattern string) Filter { return term(attr, filterexpr.Match, pattern) }

func term(attr string, op filterexpr.Op, value any) Filter {
	v, err := FormatFilterValue(value)
	if err != nil {
		return Filter{err: fmt.Errorf("imednet: filter on %q: %w", attr, err)}
	}
	t := filterexpr.Term{Attr: attr, Op: op, Value: v}
	if err := t.Validate(); err != nil {
		return Filter{err: fmt.Errorf("imednet: %w", err)}
	}
	return Filter{expr: filterexpr.And(t)}
}

// FormatFilterValue prints a Go value as a filter value: strings as they are, integers and
// floats in decimal, booleans as true/false, times (time.Time or Timestamp) as RFC 3339 in
// UTC (a date-only Timestamp as 2006-01-02), and fmt.Stringers by their String method.
func FormatFilterValue(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case int:
		return strconv.Itoa(x), nil
	case int8, int16, int32, int64:
		return fmt.Sprintf("%d", x), nil
	case uint, uint8, uint16, uint32, uint64:
		return fmt.Sprintf("%d", x), nil
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(x), nil
	case time.Time:
		return x.UTC().Format(time.RFC3339), nil
	case Timestamp:
		if !x.Valid() {
			return "", fmt.Errorf("timestamp %q has no time", x.Raw)
		}
		if x.DateOnly {
			return x.Time.Format(time.DateOnly), nil
		}
		return x.Time.UTC().Format(time.RFC3339), nil
	case fmt.Stringer:
		return x.String(), nil
	case nil:
		return "", fmt.Errorf("nil value")
	}
	return "", fmt.Errorf("cannot use a %T as a filter value", v)
}

// And returns a filter that matches when f and every one of others match. (AND binds tighter
// than OR in the API's grammar, so an And of Ors is expanded into an Or of Ands.)
func (f Filter) And(others ...Filter) Filter {
	return f.combine(others, filterexpr.Conjoin)
}

// Or returns a filter that matches when f or any one of others matches.
func (f Filter) Or(others ...Filter) Filter {
	return f.combine(others, func(a, b filterexpr.Expr) filterexpr.Expr { return filterexpr.Or(a, b) })
}

// combine joins f and others, left to right, with join; the first error wins.
func (f Filter) combine(others []Filter, join func(a, b filterexpr.Expr) filterexpr.Expr) Filter {
	out := f
	for _, g := range others {
		switch {
		case out.err != nil:
			return out
		case g.err != nil:
			return g
		case out.raw != "" || g.raw != "":
			return Filter{err: fmt.Errorf("imednet: a RawFilter cannot be combined with And or Or")}
		}
		out = Filter{expr: join(out.expr, g.expr)}
	}
	return out
}

// IsZero reports whether f is empty (no filter).
func (f Filter) IsZero() bool { return f.err == nil && f.raw == "" && f.expr.IsZero() }

// Err returns the error a filter was built with, such as an invalid attribute name.
func (f Filter) Err() error { return f.err }

// String returns the filter in the API's grammar ("" for no filter, or when f has an error).
func (f Filter) String() string {
	if f.err != nil {
		return ""
	}
	if f.raw != "" {
		return f.raw
	}
	return f.expr.String()
}

// Sort orders a list by one property. Lists accept several, most significant first.
type Sort struct {
	Property   string
	Descending bool
}

// Asc sorts by property in ascending order.
func Asc(property string) Sort { return Sort{Property: property} }

// Desc sorts by property in descending order.
func Desc(property string) Sort { return Sort{Property: property, Descending: true} }

// String returns the sort parameter's value, e.g. "siteId,ASC".
func (s Sort) String() string {
	if s.Descending {
		return s.Property + ",DESC"
	}
	return s.Property + ",ASC"
}

func validAttr(name string) error { return filterexpr.ValidAttr(name) }

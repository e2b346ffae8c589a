package imednettest

import (
	"strconv"

	"github.com/imednet/imednet-go/internal/wire"
)

// Every list endpoint is described by its fields, in the order the API prints them. The same
// description encodes items, evaluates filters and sorts, so a filter always sees an attribute
// exactly as the API prints it.

// kind is how a field is printed.
type kind uint8

const (
	kInt   kind = iota // integer
	kStr               // string (null when value.null)
	kBool              // true/false
	kTime              // Unix seconds printed as "2006-01-02 15:04:05" (null when value.null)
	kDate              // "2006-01-02" in value.s (null when value.null)
	kOID               // a string made of the prefix value.s and the number value.n ("REC-12")
	kTime7             // Unix nanoseconds printed as [y,m,d,h,mi,s,ns]
	kList              // array of objects with the sub fields
	kRaw               // printed by a custom appender (recordData); not filterable or sortable
)

// value is a field's value for one item.
type value struct {
	n    int64
	s    string
	null bool
}

func vInt(n int64) value  { return value{n: n} }
func vStr(s string) value { return value{s: s} }
func vTime(t int64) value { return value{n: t} }
func vBool(b bool) value {
	if b {
		return value{n: 1}
	}
	return value{}
}

var vNull = value{null: true}

// fieldCtx is what a field accessor reads from.
type fieldCtx struct {
	srv *Server
	st  *Study
	buf []byte // scratch
}

type field struct {
	name string
	kind kind
	key  []byte // `"name":`
	// get returns the value for item i (and list element j, for the fields of a list).
	get func(c *fieldCtx, i, j int) value
	// For kList: the number of elements and their fields.
	n   func(c *fieldCtx, i int) int
	sub []*field
	// For kRaw.
	raw func(b []byte, c *fieldCtx, i int) []byte
	// group, when set, maps an item to one of ngroups groups whose items all print the same
	// value for this field (the form of a record, for formKey): a filter term on the field is
	// then evaluated once per group.
	group   func(c *fieldCtx, i int) int
	ngroups func(c *fieldCtx) int
}

// grouped sets a field's group function.
func grouped(f *field, ngroups func(c *fieldCtx) int, group func(c *fieldCtx, i int) int) *field {
	f.group, f.ngroups = group, ngroups
	return f
}

func scalar(name string, k kind, get func(c *fieldCtx, i, j int) value) *field {
	return &field{name: name, kind: k, get: get}
}

func list(name string, n func(c *fieldCtx, i int) int, sub ...*field) *field {
	return &field{name: name, kind: kList, n: n, sub: sub}
}

func rawField(name string, raw func(b []byte, c *fieldCtx, i int) []byte) *field {
	return &field{name: name, kind: kRaw, raw: raw}
}

func initKeys(f *field) {
	f.key = wire.AppendString(nil, f.name)
	f.key = append(f.key, ':')
	for _, s := range f.sub {
		initKeys(s)
	}
}

// appendItem appends item i (element j of a list) as a JSON object of fields fs.
func appendItem(b []byte, c *fieldCtx, fs []*field, i, j int) []byte {
	b = append(b, '{')
	for k, f := range fs {
		if k > 0 {
			b = append(b, ',')
		}
		b = append(b, f.key...)
		switch f.kind {
		case kList:
			n := f.n(c, i)
			b = append(b, '[')
			for x := range n {
				if x > 0 {
					b = append(b, ',')
				}
				b = appendItem(b, c, f.sub, i, x)
			}
			b = append(b, ']')
		case kRaw:
			b = f.raw(b, c, i)
		default:
			b = appendValue(b, f.kind, f.get(c, i, j))
		}
	}
	return append(b, '}')
}

func appendValue(b []byte, k kind, v value) []byte {
	if v.null {
		return append(b, "null"...)
	}
	switch k {
	case kInt:
		return appendInt(b, v.n)
	case kBool:
		return appendBool(b, v.n != 0)
	case kTime:
		b = append(b, '"')
		b = appendAPITime(b, v.n)
		return append(b, '"')
	case kTime7:
		return appendTime7(b, v.n)
	case kOID:
		b = append(b, '"')
		b = append(b, v.s...) // the prefix is plain ASCII
		b = appendInt(b, v.n)
		return append(b, '"')
	}
	return wire.AppendString(b, v.s)
}

// printed returns v as the API prints it, without JSON quoting, for filters; ok is false for
// null.
func printed(k kind, v value) (string, bool) {
	if v.null {
		return "", false
	}
	switch k {
	case kInt:
		return strconv.FormatInt(v.n, 10), true
	case kBool:
		if v.n != 0 {
			return "true", true
		}
		return "false", true
	case kTime:
		return apiTime(v.n), true
	case kTime7:
		return apiTime(floorDiv(v.n, 1e9)), true
	case kOID:
		return v.s + strconv.FormatInt(v.n, 10), true
	}
	return v.s, true
}

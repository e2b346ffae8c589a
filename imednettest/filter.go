package imednettest

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/imednet/imednet-go/internal/filterexpr"
)

// Filters are parsed with filterexpr (the grammar the client prints) and evaluated with its
// Matcher and Compare, term by term, on the attributes as the API prints them. Two
// optimisations keep large studies fast without changing a single answer:
//
//   - a comparison of a timestamp attribute (dateModified>...) is turned into a range of Unix
//     times, found by binary search with filterexpr.Compare itself (Compare is monotonic in
//     the instant for a fixed filter value, since the API's layout sorts as it reads);
//   - on /records, an equality on formKey, formId, subjectKey, subjectId or recordId selects
//     candidate records from an index; every candidate is still checked against the whole
//     filter.

// cterm is one compiled term.
type cterm struct {
	t      filterexpr.Term
	f      *field // the attribute, or the list it is in for a dotted attribute
	sub    *field // for a dotted attribute (queryComments.user): the list element's field
	rd     bool   // a recordDataFilter term: t.Attr is a variable name
	fast   bool   // a timestamp comparison reduced to [lo, hi)
	ready  bool   // lo and hi are set
	lo, hi int64
	m      *filterexpr.Matcher
	lookup func(string) ([]string, bool)
	vals   []string
	// memo holds the term's result per group of items that print the same value (see
	// field.group; booleans form two groups): 0 unknown, 1 true, 2 false.
	memo  []uint8
	group func(c *fieldCtx, i int) int
	// rdVar caches, per form, the local index of the recordData variable (-1: the form has
	// no such variable), for recordDataFilter terms; nil until first use.
	rdVar []int
}

// matcher evaluates a compiled filter on the items of one endpoint.
type matcher struct {
	or  [][]*cterm
	c   *fieldCtx
	cur int
}

// errUnknownAttr reports an attribute the endpoint's items do not have.
type attrError struct{ attr, why string }

func (e *attrError) Error() string { return "unknown attribute " + strconv.Quote(e.attr) + e.why }

// compileFilter prepares e for the items of ep; rd says it is a recordDataFilter (the
// attributes are variable names, and any name is allowed).
func compileFilter(c *fieldCtx, ep *endpoint, e filterexpr.Expr, rd bool) (*matcher, error) {
	m := &matcher{c: c}
	for _, conj := range e.Or {
		var cs []*cterm
		for _, t := range conj {
			ct := &cterm{t: t, rd: rd, m: filterexpr.Compile(filterexpr.And(t)), vals: make([]string, 0, 4)}
			if !rd {
				if err := ct.resolve(ep); err != nil {
					return nil, err
				}
			}
			ct.lookup = m.lookupFor(ct)
			cs = append(cs, ct)
		}
		m.or = append(m.or, cs)
	}
	return m, nil
}

// resolve finds the field a term names.
func (ct *cterm) resolve(ep *endpoint) error {
	attr := ct.t.Attr
	head, rest, dotted := strings.Cut(attr, ".")
	f := ep.byName[head]
	if f == nil {
		f = ep.virtualByName[head]
	}
	if f == nil {
		return &attrError{attr: attr}
	}
	switch {
	case dotted && f.kind == kList:
		for _, s := range f.sub {
			if s.name == rest {
				ct.f, ct.sub = f, s
				return nil
			}
		}
		return &attrError{attr: attr}
	case dotted:
		return &attrError{attr: attr, why: " (" + head + " has no fields)"}
	case f.kind == kList || f.kind == kRaw:
		return &attrError{attr: attr, why: " (a list or object cannot be compared; name one of its fields, such as " + head + "." + firstSub(f) + ")"}
	}
	ct.f = f
	// The range of a timestamp comparison is found on first use (a cached result needs none).
	ct.fast = f.kind == kTime && ct.t.Op != filterexpr.Match
	switch {
	case f.group != nil:
		ct.group = f.group
	case f.kind == kBool:
		ct.group = func(c *fieldCtx, i int) int { return int(f.get(c, i, 0).n) }
	}
	return nil
}

func firstSub(f *field) string {
	if len(f.sub) > 0 {
		return f.sub[0].name
	}
	return "..."
}

// firstTime returns the first Unix second t in [minUnix, maxUnix] for which
// Compare(apiTime(t), v) >= 0 (> 0 when strict), or maxUnix+1.
func firstTime(v string, strict bool) int64 {
	lo, hi := minUnix, maxUnix+1
	var buf [24]byte
	for lo < hi {
		mid := lo + (hi-lo)/2
		c := filterexpr.Compare(string(appendAPITime(buf[:0], mid)), v)
		if c > 0 || (!strict && c == 0) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// lookupFor returns the lookup function the term's Matcher calls: the values of the term's
// attribute for the current item, as the API prints them.
func (m *matcher) lookupFor(ct *cterm) func(string) ([]string, bool) {
	return func(string) ([]string, bool) {
		c, i := m.c, m.cur
		switch {
		case ct.rd:
			var s string
			var ok bool
			if j := ct.rdVar[c.st.records[i].form]; j >= 0 {
				c.buf = c.st.appendRecordValue(c.buf[:0], int32(i), j)
				s, ok = string(c.buf), true
			} else {
				s, ok = c.st.recordDataText(c, int32(i), ct.t.Attr)
			}
			if !ok {
				return nil, false
			}
			ct.vals = append(ct.vals[:0], s)
			return ct.vals, true
		case ct.sub != nil:
			n := ct.f.n(c, i)
			ct.vals = ct.vals[:0]
			for j := range n {
				if s, ok := printed(ct.sub.kind, ct.sub.get(c, i, j)); ok {
					ct.vals = append(ct.vals, s)
				}
			}
			return ct.vals, true
		}
		s, ok := printed(ct.f.kind, ct.f.get(c, i, 0))
		if !ok {
			return nil, false
		}
		ct.vals = append(ct.vals[:0], s)
		return ct.vals, true
	}
}

// match reports whether item i matches.
func (m *matcher) match(i int) bool {
	if m == nil {
		return true
	}
	m.cur = i
	for _, conj := range m.or {
		ok := true
		for _, ct := range conj {
			if !ct.eval(m, i) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func (ct *cterm) eval(m *matcher, i int) bool {
	if ct.group != nil {
		if ct.memo == nil {
			n := 2
			if ct.f.ngroups != nil {
				n = ct.f.ngroups(m.c)
			}
			ct.memo = make([]uint8, n)
		}
		g := ct.group(m.c, i)
		if r := ct.memo[g]; r != 0 {
			return r == 1
		}
		ok := ct.m.Match(ct.lookup)
		ct.memo[g] = 2
		if ok {
			ct.memo[g] = 1
		}
		return ok
	}
	if ct.rd {
		return ct.evalRecordData(m, i)
	}
	if ct.fast {
		if !ct.ready {
			ct.lo, ct.hi, ct.ready = firstTime(ct.t.Value, false), firstTime(ct.t.Value, true), true
		}
		v := ct.f.get(m.c, i, 0)
		if v.null {
			return ct.t.Op == filterexpr.Ne
		}
		if v.n >= minUnix && v.n <= maxUnix {
			var c int
			switch {
			case v.n < ct.lo:
				c = -1
			case v.n < ct.hi:
				c = 0
			default:
				c = 1
			}
			switch ct.t.Op {
			case filterexpr.Eq:
				return c == 0
			case filterexpr.Ne:
				return c != 0
			case filterexpr.Lt:
				return c < 0
			case filterexpr.Le:
				return c <= 0
			case filterexpr.Gt:
				return c > 0
			case filterexpr.Ge:
				return c >= 0
			}
		}
	}
	return ct.m.Match(ct.lookup)
}

// evalRecordData evaluates a recordDataFilter term, deciding at once for a record whose form
// has no such variable (absent: only "!=" holds).
func (ct *cterm) evalRecordData(m *matcher, i int) bool {
	st := m.c.st
	if ct.rdVar == nil {
		ct.rdVar = make([]int, len(st.forms))
		for f := range st.forms {
			ct.rdVar[f] = -1
			if j, ok := st.forms[f].varByName[ct.t.Attr]; ok {
				ct.rdVar[f] = j
			}
		}
	}
	if ct.rdVar[st.records[i].form] < 0 && ct.t.Attr != "dateCreated" && ct.t.Attr != "dateModified" {
		return ct.t.Op == filterexpr.Ne
	}
	return ct.m.Match(ct.lookup)
}

// recordCandidates returns, in ascending order, a superset of the records that m can match,
// taken from the indexes, or ok == false when some conjunction has no indexed equality.
func (st *Study) recordCandidates(m *matcher) (cands []int32, ok bool) {
	if m == nil {
		return nil, false
	}
	var lists [][]int32
	for _, conj := range m.or {
		var best []int32
		found := false
		for _, ct := range conj {
			if ct.t.Op != filterexpr.Eq || ct.sub != nil || ct.rd {
				continue
			}
			l, ok := st.indexedEq(ct.f.name, ct.t.Value)
			if ok && (!found || len(l) < len(best)) {
				best, found = l, true
			}
		}
		if !found {
			return nil, false
		}
		lists = append(lists, best)
	}
	if len(lists) == 1 {
		return lists[0], true
	}
	var all []int32
	for _, l := range lists {
		all = append(all, l...)
	}
	slices.Sort(all)
	return slices.Compact(all), true
}

// indexedEq returns, ascending, every record whose attribute attr equals v by
// filterexpr.Compare (possibly more), or ok == false when attr is not indexed.
func (st *Study) indexedEq(attr, v string) ([]int32, bool) {
	switch attr {
	case "formKey", "formId":
		var forms []int
		for i := range st.forms {
			s := st.forms[i].key()
			if attr == "formId" {
				s = strconv.FormatInt(st.forms[i].id, 10)
			}
			if filterexpr.Compare(s, v) == 0 {
				forms = append(forms, i)
			}
		}
		switch len(forms) {
		case 0:
			return nil, true
		case 1:
			return st.formRecs[forms[0]], true
		}
		var out []int32
		for _, f := range forms {
			out = append(out, st.formRecs[f]...)
		}
		slices.Sort(out)
		return out, true
	case "subjectKey", "subjectId":
		// Site records have subjectKey "" and subjectId 0; do not try to index them.
		empty := ""
		if attr == "subjectId" {
			empty = "0"
		}
		if filterexpr.Compare(empty, v) == 0 {
			return nil, false
		}
		var out []int32
		n := 0
		for s := range st.subjects {
			sub := &st.subjects[s]
			x := sub.key
			if attr == "subjectId" {
				x = strconv.FormatInt(st.subjectID(int32(s)), 10)
			}
			if filterexpr.Compare(x, v) != 0 {
				continue
			}
			n++
			for r := sub.recStart; r < sub.recStart+sub.recN; r++ {
				out = append(out, r)
			}
			out = append(out, sub.extraRecs...)
		}
		if n > 1 {
			slices.Sort(out)
		}
		return out, true
	case "recordId":
		f, err := strconv.ParseFloat(v, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) || math.IsNaN(f) || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return nil, true // no integer equals v
		}
		if ri := st.recordIndex(int64(f)); ri >= 0 {
			return []int32{ri}, true
		}
		return nil, true
	}
	return nil, false
}

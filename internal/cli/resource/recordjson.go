package resource

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"sync"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/internal/wire"
)

// The records list's JSON and CSV are written from each record's own bytes: what
// encoding/json would print for an imednet.Record (field order, timestamps in RFC 3339 UTC,
// recordData's members sorted by name with their raw values compacted), without reflection
// and its copies. A test compares both on records with every field set, so that a field
// added to Record and not here fails it.

// appendRecordJSON appends r to b as encoding/json encodes it with HTML escaping off.
func appendRecordJSON(b []byte, r *imednet.Record) []byte {
	b = append(b, `{"studyKey":`...)
	b = wire.AppendString(b, r.StudyKey)
	b = appendIntField(b, `,"intervalId":`, r.IntervalID)
	b = appendIntField(b, `,"formId":`, r.FormID)
	b = append(b, `,"formKey":`...)
	b = wire.AppendString(b, r.FormKey)
	b = appendIntField(b, `,"siteId":`, r.SiteID)
	b = appendIntField(b, `,"recordId":`, r.RecordID)
	b = append(b, `,"recordOid":`...)
	b = wire.AppendString(b, r.RecordOID)
	b = append(b, `,"recordType":`...)
	b = wire.AppendString(b, r.RecordType)
	b = append(b, `,"recordStatus":`...)
	b = wire.AppendString(b, r.RecordStatus)
	b = append(b, `,"deleted":`...)
	b = strconv.AppendBool(b, r.Deleted)
	b = append(b, `,"dateCreated":`...)
	b = r.DateCreated.AppendJSON(b)
	b = append(b, `,"dateModified":`...)
	b = r.DateModified.AppendJSON(b)
	b = appendIntField(b, `,"subjectId":`, r.SubjectID)
	b = append(b, `,"subjectOid":`...)
	b = wire.AppendString(b, r.SubjectOID)
	b = append(b, `,"subjectKey":`...)
	b = wire.AppendString(b, r.SubjectKey)
	b = appendIntField(b, `,"visitId":`, r.VisitID)
	b = appendIntField(b, `,"parentRecordId":`, r.ParentRecordID)
	b = append(b, `,"keywords":`...)
	if r.Keywords == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range r.Keywords {
			k := &r.Keywords[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"keywordName":`...)
			b = wire.AppendString(b, k.KeywordName)
			b = append(b, `,"keywordKey":`...)
			b = wire.AppendString(b, k.KeywordKey)
			b = appendIntField(b, `,"keywordId":`, k.KeywordID)
			b = append(b, `,"dateAdded":`...)
			b = k.DateAdded.AppendJSON(b)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"recordData":`...)
	b, ok := appendRecordData(b, r.RecordData, false)
	if !ok {
		// Not reached for data decoded from JSON; encoding/json says what is wrong.
		m, _ := json.Marshal(r.RecordData)
		b = append(b, m...)
	}
	return append(b, '}')
}

func appendIntField(b []byte, name string, n int) []byte {
	return strconv.AppendInt(append(b, name...), int64(n), 10)
}

// appendRecordData appends d as encoding/json encodes a map of raw messages: null for nil,
// members sorted by name, values compacted. With html, as json.Marshal does, HTML characters
// and U+2028/U+2029 would be escaped: then it appends nothing and returns false when d holds
// any of them, as it does for a value it cannot vouch for, and the caller falls back to
// encoding/json.
func appendRecordData(b []byte, d imednet.RecordData, html bool) ([]byte, bool) {
	if d == nil {
		return append(b, "null"...), true
	}
	// The records of a form share their members: the names sorted for the last record are
	// those of the next one most of the time, which saves iterating over the map and sorting.
	cached := sortedNames.Get().(*[]string)
	defer sortedNames.Put(cached)
	start := len(b)
	if names := *cached; len(names) == len(d) {
		out, ok := appendMembers(b, d, names, html)
		if ok {
			return out, true
		}
		if out == nil {
			return b[:start], false
		}
	}
	names := (*cached)[:0]
	for k := range d {
		names = append(names, k)
	}
	slices.Sort(names)
	*cached = names
	out, ok := appendMembers(b[:start], d, names, html)
	if !ok {
		return b[:start], false
	}
	return out, true
}

// sortedNames holds a *[]string: the names of the last recordData written, sorted.
var sortedNames = sync.Pool{New: func() any { return new([]string) }}

// appendMembers appends the members of d in the order of names, which must be as many as d
// has. It returns false when a name is not in d (b then holds a partial object: the caller
// starts again), and nil and false when a value needs encoding/json (see appendRecordData).
func appendMembers(b []byte, d imednet.RecordData, names []string, html bool) ([]byte, bool) {
	b = append(b, '{')
	for i, k := range names {
		if i > 0 {
			b = append(b, ',')
		}
		v, ok := d[k]
		if !ok {
			return b, false
		}
		if html && (needsHTMLEscape(k) || needsHTMLEscape(v)) {
			return nil, false
		}
		b = wire.AppendString(b, k)
		b = append(b, ':')
		switch wire.Value(v).Kind() {
		case wire.String, wire.Number, wire.Bool, wire.Null:
			b = append(b, v...) // a single token: nothing to compact
		default:
			var c bytes.Buffer
			if json.Compact(&c, v) != nil {
				return nil, false
			}
			b = append(b, c.Bytes()...)
		}
	}
	return append(b, '}'), true
}

// needsHTMLEscape reports whether json.Marshal would escape something in s: <, >, & or the
// first byte of U+2028 and U+2029 (checked loosely: any 0xE2 byte).
func needsHTMLEscape[S string | json.RawMessage](s S) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '<', '>', '&', 0xE2:
			return true
		}
	}
	return false
}

// recordDataText is recordData as the CSV and the table print it: the compact JSON that
// json.Marshal writes, "" when there are no members.
func recordDataText(d imednet.RecordData) string {
	if len(d) == 0 {
		return ""
	}
	if b, ok := appendRecordData(make([]byte, 0, 1024), d, true); ok {
		return string(b)
	}
	m, err := json.Marshal(d)
	if err != nil {
		return ""
	}
	return string(m)
}

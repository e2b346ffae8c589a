package resource

import (
	"bytes"
	"encoding/json"
	"strconv"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/internal/wire"
)

// The records list's JSON and CSV are written from each record's own bytes: what
// encoding/json would print for an imednet.Record (field order, timestamps in RFC 3339 UTC,
// recordData's members sorted by name with their raw values compacted, as RecordData's
// AppendJSON writes them), without reflection and its copies. A test compares both on records with every field set, so that a field
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
	b = r.RecordData.AppendJSON(b)
	return append(b, '}')
}

func appendIntField(b []byte, name string, n int) []byte {
	return strconv.AppendInt(append(b, name...), int64(n), 10)
}

// recordDataText is recordData as the CSV and the table print it: the compact JSON that
// json.Marshal writes (HTML characters escaped), "" when there are no members.
func recordDataText(d imednet.RecordData) string {
	if d.Len() == 0 {
		return ""
	}
	b := d.AppendJSON(make([]byte, 0, 1024))
	if needsHTMLEscape(b) {
		var esc bytes.Buffer
		json.HTMLEscape(&esc, b)
		return esc.String()
	}
	return string(b)
}

// appendRecordDataText appends recordDataText(d) to b.
func appendRecordDataText(b []byte, d imednet.RecordData) []byte {
	if d.Len() == 0 {
		return b
	}
	start := len(b)
	b = d.AppendJSON(b)
	if needsHTMLEscape(b[start:]) {
		var esc bytes.Buffer
		json.HTMLEscape(&esc, b[start:])
		b = append(b[:start], esc.Bytes()...)
	}
	return b
}

// needsHTMLEscape reports whether json.HTMLEscape would change b: it holds <, > or &, or
// U+2028 or U+2029 (E2 80 A8, E2 80 A9 in UTF-8). Each byte is looked for with IndexByte,
// which scans many bytes at a time: faster, on a record's data, than one loop over its bytes.
func needsHTMLEscape(b []byte) bool {
	if bytes.IndexByte(b, '<') >= 0 || bytes.IndexByte(b, '>') >= 0 || bytes.IndexByte(b, '&') >= 0 {
		return true
	}
	for i := bytes.IndexByte(b, 0xE2); i >= 0; {
		if i+2 < len(b) && b[i+1] == 0x80 && b[i+2]&^1 == 0xA8 {
			return true
		}
		next := bytes.IndexByte(b[i+1:], 0xE2)
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return false
}

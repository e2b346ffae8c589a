package imednettest

import (
	"github.com/imednet/imednet-go/internal/wire"

	"slices"
	"unicode/utf8"
)

// Record data is derived from the seed and the record's row, unless the record was changed
// after the server started: then its values are in the overlay, one string per variable.

// appendRecordValue appends the (unescaped) text of local variable j of record ri.
func (st *Study) appendRecordValue(b []byte, ri int32, j int) []byte {
	if ov, ok := st.overlay[ri]; ok {
		return append(b, ov[j]...)
	}
	r := &st.records[ri]
	return st.appendGenValue(b, ri, r, &st.vars[st.forms[r.form].varStart+j])
}

// recordValues returns the current values of record ri, one per variable of its form.
func (st *Study) recordValues(ri int32) []string {
	if ov, ok := st.overlay[ri]; ok {
		return slices.Clone(ov)
	}
	r := &st.records[ri]
	f := &st.forms[r.form]
	vals := make([]string, f.varN)
	var buf []byte
	for j := range vals {
		buf = st.appendGenValue(buf[:0], ri, r, &st.vars[f.varStart+j])
		vals[j] = string(buf)
	}
	return vals
}

// recordDataText returns the value of name in record ri's recordData as the API prints it:
// a variable of the record's form, or one of the system keys dateCreated and dateModified.
func (st *Study) recordDataText(c *fieldCtx, ri int32, name string) (string, bool) {
	r := &st.records[ri]
	f := &st.forms[r.form]
	if j, ok := f.varByName[name]; ok {
		c.buf = st.appendRecordValue(c.buf[:0], ri, j)
		return string(c.buf), true
	}
	switch name {
	case "dateCreated":
		return apiTime(r.created), true
	case "dateModified":
		return apiTime(r.modified), true
	}
	return "", false
}

// appendRecordData appends the recordData object of record ri: every variable of its form in
// sequence order, values as strings ("" for a blank), then dateCreated and dateModified.
func (st *Study) appendRecordData(b []byte, c *fieldCtx, ri int32) []byte {
	r := &st.records[ri]
	f := &st.forms[r.form]
	ov := st.overlay[ri]
	b = append(b, '{')
	for j := range f.varN {
		v := &st.vars[f.varStart+j]
		if j > 0 {
			b = append(b, ',')
		}
		b = wire.AppendString(b, v.spec.name)
		b = append(b, ':')
		if ov != nil {
			b = wire.AppendString(b, ov[j])
		} else {
			c.buf = st.appendGenValue(c.buf[:0], ri, r, v)
			b = appendStringBytes(b, c.buf)
		}
	}
	if f.varN > 0 {
		b = append(b, ',')
	}
	b = append(b, `"dateCreated":"`...)
	b = appendAPITime(b, r.created)
	b = append(b, `","dateModified":"`...)
	b = appendAPITime(b, r.modified)
	return append(b, `"}`...)
}

// appendStringBytes is appendString for a byte slice.
func appendStringBytes(b []byte, s []byte) []byte {
	for _, c := range s {
		if c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			return wire.AppendString(b, string(s))
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// codedValue is the verbatim value of coding i: the current value of its record's coded
// variable.
func (st *Study) codedValue(c *fieldCtx, i int) string {
	cd := &st.codings[i]
	f := &st.forms[st.records[cd.rec].form]
	c.buf = st.appendRecordValue(c.buf[:0], cd.rec, f.codedVar)
	return string(c.buf)
}

// codedTerm is the dictionary term of coding i.
func (st *Study) codedTerm(c *fieldCtx, i int) string {
	v := st.codedValue(c, i)
	f := &st.forms[st.records[st.codings[i].rec].form]
	terms, codes := aeTerms, aeCodes
	if f.spec.dict == dictWHODrug {
		terms, codes = cmTerms, cmCodes
	}
	if k := slices.Index(terms, v); k >= 0 {
		return codes[k]
	}
	return v
}

// Query comments are derived from the query's row.

var commentStatuses = func() [][3]string {
	out := make([][3]string, len(queryDescs))
	for i, d := range queryDescs {
		out[i] = [3]string{d + " Open", d + " Answered", d + " Closed"}
	}
	return out
}()

func (st *Study) commentStatus(qi, j int) string {
	q := &st.queries[qi]
	switch {
	case j == 0:
		return commentStatuses[q.desc][0]
	case q.closed && j == int(q.ncom)-1:
		return commentStatuses[q.desc][2]
	}
	return commentStatuses[q.desc][1]
}

func (st *Study) commentUser(qi, j int) string {
	return st.userLogin(st.pickUser(h3(st.seed, saltComment, uint64(st.queryID(qi)), uint64(j))))
}

func (st *Study) commentText(qi, j int) string {
	q := &st.queries[qi]
	h := h3(st.seed, saltComment+100, uint64(st.queryID(qi)), uint64(j))
	switch {
	case j == 0:
		return queryComments[[2]int{0, 3}[h%2]]
	case q.closed && j == int(q.ncom)-1:
		return queryComments[4]
	}
	return queryComments[[3]int{1, 2, 5}[h%3]]
}

func (st *Study) commentDate(qi, j int) int64 {
	q := &st.queries[qi]
	return min(q.created+int64(j)*2*86400, q.modified)
}

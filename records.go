package imednet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"slices"
	"strings"

	"github.com/imednet/imednet-go/internal/filterexpr"
	"github.com/imednet/imednet-go/internal/wire"
)

// Record is one instance of a form (eCRF) filled in for a subject or a site, with its data.
type Record struct {
	StudyKey       string     `json:"studyKey"`
	IntervalID     int        `json:"intervalId"` // the interval (visit definition) the record belongs to
	FormID         int        `json:"formId"`
	FormKey        string     `json:"formKey"`
	SiteID         int        `json:"siteId"`
	RecordID       int        `json:"recordId"`
	RecordOID      string     `json:"recordOid"`    // client-assigned record OID
	RecordType     string     `json:"recordType"`   // "SUBJECT" or "SITE"
	RecordStatus   string     `json:"recordStatus"` // a study-defined label, e.g. "Record Incomplete"
	Deleted        bool       `json:"deleted"`
	DateCreated    Timestamp  `json:"dateCreated"`
	DateModified   Timestamp  `json:"dateModified"`
	SubjectID      int        `json:"subjectId"`      // the Mednet subject id
	SubjectOID     string     `json:"subjectOid"`     // client-assigned subject OID
	SubjectKey     string     `json:"subjectKey"`     // the subject's display id, e.g. "01-001"
	VisitID        int        `json:"visitId"`        // the visit instance, 0 when none
	ParentRecordID int        `json:"parentRecordId"` // the parent record of a subrecord, 0 when none
	Keywords       []Keyword  `json:"keywords"`
	RecordData     RecordData `json:"recordData"` // the values, by variable name; never nil after decoding
	Extra          Extra      `json:"-"`          // members this version does not know
}

// decodeRecordData decodes recordData: an object into a RecordData whose values, with shared,
// are slices of the decoded bytes (which must not change afterwards) instead of a copy. A
// null, blank or absent recordData is an empty RecordData; one that is not an object is kept
// in Extra.
func (r *Record) decodeRecordData(f *wire.Field, shared bool) {
	switch {
	case f.Value.IsAbsent():
		r.RecordData = RecordData{}
	case f.Value.Kind() == wire.Object:
		var d RecordData
		if err := d.decode(f.Value, shared); err != nil {
			f.Keep()
			return
		}
		r.RecordData = d
	default:
		r.RecordData = RecordData{}
		f.Keep()
	}
}

// ensureRecordData makes the RecordData of a decoded record an empty map rather than nil
// when the JSON had no recordData.
func (r *Record) ensureRecordData() {
	if r.RecordData == nil {
		r.RecordData = RecordData{}
	}
}

// RecordData holds a record's values keyed by variable name (case-sensitive), each as the raw
// JSON the API sent. The API documents every value as a string ("1", "" for a blank answer),
// but numbers, booleans, null and objects occur too, so nothing is converted on decoding; use
// the typed helpers to read a value. Besides variable names the map holds the system keys
// "dateCreated" and "dateModified".
//
// It encodes to JSON as an object of the raw values.
type RecordData map[string]json.RawMessage

// UnmarshalJSON stores a copy of each member's raw JSON. null is an empty map.
func (d *RecordData) UnmarshalJSON(data []byte) error {
	return d.decode(data, false)
}

// decode stores each member's raw JSON, a slice of data when shared, else of one copy.
//
// The members are first collected where they lie (names and value offsets, on the stack for
// a record of up to dataMembers members), then stored in a map made for their number: one
// allocation of the map's storage instead of its growing step by step, which was a fifth of
// the time of listing records of 20 variables.
func (d *RecordData) decode(data []byte, shared bool) error {
	type member struct {
		key        string
		start, end int
	}
	var stack [dataMembers]member
	members := stack[:0]
	end, err := wire.WalkObject(data, 0, func(key string, at int) (int, error) {
		end, err := wire.SkipValue(data, at)
		if err != nil {
			return 0, err
		}
		members = append(members, member{key, at, end})
		return end, nil
	})
	if err == nil {
		err = wire.CheckEnd(data, end)
	}
	if err != nil {
		return err
	}
	// The values share one buffer (each capped at its own end, so that appending to one
	// cannot overwrite the next): one allocation per record instead of one per value, none
	// when shared.
	own := data
	if !shared && len(members) > 0 {
		own = append([]byte(nil), data[members[0].start:members[len(members)-1].end]...)
		base := members[0].start
		for i := range members {
			members[i].start -= base
			members[i].end -= base
		}
	}
	m := make(RecordData, len(members))
	for _, mb := range members {
		m[mb.key] = json.RawMessage(own[mb.start:mb.end:mb.end])
	}
	*d = m
	return nil
}

// dataMembers is how many members of a record's data decode collects without allocating.
const dataMembers = 64

// value returns the raw value of name, and whether it is present.
func (d RecordData) value(name string) (wire.Value, bool) {
	raw, ok := d[name]
	if !ok {
		return nil, false
	}
	return wire.Value(raw), true
}

// Has reports whether the record data has a member called name (whatever its value, null
// included).
func (d RecordData) Has(name string) bool {
	_, ok := d[name]
	return ok
}

// Names returns the member names, sorted; the system keys dateCreated and dateModified are
// included when the API sent them.
func (d RecordData) Names() []string {
	names := make([]string, 0, len(d))
	for k := range d {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// Text returns the value of name as text: a string unquoted, a number or boolean as written,
// null as "". ok is false when name is absent or its value is an object or array.
func (d RecordData) Text(name string) (s string, ok bool) {
	v, ok := d.value(name)
	if !ok {
		return "", false
	}
	return v.Text()
}

// Number returns the value of name as a number, from a JSON number or a string holding one
// ("1.5"). ok is false when name is absent, blank ("" or null) or not a number.
func (d RecordData) Number(name string) (float64, bool) {
	v, ok := d.value(name)
	if !ok || v.IsAbsent() {
		return 0, false
	}
	switch v.Kind() {
	case wire.Number, wire.String:
		return v.Float()
	}
	return 0, false
}

// Bool returns the value of name as a boolean, from true/false, a number (non-zero is true) or
// a string spelling either (true/false, yes/no, y/n, t/f, on/off, 1/0, any case). ok is false
// when name is absent, blank ("" or null) or not a boolean.
func (d RecordData) Bool(name string) (b, ok bool) {
	v, ok := d.value(name)
	if !ok || v.IsAbsent() {
		return false, false
	}
	return v.Bool()
}

// Date returns the value of name as a timestamp, read as the model's dates are: the API's
// 2006-01-02 15:04:05, RFC 3339, or a date (DateOnly set). ok is false when name is absent,
// blank, or not a date; a text in no known layout comes back in the Timestamp's Raw field with
// ok false.
func (d RecordData) Date(name string) (Timestamp, bool) {
	v, ok := d.value(name)
	if !ok || v.IsAbsent() {
		return Timestamp{}, false
	}
	t, ok := wire.ParseTimeValue(v)
	if !ok {
		return Timestamp{}, false
	}
	return t, t.Valid()
}

// RecordListOptions are the parameters of the records list. A nil *RecordListOptions means
// the defaults.
type RecordListOptions struct {
	ListOptions
	// RecordDataFilter selects records by their data (variable names, case-sensitive), sent as
	// the recordDataFilter parameter; [Contains] builds the API's `=~`. The API rejects a
	// recordDataFilter that mixes AND with OR, so such a filter is an error before anything
	// is sent.
	RecordDataFilter Filter
}

// split returns the common options and the extra query parameters for opts.
func (o *RecordListOptions) split() (*ListOptions, url.Values, error) {
	if o == nil {
		return nil, nil, nil
	}
	var extra url.Values
	f := o.RecordDataFilter
	if err := f.Err(); err != nil {
		return nil, nil, fmt.Errorf("imednet: recordDataFilter: %w", err)
	}
	if s := f.String(); s != "" {
		if err := checkRecordDataFilter(s); err != nil {
			return nil, nil, err
		}
		extra = url.Values{"recordDataFilter": {s}}
	}
	return &o.ListOptions, extra, nil
}

// errMixedRecordDataFilter is returned for a recordDataFilter that mixes AND and OR.
var errMixedRecordDataFilter = errors.New(`imednet: recordDataFilter: the API rejects a filter that mixes AND (";") with OR (","); use one connector, or filter the rest client-side`)

// checkRecordDataFilter checks the printed form s of a recordDataFilter. A text that does not
// parse at all (a RawFilter in a form the grammar does not know) is left to the API.
func checkRecordDataFilter(s string) error {
	if _, err := filterexpr.Parse(s); err != nil {
		return nil
	}
	if _, err := filterexpr.ParseRecordData(s); err != nil {
		// The grammar is the same; ParseRecordData only adds the check for mixed connectors.
		return fmt.Errorf("%w: %s", errMixedRecordDataFilter, s)
	}
	return nil
}

var recordsEndpoint = endpoint{pattern: "/studies/{studyKey}/records", idField: "recordId"}

// List returns one page of a study's records (GET /studies/{studyKey}/records). An empty study
// uses the one attached to ctx with WithStudy. The default sort is recordId ascending.
func (s *RecordsService) List(ctx context.Context, study string, opts *RecordListOptions) (*Page[Record], error) {
	lo, extra, err := opts.split()
	if err != nil {
		return nil, err
	}
	return listPage[Record](ctx, s.client, recordsEndpoint, study, lo, extra)
}

// All iterates over every record of a study that opts selects.
func (s *RecordsService) All(ctx context.Context, study string, opts *RecordListOptions) iter.Seq2[Record, error] {
	lo, extra, err := opts.split()
	if err != nil {
		return errorSeq[Record](err)
	}
	return listAll[Record](ctx, s.client, recordsEndpoint, study, lo, extra)
}

// Get returns the record with the given id, or an error matching ErrNotFound.
func (s *RecordsService) Get(ctx context.Context, study string, recordID int) (*Record, error) {
	return getOne(ctx, s.client, recordsEndpoint, study, itoa(recordID), func(x *Record) string { return itoa(x.RecordID) })
}

// ForForm iterates over the records of one form: it adds formKey==formKey to opts' filter
// (with [Filter.And]) and lists as All does. opts is not modified.
func (s *RecordsService) ForForm(ctx context.Context, study, formKey string, opts *RecordListOptions) iter.Seq2[Record, error] {
	if strings.TrimSpace(formKey) == "" {
		return errorSeq[Record](errors.New("imednet: records for a form: the form key is empty"))
	}
	var o RecordListOptions
	if opts != nil {
		o = *opts
	}
	o.Filter = Eq("formKey", formKey).And(o.Filter)
	return s.All(ctx, study, &o)
}

package imednet

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"

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

// decodeRecordData decodes recordData as UnmarshalJSON finds it, whole: an object into a
// RecordData (of copies of its values), a null, blank or absent recordData as an empty one;
// one that is not an object is kept in Extra.
func (r *Record) decodeRecordData(f *wire.Field) {
	r.RecordData = RecordData{}
	switch {
	case f.Value.IsAbsent():
	case f.Value.Kind() == wire.Object:
		if _, err := r.RecordData.decodeAt(f.Value, 0); err != nil {
			f.Keep()
		}
	default:
		f.Keep()
	}
}

// readRecordDataAt is decodeRecordData for decodeAt: it reads the value at data[at] in the
// pass that finds where it ends, rather than finding its end first and reading it again, and
// returns the offset just past it.
func (r *Record) readRecordDataAt(f *wire.Field, data []byte, at int) (int, error) {
	r.RecordData = RecordData{}
	if at < len(data) && data[at] == '{' {
		return r.RecordData.decodeAt(data, at)
	}
	end, err := wire.SkipValue(data, at)
	if err != nil {
		return 0, err
	}
	if f.Value = wire.Value(data[at:end]); !f.Value.IsAbsent() {
		f.Keep()
	}
	return end, nil
}

// ensureRecordData is called once a record is decoded. A RecordData needs nothing more: its
// zero value is the empty one.
func (r *Record) ensureRecordData() {}

// RecordData holds a record's values keyed by variable name (case-sensitive), each as the raw
// JSON the API sent. The API documents every value as a string ("1", "" for a blank answer),
// but numbers, booleans, null and objects occur too, so nothing is converted on decoding; use
// the typed helpers to read a value. Besides variable names it holds the system keys
// "dateCreated" and "dateModified".
//
// A RecordData is read-only once made: decoding (or [NewRecordData]) makes it, its methods
// read it, and copies of it share their values, so that it may be read from several
// goroutines at once. Its zero value has no members. It encodes to JSON as an object of the
// raw values, members sorted by name, as encoding/json encodes a map of them;
// [RecordData.Map] returns such a map. Two RecordData with the same members are equal by
// reflect.DeepEqual, however their JSON was laid out.
//
// It is not a map because building a map for every record was the largest cost of listing
// records. It is the sorted names, shared by the records whose data has the same names in the
// same order (the records of one form), and one buffer of its own: the values in the order of
// their names, then where each ends. A decoded record's data thus takes one allocation, which
// holds no pointers for the garbage collector to follow.
type RecordData struct {
	names *dataNames // nil when there are no members
	buf   []byte     // the values, one after another, then their ends (4 bytes each, little-endian)
}

// dataNames are the names of a RecordData, sorted, one per name, with the JSON that begins
// each member (the name as a JSON string, then ':'), written once for the records that share
// them.
type dataNames struct {
	sorted []string
	keys   []string
}

// newDataNames returns the dataNames of sorted.
func newDataNames(sorted []string) *dataNames {
	keys := make([]string, len(sorted))
	for i, name := range sorted {
		keys[i] = string(append(wire.AppendString(nil, name), ':'))
	}
	return &dataNames{sorted, keys}
}

// NewRecordData returns a RecordData of the members of m (with copies of its values), for
// tests and callers that build records themselves.
func NewRecordData(m map[string]json.RawMessage) RecordData {
	if len(m) == 0 {
		return RecordData{}
	}
	names := make([]string, 0, len(m))
	size := 4 * len(m)
	for k, v := range m {
		names = append(names, k)
		size += len(v)
	}
	slices.Sort(names)
	buf := make([]byte, 0, size)
	for _, k := range names {
		buf = append(buf, m[k]...)
	}
	end := 0
	for _, k := range names {
		end += len(m[k])
		buf = binary.LittleEndian.AppendUint32(buf, uint32(end))
	}
	return RecordData{newDataNames(names), buf}
}

// UnmarshalJSON reads a JSON object into d, with copies of its values. null is an empty
// RecordData. A name that occurs more than once keeps its last value, as in a map.
func (d *RecordData) UnmarshalJSON(data []byte) error {
	*d = RecordData{}
	end, err := d.decodeAt(data, 0)
	if err == nil {
		err = wire.CheckEnd(data, end)
	}
	if err != nil {
		*d = RecordData{}
	}
	return err
}

// MarshalJSON encodes d as an object of its raw values, members sorted by name.
func (d RecordData) MarshalJSON() ([]byte, error) {
	return d.AppendJSON(make([]byte, 0, d.jsonSize())), nil
}

// AppendJSON appends d to b as encoding/json encodes it with HTML escaping off (the Encoder's
// SetEscapeHTML(false)): members sorted by name, values compacted. json.Marshal also escapes
// <, > and & in strings; [json.HTMLEscape] does the same to this output.
func (d RecordData) AppendJSON(b []byte) []byte {
	b = append(b, '{')
	if d.names != nil {
		keys := d.names.keys
		ends := d.buf[len(d.buf)-4*len(keys):]
		start := 0
		for i, key := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, key...)
			end := int(binary.LittleEndian.Uint32(ends[4*i:]))
			b = appendCompact(b, d.buf[start:end:end])
			start = end
		}
	}
	return append(b, '}')
}

// appendCompact appends the JSON value v without spaces between its tokens, as encoding/json
// writes a raw value; an empty value is null. A value that is not valid JSON (only a
// caller's, through NewRecordData) is appended as it is: encoding/json reports it when it
// checks a Marshaler's output.
func appendCompact(b []byte, v []byte) []byte {
	if len(v) == 0 {
		return append(b, "null"...)
	}
	if v[0] == '"' && v[len(v)-1] == '"' {
		return append(b, v...) // the most common value, a string as decoded
	}
	switch wire.Value(v).Kind() {
	case wire.String, wire.Number, wire.Bool, wire.Null:
		if !isSpace(v[len(v)-1]) {
			return append(b, v...) // a single token, as decoded: nothing to compact
		}
	}
	buf := bytes.NewBuffer(b)
	if json.Compact(buf, v) != nil {
		return append(b, v...)
	}
	return buf.Bytes()
}

// jsonSize returns about how many bytes d's JSON takes.
func (d RecordData) jsonSize() int {
	n := 2 + len(d.buf)
	if d.names != nil {
		for _, name := range d.names.sorted {
			n += len(name) + 4
		}
	}
	return n
}

// decodeAt reads the object (or null) at data[i] into d, which holds no members, and returns
// the offset just past it.
//
// The members are first collected where they lie (on the stack for a record of up to
// dataMembers members), then their values copied, in the order of their names, into one
// buffer made for them. The records of a form list their members in the same order, so the
// order that sorts one record's names is looked up in a cache (dataOrders) rather than worked
// out again.
func (d *RecordData) decodeAt(data []byte, i int) (int, error) {
	var stack [dataMembers]dataSpan
	spans := stack[:0]
	// The names are most likely those of the last record decoded, in the same order: each
	// name is compared with the one expected at its place, and read (and hashed for the
	// cache of names) only when it differs.
	guess := lastOrder.Load()
	same := guess != nil
	var names []string
	if same {
		names = guess.names
	}
	end, err := wire.WalkObjectGuess(data, i, names, func(k int, key []byte, known bool, at int) (int, error) {
		end, err := wire.SkipValue(data, at)
		if err != nil {
			return 0, err
		}
		var name string
		if known && same {
			name = guess.names[k]
		} else {
			same = false
			name = wire.MemberName(key)
		}
		spans = append(spans, dataSpan{name, at, end})
		return end, nil
	})
	if err != nil || len(spans) == 0 {
		return end, err
	}
	o := guess
	if !same || len(spans) != len(guess.names) {
		o = sortedOrder(spans)
	}
	size := 4 * len(o.order)
	for _, k := range o.order {
		size += spans[k].end - spans[k].start
	}
	if size > math.MaxUint32 {
		return 0, errors.New("recordData: larger than 4 GiB")
	}
	buf := make([]byte, size)
	ends := buf[size-4*len(o.order):]
	at := 0
	for j, k := range o.order {
		sp := &spans[k]
		at += copy(buf[at:], data[sp.start:sp.end])
		binary.LittleEndian.PutUint32(ends[4*j:], uint32(at))
	}
	d.names, d.buf = o.sorted, buf
	return end, nil
}

// dataSpan is a member of an object being decoded: its name and where its value lies.
type dataSpan struct {
	name       string
	start, end int
}

// dataMembers is how many members of a record's data decode collects without allocating.
const dataMembers = 64

// sortedOrder returns the order of members' names (see dataOrder). The result is shared: it
// must not be modified.
func sortedOrder(members []dataSpan) *dataOrder {
	h := uint64(len(members))
	for _, m := range members {
		h = h*31 + uint64(len(m.name))
		if m.name != "" {
			h = h*31 + uint64(m.name[0]) + uint64(m.name[len(m.name)-1])<<8
		}
	}
	slot := &dataOrders[h%uint64(len(dataOrders))]
	if o := slot.Load(); o != nil && len(o.names) == len(members) {
		same := true
		for i, name := range o.names {
			if members[i].name != name { // interned names: mostly the same pointer
				same = false
				break
			}
		}
		if same {
			if o.plain && lastOrder.Load() != o {
				lastOrder.Store(o)
			}
			return o
		}
	}
	o := &dataOrder{names: make([]string, len(members)), order: make([]int32, len(members))}
	for i, m := range members {
		o.names[i] = m.name
		o.order[i] = int32(i)
	}
	slices.SortStableFunc(o.order, func(a, b int32) int { return strings.Compare(members[a].name, members[b].name) })
	// Of the members that share a name (stable: in document order), the last one counts.
	kept := o.order[:0]
	for i, k := range o.order {
		if i+1 < len(o.order) && members[o.order[i+1]].name == members[k].name {
			continue
		}
		kept = append(kept, k)
	}
	o.order = kept
	sorted := make([]string, len(kept))
	for i, k := range kept {
		sorted[i] = members[k].name
	}
	o.sorted = newDataNames(sorted)
	o.plain = !slices.ContainsFunc(o.names, func(name string) bool {
		return strings.ContainsFunc(name, func(r rune) bool { return r == '"' || r == '\\' || r < 0x20 })
	})
	slot.Store(o)
	if o.plain {
		lastOrder.Store(o)
	}
	return o
}

// lastOrder is the dataOrder of the names last sorted that are plain, the guess of decodeAt:
// names without a quote, a backslash or a control character, each the inside of its own JSON
// string, which wire.WalkObjectGuess may then find by comparing bytes. (A name with one of
// them could be the text of another string, such as a\b of "a\\b", or not be a string at
// all, such as a" of "a\"".)
var lastOrder atomic.Pointer[dataOrder]

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// dataOrder is the sorted order of one sequence of names.
type dataOrder struct {
	names  []string   // in document order
	order  []int32    // the indexes of names in the order of the names, the last of a repeated name only
	sorted *dataNames // the names in that order
	plain  bool       // no name holds a quote, a backslash or a control character: the order may be lastOrder
}

// dataOrders caches the sorted orders of the name sequences seen last, one per slot chosen by
// a hash of the sequence (so that records of a few forms, interleaved, each find theirs). A
// slot holds an immutable dataOrder: reading takes no lock, and a collision only costs a sort.
var dataOrders [256]atomic.Pointer[dataOrder]

// find returns the index of name among d's names, and whether it is there.
func (d RecordData) find(name string) (int, bool) {
	if d.names == nil {
		return 0, false
	}
	m := d.names.sorted
	if len(m) <= 8 {
		for i := range m {
			if m[i] == name {
				return i, true
			}
		}
		return 0, false
	}
	lo, hi := 0, len(m)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if m[mid] < name {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo, lo < len(m) && m[lo] == name
}

// at returns the raw value of the i-th member (of d's names, sorted), capped at its end.
func (d RecordData) at(i int) json.RawMessage {
	ends := len(d.buf) - 4*len(d.names.sorted)
	start := 0
	if i > 0 {
		start = int(binary.LittleEndian.Uint32(d.buf[ends+4*(i-1):]))
	}
	end := int(binary.LittleEndian.Uint32(d.buf[ends+4*i:]))
	return json.RawMessage(d.buf[start:end:end])
}

// value returns the raw value of name, and whether it is present.
func (d RecordData) value(name string) (wire.Value, bool) {
	i, ok := d.find(name)
	if !ok {
		return nil, false
	}
	return wire.Value(d.at(i)), true
}

// Raw returns the raw JSON value of name as the API sent it, and whether name is present. The
// value is shared with d: read it, do not modify it.
func (d RecordData) Raw(name string) (json.RawMessage, bool) {
	i, ok := d.find(name)
	if !ok {
		return nil, false
	}
	return d.at(i), true
}

// Len returns the number of members.
func (d RecordData) Len() int {
	if d.names == nil {
		return 0
	}
	return len(d.names.sorted)
}

// All returns an iterator over the members, sorted by name, with their raw values (shared
// with d, as Raw's).
func (d RecordData) All() iter.Seq2[string, json.RawMessage] {
	return func(yield func(string, json.RawMessage) bool) {
		for i := range d.Len() {
			if !yield(d.names.sorted[i], d.at(i)) {
				return
			}
		}
	}
}

// Map returns the members as a new map (sharing the values with d).
func (d RecordData) Map() map[string]json.RawMessage {
	m := make(map[string]json.RawMessage, d.Len())
	for i := range d.Len() {
		m[d.names.sorted[i]] = d.at(i)
	}
	return m
}

// Has reports whether the record data has a member called name (whatever its value, null
// included).
func (d RecordData) Has(name string) bool {
	_, ok := d.find(name)
	return ok
}

// Names returns the member names, sorted; the system keys dateCreated and dateModified are
// included when the API sent them.
func (d RecordData) Names() []string {
	if d.names == nil {
		return []string{}
	}
	return slices.Clone(d.names.sorted)
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

// Pages iterates over the pages of a study's records that opts selects, in order, as
// [Pager.Pages] does: for callers that work a page at a time. With ListOptions.KeepRaw each
// page also holds its records' JSON as the API sent it (Page.Raw).
func (s *RecordsService) Pages(ctx context.Context, study string, opts *RecordListOptions) iter.Seq2[*Page[Record], error] {
	lo, extra, err := opts.split()
	if err != nil {
		return errorSeq[*Page[Record]](err)
	}
	return listPages[Record](ctx, s.client, recordsEndpoint, study, lo, extra)
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

package imednet

import (
	"bytes"
	"encoding/json"
	"errors"
	"iter"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

// edcSeqErr returns the first error an iterator yields, or nil.
func edcSeqErr[T any](seq iter.Seq2[T, error]) error {
	for _, err := range seq {
		if err != nil {
			return err
		}
	}
	return nil
}

// rawData builds a RecordData from raw JSON texts.
func rawData(kv map[string]string) RecordData {
	m := map[string]json.RawMessage{}
	for k, v := range kv {
		m[k] = json.RawMessage(v)
	}
	return NewRecordData(m)
}

// catalogFixtureRecord is the record of ExampleRecordsList, field by field.
var catalogFixtureRecord = Record{
	StudyKey: "PHARMADEMO", IntervalID: 99, FormID: 10202, FormKey: "AE", SiteID: 128, RecordID: 1,
	RecordOID: "REC-1", RecordType: "SUBJECT", RecordStatus: "Record Incomplete", Deleted: false,
	DateCreated: ts("2025-06-05 21:12:09"), DateModified: ts("2025-06-05 21:12:10"),
	SubjectID: 326, SubjectOID: "OID-1", SubjectKey: "123-456", VisitID: 1, ParentRecordID: 34,
	Keywords: []Keyword{{KeywordName: "Data Entry Error", KeywordKey: "DEE", KeywordID: 15362, DateAdded: ts("2025-06-05 21:12:09")}},
	RecordData: rawData(map[string]string{
		"dateCreated":  `"2018-10-18 06:21:46"`,
		"unvnum":       `"1"`,
		"dateModified": `"2018-11-18 07:11:16"`,
		"aeser":        `""`,
		"aeterm":       `"Bronchitis"`,
	}),
}

// TestRecordsRecordDataFilterOnEveryPage checks that the records' own parameter goes with
// every page request, as the common ones do.
func TestRecordsRecordDataFilterOnEveryPage(t *testing.T) {
	c, api := newFakeAPI(t, func(r *http.Request) (int, string) {
		if r.URL.Query().Get("page") == "0" {
			return 200, `{"metadata":{"status":"OK"},"pagination":{"currentPage":0,"size":1,"totalPages":2,"totalElements":2},"data":[{"recordId":1}]}`
		}
		return 200, `{"metadata":{"status":"OK"},"pagination":{"currentPage":1,"size":1,"totalPages":2,"totalElements":2},"data":[{"recordId":"2"}]}`
	})
	recs := catalogAll(t, c.Records.All(t.Context(), "S", &RecordListOptions{ListOptions: ListOptions{PageSize: 1}, RecordDataFilter: Eq("AESER", "Serious").Or(Gt("AGE", 65))}))
	if len(recs) != 2 || recs[0].RecordID != 1 || recs[1].RecordID != 2 {
		t.Fatalf("records %+v", recs)
	}
	reqs := api.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	for i, r := range reqs {
		checkQuery(t, r.Query, url.Values{"page": {itoa(i)}, "size": {"1"}, "recordDataFilter": {"AESER==Serious,AGE>65"}})
	}
}

func TestRecordsRecordDataFilterChecks(t *testing.T) {
	c, api := newFakeAPI(t, serve(envelope()))
	ctx := t.Context()
	mixed := []Filter{
		Eq("AESER", "Bronchitis").And(Eq("GENDER", "Male")).Or(Ge("AGE", 65)),
		Eq("A", 1).Or(Eq("B", 2)).And(Eq("C", 3)), // expands into (A;C),(B;C)
		RawFilter("AESER==Bronchitis;GENDER==Male,AGE>=65"),
		RawFilter("a==1 and b==2 or c==3"),
	}
	for _, f := range mixed {
		opts := &RecordListOptions{RecordDataFilter: f}
		_, err := c.Records.List(ctx, "S", opts)
		if err == nil || !strings.Contains(err.Error(), "mixes AND") {
			t.Errorf("List with %q: %v", f, err)
		}
		if err := edcSeqErr(c.Records.All(ctx, "S", opts)); err == nil {
			t.Errorf("All with %q accepted", f)
		}
		if err := edcSeqErr(c.Records.ForForm(ctx, "S", "AE", opts)); err == nil {
			t.Errorf("ForForm with %q accepted", f)
		}
	}
	if _, err := c.Records.List(ctx, "S", &RecordListOptions{RecordDataFilter: Eq("bad name", 1)}); err == nil || !strings.Contains(err.Error(), "recordDataFilter") {
		t.Errorf("invalid attribute: %v", err)
	}
	if n := len(api.requests()); n != 0 {
		t.Fatalf("%d rejected requests reached the server", n)
	}

	// Connector characters inside a quoted value are not connectors; AND-only, OR-only and raw
	// text the grammar cannot read are sent as printed.
	ok := map[string]Filter{
		`AETERM=~"a;b,c"`:          Contains("AETERM", "a;b,c"),
		`AESER==Serious;GENDER==M`: Eq("AESER", "Serious").And(Eq("GENDER", "M")),
		`AESER==Serious,AGE>65`:    Eq("AESER", "Serious").Or(Gt("AGE", 65)),
		`AESER=like=*x*`:           RawFilter("AESER=like=*x*"),
		`a==1;b==2`:                RawFilter(" a==1;b==2 "),
	}
	for want, f := range ok {
		c, api := newFakeAPI(t, serve(envelope()))
		if _, err := c.Records.List(ctx, "S", &RecordListOptions{RecordDataFilter: f}); err != nil {
			t.Errorf("%s: %v", want, err)
			continue
		}
		checkQuery(t, api.only(t).Query, url.Values{"page": {"0"}, "size": {"100"}, "recordDataFilter": {want}})
	}
}

func TestRecordsForForm(t *testing.T) {
	ctx := t.Context()
	cases := []struct {
		name string
		opts *RecordListOptions
		want url.Values
	}{
		{"nil options", nil, url.Values{"page": {"0"}, "size": {"100"}, "filter": {"formKey==AE"}}},
		{"and filter", &RecordListOptions{
			ListOptions:      ListOptions{PageSize: 50, Filter: Eq("recordStatus", "Complete"), Sort: []Sort{Asc("subjectKey")}},
			RecordDataFilter: Contains("AETERM", "bronch"),
		}, url.Values{"page": {"0"}, "size": {"50"}, "filter": {"formKey==AE;recordStatus==Complete"},
			"sort": {"subjectKey,ASC"}, "recordDataFilter": {"AETERM=~bronch"}}},
		{"or filter", &RecordListOptions{ListOptions: ListOptions{Filter: Eq("siteId", 1).Or(Eq("siteId", 2))}},
			url.Values{"page": {"0"}, "size": {"100"}, "filter": {"formKey==AE;siteId==1,formKey==AE;siteId==2"}}},
	}
	for _, tc := range cases {
		c, api := newFakeAPI(t, serve(fixture(t, "ExampleRecordsList")))
		var before RecordListOptions
		if tc.opts != nil {
			before = *tc.opts
		}
		recs := catalogAll(t, c.Records.ForForm(ctx, "PHARMADEMO", "AE", tc.opts))
		if len(recs) != 1 || recs[0].FormKey != "AE" {
			t.Errorf("%s: records %+v", tc.name, recs)
		}
		checkQuery(t, api.only(t).Query, tc.want)
		if tc.opts != nil && !reflect.DeepEqual(*tc.opts, before) {
			t.Errorf("%s: options modified: %+v", tc.name, *tc.opts)
		}
	}

	c, api := newFakeAPI(t, serve(envelope()))
	if err := edcSeqErr(c.Records.ForForm(ctx, "S", " ", nil)); err == nil {
		t.Error("empty form key accepted")
	}
	if err := edcSeqErr(c.Records.ForForm(ctx, "S", "AE", &RecordListOptions{ListOptions: ListOptions{Filter: RawFilter("x==1")}})); err == nil {
		t.Error("raw filter combined")
	}
	if err := edcSeqErr(c.Records.ForForm(ctx, "", "AE", nil)); !errors.Is(err, ErrNoStudy) {
		t.Errorf("no study: %v", err)
	}
	if n := len(api.requests()); n != 0 {
		t.Errorf("%d rejected requests reached the server", n)
	}
}

func TestRecordQuirksDecode(t *testing.T) {
	var r Record
	err := json.Unmarshal([]byte(`{
		"studyKey":"S","intervalId":"99","formId":10202.0,"formKey":"AE","siteId":"","recordId":"1",
		"recordOid":null,"recordType":"SITE","recordStatus":" Record Complete ","deleted":"true",
		"dateCreated":"2025-06-05T21:12:09.123Z","dateModified":"","subjectId":null,"subjectOid":"",
		"subjectKey":"01-001","visitId":"x1","parentRecordId":"34",
		"keywords":{"keywordName":"Lone","keywordKey":"L","keywordId":"7","dateAdded":"2025-06-05"},
		"recordData":{"AETERM":"Head ache","AGE":42,"W":71.50,"SER":true,"N":null,"E":"",
			"NEST":{"a":[1, 2]},"START":"2024-01-01","dateCreated":"2018-10-18 06:21:46"},
		"formName":"Adverse Event","siteName":"Chicago"}`), &r)
	if err != nil {
		t.Fatal(err)
	}
	want := Record{
		StudyKey: "S", IntervalID: 99, FormID: 10202, FormKey: "AE", RecordID: 1, RecordType: "SITE",
		RecordStatus: " Record Complete ", Deleted: true,
		DateCreated: Timestamp{Time: time.Date(2025, 6, 5, 21, 12, 9, 123e6, time.UTC)},
		SubjectKey:  "01-001", ParentRecordID: 34,
		Keywords: []Keyword{{KeywordName: "Lone", KeywordKey: "L", KeywordID: 7,
			DateAdded: Timestamp{Time: time.Date(2025, 6, 5, 0, 0, 0, 0, time.UTC), DateOnly: true}}},
		RecordData: rawData(map[string]string{"AETERM": `"Head ache"`, "AGE": `42`, "W": `71.50`, "SER": `true`,
			"N": `null`, "E": `""`, "NEST": `{"a":[1, 2]}`, "START": `"2024-01-01"`, "dateCreated": `"2018-10-18 06:21:46"`}),
		Extra: Extra{"visitId": json.RawMessage(`"x1"`), "formName": json.RawMessage(`"Adverse Event"`),
			"siteName": json.RawMessage(`"Chicago"`)},
	}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("record\n got %+v\nwant %+v", r, want)
	}

	// Lists and recordData that are null, absent, blank or of the wrong type.
	for _, tc := range []struct {
		body      string
		keywords  int
		dataLen   int
		extraKeys []string
	}{
		{`{}`, 0, 0, nil},
		{`{"keywords":null,"recordData":null}`, 0, 0, nil},
		{`{"keywords":"","recordData":""}`, 0, 0, nil},
		{`{"keywords":[],"recordData":{}}`, 0, 0, nil},
		{`{"keywords":[{"keywordId":1},{"keywordId":2}],"recordData":{"a":"1"}}`, 2, 1, nil},
		{`{"keywords":"DEE","recordData":["a"]}`, 0, 0, []string{"keywords", "recordData"}},
		{`{"keywords":[{"keywordId":1}, 5],"recordData":7}`, 1, 0, []string{"keywords", "recordData"}}, // the good keyword kept, the whole list in Extra
	} {
		var r Record
		if err := json.Unmarshal([]byte(tc.body), &r); err != nil {
			t.Errorf("%s: %v", tc.body, err)
			continue
		}
		if len(r.Keywords) != tc.keywords || r.RecordData.Len() != tc.dataLen {
			t.Errorf("%s: keywords %v data %v", tc.body, r.Keywords, r.RecordData)
		}
		var keys []string
		for k := range r.Extra {
			keys = append(keys, k)
		}
		if len(keys) != len(tc.extraKeys) {
			t.Errorf("%s: extra %v, want keys %v", tc.body, r.Extra, tc.extraKeys)
		}
		for _, k := range tc.extraKeys {
			if _, ok := r.Extra[k]; !ok {
				t.Errorf("%s: %s not in extra %v", tc.body, k, r.Extra)
			}
		}
	}

	// A reused decode target starts from scratch.
	r = Record{RecordID: 9, Extra: Extra{"x": nil}, RecordData: rawData(map[string]string{"old": "1"})}
	if err := r.UnmarshalJSON([]byte(`{"recordId":3}`)); err != nil || r.RecordID != 3 || r.Extra != nil || r.RecordData.Len() != 0 {
		t.Errorf("reused record %+v err %v", r, err)
	}
	if err := r.UnmarshalJSON([]byte(`{"recordId":3`)); err == nil {
		t.Error("truncated JSON accepted")
	}
	if err := r.UnmarshalJSON([]byte(`[1]`)); err == nil {
		t.Error("array accepted as a record")
	}
}

func TestRecordDataHelpers(t *testing.T) {
	var d RecordData
	src := []byte(`{"s1":"1","n1":1,"f":"1.5","fn":1.5,"e":"","z":null,"bt":"true","bb":true,"b1":"1","bn":0,
		"no":"abc","day":"2024-01-01","dt":"2024-01-02 03:04:05","iso":"2024-01-02T03:04:05+02:00",
		"obj":{"k" : [1,"x"]},"arr":[1,2],"esc":"caf\u00e9 \"q\"","big":12345678901234567890,"ws":"  "}`)
	if err := json.Unmarshal(src, &d); err != nil {
		t.Fatal(err)
	}
	// The decoder's buffer may be reused: the values must not alias it.
	for i := range src {
		src[i] = 'X'
	}
	text := []struct {
		name string
		want string
		ok   bool
	}{
		{"s1", "1", true}, {"n1", "1", true}, {"fn", "1.5", true}, {"e", "", true}, {"z", "", true},
		{"bb", "true", true}, {"esc", `café "q"`, true}, {"big", "12345678901234567890", true},
		{"obj", "", false}, {"arr", "", false}, {"missing", "", false},
	}
	for _, tc := range text {
		if got, ok := d.Text(tc.name); got != tc.want || ok != tc.ok {
			t.Errorf("Text(%s) = %q, %v; want %q, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
	num := []struct {
		name string
		want float64
		ok   bool
	}{
		{"s1", 1, true}, {"n1", 1, true}, {"f", 1.5, true}, {"fn", 1.5, true}, {"big", 12345678901234567890, true},
		{"e", 0, false}, {"z", 0, false}, {"ws", 0, false}, {"no", 0, false}, {"bb", 0, false},
		{"obj", 0, false}, {"missing", 0, false},
	}
	for _, tc := range num {
		if got, ok := d.Number(tc.name); got != tc.want || ok != tc.ok {
			t.Errorf("Number(%s) = %v, %v; want %v, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
	boolean := []struct {
		name   string
		want   bool
		ok     bool
		reason string
	}{
		{"bt", true, true, ""}, {"bb", true, true, ""}, {"b1", true, true, ""}, {"n1", true, true, ""},
		{"bn", false, true, ""}, {"e", false, false, "blank"}, {"z", false, false, "null"},
		{"no", false, false, ""}, {"arr", false, false, ""}, {"missing", false, false, ""},
	}
	for _, tc := range boolean {
		if got, ok := d.Bool(tc.name); got != tc.want || ok != tc.ok {
			t.Errorf("Bool(%s) = %v, %v; want %v, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
	if got, ok := d.Date("day"); !ok || !got.DateOnly || !got.Time.Equal(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Date(day) = %+v, %v", got, ok)
	}
	if got, ok := d.Date("dt"); !ok || got != ts("2024-01-02 03:04:05") {
		t.Errorf("Date(dt) = %+v, %v", got, ok)
	}
	if got, ok := d.Date("iso"); !ok || !got.Time.Equal(time.Date(2024, 1, 2, 1, 4, 5, 0, time.UTC)) {
		t.Errorf("Date(iso) = %+v, %v", got, ok)
	}
	for _, name := range []string{"no", "e", "z", "bb", "obj", "missing"} {
		if got, ok := d.Date(name); ok || got.Valid() {
			t.Errorf("Date(%s) = %+v, %v", name, got, ok)
		}
	}
	for _, name := range []string{"z", "e", "obj"} {
		if !d.Has(name) {
			t.Errorf("Has(%s) false", name)
		}
	}
	if d.Has("missing") || d.Has("S1") {
		t.Error("Has of an absent (or differently cased) name")
	}
	if got := d.Names(); !reflect.DeepEqual(got, []string{"arr", "b1", "bb", "big", "bn", "bt", "day", "dt", "e", "esc", "f", "fn", "iso", "n1", "no", "obj", "s1", "ws", "z"}) {
		t.Errorf("names %v", got)
	}
	raw := map[string]string{"obj": `{"k" : [1,"x"]}`, "esc": `"caf\u00e9 \"q\""`, "fn": `1.5`, "z": `null`, "big": `12345678901234567890`}
	for k, v := range raw {
		if got, ok := d.Raw(k); !ok || string(got) != v {
			t.Errorf("raw %s = %s, %v, want %s", k, got, ok, v)
		}
	}
	if got, ok := d.Raw("missing"); ok || got != nil {
		t.Errorf("raw of a missing name = %s, %v", got, ok)
	}
	if d.Len() != 19 {
		t.Errorf("Len = %d, want 19", d.Len())
	}
	if got := (RecordData{}).Names(); len(got) != 0 {
		t.Errorf("zero names %v", got)
	}
	if err := json.Unmarshal([]byte(`null`), &d); err != nil || d.Len() != 0 {
		t.Errorf("null recordData: %v %v", d, err)
	}
}

func TestRecordJSONEncoding(t *testing.T) {
	var r Record
	if err := json.Unmarshal([]byte(`{"studyKey":"S","recordId":5,"recordOid":"R-5","subjectOid":"O","parentRecordId":2,
		"dateCreated":"2025-06-05 21:12:09","keywords":[{"keywordKey":"DEE","keywordId":1}],
		"recordData":{"b":1.50,"a":"1","c":null,"d":{"x" : true}},"unknown":1}`), &r); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"studyKey", "intervalId", "formId", "formKey", "siteId", "recordId", "recordOid", "recordType",
		"recordStatus", "deleted", "dateCreated", "dateModified", "subjectId", "subjectOid", "subjectKey", "visitId",
		"parentRecordId", "keywords", "recordData"} {
		if _, ok := m[k]; !ok {
			t.Errorf("%s missing from %s", k, out)
		}
	}
	if len(m) != 19 {
		t.Errorf("%d members in %s", len(m), out)
	}
	checks := map[string]string{
		"recordOid":    `"R-5"`,
		"recordId":     `5`,
		"dateCreated":  `"2025-06-05T21:12:09Z"`,
		"dateModified": `null`,
		"recordData":   `{"a":"1","b":1.50,"c":null,"d":{"x":true}}`,
	}
	for k, want := range checks {
		if got := string(m[k]); got != want {
			t.Errorf("%s = %s, want %s", k, got, want)
		}
	}
	if !bytes.Contains(m["keywords"], []byte(`"keywordKey":"DEE"`)) {
		t.Errorf("keywords %s", m["keywords"])
	}
	// Round trip: what was written reads back to the same record, Extra aside.
	var back Record
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	r.Extra = nil
	data := r.RecordData.Map()
	data["d"] = json.RawMessage(`{"x":true}`)
	r.RecordData = NewRecordData(data)
	if !reflect.DeepEqual(back, r) {
		t.Errorf("round trip\n got %+v\nwant %+v", back, r)
	}
}

// The values of a RecordData share one buffer; appending to one must not change another.
func TestRecordDataValuesAreIndependent(t *testing.T) {
	var d RecordData
	if err := json.Unmarshal([]byte(`{"A":"1","B":"2","C":{"x":[1,2]}}`), &d); err != nil {
		t.Fatal(err)
	}
	a, _ := d.Raw("A")
	_ = append(a, `,"garbage"`...)
	if got, _ := d.Raw("B"); string(got) != `"2"` {
		t.Fatalf(`B = %s after appending to A, want "2"`, got)
	}
	if got, _ := d.Raw("C"); string(got) != `{"x":[1,2]}` {
		t.Fatalf("C = %s", got)
	}
}

// RecordData's decoding guesses that a record's names are the last record's: a sequence of
// objects whose names agree in part, differ in number, are spelled with escapes or hold
// backslashes must each still read exactly as encoding/json reads them.
func TestRecordDataNamesGuessedFromTheLastRecord(t *testing.T) {
	for _, doc := range []string{
		`{"x":1,"y":2}`, `{"x":3,"y":4}`, `{"x":3,"y":4,"z":5}`, `{"x":1}`, `{"\u0078":1,"y":2}`, `{"y":1,"x":2}`,
		`{"x":1,"x":2}`, `{"x":1,"y":2}`, `{"a\\b":1,"c":2}`, `{"a\\b":1,"c":2}`, `{"a\b":1,"c":2}`, `{"a\\b":3,"c":4}`,
		`{"x":1,"y":2}`, `{"x\\":1,"y":2}`, `{}`, `{"x":1,"y":2}`,
	} {
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(doc), &m); err != nil {
			t.Fatal(err)
		}
		var d RecordData
		if err := d.UnmarshalJSON([]byte(doc)); err != nil {
			t.Fatalf("%s: %v", doc, err)
		}
		t.Run(doc, func(t *testing.T) { checkDataLikeMap(t, d, m) })
	}
}

// TestRecordDataGuessStaysStrict: a record's data is decoded against the names of the last
// one, compared as bytes. Names that are not their own JSON text (a quote, a backslash, a
// control character, written escaped) must never be such a guess, or the next record could
// pass malformed JSON off as that name, or read another name as it.
func TestRecordDataGuessStaysStrict(t *testing.T) {
	for _, tc := range []struct{ first, next string }{
		{`{"\"":1}`, `{""":1}`},
		{`{"\u0001":1}`, "{\"\x01\":1}"},
		{`{"a\\b":1}`, `{"a\b":1}`},
		{`{"a":1,"b":2}`, `{"a":3,"b":4}`},
		{`{"a":1,"b":2}`, `{"a":5,"bb":6}`},
		{`{"a":1,"b":2}`, `{"a":7}`},
		{`{"a":1,"b":2}`, `{"a":8,"b":9,"c":10}`},
		{`{"a":1,"b":2}`, `{"a":8,"b`},
	} {
		var d RecordData
		if err := d.UnmarshalJSON([]byte(tc.first)); err != nil {
			t.Fatalf("%s: %v", tc.first, err)
		}
		var want map[string]json.RawMessage
		wantErr := json.Unmarshal([]byte(tc.next), &want)
		err := d.UnmarshalJSON([]byte(tc.next))
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("%s after %s: error %v; encoding/json: %v", tc.next, tc.first, err, wantErr)
		}
		if err == nil && !reflect.DeepEqual(d.Map(), want) {
			t.Errorf("%s after %s: %s", tc.next, tc.first, d.Map())
		}
		doc := []byte(`[{"recordData":` + tc.next + `}]`)
		var r Record
		if _, err := r.decodeAt(doc, 1); (err == nil) != (wantErr == nil) {
			t.Errorf("record of %s after %s: error %v; encoding/json: %v", tc.next, tc.first, err, wantErr)
		} else if err == nil && !reflect.DeepEqual(r.RecordData.Map(), want) {
			t.Errorf("record of %s after %s: %s", tc.next, tc.first, r.RecordData.Map())
		}
	}
}

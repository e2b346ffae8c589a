package resource

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	imednet "github.com/imednet/imednet-go"
)

// encodingJSON is what the records list wrote before it had its own writer: encoding/json
// with HTML escaping off, without the encoder's newline.
func encodingJSON(t *testing.T, v any) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return string(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

// fullRecord returns a record with every field of imednet.Record set to something other than
// its zero value, by reflection, so that a field added to Record (and not to the writer)
// shows in the output of encoding/json and makes the comparison fail.
func fullRecord(t *testing.T) imednet.Record {
	t.Helper()
	var r imednet.Record
	v := reflect.ValueOf(&r).Elem()
	ts := imednet.Timestamp{Time: time.Date(2024, 2, 3, 4, 5, 6, 7000, time.UTC)}
	for i := range v.NumField() {
		f, sf := v.Field(i), v.Type().Field(i)
		switch {
		case sf.Tag.Get("json") == "-":
		case f.Type() == reflect.TypeFor[imednet.Timestamp]():
			f.Set(reflect.ValueOf(ts))
		case f.Kind() == reflect.String:
			f.SetString(sf.Name + ` "<&>" é` + "\u2028\t")
		case f.Kind() == reflect.Int:
			f.SetInt(int64(1000 + i))
		case f.Kind() == reflect.Bool:
			f.SetBool(true)
		case f.Type() == reflect.TypeFor[[]imednet.Keyword]():
			f.Set(reflect.ValueOf([]imednet.Keyword{
				{KeywordName: "Data <Entry> Error", KeywordKey: "DEE", KeywordID: 3, DateAdded: ts},
				{KeywordName: "x", DateAdded: imednet.Timestamp{Raw: "not <a> date"}},
			}))
		case f.Type() == reflect.TypeFor[imednet.RecordData]():
			f.Set(reflect.ValueOf(imednet.NewRecordData(map[string]json.RawMessage{"B": json.RawMessage(`"2"`), "A": json.RawMessage(`1.50`)})))
		default:
			t.Fatalf("Record.%s (%s): the test does not know how to fill it; teach it, and appendRecordJSON", sf.Name, f.Type())
		}
	}
	return r
}

// TestAppendRecordJSONIsEncodingJSON: the records list's writer prints what encoding/json
// printed before it, byte for byte, for every field and for the values of recordData that
// need care (objects to compact, HTML characters left alone, escapes kept as sent).
func TestAppendRecordJSONIsEncodingJSON(t *testing.T) {
	full := fullRecord(t)
	data := func(kv ...string) imednet.RecordData {
		d := map[string]json.RawMessage{}
		for i := 0; i < len(kv); i += 2 {
			d[kv[i]] = json.RawMessage(kv[i+1])
		}
		return imednet.NewRecordData(d)
	}
	cases := map[string]imednet.Record{
		"every field": full,
		"zero":        {},
		"empty lists": {Keywords: []imednet.Keyword{}, RecordData: imednet.RecordData{}},
		"times": {DateCreated: imednet.Timestamp{Time: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC), DateOnly: true},
			DateModified: imednet.Timestamp{Raw: "31/12/2024 <late> & soon"}},
		"zoned time": {DateCreated: imednet.Timestamp{Time: time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))}},
		"record data": {RecordData: data(
			"zeta", `"last"`, "Alpha", `"first"`, "alpha", `"lower"`, "n", `-1.5e3`, "t", `true`, "nil", `null`,
			"obj", `{ "a" : [1, 2 ,{"b":null}] ,"c":"x y" }`, "arr", "[\n 1,\t2 ]", "esc", `"a\"b\\c\u00e9\n"`,
			"html", `"<b>&amp;</b> \u2028"`, "raw", "\"caf\xc3\xa9 \xe2\x80\xa8\"", "ké<y>", `"k"`, "", `""`)},
		// U+2029 alone is escaped by json.Marshal; the euro sign (E2 82 AC) is not.
		"line separator only": {RecordData: data("p", "\"x\xe2\x80\xa9y\"", "euro", "\"\xe2\x82\xac\"")},
		"euro only":           {RecordData: data("euro", "\"\xe2\x82\xac 5\"")},
	}
	for name, r := range cases {
		want := encodingJSON(t, &r)
		if got := string(appendRecordJSON(nil, &r)); got != want {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
		// The CSV's column: what json.Marshal prints, "" when empty.
		wantText := ""
		if m, _ := json.Marshal(r.RecordData.Map()); r.RecordData.Len() > 0 {
			wantText = string(m)
		}
		if got := recordDataText(r.RecordData); got != wantText {
			t.Errorf("%s: recordData column\n got %s\nwant %s", name, got, wantText)
		}
	}
}

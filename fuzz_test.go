package imednet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/imednet/imednet-go/internal/wire"
)

// Seed corpora are committed under testdata/fuzz/<FuzzName>/; the seeds added here with f.Add
// are the API's documented examples (testdata/spec), so that each model starts from a payload
// that reaches every one of its fields.

// fuzzModel is one decoder that FuzzModelDecode exercises.
type fuzzModel struct {
	name  string
	check func(t *testing.T, data []byte)
}

// fuzzModels are the decoders, chosen by the fuzz input's selector byte (modulo their number).
// Appending keeps the committed corpus meaningful; do not reorder.
var fuzzModels = []fuzzModel{
	{"Study", checkModel[Study]},
	{"Site", checkModel[Site]},
	{"Subject", checkModel[Subject]},
	{"Form", checkModel[Form]},
	{"Interval", checkModel[Interval]},
	{"Visit", checkModel[Visit]},
	{"Variable", checkModel[Variable]},
	{"Record", checkModel[Record]},
	{"RecordRevision", checkModel[RecordRevision]},
	{"Query", checkModel[Query]},
	{"User", checkModel[User]},
	{"Coding", checkModel[Coding]},
	{"Job", checkModel[Job]},
	{"Metadata", checkModel[Metadata]},
	{"Keyword", checkModel[Keyword]},
	{"Page[Record] page 0 of size 2", func(t *testing.T, b []byte) { checkPage[Record](t, b, 0, 2) }},
	{"Page[Subject] page 1 of size 3", func(t *testing.T, b []byte) { checkPage[Subject](t, b, 1, 3) }},
	{"ArrayPager[Job]", checkArray[Job]},
}

// specSeeds maps each documented example to the models that read it (as a list envelope, the
// items of its data, or the whole document).
var specSeeds = map[string][]string{
	"ExampleStudiesList.json":         {"Study"},
	"ExampleSitesList.json":           {"Site"},
	"ExampleSubjectsList.json":        {"Subject"},
	"ExampleFormsList.json":           {"Form"},
	"ExampleIntervalsList.json":       {"Interval"},
	"ExampleVisitsList.json":          {"Visit"},
	"ExampleVariablesList.json":       {"Variable"},
	"ExampleRecordsList.json":         {"Record"},
	"ExampleRecordRevisionsList.json": {"RecordRevision"},
	"ExampleQueriesList.json":         {"Query"},
	"ExampleUsersList.json":           {"User"},
	"ExampleCodingsList.json":         {"Coding"},
	"ExampleJobStatus.json":           {"Job"},
	"ExamplePostRecordResponse.json":  {"Job"},
}

func modelIndex(name string) byte {
	for i, m := range fuzzModels {
		if m.name == name {
			return byte(i)
		}
	}
	panic("no fuzz model " + name)
}

// FuzzModelDecode decodes the input with one model's decoder, chosen by sel, and checks:
//
//   - decoding never panics, and fails exactly when the input is not a JSON object (or null):
//     malformed JSON or another type. Every document that is a valid object decodes, whatever
//     its members hold (the models are tolerant);
//   - a decoded value encodes with encoding/json, and decoding that encoding gives the same
//     value, except for what the encoding drops by design: Extra (not encoded), invalid UTF-8
//     in text (encoded as U+FFFD) and the spacing of raw JSON values (encoded compact);
//   - that second encoding is byte for byte the first: encode∘decode is a fixed point.
//
// The page selections decode a list envelope as the pager does and check its invariants.
func FuzzModelDecode(f *testing.F) {
	for file, models := range specSeeds {
		doc, err := os.ReadFile(filepath.Join("testdata", "spec", file))
		if err != nil {
			f.Fatal(err)
		}
		var env struct {
			Data []json.RawMessage `json:"data"`
		}
		_ = json.Unmarshal(doc, &env)
		for _, m := range models {
			i := modelIndex(m)
			f.Add(doc, i)
			for _, item := range env.Data {
				f.Add([]byte(item), i)
			}
		}
		if len(env.Data) > 0 {
			f.Add(doc, modelIndex("Page[Record] page 0 of size 2"))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, sel byte) {
		m := fuzzModels[int(sel)%len(fuzzModels)]
		t.Logf("model %s", m.name)
		m.check(t, data)
	})
}

// decoder is a model with its tolerant decoding.
type decoder[T any] interface {
	*T
	json.Unmarshaler
}

// checkModel checks the properties of FuzzModelDecode for the model T.
func checkModel[T any, P decoder[T]](t *testing.T, data []byte) {
	var v T
	err := P(&v).UnmarshalJSON(data)
	if want := isObjectOrNull(data); (err == nil) != want {
		t.Fatalf("UnmarshalJSON(%q): error %v; the input is a JSON object or null: %v", data, err, want)
	}
	if err != nil {
		if err.Error() == "" {
			t.Fatal("empty error message")
		}
		return
	}
	enc, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("a decoded %T does not encode: %v\nvalue: %+v", v, err, v)
	}
	var w T
	if err := P(&w).UnmarshalJSON(enc); err != nil {
		t.Fatalf("the encoding of a decoded %T does not decode: %v\nencoding: %s", v, err, enc)
	}
	want := normalize(reflect.ValueOf(v)).Interface()
	got := normalize(reflect.ValueOf(w)).Interface()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip changed the value\ninput:    %q\nencoding: %s\nfirst:    %+v\nsecond:   %+v", data, enc, want, got)
	}
	enc2, err := json.Marshal(w)
	if err != nil || !bytes.Equal(enc, enc2) {
		t.Fatalf("encoding is not a fixed point (%v)\nfirst:  %s\nsecond: %s", err, enc, enc2)
	}
}

// isObjectOrNull reports whether data is a valid JSON document whose value is an object or null.
func isObjectOrNull(data []byte) bool {
	if !json.Valid(data) {
		return false
	}
	t := bytes.TrimLeft(data, " \t\r\n")
	return t[0] == '{' || t[0] == 'n'
}

var (
	extraType     = reflect.TypeFor[Extra]()
	rawType       = reflect.TypeFor[json.RawMessage]()
	timestampType = reflect.TypeFor[Timestamp]()
	dataType      = reflect.TypeFor[RecordData]()
)

// normalize returns a copy of v with what a JSON encoding does not keep undone: Extra maps
// cleared, text made valid UTF-8 the way encoding/json does (each invalid byte becomes
// U+FFFD), raw JSON compacted with HTML characters escaped as encoding/json writes it.
func normalize(v reflect.Value) reflect.Value {
	out := reflect.New(v.Type()).Elem()
	switch {
	case v.Type() == extraType:
		return out
	case v.Type() == rawType:
		if v.IsNil() {
			return out
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, v.Bytes()); err != nil {
			out.Set(v)
			return out
		}
		var esc bytes.Buffer
		json.HTMLEscape(&esc, buf.Bytes())
		out.SetBytes(esc.Bytes())
		return out
	case v.Type() == dataType:
		// Its members are unexported: normalized as the map of them.
		m := normalize(reflect.ValueOf(v.Interface().(RecordData).Map())).Interface().(map[string]json.RawMessage)
		out.Set(reflect.ValueOf(NewRecordData(m)))
		return out
	case v.Type() == timestampType:
		ts := v.Interface().(Timestamp)
		ts.Raw = validText(ts.Raw)
		out.Set(reflect.ValueOf(ts))
		return out
	}
	switch v.Kind() {
	case reflect.String:
		out.SetString(validText(v.String()))
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				out.Field(i).Set(normalize(v.Field(i)))
			}
		}
	case reflect.Slice:
		if v.IsNil() {
			return out
		}
		out.Set(reflect.MakeSlice(v.Type(), v.Len(), v.Len()))
		for i := range v.Len() {
			out.Index(i).Set(normalize(v.Index(i)))
		}
	case reflect.Map:
		if v.IsNil() {
			return out
		}
		out.Set(reflect.MakeMap(v.Type()))
		for it := v.MapRange(); it.Next(); {
			out.SetMapIndex(normalize(it.Key()), normalize(it.Value()))
		}
	case reflect.Pointer:
		if v.IsNil() {
			return out
		}
		p := reflect.New(v.Type().Elem())
		p.Elem().Set(normalize(v.Elem()))
		out.Set(p)
	default:
		out.Set(v)
	}
	return out
}

// validText replaces each invalid UTF-8 byte of s with U+FFFD, as encoding/json does.
func validText(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return string([]rune(s))
}

// checkPage decodes data as the pager decodes page number of a list asked for with size.
func checkPage[T any, P decoder[T]](t *testing.T, data []byte, number, size int) {
	page := &Page[T]{Number: number}
	d := &pageDecoder[T]{page: page, size: size, path: "/api/v1/edc/studies/S/items"}
	err := d.UnmarshalJSON(data)
	if err != nil {
		var pe *PaginationError
		var se *wire.SyntaxError
		if !errors.As(err, &pe) && !errors.As(err, &se) {
			t.Fatalf("error %T %v is neither a PaginationError nor a SyntaxError", err, err)
		}
		if pe != nil && (pe.Page != number || pe.Reason == "") {
			t.Fatalf("PaginationError %+v: wrong page or no reason", pe)
		}
		if msg := err.Error(); strings.ContainsAny(msg, "\n\r") {
			t.Fatalf("error message on more than one line: %q", msg)
		}
		return
	}
	if !json.Valid(data) {
		t.Fatalf("a malformed body decoded as a page: %q", data)
	}
	if page.Number != number {
		t.Fatalf("page number changed from %d to %d", number, page.Number)
	}
	pg := page.Pagination
	if page.HasNext() {
		if pg == nil || number >= pg.TotalPages-1 {
			t.Fatalf("HasNext on page %d with pagination %+v", number, pg)
		}
	}
	if pg == nil {
		return
	}
	if pg.CurrentPage < 0 || pg.Size < 0 || pg.TotalPages < 0 || pg.TotalElements < 0 {
		t.Fatalf("negative pagination accepted: %+v", pg)
	}
	if pg.CurrentPage != 0 && pg.CurrentPage != number {
		t.Fatalf("page %d accepted for page %d", pg.CurrentPage, number)
	}
	if pg.TotalPages != 0 && number >= pg.TotalPages && len(page.Items) > 0 {
		t.Fatalf("items accepted on page %d of %d", number, pg.TotalPages)
	}
	// Each item is what its own decoding gives. Member names are case-sensitive ("dAtA" is
	// not the data), and the last of duplicates counts, as with a map.
	var items []json.RawMessage
	var env map[string]json.RawMessage
	if json.Unmarshal(data, &env) == nil && len(env["data"]) > 0 && env["data"][0] == '[' {
		if err := json.Unmarshal(env["data"], &items); err != nil {
			t.Fatalf("data of an accepted page: %v", err)
		}
	}
	if len(items) != len(page.Items) {
		t.Fatalf("%d items decoded from a data array of %d", len(page.Items), len(items))
	}
	for i, raw := range items {
		var one T
		if err := P(&one).UnmarshalJSON(raw); err != nil {
			t.Fatalf("item %d was accepted in the page but does not decode alone: %v", i, err)
		}
		if !reflect.DeepEqual(one, page.Items[i]) {
			t.Fatalf("item %d differs from its own decoding", i)
		}
	}

	// With KeepRaw the same items come with their exact bytes.
	kept := &pageDecoder[T]{page: &Page[T]{Number: number}, size: size, keepRaw: true, path: d.path}
	if err := kept.UnmarshalJSON(data); err != nil {
		t.Fatalf("with KeepRaw: %v; without, the page decodes", err)
	}
	if len(kept.page.Raw) != len(items) || !reflect.DeepEqual(kept.page.Items, page.Items) {
		t.Fatalf("with KeepRaw: %d raw items and items equal %v; want %d raw items and the same items",
			len(kept.page.Raw), reflect.DeepEqual(kept.page.Items, page.Items), len(items))
	}
	for i, raw := range items {
		if !bytes.Equal(kept.page.Raw[i], raw) {
			t.Fatalf("Raw[%d] = %q, the item's bytes are %q", i, kept.page.Raw[i], raw)
		}
	}
}

// checkArray decodes data as ArrayPager does: a bare JSON array of items.
func checkArray[T any, P decoder[T]](t *testing.T, data []byte) {
	d := &arrayDecoder[T]{path: "/api/v1/edc/studies/S/items"}
	err := d.UnmarshalJSON(data)
	if err != nil {
		if d.items != nil {
			t.Fatalf("%d items kept after an error", len(d.items))
		}
		return
	}
	var items []json.RawMessage
	if err := json.Unmarshal(data, &items); err != nil {
		t.Fatalf("accepted %q, which encoding/json does not read as an array: %v", data, err)
	}
	if len(items) != len(d.items) {
		t.Fatalf("%d items decoded from an array of %d", len(d.items), len(items))
	}
}

// Keys of the client in FuzzAPIError. One holds a space: checkSecret accepts it, and the
// excerpt's whitespace folding must not rebuild it from a body that spells it with a newline.
const (
	fuzzAPIKey      = "fz-apikey-93b1c7d2e4"
	fuzzSecurityKey = "fz-sec key-5a6b7c8d9e"
)

// FuzzAPIError builds an *APIError from a status, a Retry-After header and a body, as the
// client does for every error response, and checks: no panic; the message is one line, of
// bounded length, and contains neither key even when the body echoes them (in plain text, in
// JSON strings, escaped, across whitespace); every field is one line and bounded; the
// Retry-After delay is never negative; the class matches the status.
func FuzzAPIError(f *testing.F) {
	for _, s := range []struct {
		status int
		retry  string
		body   string
	}{
		{400, "", `{"metadata":{"status":"BAD_REQUEST","method":"GET","path":"/api/v1/edc/studies","timestamp":"2024-11-04 16:03:19","error":{"code":"1000","description":"Field raised validation errors","field":{"attribute":"page","value":"XX"}}}}`},
		{403, "", `{"metadata":{"status":"FORBIDDEN","error":{"code":"9001","description":"Insufficient permission"}}}`},
		{500, "", `{"metadata":{"status":"ERROR","error":{"message":"internal error"}}}`},
		{502, "", `{"message":"Bad gateway"}`},
		{503, "120", "<html>\r\n<body>Service Unavailable</body>\r\n</html>"},
		{429, "1.5", `{"metadata":{"status":"TOO_MANY_REQUESTS","error":"slow down"}}`},
		{429, "Wed, 21 Oct 2015 07:28:00 GMT", ""},
		{401, "", `{"message":"invalid key ` + fuzzAPIKey + `"}`},
		{401, "", `{"metadata":{"error":{"description":"keys fz-apikey-93b1c7d2e4 / fz-sec key-5a6b7c8d9e","field":{"attribute":"x-api-key","value":"fz-apikey-93b1c7d2e4"}}}}`},
		{400, "", `{"message":"\u0066z-apikey-93b1c7d2e4"}`},
		{400, "", "fz-sec\nkey-5a6b7c8d9e"},
		{404, "", strings.Repeat("é", 600)},
		{400, "", `{"metadata":{"error":{"code":{"nested":true},"field":"page"}}}`},
		{418, "NaN", `null`},
		{599, "-3", `[1,2,3]`},
		{400, "", "{\"message\":\"a\xffb\"}"},
	} {
		f.Add(uint16(s.status), s.retry, []byte(s.body))
	}
	c, err := New(WithAPIKey(fuzzAPIKey, fuzzSecurityKey),
		WithClock(&fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, status uint16, retryAfter string, body []byte) {
		code := 400 + int(status)%200 // the client builds an APIError for 4xx and 5xx only
		h := http.Header{}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		e := c.newAPIError(http.MethodGet, "/api/v1/edc/studies", code, h, body)
		if e.StatusCode != code || e.Method != http.MethodGet || e.Path != "/api/v1/edc/studies" {
			t.Fatalf("request details changed: %+v", e)
		}
		if e.RetryAfter < 0 {
			t.Fatalf("negative Retry-After %v from %q", e.RetryAfter, retryAfter)
		}
		// Every string field is checked on its own. The Go syntax (%#v) is not searched for
		// the keys: it escapes bytes, and an escape such as \x7f followed by the rest of a key
		// spells the key without the error holding it.
		parts := map[string]string{
			"Error()": e.Error(), "Status": e.Status, "Code": e.Code,
			"Description": e.Description, "Body": e.Body,
			"%+v": fmt.Sprintf("%+v", e),
		}
		if e.Field != nil {
			parts["Field.Attribute"] = e.Field.Attribute
			parts["Field.Value"] = e.Field.Value
		}
		limits := map[string]int{
			"Status": 100 + 3, "Code": 100 + 3, "Description": maxExcerpt + 3, "Body": maxExcerpt + 3,
			"Field.Attribute": 200 + 3, "Field.Value": 200 + 3,
			// Method, path, status, code, description, a quoted field (each byte at most
			// \xNN) and the retry delay.
			"Error()": 100 + 103 + maxExcerpt + 3 + 2*4*203 + 50,
		}
		for name, s := range parts {
			for _, key := range []string{fuzzAPIKey, fuzzSecurityKey} {
				if strings.Contains(s, key) {
					t.Fatalf("%s contains a key: %q\nbody: %q", name, s, body)
				}
			}
			if name == "%+v" {
				continue
			}
			if strings.ContainsAny(s, "\n\r") {
				t.Fatalf("%s is not one line: %q", name, s)
			}
			if s != strings.TrimSpace(s) {
				t.Fatalf("%s has leading or trailing spaces: %q", name, s)
			}
			if n := len(s); n > limits[name] {
				t.Fatalf("%s is %d bytes, over %d", name, n, limits[name])
			}
		}
		if len(body) > 0 && strings.TrimSpace(string(body)) != "" && e.Body == "" {
			t.Fatalf("no excerpt of the body %q", body)
		}
		classes := map[error]bool{
			ErrBadRequest: code == 400, ErrUnauthorized: code == 401, ErrForbidden: code == 403,
			ErrNotFound: code == 404, ErrConflict: code == 409, ErrRateLimited: code == 429,
			ErrServer:     code >= 500,
			ErrValidation: code == 400 && (e.Code == "1000" || e.Field != nil),
		}
		for class, want := range classes {
			if errors.Is(e, class) != want {
				t.Fatalf("errors.Is(%d, %v) = %v", code, class, !want)
			}
		}
	})
}

// FuzzDecodeAt checks that the in-place decoding the pager uses for records, revisions,
// visits, codings, queries and subjects gives exactly what UnmarshalJSON gives for the item alone, ends where the item's text ends,
// and never panics, whatever the item.
func FuzzDecodeAt(f *testing.F) {
	for _, file := range []string{"ExampleRecordsList.json", "ExampleRecordRevisionsList.json", "ExampleVisitsList.json",
		"ExampleCodingsList.json", "ExampleQueriesList.json", "ExampleSubjectsList.json"} {
		doc, err := os.ReadFile(filepath.Join("testdata", "spec", file))
		if err != nil {
			f.Fatal(err)
		}
		var env struct {
			Data []json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(doc, &env); err != nil || len(env.Data) == 0 {
			f.Fatalf("%s: no items (%v)", file, err)
		}
		for _, item := range env.Data {
			f.Add([]byte(item))
		}
	}
	for _, s := range []string{`null`, ` {} `, `{"recordData":null}`, `{"recordData":[1]}`, `{"recordId":"7","recordData":{"A":1}} x`, `[]`, `{"a":`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, item []byte) {
		doc := append(append([]byte("["), item...), ']')
		wantEnd := 1 + len(bytes.TrimRight(item, " \t\r\n"))
		checkDecodeAt(t, item, doc, wantEnd, (*Record).decodeAt)
		checkDecodeAt(t, item, doc, wantEnd, (*RecordRevision).decodeAt)
		checkDecodeAt(t, item, doc, wantEnd, (*Visit).decodeAt)
		checkDecodeAt(t, item, doc, wantEnd, (*Coding).decodeAt)
		checkDecodeAt(t, item, doc, wantEnd, (*Query).decodeAt)
		checkDecodeAt(t, item, doc, wantEnd, (*Subject).decodeAt)
	})
}

// checkDecodeAt compares decodeAt on item within doc (at offset 1) with UnmarshalJSON(item),
// after overwriting the bytes decodeAt read: what it decodes must keep nothing of them, as
// the pager reuses a page's buffer.
func checkDecodeAt[T any, P decoder[T]](t *testing.T, item, doc []byte, wantEnd int, decodeAt func(P, []byte, int) (int, error)) {
	t.Helper()
	var whole T
	wholeErr := P(&whole).UnmarshalJSON(item)
	var v T
	data := slices.Clone(doc)
	end, err := decodeAt(P(&v), data, 1)
	if wholeErr != nil {
		return // item is not one object: decodeAt may still read an object that starts it
	}
	if err != nil || end != wantEnd {
		t.Fatalf("%T.decodeAt(%q, 1) = %d, %v; UnmarshalJSON of the item succeeds, want end %d", &v, doc, end, err, wantEnd)
	}
	for i := range data {
		data[i] = '#'
	}
	if !reflect.DeepEqual(v, whole) {
		t.Fatalf("%T.decodeAt(%q, 1) = %+v (after its input was overwritten); UnmarshalJSON gives %+v", &v, doc, v, whole)
	}
}

// FuzzRecordData checks RecordData against encoding/json's map[string]json.RawMessage, which
// it replaced: it decodes exactly the objects (and null) that the map decodes; it has the
// same names and, for each, the same raw value (the last of a repeated name), so that every
// reader (Raw, Has, Names, All, Len, Text, Number, Bool, Date) answers as it answered over the
// map; and it encodes to the same bytes, with and without HTML escaping. The in-place decoding
// the pager uses gives the same RecordData, which keeps nothing of the bytes it read.
func FuzzRecordData(f *testing.F) {
	for _, s := range []string{
		`{}`, `null`, `{"a":"1","b":2}`, `{"b":1,"a":2,"b":3}`, `{"A":"x","a":"y"}`, `{"x":{"k" : [1, "<&>"]}}`,
		`{"d":"2024-01-02 03:04:05","n":"1.5","t":"yes","e":"","z":null}`, `{"caf\u00e9":"\u2028"}`, "{\"\xff\":1}",
		`[1]`, `"x"`, `{"a":1,}`, `{"a" 1}`, `{} x`,
		`{"z":1,"y":2,"x":3,"w":4,"v":5,"u":6,"t":7,"s":8,"r":9,"q":10,"p":11,"o":12}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var m map[string]json.RawMessage
		mapErr := json.Unmarshal(data, &m)
		var d RecordData
		err := d.UnmarshalJSON(data)
		if (err == nil) != (mapErr == nil) {
			t.Fatalf("UnmarshalJSON(%q): error %v; encoding/json into a map: %v", data, err, mapErr)
		}
		if err != nil {
			return
		}
		checkDataLikeMap(t, d, m)

		// In place within an item, the item's bytes overwritten afterwards.
		doc := append(append([]byte(`[{"recordData":`), data...), "}]"...)
		var r Record
		in := slices.Clone(doc)
		if _, err := r.decodeAt(in, 1); err != nil {
			t.Fatalf("decodeAt(%q): %v", doc, err)
		}
		for i := range in {
			in[i] = '#'
		}
		if !reflect.DeepEqual(r.RecordData, d) {
			t.Fatalf("decodeAt(%q) = %+v; UnmarshalJSON gives %+v", doc, r.RecordData, d)
		}
	})
}

// checkDataLikeMap checks that d reads as m, and encodes as m does.
func checkDataLikeMap(t *testing.T, d RecordData, m map[string]json.RawMessage) {
	t.Helper()
	if d.Len() != len(m) {
		t.Fatalf("Len = %d; the map has %d members", d.Len(), len(m))
	}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	if got := d.Names(); !slices.Equal(got, names) && len(names) > 0 {
		t.Fatalf("Names = %q; the map's sorted keys are %q", got, names)
	}
	i := 0
	for k, v := range d.All() {
		if k != names[i] || !bytes.Equal(v, m[k]) {
			t.Fatalf("All yields %q: %s at %d; want %q: %s", k, v, i, names[i], m[names[i]])
		}
		i++
	}
	for k, want := range m {
		got, ok := d.Raw(k)
		if !ok || !bytes.Equal(got, want) || !d.Has(k) {
			t.Fatalf("Raw(%q) = %s, %v; the map holds %s", k, got, ok, want)
		}
		v := wire.Value(want)
		s, ok := d.Text(k)
		ws, wok := v.Text()
		if s != ws || ok != wok {
			t.Fatalf("Text(%q) = %q, %v; the value reads %q, %v", k, s, ok, ws, wok)
		}
		absent := v.IsAbsent()
		n, nok := d.Number(k)
		wn, wnok := v.Float()
		if k := v.Kind(); absent || k != wire.Number && k != wire.String {
			wn, wnok = 0, false
		}
		if n != wn && !(n != n && wn != wn) || nok != wnok {
			t.Fatalf("Number(%q) = %v, %v; want %v, %v", k, n, nok, wn, wnok)
		}
		b, bok := d.Bool(k)
		wb, wbok := v.Bool()
		if absent {
			wb, wbok = false, false
		}
		if b != wb || bok != wbok {
			t.Fatalf("Bool(%q) = %v, %v; want %v, %v", k, b, bok, wb, wbok)
		}
		ts, tok := d.Date(k)
		wts, wtok := wire.ParseTimeValue(v)
		if absent || !wtok {
			wts, wtok = Timestamp{}, false
		}
		if tok != (wtok && wts.Valid()) || tok && ts != wts {
			t.Fatalf("Date(%q) = %+v, %v; want %+v, %v", k, ts, tok, wts, wtok)
		}
	}
	for _, missing := range []string{"", "missing\x00"} {
		if _, inMap := m[missing]; !inMap && (d.Has(missing) || func() bool { _, ok := d.Raw(missing); return ok }()) {
			t.Fatalf("%q is not a member, but Has or Raw finds it", missing)
		}
	}
	want, werr := json.Marshal(m)
	got, err := json.Marshal(d)
	if err != nil || werr != nil || !bytes.Equal(got, want) {
		if m == nil && err == nil && string(got) == "{}" {
			return // null decodes as a map that is nil, encoded null: a RecordData is {} then
		}
		t.Fatalf("json.Marshal = %s, %v; of the map: %s, %v", got, err, want, werr)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		t.Fatal(err)
	}
	if got := d.AppendJSON(nil); string(got)+"\n" != buf.String() {
		t.Fatalf("AppendJSON = %s; encoding/json without HTML escaping writes %s", got, buf.Bytes())
	}
}

package imednettest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/imednettest"
)

// The server's field tables compute synthetic values, field by field; the SDK declares each
// model's fields in its struct. TestListingsPrintTheModelsFields keeps the two from drifting
// apart: every list endpoint prints exactly the members its model declares, each of a JSON
// kind that the model's field reads.

// modelListings are the server's list endpoints and the SDK model of their items.
var modelListings = []struct {
	path  string // under /api/v1/edc, with the demo study
	model reflect.Type
	// kinds are the JSON kinds of the members that the API sends otherwise than their Go type
	// says.
	kinds map[string][]string
}{
	{"/studies", reflect.TypeFor[imednet.Study](), nil},
	{"/studies/DEMO/sites", reflect.TypeFor[imednet.Site](), nil},
	{"/studies/DEMO/subjects", reflect.TypeFor[imednet.Subject](), nil},
	{"/studies/DEMO/forms", reflect.TypeFor[imednet.Form](), nil},
	{"/studies/DEMO/intervals", reflect.TypeFor[imednet.Interval](), nil},
	{"/studies/DEMO/visits", reflect.TypeFor[imednet.Visit](), nil},
	{"/studies/DEMO/variables", reflect.TypeFor[imednet.Variable](), nil},
	{"/studies/DEMO/records", reflect.TypeFor[imednet.Record](), nil},
	{"/studies/DEMO/recordRevisions", reflect.TypeFor[imednet.RecordRevision](), nil},
	{"/studies/DEMO/queries", reflect.TypeFor[imednet.Query](), nil},
	// The contract declares codingId an integer; the SDK keeps it as text, since live systems
	// have sent ids such as "C1".
	{"/studies/DEMO/codings", reflect.TypeFor[imednet.Coding](), map[string][]string{"codingId": {"number"}}},
	{"/studies/DEMO/users?includeInactive=true", reflect.TypeFor[imednet.User](), nil},
}

func TestListingsPrintTheModelsFields(t *testing.T) {
	srv, err := imednettest.New()
	if err != nil {
		t.Fatal(err)
	}
	apiKey, secKey := srv.Keys()
	for _, l := range modelListings {
		t.Run(l.model.Name(), func(t *testing.T) {
			items := listAllItems(t, srv.Handler(), apiKey, secKey, l.path)
			if len(items) == 0 {
				t.Fatalf("%s lists no items: nothing to compare", l.path)
			}
			for i, item := range items {
				where := fmt.Sprintf("%s item %d", l.path, i)
				checkMembers(t, where, item, l.model, l.kinds)
				checkDecodesWhole(t, where, item, l.model)
			}
		})
	}
}

// listAllItems returns the raw items of every page of a listing.
func listAllItems(t *testing.T, h http.Handler, apiKey, secKey, path string) []json.RawMessage {
	t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	var items []json.RawMessage
	for page := 0; ; page++ {
		req := httptest.NewRequest(http.MethodGet, fmt.Sprintf("/api/v1/edc%s%spage=%d&size=500", path, sep, page), nil)
		req.Header.Set("x-api-key", apiKey)
		req.Header.Set("x-imn-security-key", secKey)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s page %d: %d %s", path, page, rec.Code, rec.Body)
		}
		var env struct {
			Data       []json.RawMessage `json:"data"`
			Pagination struct {
				TotalPages int `json:"totalPages"`
			} `json:"pagination"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
			t.Fatalf("GET %s page %d: %v", path, page, err)
		}
		items = append(items, env.Data...)
		if page+1 >= env.Pagination.TotalPages {
			return items
		}
	}
}

// declaredFields returns the JSON names of a model's fields and the fields by name.
func declaredFields(model reflect.Type) (names []string, byName map[string]reflect.StructField) {
	byName = map[string]reflect.StructField{}
	for f := range model.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" || name == "" {
			continue
		}
		names = append(names, name)
		byName[name] = f
	}
	return names, byName
}

// checkMembers checks that the object raw has exactly the members model declares, each of the
// JSON kind of its field's Go type (or of sent, by member name), and recurses into lists of
// models.
func checkMembers(t *testing.T, where string, raw json.RawMessage, model reflect.Type, sent map[string][]string) {
	t.Helper()
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		t.Fatalf("%s: not an object: %v", where, err)
	}
	names, byName := declaredFields(model)
	printed := make([]string, 0, len(members))
	for name := range members {
		printed = append(printed, name)
	}
	slices.Sort(printed)
	slices.Sort(names)
	if !slices.Equal(printed, names) {
		t.Fatalf("%s: the server prints the members %v; imednet.%s declares %v", where, printed, model.Name(), names)
	}
	for name, value := range members {
		f := byName[name]
		kinds := sent[name]
		if kinds == nil {
			kinds = jsonKinds(f.Type)
		}
		if !slices.Contains(kinds, jsonKind(value)) {
			t.Errorf("%s: %s is %s %s; imednet.%s.%s (%s) reads %v", where, name, jsonKind(value), value, model.Name(), f.Name, f.Type, kinds)
		}
		if f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct && jsonKind(value) == "array" {
			var elems []json.RawMessage
			_ = json.Unmarshal(value, &elems)
			for j, e := range elems {
				checkMembers(t, fmt.Sprintf("%s: %s[%d]", where, name, j), e, f.Type.Elem(), nil)
			}
		}
	}
}

// jsonKind is the JSON kind of a value.
func jsonKind(v json.RawMessage) string {
	switch v[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

var (
	timestampType  = reflect.TypeFor[imednet.Timestamp]()
	recordDataType = reflect.TypeFor[imednet.RecordData]()
)

// jsonKinds are the JSON kinds in which the API sends a field of Go type t.
func jsonKinds(t reflect.Type) []string {
	switch {
	case t == timestampType:
		return []string{"string", "array", "null"} // a text layout, [y,m,d,h,mi,s,ns], or none
	case t.Kind() == reflect.String:
		return []string{"string", "null"}
	case t.Kind() == reflect.Int:
		return []string{"number"}
	case t.Kind() == reflect.Bool:
		return []string{"boolean"}
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct:
		return []string{"array"}
	case t == recordDataType:
		return []string{"object"}
	}
	return []string{"string", "number", "boolean", "null", "object", "array"}
}

// checkDecodesWhole decodes raw as the SDK does and checks that nothing was left in an Extra
// map: the model read every member as its declared type.
func checkDecodesWhole(t *testing.T, where string, raw json.RawMessage, model reflect.Type) {
	t.Helper()
	v := reflect.New(model)
	if err := v.Interface().(json.Unmarshaler).UnmarshalJSON(raw); err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	if path, extra := leftoverExtra(v.Elem(), model.Name()); extra != nil {
		t.Errorf("%s: imednet.%s did not read %v (left in %s.Extra)", where, model.Name(), extra, path)
	}
}

// leftoverExtra returns the first non-empty Extra map in a decoded model or its lists.
func leftoverExtra(v reflect.Value, path string) (string, imednet.Extra) {
	if extra, ok := v.FieldByName("Extra").Interface().(imednet.Extra); ok && len(extra) > 0 {
		return path, extra
	}
	for i := range v.NumField() {
		f := v.Field(i)
		if f.Kind() != reflect.Slice || f.Type().Elem().Kind() != reflect.Struct {
			continue
		}
		for j := range f.Len() {
			if p, extra := leftoverExtra(f.Index(j), fmt.Sprintf("%s.%s[%d]", path, v.Type().Field(i).Name, j)); extra != nil {
				return p, extra
			}
		}
	}
	return "", nil
}

package dictionary

import (
	"context"
	"errors"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	imednet "github.com/imednet/imednet-go"
)

// loadFixture is a study of five forms and eleven variables, listed in an order that is not
// the sequence order, some naming their form only by key or only by id.
func loadFixture(t *testing.T) *fakeAPI {
	forms := []imednet.Form{
		apiForm(1, "DM", "Demographics", "Subject", false),
		apiForm(2, "AE", "Adverse Events", "Subject", false),
		apiForm(3, "VS", "Vital Signs", "Subject", false),
		apiForm(4, "OLD", "Old form", "Subject", true),
		apiForm(5, "SITE", "Site Info", "Site", false),
	}
	aeold := apiVar(18, "AEOLD", "TEXT", 4, 2, "AE")
	aeold.Disabled = true
	sitenote := apiVar(19, "SITENOTE", "TEXTAREA", 1, 5, "SITE")
	sitenote.Blinded = true
	oldv := apiVar(21, "OLDV", "TEXT", 1, 4, "OLD")
	oldv.Deleted = true
	vars := []imednet.Variable{
		apiVar(11, "AESEV", "RADIO", 2, 2, "AE"),
		apiVar(12, "DMSEX", "radio", 1, 1, "DM"),
		apiVar(13, "AETERM", "TEXT", 1, 2, "AE"),
		apiVar(14, "VSWT", "Number", 2, 0, "VS"), // no formId: joins by formKey
		apiVar(15, "AESTDAT", "DATE", 3, 2, "AE"),
		apiVar(16, "VSHT", "NUMBER", 1, 3, ""), // no formKey: joins by formId
		apiVar(17, "AECOMM", "memo", 4, 2, "AE"),
		aeold, // same sequence as AECOMM: after it by id
		sitenote,
		apiVar(20, "AESER", "CHECKBOX", 5, 2, "AE"),
		oldv,
	}
	f := &fakeAPI{study: "CARDIO-01", formPage: 2, varPage: 3}
	for _, x := range forms {
		f.forms = append(f.forms, formJSON(t, x))
	}
	for _, x := range vars {
		f.vars = append(f.vars, varJSON(t, x))
	}
	return f
}

func TestLoadPagesAndGroups(t *testing.T) {
	api := loadFixture(t)
	c := newFake(t, api)
	d, err := Load(t.Context(), c, "CARDIO-01")
	if err != nil {
		t.Fatal(err)
	}

	// The requests: every page of each list, in order, 500 per page, a definite sort.
	checkPages := func(path string, pages int, sort string) {
		t.Helper()
		rs := api.on(path)
		if len(rs) != pages {
			t.Fatalf("%s: %d requests, want %d: %+v", path, len(rs), pages, rs)
		}
		for i, r := range rs {
			want := url.Values{"page": {strconv.Itoa(i)}, "size": {"500"}, "sort": {sort}}
			if r.Method != "GET" || !reflect.DeepEqual(r.Query, want) {
				t.Errorf("%s request %d: %s %v, want GET %v", path, i, r.Method, r.Query, want)
			}
		}
	}
	checkPages("/api/v1/edc/studies/CARDIO-01/forms", 3, "formId,ASC")
	checkPages("/api/v1/edc/studies/CARDIO-01/variables", 4, "variableId,ASC")
	if n := len(api.requests()); n != 7 {
		t.Errorf("%d requests in all, want 7", n)
	}

	if d.Study() != "CARDIO-01" {
		t.Errorf("Study() = %q", d.Study())
	}
	// The structure: forms in listed order, variables in sequence order (ties by id).
	want := map[string][]string{
		"DM":   {"DMSEX"},
		"AE":   {"AETERM", "AESEV", "AESTDAT", "AECOMM", "AEOLD", "AESER"},
		"VS":   {"VSHT", "VSWT"},
		"OLD":  {"OLDV"},
		"SITE": {"SITENOTE"},
	}
	var keys []string
	for _, f := range d.Forms() {
		keys = append(keys, f.Key)
		var names []string
		for _, v := range f.Variables {
			names = append(names, v.Name)
			if v.FormKey != f.Key {
				t.Errorf("variable %s of form %s has FormKey %q", v.Name, f.Key, v.FormKey)
			}
		}
		if !reflect.DeepEqual(names, want[f.Key]) {
			t.Errorf("form %s variables %v, want %v", f.Key, names, want[f.Key])
		}
	}
	if !reflect.DeepEqual(keys, []string{"DM", "AE", "VS", "OLD", "SITE"}) {
		t.Errorf("forms %v", keys)
	}

	ae, ok := d.Form("AE")
	if !ok {
		t.Fatal("no form AE")
	}
	if ae.ID != 2 || ae.Name != "Adverse Events" || ae.Type != "Subject" || ae.Disabled {
		t.Errorf("form AE %+v", ae)
	}
	if old, _ := d.FormByID(4); old == nil || old.Key != "OLD" || !old.Disabled {
		t.Errorf("form 4 %+v", old)
	}
	if site, _ := d.Form("SITE"); site == nil || site.Type != "Site" {
		t.Errorf("form SITE %+v", site)
	}
	comm, _ := ae.Variable("AECOMM")
	wantComm := &Variable{ID: 17, Name: "AECOMM", Label: "Label of AECOMM", Type: "memo", Kind: KindTextArea,
		OID: "OID-AECOMM", Sequence: 4, FormKey: "AE", Sources: SourceAPI}
	if !reflect.DeepEqual(comm, wantComm) {
		t.Errorf("AECOMM\n got %+v\nwant %+v", comm, wantComm)
	}
	if v, _ := ae.Variable("AEOLD"); v == nil || !v.Disabled || v.Active() {
		t.Errorf("AEOLD %+v", v)
	}
	vs, _ := d.Form("VS")
	if v, _ := vs.Variable("VSWT"); v == nil || v.Kind != KindNumber || v.Type != "Number" || v.FormKey != "VS" {
		t.Errorf("VSWT %+v", v)
	}
	site, _ := d.Form("SITE")
	if v, _ := site.Variable("SITENOTE"); v == nil || !v.Blinded || v.Kind != KindTextArea {
		t.Errorf("SITENOTE %+v", v)
	}
	oldForm, _ := d.Form("OLD")
	if v, _ := oldForm.Variable("OLDV"); v == nil || !v.Deleted || v.Active() {
		t.Errorf("OLDV %+v", v)
	}
}

func TestLoadOrphanVariable(t *testing.T) {
	api := loadFixture(t)
	api.vars = append(api.vars, varJSON(t, apiVar(77, "GHOST", "TEXT", 1, 99, "ZZ")),
		varJSON(t, apiVar(78, "LOST", "TEXT", 1, 0, "")))
	c := newFake(t, api)
	d, err := Load(t.Context(), c, "CARDIO-01")
	if err == nil {
		t.Fatalf("no error; dictionary %+v", d)
	}
	for _, frag := range []string{"study CARDIO-01", "2 variables belong to no form of the study",
		`"GHOST" (variableId 77, formId 99, formKey "ZZ")`, `"LOST" (variableId 78, formId 0, formKey "")`} {
		if !strings.Contains(err.Error(), frag) {
			t.Errorf("error %q lacks %q", err, frag)
		}
	}
	if d != nil {
		t.Errorf("dictionary %+v with the error", d)
	}
}

func TestLoadAPIErrors(t *testing.T) {
	for _, which := range []string{"forms", "variables"} {
		t.Run(which, func(t *testing.T) {
			api := loadFixture(t)
			api.fail = map[string]int{"/api/v1/edc/studies/CARDIO-01/" + which: 403}
			c := newFake(t, api)
			_, err := Load(t.Context(), c, "CARDIO-01")
			var apiErr *imednet.APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != 403 {
				t.Fatalf("error %v, want an *imednet.APIError 403", err)
			}
			if !errors.Is(err, imednet.ErrForbidden) {
				t.Errorf("error %v does not match ErrForbidden", err)
			}
			if want := "dictionary: loading the " + which + " of study CARDIO-01: "; !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %q, want prefix %q", err, want)
			}
		})
	}
}

func TestLoadStudyFromContext(t *testing.T) {
	api := loadFixture(t)
	c := newFake(t, api)
	d, err := Load(imednet.WithStudy(t.Context(), "CARDIO-01"), c, "")
	if err != nil {
		t.Fatal(err)
	}
	if d.Study() != "CARDIO-01" || len(d.Forms()) != 5 {
		t.Errorf("study %q, %d forms", d.Study(), len(d.Forms()))
	}

	_, err = Load(t.Context(), c, "")
	if !errors.Is(err, imednet.ErrNoStudy) {
		t.Errorf("no study: %v", err)
	}
	if _, err := Load(t.Context(), nil, "S"); err == nil || !strings.Contains(err.Error(), "nil") {
		t.Errorf("nil client: %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Load(ctx, c, "CARDIO-01"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestLoadEmptyStudy(t *testing.T) {
	c := newFake(t, &fakeAPI{study: "EMPTY"})
	d, err := Load(t.Context(), c, "EMPTY")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Forms()) != 0 {
		t.Errorf("forms %v", d.Forms())
	}
	if err := d.Validate([]imednet.RecordRequest{imednet.NewRecord("AE", "01", map[string]any{})}); err == nil {
		t.Error("a request to an empty study is valid")
	}
}

// Fetch lists what Load lists, tuned by the caller's options: every page request through its
// Gate, its page size; it refuses a sort or filter of the caller's before sending anything.
func TestFetchTakesListOptions(t *testing.T) {
	api := loadFixture(t)
	c := newFake(t, api)
	var entered int
	var mu sync.Mutex
	gate := func(context.Context) (func(), error) {
		mu.Lock()
		entered++
		mu.Unlock()
		return func() {}, nil
	}
	forms, vars, err := Fetch(t.Context(), c, "CARDIO-01", &imednet.ListOptions{PageSize: 200, Gate: gate, Page: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(forms) != 5 || len(vars) != 11 || forms[0].FormID != 1 || vars[0].VariableID != 11 {
		t.Errorf("%d forms (first %d), %d variables (first %d); want 5 from 1 and 11 from 11",
			len(forms), forms[0].FormID, len(vars), vars[0].VariableID)
	}
	reqs := api.requests()
	if entered != len(reqs) || entered != 7 {
		t.Errorf("%d requests, %d through the gate; want 7 of each", len(reqs), entered)
	}
	for _, r := range reqs {
		if r.Query.Get("size") != "200" {
			t.Errorf("%s asked for size %s, want 200", r.Path, r.Query.Get("size"))
		}
	}
	if d, err := New("CARDIO-01", forms, vars); err != nil || len(d.Forms()) != 5 {
		t.Errorf("New over what Fetch returned: %v", err)
	}

	for _, bad := range []*imednet.ListOptions{{Sort: []imednet.Sort{imednet.Desc("formId")}}, {Filter: imednet.Eq("formKey", "AE")}} {
		before := len(api.requests())
		if _, _, err := Fetch(t.Context(), c, "CARDIO-01", bad); err == nil || !strings.Contains(err.Error(), "Sort and Filter must be zero") {
			t.Errorf("Fetch with %+v: %v", bad, err)
		}
		if len(api.requests()) != before {
			t.Errorf("Fetch with %+v sent requests", bad)
		}
	}
}

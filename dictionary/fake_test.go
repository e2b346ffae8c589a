package dictionary

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	imednet "github.com/imednet/imednet-go"
)

// seen is a request the fake API received.
type seen struct {
	Method string
	Path   string
	Query  url.Values
}

// fakeAPI serves a study's forms and variables as the API does: the list envelope, paged with
// the server's own page sizes (smaller than the 500 asked for, as a server may), and records
// every request. Any other path answers 404; a path in fail answers that status.
type fakeAPI struct {
	study          string
	forms, vars    []string // JSON objects
	formPage       int      // items per page of forms
	varPage        int      // items per page of variables
	fail           map[string]int
	postsForbidden bool // a POST fails the test

	t  *testing.T
	mu sync.Mutex
	rs []seen
}

func (f *fakeAPI) requests() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.rs...)
}

// on returns the requests to path, in the order they came.
func (f *fakeAPI) on(path string) []seen {
	var out []seen
	for _, r := range f.requests() {
		if r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.rs = append(f.rs, seen{r.Method, r.URL.EscapedPath(), r.URL.Query()})
	f.mu.Unlock()
	if r.Method == http.MethodPost && f.postsForbidden {
		f.t.Errorf("unexpected %s %s", r.Method, r.URL.Path)
	}
	if status, ok := f.fail[r.URL.Path]; ok {
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"metadata":{"status":"FORBIDDEN","path":%q,"error":{"code":"9001","description":"Insufficient permission."}}}`, r.URL.Path)
		return
	}
	prefix := "/api/v1/edc/studies/" + f.study + "/"
	var items []string
	size := 0
	switch r.URL.Path {
	case prefix + "records":
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusAccepted)
			fmt.Fprint(w, `{"jobId":"job-1","batchId":"batch-1","state":"created"}`)
			return
		}
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	case prefix + "forms":
		items, size = f.forms, f.formPage
	case prefix + "variables":
		items, size = f.vars, f.varPage
	default:
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `{"metadata":{"status":"NOT_FOUND","path":%q,"error":{"code":"9000","description":"Not found."}}}`, r.URL.Path)
		return
	}
	page, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || page < 0 {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	total := (len(items) + size - 1) / size
	var data []string
	if lo := page * size; lo < len(items) {
		data = items[lo:min(lo+size, len(items))]
	}
	fmt.Fprintf(w, `{"metadata":{"status":"OK","method":"GET","path":%q,"timestamp":"2025-06-05 21:12:08","error":{}},`+
		`"pagination":{"currentPage":%d,"size":%d,"totalPages":%d,"totalElements":%d,"sort":[]},"data":[%s]}`,
		r.URL.Path, page, size, total, len(items), strings.Join(data, ","))
}

// newFake starts a fake API and a client talking to it.
func newFake(t *testing.T, f *fakeAPI) *imednet.Client {
	t.Helper()
	f.t = t
	if f.formPage == 0 {
		f.formPage = 500
	}
	if f.varPage == 0 {
		f.varPage = 500
	}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, err := imednet.New(imednet.WithAPIKey("test-api-key", "test-security-key"), imednet.WithBaseURL(srv.URL), imednet.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// encodeItem encodes an item as the API sends it.
func encodeItem(t *testing.T, m map[string]any) string {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// apiForm is a form as the API lists it.
func apiForm(id int, key, name, typ string, disabled bool) imednet.Form {
	return imednet.Form{StudyKey: "S", FormID: id, FormKey: key, FormName: name, FormType: typ, Disabled: disabled}
}

// apiVar is a variable as the API lists it.
func apiVar(id int, name, typ string, seq, formID int, formKey string) imednet.Variable {
	return imednet.Variable{StudyKey: "S", VariableID: id, VariableName: name, VariableType: typ, Sequence: seq,
		FormID: formID, FormKey: formKey, Label: "Label of " + name, VariableOID: "OID-" + name}
}

// formJSON and varJSON encode forms and variables for the fake API.
func formJSON(t *testing.T, f imednet.Form) string {
	return encodeItem(t, map[string]any{"studyKey": f.StudyKey, "formId": f.FormID, "formKey": f.FormKey,
		"formName": f.FormName, "formType": f.FormType, "disabled": f.Disabled, "revision": 1, "allowCopy": true,
		"dateCreated": "2025-06-05 21:12:09", "dateModified": "2025-06-05 21:12:10"})
}

func varJSON(t *testing.T, v imednet.Variable) string {
	m := map[string]any{"studyKey": v.StudyKey, "variableId": v.VariableID, "variableName": v.VariableName,
		"variableType": v.VariableType, "sequence": v.Sequence, "formKey": v.FormKey, "label": v.Label,
		"variableOid": v.VariableOID, "disabled": v.Disabled, "deleted": v.Deleted, "blinded": v.Blinded,
		"formName": "ignored", "revision": 2, "dateCreated": "2025-06-05 21:12:08"}
	if v.FormID != 0 {
		m["formId"] = v.FormID
	}
	return encodeItem(t, m)
}

package imednet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// recordedRequest is what a fakeAPI saw.
type recordedRequest struct {
	Method string
	Path   string // escaped URL path
	Query  url.Values
	Header http.Header
	Body   string
}

// fakeAPI answers every request with respond and records what it saw.
type fakeAPI struct {
	mu      sync.Mutex
	reqs    []recordedRequest
	respond func(r *http.Request) (status int, body string)
}

func newFakeAPI(t *testing.T, respond func(r *http.Request) (int, string), opts ...Option) (*Client, *fakeAPI) {
	t.Helper()
	f := &fakeAPI{respond: respond}
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reqs = append(f.reqs, recordedRequest{r.Method, r.URL.EscapedPath(), r.URL.Query(), r.Header.Clone(), string(body)})
		f.mu.Unlock()
		status, out := f.respond(r)
		w.WriteHeader(status)
		io.WriteString(w, out)
	}), opts...)
	return c, f
}

// serve returns a respond function that always answers 200 with body.
func serve(body string) func(*http.Request) (int, string) {
	return func(*http.Request) (int, string) { return http.StatusOK, body }
}

func (f *fakeAPI) requests() []recordedRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recordedRequest(nil), f.reqs...)
}

// only returns the single request the fake saw.
func (f *fakeAPI) only(t *testing.T) recordedRequest {
	t.Helper()
	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1: %+v", len(reqs), reqs)
	}
	return reqs[0]
}

// fixture reads testdata/spec/<name>.json, an example of the OpenAPI contract.
func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "spec", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// envelope wraps item objects in a one-page list envelope.
func envelope(items ...string) string {
	return fmt.Sprintf(`{"metadata":{"status":"OK","error":{}},"pagination":{"currentPage":0,"size":100,"totalPages":%d,"totalElements":%d},"data":[%s]}`,
		min(len(items), 1), len(items), strings.Join(items, ","))
}

// ts parses a UTC time in the API's layout for expected values.
func ts(s string) Timestamp {
	t, err := time.Parse(time.DateTime, s)
	if err != nil {
		panic(err)
	}
	return Timestamp{Time: t}
}

// checkQuery compares the query a request carried with want (page and size included).
func checkQuery(t *testing.T, got url.Values, want url.Values) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("query %v, want %v", got, want)
	}
}

func TestStudiesAndSitesFromSpecExamples(t *testing.T) {
	c, api := newFakeAPI(t, serve(fixture(t, "ExampleStudiesList")))
	page, err := c.Studies.List(t.Context(), &ListOptions{PageSize: 25, Sort: []Sort{Asc("studyKey")}, Filter: Eq("studyType", "STUDY")})
	if err != nil {
		t.Fatal(err)
	}
	r := api.only(t)
	if r.Method != "GET" || r.Path != "/api/v1/edc/studies" {
		t.Errorf("%s %s", r.Method, r.Path)
	}
	checkQuery(t, r.Query, url.Values{"page": {"0"}, "size": {"25"}, "sort": {"studyKey,ASC"}, "filter": {"studyType==STUDY"}})
	want := Study{SponsorKey: "100", StudyKey: "PHARMADEMO", StudyID: 100, StudyName: "iMednet Pharma Demonstration Study",
		StudyDescription: "iMednet Demonstration Study v2 Created 05April2018 After A5 Release", StudyType: "STUDY",
		DateCreated: ts("2025-06-05 21:12:08"), DateModified: ts("2025-06-05 21:12:09")}
	if len(page.Items) != 1 || !reflect.DeepEqual(page.Items[0], want) {
		t.Errorf("studies %+v", page.Items)
	}
	if page.Pagination.TotalElements != 1 || page.Pagination.Sort[0] != (SortOrder{"studyKey", "ASC"}) || page.Metadata.Path != "/api/v1/edc/studies" {
		t.Errorf("pagination %+v metadata %+v", page.Pagination, page.Metadata)
	}

	c, api = newFakeAPI(t, serve(fixture(t, "ExampleSitesList")))
	var sites []Site
	for s, err := range c.Sites.All(t.Context(), "PHARMADEMO", nil) {
		if err != nil {
			t.Fatal(err)
		}
		sites = append(sites, s)
	}
	r = api.only(t)
	if r.Path != "/api/v1/edc/studies/PHARMADEMO/sites" {
		t.Errorf("path %s", r.Path)
	}
	checkQuery(t, r.Query, url.Values{"page": {"0"}, "size": {"100"}})
	wantSite := Site{StudyKey: "PHARMADEMO", SiteID: 1, SiteName: "Mock Site 1", SiteEnrollmentStatus: "Enrollment Open",
		DateCreated: ts("2025-06-05 21:12:09"), DateModified: ts("2025-06-05 21:12:10")}
	if len(sites) != 1 || !reflect.DeepEqual(sites[0], wantSite) {
		t.Errorf("sites %+v", sites)
	}
}

func TestSiteQuirksDecode(t *testing.T) {
	var s Site
	err := s.UnmarshalJSON([]byte(`{"studyKey":" S ","siteId":"12","siteName":null,"siteEnrollmentStatus":"ENROLLMENT_OPEN",
		"dateCreated":"2025-06-05T21:12:09.5Z","dateModified":"","futureField":{"x":1},"siteId2":7}`))
	if err != nil {
		t.Fatal(err)
	}
	if s.SiteID != 12 || s.StudyKey != " S " || s.SiteName != "" || s.SiteEnrollmentStatus != "ENROLLMENT_OPEN" {
		t.Errorf("site %+v", s)
	}
	if !s.DateCreated.Time.Equal(time.Date(2025, 6, 5, 21, 12, 9, 5e8, time.UTC)) || !s.DateModified.IsZero() {
		t.Errorf("dates %v %v", s.DateCreated, s.DateModified)
	}
	if string(s.Extra["futureField"]) != `{"x":1}` || string(s.Extra["siteId2"]) != "7" || len(s.Extra) != 2 {
		t.Errorf("extra %v", s.Extra)
	}
	// A value of the wrong type is kept aside, not lost and not an error.
	if err := s.UnmarshalJSON([]byte(`{"siteId":"twelve"}`)); err != nil || s.SiteID != 0 || string(s.Extra["siteId"]) != `"twelve"` {
		t.Errorf("site %+v err %v", s, err)
	}
}

func TestStudyContextAndExplicitStudy(t *testing.T) {
	c, api := newFakeAPI(t, serve(envelope()))
	ctx := WithStudy(t.Context(), "CTX/STUDY")
	if _, err := c.Sites.List(ctx, "", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Sites.List(ctx, "EXPLICIT", nil); err != nil {
		t.Fatal(err)
	}
	reqs := api.requests()
	if reqs[0].Path != "/api/v1/edc/studies/CTX%2FSTUDY/sites" || reqs[1].Path != "/api/v1/edc/studies/EXPLICIT/sites" {
		t.Errorf("paths %s, %s", reqs[0].Path, reqs[1].Path)
	}
	if _, err := c.Sites.List(t.Context(), "", nil); !errors.Is(err, ErrNoStudy) {
		t.Errorf("no study: %v", err)
	}
	for _, err := range c.Sites.All(t.Context(), "", nil) {
		if !errors.Is(err, ErrNoStudy) {
			t.Errorf("All without study: %v", err)
		}
	}
	if len(api.requests()) != 2 {
		t.Error("a call without a study reached the server")
	}
}

func TestGetListsWithIDFilter(t *testing.T) {
	c, api := newFakeAPI(t, func(r *http.Request) (int, string) {
		if r.URL.Query().Get("filter") == "siteId==1" {
			return 200, fixture(t, "ExampleSitesList")
		}
		return 200, envelope()
	})
	site, err := c.Sites.Get(t.Context(), "PHARMADEMO", 1)
	if err != nil || site.SiteName != "Mock Site 1" {
		t.Fatalf("site %+v err %v", site, err)
	}
	if _, err := c.Sites.Get(t.Context(), "PHARMADEMO", 2); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "site 2 not found") {
		t.Fatalf("missing site: %v", err)
	}
	study, err := func() (*Study, error) {
		c2, _ := newFakeAPI(t, serve(fixture(t, "ExampleStudiesList")))
		return c2.Studies.Get(t.Context(), "PHARMADEMO")
	}()
	if err != nil || study.StudyID != 100 {
		t.Fatalf("study %+v err %v", study, err)
	}
	if got := api.requests()[0].Query.Get("filter"); got != "siteId==1" {
		t.Errorf("filter %q", got)
	}
}

func TestListOptionsRejectBadInputBeforeSending(t *testing.T) {
	c, api := newFakeAPI(t, serve(envelope()))
	bad := []*ListOptions{
		{Filter: Eq("site name", "x")},
		{Filter: Eq("siteId", struct{}{})},
		{Sort: []Sort{Asc("site;Id")}},
		{PageSize: 501},
		{PageSize: -1},
		{Page: -1},
	}
	for _, opts := range bad {
		if _, err := c.Sites.List(context.Background(), "S", opts); err == nil {
			t.Errorf("options %+v accepted", opts)
		}
	}
	if n := len(api.requests()); n != 0 {
		t.Errorf("%d bad requests reached the server", n)
	}
}

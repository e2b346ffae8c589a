package imednet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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

// catalogFixtureStudy is the study of ExampleStudiesList, field by field.
var catalogFixtureStudy = Study{SponsorKey: "100", StudyKey: "PHARMADEMO", StudyID: 100, StudyName: "iMednet Pharma Demonstration Study",
	StudyDescription: "iMednet Demonstration Study v2 Created 05April2018 After A5 Release", StudyType: "STUDY",
	DateCreated: ts("2025-06-05 21:12:08"), DateModified: ts("2025-06-05 21:12:09")}

// catalogFixtureSite is the site of ExampleSitesList, field by field.
var catalogFixtureSite = Site{StudyKey: "PHARMADEMO", SiteID: 1, SiteName: "Mock Site 1", SiteEnrollmentStatus: "Enrollment Open",
	DateCreated: ts("2025-06-05 21:12:09"), DateModified: ts("2025-06-05 21:12:10")}

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

// TestGetRejectsBlankKeyBeforeSending covers the lookups by text key that refuse a blank
// one instead of asking the server for it.
func TestGetRejectsBlankKeyBeforeSending(t *testing.T) {
	c, api := newFakeAPI(t, serve(envelope()))
	ctx := t.Context()
	for name, get := range map[string]func(key string) error{
		"Forms.GetByKey":    func(k string) error { _, err := c.Forms.GetByKey(ctx, "S", k); return err },
		"Subjects.GetByKey": func(k string) error { _, err := c.Subjects.GetByKey(ctx, "S", k); return err },
		"Users.Get":         func(k string) error { _, err := c.Users.Get(ctx, "S", k); return err },
	} {
		for _, key := range []string{"", " \t"} {
			if err := get(key); err == nil || errors.Is(err, ErrNotFound) {
				t.Errorf("%s(%q): %v, want an error other than ErrNotFound", name, key, err)
			}
		}
	}
	if n := len(api.requests()); n != 0 {
		t.Errorf("%d lookups of a blank key reached the server", n)
	}
}

// ---------------------------------------------------------------------------------------
// The service suite: every list service's List, All and Get, one row per service.
// ---------------------------------------------------------------------------------------

// Adapters that give every service's methods one shape, the study a text argument.
type (
	listFunc[T any]  func(ctx context.Context, study string, opts *ListOptions) (*Page[T], error)
	allFunc[T any]   func(ctx context.Context, study string, opts *ListOptions) iter.Seq2[T, error]
	pagesFunc[T any] func(ctx context.Context, study string, opts *ListOptions) iter.Seq2[*Page[T], error]
	getFunc[T any]   func(ctx context.Context, study, id string) (*T, error)
	// intGetFunc is a Get by a numeric id, adapted to a getFunc by byID.
	intGetFunc[T any] func(ctx context.Context, study string, id int) (*T, error)
)

// serviceCase is one list service: how to call it, where it lists, and the contract's
// example it is fed.
type serviceCase[T any] struct {
	pattern  string     // the list's path template, e.g. "/studies/{studyKey}/sites"
	fixture  string     // the contract's example response (one item)
	want     T          // that item, field by field
	extra    url.Values // parameters every list request carries besides page, size, sort, filter
	noFilter bool       // the endpoint takes no filter: one is an error before sending
	list     func(*Client) listFunc[T]
	all      func(*Client) allFunc[T]
	pages    func(*Client) pagesFunc[T]
	gets     []getCase[T]
}

// getCase is one way a service finds a single item.
type getCase[T any] struct {
	name    string // the method, e.g. "Get" or "GetByKey"
	what    string // what the not-found error calls the item, e.g. "site"
	idField string // the attribute Get filters on; "" when it lists everything instead
	id      string // the example item's id
	text    bool   // the id is text (quoted in the filter when it must be), not a number
	get     func(*Client) getFunc[T]
	// unfiltered is the query of each request of a Get that lists everything.
	unfiltered url.Values
}

// query is the query of the request Get makes for id (a simple one, which needs no quotes).
func (g getCase[T]) query(id string) url.Values {
	if g.idField == "" {
		return g.unfiltered
	}
	return url.Values{"page": {"0"}, "size": {"25"}, "filter": {g.idField + "==" + id}}
}

// nearMisses are ids that are not the example's but that a loose comparison would take for
// it: a longer one (a prefix match), and for text ids compared exactly, the id in other case,
// without its leading zeros (compared as a number) or with a space (trimmed).
func (g getCase[T]) nearMisses() []string {
	ids := []string{g.id + "0"}
	if g.text && g.idField != "" {
		for _, id := range []string{strings.ToLower(g.id), strings.TrimLeft(g.id, "0"), " " + g.id} {
			if id != g.id && !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// byID is a Get by a numeric id, which lists with the filter idField==id.
func byID[T any](what, idField, id string, get func(*Client) intGetFunc[T]) getCase[T] {
	return getCase[T]{name: "Get", what: what, idField: idField, id: id, get: func(c *Client) getFunc[T] {
		return func(ctx context.Context, study, id string) (*T, error) {
			n, err := strconv.Atoi(id)
			if err != nil {
				panic(err)
			}
			return get(c)(ctx, study, n)
		}
	}}
}

// byText is a Get by a text id or key, which lists with the filter idField==id.
func byText[T any](name, what, idField, id string, get func(*Client) getFunc[T]) getCase[T] {
	return getCase[T]{name: name, what: what, idField: idField, id: id, text: true, get: get}
}

// recordOptions and userOptions wrap the common options for the records and users lists.
func recordOptions(o *ListOptions) *RecordListOptions {
	if o == nil {
		return nil
	}
	return &RecordListOptions{ListOptions: *o}
}

func userOptions(o *ListOptions) *UserListOptions {
	if o == nil {
		return nil
	}
	return &UserListOptions{ListOptions: *o}
}

// serviceCases is every list service.
var serviceCases = []interface {
	run(t *testing.T)
	name() string
}{
	serviceCase[Study]{pattern: "/studies", fixture: "ExampleStudiesList", want: catalogFixtureStudy, // no study argument
		list: func(c *Client) listFunc[Study] {
			return func(ctx context.Context, _ string, o *ListOptions) (*Page[Study], error) {
				return c.Studies.List(ctx, o)
			}
		},
		all: func(c *Client) allFunc[Study] {
			return func(ctx context.Context, _ string, o *ListOptions) iter.Seq2[Study, error] {
				return c.Studies.All(ctx, o)
			}
		},
		pages: func(c *Client) pagesFunc[Study] {
			return func(ctx context.Context, _ string, o *ListOptions) iter.Seq2[*Page[Study], error] {
				return c.Studies.Pages(ctx, o)
			}
		},
		gets: []getCase[Study]{byText("Get", "studyKey", "studyKey", "PHARMADEMO", func(c *Client) getFunc[Study] {
			return func(ctx context.Context, _, key string) (*Study, error) { return c.Studies.Get(ctx, key) }
		})}},
	serviceCase[Site]{pattern: "/studies/{studyKey}/sites", fixture: "ExampleSitesList", want: catalogFixtureSite,
		list:  func(c *Client) listFunc[Site] { return c.Sites.List },
		all:   func(c *Client) allFunc[Site] { return c.Sites.All },
		pages: func(c *Client) pagesFunc[Site] { return c.Sites.Pages },
		gets:  []getCase[Site]{byID("site", "siteId", "1", func(c *Client) intGetFunc[Site] { return c.Sites.Get })}},
	serviceCase[Subject]{pattern: "/studies/{studyKey}/subjects", fixture: "ExampleSubjectsList", want: catalogFixtureSubject,
		list:  func(c *Client) listFunc[Subject] { return c.Subjects.List },
		all:   func(c *Client) allFunc[Subject] { return c.Subjects.All },
		pages: func(c *Client) pagesFunc[Subject] { return c.Subjects.Pages },
		gets: []getCase[Subject]{
			byID("subject", "subjectId", "1", func(c *Client) intGetFunc[Subject] { return c.Subjects.Get }),
			byText("GetByKey", "subjectKey", "subjectKey", "01-001", func(c *Client) getFunc[Subject] { return c.Subjects.GetByKey }),
		}},
	serviceCase[Form]{pattern: "/studies/{studyKey}/forms", fixture: "ExampleFormsList", want: catalogFixtureForm,
		list:  func(c *Client) listFunc[Form] { return c.Forms.List },
		all:   func(c *Client) allFunc[Form] { return c.Forms.All },
		pages: func(c *Client) pagesFunc[Form] { return c.Forms.Pages },
		gets: []getCase[Form]{
			byID("form", "formId", "1", func(c *Client) intGetFunc[Form] { return c.Forms.Get }),
			byText("GetByKey", "formKey", "formKey", "FORM_1", func(c *Client) getFunc[Form] { return c.Forms.GetByKey }),
		}},
	serviceCase[Interval]{pattern: "/studies/{studyKey}/intervals", fixture: "ExampleIntervalsList", want: catalogFixtureInterval,
		list:  func(c *Client) listFunc[Interval] { return c.Intervals.List },
		all:   func(c *Client) allFunc[Interval] { return c.Intervals.All },
		pages: func(c *Client) pagesFunc[Interval] { return c.Intervals.Pages },
		gets:  []getCase[Interval]{byID("interval", "intervalId", "1", func(c *Client) intGetFunc[Interval] { return c.Intervals.Get })}},
	serviceCase[Visit]{pattern: "/studies/{studyKey}/visits", fixture: "ExampleVisitsList", want: catalogFixtureVisit,
		list:  func(c *Client) listFunc[Visit] { return c.Visits.List },
		all:   func(c *Client) allFunc[Visit] { return c.Visits.All },
		pages: func(c *Client) pagesFunc[Visit] { return c.Visits.Pages },
		gets:  []getCase[Visit]{byID("visit", "visitId", "1", func(c *Client) intGetFunc[Visit] { return c.Visits.Get })}},
	serviceCase[Variable]{pattern: "/studies/{studyKey}/variables", fixture: "ExampleVariablesList", want: catalogFixtureVariable,
		list:  func(c *Client) listFunc[Variable] { return c.Variables.List },
		all:   func(c *Client) allFunc[Variable] { return c.Variables.All },
		pages: func(c *Client) pagesFunc[Variable] { return c.Variables.Pages },
		gets:  []getCase[Variable]{byID("variable", "variableId", "1", func(c *Client) intGetFunc[Variable] { return c.Variables.Get })}},
	serviceCase[Record]{pattern: "/studies/{studyKey}/records", fixture: "ExampleRecordsList", want: catalogFixtureRecord,
		list: func(c *Client) listFunc[Record] {
			return func(ctx context.Context, s string, o *ListOptions) (*Page[Record], error) {
				return c.Records.List(ctx, s, recordOptions(o))
			}
		},
		all: func(c *Client) allFunc[Record] {
			return func(ctx context.Context, s string, o *ListOptions) iter.Seq2[Record, error] {
				return c.Records.All(ctx, s, recordOptions(o))
			}
		},
		pages: func(c *Client) pagesFunc[Record] {
			return func(ctx context.Context, s string, o *ListOptions) iter.Seq2[*Page[Record], error] {
				return c.Records.Pages(ctx, s, recordOptions(o))
			}
		},
		gets: []getCase[Record]{byID("record", "recordId", "1", func(c *Client) intGetFunc[Record] { return c.Records.Get })}},
	serviceCase[RecordRevision]{pattern: "/studies/{studyKey}/recordRevisions", fixture: "ExampleRecordRevisionsList", want: catalogFixtureRecordRevision,
		list:  func(c *Client) listFunc[RecordRevision] { return c.RecordRevisions.List },
		all:   func(c *Client) allFunc[RecordRevision] { return c.RecordRevisions.All },
		pages: func(c *Client) pagesFunc[RecordRevision] { return c.RecordRevisions.Pages },
		gets: []getCase[RecordRevision]{byID("recordRevision", "recordRevisionId", "1", func(c *Client) intGetFunc[RecordRevision] {
			return c.RecordRevisions.Get
		})}},
	serviceCase[Query]{pattern: "/studies/{studyKey}/queries", fixture: "ExampleQueriesList", want: catalogFixtureQuery,
		list:  func(c *Client) listFunc[Query] { return c.Queries.List },
		all:   func(c *Client) allFunc[Query] { return c.Queries.All },
		pages: func(c *Client) pagesFunc[Query] { return c.Queries.Pages },
		gets:  []getCase[Query]{byID("annotation", "annotationId", "1", func(c *Client) intGetFunc[Query] { return c.Queries.Get })}},
	serviceCase[User]{pattern: "/studies/{studyKey}/users", fixture: "ExampleUsersList", want: catalogFixtureUser,
		extra: url.Values{"includeInactive": {"false"}}, noFilter: true,
		list: func(c *Client) listFunc[User] {
			return func(ctx context.Context, s string, o *ListOptions) (*Page[User], error) {
				return c.Users.List(ctx, s, userOptions(o))
			}
		},
		all: func(c *Client) allFunc[User] {
			return func(ctx context.Context, s string, o *ListOptions) iter.Seq2[User, error] {
				return c.Users.All(ctx, s, userOptions(o))
			}
		},
		pages: func(c *Client) pagesFunc[User] {
			return func(ctx context.Context, s string, o *ListOptions) iter.Seq2[*Page[User], error] {
				return c.Users.Pages(ctx, s, userOptions(o))
			}
		},
		// The users endpoint takes no filter: Get reads every user, inactive ones included.
		gets: []getCase[User]{{name: "Get", what: "user", id: catalogFixtureUser.UserID, text: true,
			get:        func(c *Client) getFunc[User] { return c.Users.Get },
			unfiltered: url.Values{"page": {"0"}, "size": {itoa(MaxPageSize)}, "includeInactive": {"true"}}}}},
	serviceCase[Coding]{pattern: "/studies/{studyKey}/codings", fixture: "ExampleCodingsList", want: catalogFixtureCoding,
		list:  func(c *Client) listFunc[Coding] { return c.Codings.List },
		all:   func(c *Client) allFunc[Coding] { return c.Codings.All },
		pages: func(c *Client) pagesFunc[Coding] { return c.Codings.Pages },
		gets:  []getCase[Coding]{byText("Get", "coding", "codingId", "1", func(c *Client) getFunc[Coding] { return c.Codings.Get })}},
}

func TestServices(t *testing.T) {
	rows := map[string]bool{}
	for _, sc := range serviceCases {
		rows[sc.name()] = true
		t.Run(sc.name(), sc.run)
	}
	// Every list service of the Client has a row: Jobs has no list.
	for f := range reflect.TypeFor[Client]().Fields() {
		if !f.IsExported() || !strings.HasSuffix(f.Type.String(), "Service") || f.Name == "Jobs" {
			continue
		}
		if name := strings.ToLower(f.Name[:1]) + f.Name[1:]; !rows[name] {
			t.Errorf("Client.%s has no row in serviceCases", f.Name)
		}
	}
}

func (sc serviceCase[T]) name() string { return path.Base(sc.pattern) }

func (sc serviceCase[T]) scoped() bool { return strings.Contains(sc.pattern, "{studyKey}") }

// path is the list's URL path for a study key as it must be escaped in it.
func (sc serviceCase[T]) path(escapedStudy string) string {
	return APIPrefix + strings.Replace(sc.pattern, "{studyKey}", escapedStudy, 1)
}

// query is want plus the parameters every request of the list carries.
func (sc serviceCase[T]) query(want url.Values) url.Values {
	for k, v := range sc.extra {
		want[k] = v
	}
	return want
}

// example is a contract's example response, read with encoding/json, apart from the SDK.
type example struct {
	body       string
	Metadata   struct{ Path string }
	Pagination *Pagination
	Data       []json.RawMessage // the items
}

// example reads the service's example, which has one item.
func (sc serviceCase[T]) example(t *testing.T) *example {
	t.Helper()
	ex := &example{body: fixture(t, sc.fixture)}
	if err := json.Unmarshal([]byte(ex.body), ex); err != nil || len(ex.Data) != 1 || ex.Pagination == nil {
		t.Fatalf("%s: %d items, pagination %v, %v", sc.fixture, len(ex.Data), ex.Pagination, err)
	}
	return ex
}

// pageBody is page `page` of a list of totalPages pages of size items, holding items.
func pageBody(items []json.RawMessage, page, size, totalPages int) string {
	data, _ := json.Marshal(items)
	return fmt.Sprintf(`{"metadata":{"status":"OK"},"pagination":{"currentPage":%d,"size":%d,"totalPages":%d,"totalElements":%d},"data":%s}`,
		page, size, totalPages, totalPages*size, data)
}

func (sc serviceCase[T]) run(t *testing.T) {
	t.Run("List sends the options", sc.testListSendsOptions)
	t.Run("List fetches the page asked for", sc.testListPage)
	t.Run("All with nil options", sc.testAllDefaults)
	t.Run("All reads every page", sc.testAllPages)
	t.Run("Pages reads every page", sc.testPages)
	t.Run("bad options are not sent", sc.testBadOptions)
	if sc.scoped() {
		t.Run("study", sc.testStudy)
	}
	for _, g := range sc.gets {
		t.Run(g.name, func(t *testing.T) { sc.testGet(t, g) })
	}
}

// listOptions are options that set everything a list sends.
func (sc serviceCase[T]) listOptions() (*ListOptions, url.Values) {
	opts := &ListOptions{PageSize: 25, Sort: []Sort{Desc("dateCreated"), Asc("studyKey")}}
	want := url.Values{"page": {"0"}, "size": {"25"}, "sort": {"dateCreated,DESC", "studyKey,ASC"}}
	if !sc.noFilter {
		opts.Filter = Eq("siteName", "Chicago Hope Hospital").And(Eq("deleted", false)).
			Or(Ge("dateModified", time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)))
		want.Set("filter", `siteName=="Chicago Hope Hospital";deleted==false,dateModified>=2025-01-02T03:04:05Z`)
	}
	return opts, sc.query(want)
}

func (sc serviceCase[T]) testListSendsOptions(t *testing.T) {
	ex := sc.example(t)
	var label string // what logs and traces call the request
	c, api := newFakeAPI(t, serve(ex.body), WithObserver(ObserverFunc(func(ctx context.Context, info RequestInfo, _ *url.URL) (context.Context, func(*Response, error)) {
		label = info.Pattern
		return nil, nil
	})))
	opts, want := sc.listOptions()
	page, err := sc.list(c)(t.Context(), "PHARMADEMO", opts)
	if err != nil {
		t.Fatal(err)
	}
	r := api.only(t)
	if r.Method != http.MethodGet || r.Path != sc.path("PHARMADEMO") || label != sc.pattern {
		t.Errorf("%s %s labelled %s, want GET %s labelled %s", r.Method, r.Path, label, sc.path("PHARMADEMO"), sc.pattern)
	}
	checkQuery(t, r.Query, want)
	if len(page.Items) != 1 || !reflect.DeepEqual(page.Items[0], sc.want) {
		t.Errorf("items\n got %+v\nwant %+v", page.Items, sc.want)
	}
	// The pagination and metadata as the example has them (its metadata.path may be wrong,
	// as the queries example's is: it is reported as sent).
	if page.Number != 0 || page.HasNext() || !reflect.DeepEqual(page.Pagination, ex.Pagination) || page.Metadata.Path != ex.Metadata.Path {
		t.Errorf("page %d, more %v, pagination %+v, metadata %+v; want pagination %+v, path %s",
			page.Number, page.HasNext(), page.Pagination, page.Metadata, ex.Pagination, ex.Metadata.Path)
	}
}

func (sc serviceCase[T]) testListPage(t *testing.T) {
	c, api := newFakeAPI(t, serve(pageBody(sc.example(t).Data, 2, 10, 3)))
	page, err := sc.list(c)(t.Context(), "PHARMADEMO", &ListOptions{Page: 2, PageSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	checkQuery(t, api.only(t).Query, sc.query(url.Values{"page": {"2"}, "size": {"10"}}))
	if page.Number != 2 || page.HasNext() || len(page.Items) != 1 || !reflect.DeepEqual(page.Items[0], sc.want) {
		t.Errorf("page %d, more %v, items %+v", page.Number, page.HasNext(), page.Items)
	}
}

func (sc serviceCase[T]) testAllDefaults(t *testing.T) {
	c, api := newFakeAPI(t, serve(sc.example(t).body))
	got := catalogAll(t, sc.all(c)(t.Context(), "PHARMADEMO", nil))
	r := api.only(t)
	if r.Method != http.MethodGet || r.Path != sc.path("PHARMADEMO") {
		t.Errorf("%s %s", r.Method, r.Path)
	}
	checkQuery(t, r.Query, sc.query(url.Values{"page": {"0"}, "size": {itoa(DefaultPageSize)}}))
	if len(got) != 1 || !reflect.DeepEqual(got[0], sc.want) {
		t.Errorf("items\n got %+v\nwant %+v", got, sc.want)
	}
}

// testAllPages lists two pages of one item, asking for page 7: All starts at 0 regardless.
func (sc serviceCase[T]) testAllPages(t *testing.T) {
	items := sc.example(t).Data
	c, api := newFakeAPI(t, func(r *http.Request) (int, string) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		return http.StatusOK, pageBody(items, page, 1, 2)
	})
	got := catalogAll(t, sc.all(c)(t.Context(), "PHARMADEMO", &ListOptions{Page: 7, PageSize: 1, Prefetch: 2}))
	if len(got) != 2 || !reflect.DeepEqual(got[0], sc.want) || !reflect.DeepEqual(got[1], sc.want) {
		t.Errorf("items %+v", got)
	}
	reqs := api.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	for i, r := range reqs {
		checkQuery(t, r.Query, sc.query(url.Values{"page": {itoa(i)}, "size": {"1"}}))
	}
}

// testPages checks that Pages yields every page in order, each request let through by the
// options' Gate, each page with its items' JSON as sent when KeepRaw is set, and that it
// refuses bad options before sending anything.
func (sc serviceCase[T]) testPages(t *testing.T) {
	items := sc.example(t).Data
	c, api := newFakeAPI(t, func(r *http.Request) (int, string) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		return http.StatusOK, pageBody(items, page, 1, 3)
	})
	var entered, left atomic.Int64
	gate := func(context.Context) (func(), error) {
		entered.Add(1)
		return func() { left.Add(1) }, nil
	}
	var want bytes.Buffer
	if err := json.Compact(&want, items[0]); err != nil {
		t.Fatal(err)
	}
	var numbers []int
	for p, err := range sc.pages(c)(t.Context(), "PHARMADEMO", &ListOptions{PageSize: 1, Prefetch: 2, Gate: gate, KeepRaw: true}) {
		if err != nil {
			t.Fatal(err)
		}
		numbers = append(numbers, p.Number)
		if len(p.Items) != 1 || !reflect.DeepEqual(p.Items[0], sc.want) {
			t.Errorf("page %d: items %+v", p.Number, p.Items)
		}
		if len(p.Raw) != 1 || !bytes.Equal(p.Raw[0], want.Bytes()) {
			t.Errorf("page %d: raw %q, want %q", p.Number, p.Raw, want.Bytes())
		}
	}
	if !slices.Equal(numbers, []int{0, 1, 2}) {
		t.Errorf("pages %v, want 0, 1, 2", numbers)
	}
	if n := len(api.requests()); n != 3 || entered.Load() != 3 || left.Load() != 3 {
		t.Errorf("%d requests, %d through the gate, %d done; want 3 of each", n, entered.Load(), left.Load())
	}

	c, api = newFakeAPI(t, serve(envelope()))
	if err := edcSeqErr(sc.pages(c)(t.Context(), "S", &ListOptions{PageSize: -1})); err == nil || !strings.Contains(err.Error(), "ListOptions.PageSize -1") {
		t.Errorf("Pages with a page size of -1: %v", err)
	}
	if n := len(api.requests()); n != 0 {
		t.Errorf("bad options sent %d requests", n)
	}
}

// testBadOptions checks that List and All refuse invalid options, naming what is wrong,
// before sending anything.
func (sc serviceCase[T]) testBadOptions(t *testing.T) {
	c, api := newFakeAPI(t, serve(envelope()))
	bad := []struct {
		opts ListOptions
		says string
	}{
		{ListOptions{PageSize: MaxPageSize + 1}, "ListOptions.PageSize 501"},
		{ListOptions{PageSize: -1}, "ListOptions.PageSize -1"},
		{ListOptions{Page: -1}, "ListOptions.Page -1"},
		{ListOptions{Prefetch: 65}, "ListOptions.Prefetch 65"},
		{ListOptions{Sort: []Sort{Asc("site;Id")}}, "ListOptions.Sort"},
		{ListOptions{Filter: Eq("site name", "x")}, "filter"},
		{ListOptions{Filter: Eq("siteId", struct{}{})}, "filter"},
	}
	for _, tc := range bad {
		if _, err := sc.list(c)(t.Context(), "S", &tc.opts); err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("List with %+v: %v, want an error saying %q", tc.opts, err, tc.says)
		}
		if err := edcSeqErr(sc.all(c)(t.Context(), "S", &tc.opts)); err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("All with %+v: %v, want an error saying %q", tc.opts, err, tc.says)
		}
	}
	if sc.noFilter {
		opts := &ListOptions{Filter: Eq("login", "x")}
		if _, err := sc.list(c)(t.Context(), "S", opts); err == nil || !strings.Contains(err.Error(), "no filter") {
			t.Errorf("List with a filter: %v", err)
		}
	}
	if n := len(api.requests()); n != 0 {
		t.Errorf("%d bad requests reached the server", n)
	}
}

// testStudy checks where the study key comes from: the argument, else the context, else
// nowhere, which is an error before sending.
func (sc serviceCase[T]) testStudy(t *testing.T) {
	c, api := newFakeAPI(t, serve(sc.example(t).body))
	ctx := WithStudy(t.Context(), "PHARMA DEMO/2")
	catalogAll(t, sc.all(c)(ctx, "", nil))
	if _, err := sc.list(c)(ctx, "", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := sc.list(c)(ctx, "EXPLICIT", nil); err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{sc.path("PHARMA%20DEMO%2F2"), sc.path("PHARMA%20DEMO%2F2"), sc.path("EXPLICIT")} {
		if got := api.requests()[i].Path; got != want {
			t.Errorf("request %d: path %s, want %s", i, got, want)
		}
	}

	sent := len(api.requests())
	if _, err := sc.list(c)(t.Context(), "", nil); !errors.Is(err, ErrNoStudy) {
		t.Errorf("List without a study: %v", err)
	}
	if err := edcSeqErr(sc.all(c)(t.Context(), "", nil)); !errors.Is(err, ErrNoStudy) {
		t.Errorf("All without a study: %v", err)
	}
	for _, g := range sc.gets {
		if _, err := g.get(c)(t.Context(), "", g.id); !errors.Is(err, ErrNoStudy) {
			t.Errorf("%s without a study: %v", g.name, err)
		}
	}
	if n := len(api.requests()); n != sent {
		t.Errorf("%d calls without a study reached the server", n-sent)
	}
}

// testGet finds the example's item by its id with a server that answers only the request
// Get should make, then asks for ids that are not there.
func (sc serviceCase[T]) testGet(t *testing.T, g getCase[T]) {
	body := sc.example(t).body
	c, api := newFakeAPI(t, func(r *http.Request) (int, string) {
		if reflect.DeepEqual(r.URL.Query(), g.query(g.id)) {
			return http.StatusOK, body
		}
		return http.StatusOK, envelope()
	})
	got, err := g.get(c)(t.Context(), "PHARMADEMO", g.id)
	if err != nil || !reflect.DeepEqual(*got, sc.want) {
		t.Fatalf("%s(%s) = %+v, %v; want %+v", g.name, g.id, got, err, sc.want)
	}
	r := api.only(t)
	if r.Method != http.MethodGet || r.Path != sc.path("PHARMADEMO") {
		t.Errorf("%s %s", r.Method, r.Path)
	}
	checkQuery(t, r.Query, g.query(g.id))

	// An id that is not the example's is not found, whether the server applies the filter
	// or ignores it and sends the example.
	ignoring, _ := newFakeAPI(t, serve(body))
	for _, missing := range g.nearMisses() {
		_, err = g.get(c)(t.Context(), "PHARMADEMO", missing)
		if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), g.what+" "+missing+" not found") || !strings.Contains(err.Error(), sc.path("PHARMADEMO")) {
			t.Errorf("%s(%q): %v; want ErrNotFound naming %s %s and the path", g.name, missing, err, g.what, missing)
		}
		if _, err := g.get(ignoring)(t.Context(), "PHARMADEMO", missing); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s(%q) from a server that ignores the filter: %v", g.name, missing, err)
		}
	}

	if g.text && g.idField != "" {
		sc.testGetQuotedID(t, g)
	}
}

// testGetQuotedID looks up a text id that the filter must quote, with a server that answers
// a near match first, and checks that only the exact item is returned.
func (sc serviceCase[T]) testGetQuotedID(t *testing.T, g getCase[T]) {
	const odd = `A "b"; c,d`
	item := func(id string) string { return fmt.Sprintf(`{%q:%q}`, g.idField, id) }
	c, api := newFakeAPI(t, serve(envelope(item("a \"b\"; c,d"), item(odd))))
	got, err := g.get(c)(t.Context(), "PHARMADEMO", odd)
	var want T
	if jerr := json.Unmarshal([]byte(item(odd)), &want); jerr != nil {
		t.Fatal(jerr)
	}
	if err != nil || !reflect.DeepEqual(*got, want) {
		t.Errorf("%s(%s) = %+v, %v; want %+v", g.name, odd, got, err, want)
	}
	if f := api.only(t).Query.Get("filter"); f != g.idField+`=="A \"b\"; c,d"` {
		t.Errorf("filter %s", f)
	}
}

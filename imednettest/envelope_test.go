package imednettest

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	imednet "github.com/imednet/imednet-go"
)

// schemas lists each endpoint's item fields in the order of the API reference (§7).
var schemas = map[string][]string{
	"/studies":            {"sponsorKey", "studyKey", "studyId", "studyName", "studyDescription", "studyType", "dateCreated", "dateModified"},
	"/studies/DEMO/sites": {"studyKey", "siteId", "siteName", "siteEnrollmentStatus", "dateCreated", "dateModified"},
	"/studies/DEMO/forms": {"studyKey", "formId", "formKey", "formName", "formType", "revision", "embeddedLog",
		"enforceOwnership", "userAgreement", "subjectRecordReport", "unscheduledVisit", "otherForms", "eproForm",
		"allowCopy", "disabled", "dateCreated", "dateModified"},
	"/studies/DEMO/intervals": {"studyKey", "intervalId", "intervalName", "intervalDescription", "intervalSequence",
		"intervalGroupId", "intervalGroupName", "timeline", "definedUsingInterval", "windowCalculationForm",
		"windowCalculationDate", "actualDateForm", "actualDate", "dueDateWillBeIn", "negativeSlack", "positiveSlack",
		"eproGracePeriod", "forms", "disabled", "dateCreated", "dateModified"},
	"/studies/DEMO/visits": {"studyKey", "visitId", "intervalId", "intervalName", "subjectId", "subjectKey", "startDate",
		"endDate", "dueDate", "visitDate", "visitDateForm", "visitDateQuestion", "deleted", "dateCreated", "dateModified"},
	"/studies/DEMO/subjects": {"studyKey", "subjectId", "subjectOid", "subjectKey", "subjectStatus", "siteId", "siteName",
		"deleted", "enrollmentStartDate", "dateCreated", "dateModified", "keywords"},
	"/studies/DEMO/users": {"userId", "login", "firstName", "lastName", "email", "userActiveInStudy", "roles"},
	"/studies/DEMO/variables": {"studyKey", "variableId", "variableType", "variableName", "sequence", "revision", "disabled",
		"dateCreated", "dateModified", "formId", "variableOid", "deleted", "formKey", "formName", "label", "blinded"},
	"/studies/DEMO/codings": {"studyKey", "siteName", "siteId", "subjectId", "subjectKey", "formId", "formName", "formKey",
		"revision", "recordId", "variable", "value", "codingId", "code", "codedBy", "reason", "dictionaryName",
		"dictionaryVersion", "dateCoded"},
	"/studies/DEMO/queries": {"studyKey", "subjectId", "subjectOid", "annotationType", "annotationId", "type", "description",
		"recordId", "variable", "subjectKey", "dateCreated", "dateModified", "queryComments"},
	"/studies/DEMO/recordRevisions": {"studyKey", "recordRevisionId", "recordId", "recordOid", "recordRevision",
		"dataRevision", "recordStatus", "subjectId", "subjectOid", "subjectKey", "siteId", "formKey", "intervalId", "role",
		"user", "reasonForChange", "deleted", "dateCreated"},
	"/studies/DEMO/records": {"studyKey", "intervalId", "formId", "formKey", "siteId", "recordId", "recordOid", "recordType",
		"recordStatus", "deleted", "dateCreated", "dateModified", "subjectId", "subjectOid", "subjectKey", "visitId",
		"parentRecordId", "keywords", "recordData"},
}

var subSchemas = map[string][]string{
	"keywords":      {"keywordName", "keywordKey", "keywordId", "dateAdded"},
	"roles":         {"dateCreated", "dateModified", "roleId", "communityId", "name", "description", "level", "type", "inactive"},
	"queryComments": {"sequence", "annotationStatus", "user", "comment", "closed", "date"},
	"forms":         {"formId", "formKey", "formName"},
}

// timeFields are printed as "2006-01-02 15:04:05"; dateFields as "2006-01-02".
var (
	timeFields = []string{"dateCreated", "dateModified", "enrollmentStartDate", "dateCoded", "dateAdded", "date"}
	dateFields = []string{"startDate", "endDate", "visitDate"}
)

// objectKeys returns the keys of the JSON object in b, in order.
func objectKeys(t *testing.T, b []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", b)
	}
	var keys []string
	for dec.More() {
		tok, _ := dec.Token()
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func TestEnvelopeAndSchemas(t *testing.T) {
	s := newSmall(t)
	for path, fields := range schemas {
		t.Run(path, func(t *testing.T) {
			code, body, hdr := call(t, s, "GET", path, url.Values{"size": {"500"}}, "", nil)
			if code != http.StatusOK {
				t.Fatalf("%d %s", code, body)
			}
			if ct := hdr.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if got := objectKeys(t, body); !slices.Equal(got, []string{"metadata", "pagination", "data"}) {
				t.Errorf("top-level keys %v", got)
			}
			var env struct {
				Metadata   json.RawMessage
				Pagination json.RawMessage
				Data       []json.RawMessage
			}
			if err := json.Unmarshal(body, &env); err != nil {
				t.Fatal(err)
			}
			if got := objectKeys(t, env.Metadata); !slices.Equal(got, []string{"status", "method", "path", "timestamp", "error"}) {
				t.Errorf("metadata keys %v", got)
			}
			if got := objectKeys(t, env.Pagination); !slices.Equal(got, []string{"currentPage", "size", "totalPages", "totalElements", "sort"}) {
				t.Errorf("pagination keys %v", got)
			}
			o := decode(t, body)
			md := o["metadata"].(obj)
			if md["status"] != "OK" || md["method"] != "GET" || md["path"] != prefix+path || !isAPITime(md["timestamp"]) {
				t.Errorf("metadata %v", md)
			}
			if e, ok := md["error"].(obj); !ok || len(e) != 0 {
				t.Errorf("metadata.error %v, want {}", md["error"])
			}
			p := o["pagination"].(obj)
			if num(p["currentPage"]) != 0 || num(p["size"]) != 500 || min(num(p["totalElements"]), 500) != int64(len(env.Data)) {
				t.Errorf("pagination %v for %d items", p, len(env.Data))
			}
			if len(env.Data) == 0 {
				t.Fatal("no items")
			}
			for _, raw := range env.Data {
				if got := objectKeys(t, raw); !slices.Equal(got, fields) {
					t.Fatalf("item keys\n got %v\nwant %v", got, fields)
				}
				checkItem(t, decode(t, raw))
				// Lists of objects have their documented fields.
				item := decode(t, raw)
				for name, sub := range subSchemas {
					l, ok := item[name].([]any)
					if !ok {
						continue
					}
					var elems []json.RawMessage
					var whole map[string]json.RawMessage
					json.Unmarshal(raw, &whole)
					json.Unmarshal(whole[name], &elems)
					for _, e := range elems {
						if got := objectKeys(t, e); !slices.Equal(got, sub) {
							t.Fatalf("%s element keys %v, want %v", name, got, sub)
						}
					}
					for _, e := range l {
						checkItem(t, e.(obj))
					}
				}
			}
		})
	}
}

// checkItem checks the printed forms of an item's fields.
func checkItem(t *testing.T, item obj) {
	t.Helper()
	for k, v := range item {
		switch {
		case slices.Contains(timeFields, k) && k != "dateCreated" && k != "dateModified" || (k == "dateCreated" || k == "dateModified") && !isRoleDate(v):
			if !isAPITime(v) {
				t.Fatalf("%s = %v is not YYYY-MM-DD HH:MM:SS", k, v)
			}
		case slices.Contains(dateFields, k):
			if !isDate(v) {
				t.Fatalf("%s = %v is not YYYY-MM-DD", k, v)
			}
		case k == "dueDate":
			if v != nil && !isDate(v) {
				t.Fatalf("dueDate = %v", v)
			}
		case k == "recordData":
			rd := v.(obj)
			for name, x := range rd {
				if _, ok := x.(string); !ok {
					t.Fatalf("recordData.%s = %v (%T), want a string", name, x, x)
				}
			}
			if !isAPITime(rd["dateCreated"]) || !isAPITime(rd["dateModified"]) {
				t.Fatalf("recordData system keys %v %v", rd["dateCreated"], rd["dateModified"])
			}
		case strings.HasSuffix(k, "Id") && k != "userId" && k != "roleId":
			if _, ok := v.(json.Number); !ok {
				t.Fatalf("%s = %v (%T), want an integer", k, v, v)
			}
		case k == "subjectKey" || k == "sponsorKey" || k == "dictionaryVersion":
			if _, ok := v.(string); !ok {
				t.Fatalf("%s = %v (%T), want a string", k, v, v)
			}
		}
	}
}

// isRoleDate reports whether v is a 7-integer role date [y,m,d,h,mi,s,ns].
func isRoleDate(v any) bool {
	a, ok := v.([]any)
	if !ok || len(a) != 7 {
		return false
	}
	for _, x := range a {
		if _, ok := x.(json.Number); !ok {
			return false
		}
	}
	return true
}

func TestRoleDatesAreArrays(t *testing.T) {
	s := newSmall(t)
	users := fetchAll(t, s, "/studies/DEMO/users", url.Values{"includeInactive": {"true"}})
	n := 0
	for _, u := range users {
		for _, r := range u["roles"].([]any) {
			ro := r.(obj)
			if !isRoleDate(ro["dateCreated"]) || !isRoleDate(ro["dateModified"]) {
				t.Fatalf("role dates %v %v", ro["dateCreated"], ro["dateModified"])
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("no roles")
	}
}

// TestSDKDecodesEverything lists every endpoint through the SDK: each item must decode with
// no unknown members.
func TestSDKDecodesEverything(t *testing.T) {
	srv := MustNewServer(t, WithStudy(small))
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	const study = "DEMO"
	opts := &imednet.ListOptions{PageSize: 500}
	check := func(name string, n int, extras int, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if n == 0 {
			t.Fatalf("%s: no items", name)
		}
		if extras != 0 {
			t.Fatalf("%s: %d items with unknown members", name, extras)
		}
	}
	{
		n, x := 0, 0
		for it, err := range c.Studies.All(ctx, opts) {
			if err != nil {
				check("studies", n, x, err)
			}
			n++
			x += len(it.Extra)
		}
		check("studies", n, x, nil)
	}
	listAll := func(name string, seq func(yield func(int, error) bool)) {
		n, x := 0, 0
		for extra, err := range seq {
			if err != nil {
				check(name, n, x, err)
			}
			n++
			x += extra
		}
		check(name, n, x, nil)
	}
	listAll("sites", func(y func(int, error) bool) {
		for it, err := range c.Sites.All(ctx, study, opts) {
			if !y(len(it.Extra), err) {
				return
			}
		}
	})
	listAll("forms", func(y func(int, error) bool) {
		for it, err := range c.Forms.All(ctx, study, opts) {
			if !y(len(it.Extra), err) {
				return
			}
		}
	})
	listAll("intervals", func(y func(int, error) bool) {
		for it, err := range c.Intervals.All(ctx, study, opts) {
			if !y(len(it.Extra), err) {
				return
			}
		}
	})
	listAll("visits", func(y func(int, error) bool) {
		for it, err := range c.Visits.All(ctx, study, opts) {
			if !y(len(it.Extra), err) {
				return
			}
		}
	})
	listAll("subjects", func(y func(int, error) bool) {
		for it, err := range c.Subjects.All(ctx, study, opts) {
			if !y(len(it.Extra), err) {
				return
			}
		}
	})
	listAll("users", func(y func(int, error) bool) {
		for it, err := range c.Users.All(ctx, study, &imednet.UserListOptions{ListOptions: *opts, IncludeInactive: true}) {
			x := len(it.Extra)
			for _, r := range it.Roles {
				x += len(r.Extra)
				if !r.DateCreated.Valid() {
					x++
				}
			}
			if !y(x, err) {
				return
			}
		}
	})
	listAll("variables", func(y func(int, error) bool) {
		for it, err := range c.Variables.All(ctx, study, opts) {
			if !y(len(it.Extra), err) {
				return
			}
		}
	})
	listAll("codings", func(y func(int, error) bool) {
		for it, err := range c.Codings.All(ctx, study, opts) {
			if !y(len(it.Extra), err) {
				return
			}
		}
	})
	listAll("queries", func(y func(int, error) bool) {
		for it, err := range c.Queries.All(ctx, study, opts) {
			if !y(len(it.Extra), err) {
				return
			}
		}
	})
	listAll("recordRevisions", func(y func(int, error) bool) {
		for it, err := range c.RecordRevisions.All(ctx, study, opts) {
			if !y(len(it.Extra), err) {
				return
			}
		}
	})
	total := 0
	listAll("records", func(y func(int, error) bool) {
		for it, err := range c.Records.All(ctx, study, &imednet.RecordListOptions{ListOptions: *opts}) {
			total++
			x := len(it.Extra)
			if it.RecordData.Len() == 0 {
				x++
			}
			if !y(x, err) {
				return
			}
		}
	})
	if want := srv.Study(study).Counts().Records; total != want {
		t.Fatalf("SDK listed %d records, study has %d", total, want)
	}
}

func TestClientInProcessAndListening(t *testing.T) {
	for _, listen := range []bool{false, true} {
		var s *Server
		var err error
		if listen {
			s, err = NewServer(WithStudy(small))
			if err == nil {
				defer s.Close()
				if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") {
					t.Errorf("URL %q", s.URL())
				}
			}
		} else {
			s, err = New(WithStudy(small))
			if err == nil && s.URL() != "" {
				t.Errorf("URL of an unstarted server: %q", s.URL())
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		c, err := s.Client()
		if err != nil {
			t.Fatal(err)
		}
		page, err := c.Sites.List(t.Context(), "DEMO", nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 3 || page.Pagination.TotalElements != 3 {
			t.Fatalf("listen=%v: %d sites", listen, len(page.Items))
		}
		// The caller's options come last: wrong keys give 401.
		bad, err := s.Client(imednet.WithAPIKey("x", "y"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bad.Sites.List(t.Context(), "DEMO", nil); !errors.Is(err, imednet.ErrUnauthorized) {
			t.Fatalf("wrong keys: %v", err)
		}
		s.Close()
	}
}

func TestDefaultServer(t *testing.T) {
	s := MustNewServer(t)
	if s.Study(DemoStudyKey) == nil || len(s.StudyKeys()) != 1 {
		t.Fatalf("studies %v", s.StudyKeys())
	}
	api, sec := s.Keys()
	if api != DemoAPIKey || sec != DemoSecurityKey {
		t.Fatal("default keys")
	}
	c := s.Study(DemoStudyKey).Counts()
	if c.Sites != 4 || c.Subjects != 24 || c.Records != 24*30+4 || c.Forms != 12 || c.Users != 8 {
		t.Fatalf("default study counts %+v", c)
	}
	if c.Queries == 0 || c.Codings == 0 || c.DeletedRecords == 0 || c.RecordRevisions <= c.Records {
		t.Fatalf("default study lacks variety: %+v", c)
	}
}

func TestOptionsValidate(t *testing.T) {
	bad := []Option{
		WithKeys("", "x"),
		WithJobDelay(-1),
		WithClock(nil),
		WithStudy(StudyConfig{}),
		WithStudy(StudyConfig{Key: "a/b"}),
		WithStudy(StudyConfig{Key: "A", Sites: -2}),
		WithStudy(StudyConfig{Key: "A", Subjects: -5}),
		WithStudy(StudyConfig{Key: "A", DeletedFraction: 1.5}),
		WithStudy(StudyConfig{Key: "A", Intervals: maxIntervals + 1}),
		WithStudy(StudyConfig{Key: "A", Subjects: 1_000_000, RecordsPerSubject: 1000}),
	}
	for i, opt := range bad {
		if _, err := New(opt); err == nil {
			t.Errorf("option %d: no error", i)
		}
	}
	if _, err := New(WithStudy(StudyConfig{Key: "A"}), WithStudy(StudyConfig{Key: "A"})); err == nil {
		t.Error("duplicate study key accepted")
	}
	// None gives zero where 0 gives the default.
	s, err := New(WithStudy(StudyConfig{Key: "E", Subjects: None, Users: None, DeletedFraction: None}))
	if err != nil {
		t.Fatal(err)
	}
	c := s.Study("E").Counts()
	if c.Subjects != 0 || c.Users != 0 || c.Records != c.Sites {
		t.Fatalf("empty study %+v", c)
	}
	o := get(t, s, "/studies/E/subjects", nil)
	p := o["pagination"].(obj)
	if num(p["totalPages"]) != 0 || num(p["totalElements"]) != 0 || len(o["data"].([]any)) != 0 {
		t.Fatalf("empty list pagination %v", p)
	}
	var fe fakeTB
	if MustNewServer(&fe, WithJobDelay(-1)); !fe.failed {
		t.Fatal("MustNewServer accepted a bad option")
	}
}

type fakeTB struct{ failed bool }

func (f *fakeTB) Helper()               {}
func (f *fakeTB) Fatalf(string, ...any) { f.failed = true }
func (f *fakeTB) Cleanup(func())        {}

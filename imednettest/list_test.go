package imednettest

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"

	imednet "github.com/imednet/imednet-go"
)

func TestPaging(t *testing.T) {
	s := newSmall(t)
	all := fetchAll(t, s, "/studies/DEMO/records", nil)
	total := len(all)
	for _, size := range []int{1, 7, 25, 100, 500} {
		pages := (total + size - 1) / size
		var got []string
		for page := 0; page <= pages; page++ {
			o := get(t, s, "/studies/DEMO/records", url.Values{"page": {strconv.Itoa(page)}, "size": {strconv.Itoa(size)}})
			p := o["pagination"].(obj)
			if num(p["currentPage"]) != int64(page) || num(p["size"]) != int64(size) ||
				num(p["totalPages"]) != int64(pages) || num(p["totalElements"]) != int64(total) {
				t.Fatalf("size %d page %d: pagination %v", size, page, p)
			}
			data := o["data"].([]any)
			want := size
			switch {
			case page == pages-1:
				want = total - (pages-1)*size
			case page >= pages:
				want = 0 // past the end: an empty page, not an error
			}
			if len(data) != want {
				t.Fatalf("size %d page %d: %d items, want %d", size, page, len(data), want)
			}
			for _, it := range data {
				got = append(got, ids([]obj{it.(obj)}, "recordId")[0])
			}
			if size == 1 && page > 40 {
				break
			}
		}
		if size > 1 && !slices.Equal(got, ids(all, "recordId")) {
			t.Fatalf("size %d: pages do not concatenate to the whole list", size)
		}
	}
	// The default page size is 25.
	o := get(t, s, "/studies/DEMO/records", nil)
	if p := o["pagination"].(obj); num(p["size"]) != 25 || num(p["currentPage"]) != 0 || len(o["data"].([]any)) != 25 {
		t.Fatalf("defaults: %v", p)
	}
	// An empty result has totalPages 0.
	o = get(t, s, "/studies/DEMO/records", url.Values{"filter": {"recordId<0"}})
	if p := o["pagination"].(obj); num(p["totalPages"]) != 0 || num(p["totalElements"]) != 0 || len(o["data"].([]any)) != 0 {
		t.Fatalf("empty: %v", p)
	}
}

func TestPagingThroughSDK(t *testing.T) {
	s := newSmall(t)
	c, err := s.Client()
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{10, 500} {
		n := 0
		opts := &imednet.RecordListOptions{ListOptions: imednet.ListOptions{PageSize: size, Prefetch: 4}}
		last := 0
		for r, err := range c.Records.All(t.Context(), "DEMO", opts) {
			if err != nil {
				t.Fatal(err)
			}
			if r.RecordID <= last {
				t.Fatal("records out of order")
			}
			last = r.RecordID
			n++
		}
		if n != s.Study("DEMO").Counts().Records {
			t.Fatalf("size %d: %d records", size, n)
		}
	}
}

func TestPageSizeValidation(t *testing.T) {
	s := newSmall(t)
	for _, tc := range []struct{ attr, value string }{
		{"page", "XX"}, {"page", "-1"}, {"page", "1.5"}, {"page", "99999999999999999999"},
		{"size", "0"}, {"size", "501"}, {"size", "-3"}, {"size", "abc"}, {"size", "10.0"},
	} {
		for _, path := range []string{"/studies", "/studies/DEMO/records", "/studies/DEMO/users"} {
			code, body, _ := call(t, s, "GET", path, url.Values{tc.attr: {tc.value}}, "", nil)
			e := checkError(t, code, body, http.StatusBadRequest, "BAD_REQUEST", "1000")
			f, ok := e["field"].(obj)
			if !ok || f["attribute"] != tc.attr || f["value"] != tc.value {
				t.Fatalf("%s %s=%s: field %v", path, tc.attr, tc.value, e["field"])
			}
			if e["description"] != "Field raised validation errors" {
				t.Errorf("description %q", e["description"])
			}
			if md := decode(t, body)["metadata"].(obj); md["path"] != prefix+path {
				t.Errorf("path %v", md["path"])
			}
		}
	}
	// Limits are accepted.
	for _, q := range []url.Values{{"size": {"1"}}, {"size": {"500"}}, {"page": {"0"}}, {"page": {"1000000"}}} {
		get(t, s, "/studies/DEMO/records", q)
	}
	// Through the SDK the error keeps its field.
	c, _ := s.Client()
	_, err := c.Do(t.Context(), &imednet.Request{Path: "/studies/DEMO/sites", Query: url.Values{"page": {"XX"}}}, nil)
	var apiErr *imednet.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Code != "1000" || apiErr.Field == nil || apiErr.Field.Attribute != "page" {
		t.Fatalf("SDK error %#v", err)
	}
}

// defaultSorts is the API's default sort per endpoint, and each endpoint's id.
var defaultSorts = []struct{ path, prop, id string }{
	{"/studies", "studyKey", "studyId"},
	{"/studies/DEMO/sites", "siteId", "siteId"},
	{"/studies/DEMO/forms", "formId", "formId"},
	{"/studies/DEMO/intervals", "intervalId", "intervalId"},
	{"/studies/DEMO/visits", "visitId", "visitId"},
	{"/studies/DEMO/subjects", "subjectId", "subjectId"},
	{"/studies/DEMO/users", "login", "userId"},
	{"/studies/DEMO/variables", "formId", "variableId"},
	{"/studies/DEMO/codings", "formId", "codingId"},
	{"/studies/DEMO/queries", "annotationId", "annotationId"},
	{"/studies/DEMO/recordRevisions", "recordRevisionId", "recordRevisionId"},
	{"/studies/DEMO/records", "recordId", "recordId"},
}

func sortEcho(o obj) []sortSpec {
	var out []sortSpec
	for _, x := range o["pagination"].(obj)["sort"].([]any) {
		m := x.(obj)
		out = append(out, sortSpec{prop: m["property"].(string), desc: m["direction"] == "DESC"})
		if d := m["direction"]; d != "ASC" && d != "DESC" {
			panic("direction " + d.(string))
		}
	}
	return out
}

func TestDefaultSorts(t *testing.T) {
	s, err := New(WithStudy(small), WithStudy(StudyConfig{Key: "ALPHA", Subjects: 2}), WithStudy(StudyConfig{Key: "BETA", Subjects: 2}))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range defaultSorts {
		items := fetchAll(t, s, d.path, nil)
		o := get(t, s, d.path, url.Values{"size": {"1"}})
		if echo := sortEcho(o); !slices.Equal(echo, []sortSpec{{prop: d.prop}}) {
			t.Errorf("%s: default sort echo %v", d.path, echo)
		}
		want := bruteSort(items, []sortSpec{{prop: d.prop}}, d.id)
		if !slices.Equal(ids(items, d.id), ids(want, d.id)) {
			t.Errorf("%s: not in default order %s", d.path, d.prop)
		}
	}
}

func TestSorts(t *testing.T) {
	s := newSmall(t)
	cases := []struct {
		path  string
		sorts []string
		want  []sortSpec
		id    string
	}{
		{"/studies/DEMO/records", []string{"dateModified,desc"}, []sortSpec{{"dateModified", true}}, "recordId"},
		{"/studies/DEMO/records", []string{"recordId,DESC"}, []sortSpec{{"recordId", true}}, "recordId"},
		{"/studies/DEMO/records", []string{"formKey,Asc", "dateCreated,DESC"}, []sortSpec{{"formKey", false}, {"dateCreated", true}}, "recordId"},
		{"/studies/DEMO/records", []string{"subjectKey,formId,desc"}, []sortSpec{{"subjectKey", true}, {"formId", true}}, "recordId"},
		{"/studies/DEMO/records", []string{"deleted,desc", "recordOid"}, []sortSpec{{"deleted", true}, {"recordOid", false}}, "recordId"},
		{"/studies/DEMO/subjects", []string{"siteName", "subjectKey,desc"}, []sortSpec{{"siteName", false}, {"subjectKey", true}}, "subjectId"},
		{"/studies/DEMO/visits", []string{"dueDate,asc"}, []sortSpec{{"dueDate", false}}, "visitId"},
		{"/studies/DEMO/visits", []string{"dueDate,desc"}, []sortSpec{{"dueDate", true}}, "visitId"},
		{"/studies/DEMO/users", []string{"lastName,desc", "firstName"}, []sortSpec{{"lastName", true}, {"firstName", false}}, "userId"},
		{"/studies/DEMO/variables", []string{"variableType", "variableName,desc"}, []sortSpec{{"variableType", false}, {"variableName", true}}, "variableId"},
		{"/studies/DEMO/codings", []string{"dateCoded,desc"}, []sortSpec{{"dateCoded", true}}, "codingId"},
		{"/studies/DEMO/queries", []string{"dateModified,desc"}, []sortSpec{{"dateModified", true}}, "annotationId"},
		{"/studies/DEMO/recordRevisions", []string{"recordId,asc", "recordRevision,desc"}, []sortSpec{{"recordId", false}, {"recordRevision", true}}, "recordRevisionId"},
		{"/studies/DEMO/intervals", []string{"intervalName"}, []sortSpec{{"intervalName", false}}, "intervalId"},
		{"/studies/DEMO/forms", []string{"formKey,desc"}, []sortSpec{{"formKey", true}}, "formId"},
		{"/studies/DEMO/sites", []string{"siteEnrollmentStatus", "siteName,desc"}, []sortSpec{{"siteEnrollmentStatus", false}, {"siteName", true}}, "siteId"},
	}
	for _, tc := range cases {
		q := url.Values{"sort": tc.sorts}
		items := fetchAll(t, s, tc.path, q)
		if echo := sortEcho(get(t, s, tc.path, q)); !slices.Equal(echo, tc.want) {
			t.Errorf("%s %v: echo %v, want %v", tc.path, tc.sorts, echo, tc.want)
		}
		base := fetchAll(t, s, tc.path, nil)
		want := bruteSort(base, tc.want, tc.id)
		if !slices.Equal(ids(items, tc.id), ids(want, tc.id)) {
			t.Errorf("%s %v: order differs from a brute-force sort", tc.path, tc.sorts)
		}
	}
	// Unknown and unsortable properties are refused.
	for _, tc := range []struct{ path, sort string }{
		{"/studies/DEMO/records", "nope,asc"},
		{"/studies/DEMO/records", "recordData,asc"},
		{"/studies/DEMO/records", "keywords"},
		{"/studies/DEMO/users", "studyKey"},
		{"/studies/DEMO/sites", ",asc"},
		{"/studies", "siteId"},
	} {
		code, body, _ := call(t, s, "GET", tc.path, url.Values{"sort": {tc.sort}}, "", nil)
		e := checkError(t, code, body, http.StatusBadRequest, "BAD_REQUEST", "1000")
		if f := e["field"].(obj); f["attribute"] != "sort" || f["value"] != tc.sort {
			t.Errorf("%s sort=%s: field %v", tc.path, tc.sort, f)
		}
	}
	// Through the SDK.
	c, _ := s.Client()
	page, err := c.Records.List(t.Context(), "DEMO", &imednet.RecordListOptions{ListOptions: imednet.ListOptions{
		PageSize: 5, Sort: []imednet.Sort{imednet.Desc("dateModified"), imednet.Asc("recordId")}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := page.Pagination.Sort; len(got) != 2 || got[0].Property != "dateModified" || got[0].Direction != "DESC" || got[1].Direction != "ASC" {
		t.Fatalf("SDK sort echo %+v", got)
	}
	for i := 1; i < len(page.Items); i++ {
		if page.Items[i].DateModified.Time.After(page.Items[i-1].DateModified.Time) {
			t.Fatal("SDK page not sorted by dateModified desc")
		}
	}
}

package imednet

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestQueriesFromSpecExample(t *testing.T) {
	c, api := newFakeAPI(t, serve(fixture(t, "ExampleQueriesList")))
	page, err := c.Queries.List(t.Context(), "PHARMADEMO", &ListOptions{
		PageSize: 25, Sort: []Sort{Desc("dateCreated")},
		Filter: Eq("queryComments.closed", false).And(Eq("annotationType", "subject")),
	})
	if err != nil {
		t.Fatal(err)
	}
	r := api.only(t)
	if r.Method != "GET" || r.Path != "/api/v1/edc/studies/PHARMADEMO/queries" {
		t.Errorf("%s %s", r.Method, r.Path)
	}
	checkQuery(t, r.Query, url.Values{"page": {"0"}, "size": {"25"}, "sort": {"dateCreated,DESC"},
		"filter": {"queryComments.closed==false;annotationType==subject"}})
	want := Query{
		StudyKey: "PHARMADEMO", SubjectID: 1, SubjectOID: "OID-1", AnnotationType: "subject", AnnotationID: 1,
		Type: "", Description: "Monitor Query", RecordID: 123, Variable: "aeterm", SubjectKey: "123-005",
		DateCreated: ts("2025-06-05 21:12:09"), DateModified: ts("2025-06-05 21:12:10"),
		QueryComments: []QueryComment{{Sequence: 1, AnnotationStatus: "Monitor Query Open", User: "john",
			Comment: "Added comment to study", Closed: false, Date: ts("2025-06-05 21:12:09")}},
	}
	if len(page.Items) != 1 || !reflect.DeepEqual(page.Items[0], want) {
		t.Errorf("queries\n got %+v\nwant %+v", page.Items, want)
	}
	// The contract's example carries a wrong metadata.path; it is reported as sent.
	if page.Metadata.Path != "/api/v1/edc/studies/batchId/queries" {
		t.Errorf("metadata %+v", page.Metadata)
	}
}

func TestQueryQuirksDecode(t *testing.T) {
	var q Query
	err := json.Unmarshal([]byte(`{"studyKey":"S","subjectId":"1","subjectOid":"","annotationType":"record",
		"annotationId":"77","type":"question","description":"Data Query","recordId":null,"variable":"",
		"subjectKey":"01-001","dateCreated":"2025-06-05T21:12:09Z","dateModified":null,
		"queryComments":{"sequence":"2","annotationStatus":"Closed","user":"ann","comment":null,"closed":"true",
			"date":"2021-12-09T08:23:21.99Z","attachment":{"id":1}},
		"priority":"high"}`), &q)
	if err != nil {
		t.Fatal(err)
	}
	want := Query{StudyKey: "S", SubjectID: 1, AnnotationType: "record", AnnotationID: 77, Type: "question",
		Description: "Data Query", SubjectKey: "01-001", DateCreated: ts("2025-06-05 21:12:09"),
		QueryComments: []QueryComment{{Sequence: 2, AnnotationStatus: "Closed", User: "ann", Closed: true,
			Date:  Timestamp{Time: time.Date(2021, 12, 9, 8, 23, 21, 990e6, time.UTC)},
			Extra: Extra{"attachment": json.RawMessage(`{"id":1}`)}}},
		Extra: Extra{"priority": json.RawMessage(`"high"`)}}
	if !reflect.DeepEqual(q, want) {
		t.Errorf("query\n got %+v\nwant %+v", q, want)
	}

	for _, tc := range []struct {
		body     string
		comments int
		extra    bool
	}{
		{`{}`, 0, false},
		{`{"queryComments":null}`, 0, false},
		{`{"queryComments":""}`, 0, false},
		{`{"queryComments":[]}`, 0, false},
		{`{"queryComments":[{"sequence":1},{"sequence":2,"closed":"yes"}]}`, 2, false},
		{`{"queryComments":"open"}`, 0, true},
		{`{"queryComments":[1,2]}`, 0, true},
	} {
		var q Query
		if err := json.Unmarshal([]byte(tc.body), &q); err != nil {
			t.Errorf("%s: %v", tc.body, err)
			continue
		}
		_, inExtra := q.Extra["queryComments"]
		if len(q.QueryComments) != tc.comments || inExtra != tc.extra || len(q.Extra) > 1 {
			t.Errorf("%s: comments %+v extra %v", tc.body, q.QueryComments, q.Extra)
		}
		if tc.comments == 2 && (q.QueryComments[1].Sequence != 2 || !q.QueryComments[1].Closed) {
			t.Errorf("%s: comments %+v", tc.body, q.QueryComments)
		}
	}
	var qc QueryComment
	if err := json.Unmarshal([]byte(`{"sequence":"first","closed":"maybe"}`), &qc); err != nil ||
		string(qc.Extra["sequence"]) != `"first"` || string(qc.Extra["closed"]) != `"maybe"` || qc.Closed {
		t.Errorf("comment %+v err %v", qc, err)
	}
}

func TestQueriesGet(t *testing.T) {
	c, api := newFakeAPI(t, func(r *http.Request) (int, string) {
		if r.URL.Query().Get("filter") == "annotationId==1" {
			return 200, fixture(t, "ExampleQueriesList")
		}
		return 200, envelope()
	})
	q, err := c.Queries.Get(t.Context(), "PHARMADEMO", 1)
	if err != nil || q.AnnotationID != 1 || len(q.QueryComments) != 1 {
		t.Fatalf("query %+v err %v", q, err)
	}
	checkQuery(t, api.requests()[0].Query, url.Values{"page": {"0"}, "size": {"25"}, "filter": {"annotationId==1"}})
	if _, err := c.Queries.Get(t.Context(), "PHARMADEMO", 2); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "annotation 2 not found") {
		t.Errorf("missing query: %v", err)
	}
	if _, err := c.Queries.Get(t.Context(), "", 1); !errors.Is(err, ErrNoStudy) {
		t.Errorf("no study: %v", err)
	}
}

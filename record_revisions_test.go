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

func TestRecordRevisionsFromSpecExample(t *testing.T) {
	c, api := newFakeAPI(t, serve(fixture(t, "ExampleRecordRevisionsList")))
	since := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	revs := edcCollect(t, c.RecordRevisions.All(WithStudy(t.Context(), "PHARMADEMO"), "", &ListOptions{
		PageSize: 500, Sort: []Sort{Asc("recordId"), Desc("recordRevision")},
		Filter: Eq("recordId", 1).And(Gt("dateCreated", since), Eq("user", "jdoe")),
	}))
	r := api.only(t)
	if r.Method != "GET" || r.Path != "/api/v1/edc/studies/PHARMADEMO/recordRevisions" {
		t.Errorf("%s %s", r.Method, r.Path)
	}
	checkQuery(t, r.Query, url.Values{"page": {"0"}, "size": {"500"}, "sort": {"recordId,ASC", "recordRevision,DESC"},
		"filter": {"recordId==1;dateCreated>2025-01-02T03:04:05Z;user==jdoe"}})
	want := RecordRevision{
		StudyKey: "PHARMADEMO", RecordRevisionID: 1, RecordID: 1, RecordOID: "REC-1", RecordRevision: 1, DataRevision: 1,
		RecordStatus: "Record Complete", SubjectID: 247, SubjectOID: "OID-1", SubjectKey: "001-003", SiteID: 2,
		FormKey: "AE", IntervalID: 15, Role: "Research Coordinator", User: "jdoe", ReasonForChange: "Data entry error",
		Deleted: true, DateCreated: ts("2025-06-05 21:12:09"),
	}
	if len(revs) != 1 || !reflect.DeepEqual(revs[0], want) {
		t.Errorf("revisions\n got %+v\nwant %+v", revs, want)
	}
}

func TestRecordRevisionQuirksDecode(t *testing.T) {
	var r RecordRevision
	err := json.Unmarshal([]byte(`{"studyKey":"S","recordRevisionId":"10","recordId":2.0,"recordOid":"","recordRevision":"3",
		"dataRevision":null,"recordStatus":"Record Complete","subjectId":"247","subjectOid":null,"subjectKey":"001-003",
		"siteId":"two","formKey":"AE","intervalId":"","role":"","user":"","reasonForChange":null,"deleted":"FALSE",
		"dateCreated":"2025-06-30T21:40:44.98268","newThing":[1]}`), &r)
	if err != nil {
		t.Fatal(err)
	}
	want := RecordRevision{StudyKey: "S", RecordRevisionID: 10, RecordID: 2, RecordRevision: 3, RecordStatus: "Record Complete",
		SubjectID: 247, SubjectKey: "001-003", FormKey: "AE",
		DateCreated: Timestamp{Time: time.Date(2025, 6, 30, 21, 40, 44, 982680000, time.UTC)},
		Extra:       Extra{"siteId": json.RawMessage(`"two"`), "newThing": json.RawMessage(`[1]`)}}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("revision\n got %+v\nwant %+v", r, want)
	}
	if err := json.Unmarshal([]byte(`{"deleted":1,"dateCreated":"yesterday"}`), &r); err != nil || !r.Deleted ||
		r.DateCreated.Raw != "yesterday" || r.DateCreated.Valid() || r.Extra != nil {
		t.Errorf("revision %+v err %v", r, err)
	}
}

func TestRecordRevisionsGet(t *testing.T) {
	c, api := newFakeAPI(t, func(r *http.Request) (int, string) {
		if r.URL.Query().Get("filter") == "recordRevisionId==1" {
			return 200, fixture(t, "ExampleRecordRevisionsList")
		}
		return 200, envelope()
	})
	rev, err := c.RecordRevisions.Get(t.Context(), "PHARMADEMO", 1)
	if err != nil || rev.RecordRevisionID != 1 || rev.User != "jdoe" {
		t.Fatalf("revision %+v err %v", rev, err)
	}
	r := api.requests()[0]
	if r.Path != "/api/v1/edc/studies/PHARMADEMO/recordRevisions" {
		t.Errorf("path %s", r.Path)
	}
	checkQuery(t, r.Query, url.Values{"page": {"0"}, "size": {"25"}, "filter": {"recordRevisionId==1"}})
	if _, err := c.RecordRevisions.Get(t.Context(), "PHARMADEMO", 3); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "recordRevision 3 not found") {
		t.Errorf("missing revision: %v", err)
	}
	page, err := c.RecordRevisions.List(t.Context(), "PHARMADEMO", &ListOptions{PageSize: 10, Sort: []Sort{Desc("recordRevisionId")}})
	if err != nil || len(page.Items) != 0 {
		t.Fatalf("page %+v err %v", page, err)
	}
	checkQuery(t, api.requests()[2].Query, url.Values{"page": {"0"}, "size": {"10"}, "sort": {"recordRevisionId,DESC"}})
}

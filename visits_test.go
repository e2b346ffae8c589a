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

// catalogFixtureVisit is the visit of ExampleVisitsList, field by field.
var catalogFixtureVisit = Visit{
	StudyKey: "PHARMADEMO", VisitID: 1, IntervalID: 13, IntervalName: "Day 15", SubjectID: 247, SubjectKey: "111-005",
	StartDate: catalogDay("2025-06-05"), EndDate: catalogDay("2025-06-12"), DueDate: Timestamp{}, VisitDate: catalogDay("2025-06-07"),
	VisitDateForm: "Follow Up", VisitDateQuestion: "AESEV", Deleted: false,
	DateCreated: ts("2025-06-05 21:12:08"), DateModified: ts("2025-06-05 21:12:08"),
}

func TestVisitsListFromSpecExample(t *testing.T) {
	c, api := newFakeAPI(t, serve(fixture(t, "ExampleVisitsList")))
	opts := &ListOptions{PageSize: 25, Sort: []Sort{Asc("visitDate"), Desc("visitId")},
		Filter: Eq("subjectKey", "111-005").And(Lt("visitDate", catalogDay("2019-03-19")), Eq("deleted", false))}
	page, err := c.Visits.List(t.Context(), "PHARMADEMO", opts)
	if err != nil {
		t.Fatal(err)
	}
	r := api.only(t)
	if r.Method != "GET" || r.Path != "/api/v1/edc/studies/PHARMADEMO/visits" {
		t.Errorf("%s %s", r.Method, r.Path)
	}
	checkQuery(t, r.Query, url.Values{"page": {"0"}, "size": {"25"}, "sort": {"visitDate,ASC", "visitId,DESC"},
		"filter": {"subjectKey==111-005;visitDate<2019-03-19;deleted==false"}})
	if len(page.Items) != 1 || !reflect.DeepEqual(page.Items[0], catalogFixtureVisit) {
		t.Errorf("visits\n got %+v\nwant %+v", page.Items, catalogFixtureVisit)
	}
	if v := page.Items[0]; !v.StartDate.DateOnly || v.DueDate.Valid() || !v.DueDate.IsZero() {
		t.Errorf("dates %#v %#v", v.StartDate, v.DueDate)
	}

	c, api = newFakeAPI(t, serve(fixture(t, "ExampleVisitsList")))
	visits := catalogAll(t, c.Visits.All(t.Context(), "PHARMADEMO", nil))
	r = api.only(t)
	if r.Path != "/api/v1/edc/studies/PHARMADEMO/visits" {
		t.Errorf("path %s", r.Path)
	}
	checkQuery(t, r.Query, url.Values{"page": {"0"}, "size": {"100"}})
	if len(visits) != 1 || !reflect.DeepEqual(visits[0], catalogFixtureVisit) {
		t.Errorf("visits %+v", visits)
	}

	// List fetches the page it is asked for.
	c, api = newFakeAPI(t, serve(`{"metadata":{"status":"OK"},"pagination":{"currentPage":2,"size":10,"totalPages":3,"totalElements":21},`+
		`"data":[{"visitId":21,"startDate":"2025-07-01"}]}`))
	page, err = c.Visits.List(t.Context(), "PHARMADEMO", &ListOptions{Page: 2, PageSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	checkQuery(t, api.only(t).Query, url.Values{"page": {"2"}, "size": {"10"}})
	if page.Number != 2 || page.HasNext() || len(page.Items) != 1 || page.Items[0].VisitID != 21 || page.Items[0].StartDate != catalogDay("2025-07-01") {
		t.Errorf("page %+v", page)
	}
}

func TestVisitQuirksDecode(t *testing.T) {
	c, _ := newFakeAPI(t, serve(envelope(`{"visitId":"5","studyKey":"S","intervalId":"13","intervalName":"Day 15","subjectId":"247",
		"subjectKey":"011-005","startDate":" 2025-06-05 ","endDate":"2025-06-12T00:00:00Z","dueDate":"","visitDate":"2025-02-30",
		"visitDateForm":"","deleted":"0","visitDateQuestion":null,"dateCreated":"2025-06-05 21:12:08.5",
		"dateModified":"2025-06-05T23:12:08+0200","visitStatus":"Completed"}`)))
	page, err := c.Visits.List(t.Context(), "S", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 {
		t.Fatalf("%d items", len(page.Items))
	}
	v := page.Items[0]
	want := Visit{StudyKey: "S", VisitID: 5, IntervalID: 13, IntervalName: "Day 15", SubjectID: 247, SubjectKey: "011-005",
		StartDate:    catalogDay("2025-06-05"),
		EndDate:      Timestamp{Time: time.Date(2025, 6, 12, 0, 0, 0, 0, time.UTC)}, // a midnight instant, not a date
		VisitDate:    Timestamp{Raw: "2025-02-30"},                                  // an impossible date is kept as sent
		DateCreated:  Timestamp{Time: time.Date(2025, 6, 5, 21, 12, 8, 5e8, time.UTC)},
		DateModified: ts("2025-06-05 21:12:08"),
		Extra:        Extra{"visitStatus": json.RawMessage(`"Completed"`)}}
	if !reflect.DeepEqual(v, want) {
		t.Errorf("visit\n got %+v\nwant %+v", v, want)
	}
	catalogExtra(t, "visit", v.Extra, map[string]string{"visitStatus": `"Completed"`})

	for _, tc := range []struct {
		in    string
		check func(Visit) bool
		extra map[string]string
	}{
		{`{"dueDate":null,"visitDate":"2025-06-07","deleted":"true"}`, func(v Visit) bool {
			return v.DueDate.IsZero() && v.VisitDate == catalogDay("2025-06-07") && v.Deleted
		}, nil},
		{`{"dueDate":"  ","startDate":[2025,6,5],"subjectKey":111005}`, func(v Visit) bool {
			return v.DueDate.IsZero() && v.StartDate == catalogDay("2025-06-05") && v.SubjectKey == "111005"
		}, nil},
		{`{"dueDate":true,"visitId":"one"}`, func(v Visit) bool { return v.DueDate.IsZero() && v.VisitID == 0 },
			map[string]string{"dueDate": "true", "visitId": `"one"`}},
	} {
		var v Visit
		if err := json.Unmarshal([]byte(tc.in), &v); err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if !tc.check(v) {
			t.Errorf("%s: %+v", tc.in, v)
		}
		catalogExtra(t, tc.in, v.Extra, tc.extra)
	}
}

func TestVisitsGet(t *testing.T) {
	body := fixture(t, "ExampleVisitsList")
	c, api := newFakeAPI(t, func(r *http.Request) (int, string) {
		if r.URL.Query().Get("filter") == "visitId==1" {
			return 200, body
		}
		return 200, envelope()
	})
	v, err := c.Visits.Get(t.Context(), "PHARMADEMO", 1)
	if err != nil || !reflect.DeepEqual(*v, catalogFixtureVisit) {
		t.Fatalf("Get: %+v, %v", v, err)
	}
	r := api.requests()[0]
	if r.Method != "GET" || r.Path != "/api/v1/edc/studies/PHARMADEMO/visits" {
		t.Errorf("%s %s", r.Method, r.Path)
	}
	checkQuery(t, r.Query, url.Values{"page": {"0"}, "size": {"25"}, "filter": {"visitId==1"}})
	if _, err := c.Visits.Get(t.Context(), "PHARMADEMO", 247); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "visit 247 not found") {
		t.Errorf("missing visit: %v", err)
	}
	c, _ = newFakeAPI(t, serve(body))
	if _, err := c.Visits.Get(t.Context(), "PHARMADEMO", 13); !errors.Is(err, ErrNotFound) {
		t.Errorf("inexact id matched: %v", err)
	}
}

func TestVisitJSONEncoding(t *testing.T) {
	v := catalogFixtureVisit
	v.Extra = Extra{"visitStatus": json.RawMessage(`"Completed"`)}
	want := `{"studyKey":"PHARMADEMO","visitId":1,"intervalId":13,"intervalName":"Day 15","subjectId":247,"subjectKey":"111-005",` +
		`"startDate":"2025-06-05","endDate":"2025-06-12","dueDate":null,"visitDate":"2025-06-07",` +
		`"visitDateForm":"Follow Up","visitDateQuestion":"AESEV","deleted":false,` +
		`"dateCreated":"2025-06-05T21:12:08Z","dateModified":"2025-06-05T21:12:08Z"}`
	catalogMarshal(t, v, want, func(v *Visit) { v.Extra = nil })

	v.DueDate = catalogDay("2025-06-10")
	v.VisitDate = Timestamp{Raw: "2025-02-30"}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(b); !strings.Contains(s, `"dueDate":"2025-06-10"`) || !strings.Contains(s, `"visitDate":"2025-02-30"`) || strings.Contains(s, "visitStatus") {
		t.Errorf("json %s", s)
	}
}

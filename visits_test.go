package imednet

import (
	"encoding/json"
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

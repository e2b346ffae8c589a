package imednet

import (
	"encoding/json"
	"iter"
	"reflect"
	"testing"
	"time"
)

// Helpers shared by the resource tests and the service suite (services_test.go).

// catalogDay returns a date-only Timestamp, as visit dates decode, for expected values.
func catalogDay(s string) Timestamp {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return Timestamp{Time: t, DateOnly: true}
}

// catalogExtra checks that extra holds exactly the members of want, as raw JSON.
func catalogExtra(t *testing.T, what string, extra Extra, want map[string]string) {
	t.Helper()
	got := map[string]string{}
	for k, v := range extra {
		got[k] = string(v)
	}
	if want == nil {
		want = map[string]string{}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: Extra %v, want %v", what, got, want)
	}
}

// catalogAll drains an iterator, failing the test on an error.
func catalogAll[T any](t *testing.T, seq iter.Seq2[T, error]) []T {
	t.Helper()
	var out []T
	for item, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, item)
	}
	return out
}

// catalogMarshal checks that v encodes to exactly want, and that want decodes back to v
// (Extra aside, which is not encoded).
func catalogMarshal[T any](t *testing.T, v T, want string, clearExtra func(*T)) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != want {
		t.Errorf("json.Marshal:\n got %s\nwant %s", b, want)
	}
	var back T
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	clearExtra(&v)
	if !reflect.DeepEqual(back, v) {
		t.Errorf("round trip:\n got %+v\nwant %+v", back, v)
	}
}

// catalogFixtureSubject is the subject of ExampleSubjectsList, field by field.
var catalogFixtureSubject = Subject{
	StudyKey: "PHARMADEMO", SubjectID: 1, SubjectOID: "OID-1", SubjectKey: "01-001", SubjectStatus: "Enrolled",
	SiteID: 128, SiteName: "Chicago Hope Hospital", Deleted: false,
	EnrollmentStartDate: ts("2025-06-05 21:12:09"), DateCreated: ts("2025-06-05 21:12:09"), DateModified: ts("2025-06-05 21:12:10"),
	Keywords: []Keyword{{KeywordName: "Data Entry Error", KeywordKey: "DEE", KeywordID: 15362, DateAdded: ts("2025-06-05 21:12:09")}},
}

func TestSubjectQuirksDecode(t *testing.T) {
	c, _ := newFakeAPI(t, serve(envelope(`{"studyKey":"PHARMADEMO","subjectId":"7","subjectOid":"","subjectKey":"007",
		"subjectStatus":"Screened","siteId":"","siteName":null,"deleted":"true","enrollmentStartDate":"",
		"dateCreated":"2025-06-05T21:12:09.123456Z","dateModified":"2025-06-05 23:12:10+02:00",
		"keywords":{"keywordName":"Late","keywordKey":"L","keywordId":"3","dateAdded":"2025-06-05","color":"red"},
		"futureField":{"a":[1,2]}}`)))
	page, err := c.Subjects.List(t.Context(), "PHARMADEMO", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 {
		t.Fatalf("%d items", len(page.Items))
	}
	s := page.Items[0]
	if s.StudyKey != "PHARMADEMO" || s.SubjectID != 7 || s.SubjectOID != "" || s.SubjectKey != "007" ||
		s.SubjectStatus != "Screened" || s.SiteID != 0 || s.SiteName != "" || !s.Deleted {
		t.Errorf("subject %+v", s)
	}
	if !s.EnrollmentStartDate.IsZero() {
		t.Errorf("enrollmentStartDate %#v", s.EnrollmentStartDate)
	}
	if want := time.Date(2025, 6, 5, 21, 12, 9, 123456000, time.UTC); !s.DateCreated.Time.Equal(want) || s.DateCreated.DateOnly {
		t.Errorf("dateCreated %#v", s.DateCreated)
	}
	if want := time.Date(2025, 6, 5, 21, 12, 10, 0, time.UTC); !s.DateModified.Time.Equal(want) {
		t.Errorf("dateModified %#v", s.DateModified)
	}
	if len(s.Keywords) != 1 {
		t.Fatalf("keywords %+v", s.Keywords)
	}
	k := s.Keywords[0]
	if k.KeywordName != "Late" || k.KeywordKey != "L" || k.KeywordID != 3 || k.DateAdded != catalogDay("2025-06-05") {
		t.Errorf("keyword %+v", k)
	}
	catalogExtra(t, "keyword", k.Extra, map[string]string{"color": `"red"`})
	catalogExtra(t, "subject", s.Extra, map[string]string{"futureField": `{"a":[1,2]}`})

	// Lists that are null, absent, blank or empty; keys sent as numbers; unreadable values.
	for _, tc := range []struct {
		in        string
		keywords  []Keyword
		key       string
		extra     map[string]string
		subjectID int
	}{
		{`{"keywords":null,"subjectKey":1001}`, nil, "1001", nil, 0},
		{`{"subjectKey":"01-001 "}`, nil, "01-001 ", nil, 0},
		{`{"keywords":""}`, nil, "", nil, 0},
		{`{"keywords":[]}`, []Keyword{}, "", nil, 0},
		{`{"keywords":"DEE","subjectId":"abc","deleted":"maybe"}`, nil, "",
			map[string]string{"keywords": `"DEE"`, "subjectId": `"abc"`, "deleted": `"maybe"`}, 0},
		{`{"keywords":[{"keywordId":1},"DEE"],"subjectId":12.0}`, []Keyword{{KeywordID: 1}}, "", map[string]string{"keywords": `[{"keywordId":1},"DEE"]`}, 12},
	} {
		var s Subject
		if err := json.Unmarshal([]byte(tc.in), &s); err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(s.Keywords, tc.keywords) || s.SubjectKey != tc.key || s.SubjectID != tc.subjectID || s.Deleted {
			t.Errorf("%s: %+v", tc.in, s)
		}
		catalogExtra(t, tc.in, s.Extra, tc.extra)
	}

	// A subject is decoded afresh: nothing of a previous value survives.
	s = catalogFixtureSubject
	if err := json.Unmarshal([]byte(`{"subjectId":2}`), &s); err != nil || !reflect.DeepEqual(s, Subject{SubjectID: 2}) {
		t.Errorf("reused subject %+v err %v", s, err)
	}
	if err := json.Unmarshal([]byte(`[1]`), &s); err == nil {
		t.Error("an array decoded as a subject")
	}
}

func TestSubjectJSONEncoding(t *testing.T) {
	s := catalogFixtureSubject
	s.Keywords = append([]Keyword(nil), s.Keywords...)
	s.DateModified = Timestamp{Time: time.Date(2025, 6, 5, 23, 12, 10, 5e8, time.FixedZone("CEST", 2*3600))}
	s.Extra = Extra{"futureField": json.RawMessage(`1`)}
	s.Keywords[0].Extra = Extra{"color": json.RawMessage(`"red"`)}
	want := `{"studyKey":"PHARMADEMO","subjectId":1,"subjectOid":"OID-1","subjectKey":"01-001","subjectStatus":"Enrolled",` +
		`"siteId":128,"siteName":"Chicago Hope Hospital","deleted":false,"enrollmentStartDate":"2025-06-05T21:12:09Z",` +
		`"dateCreated":"2025-06-05T21:12:09Z","dateModified":"2025-06-05T21:12:10.5Z",` +
		`"keywords":[{"keywordName":"Data Entry Error","keywordKey":"DEE","keywordId":15362,"dateAdded":"2025-06-05T21:12:09Z"}]}`
	catalogMarshal(t, s, want, func(s *Subject) {
		s.Extra = nil
		s.Keywords[0].Extra = nil
		s.DateModified.Time = s.DateModified.Time.UTC()
	})
	catalogMarshal(t, Subject{SubjectKey: "007"}, `{"studyKey":"","subjectId":0,"subjectOid":"","subjectKey":"007","subjectStatus":"",`+
		`"siteId":0,"siteName":"","deleted":false,"enrollmentStartDate":null,"dateCreated":null,"dateModified":null,"keywords":null}`,
		func(*Subject) {})
}

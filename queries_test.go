package imednet

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// catalogFixtureQuery is the query of ExampleQueriesList, field by field.
var catalogFixtureQuery = Query{
	StudyKey: "PHARMADEMO", SubjectID: 1, SubjectOID: "OID-1", AnnotationType: "subject", AnnotationID: 1,
	Type: "", Description: "Monitor Query", RecordID: 123, Variable: "aeterm", SubjectKey: "123-005",
	DateCreated: ts("2025-06-05 21:12:09"), DateModified: ts("2025-06-05 21:12:10"),
	QueryComments: []QueryComment{{Sequence: 1, AnnotationStatus: "Monitor Query Open", User: "john",
		Comment: "Added comment to study", Closed: false, Date: ts("2025-06-05 21:12:09")}},
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

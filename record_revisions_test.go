package imednet

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// catalogFixtureRecordRevision is the revision of ExampleRecordRevisionsList, field by field.
var catalogFixtureRecordRevision = RecordRevision{
	StudyKey: "PHARMADEMO", RecordRevisionID: 1, RecordID: 1, RecordOID: "REC-1", RecordRevision: 1, DataRevision: 1,
	RecordStatus: "Record Complete", SubjectID: 247, SubjectOID: "OID-1", SubjectKey: "001-003", SiteID: 2,
	FormKey: "AE", IntervalID: 15, Role: "Research Coordinator", User: "jdoe", ReasonForChange: "Data entry error",
	Deleted: true, DateCreated: ts("2025-06-05 21:12:09"),
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

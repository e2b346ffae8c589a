package imednet

import (
	"encoding/json"
	"reflect"
	"testing"
)

// catalogFixtureCoding is the coding of ExampleCodingsList, field by field.
var catalogFixtureCoding = Coding{
	StudyKey: "PHARMADEMO", SiteName: "Chicago Hope Hospital", SiteID: 128, SubjectID: 247, SubjectKey: "111-005",
	FormID: 1, FormName: "Adverse Event", FormKey: "AE", Revision: 2, RecordID: 1, Variable: "AETERM", Value: "Angina",
	CodingID: "1", Code: "Angina agranulocytic", CodedBy: "John Smith", Reason: "Typo fix", DictionaryName: "MedDRA",
	DictionaryVersion: "24.0", DateCoded: ts("2025-06-05 21:12:10"),
}

func TestCodingQuirksDecode(t *testing.T) {
	ids := map[string]string{
		`7`: "7", `"C1"`: "C1", `7.0`: "7", `"7"`: "7", `1e2`: "100", `null`: "", `""`: "", `" C2 "`: " C2 ",
		`12345678901234567890`: "12345678901234567890", `1.5`: "1.5",
	}
	for in, want := range ids {
		var c Coding
		if err := json.Unmarshal([]byte(`{"codingId":`+in+`}`), &c); err != nil || c.CodingID != want || c.Extra != nil {
			t.Errorf("codingId %s: %q extra %v err %v", in, c.CodingID, c.Extra, err)
		}
	}
	var c Coding
	if err := json.Unmarshal([]byte(`{"codingId":{"id":1}}`), &c); err != nil || c.CodingID != "" || string(c.Extra["codingId"]) != `{"id":1}` {
		t.Errorf("object codingId: %+v err %v", c, err)
	}

	err := json.Unmarshal([]byte(`{"studyKey":"S","siteName":null,"siteId":"128","subjectId":"","subjectKey":"01-001",
		"formId":"1","formName":"AE form","formKey":"AE","revision":"","recordId":"9","variable":"AETERM","value":42,
		"codingId":"C1","code":"","codedBy":null,"reason":"","dictionaryName":"WHODrug","dictionaryVersion":24.0,
		"dateCoded":"2025-06-05","llt":{"code":10002383}}`), &c)
	if err != nil {
		t.Fatal(err)
	}
	want := Coding{StudyKey: "S", SiteID: 128, SubjectKey: "01-001", FormID: 1, FormName: "AE form", FormKey: "AE",
		RecordID: 9, Variable: "AETERM", Value: "42", CodingID: "C1", DictionaryName: "WHODrug", DictionaryVersion: "24.0",
		DateCoded: Timestamp{Time: ts("2025-06-05 00:00:00").Time, DateOnly: true},
		Extra:     Extra{"llt": json.RawMessage(`{"code":10002383}`)}}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("coding\n got %+v\nwant %+v", c, want)
	}
}

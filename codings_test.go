package imednet

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func TestCodingsFromSpecExample(t *testing.T) {
	c, api := newFakeAPI(t, serve(fixture(t, "ExampleCodingsList")))
	codings := edcCollect(t, c.Codings.All(t.Context(), "PHARMADEMO", &ListOptions{
		PageSize: 25, Filter: Eq("dictionaryName", "MedDRA").And(Eq("siteName", "Chicago Hope Hospital")),
	}))
	r := api.only(t)
	if r.Method != "GET" || r.Path != "/api/v1/edc/studies/PHARMADEMO/codings" {
		t.Errorf("%s %s", r.Method, r.Path)
	}
	checkQuery(t, r.Query, url.Values{"page": {"0"}, "size": {"25"}, "filter": {`dictionaryName==MedDRA;siteName=="Chicago Hope Hospital"`}})
	want := Coding{
		StudyKey: "PHARMADEMO", SiteName: "Chicago Hope Hospital", SiteID: 128, SubjectID: 247, SubjectKey: "111-005",
		FormID: 1, FormName: "Adverse Event", FormKey: "AE", Revision: 2, RecordID: 1, Variable: "AETERM", Value: "Angina",
		CodingID: "1", Code: "Angina agranulocytic", CodedBy: "John Smith", Reason: "Typo fix", DictionaryName: "MedDRA",
		DictionaryVersion: "24.0", DateCoded: ts("2025-06-05 21:12:10"),
	}
	if len(codings) != 1 || !reflect.DeepEqual(codings[0], want) {
		t.Errorf("codings\n got %+v\nwant %+v", codings, want)
	}
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

func TestCodingsGet(t *testing.T) {
	c, api := newFakeAPI(t, func(r *http.Request) (int, string) {
		switch r.URL.Query().Get("filter") {
		case "codingId==1":
			return 200, fixture(t, "ExampleCodingsList")
		case "codingId==C1":
			return 200, envelope(`{"codingId":"C1","code":"Angina"}`)
		}
		return 200, envelope()
	})
	got, err := c.Codings.Get(t.Context(), "PHARMADEMO", "1")
	if err != nil || got.CodingID != "1" || got.Code != "Angina agranulocytic" {
		t.Fatalf("coding %+v err %v", got, err)
	}
	got, err = c.Codings.Get(t.Context(), "PHARMADEMO", "C1")
	if err != nil || got.CodingID != "C1" || got.Code != "Angina" {
		t.Fatalf("coding %+v err %v", got, err)
	}
	reqs := api.requests()
	checkQuery(t, reqs[0].Query, url.Values{"page": {"0"}, "size": {"25"}, "filter": {"codingId==1"}})
	checkQuery(t, reqs[1].Query, url.Values{"page": {"0"}, "size": {"25"}, "filter": {"codingId==C1"}})
	if _, err := c.Codings.Get(t.Context(), "PHARMADEMO", "C2"); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "coding C2 not found") {
		t.Errorf("missing coding: %v", err)
	}
}

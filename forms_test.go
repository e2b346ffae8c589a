package imednet

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// catalogFixtureForm is the form of ExampleFormsList, field by field.
var catalogFixtureForm = Form{
	StudyKey: "PHARMADEMO", FormID: 1, FormKey: "FORM_1", FormName: "Mock Form 1", FormType: "Subject", Revision: 1,
	EmbeddedLog: false, EnforceOwnership: false, UserAgreement: false, SubjectRecordReport: false, UnscheduledVisit: false,
	OtherForms: false, EproForm: false, AllowCopy: true, Disabled: false,
	DateCreated: ts("2025-06-05 21:12:09"), DateModified: ts("2025-06-05 21:12:10"),
}

func TestFormQuirksDecode(t *testing.T) {
	c, _ := newFakeAPI(t, serve(envelope(`{"studyKey":"S","formId":"12","formKey":"AE","formName":"Adverse Events",
		"formType":"SITE","revision":"3.0","embeddedLog":"TRUE","enforceOwnership":1,"userAgreement":"yes",
		"subjectRecordReport":"0","unscheduledVisit":"f","otherForms":[],"eproForm":null,"allowCopy":"",
		"disabled":"Y","dateCreated":"2025-06-05T21:12:09-05:00","dateModified":"2025-06-05T21:12:09.98268",
		"formGroup":"Safety"}`)))
	page, err := c.Forms.List(t.Context(), "S", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 {
		t.Fatalf("%d items", len(page.Items))
	}
	f := page.Items[0]
	want := Form{StudyKey: "S", FormID: 12, FormKey: "AE", FormName: "Adverse Events", FormType: "SITE", Revision: 3,
		EmbeddedLog: true, EnforceOwnership: true, UserAgreement: true, SubjectRecordReport: false, UnscheduledVisit: false,
		OtherForms: false, EproForm: false, AllowCopy: false, Disabled: true,
		DateCreated:  Timestamp{Time: time.Date(2025, 6, 6, 2, 12, 9, 0, time.UTC)},
		DateModified: Timestamp{Time: time.Date(2025, 6, 5, 21, 12, 9, 982680000, time.UTC)},
		Extra:        Extra{"otherForms": json.RawMessage(`[]`), "formGroup": json.RawMessage(`"Safety"`)}}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("form\n got %+v\nwant %+v", f, want)
	}
	catalogExtra(t, "form", f.Extra, map[string]string{"otherForms": `[]`, "formGroup": `"Safety"`})

	for _, tc := range []struct {
		in    string
		check func(Form) bool
		extra map[string]string
	}{
		{`{"otherForms":true,"formKey":123}`, func(f Form) bool { return f.OtherForms && f.FormKey == "123" }, nil},
		{`{"otherForms":"false","revision":""}`, func(f Form) bool { return !f.OtherForms && f.Revision == 0 }, nil},
		{`{"formId":"FORM_1","allowCopy":{"x":1}}`, func(f Form) bool { return f.FormID == 0 && !f.AllowCopy },
			map[string]string{"formId": `"FORM_1"`, "allowCopy": `{"x":1}`}},
		{`{"dateCreated":"05/06/2025","dateModified":false}`, func(f Form) bool {
			return f.DateCreated.Raw == "05/06/2025" && !f.DateCreated.Valid() && f.DateModified.IsZero()
		}, map[string]string{"dateModified": `false`}},
		{`null`, func(f Form) bool { return reflect.DeepEqual(f, Form{}) }, nil},
	} {
		var f Form
		if err := json.Unmarshal([]byte(tc.in), &f); err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if !tc.check(f) {
			t.Errorf("%s: %+v", tc.in, f)
		}
		catalogExtra(t, tc.in, f.Extra, tc.extra)
	}
	var f2 Form
	if err := json.Unmarshal([]byte(`{"formId":1,}`), &f2); err == nil {
		t.Error("malformed JSON decoded")
	}
}

func TestFormJSONEncoding(t *testing.T) {
	f := catalogFixtureForm
	f.OtherForms, f.Extra = true, Extra{"otherForms": json.RawMessage(`[]`)}
	want := `{"studyKey":"PHARMADEMO","formId":1,"formKey":"FORM_1","formName":"Mock Form 1","formType":"Subject","revision":1,` +
		`"embeddedLog":false,"enforceOwnership":false,"userAgreement":false,"subjectRecordReport":false,"unscheduledVisit":false,` +
		`"otherForms":true,"eproForm":false,"allowCopy":true,"disabled":false,` +
		`"dateCreated":"2025-06-05T21:12:09Z","dateModified":"2025-06-05T21:12:10Z"}`
	catalogMarshal(t, f, want, func(f *Form) { f.Extra = nil })
}

package imednet

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// catalogFixtureVariable is the variable of ExampleVariablesList, field by field.
var catalogFixtureVariable = Variable{
	StudyKey: "PHARMADEMO", VariableID: 1, VariableType: "RADIO", VariableName: "Pain Level", Sequence: 1, Revision: 1,
	Disabled: false, DateCreated: ts("2025-06-05 21:12:08"), DateModified: ts("2025-06-05 21:12:09"), FormID: 108727,
	VariableOID: "OID-1", Deleted: false, FormKey: "FORM_1", FormName: "Pre-procedure screening",
	Label: "Select patient pain level between 1 and 10", Blinded: false,
}

func TestVariableQuirksDecode(t *testing.T) {
	c, _ := newFakeAPI(t, serve(envelope(`{"studyKey":"S","variableId":"31","variableType":"memo","variableName":"AETERM",
		"sequence":"2","revision":"","disabled":1,"dateCreated":"2025-06-05T21:12:08.123456789Z","dateModified":"",
		"formId":"108727","variableOid":null,"deleted":"FALSE","formKey":"AE","formName":"Adverse \"Events\"",
		"label":"Term \u00e9","blinded":"Y","codeList":[{"code":"1"}]}`)))
	page, err := c.Variables.List(t.Context(), "S", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 {
		t.Fatalf("%d items", len(page.Items))
	}
	v := page.Items[0]
	want := Variable{StudyKey: "S", VariableID: 31, VariableType: "memo", VariableName: "AETERM", Sequence: 2, Revision: 0,
		Disabled: true, DateCreated: Timestamp{Time: time.Date(2025, 6, 5, 21, 12, 8, 123456789, time.UTC)},
		FormID: 108727, Deleted: false, FormKey: "AE", FormName: `Adverse "Events"`, Label: "Term é", Blinded: true,
		Extra: Extra{"codeList": json.RawMessage(`[{"code":"1"}]`)}}
	if !reflect.DeepEqual(v, want) {
		t.Errorf("variable\n got %+v\nwant %+v", v, want)
	}
	catalogExtra(t, "variable", v.Extra, map[string]string{"codeList": `[{"code":"1"}]`})

	var v2 Variable
	if err := json.Unmarshal([]byte(`{"blinded":"hidden","sequence":1.5,"formId":"108727.0","variableOid":17}`), &v2); err != nil {
		t.Fatal(err)
	}
	if v2.Blinded || v2.Sequence != 0 || v2.FormID != 108727 || v2.VariableOID != "17" {
		t.Errorf("variable %+v", v2)
	}
	catalogExtra(t, "variable", v2.Extra, map[string]string{"blinded": `"hidden"`, "sequence": "1.5"})
}

func TestVariableJSONEncoding(t *testing.T) {
	v := catalogFixtureVariable
	v.Extra = Extra{"codeList": json.RawMessage(`[]`)}
	want := `{"studyKey":"PHARMADEMO","variableId":1,"variableType":"RADIO","variableName":"Pain Level","sequence":1,"revision":1,` +
		`"disabled":false,"dateCreated":"2025-06-05T21:12:08Z","dateModified":"2025-06-05T21:12:09Z","formId":108727,` +
		`"variableOid":"OID-1","deleted":false,"formKey":"FORM_1","formName":"Pre-procedure screening",` +
		`"label":"Select patient pain level between 1 and 10","blinded":false}`
	catalogMarshal(t, v, want, func(v *Variable) { v.Extra = nil })
}

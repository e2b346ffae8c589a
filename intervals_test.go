package imednet

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// catalogFixtureInterval is the interval of ExampleIntervalsList, field by field.
var catalogFixtureInterval = Interval{
	StudyKey: "PHARMADEMO", IntervalID: 1, IntervalName: "Day 1", IntervalDescription: "Day 1", IntervalSequence: 110,
	IntervalGroupID: 10, IntervalGroupName: "ePRO", Timeline: "Start Date End Date", DefinedUsingInterval: "Baseline",
	WindowCalculationForm: "Procedure", WindowCalculationDate: "PROCDT", ActualDateForm: "Follow Up", ActualDate: "FUDT",
	DueDateWillBeIn: 30, NegativeSlack: 7, PositiveSlack: 7, EproGracePeriod: 2,
	Forms:    []IntervalForm{{FormID: 123, FormKey: "MY-FORM-KEY", FormName: "myFormName"}},
	Disabled: true, DateCreated: ts("2025-06-05 21:12:08"), DateModified: ts("2025-06-05 21:12:09"),
}

func TestIntervalQuirksDecode(t *testing.T) {
	// The placeholders of real responses: "", 0 and false in the window fields.
	c, _ := newFakeAPI(t, serve(envelope(`{"studyKey":"S","intervalId":"4","intervalName":"Week 2","intervalDescription":null,
		"intervalSequence":"20","intervalGroupId":"","intervalGroupName":"","timeline":"None","definedUsingInterval":"",
		"windowCalculationForm":"","windowCalculationDate":"","actualDateForm":"","actualDate":"",
		"dueDateWillBeIn":"","negativeSlack":false,"positiveSlack":0,"eproGracePeriod":"2",
		"forms":{"formId":"9","formKey":"VS","formName":"Vital Signs","required":true},
		"disabled":"false","dateCreated":"2025-06-05T21:12:08.1+00:00","dateModified":"2025-06-05","intervalType":"SCHEDULED"}`)))
	page, err := c.Intervals.List(t.Context(), "S", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 {
		t.Fatalf("%d items", len(page.Items))
	}
	iv := page.Items[0]
	want := Interval{StudyKey: "S", IntervalID: 4, IntervalName: "Week 2", IntervalSequence: 20, Timeline: "None",
		EproGracePeriod: 2,
		Forms:           []IntervalForm{{FormID: 9, FormKey: "VS", FormName: "Vital Signs", Extra: Extra{"required": json.RawMessage(`true`)}}},
		DateCreated:     Timestamp{Time: time.Date(2025, 6, 5, 21, 12, 8, 1e8, time.UTC)},
		DateModified:    catalogDay("2025-06-05"),
		Extra:           Extra{"negativeSlack": json.RawMessage(`false`), "intervalType": json.RawMessage(`"SCHEDULED"`)}}
	if !reflect.DeepEqual(iv, want) {
		t.Errorf("interval\n got %+v\nwant %+v", iv, want)
	}
	catalogExtra(t, "interval", iv.Extra, map[string]string{"negativeSlack": "false", "intervalType": `"SCHEDULED"`})
	catalogExtra(t, "interval form", iv.Forms[0].Extra, map[string]string{"required": "true"})

	for _, tc := range []struct {
		in    string
		forms []IntervalForm
		check func(Interval) bool
		extra map[string]string
	}{
		{`{"forms":null,"dueDateWillBeIn":"30","negativeSlack":"7.0"}`, nil,
			func(i Interval) bool { return i.DueDateWillBeIn == 30 && i.NegativeSlack == 7 }, nil},
		{`{"forms":[],"definedUsingInterval":false,"timeline":0}`, []IntervalForm{},
			func(i Interval) bool { return i.DefinedUsingInterval == "false" && i.Timeline == "0" }, nil},
		{`{"forms":""}`, nil, func(Interval) bool { return true }, nil},
		{`{"positiveSlack":true,"eproGracePeriod":"two"}`, nil,
			func(i Interval) bool { return i.PositiveSlack == 0 && i.EproGracePeriod == 0 },
			map[string]string{"positiveSlack": "true", "eproGracePeriod": `"two"`}},
		{`{"forms":[{"formId":1,"formKey":"A"},{"formId":"2","formName":null}]}`,
			[]IntervalForm{{FormID: 1, FormKey: "A"}, {FormID: 2}}, func(Interval) bool { return true }, nil},
		{`{"forms":[{"formId":"x"}]}`, []IntervalForm{{Extra: Extra{"formId": json.RawMessage(`"x"`)}}}, func(Interval) bool { return true }, nil},
		{`{"forms":[1,2]}`, []IntervalForm{}, func(Interval) bool { return true }, map[string]string{"forms": "[1,2]"}},
		{`{"forms":"A,B"}`, nil, func(Interval) bool { return true }, map[string]string{"forms": `"A,B"`}},
	} {
		var iv Interval
		if err := json.Unmarshal([]byte(tc.in), &iv); err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(iv.Forms, tc.forms) || !tc.check(iv) {
			t.Errorf("%s: %+v", tc.in, iv)
		}
		catalogExtra(t, tc.in, iv.Extra, tc.extra)
	}

	var f IntervalForm
	if err := json.Unmarshal([]byte(`"FORM"`), &f); err == nil {
		t.Error("a string decoded as an interval form")
	}
}

func TestIntervalJSONEncoding(t *testing.T) {
	iv := catalogFixtureInterval
	iv.Forms = []IntervalForm{{FormID: 123, FormKey: "MY-FORM-KEY", FormName: "myFormName", Extra: Extra{"required": json.RawMessage(`true`)}}}
	iv.Extra = Extra{"negativeSlack": json.RawMessage(`false`)}
	want := `{"studyKey":"PHARMADEMO","intervalId":1,"intervalName":"Day 1","intervalDescription":"Day 1","intervalSequence":110,` +
		`"intervalGroupId":10,"intervalGroupName":"ePRO","timeline":"Start Date End Date","definedUsingInterval":"Baseline",` +
		`"windowCalculationForm":"Procedure","windowCalculationDate":"PROCDT","actualDateForm":"Follow Up","actualDate":"FUDT",` +
		`"dueDateWillBeIn":30,"negativeSlack":7,"positiveSlack":7,"eproGracePeriod":2,` +
		`"forms":[{"formId":123,"formKey":"MY-FORM-KEY","formName":"myFormName"}],` +
		`"disabled":true,"dateCreated":"2025-06-05T21:12:08Z","dateModified":"2025-06-05T21:12:09Z"}`
	catalogMarshal(t, iv, want, func(iv *Interval) {
		iv.Extra = nil
		iv.Forms = []IntervalForm{{FormID: 123, FormKey: "MY-FORM-KEY", FormName: "myFormName"}}
	})
}

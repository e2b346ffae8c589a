package dictionary

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	imednet "github.com/imednet/imednet-go"
)

// testDict is a study with a registration form, an adverse-event form holding a variable of
// every kind, a disabled form, and a vital-signs form.
func testDict(t *testing.T) *Dictionary {
	t.Helper()
	forms := []imednet.Form{
		apiForm(10, "REG", "Registration", "Subject", false),
		apiForm(20, "AE", "Adverse Events", "Subject", false),
		apiForm(30, "OLD", "Old", "Subject", true),
		apiForm(40, "VS", "Vital Signs", "Subject", false),
	}
	disabled := apiVar(209, "AEOLD", "TEXT", 9, 20, "AE")
	disabled.Disabled = true
	deleted := apiVar(210, "AEDEL", "NUMBER", 10, 20, "AE")
	deleted.Deleted = true
	oldACN := apiVar(212, "AEACN", "DROPDOWN", 11, 20, "AE")
	oldACN.Deleted = true
	vars := []imednet.Variable{
		apiVar(101, "BRTHDAT", "DATE", 1, 10, "REG"),
		apiVar(102, "SEX", "RADIO", 2, 10, "REG"),
		apiVar(103, "INITIALS", "TEXT", 3, 10, "REG"),
		apiVar(201, "AETERM", "TEXT", 1, 20, "AE"),
		apiVar(202, "AEDESC", "TEXTAREA", 2, 20, "AE"),
		apiVar(203, "AESEV", "RADIO", 3, 20, "AE"),
		apiVar(204, "AEOUT", "DROPDOWN", 4, 20, "AE"),
		apiVar(205, "AESTDAT", "DATE", 5, 20, "AE"),
		apiVar(206, "AEDUR", "NUMBER", 6, 20, "AE"),
		apiVar(207, "AESER", "CHECKBOX", 7, 20, "AE"),
		apiVar(208, "AEMEMO", "memo", 8, 20, "AE"),
		disabled, deleted, oldACN,
		apiVar(211, "AEACN", "DROPDOWN", 12, 20, "AE"),
		apiVar(213, "aeterm", "NUMBER", 13, 20, "AE"),
		apiVar(214, "AESIG", "SIGNATURE", 14, 20, "AE"),
		apiVar(301, "OLDV", "TEXT", 1, 30, "OLD"),
		apiVar(401, "VSWT", "NUMBER", 1, 40, "VS"),
	}
	d, err := New("S", forms, vars)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

type code string // a named string type, as callers define for option codes

func TestValidateAcceptsEveryScenario(t *testing.T) {
	d := testDict(t)
	reqs := []imednet.RecordRequest{
		imednet.RegisterSubject("REG", "Minneapolis", map[string]any{"BRTHDAT": "1980-05-17", "SEX": "1", "INITIALS": "ABC"}),
		{FormID: 10, SiteID: 3, Data: map[string]any{"SEX": 2}},
		imednet.NewRecord("AE", "651-042", map[string]any{"AETERM": "Headache", "AEDESC": "Started\nafter lunch",
			"AESEV": "2", "AEOUT": "RECOVERED", "AESTDAT": "2024-01-31", "AEDUR": 3, "AESER": false, "AEMEMO": "memo",
			"AEACN": "1", "aeterm": 4.5, "AESIG": "signed"}),
		{FormKey: "AE", SubjectID: 7, Data: map[string]any{"AETERM": "Nausea"}},
		{FormKey: "AE", SubjectOID: "SUBJ-7", Data: map[string]any{"AETERM": "Nausea"}},
		imednet.UpdateScheduledRecord("VS", "651-042", "Baseline", map[string]any{"VSWT": 72.5}),
		{FormKey: "VS", SubjectKey: "651-042", IntervalID: 4, Data: map[string]any{"VSWT": "72.5"}},
		imednet.UpdateRecord("AE", 9001, map[string]any{"AESER": true}),
		{FormKey: "AE", RecordOID: "REC-1", Data: map[string]any{"AESER": "FALSE"}},
		{FormID: 20, RecordID: 9002, Data: map[string]any{"AESEV": 1}},
		imednet.NewRecord("AE", "651-042", map[string]any{}),
		imednet.NewRecord("AE", "651-042", map[string]any{"AETERM": nil, "AEDUR": "", "AESTDAT": "", "AESER": nil,
			"AESEV": "", "AEOUT": nil, "AESIG": nil, "AEDESC": ""}),
	}
	for i, r := range reqs {
		if err := d.Validate([]imednet.RecordRequest{r}); err != nil {
			t.Errorf("request %d %+v: %v", i, r, err)
		}
	}
	if err := d.Validate(reqs); err != nil {
		t.Errorf("all together: %v", err)
	}
}

func TestValidateAcceptsEveryKind(t *testing.T) {
	d := testDict(t)
	s := "a pointer to a string"
	for _, tc := range []struct {
		variable string
		value    any
	}{
		{"AETERM", "Headache"}, {"AETERM", "42"}, {"AETERM", code("x")}, {"AETERM", &s}, {"AETERM", "ünïcode ✓"},
		{"AEDESC", "line 1\nline 2"}, {"AEMEMO", "memo"},
		{"AEDUR", 12}, {"AEDUR", -3}, {"AEDUR", 12.5}, {"AEDUR", float32(0.25)}, {"AEDUR", int64(1 << 40)},
		{"AEDUR", uint8(7)}, {"AEDUR", json.Number("3.25")}, {"AEDUR", "12"}, {"AEDUR", "-3.5"}, {"AEDUR", "1e3"},
		{"AEDUR", "2.5E-3"}, {"AEDUR", "007"}, {"AEDUR", 0}, {"aeterm", 5},
		{"AESTDAT", "2024-01-31"}, {"AESTDAT", "2024-02-29"}, {"AESTDAT", "2000-02-29"}, {"AESTDAT", "1999-12-31"},
		{"AESTDAT", code("2024-01-01")},
		{"AESER", true}, {"AESER", false}, {"AESER", "true"}, {"AESER", "false"}, {"AESER", "FALSE"}, {"AESER", "True"},
		{"AESEV", "1"}, {"AESEV", 1}, {"AESEV", int64(2)}, {"AESEV", 3.0}, {"AESEV", "Severe"}, {"AESEV", code("2")},
		{"AEOUT", "RECOVERED"}, {"AEOUT", 4}, {"AEOUT", json.Number("5")},
		{"AEACN", "1"},
		{"AESIG", "signed"}, {"AESIG", 1}, {"AESIG", true},
	} {
		req := imednet.NewRecord("AE", "01-001", map[string]any{tc.variable: tc.value})
		if err := d.Validate([]imednet.RecordRequest{req}); err != nil {
			t.Errorf("%s = %#v: %v", tc.variable, tc.value, err)
		}
	}
}

// anything as a wanted Value matches any value.
type anything struct{}

// want is an expected problem; a Msg ending in "..." matches as a prefix.
type want struct {
	Index int
	Form  string
	Field string
	Value any
	Msg   string
}

func checkProblems(t *testing.T, err error, wants []want) {
	t.Helper()
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("error %v (%T), want a *ValidationError", err, err)
	}
	got := verr.Problems
	for i := range max(len(got), len(wants)) {
		if i >= len(got) {
			t.Errorf("missing problem %d: %+v", i, wants[i])
			continue
		}
		if i >= len(wants) {
			t.Errorf("unexpected problem %d: %+v", i, got[i])
			continue
		}
		g, w := got[i], wants[i]
		msgOK := g.Msg == w.Msg
		if prefix, ok := strings.CutSuffix(w.Msg, "..."); ok {
			msgOK = strings.HasPrefix(g.Msg, prefix)
		}
		_, skip := w.Value.(anything)
		valueOK := skip || reflect.DeepEqual(g.Value, w.Value)
		if f, ok := w.Value.(float64); ok && math.IsNaN(f) {
			gf, _ := g.Value.(float64)
			valueOK = math.IsNaN(gf)
		}
		if g.Index != w.Index || g.Form != w.Form || g.Field != w.Field || !valueOK || !msgOK {
			t.Errorf("problem %d\n got %#v\nwant %#v", i, g, w)
		}
	}
}

const (
	notNumber   = ` is not a number (want a JSON number such as 12.5, or a numeric string such as "12.5")`
	wantYMD     = ` (want a string YYYY-MM-DD, such as "2024-01-31")`
	notBool     = ` is not a boolean (want true or false)`
	notCode     = ` is not an option code (want the option's code as a string such as "1", or as an integer)`
	dateLayout  = ` is not a date: the layout is not YYYY-MM-DD` + wantYMD
	dateWithTOD = ` is not a date: it has a time of day, which a date variable does not take` + wantYMD
)

func TestValidateRejects(t *testing.T) {
	d := testDict(t)
	ae := func(variable string, value any) imednet.RecordRequest {
		return imednet.NewRecord("AE", "01-001", map[string]any{variable: value})
	}
	long := strings.Repeat("x", 50)
	for _, tc := range []struct {
		name string
		req  imednet.RecordRequest
		want []want
	}{
		// The form.
		{"unknown form", imednet.NewRecord("XX", "01", map[string]any{"A": 1}),
			[]want{{0, "XX", "formKey", "XX", `formKey "XX" is not a form of study S`}}},
		{"form key in the wrong case", imednet.NewRecord("ae", "01", map[string]any{"AETERM": "x"}),
			[]want{{0, "ae", "formKey", "ae", `formKey "ae" is not a form of study S (form keys are case-sensitive: did you mean "AE"?)`}}},
		{"form key with spaces", imednet.NewRecord(" AE", "01", map[string]any{"AETERM": "x"}),
			[]want{{0, " AE", "formKey", " AE", `formKey " AE" is not a form of study S`}}},
		{"unknown form id", imednet.RecordRequest{FormID: 99, SubjectKey: "01", Data: map[string]any{"A": 1}},
			[]want{{0, "", "formId", 99, `formId 99 is not a form of study S`}}},
		{"disabled form", imednet.NewRecord("OLD", "01", map[string]any{"OLDV": "fine"}),
			[]want{{0, "OLD", "formKey", "OLD", `formKey "OLD" names a disabled form, which takes no records`}}},
		{"disabled form by id", imednet.RecordRequest{FormID: 30, SubjectKey: "01", Data: map[string]any{"OLDV": 1}},
			[]want{{0, "OLD", "formId", 30, `formId 30 names form OLD, which is disabled and takes no records`},
				{0, "OLD", "OLDV", 1, `1 is not a string (want a string: send "1")`}}},

		// The variables.
		{"unknown variable", ae("NOPE", "x"), []want{{0, "AE", "NOPE", "x", `form AE has no such variable`}}},
		{"variable name in the wrong case", ae("AeTerm", "x"),
			[]want{{0, "AE", "AeTerm", "x", `form AE has no such variable (variable names are case-sensitive: did you mean "AETERM"?)`}}},
		{"variable of another form", ae("VSWT", 70), []want{{0, "AE", "VSWT", 70, `form AE has no such variable`}}},
		{"disabled variable", ae("AEOLD", "x"), []want{{0, "AE", "AEOLD", "x", `the variable is disabled in form AE and takes no data`}}},
		{"deleted variable", ae("AEDEL", 1), []want{{0, "AE", "AEDEL", 1, `the variable is deleted from form AE and takes no data`}}},

		// Number.
		{"number abc", ae("AEDUR", "abc"), []want{{0, "AE", "AEDUR", "abc", `"abc"` + notNumber}}},
		{"number true", ae("AEDUR", true), []want{{0, "AE", "AEDUR", true, `true` + notNumber}}},
		{"number with comma", ae("AEDUR", "1,5"), []want{{0, "AE", "AEDUR", "1,5", `"1,5"` + notNumber}}},
		{"number with space", ae("AEDUR", " 12"), []want{{0, "AE", "AEDUR", " 12", `" 12"` + notNumber}}},
		{"number NaN string", ae("AEDUR", "NaN"), []want{{0, "AE", "AEDUR", "NaN", `"NaN"` + notNumber}}},
		{"number hex", ae("AEDUR", "0x10"), []want{{0, "AE", "AEDUR", "0x10", `"0x10"` + notNumber}}},
		{"number plus", ae("AEDUR", "+1"), []want{{0, "AE", "AEDUR", "+1", `"+1"` + notNumber}}},
		{"number trailing dot", ae("AEDUR", "1."), []want{{0, "AE", "AEDUR", "1.", `"1."` + notNumber}}},
		{"number object", ae("AEDUR", map[string]any{"v": 1}), []want{{0, "AE", "AEDUR", map[string]any{"v": 1}, `object {"v":1}` + notNumber}}},
		{"number long string", ae("AEDUR", long), []want{{0, "AE", "AEDUR", long, `"` + long[:40] + `…"` + notNumber}}},
		{"number NaN", ae("AEDUR", math.NaN()),
			[]want{{0, "AE", "data", anything{}, `data cannot be encoded as JSON: json: unsupported value: NaN`},
				{0, "AE", "AEDUR", math.NaN(), `the value (float64) cannot be encoded as JSON: json: unsupported value: NaN`}}},

		// Date.
		{"date month 13", ae("AESTDAT", "2024-13-01"),
			[]want{{0, "AE", "AESTDAT", "2024-13-01", `"2024-13-01" is not a date: there is no month 13` + wantYMD}}},
		{"date month 0", ae("AESTDAT", "2024-00-10"),
			[]want{{0, "AE", "AESTDAT", "2024-00-10", `"2024-00-10" is not a date: there is no month 0` + wantYMD}}},
		{"date US layout", ae("AESTDAT", "01/02/2024"), []want{{0, "AE", "AESTDAT", "01/02/2024", `"01/02/2024"` + dateLayout}}},
		{"date short parts", ae("AESTDAT", "2024-1-5"), []want{{0, "AE", "AESTDAT", "2024-1-5", `"2024-1-5"` + dateLayout}}},
		{"date trailing text", ae("AESTDAT", "2024-01-05x"), []want{{0, "AE", "AESTDAT", "2024-01-05x", `"2024-01-05x"` + dateLayout}}},
		{"date Feb 29 of a common year", ae("AESTDAT", "2023-02-29"),
			[]want{{0, "AE", "AESTDAT", "2023-02-29", `"2023-02-29" is not a date: February 2023 has 28 days` + wantYMD}}},
		{"date Feb 29 1900", ae("AESTDAT", "1900-02-29"),
			[]want{{0, "AE", "AESTDAT", "1900-02-29", `"1900-02-29" is not a date: February 1900 has 28 days` + wantYMD}}},
		{"date April 31", ae("AESTDAT", "2024-04-31"),
			[]want{{0, "AE", "AESTDAT", "2024-04-31", `"2024-04-31" is not a date: April 2024 has 30 days` + wantYMD}}},
		{"date day 0", ae("AESTDAT", "2024-04-00"),
			[]want{{0, "AE", "AESTDAT", "2024-04-00", `"2024-04-00" is not a date: April 2024 has 30 days` + wantYMD}}},
		{"date year 0", ae("AESTDAT", "0000-01-01"),
			[]want{{0, "AE", "AESTDAT", "0000-01-01", `"0000-01-01" is not a date: there is no year 0` + wantYMD}}},
		{"date with time", ae("AESTDAT", "2024-01-01 10:00:00"),
			[]want{{0, "AE", "AESTDAT", "2024-01-01 10:00:00", `"2024-01-01 10:00:00"` + dateWithTOD}}},
		{"date time.Time", ae("AESTDAT", time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)),
			[]want{{0, "AE", "AESTDAT", time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC), `"2024-01-02T00:00:00Z"` + dateWithTOD}}},
		{"date number", ae("AESTDAT", 20240101),
			[]want{{0, "AE", "AESTDAT", 20240101, `20240101 is not a date string` + wantYMD}}},

		// Checkbox.
		{"checkbox maybe", ae("AESER", "maybe"), []want{{0, "AE", "AESER", "maybe", `"maybe"` + notBool}}},
		{"checkbox 1", ae("AESER", 1), []want{{0, "AE", "AESER", 1, `1` + notBool}}},
		{"checkbox 0", ae("AESER", 0), []want{{0, "AE", "AESER", 0, `0` + notBool}}},
		{"checkbox yes", ae("AESER", "yes"), []want{{0, "AE", "AESER", "yes", `"yes"` + notBool}}},
		{"checkbox string 1", ae("AESER", "1"), []want{{0, "AE", "AESER", "1", `"1"` + notBool}}},

		// Text.
		{"text object", ae("AETERM", map[string]any{"a": 1}),
			[]want{{0, "AE", "AETERM", map[string]any{"a": 1}, `object {"a":1} is not a string (want a string)`}}},
		{"text array", ae("AETERM", []string{"a"}), []want{{0, "AE", "AETERM", []string{"a"}, `array ["a"] is not a string (want a string)`}}},
		{"text number", ae("AETERM", 42), []want{{0, "AE", "AETERM", 42, `42 is not a string (want a string: send "42")`}}},
		{"textarea bool", ae("AEDESC", false), []want{{0, "AE", "AEDESC", false, `false is not a string (want a string: send "false")`}}},
		{"memo number", ae("AEMEMO", 1.5), []want{{0, "AE", "AEMEMO", 1.5, `1.5 is not a string (want a string: send "1.5")`}}},

		// Radio, dropdown and unknown kinds.
		{"radio fraction", ae("AESEV", 1.5),
			[]want{{0, "AE", "AESEV", 1.5, `1.5 is not an option code: it is not an integer (want the option's code as a string such as "1", or as an integer)`}}},
		{"radio bool", ae("AESEV", true), []want{{0, "AE", "AESEV", true, `true` + notCode}}},
		{"dropdown array", ae("AEOUT", []int{1}), []want{{0, "AE", "AEOUT", []int{1}, `array [1]` + notCode}}},
		{"unknown kind object", ae("AESIG", map[string]any{}),
			[]want{{0, "AE", "AESIG", map[string]any{}, `object {} is not a single value (want a string, a number or a boolean)`}}},

		// Structure, as RecordRequest.Check reports it.
		{"no target", imednet.RecordRequest{FormKey: "AE", Data: map[string]any{"AETERM": "x"}},
			[]want{{0, "AE", "", nil, "no target: set siteName or siteId to register a subject..."}}},
		{"no form", imednet.RecordRequest{SubjectKey: "01", Data: map[string]any{"AETERM": "x"}},
			[]want{{0, "", "formKey", "", "formKey (or formId) is required"}}},
		{"no data", imednet.NewRecord("AE", "01", nil),
			[]want{{0, "AE", "data", map[string]any(nil), "data is required (an object of variable name to value)"}}},
		{"blank variable name", imednet.NewRecord("AE", "01", map[string]any{" ": 1, "AETERM": "x"}),
			[]want{{0, "AE", "data", map[string]any{" ": 1, "AETERM": "x"}, "data has a blank variable name"}}},
		{"registration with a subject key", imednet.RecordRequest{FormKey: "REG", SiteName: "Minneapolis", SubjectKey: "651-042", Data: map[string]any{"SEX": "1"}},
			[]want{{0, "REG", "siteName", "Minneapolis", "siteName cannot be combined with subjectKey: a registration (site) must not carry a subject..."}}},
		{"interval without subject", imednet.RecordRequest{FormKey: "VS", IntervalName: "Baseline", Data: map[string]any{"VSWT": 1}},
			[]want{{0, "VS", "intervalName", "Baseline", "intervalName needs a subject (subjectKey, subjectId or subjectOid)"}}},
		{"form key and id", imednet.RecordRequest{FormKey: "AE", FormID: 20, SubjectKey: "01", Data: map[string]any{"AETERM": "x"}},
			[]want{{0, "AE", "formKey", "AE", "formKey and formId are alternatives: set only one"}}},
		{"record and subject", imednet.RecordRequest{FormKey: "AE", RecordID: 5, SubjectKey: "01", Data: map[string]any{"AETERM": "x"}},
			[]want{{0, "AE", "recordId", 5, "recordId identifies the record to update: do not combine it with subjectKey"}}},
		{"negative subject id", imednet.RecordRequest{FormKey: "AE", SubjectID: -4, Data: map[string]any{}},
			[]want{{0, "AE", "subjectId", -4, "subjectId is negative (-4)"}}},
		{"structure and data together", imednet.RecordRequest{FormKey: "AE", SubjectKey: "  ", Data: map[string]any{"AEDUR": "abc", "AETERM": "ok", "ZZ": 1}},
			[]want{{0, "AE", "subjectKey", "  ", "subjectKey is blank"},
				{0, "AE", "AEDUR", "abc", `"abc"` + notNumber},
				{0, "AE", "ZZ", 1, "form AE has no such variable"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkProblems(t, d.Validate([]imednet.RecordRequest{tc.req}), tc.want)
		})
	}
}

func TestValidateReportsAllProblemsInOrder(t *testing.T) {
	d := testDict(t)
	badReg := imednet.RecordRequest{FormKey: "REG", SiteName: "Minneapolis", SubjectKey: "01", Data: map[string]any{"SEX": true}}
	reqs := []imednet.RecordRequest{
		imednet.RegisterSubject("REG", "Minneapolis", map[string]any{"SEX": "1"}),
		imednet.NewRecord("AE", "01", map[string]any{"ZZ": 1, "AESTDAT": "2024-13-01", "AEDUR": "severe", "AETERM": "fine"}),
		imednet.NewRecord("VS", "01", map[string]any{"VSWT": 70}),
		imednet.NewRecord("XX", "01", map[string]any{"A": 1}),
		badReg,
	}
	var checkErr *imednet.RecordRequestError
	if !errors.As(badReg.Check(), &checkErr) || len(checkErr.Problems) != 1 {
		t.Fatalf("Check of the bad registration: %v", checkErr)
	}
	combined := checkErr.Problems[0]

	err := d.Validate(reqs)
	checkProblems(t, err, []want{
		{1, "AE", "AEDUR", "severe", `"severe"` + notNumber},
		{1, "AE", "AESTDAT", "2024-13-01", `"2024-13-01" is not a date: there is no month 13` + wantYMD},
		{1, "AE", "ZZ", 1, "form AE has no such variable"},
		{3, "XX", "formKey", "XX", `formKey "XX" is not a form of study S`},
		{4, "REG", "siteName", "Minneapolis", combined},
		{4, "REG", "SEX", true, `true` + notCode},
	})
	wantText := `dictionary: 6 problems in 3 of 5 record requests:
1. request 1 (form AE): field AEDUR: "severe" is not a number (want a JSON number such as 12.5, or a numeric string such as "12.5")
2. request 1 (form AE): field AESTDAT: "2024-13-01" is not a date: there is no month 13 (want a string YYYY-MM-DD, such as "2024-01-31")
3. request 1 (form AE): field ZZ: form AE has no such variable
4. request 3 (form XX): formKey "XX" is not a form of study S
5. request 4 (form REG): ` + combined + `
6. request 4 (form REG): field SEX: true is not an option code (want the option's code as a string such as "1", or as an integer)`
	if err.Error() != wantText {
		t.Errorf("Error()\n got %s\nwant %s", err, wantText)
	}
	if verr := err.(*ValidationError); verr.Requests != 5 {
		t.Errorf("Requests %d", verr.Requests)
	}
}

func TestValidationErrorText(t *testing.T) {
	one := &ValidationError{Requests: 1, Problems: []Problem{{Index: 0, Form: "AE", Field: "AEDUR", Value: "x", Msg: "m"}}}
	if got, want := one.Error(), "dictionary: 1 problem in 1 of 1 record requests:\n1. request 0 (form AE): field AEDUR: m"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}

	for _, tc := range []struct {
		p    Problem
		want string
	}{
		{Problem{Index: 2, Field: "formId", Msg: "formId 9 is not a form"}, "request 2: formId 9 is not a form"},
		{Problem{Index: 2, Form: "AE", Msg: "no target: x"}, "request 2 (form AE): no target: x"},
		{Problem{Index: 2, Form: "AE", Field: "data", Msg: "data is required"}, "request 2 (form AE): data is required"},
		// A variable whose name happens to begin its message is still named.
		{Problem{Index: 2, Form: "AE", Field: "form", Msg: "form AE has no such variable"}, "request 2 (form AE): field form: form AE has no such variable"},
		{Problem{Index: 2, Form: "AE", Field: "formKey", Msg: "x"}, "request 2 (form AE): field formKey: x"},
	} {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("%+v: got %q, want %q", tc.p, got, tc.want)
		}
	}

	// Many problems: the list is cut, the count is whole, Problems holds them all.
	d := testDict(t)
	var reqs []imednet.RecordRequest
	for i := range 60 {
		reqs = append(reqs, imednet.NewRecord("AE", fmt.Sprint(i), map[string]any{"AEDUR": "n/a"}))
	}
	err := d.Validate(reqs)
	var verr *ValidationError
	if !errors.As(err, &verr) || len(verr.Problems) != 60 {
		t.Fatalf("%v", err)
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 52 || lines[0] != "dictionary: 60 problems in 60 of 60 record requests:" ||
		!strings.HasPrefix(lines[50], "50. request 49 (form AE): field AEDUR:") || lines[51] != "... and 10 more problems" {
		t.Errorf("%d lines: first %q, last %q", len(lines), lines[0], lines[len(lines)-1])
	}
	for i, p := range verr.Problems {
		if p.Index != i {
			t.Errorf("problem %d has index %d", i, p.Index)
		}
	}
}

func TestValidateNothing(t *testing.T) {
	d := testDict(t)
	if err := d.Validate(nil); err != nil {
		t.Errorf("nil: %v", err)
	}
	if err := d.Validate([]imednet.RecordRequest{}); err != nil {
		t.Errorf("empty: %v", err)
	}
	var none *Dictionary
	if err := none.Validate(nil); err != nil {
		t.Errorf("nil dictionary, no requests: %v", err)
	}
	if err := none.Validate([]imednet.RecordRequest{imednet.NewRecord("AE", "01", map[string]any{})}); err == nil {
		t.Error("nil dictionary accepted a request")
	}
}

func TestValidateDoesNotModifyRequests(t *testing.T) {
	d := testDict(t)
	reqs := []imednet.RecordRequest{imednet.NewRecord("AE", "01", map[string]any{"AEDUR": "x", "ZZ": 1})}
	before := fmt.Sprintf("%#v", reqs)
	_ = d.Validate(reqs)
	if after := fmt.Sprintf("%#v", reqs); after != before {
		t.Errorf("requests changed:\n%s\n%s", before, after)
	}
}

// Passed as CreateOptions.Validator, the dictionary stops invalid submissions before any
// request is sent, and lets valid ones through.
func TestValidatorInCreate(t *testing.T) {
	api := loadFixture(t)
	c := newFake(t, api)
	d, err := Load(t.Context(), c, "CARDIO-01")
	if err != nil {
		t.Fatal(err)
	}
	loads := len(api.requests())

	bad := []imednet.RecordRequest{
		imednet.NewRecord("AE", "01-001", map[string]any{"AETERM": "Headache"}),
		imednet.NewRecord("AE", "01-002", map[string]any{"AESER": "maybe"}),
	}
	jobs, err := c.Records.Create(t.Context(), "CARDIO-01", bad, &imednet.CreateOptions{Validator: d})
	var verr *ValidationError
	var cerr *imednet.CreateValidationError
	if !errors.As(err, &verr) || !errors.As(err, &cerr) || len(jobs) != 0 {
		t.Fatalf("jobs %v, error %v", jobs, err)
	}
	if len(verr.Problems) != 1 || verr.Problems[0].Index != 1 || verr.Problems[0].Field != "AESER" {
		t.Errorf("problems %+v", verr.Problems)
	}
	if !errors.Is(d.Validate(bad), imednet.ErrValidation) || errors.Is(d.Validate(bad), imednet.ErrBadRequest) {
		t.Errorf("a dictionary's verdict is not an imednet.ErrValidation alone: %v", d.Validate(bad))
	}
	if n := len(api.requests()); n != loads {
		t.Errorf("%d requests sent after validation failed", n-loads)
	}

	good := []imednet.RecordRequest{imednet.NewRecord("AE", "01-001", map[string]any{"AETERM": "Headache", "AESER": true})}
	jobs, err = c.Records.Create(t.Context(), "CARDIO-01", good, &imednet.CreateOptions{Validator: d})
	if err != nil || len(jobs) != 1 || jobs[0].BatchID != "batch-1" {
		t.Fatalf("jobs %v, error %v", jobs, err)
	}
	if rs := api.on("/api/v1/edc/studies/CARDIO-01/records"); len(rs) != 1 || rs[0].Method != "POST" {
		t.Errorf("record requests %+v", rs)
	}
}

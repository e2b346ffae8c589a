package dictionary

import (
	"errors"
	"reflect"
	"testing"

	imednet "github.com/imednet/imednet-go"
)

// With the files merged in, codes are checked against the choice lists, every problem in one
// pass, and nothing is sent.
func TestValidateChoices(t *testing.T) {
	m, _ := Merge(apiDict(t), mustLoadFiles(t, goodDir))
	reqs := []imednet.RecordRequest{
		imednet.RegisterSubject("DM", "Site 1", map[string]any{"SEX": "9", "RACE": 99, "BRTHDAT": "1980-01-02"}),
		imednet.NewRecord("AE", "01-001", map[string]any{
			"AESEV":  2,        // a choice, as an integer
			"AESER":  "1",      // a choice
			"AEACN":  "1,4, 7", // AEACN is a dropdown for the API: a choice list's value, one code
			"AECOMM": "notes",  // only in the files
			"AETERM": "Nausea", // no choices: free text
		}),
		imednet.NewRecord("AE", "01-001", map[string]any{"AESEV": "Grade 2", "AESER": 1.0, "AEACN": "3"}),
		imednet.NewRecord("VS", "01-001", map[string]any{"VSWT": "70"}),
		imednet.NewRecord("AE", "01-002", map[string]any{"AESEV": "", "AESER": nil}), // blanks
	}
	err := m.Validate(reqs)
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("Validate: %v", err)
	}
	var got []string
	for _, p := range verr.Problems {
		got = append(got, p.String())
	}
	want := []string{
		`request 0 (form DM): field SEX: "9" is not a choice of SEX (want one of: 1 = Male, 2 = Female)`,
		`request 1 (form AE): field AEACN: "1,4, 7" is not a choice of AEACN (want one of: 1 = Dose reduced, 2 = Drug withdrawn, 3 = None)`,
		`request 1 (form AE): field AECOMM: the variable is in the dictionary files only: the API does not list it in form AE, so it takes no data`,
		`request 2 (form AE): field AESEV: "Grade 2" is not a choice of AESEV (want one of: 1 = Grade 1, 2 = Grade 2, 3 = Grade 3)`,
		`request 3 (form VS): formKey "VS" names form VS, which only the dictionary files list: the API does not list it in study DEMO`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", join(got), join(want))
	}
	// The API's dictionary alone accepts every code.
	if err := apiDict(t).Validate([]imednet.RecordRequest{reqs[0], reqs[2]}); err != nil {
		t.Errorf("without choices: %v", err)
	}
}

func join(ss []string) string {
	out := ""
	for _, s := range ss {
		out += "  " + s + "\n"
	}
	return out
}

func TestValidateCheckboxChoices(t *testing.T) {
	files := mustLoadFiles(t, goodDir)
	acn, _ := files.Variable("AE", "AEACN") // Checkbox: 1, 2, 3
	single := &Variable{Name: "CONSENT", Kind: KindCheckbox, Choices: []Choice{{"1", "Yes", 1}}}
	for _, tc := range []struct {
		v    *Variable
		val  any
		want string
	}{
		{acn, "1", ""},
		{acn, "1,3", ""},
		{acn, " 2 , 3 ", ""},
		{acn, 2, ""},
		{acn, "", ""},
		{acn, nil, ""},
		{acn, "4", `"4" is not a choice of AEACN (want a choice's value, or several separated by commas, of: 1 = Dose reduced, 2 = Drug withdrawn, 3 = None)`},
		{acn, "1,4,x", `"1,4,x": "4", "x" are not choices of AEACN (want a choice's value, or several separated by commas, of: 1 = Dose reduced, 2 = Drug withdrawn, 3 = None)`},
		{acn, "1,,3", `"1,,3": "" is not a choice of AEACN (want a choice's value, or several separated by commas, of: 1 = Dose reduced, 2 = Drug withdrawn, 3 = None)`},
		{acn, true, `true is a boolean, but checkbox AEACN has 3 choices (want a choice's value, or several separated by commas, of: 1 = Dose reduced, 2 = Drug withdrawn, 3 = None)`},
		{acn, []string{"1"}, `array ["1"] is not a checkbox value (want a choice's value, or several separated by commas, of: 1 = Dose reduced, 2 = Drug withdrawn, 3 = None)`},
		{single, true, ""},
		{single, "FALSE", ""},
		{single, "1", ""},
		{single, "2", `"2" is not a choice of CONSENT (want a choice's value, or several separated by commas, of: 1 = Yes)`},
	} {
		if got := checkVariable(tc.v, tc.val); got != tc.want {
			t.Errorf("%s = %#v:\n got %s\nwant %s", tc.v.Name, tc.val, got, tc.want)
		}
	}
}

package dictionary

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	imednet "github.com/imednet/imednet-go"
)

func mustLoadFiles(t *testing.T, dir string) *Dictionary {
	t.Helper()
	d, err := LoadFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func lines(cs []Change) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.String()
	}
	return out
}

func TestDiff(t *testing.T) {
	a, b := mustLoadFiles(t, goodDir), mustLoadFiles(t, "testdata/files/v2")
	got := lines(Diff(a, b))
	want := []string{
		`~ variable DM.RACE type: Dropdown -> Radio`,
		`~ form AE name: "Adverse Event" -> "Adverse Events"`,
		`~ variable AE.AETERM label: "Adverse event term:" -> "Adverse event (verbatim):"`,
		`~ choice AE.AESEV=3 text: "Grade 3" -> "Grade 3 (severe)"`,
		`+ choice AE.AESEV=4 (Grade 4)`,
		`- choice AE.AESER=0 (No)`,
		`- form VS (Vital Signs, screening)`,
		`+ form EX (Exposure)`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Diff\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
	// The reverse diff swaps additions and removals, old and new.
	back := Diff(b, a)
	if len(back) != len(want) {
		t.Fatalf("reverse: %s", lines(back))
	}
	for _, c := range back {
		if c.Path() == "AE.AESEV=4" && c.Op != Removed || c.Path() == "VS" && c.Op != Added ||
			c.Path() == "DM.RACE" && (c.Old != "Radio" || c.New != "Dropdown") {
			t.Errorf("reverse: %s", c)
		}
	}
	if d := Diff(a, mustLoadFiles(t, goodDir)); d != nil {
		t.Errorf("a dictionary differs from itself: %s", lines(d))
	}
	js, err := json.Marshal(Diff(a, b)[3])
	if err != nil {
		t.Fatal(err)
	}
	if string(js) != `{"op":"changed","item":"choice","form":"AE","variable":"AESEV","choice":"3","field":"text","old":"Grade 3","new":"Grade 3 (severe)"}` {
		t.Errorf("JSON %s", js)
	}
}

// apiDict is the API's view of the study of testdata/files/good, with differences: AE.AESER
// labelled otherwise, AE.AEACN a dropdown, AE.AEOLD (and a deleted AEGONE) only in the
// API, AE.AECOMM only in the files, LAB only in the API, VS only in the files.
func apiDict(t *testing.T) *Dictionary {
	forms := []imednet.Form{
		apiForm(10201, "DM", "Demographics", "Subject", false),
		apiForm(10202, "AE", "Adverse Event", "Subject", false),
		apiForm(10299, "LAB", "Laboratory", "Subject", false),
	}
	v := func(id int, name, typ, label string, seq, formID int, key string) imednet.Variable {
		x := apiVar(id, name, typ, seq, formID, key)
		x.Label = label
		return x
	}
	gone := v(9, "AEGONE", "TEXT", "Gone", 9, 10202, "AE")
	gone.Deleted = true
	d, err := New("DEMO", forms, []imednet.Variable{
		v(1, "BRTHDAT", "DATE", "Date of birth:", 1, 10201, "DM"),
		v(2, "SEX", "RADIO", "Sex:", 2, 10201, "DM"),
		v(3, "RACE", "DROPDOWN", "Race:", 3, 10201, "DM"),
		v(4, "AENUM", "NUMBER", "AE number:", 1, 10202, "AE"),
		v(5, "AETERM", "TEXT", "Adverse event term:", 2, 10202, "AE"),
		v(6, "AESEV", "RADIO", `Severity ("CTCAE"):`, 3, 10202, "AE"),
		v(7, "AESER", "RADIO", "Serious", 4, 10202, "AE"),
		v(8, "AEACN", "DROPDOWN", "Action taken:", 5, 10202, "AE"),
		v(10, "AEOLD", "TEXT", "Old field", 6, 10202, "AE"),
		gone,
		v(11, "LBHGB", "NUMBER", "Haemoglobin", 1, 10299, "LAB"),
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestMerge(t *testing.T) {
	api, files := apiDict(t), mustLoadFiles(t, goodDir)
	m, diffs := Merge(api, files)

	var got []string
	for _, c := range diffs {
		got = append(got, c.Describe("the API", "the files"))
	}
	want := []string{
		`variable AE.AESER: label Serious in the API, Serious? in the files`,
		`variable AE.AEACN: type DROPDOWN in the API, Checkbox in the files`,
		`variable AE.AEOLD (TEXT, "Old field") is only in the API`,
		`variable AE.AECOMM (Memo, "Comments\n(free text)") is only in the files`,
		`form LAB (Laboratory) is only in the API`,
		`form VS (Vital Signs, screening) is only in the files`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("differences\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}

	if m.Study() != "DEMO" || m.Sources() != SourceAPI|SourceFiles || len(m.BusinessLogic()) != 3 {
		t.Errorf("merged: study %q, sources %v, logic %d", m.Study(), m.Sources(), len(m.BusinessLogic()))
	}
	var keys []string
	for _, f := range m.Forms() {
		keys = append(keys, f.Key+":"+f.Sources.String())
	}
	if !reflect.DeepEqual(keys, []string{"DM:api+files", "AE:api+files", "LAB:api", "VS:files"}) {
		t.Errorf("forms %v", keys)
	}
	ae, _ := m.Form("AE")
	if ae.Name != "Adverse Event" || ae.Type != "Subject" || ae.FileType != "Patient" || ae.ID != 10202 {
		t.Errorf("AE %+v", ae)
	}
	var names []string
	for _, v := range ae.Variables {
		names = append(names, v.Name+":"+v.Sources.String())
	}
	if want := []string{"AENUM:api+files", "AETERM:api+files", "AESEV:api+files", "AESER:api+files", "AEACN:api+files",
		"AEOLD:api", "AEGONE:api", "AECOMM:files"}; !reflect.DeepEqual(names, want) {
		t.Errorf("AE variables %v, want %v", names, want)
	}
	// Both facts are kept: the API's type and label, the files' type, label and choices.
	acn, _ := m.Variable("AE", "AEACN")
	if acn.Type != "DROPDOWN" || acn.Kind != KindDropdown || acn.FileType != "Checkbox" || acn.ID != 8 || len(acn.Choices) != 3 {
		t.Errorf("AEACN %+v", acn)
	}
	ser, _ := m.Variable("AE", "AESER")
	if ser.Label != "Serious" || ser.FileLabel != "Serious?" || ser.Choices[0] != (Choice{"1", "Yes", 1}) {
		t.Errorf("AESER %+v", ser)
	}
	if comm, _ := m.Variable("AE", "AECOMM"); comm.Sequence != 10 || comm.Kind != KindTextArea || comm.ID != 0 {
		t.Errorf("AECOMM %+v", comm)
	}
	if f, ok := m.FormByID(10203); !ok || f.Key != "VS" {
		t.Errorf("VS by id: %+v", f)
	}
	// The inputs are not modified.
	if v, _ := api.Variable("AE", "AESEV"); v.Choices != nil || v.Sources != SourceAPI {
		t.Errorf("the API's dictionary was modified: %+v", v)
	}
	if _, ok := api.Form("VS"); ok {
		t.Error("VS added to the API's dictionary")
	}
	// The merged dictionary diffs against the files by choices too, and agrees with them
	// on every choice.
	for _, c := range Diff(m, files) {
		if c.Item == "choice" {
			t.Errorf("choice difference after merge: %s", c)
		}
	}
}

// Two versions of the API's dictionary: a variable deleted (still listed), one disabled and
// enabled again under a new id, one added; the files' silence on status is no difference.
func TestDiffStatus(t *testing.T) {
	forms := []imednet.Form{apiForm(1, "AE", "Adverse Events", "Subject", false)}
	v1 := []imednet.Variable{apiVar(1, "AETERM", "TEXT", 1, 1, "AE"), apiVar(2, "AESEV", "RADIO", 2, 1, "AE"), apiVar(3, "AEOLD", "TEXT", 3, 1, "AE")}
	a, err := New("S", forms, v1)
	if err != nil {
		t.Fatal(err)
	}
	old := apiVar(2, "AESEV", "RADIO", 2, 1, "AE")
	old.Deleted = true
	gone := apiVar(3, "AEOLD", "TEXT", 3, 1, "AE")
	gone.Disabled = true
	b, err := New("S", forms, []imednet.Variable{apiVar(1, "AETERM", "TEXT", 1, 1, "AE"), old,
		apiVar(4, "AESEV", "DROPDOWN", 2, 1, "AE"), gone, apiVar(5, "AEOUT", "DROPDOWN", 4, 1, "AE")})
	if err != nil {
		t.Fatal(err)
	}
	got := lines(Diff(a, b))
	want := []string{
		`~ variable AE.AESEV type: RADIO -> DROPDOWN`,
		`~ variable AE.AEOLD status: active -> disabled`,
		`+ variable AE.AEOUT (DROPDOWN, "Label of AEOUT")`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Diff\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
}

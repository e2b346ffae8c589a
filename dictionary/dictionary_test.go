package dictionary

import (
	"strings"
	"testing"

	imednet "github.com/imednet/imednet-go"
)

func TestKindOf(t *testing.T) {
	for in, want := range map[string]Kind{
		"TEXT": KindText, "text": KindText, " Text ": KindText,
		"TEXTAREA": KindTextArea, "textarea": KindTextArea, "memo": KindTextArea, "MEMO": KindTextArea,
		"NUMBER": KindNumber, "number": KindNumber, "integer": KindNumber, "DECIMAL": KindNumber, "float": KindNumber, "numeric": KindNumber,
		"DATE": KindDate, "date": KindDate,
		"RADIO": KindRadio, "Radio": KindRadio,
		"DROPDOWN": KindDropdown, "dropdown": KindDropdown,
		"CHECKBOX": KindCheckbox, "checkbox": KindCheckbox,
		"": KindUnknown, "SIGNATURE": KindUnknown, "DATETIME": KindUnknown, "TEXT AREA": KindUnknown,
	} {
		if got := KindOf(in); got != want {
			t.Errorf("KindOf(%q) = %v, want %v", in, got, want)
		}
	}
	for k, want := range map[Kind]string{KindUnknown: "unknown", KindText: "text", KindTextArea: "textarea",
		KindNumber: "number", KindDate: "date", KindRadio: "radio", KindDropdown: "dropdown", KindCheckbox: "checkbox",
		Kind(42): "Kind(42)", Kind(-1): "Kind(-1)"} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", int(k), got, want)
		}
	}
}

func TestLookups(t *testing.T) {
	d := testDict(t)
	if d.Study() != "S" {
		t.Errorf("Study %q", d.Study())
	}
	ae, ok := d.Form("AE")
	if !ok || ae.ID != 20 || ae.Key != "AE" {
		t.Fatalf("Form(AE) = %+v, %v", ae, ok)
	}
	if f, ok := d.FormByID(20); !ok || f != ae {
		t.Errorf("FormByID(20) = %+v, %v", f, ok)
	}
	for _, key := range []string{"ae", "Ae", "AE ", "", "XX"} {
		if f, ok := d.Form(key); ok || f != nil {
			t.Errorf("Form(%q) = %+v", key, f)
		}
	}
	for _, id := range []int{0, -20, 21} {
		if f, ok := d.FormByID(id); ok || f != nil {
			t.Errorf("FormByID(%d) = %+v", id, f)
		}
	}

	// Variable names are case-sensitive: AETERM and aeterm are two variables.
	upper, ok1 := ae.Variable("AETERM")
	lower, ok2 := ae.Variable("aeterm")
	if !ok1 || !ok2 || upper == lower || upper.ID != 201 || lower.ID != 213 || lower.Kind != KindNumber {
		t.Errorf("AETERM %+v, aeterm %+v", upper, lower)
	}
	if v, ok := ae.Variable("AeTerm"); ok || v != nil {
		t.Errorf("Variable(AeTerm) = %+v", v)
	}
	if v, ok := ae.Variable("VSWT"); ok {
		t.Errorf("AE has VS's variable %+v", v)
	}
	// A name used twice (deleted and created again) finds the active variable.
	if v, ok := ae.Variable("AEACN"); !ok || v.ID != 211 || !v.Active() {
		t.Errorf("AEACN %+v", v)
	}

	// Forms returns the caller's slice.
	fs := d.Forms()
	fs[0] = nil
	if d.Forms()[0] == nil {
		t.Error("Forms shares its slice")
	}
	var keys []string
	for _, f := range d.Forms() {
		keys = append(keys, f.Key)
	}
	if strings.Join(keys, ",") != "REG,AE,OLD,VS" {
		t.Errorf("forms %v", keys)
	}

	// A Form built by hand (without New) still looks up, preferring the active variable.
	f := &Form{Key: "X", Variables: []*Variable{{ID: 1, Name: "A", Deleted: true}, {ID: 2, Name: "A"}, {ID: 3, Name: "B"}}}
	if v, ok := f.Variable("A"); !ok || v.ID != 2 {
		t.Errorf("hand-built A %+v", v)
	}
	if v, ok := f.Variable("b"); ok {
		t.Errorf("hand-built b %+v", v)
	}
}

func TestNewInconsistencies(t *testing.T) {
	forms := []imednet.Form{apiForm(1, "AE", "", "", false), apiForm(2, "CM", "", "", false)}
	cases := []struct {
		name  string
		forms []imednet.Form
		vars  []imednet.Variable
		want  []string
	}{
		{"duplicate formId", append(forms, apiForm(1, "MH", "", "", false)), nil,
			[]string{`formId 1 is listed twice (forms "AE" and "MH")`}},
		{"duplicate formKey", append(forms, apiForm(3, "AE", "", "", false)), nil,
			[]string{`formKey "AE" is listed twice (formIds 1 and 3)`}},
		{"duplicate variableId", forms, []imednet.Variable{apiVar(7, "AETERM", "TEXT", 1, 1, "AE"), apiVar(7, "AETERM", "TEXT", 1, 1, "AE")},
			[]string{`variableId 7 is listed twice ("AETERM" and "AETERM")`}},
		{"formKey contradicts formId", forms, []imednet.Variable{apiVar(7, "CMTRT", "TEXT", 1, 1, "CM")},
			[]string{`variable "CMTRT" (variableId 7) has formId 1, which is form "AE", but formKey "CM"`}},
		{"two active variables share a name", forms, []imednet.Variable{apiVar(7, "AETERM", "TEXT", 1, 1, "AE"), apiVar(8, "AETERM", "TEXT", 2, 1, "AE")},
			[]string{`form "AE" has two active variables named "AETERM" (variableIds 7 and 8)`}},
		{"orphans", forms, []imednet.Variable{apiVar(7, "GHOST", "TEXT", 1, 9, ""), apiVar(8, "OK", "TEXT", 1, 2, "CM"), apiVar(9, "LOST", "TEXT", 1, 0, "ZZ")},
			[]string{`2 variables belong to no form of the study: "GHOST" (variableId 7, formId 9, formKey ""); "LOST" (variableId 9, formId 0, formKey "ZZ")`}},
		{"several at once", append(forms, apiForm(2, "MH", "", "", false)), []imednet.Variable{apiVar(7, "GHOST", "TEXT", 1, 9, "")},
			[]string{`formId 2 is listed twice`, `; 1 variable belongs to no form of the study: "GHOST"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := New("S", tc.forms, tc.vars)
			if err == nil {
				t.Fatalf("no error: %+v", d)
			}
			if !strings.HasPrefix(err.Error(), "dictionary: study S: the forms and variables are inconsistent: ") {
				t.Errorf("error %q", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}

	// Many orphans are counted, not all named.
	var vars []imednet.Variable
	for i := range 13 {
		vars = append(vars, apiVar(100+i, "V"+string(rune('A'+i)), "TEXT", 1, 9, ""))
	}
	_, err := New("S", forms, vars)
	if err == nil || !strings.Contains(err.Error(), "13 variables belong to no form") || !strings.Contains(err.Error(), `"VJ"`) ||
		strings.Contains(err.Error(), `"VK"`) || !strings.HasSuffix(err.Error(), "; and 3 more") {
		t.Errorf("13 orphans: %v", err)
	}

	// Not inconsistent: a deleted variable and its active successor share a name; no lists at all.
	deleted := apiVar(7, "AETERM", "TEXT", 1, 1, "AE")
	deleted.Deleted = true
	if _, err := New("S", forms, []imednet.Variable{deleted, apiVar(8, "AETERM", "TEXT", 1, 1, "AE")}); err != nil {
		t.Errorf("deleted and active share a name: %v", err)
	}
	if d, err := New("S", nil, nil); err != nil || len(d.Forms()) != 0 {
		t.Errorf("empty: %v, %v", d, err)
	}
}

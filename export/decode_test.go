package export

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/dictionary"
)

func TestPlanFormDecodes(t *testing.T) {
	f := testForm(t,
		imednet.Variable{VariableName: "SEV", VariableType: "RADIO"},
		imednet.Variable{VariableName: "NOTE", VariableType: "TEXT"},
		imednet.Variable{VariableName: "ACN", VariableType: "CHECKBOX"},
		imednet.Variable{VariableName: "OUT", VariableType: "DROPDOWN"}, // no choices in the files
		imednet.Variable{VariableName: "SEV_label", VariableType: "TEXT"},
	)
	files, err := dictionary.ParseFiles(dictionary.Files{
		Forms:     strings.NewReader("Form ID,Form Key,Form Type,Form Name\n1,F,Patient,F\n"),
		Questions: strings.NewReader("Form,Variable Type,Variable Name,Label\nF,Radio,SEV,S\nF,Text,NOTE,N\nF,Checkbox,ACN,A\nF,Dropdown,OUT,O\n"),
		Choices: strings.NewReader("Form,Variable Name,Choice Text,Choice Value,Position\n" +
			"F,SEV,Mild,1,1\nF,SEV,Severe,3,2\nF,ACN,Dose reduced,1,1\nF,ACN,\"Withdrawn, permanently\",2,2\n"),
	})
	if err != nil {
		t.Fatal(err)
	}

	// The decoded column follows its variable's, in the same part when the table is split.
	p := planForm(f, "form_F", false, 4, files, Both)
	got := strings.Join(columnNames(p)[len(recordColumns):], " ")
	want := "form_F_part2.recordId:integer form_F_part2.SEV:text form_F_part2.SEV_label_2:text form_F_part2.NOTE:text " +
		"form_F_part3.recordId:integer form_F_part3.ACN:boolean form_F_part3.ACN_label:text form_F_part3.OUT:text " +
		"form_F_part4.recordId:integer form_F_part4.SEV_label:text"
	if got != want {
		t.Errorf("columns\n got %s\nwant %s", got, want)
	}

	rec := &imednet.Record{RecordID: 5}
	json.Unmarshal([]byte(`{"SEV":"3","NOTE":"x","ACN":"1, 2","OUT":"4","SEV_label":"y"}`), &rec.RecordData)
	p = planForm(f, "form_F", false, 0, files, Both)
	row := p.wideRows(rec)[0][len(recordColumns):]
	wantRow := []any{"3", "Severe", "x", nil, "Dose reduced; Withdrawn, permanently", "4", "y"}
	if len(row) != len(wantRow) {
		t.Fatalf("row %v", row)
	}
	for i := range row {
		if row[i] != wantRow[i] {
			t.Errorf("value %d: %#v, want %#v", i, row[i], wantRow[i])
		}
	}
	long := p.longRows(nil, rec)
	if len(long[0]) != len(longTable.Columns)+1 || long[0][len(longTable.Columns)] != "Severe" || long[1][len(longTable.Columns)] != nil {
		t.Errorf("long rows %v", long)
	}

	// Unknown codes: counted once, in the wide rows when the layout has them, else in the long.
	json.Unmarshal([]byte(`{"SEV":"2","ACN":"1,9","NOTE":""}`), &rec.RecordData)
	for _, layout := range []Layout{Wide, Long, Both} {
		p = planForm(f, "form_F", false, 0, files, layout)
		if layout.wide() {
			row := p.wideRows(rec)[0][len(recordColumns):]
			if row[0] != "2" || row[1] != nil || row[4] != nil {
				t.Errorf("%s: row %v", layout, row)
			}
		}
		if layout.long() {
			p.longRows(nil, rec)
		}
		if n := p.unknown.Load(); n != 2 {
			t.Errorf("%s: %d unknown codes, want 2", layout, n)
		}
	}
	// Without files, nothing changes.
	p = planForm(f, "form_F", false, 0, nil, Both)
	if n := len(p.parts[0].Columns); n != len(recordColumns)+5 {
		t.Errorf("%d columns without files", n)
	}
	if len(p.longRows(nil, rec)[0]) != len(longTable.Columns) {
		t.Error("long row with a label column without files")
	}
}

package export

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/dictionary"
)

func testForm(t *testing.T, vars ...imednet.Variable) *dictionary.Form {
	t.Helper()
	for i := range vars {
		vars[i].VariableID, vars[i].FormID, vars[i].FormKey, vars[i].Sequence = i+1, 1, "F", i+1
	}
	d, err := dictionary.New("S", []imednet.Form{{FormID: 1, FormKey: "F"}}, vars)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := d.Form("F")
	return f
}

func columnNames(p *formPlan) []string {
	var out []string
	for _, part := range p.parts {
		for _, c := range part.Columns {
			out = append(out, part.Name+"."+c.Name+":"+c.Type.String())
		}
	}
	return out
}

func TestPlanFormNamesAndTypes(t *testing.T) {
	f := testForm(t,
		imednet.Variable{VariableName: "AGE", VariableType: "NUMBER", Label: "Age (years)"},
		imednet.Variable{VariableName: "age", VariableType: "TEXT", Label: "Age (years)"},      // same name but case
		imednet.Variable{VariableName: "deleted", VariableType: "CHECKBOX", Label: "Deleted?"}, // a record column's name
		imednet.Variable{VariableName: "VISDT", VariableType: "date", Label: "2nd visit; date"},
		imednet.Variable{VariableName: "X", VariableType: "RADIO", Label: ""},
	)
	p := planForm(f, "form_F", false, 0, nil, Both)
	got := strings.Join(columnNames(p)[len(recordColumns):], " ")
	want := "form_F.AGE:real form_F.age_2:text form_F.deleted_2:boolean form_F.VISDT:date form_F.X:text"
	if got != want {
		t.Errorf("columns\n got %s\nwant %s", got, want)
	}
	p = planForm(f, "form_F", true, 0, nil, Both)
	got = strings.Join(columnNames(p)[len(recordColumns):], " ")
	want = "form_F.Age_years:real form_F.Age_years_2:text form_F.Deleted_2:boolean form_F._2nd_visit_date:date form_F.X:text"
	if got != want {
		t.Errorf("columns with labels\n got %s\nwant %s", got, want)
	}
}

func TestSafeName(t *testing.T) {
	for in, want := range map[string]string{
		"Systolic blood pressure (mmHg)": "Systolic_blood_pressure_mmHg",
		"  ":                             "",
		`"; DROP TABLE x; --`:            "DROP_TABLE_x",
		"Größe":                          "Größe",
		"1st":                            "_1st",
		strings.Repeat("a", 100):         strings.Repeat("a", maxLabelBytes),
	} {
		if got := safeName(in); got != want {
			t.Errorf("safeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPlanFormSplit(t *testing.T) {
	var vars []imednet.Variable
	for i := range 20 {
		vars = append(vars, imednet.Variable{VariableName: "V" + itoa(i), VariableType: "TEXT"})
	}
	f := testForm(t, vars...)
	p := planForm(f, "form_F", false, len(recordColumns)+3, nil, Both)
	// 11 record columns + V0..V2, then recordId + V3..V15, then recordId + V16..V19.
	if len(p.parts) != 3 || p.parts[1].Name != "form_F_part2" || p.parts[2].Name != "form_F_part3" {
		t.Fatalf("parts: %v", columnNames(p))
	}
	for _, part := range p.parts {
		if len(part.Columns) > len(recordColumns)+3 || part.Columns[0].Name != "recordId" || part.Key[0] != "recordId" || part.Form != "F" {
			t.Errorf("part %s: %d columns, key %v, form %q", part.Name, len(part.Columns), part.Key, part.Form)
		}
	}
	data := map[string]json.RawMessage{}
	for i := range 20 {
		data["V"+itoa(i)] = json.RawMessage(`"v` + itoa(i) + `"`)
	}
	r := &imednet.Record{RecordID: 7, RecordData: imednet.NewRecordData(data)}
	rows := p.wideRows(r)
	seen := 0
	for i, row := range rows {
		if len(row) != len(p.parts[i].Columns) || row[0] != int64(7) {
			t.Fatalf("part %d: row %v", i, row)
		}
		for j, c := range p.parts[i].Columns {
			if strings.HasPrefix(c.Name, "V") {
				seen++
				if row[j] != "v"+c.Name[1:] {
					t.Errorf("%s = %v", c.Name, row[j])
				}
			}
		}
	}
	if seen != 20 || len(p.parts[2].Columns) != 5 {
		t.Errorf("%d variables placed, want 20", seen)
	}
}

func TestValuesThatDoNotConvert(t *testing.T) {
	f := testForm(t,
		imednet.Variable{VariableName: "N", VariableType: "NUMBER"},
		imednet.Variable{VariableName: "D", VariableType: "DATE"},
		imednet.Variable{VariableName: "B", VariableType: "CHECKBOX"},
		imednet.Variable{VariableName: "T", VariableType: "TEXT"},
	)
	p := planForm(f, "form_F", false, 0, nil, Both)
	r := &imednet.Record{RecordID: 1, FormKey: "F", RecordData: imednet.NewRecordData(map[string]json.RawMessage{
		"N": json.RawMessage(`"twelve"`), "D": json.RawMessage(`"31/01/2024"`), "B": json.RawMessage(`"maybe"`),
		"T": json.RawMessage(`{"a":1}`), "extra": json.RawMessage(`12`), "dateModified": json.RawMessage(`"2024-01-01 00:00:00"`),
	})}
	row := p.wideRows(r)[0]
	for i, name := range []string{"N", "D", "B", "T"} {
		if v := row[len(recordColumns)+i]; v != nil {
			t.Errorf("%s: %v, want nil", name, v)
		}
	}
	long := map[string]Row{}
	for _, lr := range p.longRows(nil, r) {
		long[lr[2].(string)] = lr
	}
	if len(long) != 5 || long["N"][3] != "twelve" || long["D"][3] != "31/01/2024" || long["B"][3] != "maybe" ||
		long["T"][3] != `{"a":1}` || long["extra"][3] != "12" {
		t.Errorf("long rows keep the text: %v", long)
	}
	for _, lr := range long {
		if lr[4] != nil || lr[5] != nil || lr[6] != nil {
			t.Errorf("long row %v has a typed value", lr)
		}
	}

	// A variable missing from the data still has its long row, with no value.
	r.RecordData = imednet.NewRecordData(map[string]json.RawMessage{"N": json.RawMessage(`"1e3"`)})
	lr := p.longRows(nil, r)
	if len(lr) != 4 || lr[0][2] != "N" || lr[0][3] != "1e3" || lr[0][4] != 1000.0 || lr[1][2] != "D" || lr[1][3] != nil || lr[3][2] != "T" {
		t.Errorf("long rows of a record with one value: %v", lr)
	}

	r.RecordData = imednet.NewRecordData(map[string]json.RawMessage{"N": json.RawMessage(`12.5`), "D": json.RawMessage(`"2024-01-31"`), "B": json.RawMessage(`"TRUE"`), "T": json.RawMessage(`null`)})
	row = p.wideRows(r)[0]
	want := []any{12.5, time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC), true, nil}
	for i, w := range want {
		if v := row[len(recordColumns)+i]; v != w {
			t.Errorf("value %d: %v, want %v", i, v, w)
		}
	}
}

func TestOptions(t *testing.T) {
	for _, o := range []Options{
		{Mode: "copy"}, {Layout: "tall"}, {Concurrency: -1}, {Concurrency: 65}, {RateLimit: -1},
		{BatchSize: -1}, {PageSize: 501}, {Overlap: -time.Second}, {Forms: []string{"A", "A"}}, {Forms: []string{" "}},
		{Labels: true, NoLabels: true},
	} {
		if err := o.normalize(); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
	var o Options
	if err := o.normalize(); err != nil || o.Mode != ModeExport || o.Layout != Wide || o.Concurrency != DefaultConcurrency ||
		o.BatchSize != DefaultBatchSize || o.PageSize != imednet.MaxPageSize || o.Overlap != DefaultOverlap {
		t.Errorf("defaults: %+v, %v", o, err)
	}
	if l, err := ParseLayout(" Both "); err != nil || l != Both {
		t.Errorf("ParseLayout: %v %v", l, err)
	}
}

func TestPlanResume(t *testing.T) {
	mk := func(keys ...string) []*formTask {
		var ts []*formTask
		for _, k := range keys {
			ts = append(ts, &formTask{plan: &formPlan{form: &dictionary.Form{Key: k}}})
		}
		return ts
	}
	l := &Ledger{
		Runs: []RunState{{ID: "1", Mode: "export", Finished: time.Now()}, {ID: "2", Mode: "export"}},
		Forms: map[string]FormState{
			"A": {Status: Succeeded, RunID: "2", Watermark: time.Date(2024, 1, 1, 0, 10, 0, 0, time.UTC)},
			"B": {Status: Running, RunID: "2"},
			"C": {Status: Succeeded, RunID: "1"},
		},
	}
	e := &engine{opts: Options{Mode: ModeExport, Overlap: time.Minute}}
	tasks := mk("A", "B", "C", "D")
	for _, t := range tasks {
		t.prev = l.Forms[t.plan.form.Key]
	}
	e.plan(tasks, l)
	if !tasks[0].skip || tasks[1].skip || tasks[2].skip || tasks[3].skip {
		t.Errorf("resume: skip %v %v %v %v; want only A", tasks[0].skip, tasks[1].skip, tasks[2].skip, tasks[3].skip)
	}
	for _, tk := range tasks {
		tk.skip = false
	}
	e.opts.Full = true
	e.plan(tasks, l)
	for _, tk := range tasks {
		if tk.skip {
			t.Errorf("full: %s skipped", tk.plan.form.Key)
		}
	}
	e.opts = Options{Mode: ModeSync, Overlap: time.Minute}
	e.plan(tasks, l)
	if want := time.Date(2024, 1, 1, 0, 9, 0, 0, time.UTC); !tasks[0].since.Equal(want) || !tasks[1].since.IsZero() || tasks[0].skip {
		t.Errorf("sync: since %v and %v", tasks[0].since, tasks[1].since)
	}
	// A run that failed before it reached the forms does not hide the one before it.
	l.Runs = append(l.Runs, RunState{ID: "3", Mode: "export", Finished: time.Now(), Error: "dictionary: network down"})
	e.opts = Options{Mode: ModeExport}
	tasks = mk("A")
	tasks[0].prev = l.Forms["A"]
	e.plan(tasks, l)
	if !tasks[0].skip {
		t.Error("A not skipped behind a run that failed early")
	}
	l.Runs = l.Runs[:2]

	// A finished run is not resumed.
	l.Runs[1].Finished = time.Now()
	e.opts = Options{Mode: ModeExport}
	tasks = mk("A")
	tasks[0].prev = l.Forms["A"]
	e.plan(tasks, l)
	if tasks[0].skip {
		t.Error("a form of a finished run was skipped")
	}
}

func TestNewRunID(t *testing.T) {
	at := time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC)
	id := newRunID(at, &Ledger{})
	if id != "20250102T030405.000000006Z" {
		t.Errorf("id %s", id)
	}
	later := newRunID(at, &Ledger{Runs: []RunState{{ID: "20990101T000000.000000000Z"}, {ID: id}}})
	if later <= "20990101T000000.000000000Z" {
		t.Errorf("id %s does not sort after the earlier runs", later)
	}
}

// A missing answer is NULL whatever the variable's type: absent, null, "" and whitespace
// alike, in the wide columns and in the long table's value, for text and radio variables as
// for numbers and dates. A text that is not blank is kept as sent, its spaces included.
func TestMissingValuesAreNull(t *testing.T) {
	f := testForm(t,
		imednet.Variable{VariableName: "T", VariableType: "TEXT"},
		imednet.Variable{VariableName: "R", VariableType: "RADIO"},
		imednet.Variable{VariableName: "N", VariableType: "NUMBER"},
		imednet.Variable{VariableName: "D", VariableType: "DATE"},
		imednet.Variable{VariableName: "B", VariableType: "CHECKBOX"},
	)
	p := planForm(f, "form_F", false, 0, nil, Both)
	for _, missing := range []string{"", `null`, `""`, `"   "`, `" \t\n"`} {
		data := map[string]json.RawMessage{"extra": json.RawMessage(`""`)}
		if missing != "" {
			for _, name := range []string{"T", "R", "N", "D", "B"} {
				data[name] = json.RawMessage(missing)
			}
		}
		r := &imednet.Record{RecordID: 1, FormKey: "F", RecordData: imednet.NewRecordData(data)}
		row := p.wideRows(r)[0]
		for i, name := range []string{"T", "R", "N", "D", "B"} {
			if v := row[len(recordColumns)+i]; v != nil {
				t.Errorf("value %s of %s: wide column %q, want NULL", missing, name, v)
			}
		}
		for _, lr := range p.longRows(nil, r) {
			if lr[3] != nil || lr[4] != nil || lr[5] != nil || lr[6] != nil {
				t.Errorf("value %s: long row %q, want NULL values", missing, lr)
			}
		}
	}
	r := &imednet.Record{RecordID: 1, FormKey: "F", RecordData: imednet.NewRecordData(map[string]json.RawMessage{
		"T": json.RawMessage(`" padded "`), "R": json.RawMessage(`"2"`), "N": json.RawMessage(`0`)})}
	row := p.wideRows(r)[0][len(recordColumns):]
	if row[0] != " padded " || row[1] != "2" || row[2] != 0.0 {
		t.Errorf("answered values: %q", row)
	}
}

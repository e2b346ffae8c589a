package cli

import (
	"encoding/csv"
	"slices"
	"strconv"
	"strings"
	"testing"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
)

func TestRecordsFormTableGolden(t *testing.T) {
	srv := newSandbox(t)
	for _, tc := range []struct {
		name string
		tty  bool
		args []string
	}{
		{"records_form_ae.table", true, []string{"records", "list", "--form", "AE", "--limit", "6"}},
		{"records_form_vs.csv", false, []string{"records", "list", "--form", "VS", "--limit", "4", "-o", "csv"}},
		{"records_form_columns.csv", false, []string{"records", "list", "--form", "VS", "--columns", "subjectKey,SYSBP,DIABP,recordStatus", "--limit", "4", "-o", "csv"}},
		{"records_columns.table", true, []string{"records", "list", "--columns", "recordId,formKey,subjectKey", "--limit", "3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, env{srv: srv, tty: tc.tty}, append([]string{"--sandbox"}, tc.args...)...)
			mustOK(t, r, tc.args...)
			golden(t, tc.name, r.out)
		})
	}
}

// TestRecordsFormTableAgainstTheData: with --form, the CSV has one row per record of the form
// (the same as the filter formKey==KEY selects), and each variable's cell is the record's
// value; --filter still applies, an OR in it included.
func TestRecordsFormTableAgainstTheData(t *testing.T) {
	srv := newSandbox(t)
	records := decodeLines[imednet.Record](t, sbx(t, srv, "records", "list", "--filter", "formKey==AE", "-o", "jsonl").out)
	vars := decodeLines[imednet.Variable](t, sbx(t, srv, "variables", "list", "--filter", "formKey==AE", "--sort", "sequence", "-o", "jsonl").out)
	r := sbx(t, srv, "records", "list", "--form", "AE", "-o", "csv")
	mustOK(t, r)
	rows, err := csv.NewReader(strings.NewReader(r.out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(records)+1 || len(records) == 0 || len(vars) < 3 {
		t.Fatalf("%d rows for %d records, %d variables", len(rows)-1, len(records), len(vars))
	}
	header := rows[0]
	if slices.Contains(header, "recordData") {
		t.Error("recordData is still a column")
	}
	for _, v := range vars {
		if !slices.Contains(header, v.VariableName) {
			t.Errorf("no column for variable %s", v.VariableName)
		}
	}
	col := func(name string) int { return slices.Index(header, name) }
	for i, rec := range records {
		row := rows[i+1]
		if row[col("recordId")] != strconv.Itoa(rec.RecordID) {
			t.Fatalf("row %d is record %s, want %d", i+1, row[col("recordId")], rec.RecordID)
		}
		for _, v := range vars {
			want, _ := rec.RecordData.Text(v.VariableName)
			if got := row[col(v.VariableName)]; got != want && got != "'"+want {
				t.Errorf("record %d %s: %q, want %q", rec.RecordID, v.VariableName, got, want)
			}
		}
	}
	// --form with a filter that has an OR: each alternative is narrowed to the form.
	two := decodeLines[imednet.Record](t, sbx(t, srv, "records", "list", "--form", "AE", "--filter", "subjectKey==01-001,subjectKey==01-002", "-o", "jsonl").out)
	for _, rec := range two {
		if rec.FormKey != "AE" || rec.SubjectKey != "01-001" && rec.SubjectKey != "01-002" {
			t.Errorf("--form AE --filter with OR let through %s %s", rec.FormKey, rec.SubjectKey)
		}
	}
	if len(two) == 0 {
		t.Error("--form AE with an OR filter found nothing")
	}
}

func TestRecordsFormErrors(t *testing.T) {
	srv := newSandbox(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"records", "list", "--form", "AX"}, `--form "AX": study DEMO has no form of that key; did you mean 'AE' or 'EX'?`},
		{[]string{"records", "list", "--form", "AE", "--columns", "AETRM", "-o", "csv"}, `--columns: no field or variable "AETRM"; did you mean 'AETERM'?`},
		{[]string{"records", "list", "--columns", "AETERM", "-o", "csv"}, `(variables are columns with --form)`},
		{[]string{"records", "list", "--form", "AE", "--columns", "AETERM", "-o", "json"}, "for -o json use --json"},
		{[]string{"records", "list", "--form", "AE", "--columns", "AETERM", "--json", "recordId"}, "use one"},
		{[]string{"records", "list", "--form", "AE", "--filter", "formKey=="}, `--filter "formKey=="`},
	} {
		r := sbx(t, srv, tc.args...)
		if r.code != cmdutil.ExitUsage || r.out != "" || !strings.Contains(r.errOut, tc.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 2 and %q", tc.args, r.code, r.out, r.errOut, tc.want)
		}
	}
}

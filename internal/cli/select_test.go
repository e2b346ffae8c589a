package cli

import (
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/imednet/imednet-go/internal/cli/cmdutil"
)

// requestCount counts the requests srv answered.
func requestCount(t *testing.T, sbxStats func() map[string]int) int {
	t.Helper()
	n := 0
	for _, c := range sbxStats() {
		n += c
	}
	return n
}

// TestSelectGolden: --json and --jq on lists and gets, in each format they print.
func TestSelectGolden(t *testing.T) {
	srv := newSandbox(t)
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"select_sites_list.json", []string{"sites", "list", "--json", "siteName,siteId", "-o", "json"}},
		{"select_sites_list.jsonl", []string{"sites", "list", "--json", "siteId,siteEnrollmentStatus"}},
		{"select_records_list.csv", []string{"records", "list", "--json", "recordId,formKey,subjectKey,recordStatus", "--limit", "4", "-o", "csv"}},
		{"select_subjects_list.table", []string{"subjects", "list", "--json", "subjectKey,subjectStatus,keywords", "--limit", "3", "-o", "table"}},
		{"select_records_jq.txt", []string{"records", "list", "--filter", "formKey==AE", "--limit", "3", "--jq", `"\(.recordId) \(.recordData.AETERM)"`}},
		{"select_queries_jq.jsonl", []string{"queries", "list", "--limit", "3", "--json", "annotationId,queryComments", "--jq", "{id: .annotationId, closed: .queryComments[-1].closed}"}},
		{"select_forms_get.json", []string{"forms", "get", "AE", "--json", "formKey,formName,formId", "-o", "json"}},
		{"select_forms_get.table", []string{"forms", "get", "AE", "--json", "formName,formKey", "-o", "table"}},
		{"select_subjects_get_jq.txt", []string{"subjects", "get", "01-001", "--jq", ".subjectKey, .siteName"}},
		{"select_sites_fields.txt", []string{"sites", "list", "--json"}},
		{"select_records_fields.txt", []string{"records", "get", "1", "--json", "", "-o", "csv"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := sbx(t, srv, tc.args...)
			mustOK(t, r, tc.args...)
			golden(t, tc.name, r.out)
		})
	}
}

// TestSelectMatchesFullOutput: the selected fields are the same values as the full JSON
// output's, item by item, and --jq runs once per item (never on the whole list).
func TestSelectMatchesFullOutput(t *testing.T) {
	srv := newSandbox(t)
	full := decodeLines[map[string]any](t, sbx(t, srv, "records", "list", "--limit", "30", "-o", "jsonl").out)
	sel := decodeLines[map[string]any](t, sbx(t, srv, "records", "list", "--limit", "30", "-o", "jsonl", "--json", "recordData,recordId,dateModified").out)
	if len(full) != 30 || len(sel) != 30 {
		t.Fatalf("%d and %d items", len(full), len(sel))
	}
	for i := range full {
		if len(sel[i]) != 3 {
			t.Fatalf("item %d has fields %v", i, sel[i])
		}
		for k, v := range sel[i] {
			if marshal(t, v) != marshal(t, full[i][k]) {
				t.Errorf("item %d field %s: %s, want %s", i, k, marshal(t, v), marshal(t, full[i][k]))
			}
		}
	}
	types := sbx(t, srv, "records", "list", "--limit", "30", "--jq", "type")
	mustOK(t, types)
	if got := strings.Count(types.out, "object\n"); got != 30 || len(types.out) != 30*len("object\n") {
		t.Errorf("--jq type printed %q", types.out)
	}
	// Ids stay exact numbers through jq.
	ids := sbx(t, srv, "subjects", "list", "--jq", ".subjectId", "--limit", "2")
	if ids.out != "5001\n5002\n" {
		t.Errorf("--jq .subjectId: %q", ids.out)
	}
	// A table and a CSV show the fields as columns, in the order given.
	c := sbx(t, srv, "sites", "list", "--json", "siteName,siteId", "-o", "csv")
	rows, err := csv.NewReader(strings.NewReader(c.out)).ReadAll()
	if err != nil || len(rows) < 2 || strings.Join(rows[0], ",") != "siteName,siteId" || rows[1][1] != "101" {
		t.Errorf("csv: %v %q", err, rows)
	}
}

// TestSelectRefusedBeforeAnyRequest: a bad field or jq program ends with status 2, names the
// bad part, prints nothing on stdout and sends no request.
func TestSelectRefusedBeforeAnyRequest(t *testing.T) {
	srv := newSandbox(t)
	stats := func() map[string]int { return srv.Stats().Requests }
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sites", "list", "--json", "siteId,sitName"}, `unknown field "sitName"; did you mean 'siteName'?`},
		{[]string{"sites", "list", "--json", "siteId,,siteName"}, "empty field name"},
		{[]string{"records", "get", "1", "--json", "nope"}, `unknown field "nope"`},
		{[]string{"sites", "list", "--jq", ".siteName |"}, `--jq ".siteName |": unexpected EOF`},
		{[]string{"sites", "list", "--jq", "nosuch(1)"}, "function not defined: nosuch/1"},
		{[]string{"sites", "list", "--jq", ""}, "the program is empty"},
		{[]string{"sites", "list", "--jq", ".", "-o", "csv"}, "cannot be used with -o csv"},
		{[]string{"jobs", "status", "abc", "--json", "batch"}, `unknown field "batch"`},
	} {
		before := requestCount(t, stats)
		r := sbx(t, srv, tc.args...)
		if r.code != cmdutil.ExitUsage || r.out != "" || !strings.Contains(r.errOut, tc.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 2 and %q", tc.args, r.code, r.out, r.errOut, tc.want)
		}
		if n := requestCount(t, stats) - before; n != 0 {
			t.Errorf("%v: %d requests sent", tc.args, n)
		}
	}
	// A program that fails on an item stops the listing with status 1 and says which item.
	r := sbx(t, srv, "sites", "list", "--jq", ".siteId | ascii_downcase")
	if r.code != cmdutil.ExitFailure || !strings.Contains(r.errOut, "--jq: item 1") {
		t.Errorf("runtime jq error: exit %d, %q", r.code, r.errOut)
	}
}

// TestJSONFlagWithoutValue: --json followed by another flag lists the fields rather than
// taking the flag as its value, and the other flags still apply.
func TestJSONFlagWithoutValue(t *testing.T) {
	srv := newSandbox(t)
	want := sbx(t, srv, "sites", "list", "--json")
	mustOK(t, want)
	if !strings.Contains(want.out, "  siteEnrollmentStatus\n") {
		t.Fatalf("fields: %q", want.out)
	}
	for _, args := range [][]string{
		{"sites", "list", "--json", "--limit", "2"},
		{"sites", "list", "--json", "-o", "csv"},
		{"sites", "list", "--json="},
	} {
		r := sbx(t, srv, args...)
		if r.code != 0 || r.out != want.out {
			t.Errorf("%v: exit %d %q %q", args, r.code, r.out, r.errOut)
		}
	}
	jobs := sbx(t, srv, "jobs", "status", "x", "--json")
	if jobs.code != 0 || !strings.Contains(jobs.out, "  batchId\n") || !strings.Contains(jobs.out, "  resultUrl\n") {
		t.Errorf("jobs fields: %d %q", jobs.code, jobs.out)
	}
}

func TestJobsStatusSelect(t *testing.T) {
	srv := newSandbox(t)
	file := writeFile(t, "new.json", `[{"formKey":"AE","subjectKey":"01-001","data":{"AETERM":"A"}},
{"formKey":"AE","subjectKey":"01-001","data":{"AETERM":"B"}}]`)
	r := sbx(t, srv, "records", "create", "--file", file, "--no-wait", "--chunk-size", "1", "-o", "jsonl")
	mustOK(t, r)
	var ids []string
	for _, line := range strings.Split(strings.TrimSpace(r.out), "\n") {
		var j struct{ BatchID string }
		if err := json.Unmarshal([]byte(line), &j); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, j.BatchID)
	}
	st := sbx(t, srv, append([]string{"jobs", "status", "--jq", ".batchId"}, ids...)...)
	mustOK(t, st)
	if st.out != ids[0]+"\n"+ids[1]+"\n" {
		t.Errorf("jobs status --jq: %q, want %v", st.out, ids)
	}
	st = sbx(t, srv, append([]string{"jobs", "status", "--json", "batchId,state", "-o", "json"}, ids...)...)
	mustOK(t, st)
	var got []map[string]string
	if err := json.Unmarshal([]byte(st.out), &got); err != nil || len(got) != 2 || got[1]["batchId"] != ids[1] || len(got[0]) != 2 {
		t.Errorf("jobs status --json: %v %s", err, st.out)
	}
}

// marshal is v as JSON, for comparing decoded values of any kind.
func marshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

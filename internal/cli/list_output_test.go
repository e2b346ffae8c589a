package cli

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/imednettest"
)

// recordsOutputStudy is a small study whose records, with one changed to hold values that
// need escaping, cover the records list output byte for byte in golden files.
var recordsOutputStudy = imednettest.StudyConfig{Key: "OUT", Subjects: 4, Sites: 2}

// TestRecordsListOutputIsStable pins the whole records listing of a study, in JSON Lines,
// JSON and CSV, to golden files written before the output path was optimised: the faster
// writers must print the same bytes, timestamps, key order and escapes included. Every
// format must also still parse, and agree with the others on the records.
func TestRecordsListOutputIsStable(t *testing.T) {
	srv := newSandbox(t, imednettest.WithStudy(recordsOutputStudy))
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	// Values that a writer from raw bytes could get wrong: quotes, backslashes, HTML
	// characters (left unescaped), non-ASCII text, control characters and line separators.
	odd := "He said \"stop\" \\ <b>&</b> café – 東京\u2028\t\nend"
	jobs, err := c.Records.Create(t.Context(), "OUT", []imednet.RecordRequest{
		imednet.NewRecord("AE", "01-001", map[string]any{"AETERM": odd}),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		if _, err := c.Jobs.Wait(t.Context(), "OUT", j.BatchID, &imednet.WaitOptions{Interval: 5 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
	}

	jl := sbx(t, srv, "records", "list", "--study", "OUT", "--page-size", "7", "-o", "jsonl")
	mustOK(t, jl)
	js := sbx(t, srv, "records", "list", "--study", "OUT", "--page-size", "7", "-o", "json")
	mustOK(t, js)
	cs := sbx(t, srv, "records", "list", "--study", "OUT", "--page-size", "7", "-o", "csv")
	mustOK(t, cs)
	golden(t, "records_all.jsonl", jl.out)
	golden(t, "records_all.json", js.out)
	golden(t, "records_all.csv", cs.out)

	// Each format parses, and they list the same records with the same data.
	var lines []map[string]json.RawMessage
	for _, l := range strings.Split(strings.TrimSuffix(jl.out, "\n"), "\n") {
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("jsonl line %q: %v", l, err)
		}
		lines = append(lines, m)
	}
	if n := srv.Study("OUT").Counts().Records; len(lines) != n {
		t.Fatalf("jsonl: %d records, the study has %d", len(lines), n)
	}
	var arr []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(js.out), &arr); err != nil {
		t.Fatalf("json is not one array: %v", err)
	}
	rows, err := csv.NewReader(strings.NewReader(cs.out)).ReadAll()
	if err != nil {
		t.Fatalf("csv: %v", err)
	}
	if len(arr) != len(lines) || len(rows) != len(lines)+1 {
		t.Fatalf("jsonl has %d records, json %d, csv %d rows after the header", len(lines), len(arr), len(rows)-1)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	found := false
	for i, m := range lines {
		if !bytes.Equal(m["recordId"], arr[i]["recordId"]) || !bytes.Equal(m["recordData"], arr[i]["recordData"]) {
			t.Errorf("record %d: jsonl and json differ:\n%s\n%s", i, m["recordData"], arr[i]["recordData"])
		}
		if got := rows[i+1][col["recordId"]]; got != string(m["recordId"]) {
			t.Errorf("record %d: csv recordId %s, jsonl %s", i, got, m["recordId"])
		}
		var data map[string]string
		if err := json.Unmarshal(m["recordData"], &data); err != nil {
			t.Fatalf("record %d: recordData: %v", i, err)
		}
		var fromCSV map[string]string
		if err := json.Unmarshal([]byte(rows[i+1][col["recordData"]]), &fromCSV); err != nil {
			t.Fatalf("record %d: csv recordData %q: %v", i, rows[i+1][col["recordData"]], err)
		}
		for k, v := range data {
			if fromCSV[k] != v {
				t.Errorf("record %d: csv recordData %s = %q, jsonl %q", i, k, fromCSV[k], v)
			}
		}
		if data["AETERM"] == odd {
			found = true
		}
	}
	if !found {
		t.Errorf("no record lists AETERM as %q", odd)
	}
}

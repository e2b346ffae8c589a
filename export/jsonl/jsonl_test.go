package jsonl_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"path/filepath"

	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/export/exporttest"
	"github.com/imednet/imednet-go/export/filesink/filesinktest"
	"github.com/imednet/imednet-go/export/jsonl"
)

// readJSONL reads a file line by line with a JSON decoder, checking that every line is one
// object with the same keys in the same order, and converts the values to the columns' Go
// types, checking that each has the JSON type the format promises.
func readJSONL(t testing.TB, path string, cols []export.Column) ([]string, []export.Row) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]export.ColumnType{}
	for _, c := range cols {
		types[c.Name] = c.Type
	}
	var names []string
	var rows []export.Row
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<26)
	for n := 1; sc.Scan(); n++ {
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.UseNumber()
		if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
			t.Fatalf("%s line %d: not an object", path, n)
		}
		var keys []string
		var row export.Row
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				t.Fatalf("%s line %d: %v", path, n, err)
			}
			name := tok.(string)
			keys = append(keys, name)
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				t.Fatalf("%s line %d: %v", path, n, err)
			}
			typ, ok := types[name]
			if !ok {
				typ = export.ColumnJSON // not among the expected columns: kept as JSON
			}
			row = append(row, convert(t, raw, typ, n, name))
		}
		if names == nil {
			names = keys
		} else if !slices.Equal(keys, names) {
			t.Fatalf("%s line %d: keys %q, the first line has %q", path, n, keys, names)
		}
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		t.Errorf("%s does not end with a line feed", path)
	}
	return names, rows
}

func convert(t testing.TB, raw json.RawMessage, typ export.ColumnType, line int, name string) any {
	t.Helper()
	if string(raw) == "null" {
		return nil
	}
	var v any
	var err error
	var s string
	isString := raw[0] == '"'
	if isString {
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Fatal(err)
		}
	}
	switch typ {
	case export.ColumnText:
		if !isString {
			t.Errorf("line %d, %s: text %s is not a JSON string", line, name, raw)
		}
		v = s
	case export.ColumnInteger:
		v, err = strconv.ParseInt(string(raw), 10, 64)
	case export.ColumnReal:
		switch s {
		case "NaN":
			v = math.NaN()
		case "+Inf":
			v = math.Inf(1)
		case "-Inf":
			v = math.Inf(-1)
		default:
			v, err = strconv.ParseFloat(string(raw), 64)
		}
	case export.ColumnBoolean:
		v, err = strconv.ParseBool(string(raw))
	case export.ColumnDate:
		v, err = time.Parse("2006-01-02", s)
	case export.ColumnTimestamp:
		var ts time.Time
		ts, err = time.Parse(time.RFC3339Nano, s)
		if err == nil && !strings.HasSuffix(s, "Z") {
			t.Errorf("line %d, %s: timestamp %q is not in UTC", line, name, s)
		}
		v = ts
	case export.ColumnJSON:
		v = raw
	}
	if err != nil {
		t.Fatalf("line %d, %s: %v", line, name, err)
	}
	return v
}

var suite = filesinktest.Suite{Open: jsonl.Open, Read: readJSONL}

func TestSink(t *testing.T) { filesinktest.Run(t, suite) }

// TestLines checks the bytes of a few lines: values typed, JSON embedded on one line.
func TestLines(t *testing.T) {
	dir := t.TempDir()
	sink, err := jsonl.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	tbl := export.Table{
		Name: "t",
		Columns: []export.Column{
			{Name: "id", Type: export.ColumnInteger}, {Name: "s", Type: export.ColumnText}, {Name: "r", Type: export.ColumnReal},
			{Name: "b", Type: export.ColumnBoolean}, {Name: "d", Type: export.ColumnDate}, {Name: "ts", Type: export.ColumnTimestamp},
			{Name: "j", Type: export.ColumnJSON},
		},
		Key: []string{"id"},
	}
	ctx := context.Background()
	if err := sink.Prepare(ctx, []export.Table{tbl}); err != nil {
		t.Fatal(err)
	}
	paris := time.FixedZone("CET", 3600)
	rows := []export.Row{
		{int64(1), "a\"b\n\x01é", 1.5, true, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), time.Date(2024, 3, 1, 13, 30, 0, 0, paris), json.RawMessage("{\n \"x\": [1, 2]\n}")},
		{int64(2), nil, math.NaN(), false, nil, time.Date(2024, 3, 1, 12, 30, 0, 250000000, time.UTC), json.RawMessage(`"s"`)},
		{int64(3), "bad \xff utf8", 1e21, nil, nil, nil, nil},
	}
	if err := sink.Write(ctx, tbl.Name, rows); err != nil {
		t.Fatal(err)
	}
	path := sink.Path(tbl.Name)
	if err := sink.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":1,"s":"a\"b\n\u0001é","r":1.5,"b":true,"d":"2024-02-29","ts":"2024-03-01T12:30:00Z","j":{"x":[1,2]}}` + "\n" +
		`{"id":2,"s":null,"r":"NaN","b":false,"d":null,"ts":"2024-03-01T12:30:00.25Z","j":"s"}` + "\n" +
		`{"id":3,"s":"bad \ufffd utf8","r":1e+21,"b":null,"d":null,"ts":null,"j":null}` + "\n"
	if string(data) != want {
		t.Errorf("file:\n%s\nwant:\n%s", data, want)
	}
}

// TestInvalidJSON checks that a JSON column's invalid value is refused, loudly.
func TestInvalidJSON(t *testing.T) {
	sink, err := jsonl.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	tbl := export.Table{Name: "t", Columns: []export.Column{{Name: "id", Type: export.ColumnInteger}, {Name: "j", Type: export.ColumnJSON}}, Key: []string{"id"}}
	ctx := context.Background()
	if err := sink.Prepare(ctx, []export.Table{tbl}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{`{"a":`, ``, `nul`} {
		err := sink.Write(ctx, tbl.Name, []export.Row{{int64(1), json.RawMessage(bad)}})
		if err == nil || !strings.Contains(err.Error(), `column "j": invalid JSON`) {
			t.Errorf("Write of %q: %v, want an invalid JSON error", bad, err)
		}
	}
}

func BenchmarkSink50kRows60Cols(b *testing.B) {
	filesinktest.Benchmark(b, jsonl.Open, 50_000, 60)
}

// dumpJSONL reads every table file of a directory: its lines, each a row as the file has it.
func dumpJSONL(t testing.TB, dir string) map[string][]string {
	out := map[string][]string{}
	for _, rel := range filesinktest.TableFiles(t, dir, ".jsonl") {
		data, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		lines := []string{}
		if len(data) > 0 {
			lines = strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
		}
		slices.Sort(lines)
		out[rel] = lines
	}
	return out
}

func recordIDs(t testing.TB, dir, table string) []int64 {
	t.Helper()
	file := filepath.Join(dir, table+".jsonl")
	names, rows := readJSONL(t, file, []export.Column{{Name: "recordId", Type: export.ColumnInteger}})
	return filesinktest.IntColumn(t, file, names, rows, "recordId") // an empty file has no keys, and no ids
}

// TestEngine runs the export engine's scenarios against the JSON Lines sink.
func TestEngine(t *testing.T) {
	exporttest.Run(t, filesinktest.EngineHarness(jsonl.Open, ".jsonl", dumpJSONL, recordIDs))
}

func BenchmarkUpsert50kRows60Cols(b *testing.B) {
	filesinktest.BenchmarkUpsert(b, jsonl.Open, 50_000, 60)
}

package csv_test

import (
	"bytes"
	"context"
	stdcsv "encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/export/csv"
	"github.com/imednet/imednet-go/export/exporttest"
	"github.com/imednet/imednet-go/export/filesink/filesinktest"
)

// readCSV reads a file with encoding/csv and converts its fields to the columns' Go types.
func readCSV(t testing.TB, path string, cols []export.Column) ([]string, []export.Row) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := stdcsv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(records) == 0 {
		t.Fatalf("%s: no header", path)
	}
	header := records[0]
	types := make([]export.ColumnType, len(header))
	for i, name := range header {
		header[i] = strings.TrimPrefix(name, "'")
		types[i] = export.ColumnText
		for _, c := range cols {
			if c.Name == header[i] {
				types[i] = c.Type
			}
		}
	}
	var rows []export.Row
	for n, rec := range records[1:] {
		row := make(export.Row, len(rec))
		for i, field := range rec {
			if field == "" {
				continue // NULL (or the empty text, which encoding/csv does not tell apart)
			}
			var v any
			var err error
			switch types[i] {
			case export.ColumnText:
				v = strings.TrimPrefix(field, "'")
			case export.ColumnInteger:
				v, err = strconv.ParseInt(field, 10, 64)
			case export.ColumnReal:
				v, err = strconv.ParseFloat(field, 64)
			case export.ColumnBoolean:
				v, err = strconv.ParseBool(field)
			case export.ColumnDate:
				v, err = time.Parse("2006-01-02", field)
			case export.ColumnTimestamp:
				var ts time.Time
				ts, err = time.Parse(time.RFC3339Nano, field)
				if err == nil && ts.Location() != time.UTC {
					t.Errorf("%s record %d: timestamp %q is not in UTC", path, n+2, field)
				}
				v = ts
			case export.ColumnJSON:
				if !json.Valid([]byte(field)) {
					t.Errorf("%s record %d: invalid JSON %q", path, n+2, field)
				}
				v = json.RawMessage(field)
			}
			if err != nil {
				t.Fatalf("%s record %d, column %q: %v", path, n+2, header[i], err)
			}
			row[i] = v
		}
		rows = append(rows, row)
	}
	return header, rows
}

var suite = filesinktest.Suite{
	Open: csv.Open,
	Read: readCSV,
	Expect: func(typ export.ColumnType, v any) any {
		if typ == export.ColumnText {
			s := v.(string)
			if s == "" {
				return nil // encoding/csv reads "" as an empty field
			}
			return strings.ReplaceAll(s, "\r\n", "\n") // encoding/csv drops CR before LF
		}
		return v
	},
}

func TestSink(t *testing.T) { filesinktest.Run(t, suite) }

// TestFormulaEscaping checks the bytes written for text that a spreadsheet would run.
func TestFormulaEscaping(t *testing.T) {
	dir := t.TempDir()
	sink, err := csv.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	tbl := export.Table{
		Name:    "cells",
		Columns: []export.Column{{Name: "id", Type: export.ColumnInteger}, {Name: "=text", Type: export.ColumnText}, {Name: "n", Type: export.ColumnReal}, {Name: "j", Type: export.ColumnJSON}},
		Key:     []string{"id"},
	}
	ctx := context.Background()
	if err := sink.Prepare(ctx, []export.Table{tbl}); err != nil {
		t.Fatal(err)
	}
	texts := []string{"=HYPERLINK(\"http://x\")", "+1", "-1", "@cmd", "\tx", "\ry", "'q", "ok", "a=b", "", " =x"}
	var rows []export.Row
	for i, s := range texts {
		rows = append(rows, export.Row{int64(i), s, -1.5, json.RawMessage(`-2`)})
	}
	rows = append(rows, export.Row{int64(99), nil, nil, nil})
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
	want := "id,'=text,n,j\r\n" +
		"0,\"'=HYPERLINK(\"\"http://x\"\")\",-1.5,-2\r\n" +
		"1,'+1,-1.5,-2\r\n" +
		"2,'-1,-1.5,-2\r\n" +
		"3,'@cmd,-1.5,-2\r\n" +
		"4,'\tx,-1.5,-2\r\n" +
		"5,\"'\ry\",-1.5,-2\r\n" +
		"6,''q,-1.5,-2\r\n" +
		"7,ok,-1.5,-2\r\n" +
		"8,a=b,-1.5,-2\r\n" +
		"9,\"\",-1.5,-2\r\n" +
		"10, =x,-1.5,-2\r\n" +
		"99,,,\r\n"
	if string(data) != want {
		t.Errorf("file:\n%q\nwant:\n%q", data, want)
	}
}

// TestExactText checks that text the sink reads back when merging (CR LF inside a field, a
// leading quote, the empty text) is written again byte for byte.
func TestExactText(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	tbl := export.Table{Name: "t", Columns: []export.Column{{Name: "id", Type: export.ColumnInteger}, {Name: "s", Type: export.ColumnText}}, Key: []string{"id"}}
	texts := []string{"a\r\nb", "a\nb", "c\rd", "'=x", "", "\"", " spaced ", "x,y"}
	session := func(rows ...export.Row) []byte {
		sink, err := csv.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		if err := sink.Prepare(ctx, []export.Table{tbl}); err != nil {
			t.Fatal(err)
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
		return data
	}
	var rows []export.Row
	for i, s := range texts {
		rows = append(rows, export.Row{int64(i), s})
	}
	rows = append(rows, export.Row{int64(len(texts)), nil})
	first := session(rows...)
	second := session(export.Row{int64(100), "new"})
	if want := append(slices.Clone(first), "100,new\r\n"...); !bytes.Equal(second, want) {
		t.Errorf("after a merge:\n%q\nwant:\n%q", second, want)
	}
}

func BenchmarkSink50kRows60Cols(b *testing.B) {
	filesinktest.Benchmark(b, csv.Open, 50_000, 60)
}

// dumpCSV reads every table file of a directory with encoding/csv: each record after the
// header as one line of its fields, each quoted after its column's name.
func dumpCSV(t testing.TB, dir string) map[string][]string {
	out := map[string][]string{}
	for _, rel := range filesinktest.TableFiles(t, dir, ".csv") {
		data, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		// encoding/csv reads a quoted empty field (the empty text) and an empty one (NULL)
		// alike: the byte where the field starts tells them apart.
		raw := bytes.Split(data, []byte("\n"))
		quoted := func(r *stdcsv.Reader, i int) bool {
			line, col := r.FieldPos(i)
			return col-1 < len(raw[line-1]) && raw[line-1][col-1] == '"'
		}
		r := stdcsv.NewReader(bytes.NewReader(data))
		header, err := r.Read()
		if err != nil {
			t.Fatalf("%s: %v, want a header at least", rel, err)
		}
		lines := []string{}
		for {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", rel, err)
			}
			var b strings.Builder
			for i, field := range rec {
				if i > 0 {
					b.WriteString(" | ")
				}
				if field == "" && !quoted(r, i) {
					fmt.Fprintf(&b, "%s=NULL", header[i])
					continue
				}
				fmt.Fprintf(&b, "%s=%q", header[i], field)
			}
			lines = append(lines, b.String())
		}
		slices.Sort(lines)
		out[rel] = lines
	}
	return out
}

func recordIDs(t testing.TB, dir, table string) []int64 {
	t.Helper()
	file := filepath.Join(dir, table+".csv")
	names, rows := readCSV(t, file, []export.Column{{Name: "recordId", Type: export.ColumnInteger}})
	return filesinktest.IntColumn(t, file, names, rows, "recordId")
}

// TestEngine runs the export engine's scenarios against the CSV sink.
func TestEngine(t *testing.T) {
	exporttest.Run(t, filesinktest.EngineHarness(csv.Open, ".csv", dumpCSV, recordIDs))
}

func BenchmarkUpsert50kRows60Cols(b *testing.B) {
	filesinktest.BenchmarkUpsert(b, csv.Open, 50_000, 60)
}

// Package filesinktest tests file sinks built on package filesink: the tests and benchmarks
// every format must pass, each format reading its files back with an independent reader.
package filesinktest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/export/filesink"
)

// Suite describes the sink under test.
type Suite struct {
	// Open opens a directory as the sink.
	Open func(dir string) (*filesink.Sink, error)
	// Read reads a table's file with a reader independent of the sink, and returns the names of
	// its columns and its rows, each value of the Go type of its column in cols (found by name;
	// a column absent from cols is returned as text).
	Read func(t testing.TB, path string, cols []export.Column) ([]string, []export.Row)
	// Expect, if set, returns the value that the format gives back for a value written, where
	// the format cannot keep it exactly (CSV reads the empty text as NULL, Parquet keeps
	// microseconds).
	Expect func(typ export.ColumnType, v any) any
}

var ctx = context.Background()

// crashEnv names the directory in which a child process plays a crashing export.
const crashEnv = "IMEDNET_FILESINKTEST_CRASH_DIR"

// Run runs the tests of the suite.
func Run(t *testing.T, s Suite) {
	if dir := os.Getenv(crashEnv); dir != "" {
		// In the child process of the crash test: only the crash subtest runs.
		t.Run("Crash", func(t *testing.T) { crashChild(t, s, dir) })
		return
	}
	t.Run("AllTypes", func(t *testing.T) { testAllTypes(t, s) })
	t.Run("EmptyTable", func(t *testing.T) { testEmptyTable(t, s) })
	t.Run("Upsert", func(t *testing.T) { testUpsert(t, s) })
	t.Run("CompositeKey", func(t *testing.T) { testCompositeKey(t, s) })
	t.Run("SchemaEvolution", func(t *testing.T) { testSchemaEvolution(t, s) })
	t.Run("TypeChange", func(t *testing.T) { testTypeChange(t, s) })
	t.Run("Crash", func(t *testing.T) { testCrash(t, s) })
	t.Run("Ledger", func(t *testing.T) { testLedger(t, s) })
	t.Run("Concurrent", func(t *testing.T) { testConcurrent(t, s) })
	t.Run("Permissions", func(t *testing.T) { testPermissions(t, s) })
	t.Run("Errors", func(t *testing.T) { testErrors(t, s) })
}

// AllTypesTable is a table with a column of every type.
var AllTypesTable = export.Table{
	Name: "all_types",
	Columns: []export.Column{
		{Name: "id", Type: export.ColumnInteger},
		{Name: "text", Type: export.ColumnText},
		{Name: "int", Type: export.ColumnInteger},
		{Name: "real", Type: export.ColumnReal},
		{Name: "bool", Type: export.ColumnBoolean},
		{Name: "date", Type: export.ColumnDate},
		{Name: "ts", Type: export.ColumnTimestamp},
		{Name: "json", Type: export.ColumnJSON},
		{Name: "étiquette", Type: export.ColumnText},
	},
	Key: []string{"id"},
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// Texts are text values that formats must carry: unicode, quotes, separators, line breaks,
// formula-like text.
var Texts = []string{
	"plain", "", " leading and trailing ", "Zoë Ångström 漢字 🧪", `say "hi"`, `a,b;c`, "line1\nline2",
	"crlf\r\nend", "tab\tinside", "=1+1", "+33 1 23", "-5", "@SUM(A1)", "\tstarts with tab",
	"\rstarts with CR", "'quoted", "''", "\\back\\slash", "null", "<&>", "\u2028sep", "-",
}

// AllTypesRows returns rows of AllTypesTable covering NULLs and edge values of every type.
func AllTypesRows() []export.Row {
	reals := []float64{0, -0.5, 0.1, 1e21, -1.7976931348623157e308, 5e-324, 123456.789, 3}
	ints := []int64{0, -1, 1, math.MaxInt64, math.MinInt64, 42, 1 << 53, -99}
	dates := []time.Time{date(2024, 2, 29), date(1969, 12, 31), date(1900, 1, 1), date(9999, 12, 31), date(1970, 1, 1)}
	tss := []time.Time{
		time.Date(2024, 3, 1, 12, 30, 0, 0, time.UTC),
		time.Date(2024, 3, 1, 12, 30, 0, 123456000, time.UTC),
		time.Date(1965, 7, 4, 23, 59, 59, 500000000, time.UTC),
		time.Unix(0, 0).UTC(),
	}
	jsons := []string{`{"a":1,"b":[true,null,"x"]}`, `"text \"quoted\""`, `[]`, "{\n  \"pretty\": \"line\\nbreak\",\n  \"n\": -1.5\n}", `12`, `{"unicode":"é漢"}`}
	var rows []export.Row
	for i := range 40 {
		row := export.Row{
			int64(i + 1),
			Texts[i%len(Texts)],
			ints[i%len(ints)],
			reals[i%len(reals)],
			i%2 == 0,
			dates[i%len(dates)],
			tss[i%len(tss)],
			json.RawMessage(jsons[i%len(jsons)]),
			Texts[(i+7)%len(Texts)],
		}
		// NULLs: every column but the key is NULL in some rows.
		for j := 1; j < len(row); j++ {
			if (i+j)%5 == 0 {
				row[j] = nil
			}
		}
		rows = append(rows, row)
	}
	rows = append(rows, export.Row{int64(100), nil, nil, nil, nil, nil, nil, nil, nil})
	return rows
}

func open(t testing.TB, s Suite, dir string) *filesink.Sink {
	t.Helper()
	sink, err := s.Open(dir)
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	return sink
}

func prepare(t testing.TB, sink *filesink.Sink, tables ...export.Table) {
	t.Helper()
	if err := sink.Prepare(ctx, tables); err != nil {
		t.Fatalf("Prepare: %v", err)
	}
}

func write(t testing.TB, sink *filesink.Sink, table string, rows ...export.Row) {
	t.Helper()
	if err := sink.Write(ctx, table, rows); err != nil {
		t.Fatalf("Write(%s): %v", table, err)
	}
}

func closeSink(t testing.TB, sink *filesink.Sink) {
	t.Helper()
	if err := sink.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// readTable reads a table with the suite's reader and returns its rows ordered by key.
func readTable(t testing.TB, s Suite, path string, tbl export.Table) ([]string, []export.Row) {
	t.Helper()
	names, rows := s.Read(t, path, tbl.Columns)
	var key []int
	for _, k := range tbl.Key {
		key = append(key, slices.Index(names, k))
	}
	slices.SortStableFunc(rows, func(a, b export.Row) int {
		return strings.Compare(keyString(a, key), keyString(b, key))
	})
	return names, rows
}

func keyString(row export.Row, key []int) string {
	var b strings.Builder
	for _, i := range key {
		switch v := row[i].(type) {
		case int64:
			fmt.Fprintf(&b, "%020d|", uint64(v)^(1<<63))
		default:
			fmt.Fprintf(&b, "%v|", v)
		}
	}
	return b.String()
}

func (s Suite) expect(tbl export.Table, rows []export.Row) []export.Row {
	out := make([]export.Row, len(rows))
	for i, row := range rows {
		out[i] = slices.Clone(row)
		for j, v := range row {
			typ := tbl.Columns[j].Type
			if typ == export.ColumnTimestamp && v != nil {
				v = v.(time.Time).UTC()
			}
			if s.Expect != nil && v != nil {
				v = s.Expect(typ, v)
			}
			out[i][j] = v
		}
	}
	return out
}

// EqualValue reports whether two values of a column of type typ are equal: times as instants,
// JSON by meaning, reals bit for bit (NaN equals NaN).
func EqualValue(typ export.ColumnType, a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	switch typ {
	case export.ColumnDate, export.ColumnTimestamp:
		ta, ok1 := a.(time.Time)
		tb, ok2 := b.(time.Time)
		return ok1 && ok2 && ta.Equal(tb)
	case export.ColumnJSON:
		ra, ok1 := a.(json.RawMessage)
		rb, ok2 := b.(json.RawMessage)
		if !ok1 || !ok2 {
			return false
		}
		var va, vb any
		if json.Unmarshal(ra, &va) != nil || json.Unmarshal(rb, &vb) != nil {
			return false
		}
		return reflect.DeepEqual(va, vb)
	case export.ColumnReal:
		fa, ok1 := a.(float64)
		fb, ok2 := b.(float64)
		return ok1 && ok2 && (fa == fb || math.IsNaN(fa) && math.IsNaN(fb))
	}
	return a == b
}

// compare checks that got (ordered by key) equals want (ordered by key) under the table's
// column types.
func compare(t testing.TB, tbl export.Table, names []string, got, want []export.Row) {
	t.Helper()
	var wantNames []string
	for _, c := range tbl.Columns {
		wantNames = append(wantNames, c.Name)
	}
	if !slices.Equal(names, wantNames) {
		t.Fatalf("columns = %q, want %q", names, wantNames)
	}
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d", len(got), len(want))
	}
	bad := 0
	for i := range want {
		for j, c := range tbl.Columns {
			if !EqualValue(c.Type, got[i][j], want[i][j]) {
				t.Errorf("row %d (key %v), column %q: got %#v, want %#v", i+1, want[i][0], c.Name, fmtValue(got[i][j]), fmtValue(want[i][j]))
				if bad++; bad > 10 {
					t.FailNow()
				}
			}
		}
	}
}

func fmtValue(v any) any {
	if r, ok := v.(json.RawMessage); ok {
		return "json:" + string(r)
	}
	return v
}

func sortedByKey(tbl export.Table, rows []export.Row) []export.Row {
	var key []int
	for _, k := range tbl.Key {
		for i, c := range tbl.Columns {
			if c.Name == k {
				key = append(key, i)
			}
		}
	}
	rows = slices.Clone(rows)
	slices.SortStableFunc(rows, func(a, b export.Row) int {
		return strings.Compare(keyString(a, key), keyString(b, key))
	})
	return rows
}

func testAllTypes(t *testing.T, s Suite) {
	dir := t.TempDir()
	sink := open(t, s, dir)
	prepare(t, sink, AllTypesTable)
	rows := AllTypesRows()
	write(t, sink, AllTypesTable.Name, rows[:10]...)
	write(t, sink, AllTypesTable.Name, rows[10:]...)
	path := sink.Path(AllTypesTable.Name)
	closeSink(t, sink)
	names, got := readTable(t, s, path, AllTypesTable)
	compare(t, AllTypesTable, names, got, sortedByKey(AllTypesTable, s.expect(AllTypesTable, rows)))

	// A second session that rewrites the file (a new row) keeps every value of the others.
	sink = open(t, s, dir)
	prepare(t, sink, AllTypesTable)
	extra := export.Row{int64(500), "new", nil, nil, nil, nil, nil, nil, nil}
	write(t, sink, AllTypesTable.Name, extra)
	closeSink(t, sink)
	names, got = readTable(t, s, path, AllTypesTable)
	compare(t, AllTypesTable, names, got, sortedByKey(AllTypesTable, s.expect(AllTypesTable, append(rows, extra))))
}

func testEmptyTable(t *testing.T, s Suite) {
	dir := t.TempDir()
	sink := open(t, s, dir)
	prepare(t, sink, AllTypesTable)
	path := sink.Path(AllTypesTable.Name)
	closeSink(t, sink)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("a prepared table without rows has no file: %v", err)
	}
	_, got := s.Read(t, path, AllTypesTable.Columns)
	if len(got) != 0 {
		t.Fatalf("%d rows in an empty table", len(got))
	}
}

// kv is a table with an integer key, a text and a real column.
var kv = export.Table{
	Name:    "kv",
	Form:    "F1",
	Columns: []export.Column{{Name: "id", Type: export.ColumnInteger}, {Name: "name", Type: export.ColumnText}, {Name: "score", Type: export.ColumnReal}},
	Key:     []string{"id"},
}

func kvRow(id int, name string) export.Row {
	return export.Row{int64(id), name, float64(id) / 4}
}

func kvRows(from, to int, name string) []export.Row {
	var rows []export.Row
	for i := from; i <= to; i++ {
		rows = append(rows, kvRow(i, fmt.Sprintf("%s-%d", name, i)))
	}
	return rows
}

func testUpsert(t *testing.T, s Suite) {
	dir := t.TempDir()
	sink := open(t, s, dir)
	prepare(t, sink, kv)
	write(t, sink, kv.Name, kvRows(1, 100, "old")...)
	path := sink.Path(kv.Name)
	closeSink(t, sink)

	// The second session changes rows 50 to 150 (new from 101), in two batches, row 60 twice
	// in the run (the last wins), row 70 twice in one batch.
	sink = open(t, s, dir)
	prepare(t, sink, kv)
	write(t, sink, kv.Name, kvRows(50, 120, "new")...)
	write(t, sink, kv.Name, append(kvRows(121, 150, "new"), kvRow(60, "newer-60"), kvRow(70, "x"), kvRow(70, "newer-70"))...)
	closeSink(t, sink)

	want := append(kvRows(1, 49, "old"), kvRows(50, 150, "new")...)
	want[59] = kvRow(60, "newer-60")
	want[69] = kvRow(70, "newer-70")
	names, got := readTable(t, s, path, kv)
	compare(t, kv, names, got, s.expect(kv, want))

	// A third session that writes nothing leaves the table as it is.
	sink = open(t, s, dir)
	prepare(t, sink, kv)
	closeSink(t, sink)
	names, got = readTable(t, s, path, kv)
	compare(t, kv, names, got, s.expect(kv, want))
}

func testCompositeKey(t *testing.T, s Suite) {
	tbl := export.Table{
		Name: "long",
		Form: "AE",
		Columns: []export.Column{
			{Name: "recordId", Type: export.ColumnInteger}, {Name: "variable", Type: export.ColumnText},
			{Name: "day", Type: export.ColumnDate}, {Name: "value", Type: export.ColumnText},
		},
		Key: []string{"recordId", "variable", "day"},
	}
	d1, d2 := date(2024, 1, 1), date(2024, 1, 2)
	dir := t.TempDir()
	sink := open(t, s, dir)
	prepare(t, sink, tbl)
	write(t, sink, tbl.Name,
		export.Row{int64(1), "a", d1, "1a1"}, export.Row{int64(1), "a", d2, "1a2"},
		export.Row{int64(1), "b", d1, "1b1"}, export.Row{int64(2), "a", d1, "2a1"})
	path := sink.Path(tbl.Name)
	closeSink(t, sink)
	sink = open(t, s, dir)
	prepare(t, sink, tbl)
	write(t, sink, tbl.Name, export.Row{int64(1), "a", d2, "changed"}, export.Row{int64(2), "b", d1, "2b1"})
	closeSink(t, sink)
	want := []export.Row{
		{int64(1), "a", d1, "1a1"}, {int64(1), "a", d2, "changed"},
		{int64(1), "b", d1, "1b1"}, {int64(2), "a", d1, "2a1"}, {int64(2), "b", d1, "2b1"},
	}
	names, got := readTable(t, s, path, tbl)
	compare(t, tbl, names, got, sortedByKey(tbl, s.expect(tbl, want)))
}

func testSchemaEvolution(t *testing.T, s Suite) {
	v1 := export.Table{
		Name:    "records_VS",
		Form:    "VS",
		Columns: []export.Column{{Name: "recordId", Type: export.ColumnInteger}, {Name: "HEIGHT", Type: export.ColumnReal}},
		Key:     []string{"recordId"},
	}
	v2 := v1
	v2.Columns = append(slices.Clone(v1.Columns), export.Column{Name: "WEIGHT", Type: export.ColumnReal}, export.Column{Name: "VSDT", Type: export.ColumnDate})
	dir := t.TempDir()
	sink := open(t, s, dir)
	prepare(t, sink, v1)
	write(t, sink, v1.Name, export.Row{int64(1), 170.5}, export.Row{int64(2), 180.0}, export.Row{int64(3), nil})
	path := sink.Path(v1.Name)
	closeSink(t, sink)

	// The form gained two variables: old rows get NULL in them.
	sink = open(t, s, dir)
	prepare(t, sink, v2)
	write(t, sink, v2.Name, export.Row{int64(2), 181.0, 75.5, date(2024, 5, 1)}, export.Row{int64(4), 160.0, 50.0, nil})
	closeSink(t, sink)
	want := []export.Row{
		{int64(1), 170.5, nil, nil}, {int64(2), 181.0, 75.5, date(2024, 5, 1)},
		{int64(3), nil, nil, nil}, {int64(4), 160.0, 50.0, nil},
	}
	names, got := readTable(t, s, path, v2)
	compare(t, v2, names, got, s.expect(v2, want))

	// A gained column with no new rows is added too.
	v3 := v2
	v3.Columns = append(slices.Clone(v2.Columns), export.Column{Name: "NOTE", Type: export.ColumnText})
	sink = open(t, s, dir)
	prepare(t, sink, v3)
	closeSink(t, sink)
	for i := range want {
		want[i] = append(want[i], nil)
	}
	names, got = readTable(t, s, path, v3)
	compare(t, v3, names, got, s.expect(v3, want))

	// A run that prepares fewer columns never drops the others: they move after its columns.
	v4 := v1
	sink = open(t, s, dir)
	prepare(t, sink, v4)
	write(t, sink, v4.Name, export.Row{int64(5), 150.0})
	closeSink(t, sink)
	names, _ = s.Read(t, path, v3.Columns)
	if want := []string{"recordId", "HEIGHT", "WEIGHT", "VSDT", "NOTE"}; !slices.Equal(names, want) {
		t.Fatalf("after a run with fewer columns: columns %q, want %q", names, want)
	}
}

func testTypeChange(t *testing.T, s Suite) {
	table := func(typ export.ColumnType) export.Table {
		return export.Table{Name: "changing", Columns: []export.Column{{Name: "id", Type: export.ColumnInteger}, {Name: "v", Type: typ}}, Key: []string{"id"}}
	}
	dir := t.TempDir()
	session := func(tbl export.Table, rows ...export.Row) string {
		sink := open(t, s, dir)
		prepare(t, sink, tbl)
		write(t, sink, tbl.Name, rows...)
		path := sink.Path(tbl.Name)
		closeSink(t, sink)
		return path
	}
	session(table(export.ColumnInteger), export.Row{int64(1), int64(10)}, export.Row{int64(2), int64(-20)})

	// Integer to real: the old values convert.
	path := session(table(export.ColumnReal), export.Row{int64(3), 2.5})
	names, got := readTable(t, s, path, table(export.ColumnReal))
	compare(t, table(export.ColumnReal), names, got, []export.Row{{int64(1), 10.0}, {int64(2), -20.0}, {int64(3), 2.5}})

	// Real to text: the old values convert.
	session(table(export.ColumnText), export.Row{int64(4), "abc"})
	names, got = readTable(t, s, path, table(export.ColumnText))
	want := []export.Row{{int64(1), "10"}, {int64(2), "-20"}, {int64(3), "2.5"}, {int64(4), "abc"}}
	compare(t, table(export.ColumnText), names, got, s.expect(table(export.ColumnText), want))

	// Text to integer: "abc" and "2.5" are no integers, so the column stays text and the new
	// row's value is written as text.
	session(table(export.ColumnInteger), export.Row{int64(5), int64(7)})
	names, got = readTable(t, s, path, table(export.ColumnText))
	want = append(want, export.Row{int64(5), "7"})
	compare(t, table(export.ColumnText), names, got, s.expect(table(export.ColumnText), want))
}

// crashChild plays an export that dies: it commits form F1 through SaveForm, then writes more
// rows to both tables, records form F2 as running (which syncs the spooled rows), writes a last
// batch and is killed before committing any of them.
func crashChild(t *testing.T, s Suite, dir string) {
	sink := open(t, s, dir)
	b := kv
	b.Name, b.Form = "kv_b", "F2"
	prepare(t, sink, kv, b)
	write(t, sink, kv.Name, kvRows(1, 10, "committed")...)
	if err := sink.SaveForm(ctx, export.FormState{FormKey: "F1", Status: export.Succeeded, Records: 10}); err != nil {
		t.Fatal(err)
	}
	write(t, sink, kv.Name, kvRows(1, 20, "spooled")...)
	write(t, sink, b.Name, kvRows(1, 500, "spooled")...)
	if err := sink.SaveForm(ctx, export.FormState{FormKey: "F3", Status: export.Running}); err != nil {
		t.Fatal(err)
	}
	write(t, sink, b.Name, kvRows(501, 1000, "spooled")...)
	p, err := os.FindProcess(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	p.Kill()
	time.Sleep(time.Minute)
	t.Fatal("still alive after being killed")
}

// testNamePattern returns a -test.run pattern matching exactly the test named name.
func testNamePattern(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}

func testCrash(t *testing.T, s Suite) {
	dir := t.TempDir()
	b := kv
	b.Name, b.Form = "kv_b", "F2"

	// A first, clean session writes table kv_b.
	sink := open(t, s, dir)
	prepare(t, sink, b)
	write(t, sink, b.Name, kvRows(2000, 2005, "first")...)
	pathB := sink.Path(b.Name)
	closeSink(t, sink)
	before, err := os.ReadFile(pathB)
	if err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(os.Args[0], "-test.run="+testNamePattern(t.Name()), "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+dir)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Success() {
		t.Fatalf("the crashing child was not killed: %v\n%s", err, out)
	}
	if bytes.Contains(out, []byte("--- FAIL")) {
		t.Fatalf("the crashing child failed:\n%s", out)
	}

	// Nothing half-written is visible: only the ledger and the two tables' files.
	var visible []string
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path != dir && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, path)
			visible = append(visible, filepath.ToSlash(rel))
		}
		return nil
	})
	pathA := filepath.Join(dir, filepath.FromSlash(rel(t, dir, pathB)))
	pathA = strings.Replace(pathA, "kv_b", "kv", 1)
	pathA = strings.Replace(pathA, "F2", "F1", 1)
	wantVisible := []string{filesink.LedgerFile, rel(t, dir, pathA), rel(t, dir, pathB)}
	slices.Sort(wantVisible)
	slices.Sort(visible)
	if !slices.Equal(visible, wantVisible) {
		t.Errorf("visible files after the crash: %q, want %q", visible, wantVisible)
	}

	// The committed form is whole, the other table as the clean session left it.
	names, got := readTable(t, s, pathA, kv)
	compare(t, kv, names, got, s.expect(kv, kvRows(1, 10, "committed")))
	after, err := os.ReadFile(pathB)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Errorf("the file of %s changed although the crashed run never committed it", b.Name)
	}

	// A torn last frame, as a crash in the middle of a write leaves, is ignored.
	spools, _ := filepath.Glob(filepath.Join(dir, filesink.StagingDir, "*.spool"))
	if len(spools) != 2 {
		t.Fatalf("%d spool files after the crash, want 2", len(spools))
	}
	f, err := os.OpenFile(spools[0], os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte{0x80, 0x01, 1, 2, 3, 4, 5})
	f.Close()

	// Reopening merges the spooled rows into the files.
	sink = open(t, s, dir)
	if spools, _ := filepath.Glob(filepath.Join(dir, filesink.StagingDir, "*")); len(spools) != 0 {
		t.Errorf("staging files after recovery: %q", spools)
	}
	names, got = readTable(t, s, pathA, kv)
	compare(t, kv, names, got, s.expect(kv, kvRows(1, 20, "spooled")))
	names, got = readTable(t, s, pathB, b)
	compare(t, b, names, got, s.expect(b, append(kvRows(1, 1000, "spooled"), kvRows(2000, 2005, "first")...)))
	l, err := sink.LoadLedger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if f := l.Forms["F1"]; f.Status != export.Succeeded || f.Records != 10 {
		t.Errorf("ledger after the crash: %+v", l.Forms)
	}

	// The next run redoes the work without duplicates.
	prepare(t, sink, kv, b)
	write(t, sink, kv.Name, kvRows(1, 20, "redo")...)
	closeSink(t, sink)
	names, got = readTable(t, s, pathA, kv)
	compare(t, kv, names, got, s.expect(kv, kvRows(1, 20, "redo")))
	if _, err := os.Stat(filepath.Join(dir, filesink.StagingDir)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("closed: the staging directory is still there: %v", err)
	}
}

func rel(t testing.TB, dir, path string) string {
	r, err := filepath.Rel(dir, path)
	if err != nil {
		t.Fatal(err)
	}
	return filepath.ToSlash(r)
}

func testLedger(t *testing.T, s Suite) {
	dir := t.TempDir()
	sink := open(t, s, dir)
	l, err := sink.LoadLedger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Forms) != 0 || len(l.Runs) != 0 {
		t.Fatalf("new target: ledger %+v, want empty", l)
	}
	start := time.Date(2025, 1, 2, 3, 4, 5, 6000, time.UTC)
	forms := []export.FormState{
		{FormKey: "VS", Status: export.Succeeded, Records: 1200, Started: start, Finished: start.Add(time.Second), Watermark: start.Add(-time.Hour), RunID: "r1"},
		{FormKey: "AE", Status: export.Failed, Records: 3, Error: "HTTP 500: \"boom\"\nline 2", Started: start, RunID: "r1"},
		{FormKey: "LAB", Status: export.Running, Started: start, RunID: "r2"},
	}
	runs := []export.RunState{
		{ID: "r1", Study: "DEMO", Mode: "export", Started: start, Forms: 3},
		{ID: "r2", Study: "DEMO", Mode: "sync", Started: start.Add(time.Hour), Finished: start.Add(2 * time.Hour), Forms: 3, FailedForms: 1, Records: 7, Error: "AE failed"},
	}
	for _, f := range forms {
		if err := sink.SaveForm(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range runs {
		if err := sink.SaveRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	// Replacing a form's state and a run's record.
	forms[2] = export.FormState{FormKey: "LAB", Status: export.Succeeded, Records: 9, Started: start, Finished: start.Add(time.Minute), RunID: "r2"}
	if err := sink.SaveForm(ctx, forms[2]); err != nil {
		t.Fatal(err)
	}
	runs[0].Finished, runs[0].Records = start.Add(time.Minute), 1203
	if err := sink.SaveRun(ctx, runs[0]); err != nil {
		t.Fatal(err)
	}
	check := func(when string, l *export.Ledger) {
		t.Helper()
		if len(l.Forms) != len(forms) {
			t.Fatalf("%s: %d forms, want %d", when, len(l.Forms), len(forms))
		}
		for _, f := range forms {
			if g := l.Forms[f.FormKey]; !equalForm(g, f) {
				t.Errorf("%s: form %s = %+v, want %+v", when, f.FormKey, g, f)
			}
		}
		if len(l.Runs) != len(runs) {
			t.Fatalf("%s: %d runs, want %d", when, len(l.Runs), len(runs))
		}
		for i := range runs {
			if !equalRun(l.Runs[i], runs[i]) {
				t.Errorf("%s: run %d = %+v, want %+v", when, i, l.Runs[i], runs[i])
			}
		}
	}
	l, err = sink.LoadLedger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	check("same session", l)
	closeSink(t, sink)
	sink = open(t, s, dir)
	defer closeSink(t, sink)
	l, err = sink.LoadLedger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	check("reopened", l)
	// The ledger returned is a copy.
	l.Forms["VS"] = export.FormState{}
	if l2, _ := sink.LoadLedger(ctx); l2.Forms["VS"].Records != 1200 {
		t.Error("changing the returned ledger changed the sink's")
	}
}

func equalForm(a, b export.FormState) bool {
	return a.FormKey == b.FormKey && a.Status == b.Status && a.Records == b.Records && a.Error == b.Error &&
		a.Started.Equal(b.Started) && a.Finished.Equal(b.Finished) && a.Watermark.Equal(b.Watermark) && a.RunID == b.RunID
}

func equalRun(a, b export.RunState) bool {
	return a.ID == b.ID && a.Study == b.Study && a.Mode == b.Mode && a.Started.Equal(b.Started) &&
		a.Finished.Equal(b.Finished) && a.Forms == b.Forms && a.FailedForms == b.FailedForms &&
		a.Records == b.Records && a.Error == b.Error
}

func testConcurrent(t *testing.T, s Suite) {
	dir := t.TempDir()
	sink := open(t, s, dir)
	const tables, batches, perBatch = 6, 20, 50
	var defs []export.Table
	for i := range tables {
		tbl := kv
		tbl.Name = fmt.Sprintf("t%d", i)
		tbl.Form = fmt.Sprintf("F%d", i%3)
		defs = append(defs, tbl)
	}
	prepare(t, sink, defs...)
	var wg sync.WaitGroup
	errs := make(chan error, tables*batches)
	for _, tbl := range defs {
		wg.Go(func() {
			for b := range batches {
				// Keys overlap between batches: 0..perBatch*batches/2, each written twice.
				from := (b % (batches / 2)) * perBatch
				if err := sink.Write(ctx, tbl.Name, kvRows(from, from+perBatch-1, fmt.Sprintf("b%d", b))); err != nil {
					errs <- err
					return
				}
				if b%7 == 3 {
					if err := sink.SaveForm(ctx, export.FormState{FormKey: tbl.Form, Status: export.Running, Records: int64(b)}); err != nil {
						errs <- err
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	paths := make([]string, tables)
	for i, tbl := range defs {
		paths[i] = sink.Path(tbl.Name)
	}
	closeSink(t, sink)
	var want []export.Row
	for b := batches / 2; b < batches; b++ {
		from := (b % (batches / 2)) * perBatch
		want = append(want, kvRows(from, from+perBatch-1, fmt.Sprintf("b%d", b))...)
	}
	for i, tbl := range defs {
		names, got := readTable(t, s, paths[i], tbl)
		compare(t, tbl, names, got, s.expect(tbl, want))
	}
}

func testPermissions(t *testing.T, s Suite) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no Unix permissions")
	}
	dir := filepath.Join(t.TempDir(), "new", "target")
	sink := open(t, s, dir)
	prepare(t, sink, kv, AllTypesTable)
	write(t, sink, kv.Name, kvRows(1, 3, "x")...)
	if err := sink.SaveRun(ctx, export.RunState{ID: "r"}); err != nil {
		t.Fatal(err)
	}
	closeSink(t, sink)
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		info, err := d.Info()
		if err != nil {
			t.Fatal(err)
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", rel(t, dir, path), info.Mode().Perm(), want)
		}
		return nil
	})
}

func testErrors(t *testing.T, s Suite) {
	dir := t.TempDir()
	sink := open(t, s, dir)
	defer closeSink(t, sink)
	if runtime.GOOS == "linux" || runtime.GOOS == "darwin" {
		if other, err := s.Open(dir); err == nil {
			other.Close()
			t.Error("a second sink opened the directory of an open one")
		} else if !strings.Contains(err.Error(), "in use") {
			t.Errorf("second Open: %v, want an error saying the directory is in use", err)
		}
	}
	prepare(t, sink, kv)
	cases := []struct {
		name  string
		err   error
		wants string
	}{
		{"unprepared table", sink.Write(ctx, "nope", []export.Row{kvRow(1, "a")}), `"nope" was not prepared`},
		{"wrong type", sink.Write(ctx, kv.Name, []export.Row{kvRow(1, "a"), {int64(2), 3, 1.0}}), `row 2 of the batch, column "name": a text column takes string, got int`},
		{"short row", sink.Write(ctx, kv.Name, []export.Row{{int64(1)}}), "1 values for 3 columns"},
		{"NULL key", sink.Write(ctx, kv.Name, []export.Row{{nil, "a", 1.0}}), `key column "id" is NULL`},
		{"bad name", sink.Prepare(ctx, []export.Table{{Name: "a/x", Columns: kv.Columns, Key: kv.Key}}), `contains '/'`},
		{"hidden name", sink.Prepare(ctx, []export.Table{{Name: ".x", Columns: kv.Columns, Key: kv.Key}}), `starts with '.'`},
		{"no key", sink.Prepare(ctx, []export.Table{{Name: "x", Columns: kv.Columns}}), `"x" has no key`},
		{"bad key", sink.Prepare(ctx, []export.Table{{Name: "x", Columns: kv.Columns, Key: []string{"nope"}}}), `key column "nope" is not a column`},
		{"duplicate column", sink.Prepare(ctx, []export.Table{{Name: "x", Columns: append(slices.Clone(kv.Columns), kv.Columns[0]), Key: kv.Key}}), `column "id" appears twice`},
		{"form state without key", sink.SaveForm(ctx, export.FormState{}), "without a form key"},
	}
	for _, c := range cases {
		if c.err == nil || !strings.Contains(c.err.Error(), c.wants) {
			t.Errorf("%s: error %v, want one containing %q", c.name, c.err, c.wants)
		}
	}
	// The failed batches left nothing behind.
	write(t, sink, kv.Name, kvRow(7, "ok"))
	if err := sink.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	names, got := readTable(t, s, sink.Path(kv.Name), kv)
	compare(t, kv, names, got, s.expect(kv, []export.Row{kvRow(7, "ok")}))
}

// WideTable returns a table of cols columns of every type, like a wide form table.
func WideTable(cols int) export.Table {
	tbl := export.Table{Name: "records_WIDE", Form: "WIDE", Key: []string{"recordId"}}
	tbl.Columns = append(tbl.Columns,
		export.Column{Name: "recordId", Type: export.ColumnInteger},
		export.Column{Name: "subjectKey", Type: export.ColumnText},
		export.Column{Name: "dateModified", Type: export.ColumnTimestamp},
	)
	types := []export.ColumnType{export.ColumnText, export.ColumnReal, export.ColumnDate, export.ColumnBoolean, export.ColumnText, export.ColumnInteger}
	for i := len(tbl.Columns); i < cols; i++ {
		tbl.Columns = append(tbl.Columns, export.Column{Name: fmt.Sprintf("VAR%03d", i), Type: types[i%len(types)]})
	}
	return tbl
}

// WideRow returns row i of a WideTable.
func WideRow(tbl export.Table, i int) export.Row {
	row := make(export.Row, len(tbl.Columns))
	row[0] = int64(i)
	row[1] = fmt.Sprintf("%02d-%03d", i%50, i%1000)
	row[2] = time.Date(2024, 1, 1, 0, 0, i, 0, time.UTC)
	for j := 3; j < len(row); j++ {
		if (i+j)%7 == 0 {
			continue
		}
		switch tbl.Columns[j].Type {
		case export.ColumnText:
			row[j] = fmt.Sprintf("value %d of %d", j, i%97)
		case export.ColumnReal:
			row[j] = float64(i%1000) / 10
		case export.ColumnDate:
			row[j] = date(2024, time.Month(1+j%12), 1+i%28)
		case export.ColumnBoolean:
			row[j] = i%3 == 0
		case export.ColumnInteger:
			row[j] = int64(i * j)
		}
	}
	return row
}

// Benchmark writes rows rows of a table of cols columns into a new directory per iteration, in
// batches of 500, and closes the sink (which writes the file), reporting rows per second.
func Benchmark(b *testing.B, open func(dir string) (*filesink.Sink, error), rows, cols int) {
	tbl := WideTable(cols)
	const batch = 500
	batches := make([][]export.Row, 0, rows/batch+1)
	for i := 0; i < rows; i += batch {
		var bt []export.Row
		for j := i; j < min(i+batch, rows); j++ {
			bt = append(bt, WideRow(tbl, j))
		}
		batches = append(batches, bt)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		b.StopTimer()
		dir := b.TempDir()
		b.StartTimer()
		sink, err := open(dir)
		if err != nil {
			b.Fatal(err)
		}
		if err := sink.Prepare(ctx, []export.Table{tbl}); err != nil {
			b.Fatal(err)
		}
		for _, bt := range batches {
			if err := sink.Write(ctx, tbl.Name, bt); err != nil {
				b.Fatal(err)
			}
		}
		if err := sink.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// Dump reads every table file of a directory (not the ledger) into sorted lines of text, by
// path relative to the directory.
type Dump func(t testing.TB, dir string) map[string][]string

// TableFiles returns the table files of a directory with the extension ext (such as
// ".parquet"), relative to it, skipping hidden files and directories.
func TableFiles(t testing.TB, dir, ext string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path != dir && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.IsDir() && strings.HasSuffix(path, ext) {
			files = append(files, rel(t, dir, path))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	return files
}

// BenchmarkUpsert measures a sync into an existing table: each iteration opens a directory
// holding rows rows of a table of cols columns, upserts changed rows (a tenth of them, plus as
// many new ones) and closes the sink, which merges them into the file. It reports the rows of
// the table rewritten per second.
func BenchmarkUpsert(b *testing.B, open func(dir string) (*filesink.Sink, error), rows, cols int) {
	tbl := WideTable(cols)
	dir := b.TempDir()
	session := func(from, to int) {
		sink, err := open(dir)
		if err != nil {
			b.Fatal(err)
		}
		if err := sink.Prepare(ctx, []export.Table{tbl}); err != nil {
			b.Fatal(err)
		}
		batch := make([]export.Row, 0, 500)
		for i := from; i < to; i++ {
			batch = append(batch, WideRow(tbl, i))
			if len(batch) == cap(batch) || i == to-1 {
				if err := sink.Write(ctx, tbl.Name, batch); err != nil {
					b.Fatal(err)
				}
				batch = batch[:0]
			}
		}
		if err := sink.Close(); err != nil {
			b.Fatal(err)
		}
	}
	session(0, rows)
	b.ReportAllocs()
	b.ResetTimer()
	total := rows
	for n := 0; n < b.N; n++ {
		session(total-rows/10, total+rows/10)
		total += rows / 10
	}
	b.ReportMetric(float64(total-rows/10)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

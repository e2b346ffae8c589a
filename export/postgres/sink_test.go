package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/imednet/imednet-go/export"
)

// newSink opens a sink for the study and drops its schema when the test ends.
func newSink(t testing.TB, study string, opts ...Option) *Sink {
	t.Helper()
	s, err := Open(context.Background(), connString(t), study, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := s.pool.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+quoteIdent(s.schema)+" CASCADE"); err != nil {
			t.Errorf("dropping schema %q: %v", s.schema, err)
		}
		s.Close()
	})
	return s
}

// newSharedSink is newSink for a test that has several sinks write one schema at once (to
// compare write paths): the sink releases the schema's lock at once.
func newSharedSink(t testing.TB, study string, opts ...Option) *Sink {
	t.Helper()
	s := newSink(t, study, opts...)
	s.unlock()
	s.lockPID = 0 // writes without the lock, which another sink of the test may hold
	return s
}

// jsonText is the text of a json value, exactly as PostgreSQL holds it.
type jsonText string

// dump returns a table's rows ordered by its first column, as pgx reads them (times in UTC),
// but for json values, which it returns as their exact text (jsonText).
func dump(t testing.TB, s *Sink, tableName string) [][]any {
	t.Helper()
	var second string // the second column's type, "" if there is none
	if err := s.pool.QueryRow(context.Background(), `SELECT coalesce(max(data_type) FILTER (WHERE ordinal_position = 2), '')
		FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2`,
		s.schema, identName(tableName)).Scan(&second); err != nil {
		t.Fatal(err)
	}
	order := " ORDER BY 1"
	if second != "" && second != "json" { // json has no ordering
		order += ", 2"
	}
	rows, err := s.pool.Query(context.Background(), "SELECT * FROM "+quoteIdent(s.schema)+"."+quoteIdent(identName(tableName))+order)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][]any
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		raw := rows.RawValues()
		for i, v := range vals {
			if ts, ok := v.(time.Time); ok {
				vals[i] = ts.UTC()
			}
			// json's text and binary formats are both the value's text.
			if rows.FieldDescriptions()[i].DataTypeOID == pgtype.JSONOID && raw[i] != nil {
				vals[i] = jsonText(raw[i])
			}
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func prepare(t testing.TB, s *Sink, tables ...export.Table) {
	t.Helper()
	if err := s.Prepare(context.Background(), tables); err != nil {
		t.Fatal(err)
	}
}

func write(t testing.TB, s *Sink, table string, rows []export.Row) {
	t.Helper()
	if err := s.Write(context.Background(), table, rows); err != nil {
		t.Fatal(err)
	}
}

// The paths of Write: a threshold of 1 sends every batch through COPY, a huge one none.
var paths = []struct {
	name string
	opt  Option
}{
	{"copy", WithCopyThreshold(1)},
	{"insert", WithCopyThreshold(1 << 30)},
}

var allTypes = export.Table{
	Name: "records_ALL",
	Columns: []export.Column{
		{Name: "id", Type: export.ColumnInteger},
		{Name: "t", Type: export.ColumnText},
		{Name: "i", Type: export.ColumnInteger},
		{Name: "r", Type: export.ColumnReal},
		{Name: "b", Type: export.ColumnBoolean},
		{Name: "d", Type: export.ColumnDate},
		{Name: "ts", Type: export.ColumnTimestamp},
		{Name: "j", Type: export.ColumnJSON},
	},
	Key: []string{"id"},
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestTypesRoundTrip(t *testing.T) {
	t.Parallel()
	berlin := time.FixedZone("CEST", 2*3600)
	in := []export.Row{
		{int64(1), "plain", int64(42), 3.25, true, date(2024, 2, 29),
			time.Date(2024, 3, 1, 12, 30, 45, 123456000, time.UTC), json.RawMessage(`{"a": [1, 2.5, "x"], "b": null}`)},
		{int64(2), "quotes ' \" `, backslash \\, semicolon; -- comment\nnew line\r\n\ttab", int64(math.MinInt64), math.Inf(1), false,
			date(1, 1, 1), time.Date(2024, 3, 1, 14, 30, 45, 999999999, berlin), json.RawMessage(`"just a string"`)},
		{int64(3), "unicode: élève, 日本語, emoji 🧪, RTL עברית", int64(math.MaxInt64), math.Inf(-1), true,
			date(9999, 12, 31), time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), json.RawMessage(`[true, false, 1e300, -0.5, "ü\"\\\n"]`)},
		{int64(4), nil, nil, nil, nil, nil, nil, nil},
		{int64(5), "", int64(0), math.NaN(), false, date(1970, 1, 1), time.Unix(0, 0),
			json.RawMessage(`{"nul": "a\u0000b", "pair": "\ud83e\uddea", "lone": "x\ud800y", "escaped": "\\u0000", "nul key \u0000": 1}`)},
		{int64(6), "NUL\x00inside and bad UTF-8 \xff\xfe end", int64(-1), -0.0, true, date(2000, 2, 29),
			time.Date(2262, 4, 11, 23, 47, 16, 0, time.UTC), json.RawMessage(`null`)},
		{int64(7), "empty JSON is NULL", int64(7), 1e-300, false, date(2024, 1, 1), time.Time{}.Add(time.Hour), json.RawMessage{}},
	}
	want := [][]any{
		{int64(1), "plain", int64(42), 3.25, true, date(2024, 2, 29),
			time.Date(2024, 3, 1, 12, 30, 45, 123456000, time.UTC), jsonText(`{"a": [1, 2.5, "x"], "b": null}`)},
		{int64(2), "quotes ' \" `, backslash \\, semicolon; -- comment\nnew line\r\n\ttab", int64(math.MinInt64), math.Inf(1), false,
			date(1, 1, 1), time.Date(2024, 3, 1, 12, 30, 45, 999999000, time.UTC), jsonText(`"just a string"`)},
		{int64(3), "unicode: élève, 日本語, emoji 🧪, RTL עברית", int64(math.MaxInt64), math.Inf(-1), true,
			date(9999, 12, 31), time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), jsonText(`[true, false, 1e300, -0.5, "ü\"\\\n"]`)},
		{int64(4), nil, nil, nil, nil, nil, nil, nil},
		{int64(5), "", int64(0), math.NaN(), false, date(1970, 1, 1), time.Unix(0, 0).UTC(),
			jsonText(`{"nul": "a\u0000b", "pair": "\ud83e\uddea", "lone": "x\ud800y", "escaped": "\\u0000", "nul key \u0000": 1}`)},
		{int64(6), "NUL\uFFFDinside and bad UTF-8 \uFFFD\uFFFD end", int64(-1), 0.0, true, date(2000, 2, 29),
			time.Date(2262, 4, 11, 23, 47, 16, 0, time.UTC), jsonText(`null`)},
		{int64(7), "empty JSON is NULL", int64(7), 1e-300, false, date(2024, 1, 1), time.Time{}.Add(time.Hour), nil},
	}
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			s := newSink(t, uniqueStudy("TYPES"), p.opt)
			prepare(t, s, allTypes)
			write(t, s, allTypes.Name, in)
			got := dump(t, s, allTypes.Name)
			if len(got) != len(want) {
				t.Fatalf("got %d rows, want %d", len(got), len(want))
			}
			for r := range want {
				for c := range want[r] {
					g, w := got[r][c], want[r][c]
					if wf, ok := w.(float64); ok && math.IsNaN(wf) {
						if gf, ok := g.(float64); !ok || !math.IsNaN(gf) {
							t.Errorf("row %d column %s: got %#v, want NaN", r+1, allTypes.Columns[c].Name, g)
						}
						continue
					}
					if !reflect.DeepEqual(g, w) {
						t.Errorf("row %d column %s: got %#v, want %#v", r+1, allTypes.Columns[c].Name, g, w)
					}
				}
			}
			if r := s.Replaced(); r != 1 {
				t.Errorf("Replaced() = %d, want 1 (the text of row 6)", r)
			}
			// JSON null is a JSON value, not SQL NULL; an empty JSON value is SQL NULL.
			var isNull, jsonNull bool
			err := s.pool.QueryRow(context.Background(), "SELECT (SELECT j IS NULL FROM "+quoteIdent(s.schema)+`."records_ALL" WHERE id = 7),
				(SELECT j::text = 'null' FROM `+quoteIdent(s.schema)+`."records_ALL" WHERE id = 6)`).Scan(&isNull, &jsonNull)
			if err != nil {
				t.Fatal(err)
			}
			if !isNull || !jsonNull {
				t.Errorf("empty JSON stored as SQL NULL: %v (want true); JSON null stored as json null: %v (want true)", isNull, jsonNull)
			}
		})
	}
}

func TestColumnTypesInDatabase(t *testing.T) {
	t.Parallel()
	s := newSink(t, uniqueStudy("COLTYPES"))
	prepare(t, s, allTypes)
	rows, err := s.pool.Query(context.Background(), `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = $1 AND table_name = 'records_ALL' ORDER BY ordinal_position`, s.schema)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	var name, typ string
	if _, err := pgx.ForEachRow(rows, []any{&name, &typ}, func() error { got = append(got, name+" "+typ); return nil }); err != nil {
		t.Fatal(err)
	}
	want := []string{"id bigint", "t text", "i bigint", "r double precision", "b boolean", "d date",
		"ts timestamp with time zone", "j json"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("columns:\n got %q\nwant %q", got, want)
	}
	var key string
	err = s.pool.QueryRow(context.Background(), `SELECT string_agg(a.attname, ',') FROM pg_index i
		JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
		WHERE i.indrelid = ($1 || '."records_ALL"')::regclass AND i.indisprimary`, quoteIdent(s.schema)).Scan(&key)
	if err != nil {
		t.Fatal(err)
	}
	if key != "id" {
		t.Errorf("primary key (%s), want (id)", key)
	}
}

var subjects = export.Table{
	Name: "subjects",
	Columns: []export.Column{
		{Name: "siteId", Type: export.ColumnInteger},
		{Name: "subjectKey", Type: export.ColumnText},
		{Name: "status", Type: export.ColumnText},
		{Name: "visits", Type: export.ColumnInteger},
	},
	Key: []string{"siteId", "subjectKey"},
}

func TestUpsertReplaces(t *testing.T) {
	t.Parallel()
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			s := newSink(t, uniqueStudy("UPSERT"), p.opt)
			prepare(t, s, subjects)
			write(t, s, "subjects", []export.Row{
				{int64(1), "001", "screening", int64(1)},
				{int64(1), "002", "screening", int64(1)},
				{int64(2), "001", "enrolled", int64(3)},
			})
			write(t, s, "subjects", []export.Row{
				{int64(1), "002", "enrolled", nil}, // replaces, and a NULL replaces a value
				{int64(2), "002", "screening", int64(1)},
			})
			write(t, s, "subjects", []export.Row{{int64(1), "001", "withdrawn", int64(2)}})
			got := dump(t, s, "subjects")
			want := [][]any{
				{int64(1), "001", "withdrawn", int64(2)},
				{int64(1), "002", "enrolled", nil},
				{int64(2), "001", "enrolled", int64(3)},
				{int64(2), "002", "screening", int64(1)},
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %v\nwant %v", got, want)
			}
		})
	}
}

func TestDuplicateKeysInBatch(t *testing.T) {
	t.Parallel()
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			s := newSink(t, uniqueStudy("DUPS"), p.opt)
			keyOnly := export.Table{Name: "keys", Columns: []export.Column{{Name: "k", Type: export.ColumnText}}, Key: []string{"k"}}
			stamped := export.Table{Name: "stamped", Columns: []export.Column{
				{Name: "at", Type: export.ColumnTimestamp}, {Name: "v", Type: export.ColumnInteger}}, Key: []string{"at"}}
			prepare(t, s, subjects, keyOnly, stamped)
			write(t, s, "subjects", []export.Row{{int64(1), "001", "old", int64(0)}})
			write(t, s, "subjects", []export.Row{
				{int64(1), "001", "first", int64(1)},
				{int64(1), "002", "only", int64(1)},
				{int64(1), "001", "second", int64(2)},
				{int64(2), "001", "other site", int64(1)},
				{int64(1), "001", "last", int64(3)},
			})
			want := [][]any{
				{int64(1), "001", "last", int64(3)},
				{int64(1), "002", "only", int64(1)},
				{int64(2), "001", "other site", int64(1)},
			}
			if got := dump(t, s, "subjects"); !reflect.DeepEqual(got, want) {
				t.Errorf("got  %v\nwant %v", got, want)
			}
			// A table whose columns are all key columns, and keys that become equal once
			// cleaned (NUL and U+FFFD) or cut to PostgreSQL's microseconds.
			write(t, s, "keys", []export.Row{{"a"}, {"b"}, {"a"}, {"x\x00"}, {"x\uFFFD"}})
			if got, want := dump(t, s, "keys"), [][]any{{"a"}, {"b"}, {"x\uFFFD"}}; !reflect.DeepEqual(got, want) {
				t.Errorf("got  %v\nwant %v", got, want)
			}
			at := time.Date(2024, 5, 1, 10, 0, 0, 1000, time.UTC)
			write(t, s, "stamped", []export.Row{{at, int64(1)}, {at.Add(999), int64(2)}, {at.In(time.FixedZone("X", 3600)), int64(3)}})
			if got, want := dump(t, s, "stamped"), [][]any{{at, int64(3)}}; !reflect.DeepEqual(got, want) {
				t.Errorf("got  %v\nwant %v", got, want)
			}
		})
	}
}

func TestPrepareAddsColumnsAndKeepsData(t *testing.T) {
	t.Parallel()
	study := uniqueStudy("EVOLVE")
	s := newSharedSink(t, study)
	v1 := export.Table{Name: "records_VS", Columns: []export.Column{
		{Name: "recordId", Type: export.ColumnInteger}, {Name: "HEIGHT", Type: export.ColumnReal}, {Name: "SITE", Type: export.ColumnInteger}},
		Key: []string{"recordId"}}
	prepare(t, s, v1)
	write(t, s, "records_VS", []export.Row{{int64(1), 180.5, int64(10)}, {int64(2), 165.0, int64(11)}})

	// A later run, with a new sink: the form gained a variable, and SITE became text.
	s2 := newSharedSink(t, study)
	v2 := export.Table{Name: "records_VS", Columns: []export.Column{
		{Name: "recordId", Type: export.ColumnInteger}, {Name: "HEIGHT", Type: export.ColumnReal}, {Name: "SITE", Type: export.ColumnText},
		{Name: "WEIGHT", Type: export.ColumnReal}}, Key: []string{"recordId"}}
	prepare(t, s2, v2)
	prepare(t, s2, v2) // preparing again changes nothing
	want := [][]any{{int64(1), 180.5, "10", nil}, {int64(2), 165.0, "11", nil}}
	if got := dump(t, s2, "records_VS"); !reflect.DeepEqual(got, want) {
		t.Fatalf("after adding a column: got %v, want %v", got, want)
	}
	write(t, s2, "records_VS", []export.Row{{int64(2), 166.0, "S11", 70.25}, {int64(3), nil, nil, 80.0}})
	want = [][]any{{int64(1), 180.5, "10", nil}, {int64(2), 166.0, "S11", 70.25}, {int64(3), nil, nil, 80.0}}
	if got := dump(t, s2, "records_VS"); !reflect.DeepEqual(got, want) {
		t.Fatalf("after writing the new column: got %v, want %v", got, want)
	}

	// The first run's layout, without WEIGHT, still writes: WEIGHT keeps its value.
	v1text := v1
	v1text.Columns = []export.Column{{Name: "recordId", Type: export.ColumnInteger}, {Name: "HEIGHT", Type: export.ColumnReal}, {Name: "SITE", Type: export.ColumnText}}
	s3 := newSink(t, study)
	prepare(t, s3, v1text)
	write(t, s3, "records_VS", []export.Row{{int64(2), 167.0, "S12"}})
	want[1] = []any{int64(2), 167.0, "S12", 70.25}
	if got := dump(t, s3, "records_VS"); !reflect.DeepEqual(got, want) {
		t.Fatalf("writing fewer columns: got %v, want %v", got, want)
	}

	// A changed key would break upserts: it is an error, and changes nothing.
	bad := []struct {
		name string
		tab  export.Table
		msg  string
	}{
		{"key", export.Table{Name: "records_VS", Columns: []export.Column{
			{Name: "recordId", Type: export.ColumnInteger}, {Name: "HEIGHT", Type: export.ColumnReal}, {Name: "NEW", Type: export.ColumnText}},
			Key: []string{"recordId", "HEIGHT"}}, `exists with the key (recordId), the export's key is (recordId, HEIGHT)`},
	}
	for _, b := range bad {
		other := export.Table{Name: "untouched", Columns: []export.Column{{Name: "k", Type: export.ColumnText}}, Key: []string{"k"}}
		err := s3.Prepare(context.Background(), []export.Table{other, b.tab})
		if err == nil || !strings.Contains(err.Error(), b.msg) {
			t.Errorf("%s: got error %v, want one containing %q", b.name, err, b.msg)
		}
		var n int
		if err := s3.pool.QueryRow(context.Background(), `SELECT count(*) FROM information_schema.columns
			WHERE table_schema = $1 AND table_name IN ('untouched', 'records_VS')`, s3.schema).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 4 {
			t.Errorf("%s: a failed Prepare left %d columns, want the 4 of records_VS", b.name, n)
		}
	}
	if got := dump(t, s3, "records_VS"); !reflect.DeepEqual(got, want) {
		t.Fatalf("after failed Prepares: got %v, want %v", got, want)
	}
}

func TestPrepareChangesTypes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	study := uniqueStudy("RETYPE")
	col := func(name string, typ export.ColumnType) export.Column { return export.Column{Name: name, Type: typ} }
	ts := time.Date(2024, 1, 2, 10, 0, 0, 0, time.UTC)
	before := export.Table{Name: "records_T", Key: []string{"k"}, Columns: []export.Column{
		col("k", export.ColumnInteger),
		col("textNum", export.ColumnText), col("textBad", export.ColumnText), col("intReal", export.ColumnInteger),
		col("realInt", export.ColumnReal), col("dateTS", export.ColumnDate), col("tsDate", export.ColumnTimestamp),
		col("boolJSON", export.ColumnBoolean), col("jsonText", export.ColumnJSON),
	}}
	after := export.Table{Name: "records_T", Key: []string{"k"}, Columns: []export.Column{
		col("k", export.ColumnInteger),
		col("textNum", export.ColumnReal), col("textBad", export.ColumnInteger), col("intReal", export.ColumnReal),
		col("realInt", export.ColumnInteger), col("dateTS", export.ColumnTimestamp), col("tsDate", export.ColumnDate),
		col("boolJSON", export.ColumnJSON), col("jsonText", export.ColumnText),
	}}
	s := newSharedSink(t, study)
	prepare(t, s, before)
	write(t, s, before.Name, []export.Row{
		{int64(1), "1.5", "x", int64(3), 2.5, date(2024, 1, 2), ts, true, json.RawMessage(`{"a": 1}`)},
		{int64(2), nil, "2", nil, nil, nil, nil, nil, nil},
	})

	s2 := newSharedSink(t, study)
	prepare(t, s2, after)
	write(t, s2, after.Name, []export.Row{
		{int64(3), 7.25, int64(7), 8.5, int64(4), ts, date(2024, 1, 3), json.RawMessage(`[true]`), "plain"},
	})
	rows, err := s2.pool.Query(ctx, `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = $1 AND table_name = 'records_T' ORDER BY ordinal_position`, s2.schema)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	var name, typ string
	if _, err := pgx.ForEachRow(rows, []any{&name, &typ}, func() error { types = append(types, name+" "+typ); return nil }); err != nil {
		t.Fatal(err)
	}
	wantTypes := []string{"k bigint",
		"textNum double precision",        // every value read as a number
		"textBad text",                    // "x" does not: it stays text
		"intReal double precision",        // bigint to double precision loses nothing
		"realInt text",                    // double precision to bigint would round
		"dateTS timestamp with time zone", // a date is its midnight
		"tsDate text",                     // a timestamp is more than its date
		"boolJSON text", "jsonText text"}
	if !reflect.DeepEqual(types, wantTypes) {
		t.Errorf("types:\n got %q\nwant %q", types, wantTypes)
	}
	want := [][]any{
		{int64(1), 1.5, "x", 3.0, "2.5", ts.Add(-10 * time.Hour), "2024-01-02 10:00:00+00", "true", `{"a": 1}`},
		{int64(2), nil, "2", nil, nil, nil, nil, nil, nil},
		{int64(3), 7.25, "7", 8.5, "4", ts, "2024-01-03", "[true]", "plain"},
	}
	if got := dump(t, s2, after.Name); !reflect.DeepEqual(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
	// A third run with the same types keeps writing text where the column is text, except
	// boolJSON: its text values ("true" and "[true]") now all read as JSON.
	s3 := newSink(t, study, WithCopyThreshold(1))
	prepare(t, s3, after)
	write(t, s3, after.Name, []export.Row{{int64(3), 7.5, int64(-1), nil, int64(5), nil, date(2024, 1, 4), nil, nil}})
	want[0][7] = jsonText("true")
	want[2] = []any{int64(3), 7.5, "-1", nil, "5", nil, "2024-01-04", nil, nil}
	if got := dump(t, s3, after.Name); !reflect.DeepEqual(got, want) {
		t.Errorf("third run: got  %#v\nwant %#v", got, want)
	}
}

func TestTextOf(t *testing.T) {
	ts := time.Date(2024, 3, 1, 12, 30, 45, 123456000, time.FixedZone("X", 3600))
	for _, c := range []struct {
		typ  export.ColumnType
		v    any
		want string
	}{
		{export.ColumnInteger, int64(-12), "-12"},
		{export.ColumnReal, 0.1, "0.1"},
		{export.ColumnReal, 1e21, "1e+21"},
		{export.ColumnReal, 1e6, "1000000"},
		{export.ColumnReal, -1.5e-5, "-1.5e-05"},
		{export.ColumnReal, math.Inf(-1), "-Infinity"},
		{export.ColumnReal, math.NaN(), "NaN"},
		{export.ColumnBoolean, false, "false"},
		{export.ColumnDate, date(2024, 2, 29), "2024-02-29"},
		{export.ColumnTimestamp, ts, "2024-03-01 11:30:45.123456+00"},
		{export.ColumnTimestamp, date(2024, 2, 29), "2024-02-29 00:00:00+00"},
		{export.ColumnJSON, json.RawMessage(`{"a":1}`), `{"a":1}`},
		{export.ColumnText, "x", "x"},
	} {
		if got := textOf(c.typ, c.v); got != c.want {
			t.Errorf("textOf(%v, %v) = %q, want %q", c.typ, c.v, got, c.want)
		}
	}
	// PostgreSQL prints them the same.
	s := newSink(t, uniqueStudy("TEXTOF"))
	var got []string
	err := pgx.BeginFunc(context.Background(), s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(context.Background(), "SET LOCAL TimeZone = 'UTC'"); err != nil {
			return err
		}
		return tx.QueryRow(context.Background(), `SELECT ARRAY[1e21::float8::text, 0.1::float8::text, 1e6::float8::text,
			123456::float8::text, 1.5e-7::float8::text, 1e14::float8::text, 1e15::float8::text, 1.5e-4::float8::text,
			1.5e-5::float8::text, 1234567890123456.7::float8::text, '2024-03-01 11:30:45.123456+00'::timestamptz::text,
			'2024-02-29'::timestamptz::text]`).Scan(&got)
	})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, v := range []any{1e21, 0.1, 1e6, 123456.0, 1.5e-7, 1e14, 1e15, 1.5e-4, 1.5e-5, 1234567890123456.7} {
		want = append(want, textOf(export.ColumnReal, v))
	}
	want = append(want, textOf(export.ColumnTimestamp, time.Date(2024, 3, 1, 11, 30, 45, 123456000, time.UTC)), textOf(export.ColumnTimestamp, date(2024, 2, 29)))
	if !reflect.DeepEqual(got, want) {
		t.Errorf("PostgreSQL prints %q, textOf %q", got, want)
	}
}

func TestHostileIdentifiers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	study := uniqueStudy(`X"; DROP SCHEMA public CASCADE; --`)
	s := newSharedSink(t, study)
	if want := SchemaName(study); s.Schema() != want || strings.ContainsAny(want, `"; -`) {
		t.Fatalf("schema %q, want the safe name %q", s.Schema(), want)
	}
	long1 := strings.Repeat("é", 40) + "_one" // 84 bytes
	long2 := strings.Repeat("é", 40) + "_two"
	tab := export.Table{
		Name: `records_"; DROP TABLE canary; --`,
		Columns: []export.Column{
			{Name: `id"); DELETE FROM canary; --`, Type: export.ColumnInteger},
			{Name: "with space", Type: export.ColumnText},
			{Name: `"`, Type: export.ColumnText},
			{Name: "$1", Type: export.ColumnText},
			{Name: "MixedCase", Type: export.ColumnText},
			{Name: "mixedcase", Type: export.ColumnText},
			{Name: long1, Type: export.ColumnText},
			{Name: long2, Type: export.ColumnText},
			{Name: "select", Type: export.ColumnText},
		},
		Key: []string{`id"); DELETE FROM canary; --`},
	}
	longTable := export.Table{Name: strings.Repeat("t", 100), Columns: []export.Column{{Name: "k", Type: export.ColumnInteger}}, Key: []string{"k"}}
	if _, err := s.pool.Exec(ctx, "CREATE TABLE "+quoteIdent(s.schema)+".canary (x int); INSERT INTO "+quoteIdent(s.schema)+".canary VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		s := newSharedSink(t, study, p.opt) // the same schema, both write paths
		prepare(t, s, tab, longTable)
		write(t, s, tab.Name, []export.Row{{int64(1), "a", "b", "c", "d", "e", "f", "g", "h"}})
		write(t, s, longTable.Name, []export.Row{{int64(1)}, {int64(2)}})
	}
	got := dump(t, s, tab.Name)
	if want := [][]any{{int64(1), "a", "b", "c", "d", "e", "f", "g", "h"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := dump(t, s, longTable.Name); len(got) != 2 {
		t.Errorf("long table name: %d rows, want 2", len(got))
	}
	var canary int
	if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM "+quoteIdent(s.schema)+".canary").Scan(&canary); err != nil || canary != 1 {
		t.Errorf("canary: %d rows, %v", canary, err)
	}
	rows, err := s.pool.Query(ctx, `SELECT column_name FROM information_schema.columns
		WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`, s.schema, tab.Name)
	if err != nil {
		t.Fatal(err)
	}
	cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, c := range tab.Columns {
		want = append(want, identName(c.Name))
	}
	if !reflect.DeepEqual(cols, want) {
		t.Errorf("columns %q, want %q", cols, want)
	}
	if identName(long1) == identName(long2) || len(identName(long1)) > maxIdent {
		t.Errorf("long names %q and %q", identName(long1), identName(long2))
	}

	// Names PostgreSQL cannot hold, and the ledger's, are refused.
	for _, bad := range []export.Table{
		{Name: "nul\x00table", Columns: []export.Column{{Name: "k", Type: export.ColumnInteger}}, Key: []string{"k"}},
		{Name: "t", Columns: []export.Column{{Name: "k\x00", Type: export.ColumnInteger}}, Key: []string{"k\x00"}},
		{Name: "", Columns: []export.Column{{Name: "k", Type: export.ColumnInteger}}, Key: []string{"k"}},
		{Name: "_imednet_forms", Columns: []export.Column{{Name: "k", Type: export.ColumnInteger}}, Key: []string{"k"}},
	} {
		if err := s.Prepare(ctx, []export.Table{bad}); err == nil {
			t.Errorf("Prepare accepted table %q", bad.Name)
		}
	}
}

func TestSchemaName(t *testing.T) {
	cases := map[string]string{
		"DEMO":               "demo",
		"study_2024":         "study_2024",
		"PUBLIC":             "study_public",
		"pg_catalog":         "study_pg_catalog",
		"A-B":                "a_b_" + shortHash("A-B"),
		"A_B":                "a_b",
		"":                   "study_" + shortHash(""),
		`x"; DROP --`:        "x___drop____" + shortHash(`x"; DROP --`),
		"Étude":              "_tude_" + shortHash("Étude"),
		"information_schema": "study_information_schema",
	}
	for in, want := range cases {
		if got := SchemaName(in); got != want {
			t.Errorf("SchemaName(%q) = %q, want %q", in, got, want)
		}
	}
	long := SchemaName(strings.Repeat("A", 100))
	if len(long) != maxIdent || long == SchemaName(strings.Repeat("A", 101)) {
		t.Errorf("long study keys: %q", long)
	}
}

func TestSchemaBelongsToOneStudy(t *testing.T) {
	t.Parallel()
	s := newSharedSink(t, uniqueStudy("OWNER"))
	_, err := Open(context.Background(), connString(t), "OTHER", WithSchema(s.Schema()))
	if err == nil || !strings.Contains(err.Error(), "holds the export of study") {
		t.Errorf("opening another study's schema: %v", err)
	}
	s2, err := Open(context.Background(), connString(t), s.Study(), WithSchema(s.Schema()))
	if err != nil {
		t.Fatalf("reopening the study's own schema: %v", err)
	}
	s2.Close()
}

func TestLedgerRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	study := uniqueStudy("LEDGER")
	s := newSharedSink(t, study)
	l, err := s.LoadLedger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Forms) != 0 || len(l.Runs) != 0 || l.Forms == nil {
		t.Fatalf("new target: ledger %+v, want empty", l)
	}
	t0 := time.Date(2024, 6, 1, 8, 0, 0, 0, time.UTC)
	vs := export.FormState{FormKey: "VS", Status: export.Running, Started: t0, RunID: "run1"}
	ae := export.FormState{FormKey: "AE", Status: export.Failed, Records: 12, Error: "HTTP 500: boom\x00",
		Started: t0, Finished: t0.Add(time.Minute), Watermark: t0.Add(-time.Hour).Add(123456 * time.Microsecond), RunID: "run1"}
	for _, f := range []export.FormState{vs, ae} {
		if err := s.SaveForm(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	vs.Status, vs.Records, vs.Finished, vs.Watermark = export.Succeeded, 1000, t0.Add(2*time.Minute), t0.Add(-time.Minute)
	if err := s.SaveForm(ctx, vs); err != nil {
		t.Fatal(err)
	}
	run2 := export.RunState{ID: "run2", Study: study, Mode: "sync", Started: t0.Add(time.Hour)}
	run1 := export.RunState{ID: "run1", Study: study, Mode: "export", Started: t0, Forms: 2}
	for _, r := range []export.RunState{run2, run1} {
		if err := s.SaveRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	run1.Finished, run1.FailedForms, run1.Records, run1.Error = t0.Add(3*time.Minute), 1, 1012, "1 form failed"
	if err := s.SaveRun(ctx, run1); err != nil {
		t.Fatal(err)
	}

	// A later run, with a new sink, reads what the first one saved.
	s2 := newSink(t, study)
	l, err = s2.LoadLedger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ae.Error = "HTTP 500: boom\uFFFD"
	wantForms := map[string]export.FormState{"VS": vs, "AE": ae}
	if !reflect.DeepEqual(l.Forms, wantForms) {
		t.Errorf("forms:\n got %+v\nwant %+v", l.Forms, wantForms)
	}
	if want := []export.RunState{run1, run2}; !reflect.DeepEqual(l.Runs, want) {
		t.Errorf("runs:\n got %+v\nwant %+v", l.Runs, want)
	}
	if err := s.SaveForm(ctx, export.FormState{}); err == nil {
		t.Error("SaveForm accepted an empty form key")
	}
	if err := s.SaveRun(ctx, export.RunState{}); err == nil {
		t.Error("SaveRun accepted an empty run ID")
	}
}

// wideTable has n columns of mixed types after its key, and wideRow fills one of its rows.
func wideTable(name string, n int) export.Table {
	t := export.Table{Name: name, Key: []string{"recordId"}, Columns: []export.Column{{Name: "recordId", Type: export.ColumnInteger}}}
	types := []export.ColumnType{export.ColumnText, export.ColumnInteger, export.ColumnReal, export.ColumnBoolean, export.ColumnDate, export.ColumnTimestamp, export.ColumnText, export.ColumnJSON}
	for i := range n {
		t.Columns = append(t.Columns, export.Column{Name: fmt.Sprintf("VAR_%03d", i), Type: types[i%len(types)]})
	}
	return t
}

func wideRow(t export.Table, id int64, version int) export.Row {
	row := export.Row{id}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, c := range t.Columns[1:] {
		if (int(id)+i+version)%11 == 0 {
			row = append(row, nil)
			continue
		}
		switch c.Type {
		case export.ColumnText:
			row = append(row, fmt.Sprintf("value %d/%d/%d 'q' \"dq\"", id, i, version))
		case export.ColumnInteger:
			row = append(row, id*int64(i+1)+int64(version))
		case export.ColumnReal:
			row = append(row, float64(id)/7+float64(i)+float64(version))
		case export.ColumnBoolean:
			row = append(row, (int(id)+i+version)%2 == 0)
		case export.ColumnDate:
			row = append(row, base.AddDate(0, 0, int(id)%3000+version))
		case export.ColumnTimestamp:
			row = append(row, base.Add(time.Duration(id)*time.Second+time.Duration(i+version)*time.Microsecond))
		case export.ColumnJSON:
			row = append(row, json.RawMessage(fmt.Sprintf(`{"id": %d, "i": %d, "v": %d, "s": "x\u00e9"}`, id, i, version)))
		}
	}
	return row
}

func TestCopyPathEqualsInsertPath(t *testing.T) {
	t.Parallel()
	// 200 columns: the INSERT path needs several statements (65535 parameters at most).
	tab := wideTable("records_WIDE", 199)
	var first, second []export.Row
	for id := range int64(800) {
		first = append(first, wideRow(tab, id, 0))
	}
	for id := int64(400); id < 1200; id += 2 { // half updates, half new, and a duplicate key
		second = append(second, wideRow(tab, id, 1))
	}
	second = append(second, wideRow(tab, 500, 2))
	var dumps [2][][]any
	for n, p := range paths {
		s := newSink(t, uniqueStudy("PATHS"), p.opt)
		prepare(t, s, tab)
		write(t, s, tab.Name, first)
		write(t, s, tab.Name, second)
		dumps[n] = dump(t, s, tab.Name)
	}
	if len(dumps[0]) != 1000 {
		t.Fatalf("copy path: %d rows, want 1000", len(dumps[0]))
	}
	if !reflect.DeepEqual(dumps[0], dumps[1]) {
		for i := range min(len(dumps[0]), len(dumps[1])) {
			if !reflect.DeepEqual(dumps[0][i], dumps[1][i]) {
				t.Fatalf("row %d differs:\ncopy   %v\ninsert %v", i, dumps[0][i], dumps[1][i])
			}
		}
		t.Fatalf("copy path wrote %d rows, insert path %d", len(dumps[0]), len(dumps[1]))
	}
	// Spot-check the content against the rows written.
	want := wideRow(tab, 500, 2)
	got := dumps[0][500]
	if got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("row 500: got %v..., want %v...", got[:3], want[:3])
	}
}

func TestFailedBatchLeavesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tab := wideTable("records_FAIL", 99)
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			s := newSink(t, uniqueStudy("FAIL"), p.opt)
			prepare(t, s, tab)
			var rows []export.Row
			for id := range int64(100) {
				rows = append(rows, wideRow(tab, id, 0))
			}
			write(t, s, tab.Name, rows)
			before := dump(t, s, tab.Name)

			// The database refuses one row of a batch that updates and inserts many: a
			// constraint the sink does not know about, so the failure comes from the server
			// after rows were sent (in the INSERT path, after several statements).
			if _, err := s.pool.Exec(ctx, "ALTER TABLE "+quoteIdent(s.schema)+"."+quoteIdent(tab.Name)+
				` ADD CONSTRAINT no_999 CHECK ("recordId" <> 999)`); err != nil {
				t.Fatal(err)
			}
			var batch []export.Row
			for id := int64(50); id < 999; id++ {
				batch = append(batch, wideRow(tab, id, 1))
			}
			batch = append(batch, wideRow(tab, 999, 1))
			err := s.Write(ctx, tab.Name, batch)
			if err == nil || !strings.Contains(err.Error(), "no_999") || !strings.Contains(err.Error(), tab.Name) {
				t.Fatalf("got error %v, want the constraint's", err)
			}
			if after := dump(t, s, tab.Name); !reflect.DeepEqual(after, before) {
				t.Errorf("a failed batch changed the table: %d rows before, %d after", len(before), len(after))
			}

			// A cancelled context fails the batch too, and leaves nothing.
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			if err := s.Write(cctx, tab.Name, batch[:10]); err == nil {
				t.Error("Write with a cancelled context succeeded")
			}
			if after := dump(t, s, tab.Name); !reflect.DeepEqual(after, before) {
				t.Errorf("a cancelled batch changed the table")
			}
			// The sink still works.
			write(t, s, tab.Name, batch[:10])
		})
	}
}

func TestWriteRejectsBadRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newSink(t, uniqueStudy("BAD"))
	prepare(t, s, allTypes)
	good := export.Row{int64(1), "a", int64(1), 1.0, true, date(2024, 1, 1), time.Now(), json.RawMessage(`{}`)}
	with := func(i int, v any) export.Row {
		r := append(export.Row(nil), good...)
		r[i] = v
		return r
	}
	cases := []struct {
		table string
		rows  []export.Row
		msg   string
	}{
		{"nope", []export.Row{good}, `table "nope" was not prepared`},
		{allTypes.Name, []export.Row{good, good[:3]}, "row 2 of the batch has 3 values for 8 columns"},
		{allTypes.Name, []export.Row{good, with(2, 5)}, `row 2 of the batch, column "i" (integer): got a value of type int, want int64`},
		{allTypes.Name, []export.Row{with(1, []byte("x"))}, `column "t" (text): got a value of type []uint8, want string`},
		{allTypes.Name, []export.Row{with(5, "2024-01-01")}, `column "d" (date): got a value of type string, want time.Time`},
		{allTypes.Name, []export.Row{with(7, json.RawMessage(`{"a":`))}, `column "j" (json): not valid JSON`},
		{allTypes.Name, []export.Row{with(7, map[string]any{})}, `want json.RawMessage`},
		{allTypes.Name, []export.Row{with(0, nil)}, `key column "id" is null`},
	}
	for _, c := range cases {
		err := s.Write(ctx, c.table, c.rows)
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("got error %v, want one containing %q", err, c.msg)
		}
	}
	if got := dump(t, s, allTypes.Name); len(got) != 0 {
		t.Errorf("rejected batches wrote %d rows", len(got))
	}
	if err := s.Write(ctx, allTypes.Name, nil); err != nil {
		t.Errorf("empty batch: %v", err)
	}
}

// TestFullRows writes rows of MaxColumns columns whose values take the most room they can in
// a row, whatever their type: PostgreSQL must accept them.
func TestFullRows(t *testing.T) {
	t.Parallel()
	s := newSink(t, uniqueStudy("FULL"))
	rnd := rand.New(rand.NewPCG(1, 2))
	letters := func(n int) string { // incompressible enough
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('!' + rnd.IntN(90))
			if b[i] == '"' || b[i] == '\\' {
				b[i] = 'x'
			}
		}
		return string(b)
	}
	layouts := map[string][]export.ColumnType{
		"text":  {export.ColumnText},
		"json":  {export.ColumnJSON},
		"mixed": {export.ColumnText, export.ColumnJSON, export.ColumnReal, export.ColumnTimestamp, export.ColumnInteger, export.ColumnDate, export.ColumnBoolean},
	}
	for name, types := range layouts {
		tab := export.Table{Name: "records_FULL_" + name, Key: []string{"recordId"}, Columns: []export.Column{{Name: "recordId", Type: export.ColumnInteger}}}
		for i := range s.MaxColumns() - 1 {
			tab.Columns = append(tab.Columns, export.Column{Name: fmt.Sprintf("V%d", i), Type: types[i%len(types)]})
		}
		var rows []export.Row
		for id := range 40 { // every size from inline to moved out of the row
			size := id + 1
			if id == 39 {
				size = 3000
			}
			row := export.Row{int64(id)}
			for _, c := range tab.Columns[1:] {
				switch c.Type {
				case export.ColumnText:
					row = append(row, letters(size))
				case export.ColumnJSON:
					row = append(row, json.RawMessage(`"`+letters(size)+`"`))
				case export.ColumnReal:
					row = append(row, rnd.Float64())
				case export.ColumnTimestamp:
					row = append(row, time.Unix(rnd.Int64N(1e9), 0))
				case export.ColumnInteger:
					row = append(row, rnd.Int64())
				case export.ColumnDate:
					row = append(row, date(2024, 1, 1))
				case export.ColumnBoolean:
					row = append(row, true)
				}
			}
			rows = append(rows, row)
		}
		prepare(t, s, tab)
		if err := s.Write(context.Background(), tab.Name, rows); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got := dump(t, s, tab.Name); len(got) != len(rows) || len(got[0]) != s.MaxColumns() {
			t.Errorf("%s: got %d rows", name, len(got))
		}
	}
}

func TestConcurrentWrites(t *testing.T) {
	t.Parallel()
	s := newSink(t, uniqueStudy("CONC"), WithCopyThreshold(20))
	var tables []export.Table
	for i := range 6 {
		tables = append(tables, wideTable(fmt.Sprintf("records_F%d", i), 20))
	}
	prepare(t, s, tables...)
	var wg sync.WaitGroup
	errs := make(chan error, len(tables))
	for _, tab := range tables {
		wg.Go(func() {
			for batch := range 5 {
				var rows []export.Row
				for id := range 10 + batch*10 { // both paths
					rows = append(rows, wideRow(tab, int64(batch*100+id), 0))
				}
				if err := s.Write(context.Background(), tab.Name, rows); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, tab := range tables {
		if got := dump(t, s, tab.Name); len(got) != 10+20+30+40+50 {
			t.Errorf("%s: %d rows, want 150", tab.Name, len(got))
		}
	}
}

func TestOpenTarget(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for target, want := range map[string]bool{
		"postgres://u@h/db": true, "postgresql://h/db": true, "POSTGRES://h": true,
		"sqlite:x.db": false, "postgres:x": false, "csv:dir": false, "": false,
	} {
		if got := IsTarget(target); got != want {
			t.Errorf("IsTarget(%q) = %v, want %v", target, got, want)
		}
	}
	open := func(target, study string) (*Sink, error) {
		t.Helper()
		parsed, err := export.ParseTarget(target, study)
		if err != nil {
			t.Fatal(err)
		}
		return OpenTarget(ctx, parsed)
	}
	if _, err := open("sqlite:x.db", "S"); err == nil {
		t.Error("OpenTarget accepted a sqlite target")
	}
	_, err := open("postgres://user:s3cret@127.0.0.1:1/db?connect_timeout=1", "S")
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("unreachable server: error %v (must not show the password)", err)
	}

	u := connURL(t)
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	study := uniqueStudy("TARGET")
	schema := "custom schema " + strings.ToLower(study)
	s, err := open(u+sep+"schema="+strings.ReplaceAll(schema, " ", "%20"), study)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Schema() != schema {
		t.Errorf("schema %q, want %q", s.Schema(), schema)
	}
	if s.MaxColumns() != MaxColumns {
		t.Errorf("MaxColumns %d", s.MaxColumns())
	}
	if _, err := s.pool.Exec(ctx, "DROP SCHEMA "+quoteIdent(s.schema)+" CASCADE"); err != nil {
		t.Errorf("the schema: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Error(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := Open(ctx, "host=/nonexistent", " "); err == nil || !strings.Contains(err.Error(), "study key is empty") {
		t.Errorf("empty study: %v", err)
	}
	if _, err := Open(ctx, "postgres://u:pw@h/db?sslmode=bogus", "S"); err == nil || strings.Contains(err.Error(), "pw@") {
		t.Errorf("bad connection string: %v", err)
	}
	for _, o := range []Option{WithSchema(""), WithSchema("pg_x"), WithSchema(strings.Repeat("s", 64)), WithCopyThreshold(0)} {
		if _, err := Open(ctx, "host=/nonexistent", "S", o); err == nil {
			t.Error("Open accepted a bad option")
		}
	}
}

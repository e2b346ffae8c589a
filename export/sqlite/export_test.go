package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/dictionary"
	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/export/exporttest"
	"github.com/imednet/imednet-go/export/sqlite"
	"github.com/imednet/imednet-go/imednettest"
)

const study = imednettest.DemoStudyKey

// smallConfig keeps the tests quick: 4 sites × 5 subjects × 12 records, plus site records.
var smallConfig = imednettest.StudyConfig{
	Key: study, Sites: 4, Subjects: 5, RecordsPerSubject: 12, Users: 4, QueryFraction: 0.2, DeletedFraction: 0.1,
}

// smallStudy is a server with the small study.
func smallStudy(t *testing.T) *imednettest.Server {
	t.Helper()
	srv, err := imednettest.New(imednettest.WithStudy(smallConfig))
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

func client(t *testing.T, srv *imednettest.Server, opts ...imednet.Option) *imednet.Client {
	t.Helper()
	c, err := srv.Client(append([]imednet.Option{imednet.WithMaxRetries(0)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func open(t *testing.T, name string) *sqlite.Sink {
	t.Helper()
	s, err := sqlite.Open(filepath.Join(t.TempDir(), name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func run(t *testing.T, c *imednet.Client, sink export.Sink, opts export.Options) *export.Summary {
	t.Helper()
	sum, err := export.Run(context.Background(), c, study, sink, opts)
	if err != nil {
		t.Fatalf("%s: %v", opts.Mode, err)
	}
	return sum
}

// dump reads every table of the export (not the ledger) as sorted lines of text.
func dump(t *testing.T, db *sql.DB) map[string][]string {
	t.Helper()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\_imednet\_%' ESCAPE '\' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	rows.Close()
	out := map[string][]string{}
	for _, n := range names {
		out[n] = query(t, db, "SELECT * FROM "+sqlite.Quote(n))
		slices.Sort(out[n])
	}
	return out
}

// query returns each row as one line: its values printed with %v and their SQLite types.
func query(t *testing.T, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for i, v := range vals {
			if i > 0 {
				b.WriteString(" | ")
			}
			if raw, ok := v.([]byte); ok {
				v = string(raw)
			}
			fmt.Fprintf(&b, "%T:%v", v, v)
		}
		out = append(out, b.String())
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func count(t *testing.T, db *sql.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// TestExportContent checks what SQLite holds (the engine's scenarios are in TestEngine):
// the raw JSON byte for byte as the server sends it, each value of a few records typed in
// the wide and the long table, and the columns table.
func TestExportContent(t *testing.T) {
	srv := smallStudy(t)
	c := client(t, srv)
	sink := open(t, "demo.db")
	sum := run(t, c, sink, export.Options{Layout: export.Both, PageSize: 7})
	db := sink.DB()
	st := srv.Study(study)
	dict, err := dictionary.Load(context.Background(), c, study)
	if err != nil {
		t.Fatal(err)
	}

	if len(sum.Forms) != len(dict.Forms()) || len(sum.Failed()) != 0 {
		t.Fatalf("summary: %d forms, failed %v; want %d forms, none failed", len(sum.Forms), sum.Failed(), len(dict.Forms()))
	}
	checked := map[dictionary.Kind]int{}
	for _, fr := range sum.Forms {
		f, _ := dict.Form(fr.FormKey)
		ids := st.RecordIDs(f.Key)
		table := sqlite.Quote("form_" + f.Key)
		// The raw JSON is byte for byte what the server sends.
		rows, err := db.Query(`SELECT recordId, json FROM records_raw WHERE formKey = ?`, f.Key)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var id int
			var js string
			if err := rows.Scan(&id, &js); err != nil {
				t.Fatal(err)
			}
			n++
			if want, _ := st.RecordJSON(id); !slices.Contains(ids, id) || string(want) != js {
				t.Errorf("form %s: record %d: raw JSON\n got %s\nwant %s (a record of the form: %v)", f.Key, id, js, want, slices.Contains(ids, id))
			}
		}
		rows.Close()
		if n != len(ids) {
			t.Errorf("form %s: %d raw rows, want %d", f.Key, n, len(ids))
		}

		// Every value of a few records, in the wide and the long table.
		for _, id := range ids[:min(3, len(ids))] {
			info, _ := st.Record(id)
			var deleted bool
			var subjectKey string
			var siteID int
			var modified string
			if err := db.QueryRow("SELECT deleted, subjectKey, siteId, dateModified FROM "+table+" WHERE recordId = ?", id).Scan(&deleted, &subjectKey, &siteID, &modified); err != nil {
				t.Fatalf("record %d: %v", id, err)
			}
			if deleted != info.Deleted || subjectKey != info.SubjectKey || siteID != info.SiteID || modified != info.DateModified.UTC().Format(time.RFC3339) {
				t.Errorf("record %d: deleted %v subjectKey %q siteId %d dateModified %s; want %v %q %d %s", id, deleted, subjectKey, siteID, modified,
					info.Deleted, info.SubjectKey, info.SiteID, info.DateModified.UTC().Format(time.RFC3339))
			}
			if n := count(t, db, "SELECT count(*) FROM record_values WHERE recordId = ?", id); n != len(info.Data) {
				t.Errorf("record %d: %d long rows, want %d", id, n, len(info.Data))
			}
			for _, v := range f.Variables {
				want := info.Data[v.Name]
				var got any
				if err := db.QueryRow("SELECT "+sqlite.Quote(v.Name)+" FROM "+table+" WHERE recordId = ?", id).Scan(&got); err != nil {
					t.Fatalf("record %d, %s: %v", id, v.Name, err)
				}
				var long sql.NullString
				var num sql.NullFloat64
				var date sql.NullString
				var b sql.NullBool
				if err := db.QueryRow("SELECT value, valueNumber, valueDate, valueBool FROM record_values WHERE recordId = ? AND variable = ?", id, v.Name).Scan(&long, &num, &date, &b); err != nil {
					t.Fatalf("record %d, %s: long: %v", id, v.Name, err)
				}
				if long.String != want {
					t.Errorf("record %d, %s: long value %q, want %q", id, v.Name, long.String, want)
				}
				if want == "" {
					if v.Kind == dictionary.KindNumber || v.Kind == dictionary.KindDate || v.Kind == dictionary.KindCheckbox {
						if got != nil {
							t.Errorf("record %d, %s: blank %s is %v, want NULL", id, v.Name, v.Kind, got)
						}
					}
					continue
				}
				checked[v.Kind]++
				switch v.Kind {
				case dictionary.KindNumber:
					f, _ := strconv.ParseFloat(want, 64)
					if got != f || !num.Valid || num.Float64 != f {
						t.Errorf("record %d, %s: number %v (%T), long %v; want %v", id, v.Name, got, got, num, f)
					}
				case dictionary.KindDate:
					// The driver reads a DATE column as a time.Time; the file holds the text.
					var text string
					if err := db.QueryRow("SELECT CAST("+sqlite.Quote(v.Name)+" AS TEXT) FROM "+table+" WHERE recordId = ?", id).Scan(&text); err != nil {
						t.Fatal(err)
					}
					if text != want || date.String[:10] != want {
						t.Errorf("record %d, %s: date %v, long %v; want %s", id, v.Name, got, date, want)
					}
				case dictionary.KindCheckbox:
					w := strings.EqualFold(want, "true")
					if got != map[bool]int64{true: 1, false: 0}[w] || !b.Valid || b.Bool != w {
						t.Errorf("record %d, %s: checkbox %v, long %v; want %v", id, v.Name, got, b, w)
					}
				default:
					if got != want {
						t.Errorf("record %d, %s: %v, want %q", id, v.Name, got, want)
					}
				}
			}
		}
	}
	for _, k := range []dictionary.Kind{dictionary.KindNumber, dictionary.KindDate, dictionary.KindCheckbox, dictionary.KindText} {
		if checked[k] == 0 {
			t.Errorf("no %s value was checked", k)
		}
	}
	// The columns table describes every variable column.
	var nvars int
	for _, f := range dict.Forms() {
		names := map[string]bool{}
		for _, v := range f.Variables {
			names[v.Name] = true
		}
		nvars += len(names)
	}
	if n := count(t, db, "SELECT count(*) FROM wide_columns WHERE variable IS NOT NULL"); n != nvars {
		t.Errorf("wide_columns: %d variables, want %d", n, nvars)
	}
}

func TestFilePermissions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	s, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Prepare(context.Background(), []export.Table{{Name: "t", Columns: []export.Column{{Name: "a", Type: export.ColumnInteger}}, Key: []string{"a"}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(context.Background(), "t", []export.Row{{int64(1)}}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", filepath.Base(p), fi.Mode().Perm())
		}
	}
	var mode string
	if err := s.DB().QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal mode %q (%v), want wal", mode, err)
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// narrow is a sink that holds few columns per table, so that forms split.
type narrow struct {
	*sqlite.Sink
	max int
}

func (n narrow) MaxColumns() int { return n.max }

func TestWideSplit(t *testing.T) {
	srv := smallStudy(t)
	c := client(t, srv)
	forms := []string{"VS", "LAB"}
	whole := open(t, "whole.db")
	run(t, c, whole, export.Options{Forms: forms})
	split := open(t, "split.db")
	const limit = 14 // the 11 record columns and 3 variables
	run(t, c, narrow{split, limit}, export.Options{Forms: forms})

	for _, form := range forms {
		parts := query(t, split.DB(), "SELECT DISTINCT tableName FROM wide_columns WHERE formKey = ?", form)
		if len(parts) < 2 {
			t.Fatalf("form %s: %d parts, want several", form, len(parts))
		}
		for _, p := range parts {
			name := strings.TrimPrefix(p, "string:")
			if n := count(t, split.DB(), "SELECT count(*) FROM pragma_table_info(?)", name); n > limit {
				t.Errorf("%s: %d columns, more than %d", name, n, limit)
			}
		}
		// Every column holds the same values as in the unsplit table.
		rows, err := whole.DB().Query("SELECT columnName FROM wide_columns WHERE formKey = ? AND tableName = ?", form, "form_"+form)
		if err != nil {
			t.Fatal(err)
		}
		var cols []string
		for rows.Next() {
			var c string
			rows.Scan(&c)
			cols = append(cols, c)
		}
		rows.Close()
		for _, col := range cols {
			var table string
			if err := split.DB().QueryRow("SELECT tableName FROM wide_columns WHERE formKey = ? AND columnName = ? ORDER BY part LIMIT 1", form, col).Scan(&table); err != nil {
				t.Fatalf("form %s, column %s: %v", form, col, err)
			}
			q := "SELECT recordId, " + sqlite.Quote(col) + " FROM %s ORDER BY recordId"
			got := query(t, split.DB(), fmt.Sprintf(q, sqlite.Quote(table)))
			want := query(t, whole.DB(), fmt.Sprintf(q, sqlite.Quote("form_"+form)))
			if !slices.Equal(got, want) || len(got) == 0 {
				t.Errorf("form %s, column %s (in %s): %d rows differ from the whole table's %d", form, col, table, len(got), len(want))
			}
		}
	}
}

func TestConcurrencyBound(t *testing.T) {
	srv := smallStudy(t)
	var mu sync.Mutex
	inFlight, peak := 0, 0
	c := client(t, srv, imednet.WithMiddleware(func(next http.RoundTripper) http.RoundTripper {
		return roundTripper(func(r *http.Request) (*http.Response, error) {
			mu.Lock()
			inFlight++
			peak = max(peak, inFlight)
			mu.Unlock()
			defer func() {
				mu.Lock()
				inFlight--
				mu.Unlock()
			}()
			time.Sleep(2 * time.Millisecond)
			return next.RoundTrip(r)
		})
	}))
	sink := open(t, "bound.db")
	run(t, c, sink, export.Options{Concurrency: 3, PageSize: 5})
	if peak > 3 || peak < 2 {
		t.Errorf("at most %d requests were in flight, want 2 or 3", peak)
	}

	// A rate limit spaces the requests: n requests at 200/s take at least (n-1)×5 ms.
	sink = open(t, "limited.db")
	var requests int
	c = client(t, srv, imednet.WithMiddleware(func(next http.RoundTripper) http.RoundTripper {
		return roundTripper(func(r *http.Request) (*http.Response, error) {
			mu.Lock()
			requests++
			mu.Unlock()
			return next.RoundTrip(r)
		})
	}))
	start := time.Now()
	run(t, c, sink, export.Options{RateLimit: 200, PageSize: 50})
	if d, min := time.Since(start), time.Duration(requests-1)*5*time.Millisecond; d < min {
		t.Errorf("%d requests at 200/s took %v, less than %v", requests, d, min)
	}
}

// A record changed while its form is being paged, on a page already read, is fetched by the
// next sync even without overlap: the high-water mark stops at the server's clock when the
// form's first page was served.
func TestSyncCatchesChangesDuringExport(t *testing.T) {
	srv := smallStudy(t)
	c := client(t, srv)
	st := srv.Study(study)
	vs := st.RecordIDs("VS")
	changed := false
	sink := open(t, "during.db")
	opts := export.Options{Concurrency: 1, PageSize: 5, Overlap: time.Nanosecond, OnEvent: func(e export.Event) {
		if e.Kind == export.PageWritten && e.Form == "VS" && !changed {
			changed = true
			for _, id := range []int{vs[0], vs[len(vs)-1]} { // read already, and not yet
				if err := st.UpdateRecord(id, map[string]string{}); err != nil {
					t.Error(err)
				}
			}
		}
	}}
	run(t, c, sink, opts)
	if !changed {
		t.Fatal("no page of VS was written")
	}
	opts.OnEvent = nil
	if _, err := export.Sync(context.Background(), c, study, sink, opts); err != nil {
		t.Fatal(err)
	}
	fresh := open(t, "fresh.db")
	run(t, c, fresh, export.Options{})
	exporttest.SameTables(t, dump(t, sink.DB()), dump(t, fresh.DB()))
}

func TestLabels(t *testing.T) {
	srv := smallStudy(t)
	c := client(t, srv)
	plain := open(t, "plain.db")
	run(t, c, plain, export.Options{Forms: []string{"DM", "AE"}})
	labelled := open(t, "labels.db")
	run(t, c, labelled, export.Options{Forms: []string{"DM", "AE"}, Labels: true})

	rows, err := labelled.DB().Query(`SELECT tableName, columnName, variable, label FROM wide_columns WHERE variable IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	type col struct{ table, column, variable, label string }
	var cols []col
	for rows.Next() {
		var c col
		if err := rows.Scan(&c.table, &c.column, &c.variable, &c.label); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	rows.Close()
	renamed := 0
	for _, c := range cols {
		if c.column != c.variable {
			renamed++
		}
		if c.label != "" && !strings.HasPrefix(strings.ToLower(c.column), strings.ToLower(strings.Fields(c.label)[0][:1])) {
			t.Errorf("column %s of variable %s does not come from its label %q", c.column, c.variable, c.label)
		}
		var plainCol string
		if err := plain.DB().QueryRow(`SELECT columnName FROM wide_columns WHERE tableName = ? AND variable = ?`, c.table, c.variable).Scan(&plainCol); err != nil {
			t.Fatal(err)
		}
		q := "SELECT recordId, %s FROM " + sqlite.Quote(c.table) + " ORDER BY recordId"
		got := query(t, labelled.DB(), fmt.Sprintf(q, sqlite.Quote(c.column)))
		want := query(t, plain.DB(), fmt.Sprintf(q, sqlite.Quote(plainCol)))
		if !slices.Equal(got, want) {
			t.Errorf("%s.%s differs from %s.%s", c.table, c.column, c.table, plainCol)
		}
	}
	if len(cols) == 0 || renamed == 0 {
		t.Errorf("%d columns, %d named after labels", len(cols), renamed)
	}
}

// harness runs the engine's scenarios against SQLite, each target a file in its directory,
// read back through SQL by a connection of its own.
var harness = exporttest.Harness{
	Open: func(t *testing.T, tg exporttest.Target) (export.Sink, error) {
		s, err := sqlite.Open(filepath.Join(tg.Dir, "export.db"))
		if err != nil {
			return nil, err // not a nil *sqlite.Sink in a non-nil interface
		}
		return s, nil
	},
	Dump: func(t *testing.T, tg exporttest.Target) map[string][]string {
		t.Helper()
		db := readOnly(t, tg)
		defer db.Close()
		return dump(t, db)
	},
	RecordIDs: func(t *testing.T, tg exporttest.Target, table string) []int64 {
		t.Helper()
		db := readOnly(t, tg)
		defer db.Close()
		var ids []int64
		for _, line := range query(t, db, "SELECT recordId FROM "+sqlite.Quote(table)) {
			id, err := strconv.ParseInt(strings.TrimPrefix(line, "int64:"), 10, 64)
			if err != nil {
				t.Fatalf("table %s: recordId %s", table, line)
			}
			ids = append(ids, id)
		}
		return ids
	},
}

// readOnly opens a target's database read-only, through the driver alone.
func readOnly(t *testing.T, tg exporttest.Target) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(tg.Dir, "export.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// TestEngine runs the engine's scenarios (export, sync, resume, faults, failed form, records
// only) against SQLite.
func TestEngine(t *testing.T) { exporttest.Run(t, harness) }

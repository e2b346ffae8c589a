package postgres

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/export/exporttest"
	"github.com/imednet/imednet-go/export/sqlite"
	"github.com/imednet/imednet-go/imednettest"
)

// The end-to-end tests export the test server's demo study through the export engine into
// PostgreSQL, each into its own schema.

const demo = imednettest.DemoStudyKey

func demoServer(t *testing.T) (*imednettest.Server, *imednet.Client) {
	t.Helper()
	srv, err := imednettest.New(imednettest.WithStudy(imednettest.StudyConfig{
		Key: demo, Sites: 3, Subjects: 4, RecordsPerSubject: 10, Users: 3,
		QueryFraction: 0.2, DeletedFraction: 0.1,
	}))
	if err != nil {
		t.Fatal(err)
	}
	c, err := srv.Client(imednet.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// demoSink opens the demo study's sink in a schema of its own, through its target.
func demoSink(t *testing.T) *Sink {
	t.Helper()
	schema := strings.ToLower(uniqueStudy("e2e"))
	target, err := export.ParseTarget(connURL(t)+sep(connURL(t))+"schema="+schema, demo)
	if err != nil {
		t.Fatal(err)
	}
	s, err := OpenTarget(context.Background(), target)
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

func sep(u string) string {
	if strings.Contains(u, "?") {
		return "&"
	}
	return "?"
}

// querier is a connection or a pool.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// schemaDump returns every table of a schema but the ledger's, each as its rows in
// PostgreSQL's text form, sorted.
func schemaDump(t *testing.T, db querier, schema string) map[string][]string {
	t.Helper()
	ctx := context.Background()
	rows, err := db.Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = $1 AND table_name NOT LIKE '\_imednet\_%'`, schema)
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
		rows, err := db.Query(ctx, "SELECT t::text FROM "+quoteIdent(schema)+"."+quoteIdent(n)+" t")
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for rows.Next() {
			var l string
			if err := rows.Scan(&l); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, l)
		}
		rows.Close()
		slices.Sort(lines)
		out[n] = lines
	}
	return out
}

// TestExportDemoStudy checks what PostgreSQL holds (the engine's scenarios are in
// TestEngine): the raw JSON of every record byte for byte as the server sent it, and the
// same tables with the same numbers of rows as an export into SQLite.
func TestExportDemoStudy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := demoServer(t)
	st := srv.Study(demo)
	s := demoSink(t)
	sum, err := export.Run(ctx, c, demo, s, export.Options{Layout: export.Both, PageSize: 7, BatchSize: 50})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Failed()) != 0 || len(sum.Forms) == 0 {
		t.Fatalf("summary: %d forms, failed %v", len(sum.Forms), sum.Failed())
	}
	for _, f := range sum.Forms {
		ids := st.RecordIDs(f.FormKey)
		rows, err := s.pool.Query(ctx, `SELECT "recordId", json::text FROM `+quoteIdent(s.schema)+`.records_raw WHERE "formKey" = $1`, f.FormKey)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var id int
			var got string
			if err := rows.Scan(&id, &got); err != nil {
				t.Fatal(err)
			}
			n++
			if want, _ := st.RecordJSON(id); !slices.Contains(ids, id) {
				t.Errorf("form %s: record %d is not one of the form's", f.FormKey, id)
			} else if got != string(want) {
				t.Errorf("record %d: raw JSON\n got %s\nwant %s", id, got, want)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if n != len(ids) {
			t.Errorf("form %s: %d raw rows, want %d", f.FormKey, n, len(ids))
		}
	}
	if r := s.Replaced(); r != 0 {
		t.Errorf("the sink replaced parts of %d values of the demo study", r)
	}
	// The same export into SQLite has the same tables with the same numbers of rows.
	lite, err := sqlite.Open(filepath.Join(t.TempDir(), "demo.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	if _, err := export.Run(ctx, c, demo, lite, export.Options{Layout: export.Both}); err != nil {
		t.Fatal(err)
	}
	pg := schemaDump(t, s.pool, s.schema)
	for _, name := range []string{"form_VS", "records_raw", "record_values", "subjects", "queries"} {
		if len(pg[name]) == 0 {
			t.Errorf("table %s is missing or empty", name)
		}
	}
	for name, rows := range pg {
		var n int
		if err := lite.DB().QueryRow("SELECT count(*) FROM " + sqlite.Quote(name)).Scan(&n); err != nil {
			t.Errorf("table %s: %v", name, err)
		} else if n != len(rows) {
			t.Errorf("table %s: %d rows in PostgreSQL, %d in SQLite", name, len(rows), n)
		}
	}
	var liteTables int
	if err := lite.DB().QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\_imednet\_%' ESCAPE '\' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`).Scan(&liteTables); err != nil {
		t.Fatal(err)
	}
	if liteTables != len(pg) {
		t.Errorf("%d tables in PostgreSQL, %d in SQLite", len(pg), liteTables)
	}
}

// engineSchemas holds the schemas that the harness created, so that each is dropped once.
var engineSchemas sync.Map

// harness runs the engine's scenarios against PostgreSQL, each target a schema named after
// it and dropped when the test ends, read back through a connection of its own. A reference
// target writes every batch through COPY, the others mostly through INSERT (their batches
// are small), so that the comparisons cover both ways.
var harness = exporttest.Harness{
	Open: func(t *testing.T, tg exporttest.Target) (export.Sink, error) {
		t.Helper()
		opts := []Option{WithSchema(tg.Name)}
		if tg.Reference {
			opts = append(opts, WithCopyThreshold(1))
		}
		s, err := Open(context.Background(), connString(t), tg.Study, opts...)
		if err != nil {
			return nil, err
		}
		if _, loaded := engineSchemas.LoadOrStore(tg.Name, true); !loaded {
			t.Cleanup(func() {
				conn := engineConn(t)
				defer conn.Close(context.Background())
				if _, err := conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+quoteIdent(tg.Name)+" CASCADE"); err != nil {
					t.Errorf("dropping schema %q: %v", tg.Name, err)
				}
			})
		}
		return s, nil
	},
	Dump: func(t *testing.T, tg exporttest.Target) map[string][]string {
		t.Helper()
		conn := engineConn(t)
		defer conn.Close(context.Background())
		return schemaDump(t, conn, tg.Name)
	},
	RecordIDs: func(t *testing.T, tg exporttest.Target, table string) []int64 {
		t.Helper()
		conn := engineConn(t)
		defer conn.Close(context.Background())
		rows, err := conn.Query(context.Background(), `SELECT "recordId" FROM `+quoteIdent(tg.Name)+"."+quoteIdent(identName(table)))
		if err != nil {
			t.Fatal(err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			t.Fatalf("table %s: %v", table, err)
		}
		return ids
	},
}

// engineConn connects to the test server.
func engineConn(t *testing.T) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), connString(t))
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

// TestEngine runs the engine's scenarios (export, sync, resume, faults, failed form, records
// only) against PostgreSQL.
func TestEngine(t *testing.T) {
	t.Parallel()
	exporttest.Run(t, harness)
}

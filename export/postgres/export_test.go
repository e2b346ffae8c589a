package postgres

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/export"
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

// demoSink opens the demo study's sink in a schema of its own, through the target registry.
func demoSink(t *testing.T) *Sink {
	t.Helper()
	schema := strings.ToLower(uniqueStudy("e2e"))
	sink, err := export.OpenTarget(context.Background(), connURL(t)+sep(connURL(t))+"schema="+schema, demo)
	if err != nil {
		t.Fatal(err)
	}
	s := sink.(*Sink)
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

// schemaDump returns every table of the sink's schema but the ledger's, each as its rows in
// PostgreSQL's text form, sorted.
func schemaDump(t *testing.T, s *Sink) map[string][]string {
	t.Helper()
	ctx := context.Background()
	rows, err := s.pool.Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = $1 AND table_name NOT LIKE '\_imednet\_%'`, s.schema)
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
		rows, err := s.pool.Query(ctx, "SELECT t::text FROM "+quoteIdent(s.schema)+"."+quoteIdent(n)+" t")
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

func sameSchemaDump(t *testing.T, got, want map[string][]string) {
	t.Helper()
	if len(got) != len(want) || len(want) == 0 {
		t.Errorf("%d tables, want %d", len(got), len(want))
	}
	for name, w := range want {
		g := got[name]
		if len(g) != len(w) {
			t.Errorf("table %s: %d rows, want %d", name, len(g), len(w))
		}
		for i := range min(len(g), len(w)) {
			if g[i] != w[i] {
				t.Errorf("table %s: row %d:\n got %s\nwant %s", name, i, g[i], w[i])
				break
			}
		}
	}
}

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
	var total int64
	for _, f := range sum.Forms {
		ids := st.RecordIDs(f.FormKey)
		total += int64(len(ids))
		if f.Records != int64(len(ids)) {
			t.Errorf("form %s: %d records, want %d", f.FormKey, f.Records, len(ids))
		}
		// The raw JSON holds every record as the server has it (as jsonb: the same value).
		rows, err := s.pool.Query(ctx, `SELECT "recordId", json FROM `+quoteIdent(s.schema)+`.records_raw WHERE "formKey" = $1`, f.FormKey)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var id int
			var got any
			if err := rows.Scan(&id, &got); err != nil {
				t.Fatal(err)
			}
			n++
			info, ok := st.Record(id)
			if !ok {
				t.Errorf("form %s: record %d is not the server's", f.FormKey, id)
				continue
			}
			data, _ := got.(map[string]any)["recordData"].(map[string]any)
			for k, v := range info.Data {
				if data[k] != v {
					t.Errorf("record %d: raw recordData[%s] = %v, want %q", id, k, data[k], v)
				}
			}
		}
		rows.Close()
		if n != len(ids) {
			t.Errorf("form %s: %d raw rows, want %d", f.FormKey, n, len(ids))
		}
		var wide int
		if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM "+quoteIdent(s.schema)+"."+quoteIdent(identName("form_"+f.FormKey))).Scan(&wide); err != nil {
			t.Fatal(err)
		}
		if wide != len(ids) {
			t.Errorf("form %s: %d wide rows, want %d", f.FormKey, wide, len(ids))
		}
	}
	if total == 0 || sum.Records != total {
		t.Errorf("summary: %d records, want %d", sum.Records, total)
	}
	l, err := s.LoadLedger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Runs) != 1 || l.Runs[0].Records != total || len(l.Forms) != len(sum.Forms) {
		t.Errorf("ledger: %d runs %+v, %d forms", len(l.Runs), l.Runs, len(l.Forms))
	}
	for k, f := range l.Forms {
		if f.Status != export.Succeeded || (f.Watermark.IsZero() && len(st.RecordIDs(k)) > 0) {
			t.Errorf("ledger: form %s: %+v", k, f)
		}
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
	pg := schemaDump(t, s)
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

	// A full rerun upserts: nothing doubles, nothing changes.
	if _, err := export.Run(ctx, c, demo, s, export.Options{Layout: export.Both, Full: true}); err != nil {
		t.Fatal(err)
	}
	sameSchemaDump(t, schemaDump(t, s), pg)
}

func TestSyncDemoStudyEqualsFreshExport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := demoServer(t)
	st := srv.Study(demo)
	s := demoSink(t)
	opts := export.Options{Layout: export.Both, BatchSize: 20}
	if _, err := export.Run(ctx, c, demo, s, opts); err != nil {
		t.Fatal(err)
	}

	// Change, add and delete records.
	vs := st.RecordIDs("VS")
	if len(vs) < 2 {
		t.Fatalf("form VS has %d records", len(vs))
	}
	info, _ := st.Record(vs[1])
	changed := map[string]string{}
	for name, v := range info.Data {
		if v != "" && len(changed) < 2 {
			changed[name] = ""
		}
	}
	if err := st.UpdateRecord(vs[1], changed); err != nil {
		t.Fatal(err)
	}
	gone := 0
	for _, id := range st.RecordIDs("AE") {
		if r, _ := st.Record(id); !r.Deleted {
			gone = id
			break
		}
	}
	if err := st.DeleteRecord(gone); err != nil {
		t.Fatal(err)
	}
	subject, _ := st.Record(vs[0])
	newID, err := st.AddRecord(imednettest.NewRecord{FormKey: "AE", SubjectKey: subject.SubjectKey, Data: map[string]string{}})
	if err != nil {
		t.Fatal(err)
	}

	if _, err := export.Sync(ctx, c, demo, s, opts); err != nil {
		t.Fatal(err)
	}
	var deleted bool
	if err := s.pool.QueryRow(ctx, `SELECT deleted FROM `+quoteIdent(s.schema)+`."form_AE" WHERE "recordId" = $1`, gone).Scan(&deleted); err != nil || !deleted {
		t.Errorf("the deleted record: deleted %v (%v)", deleted, err)
	}
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM `+quoteIdent(s.schema)+`.records_raw WHERE "recordId" = $1`, newID).Scan(&n); err != nil || n != 1 {
		t.Errorf("the new record: %d raw rows (%v)", n, err)
	}

	// The fresh export goes through COPY only, the first export and the sync mostly through
	// INSERT (their batches are small).
	fresh := newSink(t, demo, WithSchema(strings.ToLower(uniqueStudy("e2e_fresh"))), WithCopyThreshold(1))
	if _, err := export.Run(ctx, c, demo, fresh, opts); err != nil {
		t.Fatal(err)
	}
	sameSchemaDump(t, schemaDump(t, s), schemaDump(t, fresh))
}

func TestResumeAfterCancelEqualsCleanExport(t *testing.T) {
	t.Parallel()
	_, c := demoServer(t)
	s := demoSink(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	finished := 0
	opts := export.Options{Layout: export.Both, Concurrency: 1, PageSize: 5, BatchSize: 7}
	opts.OnEvent = func(e export.Event) {
		if e.Kind == export.FormFinished {
			if finished++; finished == 3 {
				cancel() // between forms and, for the next form, possibly inside a Write
			}
		}
	}
	if _, err := export.Run(ctx, c, demo, s, opts); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: %v, want context.Canceled", err)
	}
	l, err := s.LoadLedger(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	done := 0
	for _, f := range l.Forms {
		if f.Status == export.Succeeded {
			done++
		}
	}
	if done < 3 || done == len(l.Forms) {
		t.Fatalf("after the interruption: %d of %d forms succeeded", done, len(l.Forms))
	}
	opts.OnEvent = nil
	sum, err := export.Run(context.Background(), c, demo, s, opts)
	if err != nil {
		t.Fatal(err)
	}
	skipped := 0
	for _, f := range sum.Forms {
		if f.Skipped {
			skipped++
		}
	}
	if skipped != done {
		t.Errorf("the resumed run skipped %d forms, want the %d done", skipped, done)
	}
	clean := demoSink(t)
	if _, err := export.Run(context.Background(), c, demo, clean, export.Options{Layout: export.Both}); err != nil {
		t.Fatal(err)
	}
	sameSchemaDump(t, schemaDump(t, s), schemaDump(t, clean))
}

func TestExportUnderFaultsEqualsCleanExport(t *testing.T) {
	t.Parallel()
	cfg := imednettest.StudyConfig{Key: demo, Sites: 3, Subjects: 4, RecordsPerSubject: 10, Users: 3, QueryFraction: 0.2, DeletedFraction: 0.1}
	srv, err := imednettest.New(imednettest.WithStudy(cfg), imednettest.WithFaults(imednettest.FaultsAtRate(0.25)))
	if err != nil {
		t.Fatal(err)
	}
	c, err := srv.Client(imednet.WithMaxRetries(12), imednet.WithBackoff(time.Millisecond, 4*time.Millisecond),
		imednet.WithMaxRetryAfter(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	s := demoSink(t)
	if _, err := export.Run(context.Background(), c, demo, s, export.Options{Layout: export.Both, PageSize: 9}); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Stats().Faults); n < 3 {
		t.Fatalf("only %d kinds of fault were injected: %v", n, srv.Stats().Faults)
	}
	_, clientOK := demoServer(t)
	clean := demoSink(t)
	if _, err := export.Run(context.Background(), clientOK, demo, clean, export.Options{Layout: export.Both}); err != nil {
		t.Fatal(err)
	}
	sameSchemaDump(t, schemaDump(t, s), schemaDump(t, clean))
}

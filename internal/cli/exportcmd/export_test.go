package exportcmd_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/export/sqlite"
	"github.com/imednet/imednet-go/imednettest"
	"github.com/imednet/imednet-go/internal/cli"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
	"github.com/imednet/imednet-go/internal/cli/exportcmd"
)

type result struct {
	code        int
	out, errOut string
}

func newSandbox(t *testing.T) *imednettest.Server {
	t.Helper()
	srv, err := imednettest.New(imednettest.WithStudy(imednettest.StudyConfig{
		Key: imednettest.DemoStudyKey, Sites: 2, Subjects: 4, RecordsPerSubject: 10,
	}))
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

func run(t *testing.T, srv *imednettest.Server, tty bool, args ...string) result {
	t.Helper()
	io, _, out, errOut := cmdutil.TestStreams()
	io.OutTTY, io.ErrTTY = tty, tty
	f := &cmdutil.Factory{IO: io, Version: "test", Getenv: func(string) string { return "" },
		NewSandbox: func() (*imednettest.Server, error) { return srv, nil }}
	code := cli.Run(context.Background(), f, args)
	return result{code: code, out: out.String(), errOut: errOut.String()}
}

type line struct {
	Name, Kind, Status, Error      string
	Records                        int64
	Requests, Retries, RateLimited *int64
}

// lines returns the summary's lines of forms and tables, checking that the last line is the
// run's.
func lines(t *testing.T, out string) []line {
	t.Helper()
	ls := allLines(t, out)
	if len(ls) == 0 || ls[len(ls)-1].Kind != "run" {
		t.Fatalf("summary %+v: the last line is not the run's", ls)
	}
	return ls[:len(ls)-1]
}

// allLines returns every line of the summary.
func allLines(t *testing.T, out string) []line {
	t.Helper()
	var ls []line
	for _, s := range strings.Split(strings.TrimSpace(out), "\n") {
		var l line
		if err := json.Unmarshal([]byte(s), &l); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		ls = append(ls, l)
	}
	return ls
}

func TestExportAndSync(t *testing.T) {
	srv := newSandbox(t)
	db := filepath.Join(t.TempDir(), "demo.db")
	r := run(t, srv, false, "--sandbox", "export", "--to", "sqlite:"+db, "--layout", "both", "--forms", "AE,VS")
	// Piped: no progress, only the closing line on stderr.
	if r.code != 0 || !strings.HasPrefix(r.errOut, "Exported 2 forms, ") || !strings.Contains(r.errOut, " records to sqlite:"+db+" in ") || strings.Count(r.errOut, "\n") != 1 {
		t.Fatalf("export: exit %d, stderr %q", r.code, r.errOut)
	}
	ls := lines(t, r.out)
	st := srv.Study(imednettest.DemoStudyKey)
	if len(ls) != 2 || ls[0].Name != "VS" || ls[1].Name != "AE" {
		t.Fatalf("summary %+v; want VS and AE", ls)
	}
	for _, l := range ls {
		if l.Status != "succeeded" || l.Records != int64(len(st.RecordIDs(l.Name))) || l.Kind != "form" {
			t.Errorf("summary line %+v; want succeeded with %d records", l, len(st.RecordIDs(l.Name)))
		}
	}
	conn, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var n int
	if err := conn.QueryRow("SELECT count(*) FROM record_values v JOIN form_AE a USING (recordId)").Scan(&n); err != nil || n == 0 {
		t.Errorf("long rows of AE: %d (%v)", n, err)
	}

	if err := st.UpdateRecord(st.RecordIDs("AE")[0], map[string]string{}); err != nil {
		t.Fatal(err)
	}
	r = run(t, srv, true, "--sandbox", "sync", "--to", "sqlite:"+db, "--layout", "both", "--forms", "AE,VS", "-o", "jsonl")
	if r.code != 0 {
		t.Fatalf("sync: exit %d, stderr %q", r.code, r.errOut)
	}
	if !strings.Contains(r.errOut, "forms 2/2") || !strings.Contains(r.errOut, "Synced 2 forms") {
		t.Errorf("sync on a terminal: stderr %q; want progress and a final line", r.errOut)
	}
	for _, l := range lines(t, r.out) {
		if l.Status != "succeeded" || l.Records >= int64(len(st.RecordIDs(l.Name))) {
			t.Errorf("sync line %+v: want fewer records than the form's %d", l, len(st.RecordIDs(l.Name)))
		}
	}
	// The run's line counts the requests the server saw.
	before := srv.Stats().Requests
	r = run(t, srv, false, "--sandbox", "sync", "--to", "sqlite:"+db, "--forms", "AE,VS", "-o", "jsonl")
	served := 0
	for k, n := range srv.Stats().Requests {
		served += n - before[k]
	}
	ls = allLines(t, r.out)
	runLine := ls[len(ls)-1]
	if r.code != 0 || runLine.Kind != "run" || runLine.Name != imednettest.DemoStudyKey || runLine.Requests == nil ||
		*runLine.Requests != int64(served) || *runLine.Retries != 0 || *runLine.RateLimited != 0 {
		t.Errorf("sync -o jsonl: exit %d, run line %+v; want %d requests, no retry, no 429", r.code, runLine, served)
	}
	if want := fmt.Sprintf("; %d requests (0 retries, 0 answered 429)\n", served); !strings.HasSuffix(r.errOut, want) {
		t.Errorf("closing line %q; want it to end with %q", r.errOut, want)
	}
}

func TestDefaultTargetAndUsage(t *testing.T) {
	srv := newSandbox(t)
	t.Chdir(t.TempDir())
	r := run(t, srv, false, "--sandbox", "export", "--forms", "DM")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.errOut)
	}
	if s, err := sqlite.Open("DEMO.db"); err != nil {
		t.Errorf("the default target DEMO.db: %v", err)
	} else {
		s.Close()
	}
	for _, args := range [][]string{
		{"--layout", "tall"}, {"--concurrency", "0"}, {"--rate-limit", "-1"}, {"--to", "ftp:x"}, {"--to", "nowhere"},
		{"--forms", "NOPE"},
	} {
		r := run(t, srv, false, append([]string{"--sandbox", "export"}, args...)...)
		if r.code != cmdutil.ExitUsage {
			t.Errorf("%v: exit %d, stderr %q; want a usage error", args, r.code, r.errOut)
		}
		if r.errOut == "" {
			t.Errorf("%v: no message", args)
		}
	}
}

// failing is a sink whose writes to one form's table fail.
type failing struct {
	*sqlite.Sink
	table string
}

func (f failing) Write(ctx context.Context, table string, rows []export.Row) error {
	if table == f.table {
		return errors.New("disk full")
	}
	return f.Sink.Write(ctx, table, rows)
}

func TestFailedFormExitCode(t *testing.T) {
	exportcmd.AddTarget(t, "failae", func(ctx context.Context, target export.Target) (export.Sink, error) {
		s, err := sqlite.Open(target.Location)
		if err != nil {
			return nil, err
		}
		return failing{s, "form_AE"}, nil
	})
	srv := newSandbox(t)
	db := filepath.Join(t.TempDir(), "f.db")
	r := run(t, srv, false, "--sandbox", "export", "--to", "failae:"+db)
	if r.code != cmdutil.ExitFailure || !strings.Contains(r.errOut, "AE") || !strings.Contains(r.errOut, "disk full") {
		t.Fatalf("exit %d, stderr %q; want 1 naming AE and why", r.code, r.errOut)
	}
	failed := 0
	for _, l := range lines(t, r.out) {
		if l.Status == "failed" {
			failed++
			if l.Name != "AE" || !strings.Contains(l.Error, "disk full") {
				t.Errorf("failed line %+v", l)
			}
		}
	}
	if failed != 1 {
		t.Errorf("%d failed lines, want 1", failed)
	}
}

// TestRecordsOnly: --records-only exports the forms and leaves the other reference tables out,
// in the summary and in the target.
func TestRecordsOnly(t *testing.T) {
	srv := newSandbox(t)
	db := filepath.Join(t.TempDir(), "records.db")
	r := run(t, srv, false, "--sandbox", "export", "--records-only", "--to", "sqlite:"+db)
	if r.code != 0 {
		t.Fatalf("export: exit %d, stderr %q", r.code, r.errOut)
	}
	forms := 0
	for _, l := range lines(t, r.out) {
		if l.Kind != "form" {
			t.Errorf("summary line %+v: only forms expected", l)
		}
		forms++
	}
	conn, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var tables, reference, raw int
	if err := conn.QueryRow(`SELECT count(*) FILTER (WHERE name LIKE 'form\_%' ESCAPE '\'),
		count(*) FILTER (WHERE name IN ('record_revisions', 'subjects', 'visits', 'queries', 'users')) FROM sqlite_master WHERE type = 'table'`).Scan(&tables, &reference); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow("SELECT count(*) FROM records_raw").Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if tables != forms || reference != 0 || raw != len(srv.Study(imednettest.DemoStudyKey).RecordIDs("")) {
		t.Errorf("%d form tables for %d forms, %d reference tables (want none), %d raw records (want %d)",
			tables, forms, reference, raw, len(srv.Study(imednettest.DemoStudyKey).RecordIDs("")))
	}
}

// --dictionary: the choices table and decoded columns land in the target; a value outside
// its choice list keeps its code with a NULL label and is counted; bad files exit 2 before
// the target is created.
func TestExportDictionary(t *testing.T) {
	srv := newSandbox(t)
	st := srv.Study(imednettest.DemoStudyKey)
	var odd int
	for _, id := range st.RecordIDs("AE") {
		if rec, _ := st.Record(id); !rec.Deleted && rec.Data["AESEV"] != "" {
			odd = id
			break
		}
	}
	if err := st.UpdateRecord(odd, map[string]string{"AESEV": "8"}); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "demo.db")
	r := run(t, srv, false, "--sandbox", "export", "--to", "sqlite:"+db, "--dictionary", "sandbox", "--layout", "both", "-o", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	if !strings.Contains(r.errOut, "Note: 1 value of coded variables not in the dictionary's choice lists") {
		t.Errorf("stderr %q", r.errOut)
	}
	conn, err := sql.Open("sqlite", "file:"+db+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var choices, mismatched, labelled int
	if err := conn.QueryRow(`SELECT count(*) FROM choices`).Scan(&choices); err != nil || choices < 40 {
		t.Errorf("choices: %d rows, %v", choices, err)
	}
	// Every decoded label is the text of its code in the choices table.
	err = conn.QueryRow(`SELECT count(*), sum(c.label IS NOT a.AESEV_label) FROM form_AE a
		LEFT JOIN choices c ON c.formKey = 'AE' AND c.variable = 'AESEV' AND c.value = a.AESEV
		WHERE a.AESEV IS NOT NULL`).Scan(&labelled, &mismatched)
	if err != nil || labelled < 3 || mismatched != 0 {
		t.Errorf("form_AE: %d coded rows, %d labels that are not their code's: %v", labelled, mismatched, err)
	}
	var code string
	var label sql.NullString
	if err := conn.QueryRow(`SELECT AESEV, AESEV_label FROM form_AE WHERE recordId = ?`, odd).Scan(&code, &label); err != nil || code != "8" || label.Valid {
		t.Errorf("record %d: AESEV %q, label %v, %v", odd, code, label, err)
	}
	if err := conn.QueryRow(`SELECT valueLabel FROM record_values WHERE recordId = ? AND variable = 'AEOUT'`, odd).Scan(&label); err != nil {
		t.Errorf("record_values: %v", err)
	}

	bad := filepath.Join(t.TempDir(), "bad")
	db2 := filepath.Join(t.TempDir(), "never.db")
	r = run(t, srv, false, "--sandbox", "export", "--to", "sqlite:"+db2, "--dictionary", bad)
	if r.code != cmdutil.ExitUsage || !strings.Contains(r.errOut, "--dictionary: "+bad) {
		t.Errorf("bad dictionary: exit %d, %q", r.code, r.errOut)
	}
	if _, err := os.Stat(db2); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the target was created with a bad dictionary: %v", err)
	}
}

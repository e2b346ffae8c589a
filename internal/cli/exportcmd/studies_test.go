package exportcmd_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/export/sqlite"
	"github.com/imednet/imednet-go/imednettest"
	"github.com/imednet/imednet-go/internal/cli"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
)

// newPortfolio returns a sandbox with three small studies, DEMO, CARDIO and ONCO, in which
// every records request of ONCO fails with a 5xx.
func newPortfolio(t *testing.T) *imednettest.Server {
	t.Helper()
	srv, err := imednettest.New(imednettest.WithPortfolio(3, imednettest.StudyConfig{Sites: 2, Subjects: 4, RecordsPerSubject: 10}),
		imednettest.WithFaults(onceFailing))
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// onceFailing makes ONCO's records listings fail.
var onceFailing = imednettest.Faults{ServerErrorRate: 1, Studies: []string{"ONCO"}, Paths: []string{"/studies/{studyKey}/records"}}

// runFast runs the command like run, with a client that gives up quickly on failing requests.
func runFast(t *testing.T, srv *imednettest.Server, args ...string) result {
	t.Helper()
	io, _, out, errOut := cmdutil.TestStreams()
	f := &cmdutil.Factory{IO: io, Version: "test", Getenv: func(string) string { return "" },
		NewSandbox:    func() (*imednettest.Server, error) { return srv, nil },
		ClientOptions: []imednet.Option{imednet.WithMaxRetries(1), imednet.WithBackoff(time.Millisecond, 2*time.Millisecond)}}
	code := cli.Run(context.Background(), f, args)
	return result{code: code, out: out.String(), errOut: errOut.String()}
}

// studyLines returns the summary's study lines by study key, checking the run's last line.
func studyLines(t *testing.T, out string) (map[string]line, line) {
	t.Helper()
	ls := allLines(t, out)
	if len(ls) == 0 || ls[len(ls)-1].Kind != "run" {
		t.Fatalf("summary %+v: the last line is not the run's", ls)
	}
	by := map[string]line{}
	for _, l := range ls[:len(ls)-1] {
		if l.Kind != "study" {
			t.Fatalf("line %+v is not a study's", l)
		}
		by[l.Name] = l
	}
	return by, ls[len(ls)-1]
}

// manyStudies runs the scenario of several studies into one target template: an export in
// which ONCO fails while DEMO and CARDIO are exported, a rerun that completes ONCO, and a
// sync that picks up a change of CARDIO. count returns the rows of a table of a study's
// target.
func manyStudies(t *testing.T, to string, count func(study, table string) int) {
	srv := newPortfolio(t)
	keys := []string{"DEMO", "CARDIO", "ONCO"}
	r := runFast(t, srv, "--sandbox", "export", "--study", "DEMO,CARDIO,ONCO", "--to", to, "-o", "jsonl")
	if r.code != cmdutil.ExitFailure || !strings.Contains(r.errOut, "1 study of 3 failed: ONCO") {
		t.Fatalf("export with ONCO failing: exit %d, stderr %q", r.code, r.errOut)
	}
	by, runLine := studyLines(t, r.out)
	var sum int64
	for _, key := range keys {
		l, ok := by[key]
		if !ok {
			t.Fatalf("no line for %s: %+v", key, by)
		}
		want := "succeeded"
		if key == "ONCO" {
			want = "failed"
		}
		if l.Status != want || l.Requests == nil || *l.Requests == 0 {
			t.Errorf("%s: %+v; want %s with its requests", key, l, want)
		}
		sum += *l.Requests
		if key != "ONCO" {
			if n := srv.Study(key).Counts().Records; l.Records != int64(n) || count(key, "records_raw") != n {
				t.Errorf("%s: line %d records, target %d, server %d", key, l.Records, count(key, "records_raw"), n)
			}
		}
	}
	if !strings.Contains(by["ONCO"].Error, "failed") || runLine.Status != "failed" || *runLine.Requests < sum || *by["ONCO"].Retries == 0 {
		t.Errorf("ONCO %+v, run %+v (studies' requests %d)", by["ONCO"], runLine, sum)
	}
	if !strings.Contains(r.errOut, "ONCO: failed: ") || !strings.Contains(r.errOut, "DEMO: exported ") {
		t.Errorf("stderr lacks the studies' lines: %q", r.errOut)
	}

	// The service recovers: the rerun resumes ONCO and completes it.
	if err := srv.SetFaults(imednettest.Faults{}); err != nil {
		t.Fatal(err)
	}
	r = runFast(t, srv, "--sandbox", "export", "--study", "ONCO,DEMO,CARDIO", "--to", to, "-o", "jsonl")
	if r.code != 0 {
		t.Fatalf("rerun: exit %d, stderr %q", r.code, r.errOut)
	}
	by, _ = studyLines(t, r.out)
	if n := srv.Study("ONCO").Counts().Records; by["ONCO"].Status != "succeeded" || count("ONCO", "records_raw") != n {
		t.Errorf("ONCO after the rerun: %+v, %d rows of %d", by["ONCO"], count("ONCO", "records_raw"), n)
	}

	// A sync per study: a change of CARDIO arrives in CARDIO's target alone.
	st := srv.Study("CARDIO")
	id := st.RecordIDs("VS")[0]
	if err := st.UpdateRecord(id, map[string]string{"WEIGHT": "77.5"}); err != nil {
		t.Fatal(err)
	}
	r = runFast(t, srv, "--sandbox", "sync", "--study", "DEMO,CARDIO,ONCO", "--to", to, "-o", "jsonl")
	if r.code != 0 || !strings.Contains(r.errOut, "Synced 3 studies (0 failed)") {
		t.Fatalf("sync: exit %d, stderr %q", r.code, r.errOut)
	}
	for _, key := range keys {
		if n := srv.Study(key).Counts().Records; count(key, "records_raw") != n {
			t.Errorf("%s after the sync: %d rows, server %d", key, count(key, "records_raw"), n)
		}
	}
	if got := count("CARDIO", "form_VS WHERE WEIGHT = 77.5"); got != 1 {
		t.Errorf("CARDIO's changed record: %d rows with the new weight", got)
	}
}

func TestManyStudiesIntoSQLiteTemplate(t *testing.T) {
	dir := t.TempDir()
	manyStudies(t, "sqlite:"+filepath.Join(dir, "out", "{study}.db"), func(study, table string) int {
		db, err := sql.Open("sqlite", filepath.Join(dir, "out", study+".db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var n int
		if err := db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
			t.Fatalf("%s: %s: %v", study, table, err)
		}
		return n
	})
}

func TestManyStudiesIntoPostgres(t *testing.T) {
	conn := os.Getenv("IMEDNET_TEST_POSTGRES")
	if conn == "" {
		msg := "no PostgreSQL server: set IMEDNET_TEST_POSTGRES to a connection string"
		if os.Getenv("IMEDNET_REQUIRE_POSTGRES") == "1" || os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	b := make([]byte, 4)
	rand.Read(b)
	prefix := "many_" + hex.EncodeToString(b) + "_"
	ctx := context.Background()
	pg, err := pgx.Connect(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, key := range []string{"DEMO", "CARDIO", "ONCO"} {
			pg.Exec(context.Background(), `DROP SCHEMA IF EXISTS "`+prefix+key+`" CASCADE`)
		}
		pg.Close(context.Background())
	})
	// A schema per study, named by the template.
	manyStudies(t, postgresURL(t, conn, "schema="+prefix+"{study}"), func(study, table string) int {
		var n int
		from, where, _ := strings.Cut(table, " WHERE ")
		q := `SELECT count(*) FROM "` + prefix + study + `"."` + from + `"`
		if where != "" {
			col, val, _ := strings.Cut(where, " = ")
			q += ` WHERE "` + col + `" = ` + val
		}
		if err := pg.QueryRow(ctx, q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	})
}

// postgresURL turns the test server's connection string (a URL, or key=value pairs) into a
// postgres:// URL with the extra query.
func postgresURL(t *testing.T, conn, extra string) string {
	t.Helper()
	if strings.HasPrefix(conn, "postgres://") || strings.HasPrefix(conn, "postgresql://") {
		sep := "?"
		if strings.Contains(conn, "?") {
			sep = "&"
		}
		return conn + sep + extra
	}
	kv := map[string]string{}
	for _, f := range strings.Fields(conn) {
		k, v, _ := strings.Cut(f, "=")
		kv[k] = v
	}
	u := url.URL{Scheme: "postgres", Path: "/" + kv["dbname"]}
	if kv["user"] != "" {
		u.User = url.UserPassword(kv["user"], kv["password"])
		if kv["password"] == "" {
			u.User = url.User(kv["user"])
		}
	}
	q := url.Values{}
	for k, v := range kv {
		if k != "dbname" && k != "user" && k != "password" {
			q.Set(k, v)
		}
	}
	return u.String() + "?" + q.Encode() + "&" + extra
}

func TestAllStudiesExclude(t *testing.T) {
	srv := newPortfolio(t)
	dir := t.TempDir()
	r := runFast(t, srv, "--sandbox", "export", "--all-studies", "--exclude", "ONCO", "--to", "csv:"+filepath.Join(dir, "{study}"), "-o", "json")
	if r.code != 0 || !strings.Contains(r.errOut, "Exported 2 studies (0 failed)") {
		t.Fatalf("export --all-studies --exclude ONCO: exit %d, stderr %q", r.code, r.errOut)
	}
	for key, want := range map[string]bool{"DEMO": true, "CARDIO": true, "ONCO": false} {
		_, err := os.Stat(filepath.Join(dir, key, "records_raw.csv"))
		if (err == nil) != want {
			t.Errorf("%s: records_raw.csv exists %v, want %v", key, err == nil, want)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--all-studies", "--exclude", "NOPE"}, "--exclude: no study NOPE among the 3 the keys can see (CARDIO, DEMO, ONCO)"},
		{[]string{"--all-studies", "--exclude", "DEMO,CARDIO,ONCO"}, "no study left"},
		{[]string{"--study", "DEMO,ONCO", "--exclude", "ONCO"}, "--exclude goes with --all-studies"},
		{[]string{"--study", "DEMO", "--all-studies"}, "give one or the other"},
		{[]string{"--all-studies", "--dictionary", "sandbox"}, "write {study} where each study's key goes"},
	} {
		r := runFast(t, srv, append([]string{"--sandbox", "export", "--to", "csv:" + filepath.Join(dir, "x", "{study}")}, tc.args...)...)
		if r.code != cmdutil.ExitUsage || !strings.Contains(r.errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, r.code, r.errOut, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x")); !os.IsNotExist(err) {
		t.Errorf("a refused run created its target: %v", err)
	}
}

// Several studies into one SQLite file or file directory are refused before anything is
// written, with a message that shows the template; a Parquet directory is partitioned by
// study; a PostgreSQL URL naming one schema is refused.
func TestManyStudiesTargetTemplates(t *testing.T) {
	srv := newPortfolio(t)
	if err := srv.SetFaults(imednettest.Faults{}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, tc := range []struct{ to, want string }{
		{"sqlite:" + filepath.Join(dir, "all.db"), "sqlite:" + filepath.Join(dir, "all", "{study}.db")},
		{"csv:" + filepath.Join(dir, "csv"), "csv:" + filepath.Join(dir, "csv", "{study}")},
		{"jsonl:" + filepath.Join(dir, "jl"), "jsonl:" + filepath.Join(dir, "jl", "{study}")},
		{"postgres://u@127.0.0.1:1/db?schema=one", "?schema=edc_{study}"},
	} {
		r := runFast(t, srv, "--sandbox", "export", "--study", "DEMO,ONCO", "--to", tc.to)
		if r.code != cmdutil.ExitUsage || !strings.Contains(r.errOut, tc.want) || !strings.Contains(r.errOut, "{study}") {
			t.Errorf("--to %s: exit %d, stderr %q; want 2 and %q", tc.to, r.code, r.errOut, tc.want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("refused runs wrote %v", entries)
	}
	// One study alone may use any target, and fills {study} in.
	r := runFast(t, srv, "--sandbox", "export", "--study", "ONCO", "--to", "sqlite:"+filepath.Join(dir, "{study}.db"), "--forms", "AE")
	if r.code != 0 || !strings.Contains(r.errOut, "to sqlite:"+filepath.Join(dir, "ONCO.db")) {
		t.Errorf("one study with {study}: exit %d, stderr %q", r.code, r.errOut)
	}
	lake := filepath.Join(dir, "lake")
	r = runFast(t, srv, "--sandbox", "export", "--study", "DEMO,ONCO", "--to", "parquet:"+lake, "--records-only")
	if r.code != 0 {
		t.Fatalf("parquet: exit %d, stderr %q", r.code, r.errOut)
	}
	for _, key := range []string{"DEMO", "ONCO"} {
		if _, err := os.Stat(filepath.Join(lake, "study="+key, "records_raw")); err != nil {
			t.Errorf("parquet partition of %s: %v", key, err)
		}
	}
}

// A target held by another run fails its study alone.
func TestManyStudiesLockedTarget(t *testing.T) {
	srv := newPortfolio(t)
	if err := srv.SetFaults(imednettest.Faults{}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	holder, err := sqlite.Open(filepath.Join(dir, "CARDIO.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	r := runFast(t, srv, "--sandbox", "export", "--all-studies", "--to", "sqlite:"+filepath.Join(dir, "{study}.db"), "-o", "jsonl")
	by, _ := studyLines(t, r.out)
	if r.code != cmdutil.ExitFailure || by["CARDIO"].Status != "failed" || !strings.Contains(by["CARDIO"].Error, "in use by another export or sync") ||
		by["DEMO"].Status != "succeeded" || by["ONCO"].Status != "succeeded" {
		t.Errorf("exit %d, lines %+v, stderr %q", r.code, by, r.errOut)
	}
}

// An interrupted run of several studies exits as an interrupted export does, marks the
// studies it did not finish, and the rerun resumes them.
func TestManyStudiesInterrupted(t *testing.T) {
	srv := newPortfolio(t)
	if err := srv.SetFaults(imednettest.Faults{}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// One study at a time (--concurrency 2): DEMO is interrupted while AE is written, and
	// ONCO never starts.
	r := runInterrupted(t, srv, os.Interrupt, 0, "--sandbox", "export", "--study", "DEMO,ONCO", "--concurrency", "2",
		"--to", "blockae:"+filepath.Join(dir, "{study}.db"), "-o", "jsonl")
	if r.code != cmdutil.ExitInterrupted || !strings.Contains(r.errOut, "imednet: interrupted (SIGINT); run the export again to resume it") {
		t.Fatalf("exit %d, stderr %q", r.code, r.errOut)
	}
	by, _ := studyLines(t, r.out)
	if by["DEMO"].Status != "failed" || by["ONCO"].Status != "failed" || by["ONCO"].Error != "interrupted before it started" {
		t.Errorf("interrupted: %+v", by)
	}
	if _, err := os.Stat(filepath.Join(dir, "ONCO.db")); !os.IsNotExist(err) {
		t.Errorf("the study that did not start has a target: %v", err)
	}
	r = runFast(t, srv, "--sandbox", "export", "--study", "DEMO,ONCO", "--to", "sqlite:"+filepath.Join(dir, "{study}.db"), "-o", "jsonl")
	if r.code != 0 {
		t.Fatalf("rerun: exit %d, stderr %q", r.code, r.errOut)
	}
	for _, key := range []string{"DEMO", "ONCO"} {
		db, err := sql.Open("sqlite", filepath.Join(dir, key+".db"))
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.QueryRow("SELECT count(*) FROM records_raw").Scan(&n); err != nil || n != srv.Study(key).Counts().Records {
			t.Errorf("%s: %d records (%v), server %d", key, n, err, srv.Study(key).Counts().Records)
		}
		db.Close()
	}
}

// --dictionary with {study} reads each study's own dictionary files.
func TestManyStudiesDictionaries(t *testing.T) {
	srv := newPortfolio(t)
	if err := srv.SetFaults(imednettest.Faults{}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, key := range []string{"DEMO", "ONCO"} {
		if err := os.MkdirAll(filepath.Join(dir, "dict", key), 0o755); err != nil {
			t.Fatal(err)
		}
		for name, b := range srv.Study(key).DictionaryFiles() {
			if err := os.WriteFile(filepath.Join(dir, "dict", key, name), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	r := runFast(t, srv, "--sandbox", "export", "--study", "DEMO,ONCO", "--dictionary", filepath.Join(dir, "dict", "{study}"),
		"--to", "sqlite:"+filepath.Join(dir, "{study}.db"))
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.errOut)
	}
	forms := map[string]int{}
	for _, key := range []string{"DEMO", "ONCO"} {
		db, err := sql.Open("sqlite", filepath.Join(dir, key+".db"))
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.QueryRow("SELECT count(DISTINCT formKey) FROM choices").Scan(&n); err != nil || n == 0 {
			t.Errorf("%s: choices of %d forms (%v)", key, n, err)
		}
		forms[key] = n
		db.Close()
	}
	if forms["DEMO"] == forms["ONCO"] {
		t.Errorf("DEMO and ONCO have choices of the same %d forms: one study's files were read for both", forms["DEMO"])
	}
}

// --forms across studies gives each study the forms named that it has, skips a study that
// has none of them (exit 0, no target), and refuses a key that no study has before anything
// is written.
func TestManyStudiesForms(t *testing.T) {
	srv := newPortfolio(t)
	if err := srv.SetFaults(imednettest.Faults{}); err != nil {
		t.Fatal(err)
	}
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	has := map[string]map[string]bool{}
	for _, key := range []string{"DEMO", "CARDIO", "ONCO"} {
		has[key] = map[string]bool{}
		for f, err := range c.Forms.All(context.Background(), key, nil) {
			if err != nil {
				t.Fatal(err)
			}
			has[key][f.FormKey] = true
		}
	}
	// The sandbox's studies share their first forms; ONCO has more than DEMO, which has more
	// than CARDIO.
	if !has["DEMO"]["EX"] || has["DEMO"]["FORM13"] || has["CARDIO"]["EX"] || has["CARDIO"]["FORM13"] || !has["ONCO"]["FORM13"] {
		t.Fatalf("the portfolio's forms changed: %v", has)
	}
	dir := t.TempDir()
	to := "sqlite:" + filepath.Join(dir, "{study}.db")

	r := runFast(t, srv, "--sandbox", "export", "--study", "DEMO,CARDIO,ONCO", "--to", to, "--forms", "EX,NOPE", "-o", "jsonl")
	if r.code != cmdutil.ExitUsage || !strings.Contains(r.errOut, "no study has form NOPE") {
		t.Errorf("a form no study has: exit %d, stderr %q; want 2 naming NOPE", r.code, r.errOut)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the refused run wrote %v", entries)
	}

	r = runFast(t, srv, "--sandbox", "export", "--study", "DEMO,CARDIO,ONCO", "--to", to, "--forms", "EX,FORM13", "-o", "jsonl")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.errOut)
	}
	by, _ := studyLines(t, r.out)
	if by["CARDIO"].Status != "skipped" || by["DEMO"].Status != "succeeded" || by["ONCO"].Status != "succeeded" {
		t.Errorf("statuses %+v; want CARDIO skipped, DEMO and ONCO succeeded", by)
	}
	if !strings.Contains(r.errOut, "CARDIO: skipped: it has none of the forms EX, FORM13") || !strings.Contains(r.errOut, "(0 failed, 1 skipped)") {
		t.Errorf("stderr %q does not say that CARDIO was skipped", r.errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "CARDIO.db")); !os.IsNotExist(err) {
		t.Errorf("a target was created for the skipped study: %v", err)
	}
	for key, want := range map[string][]string{"DEMO": {"form_EX"}, "ONCO": {"form_EX", "form_FORM13"}} {
		db, err := sql.Open("sqlite", filepath.Join(dir, key+".db"))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'form\_%' ESCAPE '\' ORDER BY name`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var n string
			rows.Scan(&n)
			got = append(got, n)
		}
		rows.Close()
		db.Close()
		if !slices.Equal(got, want) {
			t.Errorf("%s's form tables %v, want %v", key, got, want)
		}
	}
}

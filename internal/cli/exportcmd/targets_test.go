package exportcmd

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/spf13/cobra"

	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/export/filesink"
	"github.com/imednet/imednet-go/export/postgres"
	"github.com/imednet/imednet-go/export/sqlite"
	"github.com/imednet/imednet-go/imednettest"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
)

// The table is well formed: every scheme and alias names one entry, every entry has its
// texts and opener, and exactly one gives the default --to.
func TestTargetTable(t *testing.T) {
	seen := map[string]string{}
	defaults := 0
	for _, e := range targets {
		for _, s := range append([]string{e.scheme}, e.aliases...) {
			if s != strings.ToLower(s) || strings.ContainsAny(s, `:/\. `) || s == "" {
				t.Errorf("%s: scheme or alias %q is not lower case without :/\\. and space", e.scheme, s)
			}
			if other, dup := seen[s]; dup {
				t.Errorf("%q names both %s and %s", s, other, e.scheme)
			}
			seen[s] = e.scheme
		}
		if e.location == "" || e.name == "" || e.about == "" || e.open == nil {
			t.Errorf("%s: incomplete entry %+v", e.scheme, e)
		}
		if e.defaultLocation != "" {
			defaults++
		}
	}
	if defaults != 1 {
		t.Errorf("%d entries give the default --to, want 1", defaults)
	}
	if got := defaultTo("S"); got != "sqlite:S.db" {
		t.Errorf("defaultTo = %q", got)
	}
}

// Every entry of the table opens a sink of its own kind that takes an export: a SQLite file,
// a PostgreSQL schema (on the server IMEDNET_TEST_POSTGRES names), Parquet, CSV and JSON
// Lines files.
func TestEveryTargetOpensItsSink(t *testing.T) {
	srv, err := imednettest.New(imednettest.WithStudy(imednettest.StudyConfig{Key: "DEMO", Sites: 1, Subjects: 2, RecordsPerSubject: 3}))
	if err != nil {
		t.Fatal(err)
	}
	client, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// Per scheme: the location to export into, and a check that the sink is of that kind and
	// holds the export's records.
	checks := map[string]struct {
		location func(t *testing.T) string
		check    func(t *testing.T, s export.Sink, records int64)
	}{
		"sqlite": {
			func(t *testing.T) string { return filepath.Join(dir, "demo.db") },
			func(t *testing.T, s export.Sink, records int64) {
				db := s.(*sqlite.Sink).DB()
				var n int64
				if err := db.QueryRow("SELECT count(*) FROM " + export.RawTable).Scan(&n); err != nil || n != records {
					t.Errorf("%d raw records (%v), want %d", n, err, records)
				}
			},
		},
		"postgres": {
			func(t *testing.T) string {
				return strings.TrimPrefix(postgresURL(t), "postgres:") + "&schema=cli_target_" + strconv.FormatInt(time.Now().UnixNano(), 36)
			},
			func(t *testing.T, s export.Sink, records int64) {
				ps := s.(*postgres.Sink)
				ctx := context.Background()
				defer ps.Pool().Exec(ctx, "DROP SCHEMA "+pgQuote(ps.Schema())+" CASCADE")
				var n int64
				err := ps.Pool().QueryRow(ctx, "SELECT count(*) FROM "+pgQuote(ps.Schema())+"."+export.RawTable).Scan(&n)
				if err != nil || n != records {
					t.Errorf("%d raw records (%v), want %d", n, err, records)
				}
			},
		},
	}
	for _, format := range []string{"parquet", "csv", "jsonl"} {
		checks[format] = struct {
			location func(t *testing.T) string
			check    func(t *testing.T, s export.Sink, records int64)
		}{
			func(t *testing.T) string { return filepath.Join(dir, format) },
			func(t *testing.T, s export.Sink, records int64) {
				// The format names the files: records_raw.csv, records_raw.jsonl,
				// records_raw/part-0.parquet.
				path := s.(*filesink.Sink).Path(export.RawTable)
				if !strings.HasSuffix(path, "."+format) {
					t.Errorf("the raw records are in %s, not a .%s file", path, format)
				}
				if info, err := os.Stat(path); err != nil || info.Size() == 0 {
					t.Errorf("the raw records' file: %v", err)
				}
			},
		}
	}
	for _, e := range targets {
		t.Run(e.scheme, func(t *testing.T) {
			c, ok := checks[e.scheme]
			if !ok {
				t.Fatalf("no check for the target %s: add one to this test", e.scheme)
			}
			target, entry, err := parseTarget(e.scheme+":"+c.location(t), "DEMO")
			if err != nil || entry.scheme != e.scheme {
				t.Fatalf("parseTarget: %v, %+v", err, entry)
			}
			sink, err := entry.open(context.Background(), target)
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := sink.Close(); err != nil {
					t.Error(err)
				}
			}()
			sum, err := export.Run(context.Background(), client, "DEMO", sink, export.Options{RecordsOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Records == 0 {
				t.Fatal("no record exported")
			}
			c.check(t, sink, sum.Records)
		})
	}
}

// postgresURL returns the test server's connection string, IMEDNET_TEST_POSTGRES, as a
// postgres:// URL; the test is skipped without one unless IMEDNET_REQUIRE_POSTGRES=1.
func postgresURL(t *testing.T) string {
	conn := os.Getenv("IMEDNET_TEST_POSTGRES")
	if conn == "" {
		if os.Getenv("IMEDNET_REQUIRE_POSTGRES") == "1" {
			t.Fatal("IMEDNET_TEST_POSTGRES is not set, and IMEDNET_REQUIRE_POSTGRES=1 forbids skipping")
		}
		t.Skip("no PostgreSQL server: set IMEDNET_TEST_POSTGRES to a connection string")
	}
	cfg, err := pgconn.ParseConfig(conn)
	if err != nil {
		t.Fatal(err)
	}
	q := url.Values{"host": {cfg.Host}, "port": {strconv.Itoa(int(cfg.Port))}, "sslmode": {"disable"}}
	if cfg.TLSConfig != nil {
		q.Set("sslmode", "require")
	}
	u := url.URL{Scheme: "postgres", Path: "/" + cfg.Database, RawQuery: q.Encode()}
	u.User = url.User(cfg.User)
	if cfg.Password != "" {
		u.User = url.UserPassword(cfg.User, cfg.Password)
	}
	return u.String()
}

func pgQuote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// An unknown scheme is a usage error that lists exactly the table's schemes.
func TestUnknownTargetListsTheTable(t *testing.T) {
	_, _, err := parseTarget("nosuch:x", "S")
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Fatalf("error %v: not a usage error", err)
	}
	msg := err.Error()
	_, listed, ok := strings.Cut(msg, "(known: ")
	listed, _, closed := strings.Cut(listed, ")")
	if !ok || !closed || !strings.Contains(msg, `"nosuch"`) {
		t.Fatalf("error %q: want the scheme and the known ones in parentheses", msg)
	}
	var want []string
	for _, e := range targets {
		want = append(want, e.scheme)
	}
	if got := strings.Split(listed, ", "); !slices.Equal(got, want) {
		t.Errorf("known: %q, want %q", got, want)
	}
	// A bare path that no target claims lists how each is written.
	_, _, err = parseTarget("out/file.txt", "S")
	for _, e := range targets {
		if err == nil || !strings.Contains(err.Error(), e.usage()) {
			t.Errorf("bare path without a known suffix: %v; want it to show %s", err, e.usage())
		}
	}
}

// Aliases, upper case and bare paths with a target's suffix find their entry; the target
// keeps the location as written.
func TestTargetAliases(t *testing.T) {
	for _, tc := range []struct{ to, scheme, location string }{
		{"sqlite3:x.db", "sqlite", "x.db"},
		{"SQLite:x", "sqlite", "x"},
		{"out/DEMO.db", "sqlite", "out/DEMO.db"},
		{"DEMO.SQLITE3", "sqlite", "DEMO.SQLITE3"},
		{"x.sqlite", "sqlite", "x.sqlite"},
		{"postgresql://u@h/db?schema=s", "postgres", "//u@h/db?schema=s"},
		{"POSTGRES://h/db", "postgres", "//h/db"},
		{"Parquet:lake", "parquet", "lake"},
	} {
		target, entry, err := parseTarget(tc.to, "S")
		if err != nil || entry.scheme != tc.scheme || target.Location != tc.location || target.Study != "S" {
			t.Errorf("parseTarget(%q) = %+v, %v, %v; want the %s entry and location %q", tc.to, target, entry, err, tc.scheme, tc.location)
		}
	}
	for _, e := range targets {
		for _, a := range e.aliases {
			if _, entry, err := parseTarget(a+":x", "S"); err != nil || entry.scheme != e.scheme {
				t.Errorf("alias %s: %v, %v", a, entry, err)
			}
		}
	}
}

// The help of export and sync names every target, as written and its aliases, and --to's
// help every form.
func TestHelpNamesEveryTarget(t *testing.T) {
	f := &cmdutil.Factory{IO: &cmdutil.IOStreams{}}
	for _, cmd := range []*cobra.Command{NewCmd(f, nil), NewSyncCmd(f, nil)} {
		to := cmd.Flags().Lookup("to").Usage
		for _, e := range targets {
			if !strings.Contains(cmd.Long, "\n  "+e.usage()+" ") {
				t.Errorf("%s: the help has no line for %s:\n%s", cmd.Name(), e.usage(), cmd.Long)
			}
			for _, a := range e.aliases {
				if !strings.Contains(cmd.Long, a+":") {
					t.Errorf("%s: the help does not name the alias %s", cmd.Name(), a)
				}
			}
			if !strings.Contains(to, e.usage()) {
				t.Errorf("%s: --to's help %q does not name %s", cmd.Name(), to, e.usage())
			}
		}
		if !strings.Contains(to, "default "+defaultTo("<study>")) {
			t.Errorf("%s: --to's help %q does not give the default", cmd.Name(), to)
		}
	}
	short := NewCmd(f, nil).Short
	for _, e := range targets {
		if !strings.Contains(short, e.name) {
			t.Errorf("the short help %q does not name %s", short, e.name)
		}
	}
}

// StudyTargets reads a target of several studies as export does: {study} replaced, a
// PostgreSQL schema per study, and one SQLite file for several studies refused.
func TestStudyTargets(t *testing.T) {
	keys := []string{"A", "B"}
	for _, c := range []struct {
		to   string
		want []string // each target as it prints, with its study
	}{
		{"", []string{"sqlite:A.db A", "sqlite:B.db B"}},
		{"sqlite:out/{study}.db", []string{"sqlite:out/A.db A", "sqlite:out/B.db B"}},
		{"postgres://u@h/db", []string{"postgres://u@h/db A", "postgres://u@h/db B"}},
		{"postgres://u@h/db?schema=edc_{study}", []string{"postgres://u@h/db?schema=edc_A A", "postgres://u@h/db?schema=edc_B B"}},
	} {
		ts, err := StudyTargets(c.to, keys)
		if err != nil {
			t.Errorf("%q: %v", c.to, err)
			continue
		}
		var got []string
		for _, tg := range ts {
			got = append(got, tg.String()+" "+tg.Study)
		}
		if strings.Join(got, ";") != strings.Join(c.want, ";") {
			t.Errorf("%q: %q, want %q", c.to, got, c.want)
		}
	}
	for _, to := range []string{"sqlite:one.db", "postgres://u@h/db?schema=one"} {
		if _, err := StudyTargets(to, keys); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("%q for two studies: %v, want a usage error", to, err)
		}
	}
}

package exportcmd_test

import (
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/imednet/imednet-go/internal/cli/cmdutil"
)

// columns returns the columns of a table of a SQLite target, in order, and the runs its
// ledger records.
func columns(t *testing.T, db, table string) ([]string, int) {
	t.Helper()
	conn, err := sql.Open("sqlite", "file:"+db+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows, err := conn.Query("SELECT name FROM pragma_table_info(?)", table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	var runs int
	if err := conn.QueryRow("SELECT count(*) FROM _imednet_runs").Scan(&runs); err != nil {
		t.Fatal(err)
	}
	return cols, runs
}

// A run whose --layout or --labels differ from the target's is refused with exit 2, says how
// out, and writes nothing, whichever the direction.
func TestShapeChangeIsRefused(t *testing.T) {
	srv := newSandbox(t)
	for _, c := range []struct {
		name        string
		first, then []string
		option      string
		also        string // said besides the option and the ways out
	}{
		{"codes then labels", []string{"export"}, []string{"sync", "--labels"}, "labels", ""},
		{"labels then codes", []string{"export", "--labels"}, []string{"export"}, "labels", ""},
		{"labels then codes by sync", []string{"export", "--labels"}, []string{"sync", "--labels=false"}, "labels", ""},
		{"wide then long", []string{"export"}, []string{"export", "--layout", "long"}, "layout", ""},
		{"long then wide by sync", []string{"export", "--layout", "long"}, []string{"sync", "--layout", "wide"}, "layout", ""},
		{"codes then decoded", []string{"export"}, []string{"sync", "--dictionary", "sandbox"}, "dictionary", ""},
		{"decoded then codes", []string{"export", "--dictionary", "sandbox"}, []string{"export"}, "dictionary", ""},
		{"decoded then a sync without the files", []string{"export", "--dictionary", "sandbox"}, []string{"sync"}, "dictionary", "--dictionary PATH"},
	} {
		t.Run(c.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "demo.db")
			args := func(a []string) []string {
				return append([]string{"--sandbox"}, append(slices.Clone(a), "--to", "sqlite:"+db, "--forms", "AE")...)
			}
			if r := run(t, srv, false, args(c.first)...); r.code != 0 {
				t.Fatalf("%v: exit %d, stderr %q", c.first, r.code, r.errOut)
			}
			cols, runs := columns(t, db, "form_AE")
			r := run(t, srv, false, args(c.then)...)
			if r.code != cmdutil.ExitUsage || r.out != "" {
				t.Errorf("%v: exit %d, stdout %q; want 2 and nothing", c.then, r.code, r.out)
			}
			for _, want := range []string{"option " + c.option, "--full", "new target", c.also} {
				if !strings.Contains(r.errOut, want) {
					t.Errorf("%v: stderr %q lacks %q", c.then, r.errOut, want)
				}
			}
			if cols2, runs2 := columns(t, db, "form_AE"); !slices.Equal(cols, cols2) || runs2 != runs {
				t.Errorf("%v wrote: columns %q then %q, runs %d then %d", c.then, cols, cols2, runs, runs2)
			}
		})
	}
}

// A sync without --layout or --labels takes the target's; --full rebuilds the target in a new
// shape, as a fresh export of that shape, and a sync --full keeps of the target's shape what
// it does not ask to change.
func TestShapeAdoptedAndRebuilt(t *testing.T) {
	srv := newSandbox(t)
	dir := t.TempDir()
	labelled, plain := filepath.Join(dir, "labelled.db"), filepath.Join(dir, "plain.db")
	for _, a := range [][]string{
		{"export", "--labels", "--layout", "both", "--to", "sqlite:" + labelled},
		{"export", "--to", "sqlite:" + plain},
	} {
		if r := run(t, srv, false, append([]string{"--sandbox"}, a...)...); r.code != 0 {
			t.Fatalf("%v: exit %d, stderr %q", a, r.code, r.errOut)
		}
	}
	withLabels, _ := columns(t, labelled, "form_AE")
	codes, _ := columns(t, plain, "form_AE")
	if slices.Equal(withLabels, codes) {
		t.Fatalf("the columns with and without --labels are the same: %q", codes)
	}
	if r := run(t, srv, false, "--sandbox", "sync", "--to", "sqlite:"+labelled); r.code != 0 {
		t.Fatalf("a plain sync into a target with --labels: exit %d, stderr %q", r.code, r.errOut)
	}
	if cols, runs := columns(t, labelled, "form_AE"); !slices.Equal(cols, withLabels) || runs != 2 {
		t.Errorf("after the sync: columns %q, %d runs; want %q and 2", cols, runs, withLabels)
	}
	if long, _ := columns(t, labelled, "record_values"); len(long) == 0 {
		t.Error("the sync dropped the long layout")
	}

	r := run(t, srv, false, "--sandbox", "sync", "--full", "--labels=false", "--to", "sqlite:"+labelled)
	if r.code != 0 {
		t.Fatalf("sync --full --labels=false into a target with labels: exit %d, stderr %q", r.code, r.errOut)
	}
	if cols, runs := columns(t, labelled, "form_AE"); !slices.Equal(cols, codes) || runs != 1 {
		t.Errorf("after sync --full --labels=false: columns %q, %d runs; want %q and 1", cols, runs, codes)
	}
	if long, _ := columns(t, labelled, "record_values"); len(long) == 0 {
		t.Error("sync --full --labels=false dropped the long layout, which it did not ask to change")
	}

	r = run(t, srv, false, "--sandbox", "export", "--full", "--to", "sqlite:"+labelled)
	if r.code != 0 {
		t.Fatalf("export --full into a target of another shape: exit %d, stderr %q", r.code, r.errOut)
	}
	cols, runs := columns(t, labelled, "form_AE")
	if !slices.Equal(cols, codes) || runs != 1 {
		t.Errorf("after the rebuild: columns %q, %d runs; want a fresh export's %q and 1", cols, runs, codes)
	}
	if long, _ := columns(t, labelled, "record_values"); len(long) != 0 {
		t.Errorf("the rebuild kept record_values (%q), which a wide export does not write", long)
	}
}

// --names snake names tables and columns in snake_case; a plain sync keeps them, a sync asking
// for the API's names is refused, and a name style that does not exist is a usage error.
func TestSnakeNames(t *testing.T) {
	srv := newSandbox(t)
	db := filepath.Join(t.TempDir(), "demo.db")
	if r := run(t, srv, false, "--sandbox", "export", "--names", "snake", "--forms", "AE", "--to", "sqlite:"+db); r.code != 0 {
		t.Fatalf("export --names snake: exit %d, stderr %q", r.code, r.errOut)
	}
	cols, _ := columns(t, db, "form_ae")
	if len(cols) == 0 || cols[0] != "record_id" || !slices.Contains(cols, "date_modified") {
		t.Fatalf("form_ae's columns: %q", cols)
	}
	if r := run(t, srv, false, "--sandbox", "sync", "--forms", "AE", "--to", "sqlite:"+db); r.code != 0 {
		t.Fatalf("a plain sync: exit %d, stderr %q", r.code, r.errOut)
	}
	if old, _ := columns(t, db, "form_AE"); !slices.Equal(old, cols) {
		// SQLite's names are case-insensitive: form_AE is form_ae; its columns must not have grown.
		t.Errorf("after the sync, form_ae's columns are %q, want %q", old, cols)
	}
	r := run(t, srv, false, "--sandbox", "sync", "--names", "api", "--to", "sqlite:"+db)
	if r.code != cmdutil.ExitUsage || !strings.Contains(r.errOut, "option names") {
		t.Errorf("sync --names api into a snake target: exit %d, stderr %q", r.code, r.errOut)
	}
	r = run(t, srv, false, "--sandbox", "export", "--names", "kebab", "--to", "sqlite:"+db)
	if r.code != cmdutil.ExitUsage || !strings.Contains(r.errOut, "--names") {
		t.Errorf("--names kebab: exit %d, stderr %q", r.code, r.errOut)
	}
}

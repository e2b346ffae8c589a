package exportcmd_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/imednet/imednet-go/export/sqlite"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
)

// An export or a sync into a target another run holds is refused at once with exit 2, naming
// the target and the holder, and writes nothing: no run in the ledger, no form marked.
func TestSecondRunIntoATargetIsRefused(t *testing.T) {
	srv := newSandbox(t)
	db := filepath.Join(t.TempDir(), "demo.db")
	holder, err := sqlite.Open(db) // a run in progress
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"export", "sync"} {
		r := run(t, srv, false, "--sandbox", cmd, "--to", "sqlite:"+db, "-o", "jsonl")
		if r.code != cmdutil.ExitUsage || r.out != "" {
			t.Errorf("%s into a held target: exit %d, stdout %q; want 2 and nothing", cmd, r.code, r.out)
		}
		for _, want := range []string{"sqlite:" + db, "in use by another export or sync", "pid " + strconv.Itoa(os.Getpid())} {
			if !strings.Contains(r.errOut, want) {
				t.Errorf("%s: stderr %q lacks %q", cmd, r.errOut, want)
			}
		}
	}
	l, err := holder.LoadLedger(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Runs) != 0 || len(l.Forms) != 0 {
		t.Errorf("the refused runs wrote the ledger: %d runs, %d forms", len(l.Runs), len(l.Forms))
	}
	if err := holder.Close(); err != nil {
		t.Fatal(err)
	}
	if r := run(t, srv, false, "--sandbox", "export", "--to", "sqlite:"+db); r.code != 0 || strings.Contains(r.errOut, "lock") {
		t.Fatalf("export once the target is free: exit %d, stderr %q", r.code, r.errOut)
	}
}

// A lock left behind by a run that was killed is taken over, with a note; the export resumes.
func TestLockLeftBehindIsTakenOverWithANote(t *testing.T) {
	srv := newSandbox(t)
	db := filepath.Join(t.TempDir(), "demo.db")
	stale := `{"pid":999999,"host":"gone-host","started":"2026-01-02T03:04:05Z"}`
	if err := os.WriteFile(db+sqlite.LockSuffix, []byte(stale), 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, srv, false, "--sandbox", "export", "--to", "sqlite:"+db)
	if r.code != 0 || !strings.Contains(r.errOut, "Note: the lock of sqlite:"+db+" was left by a run that ended without releasing it (pid 999999 on host gone-host, since 2026-01-02 03:04:05 UTC)") {
		t.Fatalf("export: exit %d, stderr %q", r.code, r.errOut)
	}
	if _, err := os.Stat(db + sqlite.LockSuffix); !os.IsNotExist(err) {
		t.Errorf("the lock file stays after the run: %v", err)
	}
	conn, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var runs int
	if err := conn.QueryRow("SELECT count(*) FROM _imednet_runs WHERE finished IS NOT NULL").Scan(&runs); err != nil || runs != 1 {
		t.Errorf("finished runs: %d (%v), want 1", runs, err)
	}
}

package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/export/exporttest"
	"github.com/imednet/imednet-go/export/sqlite"
	"github.com/imednet/imednet-go/imednettest"
)

// childEnv, when set, makes the test binary export into the file it names and exit: the
// process that TestResumeAfterKill kills.
const childEnv = "IMEDNET_EXPORT_TEST_CHILD_DB"

func TestMain(m *testing.M) {
	if path := os.Getenv(childEnv); path != "" {
		if err := childExport(path); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// childExport exports the small study slowly (every request delayed), one request at a time.
func childExport(path string) error {
	srv, err := imednettest.New(imednettest.WithStudy(smallConfig), imednettest.WithLatency(5*time.Millisecond, 5*time.Millisecond))
	if err != nil {
		return err
	}
	c, err := srv.Client()
	if err != nil {
		return err
	}
	sink, err := sqlite.Open(path)
	if err != nil {
		return err
	}
	defer sink.Close()
	_, err = export.Run(context.Background(), c, study, sink, export.Options{Concurrency: 1, PageSize: 5})
	return err
}

func TestResumeAfterKill(t *testing.T) {
	path := filepath.Join(t.TempDir(), "killed.db")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+path)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	// Kill it (SIGKILL: no cleanup of any kind) once two forms are done.
	deadline := time.Now().Add(time.Minute)
	for done := 0; done < 2; {
		select {
		case err := <-exited:
			t.Fatalf("the export ended before it was killed: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no form was done after a minute")
		}
		done = succeededForms(path)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-exited

	sink, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	l, err := sink.LoadLedger(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Runs) != 1 || !l.Runs[0].Finished.IsZero() {
		t.Fatalf("runs after the kill: %+v; want one, unfinished", l.Runs)
	}
	skipped := 0
	srv := smallStudy(t) // the same data as the child's server
	sum := run(t, client(t, srv), sink, export.Options{})
	for _, f := range sum.Forms {
		if f.Skipped {
			skipped++
		}
		if f.Status != export.Succeeded {
			t.Errorf("form %s: %s", f.FormKey, f.Status)
		}
	}
	if skipped < 2 {
		t.Errorf("the rerun skipped %d forms, want the 2 or more done before the kill", skipped)
	}
	clean := open(t, "clean.db")
	run(t, client(t, srv), clean, export.Options{})
	exporttest.SameTables(t, dump(t, sink.DB()), dump(t, clean.DB()))
}

// succeededForms reads, without writing, how many forms the ledger at path marks succeeded
// (0 while the file or its tables do not exist yet).
func succeededForms(path string) int {
	if _, err := os.Stat(path); err != nil {
		return 0
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return 0
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM _imednet_forms WHERE status = 'succeeded'`).Scan(&n); err != nil {
		return 0
	}
	return n
}

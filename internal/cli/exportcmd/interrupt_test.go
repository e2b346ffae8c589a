package exportcmd_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/export/sqlite"
	"github.com/imednet/imednet-go/imednettest"
	"github.com/imednet/imednet-go/internal/cli"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
	"github.com/imednet/imednet-go/internal/cli/exportcmd"
)

// blocking is a SQLite sink whose first write to one form's table tells the test it has
// begun (closing started) and then waits until the run is cancelled. It sends the key of
// each form the ledger records as succeeded on succeeded.
type blocking struct {
	*sqlite.Sink
	table     string
	started   chan struct{}
	once      *sync.Once
	succeeded chan string
}

func (b blocking) Write(ctx context.Context, table string, rows []export.Row) error {
	if table != b.table {
		return b.Sink.Write(ctx, table, rows)
	}
	b.once.Do(func() { close(b.started) })
	<-ctx.Done()
	return ctx.Err()
}

func (b blocking) SaveForm(ctx context.Context, st export.FormState) error {
	err := b.Sink.SaveForm(ctx, st)
	if err == nil && st.Status == export.Succeeded {
		select {
		case b.succeeded <- st.FormKey:
		default: // more than the test waits for
		}
	}
	return err
}

// newBlock sets the "blockae" target up until the test ends: its writes to form_AE block.
func newBlock(t *testing.T) blocking {
	b := blocking{table: "form_AE", started: make(chan struct{}), once: &sync.Once{}, succeeded: make(chan string, 256)}
	exportcmd.AddTarget(t, "blockae", func(ctx context.Context, target export.Target) (export.Sink, error) {
		s, err := sqlite.Open(target.Location)
		if err != nil {
			return nil, err
		}
		opened := b
		opened.Sink = s
		return opened, nil
	})
	return b
}

// runBlocked runs the command with args (their target "blockae:...") and, once the AE form
// is being written and then others more forms have succeeded, cancels its context with
// cancel, before it returns what the command gave.
func runBlocked(t *testing.T, srv *imednettest.Server, ctx context.Context, cancel func(), others int, args ...string) result {
	t.Helper()
	b := newBlock(t)
	io, _, out, errOut := cmdutil.TestStreams()
	f := &cmdutil.Factory{IO: io, Version: "test", Getenv: func(string) string { return "" },
		NewSandbox: func() (*imednettest.Server, error) { return srv, nil }}
	done := make(chan int, 1)
	go func() { done <- cli.Run(ctx, f, args) }()
	for waiting := b.started; others > 0 || waiting != nil; {
		select {
		case <-waiting:
			waiting = nil
		case <-b.succeeded:
			others--
		case code := <-done:
			t.Fatalf("the command ended (exit %d) before it was interrupted; stderr %q", code, errOut.String())
		}
	}
	cancel()
	code := <-done
	return result{code: code, out: out.String(), errOut: errOut.String()}
}

// runInterrupted is runBlocked with a context cancelled as cli.Main's is by sig: with a
// *cmdutil.SignalError as its cause.
func runInterrupted(t *testing.T, srv *imednettest.Server, sig os.Signal, others int, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	return runBlocked(t, srv, ctx, func() { cancel(&cmdutil.SignalError{Signal: sig}) }, others, args...)
}

// An interrupted export exits 130, says so and how to resume, and the next export resumes
// it.
func TestInterruptedExport(t *testing.T) {
	srv := newSandbox(t)
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	forms := 0
	for _, err := range c.Forms.All(context.Background(), imednettest.DemoStudyKey, nil) {
		if err != nil {
			t.Fatal(err)
		}
		forms++
	}
	db := filepath.Join(t.TempDir(), "demo.db")
	// Interrupted while AE is written, once every other form is done.
	r := runInterrupted(t, srv, os.Interrupt, forms-1, "--sandbox", "export", "--to", "blockae:"+db)
	if r.code != cmdutil.ExitInterrupted {
		t.Errorf("exit %d; want %d", r.code, cmdutil.ExitInterrupted)
	}
	const want = "imednet: interrupted (SIGINT); run the export again to resume it: the forms this run completed are skipped\n"
	if r.errOut != want {
		t.Errorf("stderr %q\nwant %q", r.errOut, want)
	}
	// The summary lists the forms, and the reference tables that did not finish: those still
	// being read when the signal came are reported interrupted, which is not checked here.
	ls := formLines(t, r.out)
	for _, l := range ls {
		if l.Name == "AE" && l.Status == "succeeded" || l.Name != "AE" && l.Status != "succeeded" {
			t.Errorf("interrupted run: %+v; want AE not succeeded, the others succeeded", l)
		}
	}
	if len(ls) != forms {
		t.Errorf("interrupted run: %d forms in the summary, want %d", len(ls), forms)
	}

	// The rerun skips the forms the interrupted run completed: all but AE.
	r = run(t, srv, false, "--sandbox", "export", "--to", "sqlite:"+db)
	if r.code != 0 {
		t.Fatalf("rerun: exit %d, stderr %q", r.code, r.errOut)
	}
	ls = formLines(t, r.out)
	for _, l := range ls {
		if l.Name == "AE" && l.Status != "succeeded" || l.Name != "AE" && l.Status != "skipped" {
			t.Errorf("rerun: %+v; want AE succeeded, the others skipped", l)
		}
	}
	if len(ls) != forms {
		t.Errorf("rerun: %d forms in the summary, want %d", len(ls), forms)
	}
}

// SIGTERM gives 143; sync and export --full say what their rerun does.
func TestInterruptedSyncAndFullExport(t *testing.T) {
	srv := newSandbox(t)
	for _, tc := range []struct {
		sig  os.Signal
		args []string
		code int
		want string
	}{
		{syscall.SIGTERM, []string{"sync"}, cmdutil.ExitTerminated,
			"imednet: interrupted (SIGTERM); run sync again to fetch what this run did not\n"},
		{os.Interrupt, []string{"export", "--full"}, cmdutil.ExitInterrupted,
			"imednet: interrupted (SIGINT); run the export again without --full to resume it: the forms this run completed are skipped\n"},
	} {
		db := filepath.Join(t.TempDir(), "demo.db")
		r := runInterrupted(t, srv, tc.sig, 0, append(append([]string{"--sandbox"}, tc.args...), "--to", "blockae:"+db)...)
		if r.code != tc.code || r.errOut != tc.want {
			t.Errorf("%v: exit %d, stderr %q; want %d, %q", tc.args, r.code, r.errOut, tc.code, tc.want)
		}
	}
}

// Cancelled without a signal (by a program that calls cli.Run, say), the export fails as
// any failure does: exit 1.
func TestCancelledWithoutSignal(t *testing.T) {
	srv := newSandbox(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := runBlocked(t, srv, ctx, cancel, 0, "--sandbox", "export", "--to", "blockae:"+filepath.Join(t.TempDir(), "x.db"))
	if r.code != cmdutil.ExitFailure {
		t.Errorf("exit %d; want %d", r.code, cmdutil.ExitFailure)
	}
	if !strings.HasPrefix(r.errOut, "imednet: interrupted; run the export again to resume it") {
		t.Errorf("stderr %q", r.errOut)
	}
}

// formLines returns the summary lines of forms, leaving out those of reference tables.
func formLines(t *testing.T, out string) []line {
	t.Helper()
	var forms []line
	for _, l := range lines(t, out) {
		if l.Kind == "form" {
			forms = append(forms, l)
		}
	}
	return forms
}

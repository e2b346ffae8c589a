package cli

import (
	"context"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/imednet/imednet-go/imednettest"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
)

// runCancelled runs the command with args on srv, whose requests wait until their client
// gives up, and once the first request waits, cancels the command's context with cause.
func runCancelled(t *testing.T, srv *imednettest.Server, cause error, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	io, _, out, errOut := cmdutil.TestStreams()
	f := &cmdutil.Factory{IO: io, Version: "test", Getenv: func(string) string { return "" },
		NewSandbox: func() (*imednettest.Server, error) { return srv, nil }}
	before := srv.Stats().Faults[imednettest.FaultLatency]
	done := make(chan int, 1)
	go func() { done <- Run(ctx, f, args) }()
	for srv.Stats().Faults[imednettest.FaultLatency] == before { // a request is waiting
		select {
		case code := <-done:
			t.Fatalf("the command ended (exit %d) before its request; stderr %q", code, errOut.String())
		case <-time.After(time.Millisecond):
		}
	}
	cancel(cause)
	code := <-done
	return result{code: code, out: out.String(), errOut: errOut.String()}
}

// A command interrupted by a signal while it waits for the API exits with 128 plus the
// signal's number and says so; cancelled otherwise, it is a failure like any other.
func TestInterruptedExitCode(t *testing.T) {
	srv := newSandbox(t, imednettest.WithLatency(time.Hour, time.Hour))
	for _, tc := range []struct {
		cause  error
		code   int
		errOut string
	}{
		{&cmdutil.SignalError{Signal: os.Interrupt}, cmdutil.ExitInterrupted, "imednet: interrupted (SIGINT)\n"},
		{&cmdutil.SignalError{Signal: syscall.SIGTERM}, cmdutil.ExitTerminated, "imednet: interrupted (SIGTERM)\n"},
		{&cmdutil.SignalError{Signal: syscall.SIGHUP}, 129, "imednet: interrupted (hangup)\n"},
		{errors.New("the caller gave up"), cmdutil.ExitFailure, "imednet: interrupted\n"},
	} {
		for _, args := range [][]string{{"studies", "list"}, {"records", "list", "--filter", "formKey==AE"}} {
			r := runCancelled(t, srv, tc.cause, append([]string{"--sandbox"}, args...)...)
			if r.code != tc.code || r.errOut != tc.errOut {
				t.Errorf("%v, cancelled by %v: exit %d, stderr %q; want %d, %q", args, tc.cause, r.code, r.errOut, tc.code, tc.errOut)
			}
		}
	}
}

// An ordinary failure still exits 1, and one that comes after a signal is reported as an
// interruption, with its own message first.
func TestFailureExitCodeWithAndWithoutSignal(t *testing.T) {
	srv := newSandbox(t)
	r := sbx(t, srv, "jobs", "status", "no-such-batch")
	if r.code != cmdutil.ExitFailure || !strings.HasPrefix(r.errOut, "imednet: ") || strings.Contains(r.errOut, "interrupted") {
		t.Errorf("not found: exit %d, stderr %q; want 1 without an interruption", r.code, r.errOut)
	}

	// A usage error found before any request, with the context already cancelled by a signal:
	// the command stopped because it was told to, so the signal's code wins, and the error is
	// still shown.
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(&cmdutil.SignalError{Signal: os.Interrupt})
	io, _, _, errOut := cmdutil.TestStreams()
	f := &cmdutil.Factory{IO: io, Version: "test", Getenv: func(string) string { return "" }}
	code := Run(ctx, f, []string{"studies", "list", "--no-such-flag"})
	if want := "imednet: unknown flag --no-such-flag (see 'imednet studies list --help')\nimednet: interrupted (SIGINT)\n"; code != cmdutil.ExitInterrupted || errOut.String() != want {
		t.Errorf("exit %d, stderr %q; want %d, %q", code, errOut.String(), cmdutil.ExitInterrupted, want)
	}

	// A command that ends well despite the signal (sandbox serve serves until one) exits 0.
	f = &cmdutil.Factory{IO: io, Version: "test", Getenv: func(string) string { return "" }}
	if code := Run(ctx, f, []string{"version"}); code != cmdutil.ExitOK {
		t.Errorf("version after a signal: exit %d", code)
	}
}

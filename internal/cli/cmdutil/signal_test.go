package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"
)

func TestSignalErrorCode(t *testing.T) {
	for _, tc := range []struct {
		sig  os.Signal
		code int
		msg  string
	}{
		{os.Interrupt, ExitInterrupted, "interrupted (SIGINT)"},
		{syscall.SIGTERM, ExitTerminated, "interrupted (SIGTERM)"},
		{syscall.SIGHUP, 129, "interrupted (hangup)"},
		{nil, ExitInterrupted, "interrupted (signal)"},
	} {
		e := &SignalError{Signal: tc.sig}
		if e.Code() != tc.code || e.Error() != tc.msg {
			t.Errorf("%v: code %d, %q; want %d, %q", tc.sig, e.Code(), e.Error(), tc.code, tc.msg)
		}
		// Returned by a command, wrapped, it gives the same code and message.
		wrapped := fmt.Errorf("list: %w", e)
		if ExitCode(wrapped) != tc.code || ErrorMessage(wrapped) != tc.msg {
			t.Errorf("%v wrapped: ExitCode %d, ErrorMessage %q", tc.sig, ExitCode(wrapped), ErrorMessage(wrapped))
		}
	}
}

func TestInterrupted(t *testing.T) {
	if Interrupted(context.Background()) != nil {
		t.Error("a live context is interrupted")
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	if Interrupted(ctx) != nil {
		t.Error("a context not yet cancelled is interrupted")
	}
	cancel(fmt.Errorf("shutting down: %w", &SignalError{Signal: syscall.SIGTERM}))
	if sig := Interrupted(ctx); sig == nil || sig.Signal != syscall.SIGTERM {
		t.Errorf("cancelled by SIGTERM: %v", sig)
	}
	// A context derived from it tells too.
	child, stop := context.WithTimeout(ctx, time.Hour)
	defer stop()
	if sig := Interrupted(child); sig == nil || sig.Signal != syscall.SIGTERM {
		t.Errorf("child of a context cancelled by SIGTERM: %v", sig)
	}

	plain, cancelPlain := context.WithCancel(context.Background())
	cancelPlain()
	other, cancelOther := context.WithCancelCause(context.Background())
	cancelOther(errors.New("done"))
	past, cancelPast := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancelPast()
	for name, ctx := range map[string]context.Context{"plain cancel": plain, "other cause": other, "deadline": past} {
		if sig := Interrupted(ctx); sig != nil {
			t.Errorf("%s: interrupted by %v", name, sig)
		}
	}
}

func TestNoteError(t *testing.T) {
	if WithNote(nil, "x") != nil {
		t.Error("WithNote(nil) is not nil")
	}
	err := &ExitError{Code: ExitFailure, Err: WithNote(fmt.Errorf("export: interrupted: %w", context.Canceled), "run it again")}
	if got := ErrorMessage(err); got != "interrupted; run it again" {
		t.Errorf("cancelled: %q", got)
	}
	if Note(err) != "run it again" || Note(errors.New("x")) != "" {
		t.Errorf("Note: %q", Note(err))
	}
	if !errors.Is(err, context.Canceled) || ExitCode(err) != ExitFailure {
		t.Errorf("the note hides the cause: %v", err)
	}
	if got := ErrorMessage(WithNote(errors.New("imednet: disk full"), "free some space")); got != "disk full; free some space" {
		t.Errorf("failure: %q", got)
	}
}

// stop ends the context without a signal and releases the signals.
func TestNotifyContextStop(t *testing.T) {
	ctx, stop := NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	if ctx.Err() != nil {
		t.Fatal("done before any signal")
	}
	stop()
	<-ctx.Done()
	if sig := Interrupted(ctx); sig != nil {
		t.Errorf("stopped: interrupted by %v", sig)
	}
}

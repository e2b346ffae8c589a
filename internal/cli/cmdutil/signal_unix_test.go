//go:build unix

package cmdutil

import (
	"context"
	"os"
	"syscall"
	"testing"
)

// A signal the process receives cancels the context with that signal as its cause.
func TestNotifyContextSignal(t *testing.T) {
	ctx, stop := NotifyContext(context.Background(), syscall.SIGUSR1, syscall.SIGUSR2)
	defer stop()
	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR2); err != nil {
		t.Fatal(err)
	}
	<-ctx.Done()
	if sig := Interrupted(ctx); sig == nil || sig.Signal != syscall.SIGUSR2 {
		t.Errorf("cancelled by %v, want SIGUSR2", context.Cause(ctx))
	}
}

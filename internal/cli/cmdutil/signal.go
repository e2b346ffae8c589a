package cmdutil

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"
)

// SignalError is the cause of a command's context cancelled by a signal (see
// context.WithCancelCause and context.Cause). NotifyContext sets it; Run reads it back with
// Interrupted to end an interrupted command with 128 plus the signal's number rather than
// ExitFailure. Tests cancel their context with it to act as a signal would.
type SignalError struct {
	Signal os.Signal
}

// Error says that the command was interrupted, and by which signal.
func (e *SignalError) Error() string { return "interrupted (" + signalName(e.Signal) + ")" }

// Code returns the exit code of a command stopped by the signal: 128 plus its number, as
// shells report a process killed by it (ExitInterrupted for SIGINT, ExitTerminated for
// SIGTERM); ExitInterrupted for a signal without a number.
func (e *SignalError) Code() int {
	if s, ok := e.Signal.(syscall.Signal); ok && s > 0 && s < 128 {
		return 128 + int(s)
	}
	return ExitInterrupted
}

func signalName(s os.Signal) string {
	switch s {
	case nil:
		return "signal"
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return s.String()
}

// Interrupted returns the signal that cancelled ctx, or nil when ctx is not done or ended
// otherwise (cancelled without a *SignalError cause, or past its deadline).
func Interrupted(ctx context.Context) *SignalError {
	if ctx.Err() == nil {
		return nil
	}
	var se *SignalError
	if errors.As(context.Cause(ctx), &se) {
		return se
	}
	return nil
}

// NotifyContext returns a copy of parent that is cancelled when one of sigs arrives, with a
// *SignalError naming it as the cause. Only the first signal is caught: once it has
// arrived, the signals get their default action again, so that a second Ctrl-C ends a
// command that is slow to stop. stop releases the signals and cancels the context; call it
// when the command has ended.
func NotifyContext(parent context.Context, sigs ...os.Signal) (ctx context.Context, stop context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, sigs...)
	go func() {
		select {
		case s := <-ch:
			signal.Stop(ch)
			cancel(&SignalError{Signal: s})
		case <-ctx.Done():
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		cancel(nil)
	}
}

// NoteError is an error with a note on what to do next, which ErrorMessage shows after the
// error's message (for example how an interrupted export resumes).
type NoteError struct {
	Err  error
	Note string
}

// Error returns the cause's message.
func (e *NoteError) Error() string { return e.Err.Error() }

// Unwrap returns the cause.
func (e *NoteError) Unwrap() error { return e.Err }

// WithNote returns err with a note on what to do next; nil stays nil.
func WithNote(err error, note string) error {
	if err == nil {
		return nil
	}
	return &NoteError{Err: err, Note: note}
}

// Note returns the note of the first *NoteError in err's chain, or "".
func Note(err error) string {
	var ne *NoteError
	if errors.As(err, &ne) {
		return ne.Note
	}
	return ""
}

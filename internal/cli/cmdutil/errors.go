package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"strings"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/dictionary"
)

// The exit codes of the imednet command.
const (
	ExitOK      = 0 // success
	ExitFailure = 1 // a failure: the API, the network, a job that failed
	ExitUsage   = 2 // a usage error or invalid input (flags, arguments, files, filters)
	ExitAuth    = 3 // authentication or permission: the API answered 401 or 403

	// A command stopped by a signal ends with 128 plus the signal's number, as shells report
	// a process the signal killed (see SignalError).
	ExitInterrupted = 130 // interrupted by SIGINT (Ctrl-C)
	ExitTerminated  = 143 // stopped by SIGTERM
)

// ExitError is an error that carries the exit code the command ends with.
type ExitError struct {
	Code int
	Err  error
}

// Error returns the cause's message.
func (e *ExitError) Error() string { return e.Err.Error() }

// Unwrap returns the cause.
func (e *ExitError) Unwrap() error { return e.Err }

// UsageErrorf returns an error that ends the command with ExitUsage: a bad flag, argument or
// input file. The message should say what is wrong and where.
func UsageErrorf(format string, args ...any) error {
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf(format, args...)}
}

// Usage wraps err so that the command ends with ExitUsage; nil stays nil.
func Usage(err error) error {
	if err == nil {
		return nil
	}
	return &ExitError{Code: ExitUsage, Err: err}
}

// SilentError ends the command with code without printing anything more: the command has
// already reported what went wrong (for example the problems of an input file).
type SilentError struct{ Code int }

// Error says which exit status the command ends with.
func (e *SilentError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// ExitCode returns the exit code for err: 0 for nil, the code of an *ExitError, *SilentError
// or *SignalError, ExitAuth for API answers 401 and 403, ExitUsage for a 400 answer (a filter or
// sort the API refused), for a missing study key and for validation errors of record
// requests, and ExitFailure otherwise.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var se *SilentError
	if errors.As(err, &se) {
		return se.Code
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	var sig *SignalError
	if errors.As(err, &sig) {
		return sig.Code()
	}
	switch {
	case errors.Is(err, imednet.ErrUnauthorized), errors.Is(err, imednet.ErrForbidden):
		return ExitAuth
	case errors.Is(err, imednet.ErrBadRequest), errors.Is(err, imednet.ErrNoStudy):
		return ExitUsage
	}
	var cve *imednet.CreateValidationError
	var dve *dictionary.ValidationError
	if errors.As(err, &cve) || errors.As(err, &dve) {
		return ExitUsage
	}
	return ExitFailure
}

// ErrorMessage formats err for the user: one line (validation errors excepted, which list
// their problems one a line), without the SDK's "imednet: " prefix, for API errors with a
// hint of what to check, and followed by the note of a *NoteError in its chain. It never
// contains a key: the SDK's errors never carry one.
func ErrorMessage(err error) string {
	msg := errorMessage(err)
	if note := Note(err); note != "" {
		msg += "; " + note
	}
	return msg
}

func errorMessage(err error) string {
	var sig *SignalError
	if errors.As(err, &sig) {
		return sig.Error()
	}
	if errors.Is(err, context.Canceled) {
		return "interrupted"
	}
	var apiErr *imednet.APIError
	if errors.As(err, &apiErr) {
		msg := strings.TrimPrefix(apiErr.Error(), "imednet: ")
		if hint := Hint(apiErr); hint != "" {
			msg += " (hint: " + hint + ")"
		}
		return msg
	}
	if errors.Is(err, imednet.ErrNoStudy) {
		return "no study key: pass --study KEY or set IMEDNET_STUDY"
	}
	msg := err.Error()
	for strings.HasPrefix(msg, "imednet: ") {
		msg = strings.TrimPrefix(msg, "imednet: ")
	}
	return msg
}

// Hint returns advice for an API error, or "".
func Hint(e *imednet.APIError) string {
	switch {
	case e.StatusCode == 401:
		return "check " + imednet.EnvAPIKey + " and " + imednet.EnvSecurityKey
	case e.StatusCode == 403:
		return "check the study key, and that the API key has rights to that study"
	case e.StatusCode == 404:
		return "check the id, and --base-url"
	case e.StatusCode == 400 && e.Field != nil && (e.Field.Attribute == "filter" || e.Field.Attribute == "recordDataFilter"):
		return "see the filter grammar in 'imednet help filter'"
	case e.StatusCode == 400:
		return "check the flags: --filter, --sort, --page-size"
	case e.StatusCode == 429:
		return "the API's rate limit was reached; wait and try again"
	case e.StatusCode >= 500:
		return "the service failed; try again later"
	}
	return ""
}

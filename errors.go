package imednet

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/imednet/imednet-go/internal/wire"
)

// Error classes, matched with errors.Is against an [*APIError]:
//
//	if errors.Is(err, imednet.ErrNotFound) { ... }
var (
	ErrBadRequest   = errors.New("imednet: bad request")  // 400, whatever the cause (ErrValidation narrows it)
	ErrUnauthorized = errors.New("imednet: unauthorized") // 401: keys missing or wrong
	ErrForbidden    = errors.New("imednet: forbidden")    // 403: unknown study, or no rights to it
	ErrNotFound     = errors.New("imednet: not found")    // 404
	ErrConflict     = errors.New("imednet: conflict")     // 409
	ErrRateLimited  = errors.New("imednet: rate limited") // 429: see APIError.RetryAfter
	ErrServer       = errors.New("imednet: server error") // 5xx
	ErrNoStudy      = errors.New("imednet: no study key: pass one or attach one to the context with imednet.WithStudy")
)

// ErrValidation matches a request refused because a value in it is invalid, wherever the
// refusal came from:
//
//   - an [*APIError] of status 400 that says so: the API's code "1000" ("the request contains
//     an invalid value") or an error.field naming the offending attribute ([APIError.Field]);
//   - a record submission that [RecordsService.Create] refused before sending
//     ([*CreateValidationError]), and a [*RecordRequestError] from [RecordRequest.Check]
//     (package dictionary's ValidationError matches too).
//
// It is narrower than [ErrBadRequest], which every 400 matches: a 400 that does not say what
// was invalid (the OpenAPI contract's generic message, a body that is not JSON) matches
// ErrBadRequest only. Test for ErrValidation to show the caller a value to correct; test for
// ErrBadRequest for any rejected request.
var ErrValidation = errors.New("imednet: validation error")

// codeInvalidValue is the API's error code for a request with an invalid value.
const codeInvalidValue = "1000"

// ErrResponseTooLarge is returned when a response body exceeds the limit set with
// [WithMaxResponseBytes].
var ErrResponseTooLarge = errors.New("imednet: response body too large")

// ErrPlainHTTP is returned (wrapped) by [New] for a plain http:// base URL whose host is not
// a loopback address: the keys would cross the network unencrypted. [WithInsecureHTTP]
// allows it.
var ErrPlainHTTP = errors.New("imednet: refusing a plain http base URL")

// APIError is an error response from the API, after any retries. Inspect its class with
// errors.Is ([ErrNotFound], [ErrRateLimited], ...) and its details with errors.As:
//
//	var apiErr *imednet.APIError
//	if errors.As(err, &apiErr) { fmt.Println(apiErr.Code, apiErr.Description) }
//
// It understands both documented error bodies (the vendor's metadata.error{code, description,
// field} and the OpenAPI contract's metadata.error{message}) as well as bodies that are not
// JSON at all. Its message is one line and never contains a key.
type APIError struct {
	StatusCode  int           // HTTP status
	Status      string        // metadata.status, e.g. "BAD_REQUEST"
	Code        string        // metadata.error.code: "1000" invalid value, "9000" unknown error, "9001" insufficient permission
	Description string        // metadata.error.description (or .message)
	Field       *ErrorField   // the offending request attribute, for validation errors
	Method      string        // request method
	Path        string        // request URL path
	RetryAfter  time.Duration // the server's Retry-After, when it sent one
	Attempts    int           // how many attempts were made
	Body        string        // the start of the response body, on one line, secrets removed
}

// ErrorField names the request attribute and value that a validation error is about.
type ErrorField struct {
	Attribute string `json:"attribute"`
	Value     string `json:"value"`
}

// Error returns a one-line description, e.g.
//
//	imednet: GET /api/v1/edc/studies: 400 Bad Request: code 1000: Field raised validation errors (page="XX")
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "imednet: %s %s: %d", e.Method, e.Path, e.StatusCode)
	if text := http.StatusText(e.StatusCode); text != "" { // none for unassigned codes such as 499
		b.WriteString(" " + text)
	}
	if e.Code != "" {
		b.WriteString(": code " + e.Code)
	}
	switch {
	case e.Description != "":
		b.WriteString(": " + e.Description)
	case e.Body != "":
		b.WriteString(": " + truncate(e.Body, 200))
	}
	if e.Field != nil && (e.Field.Attribute != "" || e.Field.Value != "") {
		fmt.Fprintf(&b, " (%s=%q)", e.Field.Attribute, e.Field.Value)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	return b.String()
}

// Is reports whether e belongs to the class target (one of the Err* variables; see
// [ErrValidation] for when a 400 is a validation error).
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrBadRequest:
		return e.StatusCode == http.StatusBadRequest
	case ErrValidation:
		return e.StatusCode == http.StatusBadRequest && (e.Code == codeInvalidValue || e.Field != nil)
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrConflict:
		return e.StatusCode == http.StatusConflict
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrServer:
		return e.StatusCode >= 500 && e.StatusCode <= 599
	}
	return false
}

// maxExcerpt bounds APIError.Body.
const maxExcerpt = 512

// newAPIError reads an error response body in either documented shape, or as text.
func (c *Client) newAPIError(method, path string, status int, h http.Header, body []byte) *APIError {
	e := &APIError{StatusCode: status, Method: method, Path: path}
	if d, ok := parseRetryAfter(h, c.clock.Now()); ok {
		e.RetryAfter = d
	}
	parseErrorBody(e, body)
	e.Status = c.safeLine(e.Status, 100)
	e.Code = c.safeLine(e.Code, 100)
	e.Description = c.safeLine(e.Description, maxExcerpt)
	if e.Field != nil {
		e.Field.Attribute = c.safeLine(e.Field.Attribute, 200)
		e.Field.Value = c.safeLine(e.Field.Value, 200)
	}
	e.Body = c.safeLine(string(body), maxExcerpt)
	return e
}

// safeLine is oneLine(s, limit) without the client's secrets. It redacts before folding the
// whitespace (a key written as sent) and again after (a key that holds a space, which the
// folding could rebuild from a body that splits it with a newline or a run of spaces).
func (c *Client) safeLine(s string, limit int) string {
	return truncate(c.redact(strings.Join(strings.Fields(c.redact(s)), " ")), limit)
}

// parseErrorBody fills e from a JSON error body:
//
//	{"metadata": {"status": "BAD_REQUEST", "error": {"code": "1000", "description": "...",
//	              "field": {"attribute": "page", "value": "XX"}}}}   (vendor)
//	{"metadata": {"status": "ERROR", "error": {"message": "..."}}}  (OpenAPI contract)
//	{"message": "..."}                                               (gateways)
//
// Anything else leaves the fields empty; the caller keeps the raw excerpt.
func parseErrorBody(e *APIError, body []byte) {
	readError := func(v wire.Value) {
		_ = wire.DecodeObject(v, nil, func(f *wire.Field) {
			switch f.Key {
			case "code":
				f.String(&e.Code)
			case "description":
				f.String(&e.Description)
			case "message":
				if e.Description == "" {
					f.String(&e.Description)
				}
			case "field":
				var fld ErrorField
				_ = wire.DecodeObject(f.Value, nil, func(g *wire.Field) {
					switch g.Key {
					case "attribute":
						g.String(&fld.Attribute)
					case "value":
						g.String(&fld.Value)
					}
				})
				if fld != (ErrorField{}) {
					e.Field = &fld
				}
			}
		})
	}
	_ = wire.DecodeObject(body, nil, func(f *wire.Field) {
		switch f.Key {
		case "metadata":
			_ = wire.DecodeObject(f.Value, nil, func(g *wire.Field) {
				switch g.Key {
				case "status":
					g.String(&e.Status)
				case "error":
					if g.Value.Kind() == wire.String {
						g.String(&e.Description)
					} else {
						readError(g.Value)
					}
				}
			})
		case "message", "error", "description":
			if e.Description == "" && f.Value.Kind() == wire.String {
				f.String(&e.Description)
			}
		}
	})
}

// oneLine collapses whitespace runs (newlines included) to one space and cuts s to at most
// limit bytes on a rune boundary.
func oneLine(s string, limit int) string {
	s = strings.Join(strings.Fields(s), " ")
	return truncate(s, limit)
}

func truncate(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// RequestError reports a request that produced no usable response: the network failed, the
// attempt timed out, the response was malformed or too large, or the context ended. It carries
// the number of attempts made and wraps the cause, so errors.Is(err, context.Canceled) and
// similar checks work.
type RequestError struct {
	Method   string
	Path     string
	Attempts int
	Err      error
}

// Error describes the request, the attempts made and the network cause, on one line.
func (e *RequestError) Error() string {
	attempts := "1 attempt"
	if e.Attempts != 1 {
		attempts = fmt.Sprintf("%d attempts", e.Attempts)
	}
	return fmt.Sprintf("imednet: %s %s: failed after %s: %v", e.Method, e.Path, attempts, e.Err)
}

// Unwrap returns the cause.
func (e *RequestError) Unwrap() error { return e.Err }

// PaginationError reports a list response whose envelope cannot be paged through safely: a
// page that is not the one asked for, missing or non-integer totals, data that is not a list.
// Carrying on could skip or repeat items, so iteration stops.
type PaginationError struct {
	Path   string // URL path of the list
	Page   int    // the page requested
	Reason string // what was wrong
}

// Error names the list, the page and what was wrong with it.
func (e *PaginationError) Error() string {
	return fmt.Sprintf("imednet: paging %s: page %d: %s", e.Path, e.Page, e.Reason)
}

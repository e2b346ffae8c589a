package imednettest

import (
	"github.com/imednet/imednet-go/internal/wire"

	"net/http"
)

// apiError is an error response in the vendor's shape:
//
//	{"metadata":{"status":"BAD_REQUEST","path":"/api/v1/edc/studies","timestamp":"2025-06-05 21:12:08",
//	  "error":{"code":"1000","description":"Field raised validation errors",
//	           "field":{"attribute":"page","value":"XX"}}}}
type apiError struct {
	status      int
	code        string
	desc        string
	attr, value string
	hasField    bool
	allow       string // Allow header of a 405
}

const validationDesc = "Field raised validation errors"

// badField is a 400 with code 1000 about the request attribute attr.
func badField(attr, value, detail string) *apiError {
	desc := validationDesc
	if detail != "" {
		desc += ": " + detail
	}
	return &apiError{status: http.StatusBadRequest, code: "1000", desc: desc, attr: attr, value: value, hasField: true}
}

var (
	errUnauthorized = &apiError{status: http.StatusUnauthorized, code: "9001",
		desc: "Unauthorized error. Invalid or missing x-api-key or x-imn-security-key."}
	errNotFound = &apiError{status: http.StatusNotFound, code: "9000", desc: "Resource not found."}
)

// Errors of injected faults (see Faults).
var (
	errInternal = &apiError{status: http.StatusInternalServerError, code: "9000",
		desc: "Unexpected server error. Try again later; contact support if it persists."}
	errUnavailable = &apiError{status: http.StatusServiceUnavailable, code: "9000",
		desc: "The service is temporarily unavailable. Try again later."}
)

// errTooMany is a 429 whose Retry-After is secs seconds.
func errTooMany(secs string) *apiError {
	return &apiError{status: http.StatusTooManyRequests, code: "9000",
		desc: "Too many requests: the rate limit is exceeded. Retry after " + secs + " s."}
}

func errForbidden(study string) *apiError {
	return &apiError{status: http.StatusForbidden, code: "9001",
		desc: "Unauthorized error. Insufficient permission to retrieve data for study " + study + "."}
}

func errJobNotFound(batchID string) *apiError {
	return &apiError{status: http.StatusNotFound, code: "9000", desc: "Job not found for batch id " + batchID + "."}
}

func errMethod(allow string) *apiError {
	return &apiError{status: http.StatusMethodNotAllowed, code: "9000",
		desc: "Request method not supported; allowed: " + allow + ".", allow: allow}
}

// statusNames are Spring's HttpStatus names, which the API puts in metadata.status.
var statusNames = map[int]string{
	http.StatusBadRequest:            "BAD_REQUEST",
	http.StatusUnauthorized:          "UNAUTHORIZED",
	http.StatusForbidden:             "FORBIDDEN",
	http.StatusNotFound:              "NOT_FOUND",
	http.StatusMethodNotAllowed:      "METHOD_NOT_ALLOWED",
	http.StatusRequestEntityTooLarge: "PAYLOAD_TOO_LARGE",
	http.StatusTooManyRequests:       "TOO_MANY_REQUESTS",
	http.StatusInternalServerError:   "INTERNAL_SERVER_ERROR",
	http.StatusServiceUnavailable:    "SERVICE_UNAVAILABLE",
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, e *apiError) {
	b := append([]byte(nil), `{"metadata":{"status":`...)
	b = wire.AppendString(b, statusNames[e.status])
	b = append(b, `,"path":`...)
	b = wire.AppendString(b, r.URL.Path)
	b = append(b, `,"timestamp":"`...)
	b = appendAPITime(b, s.clock.now().Unix())
	b = append(b, `","error":{"code":`...)
	b = wire.AppendString(b, e.code)
	b = append(b, `,"description":`...)
	b = wire.AppendString(b, e.desc)
	if e.hasField {
		b = append(b, `,"field":{"attribute":`...)
		b = wire.AppendString(b, e.attr)
		b = append(b, `,"value":`...)
		b = wire.AppendString(b, e.value)
		b = append(b, '}')
	}
	b = append(b, "}}}"...)
	if e.allow != "" {
		w.Header().Set("Allow", e.allow)
	}
	writeJSON(w, e.status, b)
}

// appendMetadataOK appends `{"metadata":{...}` of a successful list response.
func (s *Server) appendMetadataOK(b []byte, r *http.Request) []byte {
	b = append(b, `{"metadata":{"status":"OK","method":`...)
	b = wire.AppendString(b, r.Method)
	b = append(b, `,"path":`...)
	b = wire.AppendString(b, r.URL.Path)
	b = append(b, `,"timestamp":"`...)
	b = appendAPITime(b, s.clock.now().Unix())
	return append(b, `","error":{}}`...)
}

package imednet

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

var allClasses = []error{ErrBadRequest, ErrValidation, ErrUnauthorized, ErrForbidden, ErrNotFound, ErrConflict, ErrRateLimited, ErrServer}

func TestErrorClassesForEveryStatus(t *testing.T) {
	classes := map[int][]error{
		400: {ErrBadRequest}, // and ErrValidation for the vendor's body, which names the field
		401: {ErrUnauthorized},
		403: {ErrForbidden},
		404: {ErrNotFound},
		409: {ErrConflict},
		429: {ErrRateLimited},
		500: {ErrServer}, 502: {ErrServer}, 503: {ErrServer}, 504: {ErrServer},
		405: nil, 422: nil,
	}
	bodies := map[string]string{
		"vendor":  `{"metadata":{"status":"BAD_REQUEST","path":"/api/v1/edc/studies","timestamp":"2018-10-18 05:46:29","error":{"code":"1000","description":"Field raised validation errors","field":{"attribute":"page","value":"XX"}}}}`,
		"spec":    `{"metadata":{"status":"ERROR","error":{"message":"The request was malformed or contains invalid parameters."}}}`,
		"html":    "<html>\n<body>Bad Gateway</body>\n</html>",
		"empty":   "",
		"gateway": `{"message":"Forbidden"}`,
	}
	for status, want := range classes {
		for shape, body := range bodies {
			t.Run(fmt.Sprintf("%d %s", status, shape), func(t *testing.T) {
				t.Parallel()
				c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.WriteHeader(status)
					io.WriteString(w, body)
				}), WithMaxRetries(0))
				_, err := c.Do(t.Context(), &Request{Path: "/studies"}, nil)
				var apiErr *APIError
				if !errors.As(err, &apiErr) {
					t.Fatalf("got %T %v, want *APIError", err, err)
				}
				wantClasses := want
				if status == 400 && shape == "vendor" {
					wantClasses = append(want[:len(want):len(want)], ErrValidation)
				}
				for _, class := range allClasses {
					is := errors.Is(err, class)
					wanted := false
					for _, w := range wantClasses {
						wanted = wanted || w == class
					}
					if is != wanted {
						t.Errorf("errors.Is(err, %v) = %v", class, is)
					}
				}
				if apiErr.StatusCode != status || apiErr.Method != "GET" || apiErr.Path != "/api/v1/edc/studies" {
					t.Errorf("fields %+v", apiErr)
				}
				msg := err.Error()
				if strings.ContainsAny(msg, "\r\n") {
					t.Errorf("message is not one line: %q", msg)
				}
				if !strings.HasPrefix(msg, fmt.Sprintf("imednet: GET /api/v1/edc/studies: %d %s", status, http.StatusText(status))) {
					t.Errorf("message %q", msg)
				}
				switch shape {
				case "vendor":
					if apiErr.Status != "BAD_REQUEST" || apiErr.Code != "1000" || apiErr.Description != "Field raised validation errors" ||
						apiErr.Field == nil || *apiErr.Field != (ErrorField{"page", "XX"}) {
						t.Errorf("vendor shape parsed as %+v (field %+v)", apiErr, apiErr.Field)
					}
					if !strings.Contains(msg, `code 1000: Field raised validation errors (page="XX")`) {
						t.Errorf("message %q", msg)
					}
				case "spec":
					if apiErr.Status != "ERROR" || apiErr.Description != "The request was malformed or contains invalid parameters." || apiErr.Code != "" {
						t.Errorf("spec shape parsed as %+v", apiErr)
					}
				case "html":
					if apiErr.Description != "" || apiErr.Body != "<html> <body>Bad Gateway</body> </html>" {
						t.Errorf("non-JSON body: %+v", apiErr)
					}
					if !strings.Contains(msg, "Bad Gateway</body>") {
						t.Errorf("message lacks the body excerpt: %q", msg)
					}
				case "gateway":
					if apiErr.Description != "Forbidden" {
						t.Errorf("gateway shape parsed as %+v", apiErr)
					}
				}
			})
		}
	}
}

// TestErrValidationIsNarrowerThanBadRequest checks that ErrValidation matches what says a
// value is invalid, from the API or before sending, and nothing else; ErrBadRequest matches
// every 400.
func TestErrValidationIsNarrowerThanBadRequest(t *testing.T) {
	api := []struct {
		name       string
		status     int
		body       string
		validation bool
	}{
		{"code 1000 with a field", 400, `{"metadata":{"status":"BAD_REQUEST","error":{"code":"1000","description":"Field raised validation errors","field":{"attribute":"page","value":"XX"}}}}`, true},
		{"code 1000 alone", 400, `{"metadata":{"status":"BAD_REQUEST","error":{"code":"1000","description":"bad filter"}}}`, true},
		{"numeric code 1000", 400, `{"metadata":{"error":{"code":1000}}}`, true},
		{"a field without a code", 400, `{"metadata":{"error":{"field":{"attribute":"size","value":"900"}}}}`, true},
		{"unknown error code", 400, `{"metadata":{"status":"BAD_REQUEST","error":{"code":"9000","description":"Unknown error"}}}`, false},
		{"the contract's generic message", 400, `{"metadata":{"status":"ERROR","error":{"message":"The request was malformed or contains invalid parameters."}}}`, false},
		{"not JSON", 400, `Bad Request`, false},
		{"code 1000 on a 403", 403, `{"metadata":{"error":{"code":"1000","field":{"attribute":"studyKey","value":"X"}}}}`, false},
		{"code 1000 on a 500", 500, `{"metadata":{"error":{"code":"1000"}}}`, false},
	}
	for _, tc := range api {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newFakeAPI(t, func(*http.Request) (int, string) { return tc.status, tc.body }, WithMaxRetries(0))
			_, err := c.Do(t.Context(), &Request{Path: "/studies"}, nil)
			if got := errors.Is(err, ErrValidation); got != tc.validation {
				t.Errorf("errors.Is(%v, ErrValidation) = %v", err, got)
			}
			if got := errors.Is(err, ErrBadRequest); got != (tc.status == 400) {
				t.Errorf("errors.Is(%v, ErrBadRequest) = %v", err, got)
			}
		})
	}

	// Refused before sending: the request's own check, and Create with or without a validator.
	c, fake := newFakeAPI(t, serve(`{}`))
	bad := RecordRequest{FormKey: "AE"} // no data, no target
	checkErr := bad.Check()
	_, createErr := c.Records.Create(t.Context(), "S", []RecordRequest{bad}, nil)
	good := NewRecord("AE", "01-001", map[string]any{"AETERM": "x"})
	_, validatorErr := c.Records.Create(t.Context(), "S", []RecordRequest{good},
		&CreateOptions{Validator: validatorFunc(func([]RecordRequest) error { return errors.New("unknown variable AETERM") })})
	for name, err := range map[string]error{"Check": checkErr, "Create": createErr, "Create with a validator": validatorErr} {
		if !errors.Is(err, ErrValidation) || errors.Is(err, ErrBadRequest) {
			t.Errorf("%s: %v: ErrValidation %v, ErrBadRequest %v", name, err, errors.Is(err, ErrValidation), errors.Is(err, ErrBadRequest))
		}
	}
	if n := len(fake.requests()); n != 0 {
		t.Errorf("%d refused submissions reached the server", n)
	}
	for _, err := range []error{ErrNoStudy, errors.New("imednet: other"), &RequestError{Err: errors.New("reset")}, &PaginationError{}} {
		if errors.Is(err, ErrValidation) {
			t.Errorf("%v matches ErrValidation", err)
		}
	}
}

// validatorFunc adapts a function to the Validator interface.
type validatorFunc func([]RecordRequest) error

func (f validatorFunc) Validate(reqs []RecordRequest) error { return f(reqs) }

func TestErrorBodyQuirks(t *testing.T) {
	cases := []struct {
		name, body string
		code, desc string
		field      *ErrorField
	}{
		{"numeric code", `{"metadata":{"error":{"code":9001,"description":"Unauthorized error. Insufficient permission to retrieve data."}}}`,
			"9001", "Unauthorized error. Insufficient permission to retrieve data.", nil},
		{"field value not a string", `{"metadata":{"error":{"code":"1000","field":{"attribute":"size","value":900}}}}`,
			"1000", "", &ErrorField{"size", "900"}},
		{"error as a string", `{"metadata":{"status":"ERROR","error":"boom"}}`, "", "boom", nil},
		{"description wins over message", `{"metadata":{"error":{"message":"m","description":"d"}}}`, "", "d", nil},
		{"extra keys ignored", `{"metadata":{"error":{"key_1":{"a":1},"code":"9000","description":"x"}},"junk":[1,2]}`, "9000", "x", nil},
		{"not an object", `["a","b"]`, "", "", nil},
		{"truncated JSON", `{"metadata":{"error":{"code":"10`, "", "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := &APIError{}
			parseErrorBody(e, []byte(tc.body))
			if e.Code != tc.code || e.Description != tc.desc {
				t.Errorf("code %q description %q", e.Code, e.Description)
			}
			if (e.Field == nil) != (tc.field == nil) || e.Field != nil && *e.Field != *tc.field {
				t.Errorf("field %+v, want %+v", e.Field, tc.field)
			}
		})
	}
}

func TestErrorExcerptIsBounded(t *testing.T) {
	long := strings.Repeat("é", 5000) // multi-byte runes, to check the cut lands on a boundary
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, long)
	}), WithMaxRetries(0))
	_, err := c.Do(t.Context(), &Request{Path: "/studies"}, nil)
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatal(err)
	}
	if len(apiErr.Body) > maxExcerpt+len("…") || !strings.HasSuffix(apiErr.Body, "…") {
		t.Fatalf("excerpt of %d bytes", len(apiErr.Body))
	}
	if !utf8Valid(apiErr.Body) || !utf8Valid(err.Error()) || len(err.Error()) > 400 {
		t.Fatalf("message of %d bytes or broken UTF-8", len(err.Error()))
	}
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

// TestSecretsNeverPrinted makes requests that succeed, fail with echoed secrets in the body,
// and fail on the network, with Debug logging on, and looks for either key in everything the
// client produced.
func TestSecretsNeverPrinted(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, srv := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/edc/studies":
			io.WriteString(w, `{"data":[]}`)
		case "/api/v1/edc/echo":
			// A hostile or buggy server that echoes the credentials back.
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"metadata":{"status":"UNAUTHORIZED","error":{"code":"9001","description":"bad key %s / %s","field":{"attribute":"x-api-key","value":%q}}}}`,
				r.Header.Get(HeaderAPIKey), r.Header.Get(HeaderSecurityKey), r.Header.Get(HeaderAPIKey))
		default:
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, "upstream said %s", r.Header.Get(HeaderSecurityKey))
		}
	}), WithLogger(logger), WithMaxRetries(1))

	var printed []string
	record := func(err error) {
		if err != nil {
			printed = append(printed, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
			var apiErr *APIError
			if errors.As(err, &apiErr) {
				printed = append(printed, apiErr.Body, apiErr.Description, fmt.Sprintf("%+v", apiErr.Field))
			}
		}
	}
	_, err := c.Do(t.Context(), &Request{Path: "/studies"}, nil)
	record(err)
	_, err = c.Do(t.Context(), &Request{Path: "/echo"}, nil)
	if err == nil {
		t.Fatal("echo request succeeded")
	}
	record(err)
	_, err = c.Do(t.Context(), &Request{Path: "/other"}, nil)
	record(err)
	srv.Close() // now a network failure
	_, err = c.Do(t.Context(), &Request{Path: "/studies"}, nil)
	record(err)

	auth, _ := NewAPIKeyAuth(testAPIKey, testSecurityKey)
	tok, _ := NewBearerTokenAuth(testAPIKey)
	printed = append(printed, logs.String(), fmt.Sprint(auth), fmt.Sprintf("%+v %#v %v %+v %#v", auth, auth, *auth, *tok, tok), fmt.Sprintf("%+v", c))
	var authLog bytes.Buffer
	slog.New(slog.NewJSONHandler(&authLog, nil)).Info("auth", "auth", auth)
	printed = append(printed, authLog.String())

	all := strings.Join(printed, "\n")
	for _, secret := range []string{testAPIKey, testSecurityKey} {
		if strings.Contains(all, secret) {
			t.Errorf("a key was printed:\n%s", all)
		}
	}
	if !strings.Contains(logs.String(), "imednet: request") || !strings.Contains(logs.String(), "imednet: retrying request") {
		t.Errorf("expected Debug and Warn records, got:\n%s", logs.String())
	}
	if !strings.Contains(all, redacted) {
		t.Errorf("the echoed key was not replaced by %s", redacted)
	}
}

func TestNoLoggingByDefault(t *testing.T) {
	var buf bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	defer slog.SetDefault(prev)
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}), WithMaxRetries(1))
	c.Do(t.Context(), &Request{Path: "/studies"}, nil)
	if buf.Len() != 0 {
		t.Fatalf("the client logged without a logger:\n%s", buf.String())
	}
}

package imednet

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"
)

// Authenticator adds credentials to an outgoing request. The client calls it once per
// attempt, on a copy of the request, and only for requests to its own base URL's host and
// scheme, so credentials never follow a redirect elsewhere.
//
// An Authenticator that also implements [SecretSource] has its secrets removed from every
// error message, log record and response excerpt the client produces.
type Authenticator interface {
	Authenticate(req *http.Request) error
}

// SecretSource is implemented by authenticators that hold secret values.
type SecretSource interface {
	// SecretValues returns the values that must never be printed.
	SecretValues() []string
}

// Header names of the API's key authentication.
const (
	HeaderAPIKey      = "x-api-key"
	HeaderSecurityKey = "x-imn-security-key"
)

// APIKeyAuth is the API's standard authentication: an API key and a security key, sent in the
// x-api-key and x-imn-security-key headers. Its String and LogValue methods never reveal them.
type APIKeyAuth struct {
	apiKey, securityKey string
}

// NewAPIKeyAuth checks and holds an API key and a security key.
func NewAPIKeyAuth(apiKey, securityKey string) (*APIKeyAuth, error) {
	if err := checkSecret("API key", apiKey); err != nil {
		return nil, err
	}
	if err := checkSecret("security key", securityKey); err != nil {
		return nil, err
	}
	return &APIKeyAuth{apiKey: apiKey, securityKey: securityKey}, nil
}

// checkSecret rejects empty values and values that cannot be sent in a header, without ever
// printing the value.
func checkSecret(what, v string) error {
	if v == "" {
		return errors.New("imednet: the " + what + " is empty")
	}
	if strings.TrimSpace(v) != v {
		return errors.New("imednet: the " + what + " has leading or trailing whitespace")
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c == 0x7f {
			return errors.New("imednet: the " + what + " contains a control character")
		}
	}
	return nil
}

// Authenticate sets the two key headers.
func (a *APIKeyAuth) Authenticate(req *http.Request) error {
	req.Header.Set(HeaderAPIKey, a.apiKey)
	req.Header.Set(HeaderSecurityKey, a.securityKey)
	return nil
}

// SecretValues returns both keys, for redaction.
func (a *APIKeyAuth) SecretValues() []string { return []string{a.apiKey, a.securityKey} }

// String describes the authenticator without its keys.
func (a APIKeyAuth) String() string { return "APIKeyAuth{keys redacted}" }

// GoString is String, so that %#v does not print the keys either.
func (a APIKeyAuth) GoString() string { return a.String() }

// LogValue keeps the keys out of structured logs.
func (a APIKeyAuth) LogValue() slog.Value { return slog.StringValue(a.String()) }

// BearerTokenAuth sends an OAuth/OIDC access token in the Authorization header. Its String
// and LogValue methods never reveal the token.
type BearerTokenAuth struct {
	token string
}

// NewBearerTokenAuth checks and holds a bearer token.
func NewBearerTokenAuth(token string) (*BearerTokenAuth, error) {
	if err := checkSecret("bearer token", token); err != nil {
		return nil, err
	}
	return &BearerTokenAuth{token: token}, nil
}

// Authenticate sets "Authorization: Bearer <token>".
func (a *BearerTokenAuth) Authenticate(req *http.Request) error {
	req.Header.Set("Authorization", "Bearer "+a.token)
	return nil
}

// SecretValues returns the token, for redaction.
func (a *BearerTokenAuth) SecretValues() []string { return []string{a.token} }

// String describes the authenticator without its token.
func (a BearerTokenAuth) String() string { return "BearerTokenAuth{token redacted}" }

// GoString is String, so that %#v does not print the token either.
func (a BearerTokenAuth) GoString() string { return a.String() }

// LogValue keeps the token out of structured logs.
func (a BearerTokenAuth) LogValue() slog.Value { return slog.StringValue(a.String()) }

// authTransport adds credentials to requests bound for the API's own scheme and host.
type authTransport struct {
	next         http.RoundTripper
	auth         Authenticator
	scheme, host string
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != t.scheme || !strings.EqualFold(req.URL.Host, t.host) {
		// A redirect to another place: send it without credentials.
		return t.next.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	if err := t.auth.Authenticate(r); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, &authError{err}
	}
	return t.next.RoundTrip(r)
}

// authError marks a failure of the Authenticator, which retrying cannot fix.
type authError struct{ err error }

func (e *authError) Error() string { return "authenticate: " + e.err.Error() }
func (e *authError) Unwrap() error { return e.err }

const redacted = "[REDACTED]"

// newRedactor returns a replacer that removes a's secrets from text, or nil when a has none.
func newRedactor(a Authenticator) *strings.Replacer {
	src, ok := a.(SecretSource)
	if !ok {
		return nil
	}
	var pairs []string
	for _, s := range src.SecretValues() {
		if s != "" {
			pairs = append(pairs, s, redacted)
		}
	}
	if len(pairs) == 0 {
		return nil
	}
	return strings.NewReplacer(pairs...)
}

// redact removes the client's secrets from s.
func (c *Client) redact(s string) string {
	if c.redactor == nil {
		return s
	}
	return c.redactor.Replace(s)
}

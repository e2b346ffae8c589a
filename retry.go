package imednet

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryPolicy decides whether a failed attempt is tried again. The client asks it after each
// failed attempt while retries remain ([WithMaxRetries]); how long to wait is decided by the
// backoff ([WithBackoff]) and the server's Retry-After header.
type RetryPolicy interface {
	ShouldRetry(state RetryState) bool
}

// RetryPolicyFunc adapts a function to [RetryPolicy].
type RetryPolicyFunc func(state RetryState) bool

// ShouldRetry calls f.
func (f RetryPolicyFunc) ShouldRetry(state RetryState) bool { return f(state) }

// RetryState describes a failed attempt.
type RetryState struct {
	Attempt    int    // 1 for the first attempt
	Method     string // HTTP method, upper case
	Path       string // URL path of the request
	StatusCode int    // HTTP status of the response, 0 when there was none
	// Err is why the attempt failed: an *APIError for an error status, otherwise the network
	// error or a malformed-response error (inspect it with errors.Is and errors.As).
	Err error
}

// IsIdempotent reports whether method may be repeated without changing the outcome: GET,
// PUT, DELETE, HEAD and OPTIONS. (The seed SDK's IDEMPOTENT_METHODS.)
func IsIdempotent(method string) bool {
	switch strings.ToUpper(method) {
	case http.MethodGet, http.MethodPut, http.MethodDelete, http.MethodHead, http.MethodOptions:
		return true
	}
	return false
}

// DefaultRetryPolicy retries
//
//   - every method after a 429 Too Many Requests (the server refused the request before acting
//     on it), and
//   - idempotent methods ([IsIdempotent]) after a network error, a malformed response or a 5xx.
//
// A POST is never retried after a network error or a 5xx: the server may already have created
// the records, and a second submission would create them twice.
//
// Network errors that no retry can cure are not retried either: a host name that does not
// exist (a DNS answer "no such host"; a DNS timeout or a failing resolver is retried) and a
// server certificate that fails verification (unknown authority, wrong host name, expired).
// The [*RequestError] then says which of the two it was.
type DefaultRetryPolicy struct{}

// ShouldRetry implements [RetryPolicy].
func (DefaultRetryPolicy) ShouldRetry(s RetryState) bool {
	if s.StatusCode == http.StatusTooManyRequests {
		return true
	}
	if !IsIdempotent(s.Method) {
		return false
	}
	if s.StatusCode >= 500 && s.StatusCode <= 599 {
		return true
	}
	var apiErr *APIError
	return s.Err != nil && !errors.As(s.Err, &apiErr) && permanentNetworkReason(s.Err) == ""
}

// permanentNetworkReason says why a network error cannot be cured by trying again, or returns
// "" when it might be: a host name the DNS says does not exist, or a server certificate that
// fails verification.
func permanentNetworkReason(err error) string {
	if err == nil {
		return ""
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.IsNotFound && !dnsErr.IsTimeout && !dnsErr.IsTemporary {
		return fmt.Sprintf("the host name %q does not resolve (DNS: no such host; check the base URL)", dnsErr.Name)
	}
	var (
		verifyErr    *tls.CertificateVerificationError
		unknownCA    x509.UnknownAuthorityError
		hostErr      x509.HostnameError
		invalidErr   x509.CertificateInvalidError
		rootsErr     x509.SystemRootsError
		constraint   x509.ConstraintViolationError
		critical     x509.UnhandledCriticalExtension
		insecureAlgo x509.InsecureAlgorithmError
	)
	switch {
	case errors.As(err, &hostErr):
		return "the server's TLS certificate is not valid for its host name"
	case errors.As(err, &invalidErr) && invalidErr.Reason == x509.Expired:
		return "the server's TLS certificate has expired or is not yet valid"
	case errors.As(err, &unknownCA):
		return "the server's TLS certificate is signed by an unknown authority (not trusted)"
	case errors.As(err, &verifyErr), errors.As(err, &invalidErr), errors.As(err, &rootsErr),
		errors.As(err, &constraint), errors.As(err, &critical), errors.As(err, &insecureAlgo):
		return "the server's TLS certificate failed verification"
	}
	return ""
}

// permanentNetworkError is a network error that no retry can cure, with the reason why.
type permanentNetworkError struct {
	reason string
	err    error
}

func (e *permanentNetworkError) Error() string { return e.reason + ": " + e.err.Error() }
func (e *permanentNetworkError) Unwrap() error { return e.err }

// describeNetworkError prefixes a network error that no retry can cure with the reason, so
// that the final [*RequestError] says whether the name did not resolve or the certificate was
// refused; other errors are returned as they are.
func describeNetworkError(err error) error {
	var pe *permanentNetworkError
	if errors.As(err, &pe) {
		return err
	}
	if reason := permanentNetworkReason(err); reason != "" {
		return &permanentNetworkError{reason: reason, err: err}
	}
	return err
}

// Clock is the client's view of time, replaceable in tests with [WithClock].
type Clock interface {
	Now() time.Time
	// Sleep waits for d, or returns ctx.Err() as soon as ctx is done.
	Sleep(ctx context.Context, d time.Duration) error
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// retryDelay is the wait before the retry that follows attempt n: the server's Retry-After
// when it sent one (capped by maxRetryAfter), otherwise full-jitter exponential backoff.
func (c *Client) retryDelay(attempt int, h http.Header) time.Duration {
	if d, ok := parseRetryAfter(h, c.clock.Now()); ok {
		return min(d, c.maxRetryAfter)
	}
	ceiling := c.backoffBase
	for i := 1; i < attempt && ceiling < c.backoffCap; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, c.backoffCap)
	return time.Duration(c.random() * float64(ceiling))
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date. Negative or past
// values mean "now".
func parseRetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	// NaN parses as a float but is no delay: converted to a Duration it would be negative.
	if secs, err := strconv.ParseFloat(v, 64); err == nil && !math.IsNaN(secs) {
		if secs <= 0 {
			return 0, true
		}
		if secs > float64(365*24*3600) {
			secs = float64(365 * 24 * 3600)
		}
		return time.Duration(secs * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

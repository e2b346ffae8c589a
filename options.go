package imednet

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Option configures a [Client] built by [New] or [NewFromEnv]. An option that receives an
// invalid value makes the constructor return an error.
type Option func(*config) error

// Middleware wraps the round trip of every HTTP attempt, for tracing, metrics or debugging.
// It receives the next RoundTripper and returns one that calls it. Middleware given first
// runs outermost. The request it sees carries no credentials (they are added after the last
// middleware), and [RequestInfoFrom] on the request's context tells which operation and which
// attempt it belongs to.
type Middleware func(next http.RoundTripper) http.RoundTripper

// WithAPIKey authenticates with the API key and security key that iMednet issues; they are
// sent in the x-api-key and x-imn-security-key headers of every request.
func WithAPIKey(apiKey, securityKey string) Option {
	return func(c *config) error {
		a, err := NewAPIKeyAuth(apiKey, securityKey)
		if err != nil {
			return err
		}
		c.auth = a
		return nil
	}
}

// WithAuthenticator authenticates requests with a, for example a [BearerTokenAuth].
func WithAuthenticator(a Authenticator) Option {
	return func(c *config) error {
		if a == nil {
			return errors.New("imednet: WithAuthenticator: nil authenticator")
		}
		c.auth = a
		return nil
	}
}

// WithBaseURL sets the service's base URL (default [DefaultBaseURL]). A trailing "/", "/api"
// or "/api/v1/edc" is removed: the client always adds [APIPrefix] itself.
func WithBaseURL(rawURL string) Option {
	return func(c *config) error {
		if _, err := normalizeBaseURL(rawURL); err != nil {
			return err
		}
		c.baseURL = rawURL
		return nil
	}
}

// WithInsecureHTTP allows a plain http:// base URL on a host that is not a loopback address.
// The keys then cross the network unencrypted; use it only inside a trusted network.
func WithInsecureHTTP() Option {
	return func(c *config) error {
		c.allowInsecureHTTP = true
		return nil
	}
}

// WithHTTPClient sends requests through hc (its Transport, Jar and CheckRedirect are used; the
// client itself is not modified). By default the client uses its own transport with a
// connection pool sized for concurrent requests.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return errors.New("imednet: WithHTTPClient: nil *http.Client")
		}
		c.httpClient = hc
		return nil
	}
}

// WithTimeout bounds each attempt of a request, reading the response included (default
// [DefaultTimeout]). Retries get a fresh timeout each; bound a whole call with the context.
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("imednet: WithTimeout: %s is not a positive duration", d)
		}
		c.timeout = d
		return nil
	}
}

// WithRetryPolicy decides which failed attempts are retried (default [DefaultRetryPolicy]).
func WithRetryPolicy(p RetryPolicy) Option {
	return func(c *config) error {
		if p == nil {
			return errors.New("imednet: WithRetryPolicy: nil policy")
		}
		c.policy = p
		return nil
	}
}

// WithMaxRetries sets how many times a failed attempt may be retried (default
// [DefaultMaxRetries]); 0 disables retries.
func WithMaxRetries(n int) Option {
	return func(c *config) error {
		if n < 0 || n > 100 {
			return fmt.Errorf("imednet: WithMaxRetries: %d is outside 0..100", n)
		}
		c.maxRetries = n
		return nil
	}
}

// WithBackoff sets the exponential backoff between retries: the wait before retry n is
// uniformly random in [0, min(max, base·2^(n-1))) ("full jitter"). Defaults:
// [DefaultBackoffBase] and [DefaultBackoffCap].
func WithBackoff(base, max time.Duration) Option {
	return func(c *config) error {
		if base <= 0 || max < base {
			return fmt.Errorf("imednet: WithBackoff: need 0 < base <= max, got base %s, max %s", base, max)
		}
		c.backoffBase, c.backoffCap = base, max
		return nil
	}
}

// WithMaxRetryAfter caps how long the client waits when a response's Retry-After header asks
// it to (default [DefaultMaxRetryAfter]); longer requests are shortened to d.
func WithMaxRetryAfter(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("imednet: WithMaxRetryAfter: %s is negative", d)
		}
		c.maxRetryAfter = d
		return nil
	}
}

// WithMaxResponseBytes limits the size of a response body the client reads (default
// [DefaultMaxResponseBytes]); a larger body fails the request with [ErrResponseTooLarge].
func WithMaxResponseBytes(n int64) Option {
	return func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("imednet: WithMaxResponseBytes: %d is not positive", n)
		}
		c.maxResponseBytes = n
		return nil
	}
}

// WithUserAgent sets the User-Agent header (default "imednet-go/" + [Version]).
func WithUserAgent(ua string) Option {
	return func(c *config) error {
		if strings.TrimSpace(ua) == "" || strings.ContainsAny(ua, "\r\n") {
			return fmt.Errorf("imednet: WithUserAgent: %q is not a valid header value", ua)
		}
		c.userAgent = ua
		return nil
	}
}

// WithLogger logs each attempt at Debug level (method, path, status, duration, attempt) and
// each retry at Warn level. Keys are never logged. Without it the client logs nothing.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		c.logger = l
		return nil
	}
}

// WithMiddleware adds middleware around every HTTP attempt; see [Middleware].
func WithMiddleware(m ...Middleware) Option {
	return func(c *config) error {
		for _, mw := range m {
			if mw == nil {
				return errors.New("imednet: WithMiddleware: nil middleware")
			}
		}
		c.middleware = append(c.middleware, m...)
		return nil
	}
}

// WithClock replaces the clock used to wait between retries and between job polls
// ([JobsService.Wait]), and to read HTTP-date Retry-After headers. It exists for tests.
func WithClock(clk Clock) Option {
	return func(c *config) error {
		if clk == nil {
			return errors.New("imednet: WithClock: nil clock")
		}
		c.clock = clk
		return nil
	}
}

// WithRandom replaces the source of backoff jitter; r must return values in [0, 1). It exists
// for tests.
func WithRandom(r func() float64) Option {
	return func(c *config) error {
		if r == nil {
			return errors.New("imednet: WithRandom: nil function")
		}
		c.random = r
		return nil
	}
}

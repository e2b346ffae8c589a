package imednet

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// Version is the version of this module, sent in the default User-Agent.
const Version = "0.1.0"

// Defaults used by [New] when an option does not say otherwise.
const (
	DefaultBaseURL          = "https://edc.prod.imednetapi.com"
	DefaultTimeout          = 30 * time.Second
	DefaultMaxRetries       = 3
	DefaultBackoffBase      = 1 * time.Second
	DefaultBackoffCap       = 30 * time.Second
	DefaultMaxRetryAfter    = 2 * time.Minute
	DefaultMaxResponseBytes = 256 << 20
)

// APIPrefix is the path under which every resource of the API lives; it is appended to the
// base URL.
const APIPrefix = "/api/v1/edc"

// Client talks to the iMednet EDC REST API. Build one with [New] or [NewFromEnv].
//
// A Client is safe for concurrent use by many goroutines and should be reused: it holds a
// pool of connections. It has no mutable state after construction but its request counts
// (see Stats) and its rate limiter's schedule (see WithRateLimit).
type Client struct {
	// The API's resources, one service each.
	Studies         *StudiesService
	Sites           *SitesService
	Subjects        *SubjectsService
	Forms           *FormsService
	Intervals       *IntervalsService
	Visits          *VisitsService
	Variables       *VariablesService
	Records         *RecordsService
	RecordRevisions *RecordRevisionsService
	Queries         *QueriesService
	Users           *UsersService
	Codings         *CodingsService
	Jobs            *JobsService

	base             *url.URL // scheme, host and optional path prefix, without APIPrefix
	apiURL           string   // base + APIPrefix, without a trailing slash
	http             *http.Client
	timeout          time.Duration
	policy           RetryPolicy
	maxRetries       int
	backoffBase      time.Duration
	backoffCap       time.Duration
	maxRetryAfter    time.Duration
	maxResponseBytes int64
	userAgent        string
	logger           *slog.Logger
	clock            Clock
	random           func() float64
	redactor         *strings.Replacer
	observers        []Observer
	limiter          *limiter // WithRateLimit; nil for none
	counts           requestCounters
}

// config collects the options before the Client is built.
type config struct {
	baseURL           string
	auth              Authenticator
	httpClient        *http.Client
	timeout           time.Duration
	policy            RetryPolicy
	maxRetries        int
	backoffBase       time.Duration
	backoffCap        time.Duration
	maxRetryAfter     time.Duration
	maxResponseBytes  int64
	userAgent         string
	logger            *slog.Logger
	middleware        []Middleware
	observers         []Observer
	allowInsecureHTTP bool
	clock             Clock
	random            func() float64
	limiter           *limiter
}

// New builds a Client. Credentials are required: pass [WithAPIKey] (or another
// [Authenticator] with [WithAuthenticator]). Every option validates its argument; the first
// invalid one is returned as an error.
//
// A plain http:// base URL is refused unless its host is a loopback address or
// [WithInsecureHTTP] is given: the keys would cross the network in clear text.
func New(opts ...Option) (*Client, error) {
	cfg := config{
		baseURL:          DefaultBaseURL,
		timeout:          DefaultTimeout,
		policy:           DefaultRetryPolicy{},
		maxRetries:       DefaultMaxRetries,
		backoffBase:      DefaultBackoffBase,
		backoffCap:       DefaultBackoffCap,
		maxRetryAfter:    DefaultMaxRetryAfter,
		maxResponseBytes: DefaultMaxResponseBytes,
		userAgent:        "imednet-go/" + Version,
		clock:            systemClock{},
		random:           rand.Float64,
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	return cfg.build()
}

// NewFromEnv builds a Client from the process's environment, read by [ReadEnv], then applies
// opts (which win over the environment):
//
//	IMEDNET_API_KEY       the API key (required unless opts give an Authenticator)
//	IMEDNET_SECURITY_KEY  the security key (required likewise)
//	IMEDNET_BASE_URL      the base URL (default https://edc.prod.imednetapi.com)
//	IMEDNET_TIMEOUT       per-attempt timeout, in seconds ("30", "2.5") or as a Go duration
//	                      ("45s"), at most 24h
//
// A missing key or an invalid value is an error that names the variable.
func NewFromEnv(opts ...Option) (*Client, error) {
	return newFromEnv(os.Getenv, opts...)
}

// newFromEnv is NewFromEnv over the environment getenv reads.
func newFromEnv(getenv func(string) string, opts ...Option) (*Client, error) {
	env, err := ReadEnv(getenv)
	if err != nil {
		return nil, err
	}
	// The environment comes first and the caller's options after, so that explicit options
	// win; credentials must then have come from one or the other.
	c, err := New(append(env.Options(), opts...)...)
	if missing := env.missingKeys(); errors.Is(err, errNoCredentials) && len(missing) > 0 {
		return nil, fmt.Errorf("imednet: %s not set: export the iMednet API key and security key, or pass WithAPIKey", strings.Join(missing, " and "))
	}
	return c, err
}

var errNoCredentials = errors.New("imednet: no credentials: use WithAPIKey or WithAuthenticator, or NewFromEnv")

func (cfg *config) build() (*Client, error) {
	if cfg.auth == nil {
		return nil, errNoCredentials
	}
	base, err := normalizeBaseURL(cfg.baseURL)
	if err != nil {
		return nil, err
	}
	if base.Scheme == "http" && !cfg.allowInsecureHTTP && !isLoopback(base.Hostname()) {
		return nil, fmt.Errorf("%w %q: the API keys would cross the network unencrypted; use https, or WithInsecureHTTP if you really mean it", ErrPlainHTTP, base.Redacted())
	}
	c := &Client{
		base:             base,
		apiURL:           strings.TrimSuffix(base.String(), "/") + APIPrefix,
		timeout:          cfg.timeout,
		policy:           cfg.policy,
		maxRetries:       cfg.maxRetries,
		backoffBase:      cfg.backoffBase,
		backoffCap:       cfg.backoffCap,
		maxRetryAfter:    cfg.maxRetryAfter,
		maxResponseBytes: cfg.maxResponseBytes,
		userAgent:        cfg.userAgent,
		logger:           cfg.logger,
		clock:            cfg.clock,
		random:           cfg.random,
		redactor:         newRedactor(cfg.auth),
		observers:        cfg.observers,
		limiter:          cfg.limiter,
	}
	hc := cfg.httpClient
	if hc == nil {
		hc = &http.Client{Transport: newTransport()}
	}
	copied := *hc // never modify the caller's client
	var rt http.RoundTripper = &authTransport{next: transportOf(hc), auth: cfg.auth, scheme: base.Scheme, host: base.Host}
	for i := len(cfg.middleware) - 1; i >= 0; i-- {
		rt = cfg.middleware[i](rt)
	}
	copied.Transport = rt
	c.http = &copied
	c.initServices()
	return c, nil
}

func transportOf(hc *http.Client) http.RoundTripper {
	if hc.Transport != nil {
		return hc.Transport
	}
	return http.DefaultTransport
}

// newTransport is the default transport: the standard one with a connection pool large enough
// for concurrent page fetches against one host.
func newTransport() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 100
	t.MaxIdleConnsPerHost = 32
	return t
}

// normalizeBaseURL checks a base URL and strips what callers commonly append: a trailing "/",
// "/api" or the full "/api/v1/edc" prefix.
func normalizeBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil && strings.Contains(raw, "@") {
		// The URL may hold a password, which url.Parse's error could quote.
		return nil, errors.New("imednet: base URL: not a valid URL, and one that must not carry user information")
	}
	if err != nil {
		return nil, fmt.Errorf("imednet: base URL %q: %w", raw, errors.Unwrap(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("imednet: base URL %q: scheme must be https (or http for a local server)", u.Redacted())
	}
	if u.Host == "" {
		return nil, fmt.Errorf("imednet: base URL %q: no host", u.Redacted())
	}
	if u.User != nil {
		return nil, fmt.Errorf("imednet: base URL %q: must not carry user information", u.Redacted())
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("imednet: base URL %q: must not have a query or fragment", u.Redacted())
	}
	p := strings.TrimRight(u.Path, "/")
	for _, suffix := range []string{APIPrefix, "/api"} {
		p = strings.TrimRight(strings.TrimSuffix(p, suffix), "/")
	}
	u.Path, u.RawPath = p, ""
	return u, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// BaseURL returns the base URL the client sends requests to, without the API prefix.
func (c *Client) BaseURL() string { return c.base.String() }

package imednet

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	testAPIKey      = "apikey-7f3c9a1e5b2d4c6e8a0f"
	testSecurityKey = "seckey-1a2b3c4d5e6f7a8b9c0d"
)

// fakeClock records the waits the client asks for and returns at once.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	f.sleeps = append(f.sleeps, d)
	f.mu.Unlock()
	return ctx.Err()
}

func (f *fakeClock) Sleeps() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.sleeps...)
}

// newTestClient starts h on a loopback server and returns a client for it whose retries do
// not wait.
func newTestClient(t *testing.T, h http.Handler, opts ...Option) (*Client, *httptest.Server) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	base := []Option{
		WithAPIKey(testAPIKey, testSecurityKey),
		WithBaseURL(srv.URL),
		WithClock(&fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}),
	}
	c, err := New(append(base, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, srv
}

func TestNewRequiresCredentials(t *testing.T) {
	_, err := New()
	if !errors.Is(err, errNoCredentials) {
		t.Fatalf("New() without credentials: got %v, want errNoCredentials", err)
	}
}

func TestOptionsValidate(t *testing.T) {
	cases := []struct {
		name string
		opt  Option
		want string
	}{
		{"empty api key", WithAPIKey("", "s"), "API key is empty"},
		{"empty security key", WithAPIKey("k", ""), "security key is empty"},
		{"key with newline", WithAPIKey("k\n", "s"), "API key has leading or trailing whitespace"},
		{"key with control", WithAPIKey("k\x01k", "s"), "control character"},
		{"nil authenticator", WithAuthenticator(nil), "nil authenticator"},
		{"bad scheme", WithBaseURL("ftp://example.com"), "scheme must be https"},
		{"no host", WithBaseURL("https://"), "no host"},
		{"query", WithBaseURL("https://example.com/?a=b"), "query or fragment"},
		{"userinfo", WithBaseURL("https://u:p@example.com"), "user information"},
		{"zero timeout", WithTimeout(0), "not a positive duration"},
		{"negative retries", WithMaxRetries(-1), "outside 0..100"},
		{"backoff base > cap", WithBackoff(2*time.Second, time.Second), "need 0 < base <= max"},
		{"nil http client", WithHTTPClient(nil), "nil *http.Client"},
		{"nil policy", WithRetryPolicy(nil), "nil policy"},
		{"bad user agent", WithUserAgent("a\r\nb"), "not a valid header value"},
		{"nil middleware", WithMiddleware(nil), "nil middleware"},
		{"zero max body", WithMaxResponseBytes(0), "not positive"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(WithAPIKey(testAPIKey, testSecurityKey), tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "apikey-") || strings.Contains(err.Error(), "seckey-") {
				t.Fatalf("error reveals a key: %v", err)
			}
		})
	}
}

func TestBaseURLNormalisation(t *testing.T) {
	cases := map[string]string{
		"https://edc.example.com":               "https://edc.example.com/api/v1/edc",
		"https://edc.example.com/":              "https://edc.example.com/api/v1/edc",
		"https://edc.example.com/api":           "https://edc.example.com/api/v1/edc",
		"https://edc.example.com/api/":          "https://edc.example.com/api/v1/edc",
		"https://edc.example.com/api/v1/edc":    "https://edc.example.com/api/v1/edc",
		"https://edc.example.com/api/v1/edc/":   "https://edc.example.com/api/v1/edc",
		"https://proxy.example.com/imednet/api": "https://proxy.example.com/imednet/api/v1/edc",
		"  https://edc.example.com  ":           "https://edc.example.com/api/v1/edc",
	}
	for in, want := range cases {
		c, err := New(WithAPIKey(testAPIKey, testSecurityKey), WithBaseURL(in))
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if c.apiURL != want {
			t.Errorf("%q: api URL %q, want %q", in, c.apiURL, want)
		}
	}
	c, err := New(WithAPIKey(testAPIKey, testSecurityKey))
	if err != nil {
		t.Fatal(err)
	}
	if c.apiURL != DefaultBaseURL+APIPrefix {
		t.Errorf("default api URL %q", c.apiURL)
	}
}

func TestPlainHTTPRefusedUnlessLoopbackOrOptIn(t *testing.T) {
	for _, u := range []string{"http://edc.example.com", "http://10.0.0.5:8080", "http://[2001:db8::1]/"} {
		_, err := New(WithAPIKey(testAPIKey, testSecurityKey), WithBaseURL(u))
		if !errors.Is(err, ErrPlainHTTP) {
			t.Errorf("%s: got %v, want a refusal", u, err)
		}
		if _, err := New(WithAPIKey(testAPIKey, testSecurityKey), WithBaseURL(u), WithInsecureHTTP()); err != nil {
			t.Errorf("%s with WithInsecureHTTP: %v", u, err)
		}
	}
	for _, u := range []string{"http://localhost:8080", "http://127.0.0.1:1234", "http://127.9.9.9", "http://[::1]:80", "http://LOCALHOST"} {
		if _, err := New(WithAPIKey(testAPIKey, testSecurityKey), WithBaseURL(u)); err != nil {
			t.Errorf("%s: loopback refused: %v", u, err)
		}
	}
}

func TestRequestHeadersAndAuth(t *testing.T) {
	headers := make(chan http.Header, 1)
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		headers <- r.Header.Clone()
		w.Write([]byte(`{}`))
	}), WithUserAgent("my-tool/1.0"))
	if _, err := c.Do(t.Context(), &Request{Path: "/studies", Header: http.Header{"X-Email-Notify": {"a@b.c"}}}, nil); err != nil {
		t.Fatal(err)
	}
	got := <-headers
	want := map[string]string{
		"X-Api-Key": testAPIKey, "X-Imn-Security-Key": testSecurityKey,
		"Accept": "application/json", "Content-Type": "application/json",
		"User-Agent": "my-tool/1.0", "X-Email-Notify": "a@b.c",
	}
	for k, v := range want {
		if got.Get(k) != v {
			t.Errorf("header %s = %q, want %q", k, got.Get(k), v)
		}
	}

	tok, _ := NewBearerTokenAuth("tok-abcdef")
	c2, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		headers <- r.Header.Clone()
	}), WithAuthenticator(tok))
	if _, err := c2.Do(t.Context(), &Request{Path: "/studies"}, nil); err != nil {
		t.Fatal(err)
	}
	got = <-headers
	if got.Get("Authorization") != "Bearer tok-abcdef" || got.Get("X-Api-Key") != "" {
		t.Errorf("bearer auth headers: %v", got)
	}
}

func TestPathsAndQueryReachServer(t *testing.T) {
	urls := make(chan [2]string, 1)
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		urls <- [2]string{r.URL.EscapedPath(), r.URL.RawQuery}
	}))
	q := map[string][]string{"filter": {"siteName==\"My Site\""}, "sort": {"a,ASC", "b,DESC"}}
	if _, err := c.Do(t.Context(), &Request{Path: "/studies/" + PathEscape("A/B C") + "/sites", Query: q}, nil); err != nil {
		t.Fatal(err)
	}
	u := <-urls
	gotPath, gotRawQuery := u[0], u[1]
	if gotPath != "/api/v1/edc/studies/A%2FB%20C/sites" {
		t.Errorf("path %q", gotPath)
	}
	if gotRawQuery != "filter=siteName%3D%3D%22My+Site%22&sort=a%2CASC&sort=b%2CDESC" {
		t.Errorf("query %q", gotRawQuery)
	}
	if _, err := c.Do(t.Context(), &Request{Path: "studies"}, nil); err == nil {
		t.Error("a path without a leading slash was accepted")
	}
}

func TestCredentialsDoNotFollowRedirectsElsewhere(t *testing.T) {
	var otherSawKey atomic.Bool
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(HeaderAPIKey) != "" || r.Header.Get(HeaderSecurityKey) != "" {
			otherSawKey.Store(true)
		}
		w.Write([]byte(`{"ok":true}`))
	}))
	defer other.Close()
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/elsewhere", http.StatusFound)
	}))
	var out map[string]bool
	if _, err := c.Do(t.Context(), &Request{Path: "/studies"}, &out); err != nil {
		t.Fatal(err)
	}
	if !out["ok"] {
		t.Fatal("redirect not followed")
	}
	if otherSawKey.Load() {
		t.Fatal("the keys were sent to another host after a redirect")
	}
}

func TestMiddlewareOrderAndRequestInfo(t *testing.T) {
	var mu sync.Mutex
	var trace []string
	mw := func(name string) Middleware {
		return func(next http.RoundTripper) http.RoundTripper {
			return roundTripFunc(func(r *http.Request) (*http.Response, error) {
				info, ok := RequestInfoFrom(r.Context())
				mu.Lock()
				trace = append(trace, name+" "+info.Pattern+" "+info.Method)
				if !ok || info.Attempt < 1 {
					trace = append(trace, "no info")
				}
				if r.Header.Get(HeaderAPIKey) != "" {
					trace = append(trace, "middleware saw the key")
				}
				mu.Unlock()
				return next.RoundTrip(r)
			})
		}
	}
	var calls atomic.Int32
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}), WithMiddleware(mw("outer"), mw("inner")))
	_, err := c.Do(t.Context(), &Request{Path: "/studies/S/sites", Pattern: "/studies/{studyKey}/sites"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"outer /studies/{studyKey}/sites GET", "inner /studies/{studyKey}/sites GET",
		"outer /studies/{studyKey}/sites GET", "inner /studies/{studyKey}/sites GET",
	}
	if strings.Join(trace, "|") != strings.Join(want, "|") {
		t.Fatalf("trace %q, want %q", trace, want)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestResponseTooLarge(t *testing.T) {
	var calls atomic.Int32
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Write([]byte(`{"data":"` + strings.Repeat("x", 1000) + `"}`))
	}), WithMaxResponseBytes(100))
	var out any
	_, err := c.Do(t.Context(), &Request{Path: "/studies"}, &out)
	var re *RequestError
	if !errors.Is(err, ErrResponseTooLarge) || !errors.As(err, &re) || re.Attempts != 1 {
		t.Fatalf("got %v", err)
	}
	if calls.Load() != 1 {
		t.Fatalf("an oversized body was retried: %d calls", calls.Load())
	}
}

func TestConcurrentUseOfOneClient(t *testing.T) {
	var seen sync.Map // path -> struct{}: the first attempt at each path fails
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, loaded := seen.LoadOrStore(r.URL.Path, struct{}{}); !loaded {
			w.WriteHeader(http.StatusBadGateway) // a retry for every path
			return
		}
		w.Write([]byte(`{"path":"` + r.URL.Path + `"}`))
	}), WithBackoff(time.Microsecond, time.Microsecond))
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 32 {
		wg.Go(func() {
			for i := range 20 {
				path := fmt.Sprintf("/studies/S%d/n%d", g, i)
				var out struct{ Path string }
				if _, err := c.Do(t.Context(), &Request{Path: path}, &out); err != nil {
					errs <- err
					return
				}
				if out.Path != APIPrefix+path {
					errs <- errors.New("response for " + out.Path + " given to " + path)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestStudyContext(t *testing.T) {
	ctx := t.Context()
	if _, ok := StudyFrom(ctx); ok {
		t.Fatal("a bare context has a study")
	}
	if _, err := ResolveStudy(ctx, ""); !errors.Is(err, ErrNoStudy) {
		t.Fatalf("no study: %v", err)
	}
	sctx := WithStudy(ctx, " PHARMADEMO ")
	if k, ok := StudyFrom(sctx); !ok || k != "PHARMADEMO" {
		t.Fatalf("StudyFrom = %q %v", k, ok)
	}
	if k, _ := ResolveStudy(sctx, ""); k != "PHARMADEMO" {
		t.Fatalf("context study not used: %q", k)
	}
	if k, _ := ResolveStudy(sctx, "OTHER"); k != "OTHER" {
		t.Fatalf("explicit study did not win: %q", k)
	}
	if _, ok := StudyFrom(WithStudy(sctx, "")); ok {
		t.Fatal("WithStudy(ctx, \"\") did not clear the study")
	}
	if k, _ := StudyFrom(sctx); k != "PHARMADEMO" {
		t.Fatal("clearing in a child changed the parent")
	}
}

package imednet

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// failingTransport fails every round trip with a network error, counting attempts.
type failingTransport struct{ calls atomic.Int32 }

func (f *failingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	f.calls.Add(1)
	if r.Body != nil {
		r.Body.Close()
	}
	return nil, &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}
}

func TestRetryMatrix(t *testing.T) {
	methods := []string{"GET", "PUT", "DELETE", "HEAD", "OPTIONS", "POST", "PATCH"}
	outcomes := []struct {
		name   string
		status int // 0 = network error
	}{
		{"network error", 0}, {"500", 500}, {"502", 502}, {"503", 503}, {"429", 429},
		{"400", 400}, {"401", 401}, {"403", 403}, {"404", 404}, {"409", 409},
	}
	const maxRetries = 3
	for _, m := range methods {
		for _, o := range outcomes {
			t.Run(m+" "+o.name, func(t *testing.T) {
				t.Parallel()
				want := 1
				switch {
				case o.status == 429:
					want = maxRetries + 1
				case (o.status == 0 || o.status >= 500) && IsIdempotent(m):
					want = maxRetries + 1
				}
				var calls atomic.Int32
				opts := []Option{WithMaxRetries(maxRetries)}
				var ft *failingTransport
				if o.status == 0 {
					ft = &failingTransport{}
					opts = append(opts, WithHTTPClient(&http.Client{Transport: ft}))
				}
				c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					calls.Add(1)
					w.WriteHeader(o.status)
					io.WriteString(w, `{"metadata":{"status":"X","error":{"code":"9000","description":"nope"}}}`)
				}), opts...)
				_, err := c.Do(t.Context(), &Request{Method: m, Path: "/studies/S/records", Body: []int{1}}, nil)
				got := int(calls.Load())
				if ft != nil {
					got = int(ft.calls.Load())
				}
				if got != want {
					t.Fatalf("%d attempts, want %d (err %v)", got, want, err)
				}
				if o.status == 0 {
					var re *RequestError
					if !errors.As(err, &re) || re.Attempts != want || !strings.Contains(err.Error(), "connection reset") {
						t.Fatalf("network failure: got %#v", err)
					}
					return
				}
				var apiErr *APIError
				if !errors.As(err, &apiErr) || apiErr.StatusCode != o.status || apiErr.Attempts != want {
					t.Fatalf("got %v, want an APIError %d after %d attempts", err, o.status, want)
				}
			})
		}
	}
}

func TestRetryRecoversAndReplaysBody(t *testing.T) {
	var calls atomic.Int32
	var mu sync.Mutex
	var bodies []string
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
		if calls.Add(1) < 3 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, `{"batchId":"b-1","state":"created"}`)
	}))
	var out struct{ BatchID, State string }
	resp, err := c.Do(t.Context(), &Request{Method: "POST", Path: "/studies/S/records",
		Body: []map[string]any{{"formKey": "REG", "data": map[string]any{"x": 1}}}}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Attempts != 3 || resp.StatusCode != 202 || out.BatchID != "b-1" {
		t.Fatalf("attempts %d status %d out %+v", resp.Attempts, resp.StatusCode, out)
	}
	want := `[{"data":{"x":1},"formKey":"REG"}]`
	mu.Lock()
	defer mu.Unlock()
	for i, b := range bodies {
		if b != want {
			t.Fatalf("attempt %d sent body %q, want %q", i+1, b, want)
		}
	}
}

func TestBackoffIsFullJitterExponentialWithCap(t *testing.T) {
	clk := &fakeClock{}
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}), WithClock(clk), WithMaxRetries(5), WithBackoff(100*time.Millisecond, 500*time.Millisecond),
		WithRandom(func() float64 { return 0.5 }))
	_, err := c.Do(t.Context(), &Request{Path: "/studies"}, nil)
	if !errors.Is(err, ErrServer) {
		t.Fatalf("got %v", err)
	}
	want := []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond, 250 * time.Millisecond, 250 * time.Millisecond}
	if got := clk.Sleeps(); !equalDurations(got, want) {
		t.Fatalf("waits %v, want %v", got, want)
	}

	// The random factor spans [0, ceiling).
	clk2 := &fakeClock{}
	c2, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}), WithClock(clk2), WithMaxRetries(2), WithBackoff(time.Second, time.Minute),
		WithRandom(func() float64 { return 0 }))
	c2.Do(t.Context(), &Request{Path: "/studies"}, nil)
	if got := clk2.Sleeps(); !equalDurations(got, []time.Duration{0, 0}) {
		t.Fatalf("zero jitter waits %v", got)
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestRetryAfterHonouredAndCapped(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		name   string
		header string
		want   time.Duration
	}{
		{"seconds", "7", 7 * time.Second},
		{"fractional seconds", "1.5", 1500 * time.Millisecond},
		{"http date", now.Add(30 * time.Second).Format(http.TimeFormat), 30 * time.Second},
		{"date in the past", now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"negative", "-5", 0},
		{"above the cap", "3600", 45 * time.Second},
		{"garbage falls back to backoff", "soon", 250 * time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clk := &fakeClock{now: now}
			var calls atomic.Int32
			c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) == 1 {
					w.Header().Set("Retry-After", tc.header)
					w.WriteHeader(http.StatusTooManyRequests)
					return
				}
				io.WriteString(w, `{}`)
			}), WithClock(clk), WithMaxRetryAfter(45*time.Second),
				WithBackoff(500*time.Millisecond, time.Second), WithRandom(func() float64 { return 0.5 }))
			if _, err := c.Do(t.Context(), &Request{Method: "POST", Path: "/studies/S/records"}, nil); err != nil {
				t.Fatal(err)
			}
			if got := clk.Sleeps(); len(got) != 1 || got[0] != tc.want {
				t.Fatalf("waits %v, want [%s]", got, tc.want)
			}
		})
	}
}

func TestRateLimitErrorCarriesRetryAfter(t *testing.T) {
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "12")
		w.WriteHeader(http.StatusTooManyRequests)
	}), WithMaxRetries(1))
	_, err := c.Do(t.Context(), &Request{Path: "/studies"}, nil)
	var apiErr *APIError
	if !errors.Is(err, ErrRateLimited) || !errors.As(err, &apiErr) || apiErr.RetryAfter != 12*time.Second {
		t.Fatalf("got %v", err)
	}
	if !strings.Contains(err.Error(), "retry after 12s") || apiErr.Attempts != 2 {
		t.Fatalf("message %q attempts %d", err, apiErr.Attempts)
	}
}

// sleepSignal is the real clock, announcing each wait before it starts.
type sleepSignal struct {
	systemClock
	sleeping chan time.Duration
}

func (s sleepSignal) Sleep(ctx context.Context, d time.Duration) error {
	s.sleeping <- d
	return s.systemClock.Sleep(ctx, d)
}

func TestCancellationDuringBackoffReturnsAtOnce(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	// An hour of backoff on the real clock: only cancellation can end the wait.
	clk := sleepSignal{sleeping: make(chan time.Duration, 1)}
	c, err := New(WithAPIKey(testAPIKey, testSecurityKey), WithBaseURL(srv.URL), WithClock(clk),
		WithBackoff(time.Hour, time.Hour), WithRandom(func() float64 { return 0.99 }))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := c.Do(ctx, &Request{Path: "/studies"}, nil)
		done <- err
	}()
	if d := <-clk.sleeping; d < 59*time.Minute {
		t.Fatalf("backoff of %s, want about an hour", d)
	}
	cancel()
	select {
	case err := <-done:
		var re *RequestError
		if !errors.Is(err, context.Canceled) || !errors.As(err, &re) || re.Attempts != 1 {
			t.Fatalf("got %v", err)
		}
		if !strings.Contains(err.Error(), "503") {
			t.Errorf("the error does not say what was being retried: %v", err)
		}
	case <-time.After(30 * time.Second): // a liveness guard, not a timing assertion
		t.Fatal("Do kept waiting after its context was cancelled")
	}
	if calls.Load() != 1 {
		t.Fatalf("%d attempts after cancellation", calls.Load())
	}
}

func TestPerAttemptTimeoutIsRetried(t *testing.T) {
	var calls atomic.Int32
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			<-r.Context().Done() // never answer the first attempt
			return
		}
		io.WriteString(w, `{"ok":true}`)
	}), WithTimeout(100*time.Millisecond))
	var out struct{ OK bool }
	resp, err := c.Do(t.Context(), &Request{Path: "/studies"}, &out)
	if err != nil || !out.OK || resp.Attempts != 2 {
		t.Fatalf("err %v out %+v resp %+v", err, out, resp)
	}

	// Every attempt timing out ends in a RequestError that says so.
	c2, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}), WithTimeout(20*time.Millisecond), WithMaxRetries(1))
	_, err = c2.Do(t.Context(), &Request{Path: "/studies"}, nil)
	var re *RequestError
	if !errors.As(err, &re) || re.Attempts != 2 || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
}

func TestMalformedBodyRetriedForReadsOnly(t *testing.T) {
	for _, method := range []string{"GET", "POST"} {
		var calls atomic.Int32
		c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			io.WriteString(w, `{"jobId": "j", "sta`) // cut off
		}), WithMaxRetries(2))
		var out map[string]any
		_, err := c.Do(t.Context(), &Request{Method: method, Path: "/studies/S/records"}, &out)
		want := 3
		if method == "POST" {
			want = 1
		}
		var re *RequestError
		if !errors.As(err, &re) || re.Attempts != want || int(calls.Load()) != want {
			t.Fatalf("%s: got %v after %d calls, want a RequestError after %d", method, err, calls.Load(), want)
		}
		if !strings.Contains(err.Error(), "malformed response body") {
			t.Fatalf("%s: message %q", method, err)
		}
	}
}

func TestCustomRetryPolicySeesTheFailure(t *testing.T) {
	var states []RetryState
	policy := RetryPolicyFunc(func(s RetryState) bool {
		states = append(states, s)
		return errors.Is(s.Err, ErrNotFound) && s.Attempt < 2
	})
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
	}), WithRetryPolicy(policy))
	_, err := c.Do(t.Context(), &Request{Path: "/studies/S/jobs/x"}, nil)
	if !errors.Is(err, ErrNotFound) || len(states) != 2 {
		t.Fatalf("err %v, %d states", err, len(states))
	}
	s := states[0]
	if s.Attempt != 1 || s.Method != "GET" || s.StatusCode != 404 || s.Path != "/api/v1/edc/studies/S/jobs/x" {
		t.Fatalf("state %+v", s)
	}
	if states[1].Attempt != 2 {
		t.Fatalf("second state %+v", states[1])
	}
}

func TestNoRetriesWhenDisabled(t *testing.T) {
	var calls atomic.Int32
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	}), WithMaxRetries(0))
	c.Do(t.Context(), &Request{Path: "/studies"}, nil)
	if calls.Load() != 1 {
		t.Fatalf("%d attempts with retries disabled", calls.Load())
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	h := func(v string) http.Header { return http.Header{"Retry-After": {v}} }
	if _, ok := parseRetryAfter(http.Header{}, now); ok {
		t.Error("no header parsed as a delay")
	}
	if d, ok := parseRetryAfter(h(" 3 "), now); !ok || d != 3*time.Second {
		t.Errorf("3: %v %v", d, ok)
	}
	if d, ok := parseRetryAfter(h(now.Add(90*time.Second).Format(time.RFC850)), now); !ok || d != 90*time.Second {
		t.Errorf("RFC 850 date: %v %v", d, ok)
	}
	if d, ok := parseRetryAfter(h("1e12"), now); !ok || d != 365*24*time.Hour {
		t.Errorf("huge value not bounded: %v %v", d, ok)
	}
}

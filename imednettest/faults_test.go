package imednettest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	imednet "github.com/imednet/imednet-go"
)

// tiny is the study of the fault tests: 2 sites, 6 subjects, 50 records.
var tiny = StudyConfig{Key: "DEMO", Sites: 2, Subjects: 6, RecordsPerSubject: 8, Users: 4}

// transports runs f with a server built with New (in-process client) and with one started on
// a loopback listener.
func transports(t *testing.T, opts []Option, f func(t *testing.T, s *Server)) {
	t.Run("in-process", func(t *testing.T) {
		s, err := New(append([]Option{WithStudy(tiny)}, opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		f(t, s)
	})
	t.Run("listener", func(t *testing.T) {
		s, err := NewServer(append([]Option{WithStudy(tiny)}, opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		f(t, s)
	})
}

// fastClient is an SDK client that retries often and without waiting long.
func fastClient(t *testing.T, s *Server, opts ...imednet.Option) *imednet.Client {
	t.Helper()
	c, err := s.Client(append([]imednet.Option{
		imednet.WithMaxRetries(12),
		imednet.WithBackoff(time.Microsecond, 10*time.Microsecond),
		imednet.WithMaxRetryAfter(time.Millisecond),
	}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// countingClient counts the attempts the SDK makes.
func countingClient(t *testing.T, s *Server, attempts *int, mu *sync.Mutex) *imednet.Client {
	return fastClient(t, s, imednet.WithMiddleware(func(next http.RoundTripper) http.RoundTripper {
		return rtFunc(func(r *http.Request) (*http.Response, error) {
			mu.Lock()
			*attempts++
			mu.Unlock()
			return next.RoundTrip(r)
		})
	}))
}

type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// listing reads every record (5 per page) and subject (2 per page) through the SDK, as JSON.
func listing(t *testing.T, c *imednet.Client) string {
	t.Helper()
	ctx := t.Context()
	var recs []imednet.Record
	for r, err := range c.Records.All(ctx, "DEMO", &imednet.RecordListOptions{ListOptions: imednet.ListOptions{PageSize: 5}}) {
		if err != nil {
			t.Fatalf("records: %v", err)
		}
		recs = append(recs, r)
	}
	var subs []imednet.Subject
	for sub, err := range c.Subjects.All(ctx, "DEMO", &imednet.ListOptions{PageSize: 2}) {
		if err != nil {
			t.Fatalf("subjects: %v", err)
		}
		subs = append(subs, sub)
	}
	b, err := json.Marshal([]any{recs, subs})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 50 || len(subs) != 6 {
		t.Fatalf("listing has %d records and %d subjects", len(recs), len(subs))
	}
	return string(b)
}

func TestFaultsListingsRecover(t *testing.T) {
	for _, tc := range []struct {
		name   string
		faults Faults
		kinds  []FaultKind
	}{
		{"429", Faults{TooManyRequestsRate: 0.3}, []FaultKind{FaultTooManyRequests}},
		{"5xx", Faults{ServerErrorRate: 0.3}, []FaultKind{FaultServerError}},
		{"reset", Faults{ResetRate: 0.3}, []FaultKind{FaultReset}},
		{"truncated", Faults{TruncateRate: 0.3}, []FaultKind{FaultTruncated}},
		{"malformed", Faults{MalformedRate: 0.3}, []FaultKind{FaultMalformed}},
		{"slow", Faults{SlowBodyRate: 0.3, SlowPause: time.Millisecond}, []FaultKind{FaultSlowBody}},
		{"latency", Faults{Latency: 100 * time.Microsecond, LatencyMax: time.Millisecond}, []FaultKind{FaultLatency}},
		{"all", Faults{TooManyRequestsRate: 0.1, ServerErrorRate: 0.1, ResetRate: 0.1, TruncateRate: 0.1,
			MalformedRate: 0.1, SlowBodyRate: 0.1, SlowPause: time.Millisecond, ResetAfterAcceptRate: 0.1},
			[]FaultKind{FaultTooManyRequests, FaultServerError, FaultReset, FaultTruncated, FaultMalformed, FaultSlowBody}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			transports(t, []Option{WithFaults(tc.faults)}, func(t *testing.T, s *Server) {
				var attempts int
				var mu sync.Mutex
				faulty := listing(t, countingClient(t, s, &attempts, &mu))
				st := s.Stats()
				for _, k := range tc.kinds {
					if st.Faults[k] == 0 {
						t.Errorf("no %s fault injected: %v", k, st.Faults)
					}
				}
				// 10 pages of records and 3 of subjects: the SDK must have retried, except
				// where Go's transport resent a reset GET itself.
				switch {
				case tc.name == "latency" || tc.name == "slow":
				case tc.name == "reset" && s.URL() != "":
					if n := st.Requests["GET /studies/{studyKey}/records"] + st.Requests["GET /studies/{studyKey}/subjects"]; n <= 13 {
						t.Errorf("%d requests: no request was resent after a reset", n)
					}
				case attempts <= 13:
					t.Errorf("%d attempts: the faults did not reach the SDK", attempts)
				}
				if err := s.SetFaults(Faults{}); err != nil {
					t.Fatal(err)
				}
				if clean := listing(t, fastClient(t, s)); clean != faulty {
					t.Fatal("the listing read through faults differs from the fault-free one")
				}
				if st2 := s.Stats(); !reflect.DeepEqual(st2.Faults, st.Faults) {
					t.Errorf("faults injected after SetFaults(Faults{}): %v, then %v", st.Faults, st2.Faults)
				}
			})
		})
	}
}

// outcome describes what a client saw for one request.
func outcome(c *http.Client, s *Server, path string) string {
	req, _ := http.NewRequest("GET", s.URL()+prefix+path, nil)
	api, sec := s.Keys()
	req.Header.Set("x-api-key", api)
	req.Header.Set("x-imn-security-key", sec)
	resp, err := c.Do(req)
	if err != nil {
		if errors.Is(err, syscall.ECONNRESET) {
			return "reset"
		}
		return "error: " + err.Error()
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Sprintf("%d %s after %d bytes", resp.StatusCode, err, len(body))
	}
	valid := "json"
	if !json.Valid(body) {
		valid = "not json"
	}
	return fmt.Sprintf("%d %s %s %d bytes Retry-After=%q", resp.StatusCode, valid,
		resp.Header.Get("Content-Type"), len(body), resp.Header.Get("Retry-After"))
}

func inProcessHTTP(s *Server) *http.Client { return &http.Client{Transport: inProcess{s}} }

var mixed = Faults{TooManyRequestsRate: 0.1, ServerErrorRate: 0.15, ResetRate: 0.1, TruncateRate: 0.1,
	MalformedRate: 0.1, SlowBodyRate: 0.05, SlowPause: time.Microsecond, LatencyMax: 50 * time.Microsecond}

func TestFaultsDeterministic(t *testing.T) {
	paths := make([]string, 0, 60)
	for i := range 20 {
		paths = append(paths, fmt.Sprintf("/studies/DEMO/records?size=7&page=%d", i%10),
			fmt.Sprintf("/studies/DEMO/subjects?page=%d&size=3", i%4), "/studies")
	}
	run := func(f Faults, concurrent bool) []string {
		s := newSmall(t, WithFaults(f))
		c := inProcessHTTP(s)
		out := make([]string, len(paths))
		if !concurrent {
			for i, p := range paths {
				out[i] = outcome(c, s, p)
			}
			return out
		}
		// Concurrently, each distinct request in the same order as sequentially.
		byPath := map[string][]int{}
		for i, p := range paths {
			byPath[p] = append(byPath[p], i)
		}
		var wg sync.WaitGroup
		for p, idx := range byPath {
			wg.Go(func() {
				for _, i := range idx {
					out[i] = outcome(c, s, p)
				}
			})
		}
		wg.Wait()
		return out
	}
	a := run(mixed, false)
	if b := run(mixed, false); !reflect.DeepEqual(a, b) {
		t.Fatalf("same seed, different faults:\n%q\n%q", a, b)
	}
	if b := run(mixed, true); !reflect.DeepEqual(a, b) {
		t.Fatalf("concurrent requests got different faults:\n%q\n%q", a, b)
	}
	other := mixed
	other.Seed = 99
	if b := run(other, false); reflect.DeepEqual(a, b) {
		t.Fatal("another fault seed gave the same faults")
	}
	kinds := map[string]bool{}
	for _, o := range a {
		kinds[strings.Fields(o)[0]] = true
	}
	for _, k := range []string{"200", "429", "500", "502", "503", "reset"} {
		if !kinds[k] {
			t.Errorf("no %q among the outcomes %q", k, a)
		}
	}
}

func TestFaultsShapes(t *testing.T) {
	transports(t, nil, func(t *testing.T, s *Server) {
		c := inProcessHTTP(s)
		if s.URL() != "" {
			c = &http.Client{}
		}
		get := func(path string) (*http.Response, []byte, error) {
			req, _ := http.NewRequest("GET", s.URL()+prefix+path, nil)
			api, sec := s.Keys()
			req.Header.Set("x-api-key", api)
			req.Header.Set("x-imn-security-key", sec)
			resp, err := c.Do(req)
			if err != nil {
				return nil, nil, err
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			return resp, b, err
		}
		const path = "/studies/DEMO/records?size=50"
		_, clean, err := get(path)
		if err != nil {
			t.Fatal(err)
		}

		// 5xx: the vendor shape for 500, HTML for 502, either for 503.
		s.SetFaults(Faults{ServerErrorRate: 1})
		seen := map[string]bool{}
		for i := range 40 {
			resp, body, err := get(fmt.Sprintf("/studies/DEMO/sites?page=%d", i))
			if err != nil {
				t.Fatal(err)
			}
			ct := resp.Header.Get("Content-Type")
			seen[fmt.Sprint(resp.StatusCode, " ", strings.Fields(ct)[0])] = true
			switch {
			case resp.StatusCode == 502 && ct == "text/html":
			case resp.StatusCode == 503 && strings.HasPrefix(ct, "text/plain"):
			case resp.StatusCode == 500 || resp.StatusCode == 503:
				name := map[int]string{500: "INTERNAL_SERVER_ERROR", 503: "SERVICE_UNAVAILABLE"}[resp.StatusCode]
				checkError(t, resp.StatusCode, body, resp.StatusCode, name, "9000")
			default:
				t.Fatalf("5xx fault: %d %s %s", resp.StatusCode, ct, body)
			}
		}
		if len(seen) != 4 {
			t.Errorf("5xx shapes seen: %v", seen)
		}

		// 429 with Retry-After and the vendor body.
		s.SetFaults(Faults{TooManyRequestsRate: 1, RetryAfter: 1500 * time.Millisecond})
		resp, body, err := get(path)
		if err != nil {
			t.Fatal(err)
		}
		checkError(t, resp.StatusCode, body, 429, "TOO_MANY_REQUESTS", "9000")
		if ra := resp.Header.Get("Retry-After"); ra != "2" {
			t.Errorf("Retry-After %q, want 2", ra)
		}

		// Truncated: a prefix of the answer, then the end of the connection.
		s.SetFaults(Faults{TruncateRate: 1})
		for range 5 {
			resp, body, err = get(path)
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("truncated body: %v", err)
			}
			if resp.StatusCode != 200 || resp.ContentLength != int64(len(clean)) || len(body) == 0 ||
				len(body) >= len(clean) || !bytes.HasPrefix(clean, body) {
				t.Fatalf("truncated: status %d, length %d, %d of %d bytes, prefix %v", resp.StatusCode,
					resp.ContentLength, len(body), len(clean), bytes.HasPrefix(clean, body))
			}
		}

		// Malformed: 200, a consistent Content-Length, not JSON.
		s.SetFaults(Faults{MalformedRate: 1})
		var html, cut bool
		for range 12 {
			resp, body, err = get(path)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != 200 || json.Valid(body) || resp.ContentLength != int64(len(body)) {
				t.Fatalf("malformed: %d, valid %v, length %d of %d", resp.StatusCode, json.Valid(body), resp.ContentLength, len(body))
			}
			html = html || strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html")
			cut = cut || bytes.HasPrefix(clean, body)
		}
		if !html || !cut {
			t.Errorf("malformed bodies: HTML %v, cut JSON %v", html, cut)
		}

		// Reset: no answer.
		s.SetFaults(Faults{ResetRate: 1})
		if _, _, err = get(path); err == nil {
			t.Fatal("reset: no error")
		}
		if s.URL() == "" && !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("in-process reset: %v, want ECONNRESET", err)
		}

		// Slow: the right answer, later.
		s.SetFaults(Faults{SlowBodyRate: 1, SlowPieces: 3, SlowPause: 15 * time.Millisecond})
		start := time.Now()
		if _, body, err = get(path); err != nil || !bytes.Equal(body, clean) {
			t.Fatalf("slow body: %v, equal %v", err, bytes.Equal(body, clean))
		}
		if d := time.Since(start); d < 30*time.Millisecond {
			t.Errorf("slow body took %s, want at least 2 pauses of 15ms", d)
		}

		want := map[FaultKind]int{FaultServerError: 40, FaultTooManyRequests: 1, FaultTruncated: 5,
			FaultMalformed: 12, FaultSlowBody: 1, FaultReset: 1}
		if s.URL() != "" {
			// Go's transport resends a GET once when a kept-alive connection is reset.
			want[FaultReset] = s.Stats().Faults[FaultReset]
		}
		if got := s.Stats().Faults; !reflect.DeepEqual(got, want) {
			t.Errorf("Stats.Faults = %v, want %v", got, want)
		}
	})
}

func TestFaultsSlowBodyStreams(t *testing.T) {
	s := MustNewServer(t, WithStudy(small), WithFaults(Faults{SlowBodyRate: 1, SlowPieces: 2, SlowPause: 40 * time.Millisecond}))
	req, _ := http.NewRequest("GET", s.URL()+prefix+"/studies/DEMO/records?size=100", nil)
	req.Header.Set("x-api-key", DemoAPIKey)
	req.Header.Set("x-imn-security-key", DemoSecurityKey)
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 1)
	if _, err := io.ReadFull(resp.Body, buf); err != nil {
		t.Fatal(err)
	}
	first := time.Since(start)
	rest, err := io.ReadAll(resp.Body)
	if err != nil || !json.Valid(append(buf, rest...)) {
		t.Fatalf("slow body: %v", err)
	}
	if all := time.Since(start); all-first < 30*time.Millisecond {
		t.Errorf("first byte after %s, last after %s: the body was not paused", first, all)
	}
}

func TestFaultsScope(t *testing.T) {
	s := newSmall(t, WithFaults(Faults{ServerErrorRate: 1, Methods: []string{"get"},
		ExceptPaths: []string{"/studies/{studyKey}/jobs/{batchId}"}}))
	if code, _, _ := call(t, s, "GET", "/studies/DEMO/sites", nil, "", nil); code < 500 {
		t.Fatalf("GET in scope: %d", code)
	}
	_, batch := post(t, s, `[{"formKey":"AE","subjectKey":"01-001","data":{"AETERM":"x"}}]`, nil)
	if code, body, _ := call(t, s, "GET", "/studies/DEMO/jobs/"+batch, nil, "", nil); code != 200 {
		t.Fatalf("excepted path: %d %s", code, body)
	}
	if err := s.SetFaults(Faults{ResetRate: 1, Paths: []string{"/studies/{studyKey}/records"}, ExceptMethods: []string{"POST"}}); err != nil {
		t.Fatal(err)
	}
	post(t, s, `[{"formKey":"AE","subjectKey":"01-001","data":{"AETERM":"x"}}]`, nil)
	if code, _, _ := call(t, s, "GET", "/studies/DEMO/sites", nil, "", nil); code != 200 {
		t.Fatalf("path out of scope: %d", code)
	}
	if _, err := inProcessHTTP(s).Get(prefix + "/studies/DEMO/records"); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("path in scope: %v", err)
	}
	if st := s.Stats(); st.Faults[FaultServerError] != 1 || st.Faults[FaultReset] != 1 || st.Submissions != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func TestFaultsValidation(t *testing.T) {
	for _, tc := range []struct {
		opt  Option
		want string
	}{
		{WithFaults(Faults{ServerErrorRate: 1.5}), "ServerErrorRate = 1.5 is outside 0..1"},
		{WithFaults(Faults{ResetRate: -0.1}), "ResetRate"},
		{WithFaults(Faults{ResetRate: 0.6, TruncateRate: 0.6}), "add up to 1.2"},
		{WithFaults(Faults{Latency: -time.Second}), "Latency = -1s is negative"},
		{WithFaults(Faults{RateLimit: -1}), "RateLimit"},
		{WithFaults(Faults{SlowPieces: 5000}), "SlowPieces"},
		{WithFaults(Faults{Methods: []string{"GE T"}}), `Methods: "GE T" is not an HTTP method`},
		{WithFaults(Faults{ExceptPaths: []string{"/studies/{studyKey}/record"}}), `ExceptPaths: "/studies/{studyKey}/record" is not a path template`},
		{WithLatency(2*time.Second, time.Second), "WithLatency"},
		{WithRateLimit(0, time.Second), "WithRateLimit"},
		{WithRateLimit(5, 0), "WithRateLimit"},
	} {
		_, err := New(tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want one containing %q", err, tc.want)
		}
	}
	// FaultsAtRate spreads the rate over five kinds.
	for _, rate := range []float64{0, 0.3, 1} {
		f := FaultsAtRate(rate)
		sum := f.TooManyRequestsRate + f.ServerErrorRate + f.ResetRate + f.TruncateRate + f.MalformedRate
		if math.Abs(sum-rate) > 1e-12 || f.ServerErrorRate != rate/5 {
			t.Errorf("FaultsAtRate(%v) = %+v", rate, f)
		}
		if _, err := New(WithFaults(f)); err != nil {
			t.Errorf("FaultsAtRate(%v): %v", rate, err)
		}
	}
	if _, err := New(WithFaults(FaultsAtRate(1.2))); err == nil {
		t.Error("FaultsAtRate(1.2) was accepted")
	}
	// WithLatency and WithRateLimit win over WithFaults, in any order.
	s, err := New(WithLatency(time.Millisecond, 2*time.Millisecond), WithFaults(Faults{ResetRate: 0.5, Latency: time.Hour}),
		WithRateLimit(7, time.Second))
	if err != nil {
		t.Fatal(err)
	}
	f := s.Faults()
	if f.Latency != time.Millisecond || f.LatencyMax != 2*time.Millisecond || f.RateLimit != 7 || f.ResetRate != 0.5 {
		t.Fatalf("merged faults %+v", f)
	}
	if err := s.SetFaults(Faults{MalformedRate: 2}); err == nil {
		t.Fatal("SetFaults accepted a rate of 2")
	}
	if s.Faults().ResetRate != 0.5 {
		t.Fatal("an invalid SetFaults changed the faults")
	}
}

func TestFaultsLatency(t *testing.T) {
	s := newSmall(t, WithLatency(20*time.Millisecond, 20*time.Millisecond))
	start := time.Now()
	call(t, s, "GET", "/studies", nil, "", nil)
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Fatalf("request took %s with a latency of 20ms", d)
	}
	// A client that gives up does not wait for the latency.
	s.SetFaults(Faults{Latency: time.Minute})
	c, _ := s.Client(imednet.WithMaxRetries(0))
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if _, err := c.Studies.List(ctx, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("cancelled request: %v", err)
	}
	if n := s.Stats().Faults[FaultLatency]; n != 2 {
		t.Fatalf("latency counted %d times", n)
	}
}

// sharedClock is the time of both the server (rate-limit windows) and the SDK (waits): a
// wait moves it on at once.
type sharedClock struct {
	manualClock
	slept []time.Duration
}

func (c *sharedClock) Now() time.Time { return c.now() }

func (c *sharedClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.slept = append(c.slept, d)
	c.mu.Unlock()
	c.add(d)
	return ctx.Err()
}

func TestFaultsRateLimit(t *testing.T) {
	clk := &sharedClock{manualClock: manualClock{t: DefaultStart}}
	s := newSmall(t, WithClock(clk.now), WithRateLimit(3, 10*time.Second))
	for i := range 3 {
		if code, body, _ := call(t, s, "GET", "/studies", nil, "", nil); code != 200 {
			t.Fatalf("request %d: %d %s", i+1, code, body)
		}
	}
	clk.add(4 * time.Second)
	code, body, hdr := call(t, s, "GET", "/studies/DEMO/sites", nil, "", nil)
	checkError(t, code, body, 429, "TOO_MANY_REQUESTS", "9000")
	if ra := hdr.Get("Retry-After"); ra != "6" {
		t.Fatalf("Retry-After %q, want 6 (the rest of the window)", ra)
	}
	clk.add(6 * time.Second)
	if code, _, _ := call(t, s, "GET", "/studies", nil, "", nil); code != 200 {
		t.Fatalf("next window: %d", code)
	}

	// The SDK waits what Retry-After asks, then gets through: GET and POST alike (a 429 is
	// refused before anything is done, so a submission may be sent again).
	c, err := s.Client(imednet.WithClock(clk), imednet.WithMaxRetries(2))
	if err != nil {
		t.Fatal(err)
	}
	clk.slept = nil
	for i := range 2 {
		if _, err := c.Sites.List(t.Context(), "DEMO", nil); err != nil {
			t.Fatalf("GET %d: %v", i, err)
		}
	}
	jobs, err := c.Records.Create(t.Context(), "DEMO", []imednet.RecordRequest{
		imednet.NewRecord("AE", "01-001", map[string]any{"AETERM": "Headache"})}, nil)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("POST after 429: %v", err)
	}
	if want := []time.Duration{10 * time.Second}; !reflect.DeepEqual(clk.slept, want) {
		t.Fatalf("the SDK waited %v, want %v (Retry-After)", clk.slept, want)
	}
	st := s.Stats()
	if st.Faults[FaultRateLimit] != 2 || st.SubmissionsReceived != 2 || st.Submissions != 1 {
		t.Fatalf("stats: faults %v, received %d, accepted %d", st.Faults, st.SubmissionsReceived, st.Submissions)
	}
}

func TestFaultsPostNotRetried(t *testing.T) {
	reg := []imednet.RecordRequest{imednet.NewRecord("AE", "01-001", map[string]any{"AETERM": "Rash"})}
	for _, tc := range []struct {
		name         string
		faults       Faults
		received     int
		maybeApplied bool
	}{
		{"5xx", Faults{ServerErrorRate: 1}, 1, true},
		{"reset", Faults{ResetRate: 1}, 1, true},
		{"429", Faults{TooManyRequestsRate: 1}, 13, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			transports(t, []Option{WithFaults(tc.faults)}, func(t *testing.T, s *Server) {
				_, err := fastClient(t, s).Records.Create(t.Context(), "DEMO", reg, nil)
				var se *imednet.SubmitError
				if !errors.As(err, &se) || se.MaybeApplied != tc.maybeApplied {
					t.Fatalf("error %v, want a SubmitError with MaybeApplied %v", err, tc.maybeApplied)
				}
				st := s.Stats()
				if st.SubmissionsReceived != tc.received || st.Submissions != 0 || st.JobsCreated != 0 {
					t.Fatalf("received %d (want %d), accepted %d, jobs %d", st.SubmissionsReceived, tc.received, st.Submissions, st.JobsCreated)
				}
			})
		})
	}
}

func TestFaultsResetAfterAccept(t *testing.T) {
	transports(t, []Option{WithJobDelay(0), WithFaults(Faults{ResetAfterAcceptRate: 1})}, func(t *testing.T, s *Server) {
		c := fastClient(t, s)
		ctx := t.Context()
		before := s.Study("DEMO").Counts()
		reqs := []imednet.RecordRequest{
			imednet.NewRecord("AE", "01-002", map[string]any{"AETERM": "Dizziness"}),
			imednet.NewRecord("CM", "01-002", map[string]any{}),
		}
		_, err := c.Records.Create(ctx, "DEMO", reqs, nil)
		var se *imednet.SubmitError
		if !errors.As(err, &se) || !se.MaybeApplied {
			t.Fatalf("error %v, want a SubmitError with MaybeApplied", err)
		}
		if s.URL() == "" && !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("in-process: %v, want ECONNRESET", err)
		}
		// A GET with faults still on is served normally, and runs the job.
		if _, err := c.Sites.List(ctx, "DEMO", nil); err != nil {
			t.Fatal(err)
		}
		jobs := s.Study("DEMO").Jobs()
		if len(jobs) != 1 || jobs[0].Acknowledged || jobs[0].State != "completed" {
			t.Fatalf("jobs %+v", jobs)
		}
		st := s.Stats()
		if st.SubmissionsReceived != 1 || st.Submissions != 1 || st.ItemsAccepted != 2 || st.ItemsApplied != 2 ||
			st.JobsCompleted != 1 || st.Faults[FaultResetAfterAccept] != 1 {
			t.Fatalf("stats %+v", st)
		}
		if after := s.Study("DEMO").Counts(); after.Records != before.Records+2 {
			t.Fatalf("records %d then %d", before.Records, after.Records)
		}
		// A refused submission is answered normally.
		code, body, _ := call(t, s, "POST", "/studies/DEMO/records", nil, `[{"formKey":"AE"}]`, nil)
		checkError(t, code, body, 400, "BAD_REQUEST", "1000")
		if st := s.Stats(); st.Faults[FaultResetAfterAccept] != 1 || st.RejectedSubmissions != 1 {
			t.Fatalf("stats after a refused submission %+v", st)
		}
	})
}

// TestFaultsExactlyOnce submits one request at a time through a mix of faults, resending only
// what the SDK reports as not applied, and checks that everything accepted was applied once.
func TestFaultsExactlyOnce(t *testing.T) {
	transports(t, []Option{WithJobDelay(0), WithFaults(Faults{Methods: []string{"POST"}, TooManyRequestsRate: 0.2,
		ServerErrorRate: 0.15, ResetRate: 0.15, ResetAfterAcceptRate: 0.15, TruncateRate: 0.1, MalformedRate: 0.1})},
		func(t *testing.T, s *Server) {
			c := fastClient(t, s, imednet.WithMaxRetries(0))
			const n = 40
			unknown, refused := 0, 0
			for i := range n {
				req := imednet.NewRecord("AE", "01-003", map[string]any{"AETERM": fmt.Sprintf("term %d", i)})
				for {
					_, err := c.Records.Create(t.Context(), "DEMO", []imednet.RecordRequest{req}, nil)
					var se *imednet.SubmitError
					if err == nil {
						break
					}
					if !errors.As(err, &se) {
						t.Fatal(err)
					}
					if se.MaybeApplied {
						unknown++
						break // never resend what the server may have applied
					}
					refused++
				}
			}
			s.SetFaults(Faults{})
			if _, err := c.Sites.List(t.Context(), "DEMO", nil); err != nil { // runs the jobs
				t.Fatal(err)
			}
			st := s.Stats()
			if unknown == 0 || refused == 0 {
				t.Fatalf("the faults did not show: %d unknown, %d refused", unknown, refused)
			}
			if st.ItemsApplied != st.ItemsAccepted || st.JobsCompleted != st.Submissions || st.JobsFailed != 0 {
				t.Fatalf("accepted %d items in %d submissions, applied %d in %d jobs", st.ItemsAccepted, st.Submissions,
					st.ItemsApplied, st.JobsCompleted)
			}
			terms := map[string]int{}
			for r, err := range c.Records.ForForm(t.Context(), "DEMO", "AE", nil) {
				if err != nil {
					t.Fatal(err)
				}
				if term, _ := r.RecordData.Text("AETERM"); r.SubjectKey == "01-003" && strings.HasPrefix(term, "term ") {
					terms[term]++
				}
			}
			unack := 0
			for _, j := range s.Study("DEMO").Jobs() {
				if !j.Acknowledged {
					unack++
				}
			}
			if len(terms) != st.Submissions || unack == 0 {
				t.Fatalf("%d distinct terms for %d submissions (%d unacknowledged)", len(terms), st.Submissions, unack)
			}
			for term, k := range terms {
				if k != 1 {
					t.Errorf("%s applied %d times", term, k)
				}
			}
			if len(terms) > n || len(terms) < n-unknown {
				t.Errorf("%d of %d requests applied, %d outcomes unknown", len(terms), n, unknown)
			}
		})
}

// BenchmarkFaultDraw measures what drawing faults adds to a small request (a page of sites)
// when no fault is injected: "off" has no Faults, "drawing" a rate that never hits.
func BenchmarkFaultDraw(b *testing.B) {
	for _, bc := range []struct {
		name string
		f    Faults
	}{{"off", Faults{}}, {"drawing", Faults{MalformedRate: 1e-12}}} {
		b.Run(bc.name, func(b *testing.B) {
			s := newSmall(b, WithFaults(bc.f))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				req := httptest.NewRequest("GET", prefix+"/studies/DEMO/sites?page="+itoa(i%1000), nil)
				req.Header.Set("x-api-key", DemoAPIKey)
				req.Header.Set("x-imn-security-key", DemoSecurityKey)
				w := httptest.NewRecorder()
				s.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatal(w.Code)
				}
				i++
			}
		})
	}
}

package imednetotel

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/imednettest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// Distinctive keys, so that a leak into a span cannot go unnoticed.
const (
	testAPIKey      = "otel-test-api-key-5b1f0e9d"
	testSecurityKey = "otel-test-security-key-c47a22e3"
	recordsTemplate = imednet.APIPrefix + "/studies/{studyKey}/records"
	sitesTemplate   = imednet.APIPrefix + "/studies/{studyKey}/sites"
)

func newRecorder() (*tracetest.SpanRecorder, *sdktrace.TracerProvider) {
	sr := tracetest.NewSpanRecorder()
	return sr, sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
}

// fakeServer serves the fake iMednet API with the test keys, passing every request through
// before, which may answer it itself (returning true) to inject a fault.
func fakeServer(t *testing.T, before func(w http.ResponseWriter, r *http.Request) bool, opts ...imednettest.Option) *httptest.Server {
	t.Helper()
	fake, err := imednettest.New(append([]imednettest.Option{imednettest.WithKeys(testAPIKey, testSecurityKey)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	h := fake.Handler()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if before != nil && before(w, r) {
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts
}

func newClient(t *testing.T, baseURL string, tp trace.TracerProvider, extra ...imednet.Option) *imednet.Client {
	t.Helper()
	opts := []imednet.Option{
		imednet.WithAPIKey(testAPIKey, testSecurityKey),
		imednet.WithBaseURL(baseURL),
		imednet.WithBackoff(time.Millisecond, time.Millisecond),
	}
	opts = append(opts, ClientOptions(WithTracerProvider(tp), WithPropagators(propagation.TraceContext{}))...)
	c, err := imednet.New(append(opts, extra...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func attrMap(kvs []attribute.KeyValue) map[attribute.Key]attribute.Value {
	m := make(map[attribute.Key]attribute.Value, len(kvs))
	for _, kv := range kvs {
		m[kv.Key] = kv.Value
	}
	return m
}

// split separates request spans from attempt spans and groups the attempts by parent.
func split(spans []sdktrace.ReadOnlySpan) (requests []sdktrace.ReadOnlySpan, attemptsOf map[trace.SpanID][]sdktrace.ReadOnlySpan) {
	attemptsOf = map[trace.SpanID][]sdktrace.ReadOnlySpan{}
	for _, s := range spans {
		switch s.SpanKind() {
		case trace.SpanKindInternal:
			if _, ok := attrMap(s.Attributes())["http.request.method"]; ok {
				requests = append(requests, s)
			}
		case trace.SpanKindClient:
			attemptsOf[s.Parent().SpanID()] = append(attemptsOf[s.Parent().SpanID()], s)
		}
	}
	return requests, attemptsOf
}

func wantAttr(t *testing.T, span sdktrace.ReadOnlySpan, key attribute.Key, want any) {
	t.Helper()
	v, ok := attrMap(span.Attributes())[key]
	if !ok {
		t.Errorf("span %q: no %s (attributes %v)", span.Name(), key, span.Attributes())
		return
	}
	if got := v.AsInterface(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("span %q: %s = %v, want %v", span.Name(), key, got, want)
	}
}

func noAttr(t *testing.T, span sdktrace.ReadOnlySpan, key attribute.Key) {
	t.Helper()
	if v, ok := attrMap(span.Attributes())[key]; ok {
		t.Errorf("span %q: unexpected %s = %v", span.Name(), key, v.AsInterface())
	}
}

// checkNoSecrets fails if any attribute, status or event of spans contains one of secrets.
func checkNoSecrets(t *testing.T, spans []sdktrace.ReadOnlySpan, secrets ...string) {
	t.Helper()
	for _, s := range spans {
		texts := []string{s.Name(), s.Status().Description}
		for _, kv := range s.Attributes() {
			texts = append(texts, string(kv.Key), kv.Value.Emit())
		}
		for _, e := range s.Events() {
			texts = append(texts, e.Name)
			for _, kv := range e.Attributes {
				texts = append(texts, kv.Value.Emit())
			}
		}
		for _, text := range texts {
			for _, secret := range secrets {
				if strings.Contains(text, secret) {
					t.Errorf("span %q holds %q: %q", s.Name(), secret, text)
				}
			}
		}
	}
}

func TestListingMakesOneRequestSpanPerPage(t *testing.T) {
	for _, prefetch := range []int{0, 3} {
		t.Run(fmt.Sprintf("prefetch=%d", prefetch), func(t *testing.T) {
			var hits atomic.Int32
			ts := fakeServer(t, func(http.ResponseWriter, *http.Request) bool { hits.Add(1); return false },
				imednettest.WithStudy(imednettest.StudyConfig{Key: "DEMO", Sites: 2, Subjects: 3, RecordsPerSubject: 4}))
			sr, tp := newRecorder()
			c := newClient(t, ts.URL, tp)

			ctx, parent := tp.Tracer("test").Start(context.Background(), "caller")
			const size = 5
			n := 0
			for _, err := range c.Records.All(ctx, "DEMO", &imednet.RecordListOptions{ListOptions: imednet.ListOptions{PageSize: size, Prefetch: prefetch}}) {
				if err != nil {
					t.Fatal(err)
				}
				n++
			}
			parent.End()
			pages := int(hits.Load())
			if n < 2*size || pages < (n+size-1)/size {
				t.Fatalf("the server saw %d requests for %d records by %d", pages, n, size)
			}

			requests, attemptsOf := split(sr.Ended())
			if len(requests) != pages {
				t.Fatalf("%d request spans for %d page requests", len(requests), pages)
			}
			seen := map[int64]bool{}
			for _, rs := range requests {
				if rs.Name() != "imednet GET /studies/{studyKey}/records" {
					t.Errorf("request span name %q", rs.Name())
				}
				if rs.Parent().SpanID() != parent.SpanContext().SpanID() || rs.SpanContext().TraceID() != parent.SpanContext().TraceID() {
					t.Errorf("request span %q is not a child of the caller's span", rs.Name())
				}
				if rs.Status().Code != codes.Unset {
					t.Errorf("request span status %v", rs.Status())
				}
				attrs := attrMap(rs.Attributes())
				seen[attrs[PageKey].AsInt64()] = true
				wantAttr(t, rs, PageSizeKey, size)
				wantAttr(t, rs, StudyKey, "DEMO")
				wantAttr(t, rs, "http.request.method", "GET")
				wantAttr(t, rs, "url.template", recordsTemplate)
				wantAttr(t, rs, "server.address", "127.0.0.1")
				wantAttr(t, rs, "http.response.status_code", 200)
				wantAttr(t, rs, AttemptsKey, 1)
				noAttr(t, rs, "error.type")

				att := attemptsOf[rs.SpanContext().SpanID()]
				if len(att) != 1 {
					t.Fatalf("request span has %d attempt spans, want 1", len(att))
				}
				a := att[0]
				if a.Name() != "GET "+recordsTemplate {
					t.Errorf("attempt span name %q", a.Name())
				}
				if a.EndTime().After(rs.EndTime()) || a.StartTime().Before(rs.StartTime()) {
					t.Error("attempt span not within its request span")
				}
				wantAttr(t, a, AttemptKey, 1)
				wantAttr(t, a, "http.response.status_code", 200)
				wantAttr(t, a, "url.template", recordsTemplate)
				wantAttr(t, a, StudyKey, "DEMO")
				noAttr(t, a, "http.request.resend_count")
				noAttr(t, a, PageKey)
			}
			for p := range pages {
				if !seen[int64(p)] {
					t.Errorf("no request span for page %d (pages seen %v)", p, seen)
				}
			}
			checkNoSecrets(t, sr.Ended(), testAPIKey, testSecurityKey)
		})
	}
}

func TestRetriedRequestMakesOneRequestSpanWithAttemptChildren(t *testing.T) {
	var mu sync.Mutex
	var traceparents []string
	var hits atomic.Int32
	ts := fakeServer(t, func(w http.ResponseWriter, r *http.Request) bool {
		mu.Lock()
		traceparents = append(traceparents, r.Header.Get("traceparent"))
		mu.Unlock()
		if hits.Add(1) == 1 {
			http.Error(w, `{"metadata":{"status":"SERVICE_UNAVAILABLE"}}`, http.StatusServiceUnavailable)
			return true
		}
		return false
	})
	sr, tp := newRecorder()
	c := newClient(t, ts.URL, tp)
	page, err := c.Sites.List(context.Background(), "DEMO", &imednet.ListOptions{PageSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) == 0 {
		t.Fatal("no sites")
	}
	requests, attemptsOf := split(sr.Ended())
	if len(requests) != 1 {
		t.Fatalf("%d request spans, want 1", len(requests))
	}
	rs := requests[0]
	wantAttr(t, rs, AttemptsKey, 2)
	wantAttr(t, rs, "http.response.status_code", 200)
	wantAttr(t, rs, PageKey, 0)
	wantAttr(t, rs, PageSizeKey, 3)
	wantAttr(t, rs, "url.template", sitesTemplate)
	if rs.Status().Code != codes.Unset {
		t.Errorf("a request that succeeded on retry has status %v", rs.Status())
	}
	att := attemptsOf[rs.SpanContext().SpanID()]
	if len(att) != 2 {
		t.Fatalf("%d attempt spans, want 2", len(att))
	}
	if att[0].StartTime().After(att[1].StartTime()) {
		att[0], att[1] = att[1], att[0]
	}
	first, second := att[0], att[1]
	wantAttr(t, first, AttemptKey, 1)
	wantAttr(t, first, "http.response.status_code", 503)
	wantAttr(t, first, "error.type", "503")
	noAttr(t, first, "http.request.resend_count")
	if first.Status().Code != codes.Error {
		t.Errorf("the 503 attempt has status %v", first.Status())
	}
	wantAttr(t, second, AttemptKey, 2)
	wantAttr(t, second, "http.request.resend_count", 1)
	wantAttr(t, second, "http.response.status_code", 200)
	noAttr(t, second, "error.type")
	if !first.EndTime().Before(second.StartTime()) && !first.EndTime().Equal(second.StartTime()) {
		t.Error("the first attempt's span did not end before the second began")
	}

	// Each attempt sent its own span's context in the W3C traceparent header.
	mu.Lock()
	defer mu.Unlock()
	if len(traceparents) != 2 {
		t.Fatalf("server saw %d requests", len(traceparents))
	}
	for i, a := range []sdktrace.ReadOnlySpan{first, second} {
		want := fmt.Sprintf("00-%s-%s-01", a.SpanContext().TraceID(), a.SpanContext().SpanID())
		if traceparents[i] != want {
			t.Errorf("attempt %d sent traceparent %q, want %q", i+1, traceparents[i], want)
		}
	}
	checkNoSecrets(t, sr.Ended(), testAPIKey, testSecurityKey)
}

func TestErrorResponseSetsErrorStatus(t *testing.T) {
	ts := fakeServer(t, nil)
	sr, tp := newRecorder()
	c := newClient(t, ts.URL, tp)
	_, err := c.Sites.List(context.Background(), "NO-SUCH-STUDY", nil)
	if !errors.Is(err, imednet.ErrForbidden) {
		t.Fatalf("want 403 for an unknown study, got %v", err)
	}
	requests, attemptsOf := split(sr.Ended())
	if len(requests) != 1 {
		t.Fatalf("%d request spans", len(requests))
	}
	rs := requests[0]
	if rs.Status().Code != codes.Error || rs.Status().Description != err.Error() {
		t.Errorf("request span status %+v, want Error with %q", rs.Status(), err)
	}
	wantAttr(t, rs, "error.type", "403")
	wantAttr(t, rs, "http.response.status_code", 403)
	wantAttr(t, rs, AttemptsKey, 1)
	wantAttr(t, rs, StudyKey, "NO-SUCH-STUDY")
	att := attemptsOf[rs.SpanContext().SpanID()]
	if len(att) != 1 || att[0].Status().Code != codes.Error {
		t.Fatalf("attempt spans %v", att)
	}
	wantAttr(t, att[0], "error.type", "403")
	checkNoSecrets(t, sr.Ended(), testAPIKey, testSecurityKey)
}

func TestTransportFailureAndTimeout(t *testing.T) {
	// A server that is gone: the connection is refused.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone := "http://" + ln.Addr().String()
	ln.Close()

	const secretFilterValue = "Filter-Value-4411"
	sr, tp := newRecorder()
	c := newClient(t, gone, tp, imednet.WithMaxRetries(1))
	_, err = c.Subjects.List(context.Background(), "DEMO", &imednet.ListOptions{Filter: imednet.Eq("subjectKey", secretFilterValue)})
	var re *imednet.RequestError
	if !errors.As(err, &re) {
		t.Fatalf("want a RequestError, got %v", err)
	}
	requests, attemptsOf := split(sr.Ended())
	if len(requests) != 1 {
		t.Fatalf("%d request spans", len(requests))
	}
	rs := requests[0]
	wantAttr(t, rs, AttemptsKey, 2)
	noAttr(t, rs, "http.response.status_code")
	et := attrMap(rs.Attributes())["error.type"].AsString()
	if !strings.Contains(et, "net.OpError") {
		t.Errorf("error.type %q for a refused connection", et)
	}
	if rs.Status().Code != codes.Error || !strings.Contains(rs.Status().Description, "/studies/DEMO/subjects") {
		t.Errorf("request span status %+v", rs.Status())
	}
	att := attemptsOf[rs.SpanContext().SpanID()]
	if len(att) != 2 {
		t.Fatalf("%d attempt spans, want 2", len(att))
	}
	for _, a := range att {
		if a.Status().Code != codes.Error {
			t.Errorf("attempt status %v", a.Status())
		}
		wantAttr(t, a, "error.type", et)
	}
	// The error quotes the URL; the spans must not carry its query (the filter).
	if !strings.Contains(err.Error(), secretFilterValue) {
		t.Logf("note: the error no longer quotes the query: %v", err)
	}
	checkNoSecrets(t, sr.Ended(), testAPIKey, testSecurityKey, secretFilterValue)

	// A server too slow for the per-attempt timeout.
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer ts.Close()
	sr2, tp2 := newRecorder()
	c2 := newClient(t, ts.URL, tp2, imednet.WithMaxRetries(0), imednet.WithTimeout(50*time.Millisecond))
	if _, err := c2.Studies.List(context.Background(), nil); err == nil {
		t.Fatal("no timeout")
	}
	requests, attemptsOf = split(sr2.Ended())
	if len(requests) != 1 {
		t.Fatalf("%d request spans", len(requests))
	}
	wantAttr(t, requests[0], "error.type", "timeout")
	att = attemptsOf[requests[0].SpanContext().SpanID()]
	if len(att) != 1 {
		t.Fatalf("%d attempt spans", len(att))
	}
	wantAttr(t, att[0], "error.type", "timeout")
}

func TestPropagators(t *testing.T) {
	var got atomic.Value
	ts := fakeServer(t, func(w http.ResponseWriter, r *http.Request) bool {
		got.Store(r.Header.Get("traceparent") + "|" + r.Header.Get("baggage"))
		return false
	})
	sr, tp := newRecorder()

	// With no propagator configured and none installed globally, nothing is sent.
	c, err := imednet.New(append(ClientOptions(WithTracerProvider(tp)),
		imednet.WithAPIKey(testAPIKey, testSecurityKey), imednet.WithBaseURL(ts.URL))...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Studies.List(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if s := got.Load().(string); s != "|" {
		t.Errorf("headers sent without a propagator: %q", s)
	}
	if len(sr.Ended()) != 2 {
		t.Errorf("%d spans, want a request and an attempt", len(sr.Ended()))
	}

	// A configured propagator is used.
	c, err = imednet.New(append(ClientOptions(WithTracerProvider(tp), WithPropagators(propagation.TraceContext{})),
		imednet.WithAPIKey(testAPIKey, testSecurityKey), imednet.WithBaseURL(ts.URL))...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Studies.List(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	s := got.Load().(string)
	if !strings.HasPrefix(s, "00-") || !strings.HasSuffix(s, "-01|") {
		t.Errorf("traceparent sent: %q", s)
	}
}

func TestMiddlewareAloneOnAForeignRequest(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("hello"))
	}))
	defer ts.Close()
	sr, tp := newRecorder()
	rt := NewMiddleware(WithTracerProvider(tp))(http.DefaultTransport)
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/some/raw/path?x=1", nil)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	if len(sr.Ended()) != 0 {
		t.Error("the span ended before the body was read")
	}
	buf := make([]byte, 64)
	for {
		if _, err := resp.Body.Read(buf); err != nil {
			break
		}
	}
	if len(sr.Ended()) != 1 {
		t.Fatalf("%d spans after the body was read, want 1", len(sr.Ended()))
	}
	resp.Body.Close() // ending twice must not record twice
	spans := sr.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans after Close", len(spans))
	}
	if spans[0].Name() != "GET" {
		t.Errorf("span name %q: a raw path must not be part of the name", spans[0].Name())
	}
	noAttr(t, spans[0], "url.template")
	wantAttr(t, spans[0], "http.response.status_code", 200)
	if len(req.Header) != 0 {
		t.Errorf("the caller's request was modified: %v", req.Header)
	}
}

func TestErrorType(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
		want   string
	}{
		{&imednet.APIError{StatusCode: 429}, 429, "429"},
		{nil, 502, "502"},
		{&imednet.RequestError{Err: context.Canceled}, 0, "canceled"},
		{&imednet.RequestError{Err: fmt.Errorf("no response within 1s: %w", context.DeadlineExceeded)}, 0, "timeout"},
		{&imednet.RequestError{Err: &net.OpError{Op: "dial", Err: errors.New("refused")}}, 0, "*net.OpError"},
		{&imednet.PaginationError{Path: "/x"}, 200, "*imednet.PaginationError"},
	} {
		if got := errorType(tc.err, tc.status); got != tc.want {
			t.Errorf("errorType(%v, %d) = %q, want %q", tc.err, tc.status, got, tc.want)
		}
	}
}

func TestStudyFrom(t *testing.T) {
	for _, tc := range []struct{ pattern, path, want string }{
		{"/studies/{studyKey}/records", "/studies/DEMO/records", "DEMO"},
		{"/studies/{studyKey}/records", "/studies/A%2FB/records", "A/B"},
		{"/studies/{studyKey}/forms/{formId}", "/studies/X%20Y/forms/3", "X Y"},
		{"/studies", "/studies", ""},
		{"/studies/{studyKey}/records", "/studies/DEMO/records/extra", ""},
	} {
		if got := studyFrom(tc.pattern, tc.path); got != tc.want {
			t.Errorf("studyFrom(%q, %q) = %q, want %q", tc.pattern, tc.path, got, tc.want)
		}
	}
}

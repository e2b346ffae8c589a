package imednet

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

type observerKey struct{}

// recordingObserver remembers what StartRequest received and what the end function got,
// and puts a marker in the context so that the test can see it reach the attempts.
type recordingObserver struct {
	name string
	log  *[]string // shared between observers, to check the order of calls
	mu   *sync.Mutex

	infos []RequestInfo
	urls  []*url.URL
	resps []*Response
	errs  []error
}

func (o *recordingObserver) StartRequest(ctx context.Context, info RequestInfo, u *url.URL) (context.Context, func(*Response, error)) {
	o.mu.Lock()
	defer o.mu.Unlock()
	*o.log = append(*o.log, "start "+o.name)
	o.infos = append(o.infos, info)
	o.urls = append(o.urls, u)
	var chain []string
	if prev, ok := ctx.Value(observerKey{}).([]string); ok {
		chain = append(chain, prev...)
	}
	ctx = context.WithValue(ctx, observerKey{}, append(chain, o.name))
	return ctx, func(resp *Response, err error) {
		o.mu.Lock()
		defer o.mu.Unlock()
		*o.log = append(*o.log, "end "+o.name)
		o.resps = append(o.resps, resp)
		o.errs = append(o.errs, err)
	}
}

func TestObserverSeesEachCallOnceAcrossRetries(t *testing.T) {
	var hits atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte(`{"ok":true}`))
	})
	var mu sync.Mutex
	var log []string
	outer := &recordingObserver{name: "outer", log: &log, mu: &mu}
	inner := &recordingObserver{name: "inner", log: &log, mu: &mu}
	var seen [][]string
	var attempts []int
	mw := func(next http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			chain, _ := r.Context().Value(observerKey{}).([]string)
			info, _ := RequestInfoFrom(r.Context())
			mu.Lock()
			seen = append(seen, chain)
			attempts = append(attempts, info.Attempt)
			mu.Unlock()
			return next.RoundTrip(r)
		})
	}
	c, _ := newTestClient(t, h, WithObserver(outer, inner), WithMiddleware(mw))

	q := url.Values{"page": {"3"}, "size": {"50"}}
	var out struct{ OK bool }
	resp, err := c.Do(context.Background(), &Request{Path: "/studies/S%2F1/records", Pattern: "/studies/{studyKey}/records", Query: q}, &out)
	if err != nil || !out.OK {
		t.Fatalf("Do: %v, %+v", err, out)
	}
	if got, want := strings.Join(log, ","), "start outer,start inner,end inner,end outer"; got != want {
		t.Errorf("calls: %s, want %s", got, want)
	}
	for _, o := range []*recordingObserver{outer, inner} {
		if len(o.infos) != 1 || len(o.resps) != 1 {
			t.Fatalf("%s: %d starts and %d ends, want one each", o.name, len(o.infos), len(o.resps))
		}
		info := o.infos[0]
		if info.Method != http.MethodGet || info.Pattern != "/studies/{studyKey}/records" ||
			info.Path != APIPrefix+"/studies/S/1/records" || info.Attempt != 0 {
			t.Errorf("%s: info %+v", o.name, info)
		}
		u := o.urls[0]
		if u.Query().Get("page") != "3" || u.Query().Get("size") != "50" || u.Host != c.base.Host || u.User != nil {
			t.Errorf("%s: url %s", o.name, u)
		}
		if o.resps[0] != resp || o.errs[0] != nil || resp.Attempts != 2 {
			t.Errorf("%s: end got (%+v, %v), Do returned %+v", o.name, o.resps[0], o.errs[0], resp)
		}
	}
	// Each observer gets its own copy of the URL.
	if outer.urls[0] == inner.urls[0] {
		t.Error("observers share one *url.URL")
	}
	// Both attempts ran with the context of the innermost observer.
	if len(seen) != 2 || strings.Join(seen[0], ">") != "outer>inner" || strings.Join(seen[1], ">") != "outer>inner" {
		t.Errorf("contexts seen by the attempts: %v", seen)
	}
	if len(attempts) != 2 || attempts[0] != 1 || attempts[1] != 2 {
		t.Errorf("attempts seen by the middleware: %v", attempts)
	}
}

func TestObserverGetsTheFinalError(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"metadata":{"status":"NOT_FOUND","error":{"code":"404","description":"no such form"}}}`))
	})
	var got []error
	var resps []*Response
	obs := ObserverFunc(func(ctx context.Context, info RequestInfo, u *url.URL) (context.Context, func(*Response, error)) {
		return nil, func(r *Response, err error) { // a nil context keeps the caller's
			resps = append(resps, r)
			got = append(got, err)
		}
	})
	c, _ := newTestClient(t, h, WithObserver(obs))
	ctx := context.WithValue(context.Background(), observerKey{}, []string{"caller"})
	var ctxSeen []string
	c2, _ := newTestClient(t, h, WithObserver(obs), WithMiddleware(func(next http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			ctxSeen, _ = r.Context().Value(observerKey{}).([]string)
			return next.RoundTrip(r)
		})
	}))
	for _, cl := range []*Client{c, c2} {
		resp, err := cl.Do(ctx, &Request{Path: "/studies/X/forms/9"}, nil)
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("Do: %v", err)
		}
		if n := len(got); got[n-1] != err || resps[n-1] != resp || resp.StatusCode != http.StatusNotFound {
			t.Errorf("end got (%+v, %v); Do returned (%+v, %v)", resps[n-1], got[n-1], resp, err)
		}
	}
	if len(got) != 2 {
		t.Errorf("end called %d times for 2 calls", len(got))
	}
	if strings.Join(ctxSeen, ",") != "caller" {
		t.Errorf("the attempt did not run with the caller's context after a nil one: %v", ctxSeen)
	}
}

func TestObserverNotCalledForRequestsNeverSent(t *testing.T) {
	var calls atomic.Int32
	obs := ObserverFunc(func(ctx context.Context, info RequestInfo, u *url.URL) (context.Context, func(*Response, error)) {
		calls.Add(1)
		return ctx, nil // a nil end function is allowed
	})
	c, _ := newTestClient(t, http.NotFoundHandler(), WithObserver(obs))
	if _, err := c.Do(context.Background(), &Request{Path: "no-slash"}, nil); err == nil {
		t.Fatal("a path without / was accepted")
	}
	if _, err := c.Do(context.Background(), &Request{Path: "/x", Method: http.MethodPost, Body: func() {}}, nil); err == nil {
		t.Fatal("an unencodable body was accepted")
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("observer called %d times for requests never sent", n)
	}
	if _, err := c.Do(context.Background(), &Request{Path: "/x"}, nil); err == nil {
		t.Fatal("404 not reported")
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("observer called %d times for one request", n)
	}
}

func TestWithObserverRefusesNil(t *testing.T) {
	_, err := New(WithAPIKey(testAPIKey, testSecurityKey), WithObserver(nil))
	if err == nil || !strings.Contains(err.Error(), "WithObserver") {
		t.Fatalf("New with a nil observer: %v", err)
	}
}

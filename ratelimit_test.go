package imednet

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	for in, want := range map[string]Rate{
		"100/m": {100, time.Minute}, "1000/h": {1000, time.Hour}, "5": {5, time.Second}, "0.5/s": {0.5, time.Second},
		" 60 / min ": {60, time.Minute}, "2/hour": {2, time.Hour},
	} {
		got, err := ParseRate(in)
		if err != nil || got != want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "-1", "x/m", "5/d", "/m", "NaN", "1e9"} {
		if r, err := ParseRate(in); err == nil {
			t.Errorf("ParseRate(%q) = %v; want an error", in, r)
		}
	}
	if s := (Rate{100, time.Minute}).String(); s != "100/m" {
		t.Errorf("String() = %q", s)
	}
}

// TestRateLimitSpacesAttempts: under a budget every attempt, retries included, waits its
// turn, the turns spaced evenly a little under the budget; Stats counts the requests, the
// retries and the 429s.
func TestRateLimitSpacesAttempts(t *testing.T) {
	var n atomic.Int32
	clk := &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 2 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Write([]byte(`{}`))
	}), WithClock(clk), WithRateLimit(Rate{N: 60, Per: time.Minute}))
	for range 3 {
		if _, err := c.Do(context.Background(), &Request{Path: "/studies"}, nil); err != nil {
			t.Fatal(err)
		}
	}
	// The clock stands still: the attempts' turns are 0, I, 2I, 3I after now (the first
	// needs no wait); the retry's own wait comes between.
	interval := time.Duration(float64(time.Second) * rateMargin)
	var waits []time.Duration
	for _, d := range clk.Sleeps() {
		if d >= interval {
			waits = append(waits, d)
		}
	}
	if len(waits) != 3 || waits[0] != interval || waits[1] != 2*interval || waits[2] != 3*interval {
		t.Errorf("limiter waits %v (all sleeps %v); want %v, %v, %v", waits, clk.Sleeps(), interval, 2*interval, 3*interval)
	}
	if s := c.Stats(); s != (RequestStats{Requests: 4, Retries: 1, RateLimited: 1}) {
		t.Errorf("Stats() = %+v; want 4 requests, 1 retry, 1 answered 429", s)
	}
	before := c.Stats()
	c.Do(context.Background(), &Request{Path: "/studies"}, nil)
	if d := c.Stats().Sub(before); d != (RequestStats{Requests: 1}) {
		t.Errorf("Sub: %+v; want 1 request", d)
	}
}

func TestWithRateLimitRefusesNonsense(t *testing.T) {
	for _, r := range []Rate{{}, {N: -1, Per: time.Second}, {N: 1}} {
		if _, err := New(WithAPIKey("a", "b"), WithRateLimit(r)); err == nil {
			t.Errorf("WithRateLimit(%+v) accepted", r)
		}
	}
}

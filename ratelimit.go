package imednet

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Rate is a request budget: at most N requests per Per, such as the API's 100 per minute.
type Rate struct {
	N   float64
	Per time.Duration
}

// ParseRate reads a budget: "100/m" (per minute), "1000/h" (per hour), "5/s" (per second),
// or a bare number of requests per second ("20", "0.5"). The unit may also be spelled
// "min", "minute", "sec", "second", "hour".
func ParseRate(s string) (Rate, error) {
	num, unit, hasUnit := strings.Cut(strings.TrimSpace(s), "/")
	n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || !(n > 0) || n > 1e6 {
		return Rate{}, fmt.Errorf("imednet: rate %q: want a positive number of requests, such as 100/m, 1000/h or 5 (per second)", s)
	}
	per := time.Second
	if hasUnit {
		switch strings.ToLower(strings.TrimSpace(unit)) {
		case "s", "sec", "second":
		case "m", "min", "minute":
			per = time.Minute
		case "h", "hour":
			per = time.Hour
		default:
			return Rate{}, fmt.Errorf("imednet: rate %q: the unit %q is not s, m or h", s, unit)
		}
	}
	return Rate{N: n, Per: per}, nil
}

// String returns the rate as ParseRate reads it, such as "100/m".
func (r Rate) String() string {
	unit := map[time.Duration]string{time.Second: "s", time.Minute: "m", time.Hour: "h"}[r.Per]
	if unit == "" {
		return strconv.FormatFloat(r.N, 'g', -1, 64) + "/" + r.Per.String()
	}
	return strconv.FormatFloat(r.N, 'g', -1, 64) + "/" + unit
}

// rateMargin widens the spacing of requests under a budget, so that the jitter of the
// network and of the scheduler (a request sent on time that arrives late, then one that
// arrives early) never puts one request too many in a server's window.
const rateMargin = 1.03

// WithRateLimit keeps the client under a request budget (see [ParseRate]): every HTTP attempt,
// retries included, waits for its turn, the turns spaced evenly at 3% under the budget, with
// no burst. A server counting requests in windows of Per (fixed or sliding) then never sees
// more than N in one, so a run under the budget meets no 429 of its own making. The wait
// comes before the attempt's timeout starts, and ends early when the request's context does.
func WithRateLimit(r Rate) Option {
	return func(c *config) error {
		if !(r.N > 0) || r.Per <= 0 {
			return errors.New("imednet: WithRateLimit: the rate needs a positive number of requests per positive duration")
		}
		c.limiter = &limiter{interval: time.Duration(float64(r.Per) / r.N * rateMargin)}
		return nil
	}
}

// limiter spaces requests evenly (a token bucket holding one token).
type limiter struct {
	mu       sync.Mutex
	interval time.Duration
	next     time.Time
}

// wait blocks until the next request may go, or ctx ends.
func (l *limiter) wait(ctx context.Context, clk Clock) error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	now := clk.Now()
	at := l.next
	if at.Before(now) {
		at = now
	}
	l.next = at.Add(l.interval)
	l.mu.Unlock()
	if d := at.Sub(now); d > 0 {
		return clk.Sleep(ctx, d)
	}
	return nil
}

// RequestStats counts the HTTP requests a [Client] made, as [Client.Stats] returns them.
type RequestStats struct {
	Requests    int64 // HTTP requests sent, every attempt counted (retries included)
	Retries     int64 // of those, attempts after the first of a call
	RateLimited int64 // answers 429 Too Many Requests received
}

// Sub returns the requests counted in s and not in before: those of the time between two
// calls of Stats.
func (s RequestStats) Sub(before RequestStats) RequestStats {
	return RequestStats{Requests: s.Requests - before.Requests, Retries: s.Retries - before.Retries,
		RateLimited: s.RateLimited - before.RateLimited}
}

// requestCounters are a client's running counts.
type requestCounters struct {
	requests, retries, rateLimited atomic.Int64
}

// Stats returns how many HTTP requests the client has made since it was built, how many of
// them were retries, and how many 429 answers it met. Take it before and after a piece of
// work and subtract ([RequestStats.Sub]) to count the work's requests.
func (c *Client) Stats() RequestStats {
	return RequestStats{Requests: c.counts.requests.Load(), Retries: c.counts.retries.Load(),
		RateLimited: c.counts.rateLimited.Load()}
}

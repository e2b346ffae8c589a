package export

import (
	"context"
	"net/url"
	"sync"
	"time"

	"github.com/imednet/imednet-go"
)

// limiter spaces requests evenly at a rate (a token bucket holding one token).
type limiter struct {
	mu       sync.Mutex
	interval time.Duration
	next     time.Time
}

func newLimiter(perSecond float64) *limiter {
	if perSecond <= 0 {
		return nil
	}
	return &limiter{interval: time.Duration(float64(time.Second) / perSecond)}
}

// wait blocks until the next request may go, or ctx ends.
func (l *limiter) wait(ctx context.Context) error {
	if l == nil {
		return ctx.Err()
	}
	l.mu.Lock()
	now := time.Now()
	at := l.next
	if at.Before(now) {
		at = now
	}
	l.next = at.Add(l.interval)
	l.mu.Unlock()
	d := time.Until(at)
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// fetcher makes every request of a run: at most cap(slots) at once, spaced by the limiter.
type fetcher struct {
	client *imednet.Client
	slots  chan struct{}
	lim    *limiter
	window int // pages of one listing fetched ahead of the one being processed
}

// gate holds a request back until a slot is free and the limiter lets it go; the function it
// returns frees the slot. It is the imednet.ListOptions.Gate of every listing of a run.
func (f *fetcher) gate(ctx context.Context) (func(), error) {
	select {
	case f.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if err := f.lim.wait(ctx); err != nil {
		<-f.slots
		return nil, err
	}
	return func() { <-f.slots }, nil
}

// listing describes one list endpoint to page through.
type listing struct {
	path    string // under the API prefix, segments escaped
	query   url.Values
	size    int
	keepRaw bool // fill each page's Raw with the items' JSON as the API sent it
}

// eachPage pages through a listing and calls fn with each page, in order, through the SDK's
// pager: once the first page has told how many there are, up to f.window pages are fetched
// ahead concurrently, each through f's gate; fn runs on the calling goroutine. It stops at
// the first error, of a request or of fn.
func eachPage[T any](ctx context.Context, f *fetcher, l listing, fn func(*imednet.Page[T]) error) error {
	p, err := imednet.NewPager[T](f.client, l.path, l.query, &imednet.ListOptions{
		PageSize: l.size, Prefetch: f.window, Gate: f.gate, KeepRaw: l.keepRaw,
	})
	if err != nil {
		return err
	}
	for page, err := range p.Pages(ctx) {
		if err != nil {
			return err
		}
		if err := fn(page); err != nil {
			return err
		}
	}
	return nil
}

// studyPath is the path of a study-scoped list endpoint, such as "/studies/DEMO/records".
func studyPath(study, resource string) string {
	return "/studies/" + imednet.PathEscape(study) + "/" + resource
}

// sortedQuery is a query sorting by one attribute, ascending (a total order when the
// attribute is the item's id, so that paging neither skips nor repeats an item).
func sortedQuery(attr string) url.Values {
	return url.Values{"sort": {imednet.Asc(attr).String()}}
}

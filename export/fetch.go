package export

import (
	"context"
	"encoding/json"
	"net/url"
	"sync"
	"time"

	"github.com/imednet/imednet-go"
)

// rawRecord is a record decoded by the SDK together with the JSON the API sent for it.
type rawRecord struct {
	imednet.Record
	raw json.RawMessage
}

// UnmarshalJSON keeps a copy of the item's bytes and decodes the record from them.
func (r *rawRecord) UnmarshalJSON(data []byte) error {
	r.raw = append(json.RawMessage(nil), data...)
	return r.Record.UnmarshalJSON(r.raw)
}

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

// page fetches page n of a listing, in a slot and after the limiter allows it.
func fetchPage[T any](ctx context.Context, f *fetcher, p *imednet.Pager[T], n int) (*imednet.Page[T], error) {
	select {
	case f.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-f.slots }()
	if err := f.lim.wait(ctx); err != nil {
		return nil, err
	}
	return p.Page(ctx, n)
}

// listing describes one list endpoint to page through.
type listing struct {
	path    string // under the API prefix, segments escaped
	pattern string
	query   url.Values
	size    int
}

// eachPage pages through a listing and calls fn with each page, in order. Once the first
// page has told how many there are, up to f.window pages are fetched ahead concurrently;
// fn runs on the calling goroutine. It stops at the first error, of a request or of fn.
func eachPage[T any](ctx context.Context, f *fetcher, l listing, fn func(*imednet.Page[T]) error) error {
	p, err := imednet.NewPager[T](f.client, l.path, l.query, imednet.PageOptions{Size: l.size, Pattern: l.pattern})
	if err != nil {
		return err
	}
	first, err := fetchPage(ctx, f, p, 0)
	if err != nil {
		return err
	}
	if err := fn(first); err != nil {
		return err
	}
	if !first.HasNext() {
		return nil
	}
	type result struct {
		page *imednet.Page[T]
		err  error
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait() // after cancel: no fetch outlives the call
	defer cancel()
	total := first.Pagination.TotalPages
	next := 1
	var queue []chan result
	fill := func() {
		for len(queue) < max(f.window, 1) && next < total {
			ch := make(chan result, 1)
			n := next
			next++
			wg.Add(1)
			go func() {
				defer wg.Done()
				page, err := fetchPage(ctx, f, p, n)
				ch <- result{page, err}
			}()
			queue = append(queue, ch)
		}
	}
	fill()
	for len(queue) > 0 {
		r := <-queue[0]
		queue = queue[1:]
		if r.err != nil {
			return r.err
		}
		if err := fn(r.page); err != nil {
			return err
		}
		if !r.page.HasNext() {
			return nil
		}
		if pg := r.page.Pagination; pg != nil && pg.TotalPages > total {
			total = pg.TotalPages // the list grew while we read it
		}
		fill()
	}
	return nil
}

// studyPath is the path of a study-scoped list endpoint, such as "/studies/DEMO/records".
func studyPath(study, resource string) (path, pattern string) {
	return "/studies/" + imednet.PathEscape(study) + "/" + resource, "/studies/{studyKey}/" + resource
}

// sortedQuery is a query sorting by one attribute, ascending (a total order when the
// attribute is the item's id, so that paging neither skips nor repeats an item).
func sortedQuery(attr string) url.Values {
	return url.Values{"sort": {imednet.Asc(attr).String()}}
}

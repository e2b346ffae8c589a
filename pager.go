package imednet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/imednet/imednet-go/internal/wire"
)

// Page sizes for list endpoints.
const (
	DefaultPageSize = 100 // what the SDK asks for when not told otherwise (the API's own default is 25)
	MaxPageSize     = 500 // the API's limit
	maxPrefetch     = 64
)

// Metadata is the "metadata" object of every response.
type Metadata struct {
	Status    string          `json:"status"`    // "OK" on success
	Method    string          `json:"method"`    // the request's method
	Path      string          `json:"path"`      // the request's path, with the API prefix
	Timestamp Timestamp       `json:"timestamp"` // when the response was made
	Error     json.RawMessage `json:"error,omitempty"`
	Extra     Extra           `json:"-"`
}

// UnmarshalJSON decodes the metadata tolerantly.
func (m *Metadata) UnmarshalJSON(data []byte) error {
	*m = Metadata{}
	return wire.DecodeObject(data, &m.Extra, func(f *wire.Field) {
		switch f.Key {
		case "status":
			f.String(&m.Status)
		case "method":
			f.String(&m.Method)
		case "path":
			f.String(&m.Path)
		case "timestamp":
			f.Time(&m.Timestamp)
		case "error":
			f.Raw(&m.Error)
		default:
			f.Keep()
		}
	})
}

// Pagination is the "pagination" object of a list response.
type Pagination struct {
	CurrentPage   int         `json:"currentPage"`   // 0-based index of this page
	Size          int         `json:"size"`          // page size the server used
	TotalPages    int         `json:"totalPages"`    // ceil(TotalElements / Size)
	TotalElements int         `json:"totalElements"` // items across all pages
	Sort          []SortOrder `json:"sort"`          // the sort the server applied
}

// SortOrder is one sort key as the server echoes it.
type SortOrder struct {
	Property  string `json:"property"`
	Direction string `json:"direction"` // "ASC" or "DESC"
}

// Page is one page of a list endpoint.
type Page[T any] struct {
	Items []T
	// Raw holds, with ListOptions.KeepRaw, each item's JSON exactly as the API sent it,
	// Raw[i] for Items[i]. The slices share the response body's memory: read them, do not
	// modify them. (The items themselves copy what they keep, such as a Record's RecordData.)
	Raw        []json.RawMessage
	Number     int         // the 0-based page that was requested
	Pagination *Pagination // nil when the response had no pagination object (a final page)
	Metadata   Metadata
	more       bool
}

// HasNext reports whether pages follow this one.
func (p *Page[T]) HasNext() bool { return p.more }

// ListOptions configures a listing: the services' List and All methods and [NewPager]. A
// nil *ListOptions means the defaults: all items, DefaultPageSize per page, the endpoint's
// default sort, no filter. Invalid options are an error, naming the field, before anything is
// sent.
type ListOptions struct {
	// Page is the 0-based page that List returns. All, the iterators and NewPager ignore it and
	// start at 0.
	Page int
	// PageSize is the number of items per page, 1 to MaxPageSize; 0 means DefaultPageSize.
	PageSize int
	// Sort orders the items, most significant key first; empty means the endpoint's default.
	Sort []Sort
	// Filter selects items; see [Filter]. The users endpoint takes none.
	Filter Filter
	// Prefetch is how many pages the iterators fetch concurrently ahead of the loop once the
	// first page has told how many there are, 0 to 64; 0 or 1 fetches one page at a time.
	// Pages still come out in order, and at most Prefetch pages are held in memory.
	Prefetch int

	// The fields below are advanced: they serve callers that run many listings at once and
	// keep what they read as sent, such as the export engine.

	// Gate, when set, is called before each page request and may hold it back (to bound the
	// requests in flight across several listings, or to pace them); the function it returns
	// is called once the page is fetched, retries included. An error from Gate is the page's
	// error.
	Gate func(ctx context.Context) (done func(), err error)
	// KeepRaw fills each page's Raw with the items' JSON as the API sent it, without copying
	// it (see Page.Raw): holding any of them holds the whole page.
	KeepRaw bool
}

// check reports the first invalid option, naming its field.
func (o *ListOptions) check() error {
	switch {
	case o.Page < 0:
		return fmt.Errorf("imednet: ListOptions.Page %d is negative", o.Page)
	case o.PageSize < 0 || o.PageSize > MaxPageSize:
		return fmt.Errorf("imednet: ListOptions.PageSize %d is outside 1..%d", o.PageSize, MaxPageSize)
	case o.Prefetch < 0 || o.Prefetch > maxPrefetch:
		return fmt.Errorf("imednet: ListOptions.Prefetch %d is outside 0..%d", o.Prefetch, maxPrefetch)
	}
	for _, s := range o.Sort {
		if err := validAttr(s.Property); err != nil {
			return fmt.Errorf("imednet: ListOptions.Sort: %w", err)
		}
	}
	return o.Filter.Err() // names the filter already
}

// query returns the query parameters of the options' sort and filter, followed by those of
// extra except page and size.
func (o *ListOptions) query(extra url.Values) url.Values {
	q := make(url.Values, len(extra)+2)
	for _, s := range o.Sort {
		q.Add("sort", s.String())
	}
	if f := o.Filter.String(); f != "" {
		q.Set("filter", f)
	}
	for k, vs := range extra {
		if k != "page" && k != "size" {
			q[k] = append(q[k], vs...)
		}
	}
	return q
}

// Pager pages through a list endpoint: the envelope {metadata, pagination, data} with pages
// 0 to totalPages-1. The services build one per call; [NewPager] is exported for endpoints
// the SDK does not cover yet.
//
// A Pager is immutable and may be shared; each iteration made from it is for one goroutine.
type Pager[T any] struct {
	c        *Client
	path     string
	pattern  string // path's template, for logs and traces
	query    url.Values
	size     int
	prefetch int
	gate     func(ctx context.Context) (done func(), err error)
	keepRaw  bool
}

// NewPager returns a Pager over the list at path (under the API prefix, segments escaped)
// that sends opts' sort and filter, then query's parameters (copied; page and size ignored),
// with every page request. opts may be nil; its Page is ignored. Logs and traces name the
// request by path's template, with the study key as {studyKey}.
//
// Unless opts.KeepRaw is set, the memory of a page's body is reused once its items are
// decoded: a T that decodes itself must copy what it keeps of the JSON it is given, as
// json.Unmarshaler asks (encoding/json, and every model of this package, do).
func NewPager[T any](c *Client, path string, query url.Values, opts *ListOptions) (*Pager[T], error) {
	if opts == nil {
		opts = &ListOptions{}
	}
	if err := opts.check(); err != nil {
		return nil, err
	}
	size := opts.PageSize
	if size == 0 {
		size = DefaultPageSize
	}
	return &Pager[T]{c: c, path: path, pattern: pathTemplate(path), query: opts.query(query), size: size,
		prefetch: opts.Prefetch, gate: opts.Gate, keepRaw: opts.KeepRaw}, nil
}

// pathTemplate is the template of a path under the API prefix, for logs and traces: the
// segment after "/studies/" is a study key and becomes {studyKey}, as in the path patterns
// of the services ("/studies/{studyKey}/records"). Other paths are their own template.
func pathTemplate(path string) string {
	rest, ok := strings.CutPrefix(path, "/studies/")
	if !ok || rest == "" {
		return path
	}
	if _, tail, more := strings.Cut(rest, "/"); more {
		return "/studies/{studyKey}/" + tail
	}
	return "/studies/{studyKey}"
}

// Page fetches page n (0-based).
func (p *Pager[T]) Page(ctx context.Context, n int) (*Page[T], error) {
	if n < 0 {
		return nil, fmt.Errorf("imednet: page %d is negative", n)
	}
	q := make(url.Values, len(p.query)+2)
	for k, v := range p.query {
		q[k] = v
	}
	q.Set("page", strconv.Itoa(n))
	q.Set("size", strconv.Itoa(p.size))
	if p.gate != nil {
		done, err := p.gate(ctx)
		if err != nil {
			return nil, err
		}
		defer done()
	}
	dec := &pageDecoder[T]{page: &Page[T]{Number: n}, size: p.size, keepRaw: p.keepRaw, path: p.c.base.Path + APIPrefix + p.path}
	_, err := p.c.Do(ctx, &Request{Method: http.MethodGet, Path: p.path, Pattern: p.pattern, Query: q}, dec)
	if err != nil {
		return nil, err
	}
	return dec.page, nil
}

// All returns an iterator over every item of every page, in order. An error is yielded once,
// with the zero T, and ends the iteration. Breaking out of the loop stops it without further
// requests (with prefetch, requests already in flight are cancelled).
func (p *Pager[T]) All(ctx context.Context) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for page, err := range p.Pages(ctx) {
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, item := range page.Items {
				if !yield(item, nil) {
					return
				}
			}
		}
	}
}

// Pages returns an iterator over the pages from page 0 to the last, in order, with the same
// error and stopping rules as [Pager.All].
func (p *Pager[T]) Pages(ctx context.Context) iter.Seq2[*Page[T], error] {
	return func(yield func(*Page[T], error) bool) {
		first, err := p.Page(ctx, 0)
		if err != nil {
			yield(nil, err)
			return
		}
		if !yield(first, nil) || !first.HasNext() {
			return
		}
		if p.prefetch > 1 {
			p.prefetchFrom(ctx, first, yield)
			return
		}
		for n := 1; ; n++ {
			page, err := p.Page(ctx, n)
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(page, nil) || !page.HasNext() {
				return
			}
		}
	}
}

// prefetchFrom yields pages 1.. of a list whose first page is known, fetching up to
// p.prefetch pages concurrently and yielding them in order.
func (p *Pager[T]) prefetchFrom(ctx context.Context, first *Page[T], yield func(*Page[T], error) bool) {
	type result struct {
		page *Page[T]
		err  error
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait() // runs after cancel: no goroutine outlives the iteration
	defer cancel()

	total := first.Pagination.TotalPages
	next := 1
	var queue []chan result
	fill := func() {
		for len(queue) < p.prefetch && next < total {
			ch := make(chan result, 1)
			n := next
			next++
			wg.Add(1)
			go func() {
				defer wg.Done()
				page, err := p.Page(ctx, n)
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
			yield(nil, r.err)
			return
		}
		if !yield(r.page, nil) || !r.page.HasNext() {
			return
		}
		if pg := r.page.Pagination; pg != nil && pg.TotalPages > total {
			total = pg.TotalPages // the list grew while we read it
		}
		fill()
	}
}

// pageDecoder reads and checks one list envelope.
//
// It reads the body in one pass: the items are decoded where they lie in the "data" array,
// without first finding where the array (and each item) ends. With KeepRaw the body is the
// response's own buffer, which the client never reuses, so the items (and Page.Raw) may keep
// slices of it; without, the buffer is reused for later pages (see reusesBody), and the items
// copy what they keep.
type pageDecoder[T any] struct {
	page     *Page[T]
	size     int    // the page size requested
	keepRaw  bool   // fill page.Raw
	path     string // for errors
	itemsErr error  // what is wrong with "data", reported once the body is known to be valid JSON
}

// reusesBody reports that a page read without KeepRaw keeps nothing of the body: its items
// copy what they keep (as json.Unmarshaler asks of every decoder).
func (d *pageDecoder[T]) reusesBody() bool { return !d.keepRaw }

func (d *pageDecoder[T]) fail(format string, args ...any) error {
	return &PaginationError{Path: d.path, Page: d.page.Number, Reason: fmt.Sprintf(format, args...)}
}

func (d *pageDecoder[T]) UnmarshalJSON(body []byte) error {
	// Client.Do calls this once per attempt: start afresh, so that a body that failed half-way
	// (and is retried) leaves nothing behind, such as the metadata read before the failure.
	*d.page = Page[T]{Number: d.page.Number}
	d.itemsErr = nil
	if k := wire.Value(bytes.TrimLeft(body, " \t\r\n")).Kind(); k != wire.Object && k != wire.Null {
		// Not an object: DecodeObject tells a malformed body from valid JSON of another kind.
		err := wire.DecodeObject(body, nil, func(*wire.Field) {})
		if errors.Is(err, wire.ErrNotObject) {
			return d.fail("the response is %v, not a list envelope", err)
		}
		return err
	}
	var pagination wire.Value
	var metaErr error
	end, err := wire.WalkObject(body, 0, func(key string, at int) (int, error) {
		if key == "data" {
			return d.decodeItems(body, at)
		}
		end, err := wire.SkipValue(body, at)
		if err != nil {
			return 0, err
		}
		switch v := wire.Value(body[at:end]); key {
		case "pagination":
			pagination = v
		case "metadata":
			if v.Kind() == wire.Object {
				metaErr = d.page.Metadata.UnmarshalJSON(v)
			}
		}
		return end, nil
	})
	if err == nil {
		err = wire.CheckEnd(body, end)
	}
	switch {
	case err != nil:
		return err
	case metaErr != nil:
		return metaErr
	case d.itemsErr != nil:
		return d.itemsErr
	}
	return d.checkPagination(pagination)
}

// decodeItems decodes the "data" array at body[at:] into the page and returns the offset
// just past it. Only a malformed body is an error here; an array that is not one, or an item
// that does not decode, is noted in d.itemsErr (and skipped), so that a body broken further on
// is still reported as malformed (and retried).
func (d *pageDecoder[T]) decodeItems(body []byte, at int) (int, error) {
	d.page.Items, d.page.Raw = nil, nil // a repeated "data" member: the last one counts
	if k := wire.Value(body[at:]).Kind(); k != wire.Array {
		end, err := wire.SkipValue(body, at)
		if err == nil && k != wire.Null {
			d.itemsErr = d.fail("data is %s, not a list", k)
		}
		return end, err
	}
	items := make([]T, 0, d.size)
	var raw []json.RawMessage
	if d.keepRaw {
		raw = make([]json.RawMessage, 0, d.size)
	}
	end, err := wire.WalkArray(body, at, func(n, at int) (int, error) {
		// Decoded in place in the page's slice: no item on the heap of its own, and no copy.
		var zero T
		items = append(items, zero)
		item := &items[len(items)-1]
		end, err := decodeItemAt(body, at, item)
		if err != nil {
			var se *wire.SyntaxError
			if errors.As(err, &se) {
				return 0, err
			}
			if end, err = wire.SkipValue(body, at); err != nil {
				return 0, err
			}
			if d.itemsErr == nil {
				d.itemsErr = d.fail("data[%d]: %v", n, err)
			}
		}
		if d.keepRaw {
			raw = append(raw, json.RawMessage(body[at:end:end]))
		}
		return end, nil
	})
	if err != nil {
		return 0, err
	}
	d.page.Items, d.page.Raw = items, raw
	return end, nil
}

// decodeItemAt decodes the list item at data[at] into item and returns the offset just past
// it. The models listed in bulk (records, revisions, visits, codings, queries, subjects)
// decode in place, copying what they keep of data; any other type is found whole first, then
// decoded by its UnmarshalJSON, or encoding/json. The switch names the exact types, so that a
// caller's type that embeds a model and decodes itself is decoded its own way.
func decodeItemAt[T any](data []byte, at int, item *T) (int, error) {
	switch x := any(item).(type) {
	case *Record:
		return x.decodeAt(data, at)
	case *RecordRevision:
		return x.decodeAt(data, at)
	case *Visit:
		return x.decodeAt(data, at)
	case *Coding:
		return x.decodeAt(data, at)
	case *Query:
		return x.decodeAt(data, at)
	case *Subject:
		return x.decodeAt(data, at)
	}
	end, err := wire.SkipValue(data, at)
	if err != nil {
		return 0, err
	}
	return end, decodeItem(wire.Value(data[at:end]), item)
}

// decodeItem decodes one list item, directly through its UnmarshalJSON when it has one.
func decodeItem[T any](v wire.Value, item *T) error {
	if u, ok := any(item).(json.Unmarshaler); ok {
		return u.UnmarshalJSON(v)
	}
	return json.Unmarshal(v, item)
}

// checkPagination reads the pagination object and decides whether more pages follow,
// refusing anything that could make a loop skip or repeat items.
func (d *pageDecoder[T]) checkPagination(v wire.Value) error {
	n := len(d.page.Items)
	switch v.Kind() {
	case wire.Invalid, wire.Null:
		return nil // no pagination: this is the only, and last, page
	case wire.Object:
	default:
		return d.fail("pagination is %s, not an object", v.Kind())
	}
	pg := &Pagination{}
	var haveCurrent, haveTotal bool
	var bad error
	readInt := func(f *wire.Field, dst *int, have *bool) {
		if f.Value.IsAbsent() {
			return
		}
		i, ok := f.Value.Int()
		switch {
		case !ok:
			bad = d.fail("pagination.%s is not an integer: %s", f.Key, oneLine(string(f.Value), 40))
		case i < 0:
			bad = d.fail("pagination.%s is negative: %d", f.Key, i)
		}
		*dst = i
		if have != nil {
			*have = true
		}
	}
	_ = wire.DecodeObject(v, nil, func(f *wire.Field) {
		switch f.Key {
		case "currentPage":
			readInt(f, &pg.CurrentPage, &haveCurrent)
		case "size":
			readInt(f, &pg.Size, nil)
		case "totalPages":
			readInt(f, &pg.TotalPages, &haveTotal)
		case "totalElements":
			readInt(f, &pg.TotalElements, nil)
		case "sort":
			wire.List(f, &pg.Sort)
		}
	})
	if bad != nil {
		return bad
	}
	d.page.Pagination = pg
	if haveCurrent && pg.CurrentPage != d.page.Number {
		return d.fail("the server returned page %d instead", pg.CurrentPage)
	}
	full := d.size
	if pg.Size > 0 && pg.Size < full {
		full = pg.Size // the server may use a smaller page than asked for
	}
	switch {
	case !haveTotal:
		if n >= full {
			return d.fail("pagination.totalPages is missing after a full page of %d items", n)
		}
	case pg.TotalPages == 0:
		if n > 0 {
			return d.fail("pagination.totalPages is 0 but the page has %d items", n)
		}
	case d.page.Number >= pg.TotalPages:
		if n > 0 {
			return d.fail("the page has %d items but pagination.totalPages is %d", n, pg.TotalPages)
		}
	default:
		d.page.more = d.page.Number < pg.TotalPages-1
	}
	return nil
}

// ArrayPager reads a list endpoint that answers with a bare JSON array instead of the paged
// envelope (the seed SDK's JsonListPaginator). It makes one request.
type ArrayPager[T any] struct {
	c       *Client
	path    string
	pattern string // path's template, for logs and traces
	query   url.Values
}

// NewArrayPager returns an ArrayPager over the array at path, sending query (copied). Logs
// and traces name the request by path's template, as for [NewPager].
func NewArrayPager[T any](c *Client, path string, query url.Values) *ArrayPager[T] {
	q := make(url.Values, len(query))
	for k, v := range query {
		q[k] = append([]string(nil), v...)
	}
	return &ArrayPager[T]{c: c, path: path, pattern: pathTemplate(path), query: q}
}

// List fetches the whole array.
func (p *ArrayPager[T]) List(ctx context.Context) ([]T, error) {
	dec := &arrayDecoder[T]{path: p.c.base.Path + APIPrefix + p.path}
	if _, err := p.c.Do(ctx, &Request{Method: http.MethodGet, Path: p.path, Pattern: p.pattern, Query: p.query}, dec); err != nil {
		return nil, err
	}
	return dec.items, nil
}

// All returns an iterator over the array's items, with the error rules of [Pager.All].
func (p *ArrayPager[T]) All(ctx context.Context) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		items, err := p.List(ctx)
		if err != nil {
			var zero T
			yield(zero, err)
			return
		}
		for _, item := range items {
			if !yield(item, nil) {
				return
			}
		}
	}
}

type arrayDecoder[T any] struct {
	items []T
	path  string
}

func (d *arrayDecoder[T]) UnmarshalJSON(body []byte) error {
	// Client.Do calls this once per attempt, and DecodeArray hands over the complete items
	// before it finds that a truncated body is malformed: collect each attempt's items apart,
	// or a retried body would append its items to those of the failed attempt.
	d.items = nil
	var items []T
	err := wire.DecodeArray(body, func(i int, v wire.Value) error {
		var item T
		if err := decodeItem(v, &item); err != nil {
			return &PaginationError{Path: d.path, Reason: fmt.Sprintf("item %d: %v", i, err)}
		}
		items = append(items, item)
		return nil
	})
	if errors.Is(err, wire.ErrNotArray) {
		return &PaginationError{Path: d.path, Reason: fmt.Sprintf("the response is %v", err)}
	}
	if err != nil {
		return err
	}
	d.items = items
	return nil
}

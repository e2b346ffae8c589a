package imednet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/imednet/imednet-go/internal/wire"
)

// ---------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------

// pagerItem is the list item of these tests, decoded through internal/wire like the SDK's
// models. An item that is not a JSON object cannot be decoded.
type pagerItem struct {
	ID    int
	Name  string
	Extra wire.Extra
}

func (it *pagerItem) UnmarshalJSON(data []byte) error {
	*it = pagerItem{}
	return wire.DecodeObject(data, &it.Extra, func(f *wire.Field) {
		switch f.Key {
		case "id":
			f.Int(&it.ID)
		case "name":
			f.String(&it.Name)
		default:
			f.Keep()
		}
	})
}

const (
	pagerPath     = "/studies/S1/records"
	pagerFullPath = APIPrefix + pagerPath
	pagerRunaway  = 200 // the fake server answers 400 to any page beyond this
)

// pagerItemsJSON renders the items with ids from to to-1.
func pagerItemsJSON(from, to int) string {
	var b strings.Builder
	b.WriteByte('[')
	for i := from; i < to; i++ {
		if i > from {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"item-%d"}`, i, i)
	}
	b.WriteByte(']')
	return b.String()
}

// pagerPage renders page `page` of a well-formed list of n items with ids idBase+0.., as the
// API would (totalPages 0 and data [] for an empty list, an empty data past the end).
func pagerPage(path string, page, size, n, idBase int) string {
	totalPages := (n + size - 1) / size
	from, to := min(page*size, n), min((page+1)*size, n)
	return fmt.Sprintf(`{"metadata":{"status":"OK","method":"GET","path":%q,"timestamp":"2025-06-05 21:12:08","error":{}},`+
		`"pagination":{"currentPage":%d,"size":%d,"totalPages":%d,"totalElements":%d,`+
		`"sort":[{"property":"recordId","direction":"ASC"}]},"data":%s}`,
		path, page, size, totalPages, n, pagerItemsJSON(idBase+from, idBase+to))
}

// pagerBody renders an envelope from raw pagination and data JSON; "" leaves the member out.
func pagerBody(pagination, data string) string {
	parts := []string{`"metadata":{"status":"OK","method":"GET","path":"` + pagerFullPath + `","error":{}}`}
	if pagination != "" {
		parts = append(parts, `"pagination":`+pagination)
	}
	if data != "" {
		parts = append(parts, `"data":`+data)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// pagerServer is a fake list endpoint. It serves well-formed pages of a list of n items
// unless a hook says otherwise, and records what it was asked.
type pagerServer struct {
	n      int // items in the list
	idBase int // id of the first item
	// status, when set, gives the HTTP status for a page request (0 means 200); hit is 1 for
	// the first request of that page, 2 for the second, ...
	status func(page, hit int) int
	// body, when set, answers a page request; "" serves the well-formed page.
	body func(page, size, hit int) string
	// before, when set, runs before the response is written (latency, blocking).
	before func(r *http.Request, page int)

	requests    atomic.Int64 // handler invocations
	exited      atomic.Int64 // handler returns
	inflight    atomic.Int64
	maxInflight atomic.Int64

	mu      sync.Mutex
	hits    map[int]int // page -> requests
	order   []int       // pages in arrival order
	queries []url.Values
	paths   []string
}

func (s *pagerServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	defer s.exited.Add(1)
	cur := s.inflight.Add(1)
	defer s.inflight.Add(-1)
	for {
		m := s.maxInflight.Load()
		if cur <= m || s.maxInflight.CompareAndSwap(m, cur) {
			break
		}
	}
	q := r.URL.Query()
	page, err1 := strconv.Atoi(q.Get("page"))
	size, err2 := strconv.Atoi(q.Get("size"))
	s.mu.Lock()
	if s.hits == nil {
		s.hits = make(map[int]int)
	}
	s.hits[page]++
	hit := s.hits[page]
	s.order = append(s.order, page)
	s.queries = append(s.queries, q)
	s.paths = append(s.paths, r.URL.Path)
	s.mu.Unlock()

	w.Header().Set("Content-Type", "application/json")
	// A runaway pager (one that ignores the end of the list) fails here instead of looping.
	if err1 != nil || err2 != nil || page < 0 || page > pagerRunaway || size < 1 || size > MaxPageSize {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"metadata":{"status":"BAD_REQUEST","error":{"code":"1000","description":"bad page or size"}}}`)
		return
	}
	if s.before != nil {
		s.before(r, page)
	}
	if s.status != nil {
		if code := s.status(page, hit); code != 0 && code != http.StatusOK {
			w.WriteHeader(code)
			io.WriteString(w, `{"metadata":{"status":"ERROR","error":{"code":"9000","description":"injected"}}}`)
			return
		}
	}
	body := ""
	if s.body != nil {
		body = s.body(page, size, hit)
	}
	if body == "" {
		body = pagerPage(r.URL.Path, page, size, s.n, s.idBase)
	}
	io.WriteString(w, body)
}

func (s *pagerServer) pageHits() map[int]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := make(map[int]int, len(s.hits))
	for k, v := range s.hits {
		m[k] = v
	}
	return m
}

func (s *pagerServer) pageOrder() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.order)
}

func (s *pagerServer) allQueries() []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.queries)
}

func (s *pagerServer) allPaths() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.paths)
}

// newPagerTestClient starts h on a loopback server and returns a Client for it with
// millisecond backoff.
func newPagerTestClient(t *testing.T, h http.Handler, opts ...Option) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	base := []Option{WithAPIKey("test-api-key", "test-security-key"), WithBaseURL(srv.URL), WithBackoff(time.Millisecond, time.Millisecond)}
	c, err := New(append(base, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func mustPager[T any](t *testing.T, c *Client, path string, q url.Values, opts *ListOptions) *Pager[T] {
	t.Helper()
	p, err := NewPager[T](c, path, q, opts)
	if err != nil {
		t.Fatalf("NewPager: %v", err)
	}
	return p
}

// pagerDrained is what ranging over an iterator to its end, without ever breaking, produced.
type pagerDrained[T any] struct {
	vals       []T     // values yielded with a nil error
	errs       []error // errors yielded
	afterErr   int     // yields of either kind after the first error
	nonZeroErr bool    // an error came with a non-zero value
}

// pagerDrain ranges over seq without breaking, so that anything an iterator wrongly yields
// after its error is seen.
func pagerDrain[T any](seq iter.Seq2[T, error]) pagerDrained[T] {
	var d pagerDrained[T]
	for v, err := range seq {
		if len(d.errs) > 0 {
			d.afterErr++
		}
		if err != nil {
			d.errs = append(d.errs, err)
			if !reflect.ValueOf(&v).Elem().IsZero() {
				d.nonZeroErr = true
			}
			continue
		}
		d.vals = append(d.vals, v)
	}
	return d
}

// drainPagesAsItems drains a Pages iterator and flattens its pages, checking page numbers.
func drainPagesAsItems(t *testing.T, seq iter.Seq2[*Page[pagerItem], error]) pagerDrained[pagerItem] {
	t.Helper()
	pd := pagerDrain(seq)
	out := pagerDrained[pagerItem]{errs: pd.errs, afterErr: pd.afterErr, nonZeroErr: pd.nonZeroErr}
	for i, pg := range pd.vals {
		if pg == nil {
			t.Fatalf("Pages yielded a nil page without an error at position %d", i)
		}
		if pg.Number != i {
			t.Errorf("Pages yielded page %d at position %d", pg.Number, i)
		}
		out.vals = append(out.vals, pg.Items...)
	}
	return out
}

func pagerIDs(items []pagerItem) []int {
	ids := make([]int, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	return ids
}

func pagerRange(from, to int) []int {
	ids := make([]int, 0, max(to-from, 0))
	for i := from; i < to; i++ {
		ids = append(ids, i)
	}
	return ids
}

// wantPaginationError checks that err is a bare *PaginationError about page of path.
func wantPaginationError(t *testing.T, err error, path string, page int, reason string) {
	t.Helper()
	var pe *PaginationError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *PaginationError", err, err)
	}
	if pe.Path != path || pe.Page != page {
		t.Errorf("PaginationError{Path: %q, Page: %d}, want {Path: %q, Page: %d} (%v)", pe.Path, pe.Page, path, page, err)
	}
	if reason != "" && !strings.Contains(pe.Reason, reason) {
		t.Errorf("PaginationError.Reason = %q, want it to mention %q", pe.Reason, reason)
	}
	if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, fmt.Sprintf("page %d", page)) {
		t.Errorf("error message %q does not name the path and page", msg)
	}
	var re *RequestError
	if errors.As(err, &re) {
		t.Errorf("PaginationError is wrapped in a RequestError: %v", err)
	}
}

type pagerRoundTripFunc func(*http.Request) (*http.Response, error)

func (f pagerRoundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// pagerRoundTripCounter is middleware that counts the client's round trips.
type pagerRoundTripCounter struct {
	started atomic.Int64
	active  atomic.Int64
}

func (c *pagerRoundTripCounter) middleware(next http.RoundTripper) http.RoundTripper {
	return pagerRoundTripFunc(func(r *http.Request) (*http.Response, error) {
		c.started.Add(1)
		c.active.Add(1)
		defer c.active.Add(-1)
		return next.RoundTrip(r)
	})
}

func pagerLatency(*http.Request, int) { time.Sleep(rand.N(3 * time.Millisecond)) }

// ---------------------------------------------------------------------------------------
// 1. Paging through well-formed lists
// ---------------------------------------------------------------------------------------

func TestPagerPagesThroughList(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name           string
		n, size        int // items; requested page size (0: default)
		prefetch       int
		wantSize       int // size sent to the server
		wantPages      int
		wantSequential bool // pages must arrive strictly in order
	}{
		{name: "one short page", n: 3, size: 10, wantSize: 10, wantPages: 1},
		{name: "one full page", n: 10, size: 10, wantSize: 10, wantPages: 1},
		{name: "many pages, last short", n: 23, size: 5, wantSize: 5, wantPages: 5},
		{name: "many pages, last full", n: 20, size: 5, wantSize: 5, wantPages: 4},
		{name: "one item per page", n: 7, size: 1, wantSize: 1, wantPages: 7},
		{name: "empty list", n: 0, size: 10, wantSize: 10, wantPages: 1},
		{name: "default size", n: 250, size: 0, wantSize: DefaultPageSize, wantPages: 3},
		{name: "prefetch 1 is sequential", n: 23, size: 5, prefetch: 1, wantSize: 5, wantPages: 5},
		{name: "prefetch, many pages", n: 23, size: 5, prefetch: 3, wantSize: 5, wantPages: 5},
		{name: "prefetch beyond the page count", n: 23, size: 5, prefetch: 16, wantSize: 5, wantPages: 5},
		{name: "prefetch, one page", n: 3, size: 10, prefetch: 4, wantSize: 10, wantPages: 1},
		{name: "prefetch, empty list", n: 0, size: 10, prefetch: 4, wantSize: 10, wantPages: 1},
	}
	for _, tc := range cases {
		for _, mode := range []string{"All", "Pages"} {
			t.Run(tc.name+"/"+mode, func(t *testing.T) {
				t.Parallel()
				srv := &pagerServer{n: tc.n}
				c := newPagerTestClient(t, srv)
				query := url.Values{
					"filter":           {`status=="Open";age>30`},
					"sort":             {"recordId,ASC", "dateCreated,DESC"},
					"recordDataFilter": {"aeterm=like=*head ache*"},
					"page":             {"7"},
					"size":             {"3"},
				}
				p := mustPager[pagerItem](t, c, pagerPath, query, &ListOptions{PageSize: tc.size, Prefetch: tc.prefetch})

				var d pagerDrained[pagerItem]
				if mode == "All" {
					d = pagerDrain(p.All(t.Context()))
				} else {
					d = drainPagesAsItems(t, p.Pages(t.Context()))
				}
				if len(d.errs) != 0 {
					t.Fatalf("errors: %v", d.errs)
				}
				if got, want := pagerIDs(d.vals), pagerRange(0, tc.n); !slices.Equal(got, want) {
					t.Errorf("items %v, want %v", got, want)
				}
				for _, it := range d.vals {
					if it.Name != fmt.Sprintf("item-%d", it.ID) {
						t.Errorf("item %d has name %q", it.ID, it.Name)
					}
				}

				order := srv.pageOrder()
				if tc.prefetch <= 1 && !slices.Equal(order, pagerRange(0, tc.wantPages)) {
					t.Errorf("pages requested in order %v, want %v", order, pagerRange(0, tc.wantPages))
				}
				hits := srv.pageHits()
				if len(hits) != tc.wantPages {
					t.Errorf("pages requested %v, want each of 0..%d once", hits, tc.wantPages-1)
				}
				for pg := range tc.wantPages {
					if hits[pg] != 1 {
						t.Errorf("page %d requested %d times, want 1", pg, hits[pg])
					}
				}
				for i, q := range srv.allQueries() {
					if !slices.Equal(q["size"], []string{strconv.Itoa(tc.wantSize)}) {
						t.Errorf("request %d: size=%q, want %d", i, q["size"], tc.wantSize)
					}
					if len(q["page"]) != 1 {
						t.Errorf("request %d: page=%q, want a single value", i, q["page"])
					}
					for _, k := range []string{"filter", "sort", "recordDataFilter"} {
						if !slices.Equal(q[k], query[k]) {
							t.Errorf("request %d: %s=%q, want %q", i, k, q[k], query[k])
						}
					}
					if len(q) != 5 {
						t.Errorf("request %d: query %v has unexpected parameters", i, q)
					}
				}
				for _, path := range srv.allPaths() {
					if path != pagerFullPath {
						t.Errorf("request path %q, want %q", path, pagerFullPath)
					}
				}
			})
		}
	}
}

func TestPagerPageMethod(t *testing.T) {
	t.Parallel()
	srv := &pagerServer{n: 23}
	c := newPagerTestClient(t, srv)
	p := mustPager[pagerItem](t, c, pagerPath, nil, &ListOptions{PageSize: 5})

	pg, err := p.Page(t.Context(), 2)
	if err != nil {
		t.Fatal(err)
	}
	wantPg := &Pagination{CurrentPage: 2, Size: 5, TotalPages: 5, TotalElements: 23,
		Sort: []SortOrder{{Property: "recordId", Direction: "ASC"}}}
	if pg.Number != 2 || !pg.HasNext() || !reflect.DeepEqual(pg.Pagination, wantPg) {
		t.Errorf("page 2: Number %d, HasNext %v, Pagination %+v; want 2, true, %+v", pg.Number, pg.HasNext(), pg.Pagination, wantPg)
	}
	if got := pagerIDs(pg.Items); !slices.Equal(got, pagerRange(10, 15)) {
		t.Errorf("page 2 items %v", got)
	}
	if pg.Metadata.Status != "OK" || pg.Metadata.Path != pagerFullPath || !pg.Metadata.Timestamp.Valid() {
		t.Errorf("metadata %+v", pg.Metadata)
	}

	last, err := p.Page(t.Context(), 4)
	if err != nil {
		t.Fatal(err)
	}
	if last.HasNext() || !slices.Equal(pagerIDs(last.Items), pagerRange(20, 23)) {
		t.Errorf("last page: HasNext %v, items %v", last.HasNext(), pagerIDs(last.Items))
	}

	past, err := p.Page(t.Context(), 9)
	if err != nil {
		t.Fatalf("an empty page past the end: %v", err)
	}
	if past.HasNext() || len(past.Items) != 0 {
		t.Errorf("page past the end: HasNext %v, items %v", past.HasNext(), past.Items)
	}

	before := srv.requests.Load()
	if _, err := p.Page(t.Context(), -1); err == nil {
		t.Error("Page(-1) succeeded")
	}
	if srv.requests.Load() != before {
		t.Error("Page(-1) made a request")
	}
}

func TestPagerEnvelopeVariants(t *testing.T) {
	t.Parallel()
	it := pagerItemsJSON
	cases := []struct {
		name     string
		size     int
		body     func(page int) string
		wantIDs  []int
		wantReqs int
		check    func(t *testing.T, pages []*Page[pagerItem])
	}{
		{
			name: "empty list with data null",
			size: 10,
			body: func(int) string {
				return pagerBody(`{"currentPage":0,"size":10,"totalPages":0,"totalElements":0}`, "null")
			},
			wantReqs: 1,
		},
		{
			name:     "data null without pagination",
			size:     10,
			body:     func(int) string { return pagerBody("", "null") },
			wantReqs: 1,
		},
		{
			name:     "no data member",
			size:     10,
			body:     func(int) string { return pagerBody(`{"currentPage":0,"size":10,"totalPages":0,"totalElements":0}`, "") },
			wantReqs: 1,
		},
		{
			name:     "no pagination: one final page, even if full",
			size:     2,
			body:     func(int) string { return pagerBody("", it(0, 2)) },
			wantIDs:  []int{0, 1},
			wantReqs: 1,
			check: func(t *testing.T, pages []*Page[pagerItem]) {
				if pages[0].Pagination != nil || pages[0].HasNext() {
					t.Errorf("Pagination %+v, HasNext %v; want nil, false", pages[0].Pagination, pages[0].HasNext())
				}
			},
		},
		{
			name:     "pagination null: one final page",
			size:     2,
			body:     func(int) string { return pagerBody("null", it(0, 2)) },
			wantIDs:  []int{0, 1},
			wantReqs: 1,
		},
		{
			name: "integers written as strings",
			size: 2,
			body: func(p int) string {
				return pagerBody(fmt.Sprintf(`{"currentPage":"%d","size":"2","totalPages":"3","totalElements":"6"}`, p), it(2*p, 2*p+2))
			},
			wantIDs:  pagerRange(0, 6),
			wantReqs: 3,
			check: func(t *testing.T, pages []*Page[pagerItem]) {
				want := Pagination{CurrentPage: 1, Size: 2, TotalPages: 3, TotalElements: 6}
				if got := *pages[1].Pagination; !reflect.DeepEqual(got, want) {
					t.Errorf("page 1 pagination %+v, want %+v", got, want)
				}
			},
		},
		{
			name: "integral numbers written as floats",
			size: 2,
			body: func(p int) string {
				return pagerBody(fmt.Sprintf(`{"currentPage":%d.0,"size":2.0,"totalPages":3.0,"totalElements":6e0}`, p), it(2*p, 2*p+2))
			},
			wantIDs:  pagerRange(0, 6),
			wantReqs: 3,
		},
		{
			name:     "totalPages missing after a short page",
			size:     3,
			body:     func(int) string { return pagerBody(`{"currentPage":0,"size":3}`, it(0, 2)) },
			wantIDs:  []int{0, 1},
			wantReqs: 1,
		},
		{
			name: "totalPages missing after a short last page",
			size: 2,
			body: func(p int) string {
				if p == 0 {
					return pagerBody(`{"currentPage":0,"size":2,"totalPages":2,"totalElements":3}`, it(0, 2))
				}
				return pagerBody(`{"currentPage":1,"size":2,"totalPages":""}`, it(2, 3))
			},
			wantIDs:  []int{0, 1, 2},
			wantReqs: 2,
		},
		{
			name: "currentPage missing",
			size: 2,
			body: func(p int) string {
				return pagerBody(`{"size":2,"totalPages":2,"totalElements":4}`, it(2*p, 2*p+2))
			},
			wantIDs:  pagerRange(0, 4),
			wantReqs: 2,
		},
		{
			name: "list shrank: the next page is past the end and empty",
			size: 2,
			body: func(p int) string {
				if p == 0 {
					return pagerBody(`{"currentPage":0,"size":2,"totalPages":2,"totalElements":4}`, it(0, 2))
				}
				return pagerBody(`{"currentPage":1,"size":2,"totalPages":1,"totalElements":2}`, "[]")
			},
			wantIDs:  []int{0, 1},
			wantReqs: 2,
		},
		{
			name: "unknown members and surrounding whitespace",
			size: 2,
			body: func(int) string {
				return "\n  {\"links\":{\"self\":\"x\"}," + pagerBody(`{"currentPage":0,"size":2,"totalPages":1,"totalElements":1,"extra":true}`, it(0, 1))[1:] + "  \n"
			},
			wantIDs:  []int{0},
			wantReqs: 1,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := &pagerServer{body: func(page, _, _ int) string { return tc.body(page) }}
			c := newPagerTestClient(t, srv)
			p := mustPager[pagerItem](t, c, pagerPath, nil, &ListOptions{PageSize: tc.size})
			var pages []*Page[pagerItem]
			var items []pagerItem
			for pg, err := range p.Pages(t.Context()) {
				if err != nil {
					t.Fatalf("page %d: %v", len(pages), err)
				}
				pages = append(pages, pg)
				items = append(items, pg.Items...)
			}
			if got := pagerIDs(items); !slices.Equal(got, tc.wantIDs) {
				t.Errorf("items %v, want %v", got, tc.wantIDs)
			}
			if got := srv.requests.Load(); got != int64(tc.wantReqs) {
				t.Errorf("%d requests, want %d", got, tc.wantReqs)
			}
			if last := pages[len(pages)-1]; last.HasNext() {
				t.Error("the last page says HasNext")
			}
			if tc.check != nil {
				tc.check(t, pages)
			}
		})
	}
}

// TestPagerItemTypes pages items that have no UnmarshalJSON of their own.
func TestPagerItemTypes(t *testing.T) {
	t.Parallel()
	t.Run("map", func(t *testing.T) {
		t.Parallel()
		c := newPagerTestClient(t, &pagerServer{n: 5})
		p := mustPager[map[string]any](t, c, pagerPath, nil, &ListOptions{PageSize: 2})
		var got []map[string]any
		for m, err := range p.All(t.Context()) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, m)
		}
		if len(got) != 5 || got[4]["id"] != float64(4) || got[4]["name"] != "item-4" {
			t.Errorf("items %v", got)
		}
	})
	t.Run("raw", func(t *testing.T) {
		t.Parallel()
		c := newPagerTestClient(t, &pagerServer{n: 3})
		p := mustPager[json.RawMessage](t, c, pagerPath, nil, &ListOptions{PageSize: 2})
		var got []string
		for m, err := range p.All(t.Context()) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, string(m))
		}
		want := []string{`{"id":0,"name":"item-0"}`, `{"id":1,"name":"item-1"}`, `{"id":2,"name":"item-2"}`}
		if !slices.Equal(got, want) {
			t.Errorf("items %q, want %q", got, want)
		}
	})
	t.Run("map item that cannot be decoded", func(t *testing.T) {
		t.Parallel()
		srv := &pagerServer{body: func(int, int, int) string {
			return pagerBody(`{"currentPage":0,"size":2,"totalPages":1,"totalElements":2}`, `[{"id":0},[1]]`)
		}}
		c := newPagerTestClient(t, srv)
		p := mustPager[map[string]any](t, c, pagerPath, nil, &ListOptions{PageSize: 2})
		d := pagerDrain(p.All(t.Context()))
		if len(d.errs) != 1 || len(d.vals) != 0 {
			t.Fatalf("items %v, errors %v", d.vals, d.errs)
		}
		wantPaginationError(t, d.errs[0], pagerFullPath, 0, "data[1]")
	})
}

// ---------------------------------------------------------------------------------------
// 2. Malformed envelopes and retries
// ---------------------------------------------------------------------------------------

func TestPagerMalformedEnvelope(t *testing.T) {
	t.Parallel()
	it := pagerItemsJSON
	pb := pagerBody
	pag := func(p int) string { // the pagination of page p of a well-formed 10-item list
		return fmt.Sprintf(`{"currentPage":%d,"size":2,"totalPages":5,"totalElements":10}`, p)
	}
	withTotal := func(total string) map[int]string {
		return map[int]string{0: pb(`{"currentPage":0,"size":2,"totalElements":10,"totalPages":`+total+`}`, it(0, 2))}
	}
	cases := []struct {
		name     string
		bad      map[int]string // page -> body; other pages of the 10-item list are well formed
		failPage int
		reason   string
	}{
		{"totalPages missing after a full page", map[int]string{0: pb(`{"currentPage":0,"size":2,"totalElements":10}`, it(0, 2))}, 0, "totalPages is missing"},
		{"totalPages null after a full page", withTotal("null"), 0, "totalPages is missing"},
		{"totalPages blank after a full page", withTotal(`" "`), 0, "totalPages is missing"},
		{"totalPages missing after a page full at the server's size", map[int]string{0: pb(`{"currentPage":0,"size":1}`, it(0, 1))}, 0, "totalPages is missing"},
		{"totalPages missing after a full later page", map[int]string{1: pb(`{"currentPage":1,"size":2}`, it(2, 4))}, 1, "totalPages is missing"},
		{"totalPages abc", withTotal(`"abc"`), 0, "not an integer"},
		{"totalPages 1.5", withTotal(`1.5`), 0, "not an integer"},
		{"totalPages string 1.5", withTotal(`"1.5"`), 0, "not an integer"},
		{"totalPages true", withTotal(`true`), 0, "not an integer"},
		{"totalPages object", withTotal(`{"value":5}`), 0, "not an integer"},
		{"totalPages array", withTotal(`[5]`), 0, "not an integer"},
		{"totalPages beyond int", withTotal(`1e300`), 0, "not an integer"},
		{"currentPage abc", map[int]string{0: pb(`{"currentPage":"first","size":2,"totalPages":5}`, it(0, 2))}, 0, "not an integer"},
		{"negative totalPages", withTotal(`-1`), 0, "negative"},
		{"negative totalPages string", withTotal(`"-3"`), 0, "negative"},
		{"negative currentPage", map[int]string{0: pb(`{"currentPage":-1,"size":2,"totalPages":5,"totalElements":10}`, it(0, 2))}, 0, "negative"},
		{"negative totalElements", map[int]string{0: pb(`{"currentPage":0,"size":2,"totalPages":5,"totalElements":-5}`, it(0, 2))}, 0, "negative"},
		{"negative size", map[int]string{0: pb(`{"currentPage":0,"size":-2,"totalPages":5,"totalElements":10}`, it(0, 2))}, 0, "negative"},
		{"server ignores page: page 1 answered with page 0", map[int]string{1: pagerPage(pagerFullPath, 0, 2, 10, 0)}, 1, "returned page 0 instead"},
		{"currentPage differs on page 0", map[int]string{0: pb(pag(1), it(2, 4))}, 0, "returned page 1 instead"},
		{"currentPage differs, as a string", map[int]string{2: pb(`{"currentPage":"3","size":2,"totalPages":5}`, it(6, 8))}, 2, "returned page 3 instead"},
		{"data is an object", map[int]string{0: pb(pag(0), `{"id":0}`)}, 0, "data is an object"},
		{"data is a string", map[int]string{0: pb(pag(0), `"[]"`)}, 0, "data is a string"},
		{"data is a number", map[int]string{0: pb(pag(0), `2`)}, 0, "data is a number"},
		{"data is a boolean on page 3", map[int]string{3: pb(pag(3), `true`)}, 3, "data is a boolean"},
		{"pagination is a string", map[int]string{0: pb(`"0/5"`, it(0, 2))}, 0, "pagination is a string"},
		{"pagination is an array", map[int]string{0: pb(`[`+pag(0)+`]`, it(0, 2))}, 0, "pagination is an array"},
		{"pagination is a number", map[int]string{0: pb(`5`, it(0, 2))}, 0, "pagination is a number"},
		{"totalPages 0 with items", map[int]string{0: pb(`{"currentPage":0,"size":2,"totalPages":0,"totalElements":0}`, it(0, 1))}, 0, "totalPages is 0"},
		{"page beyond totalPages with items", map[int]string{1: pb(`{"currentPage":1,"size":2,"totalPages":1,"totalElements":2}`, it(2, 4))}, 1, "totalPages is 1"},
		{"JSON array instead of an envelope", map[int]string{0: it(0, 2)}, 0, "not a list envelope"},
		{"JSON array instead of an envelope on page 1", map[int]string{1: it(2, 4)}, 1, "not a list envelope"},
		{"JSON string instead of an envelope", map[int]string{0: `"OK"`}, 0, "not a list envelope"},
		{"JSON number instead of an envelope", map[int]string{0: `42`}, 0, "not a list envelope"},
		{"item that cannot be decoded", map[int]string{0: pb(pag(0), `[{"id":0},5]`)}, 0, "data[1]"},
		{"item that cannot be decoded on page 2", map[int]string{2: pb(pag(2), `[{"id":4},"five"]`)}, 2, "data[1]"},
	}
	for _, tc := range cases {
		for _, prefetch := range []int{0, 3} {
			t.Run(fmt.Sprintf("%s/prefetch=%d", tc.name, prefetch), func(t *testing.T) {
				t.Parallel()
				srv := &pagerServer{n: 10, body: func(page, _, _ int) string { return tc.bad[page] }}
				c := newPagerTestClient(t, srv)
				p := mustPager[pagerItem](t, c, pagerPath, nil, &ListOptions{PageSize: 2, Prefetch: prefetch})
				d := pagerDrain(p.All(t.Context()))
				if len(d.errs) != 1 {
					t.Fatalf("%d errors, want 1: %v", len(d.errs), d.errs)
				}
				if d.afterErr != 0 || d.nonZeroErr {
					t.Errorf("after the error: %d more yields; error with a non-zero item: %v", d.afterErr, d.nonZeroErr)
				}
				wantPaginationError(t, d.errs[0], pagerFullPath, tc.failPage, tc.reason)
				if got, want := pagerIDs(d.vals), pagerRange(0, 2*tc.failPage); !slices.Equal(got, want) {
					t.Errorf("items before the error %v, want %v", got, want)
				}
				hits := srv.pageHits()
				for pg := 0; pg <= tc.failPage; pg++ {
					if hits[pg] != 1 { // in particular, the failing page is not retried
						t.Errorf("page %d requested %d times, want 1 (hits %v)", pg, hits[pg], hits)
					}
				}
				for pg, n := range hits {
					if pg > tc.failPage && (prefetch <= 1 || n > 1 || pg > tc.failPage+prefetch-1) {
						t.Errorf("page %d requested %d times after failing page %d (prefetch %d)", pg, n, tc.failPage, prefetch)
					}
				}
			})
		}
	}
}

// TestPagerPageReturnsPaginationError checks the single-page call reports the same error.
func TestPagerPageReturnsPaginationError(t *testing.T) {
	t.Parallel()
	srv := &pagerServer{body: func(int, int, int) string { return pagerItemsJSON(0, 2) }}
	c := newPagerTestClient(t, srv)
	p := mustPager[pagerItem](t, c, pagerPath, nil, &ListOptions{PageSize: 2})
	pg, err := p.Page(t.Context(), 3)
	if pg != nil {
		t.Errorf("page %+v returned with the error", pg)
	}
	wantPaginationError(t, err, pagerFullPath, 3, "not a list envelope")
	if n := srv.requests.Load(); n != 1 {
		t.Errorf("%d requests, want 1: a PaginationError is not retried", n)
	}
}

func TestPagerErrorPathUnderBasePathPrefix(t *testing.T) {
	t.Parallel()
	srv := &pagerServer{body: func(int, int, int) string { return `{"data":{}}` }}
	mux := http.NewServeMux()
	mux.Handle("/gateway/", srv)
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	c, err := New(WithAPIKey("test-api-key", "test-security-key"), WithBaseURL(hs.URL+"/gateway"), WithBackoff(time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	p := mustPager[pagerItem](t, c, pagerPath, nil, &ListOptions{})
	d := pagerDrain(p.All(t.Context()))
	if len(d.errs) != 1 {
		t.Fatalf("errors %v", d.errs)
	}
	wantPaginationError(t, d.errs[0], "/gateway"+pagerFullPath, 0, "data is an object")
}

func TestPagerMalformedBodyIsRetried(t *testing.T) {
	t.Parallel()
	good1 := pagerPage(pagerFullPath, 1, 2, 6, 0)
	cut := strings.Index(good1, `{"id":3`)
	cases := []struct {
		name   string
		status int // for page 1's first request; 0 for 200
		broken string
	}{
		{name: "truncated inside an item", broken: good1[:cut+4]},
		{name: "truncated after an item", broken: good1[:cut]},
		{name: "truncated in pagination", broken: `{"metadata":{"status":"OK"},"pagination":{"currentPage":1`},
		{name: "trailing garbage", broken: good1 + "}"},
		{name: "two envelopes", broken: good1 + good1},
		{name: "blank body", broken: " \n"},
		{name: "HTML with status 200", broken: "<html><body>502 Bad Gateway</body></html>"},
		{name: "bad literal", broken: `{"data":[tru]}`},
		{name: "unterminated string", broken: `{"data":[{"id":2,"name":"item-`},
		{name: "503, then the page", status: http.StatusServiceUnavailable},
	}
	for _, tc := range cases {
		for _, prefetch := range []int{0, 2} {
			t.Run(fmt.Sprintf("%s/prefetch=%d", tc.name, prefetch), func(t *testing.T) {
				t.Parallel()
				srv := &pagerServer{
					n: 6,
					body: func(page, _, hit int) string {
						if page == 1 && hit == 1 {
							return tc.broken
						}
						return ""
					},
					status: func(page, hit int) int {
						if page == 1 && hit == 1 {
							return tc.status
						}
						return 0
					},
				}
				c := newPagerTestClient(t, srv)
				p := mustPager[pagerItem](t, c, pagerPath, nil, &ListOptions{PageSize: 2, Prefetch: prefetch})
				d := pagerDrain(p.All(t.Context()))
				if len(d.errs) != 0 {
					t.Fatalf("errors: %v", d.errs)
				}
				if got := pagerIDs(d.vals); !slices.Equal(got, pagerRange(0, 6)) {
					t.Errorf("items %v, want 0..5 exactly once each", got)
				}
				if hits := srv.pageHits(); !reflect.DeepEqual(hits, map[int]int{0: 1, 1: 2, 2: 1}) {
					t.Errorf("page hits %v, want page 1 twice and the others once", hits)
				}
			})
		}
	}
}

// TestPagerRetryKeepsNothingFromTheBrokenAttempt: a page decoded on a retry must describe
// the response it came from, not a mix with the attempt that failed half-way.
func TestPagerRetryKeepsNothingFromTheBrokenAttempt(t *testing.T) {
	t.Parallel()
	srv := &pagerServer{body: func(_, _, hit int) string {
		if hit == 1 {
			return `{"metadata":{"status":"STALE","path":"/stale"},"data":[{"id":0},{"id`
		}
		return `{"pagination":{"currentPage":0,"size":2,"totalPages":1,"totalElements":1},"data":[{"id":0}]}`
	}}
	c := newPagerTestClient(t, srv)
	p := mustPager[pagerItem](t, c, pagerPath, nil, &ListOptions{PageSize: 2})
	pg, err := p.Page(t.Context(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if pg.Metadata.Status != "" || pg.Metadata.Path != "" {
		t.Errorf("metadata %+v comes from the broken attempt", pg.Metadata)
	}
	if got := pagerIDs(pg.Items); !slices.Equal(got, []int{0}) {
		t.Errorf("items %v, want [0]", got)
	}
	if n := srv.requests.Load(); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestPagerAlwaysMalformedEndsInRequestError(t *testing.T) {
	t.Parallel()
	const maxRetries = 2
	for _, prefetch := range []int{0, 3} {
		t.Run(fmt.Sprintf("prefetch=%d", prefetch), func(t *testing.T) {
			t.Parallel()
			srv := &pagerServer{n: 10, body: func(page, _, _ int) string {
				if page == 1 {
					return `{"metadata":{"status":"OK"},"data":[{"id":2}`
				}
				return ""
			}}
			c := newPagerTestClient(t, srv, WithMaxRetries(maxRetries))
			p := mustPager[pagerItem](t, c, pagerPath, nil, &ListOptions{PageSize: 2, Prefetch: prefetch})
			d := pagerDrain(p.All(t.Context()))
			if len(d.errs) != 1 || d.afterErr != 0 {
				t.Fatalf("errors %v, %d yields after the error", d.errs, d.afterErr)
			}
			err := d.errs[0]
			var re *RequestError
			if !errors.As(err, &re) {
				t.Fatalf("error %v (%T) is not a *RequestError", err, err)
			}
			if re.Attempts != maxRetries+1 || re.Method != http.MethodGet || re.Path != pagerFullPath {
				t.Errorf("RequestError %+v, want %d attempts of GET %s", re, maxRetries+1, pagerFullPath)
			}
			var se *wire.SyntaxError
			if !errors.As(err, &se) {
				t.Errorf("error %v does not wrap the *wire.SyntaxError", err)
			}
			var pe *PaginationError
			if errors.As(err, &pe) {
				t.Errorf("a malformed body is reported as a PaginationError: %v", err)
			}
			if got := pagerIDs(d.vals); !slices.Equal(got, []int{0, 1}) {
				t.Errorf("items %v, want page 0's", got)
			}
			if hits := srv.pageHits(); hits[1] != maxRetries+1 || hits[0] != 1 {
				t.Errorf("page hits %v, want page 1 %d times", hits, maxRetries+1)
			}
		})
	}
}

// ---------------------------------------------------------------------------------------
// 3. Iterator semantics
// ---------------------------------------------------------------------------------------

func TestPagerIteratorYieldsErrorOnceAndStops(t *testing.T) {
	t.Parallel()
	for _, prefetch := range []int{0, 4} {
		for _, failPage := range []int{0, 2} {
			for _, mode := range []string{"All", "Pages"} {
				t.Run(fmt.Sprintf("%s/prefetch=%d/page=%d", mode, prefetch, failPage), func(t *testing.T) {
					t.Parallel()
					srv := &pagerServer{n: 20, status: func(page, _ int) int {
						if page == failPage {
							return http.StatusNotFound
						}
						return 0
					}}
					c := newPagerTestClient(t, srv)
					p := mustPager[pagerItem](t, c, pagerPath, nil, &ListOptions{PageSize: 2, Prefetch: prefetch})
					var errs []error
					var d pagerDrained[pagerItem]
					if mode == "All" {
						d = pagerDrain(p.All(t.Context()))
						errs = d.errs
					} else {
						pd := pagerDrain(p.Pages(t.Context()))
						errs = pd.errs
						d.afterErr, d.nonZeroErr = pd.afterErr, pd.nonZeroErr
						for _, pg := range pd.vals {
							d.vals = append(d.vals, pg.Items...)
						}
					}
					if len(errs) != 1 {
						t.Fatalf("%d errors, want exactly 1: %v", len(errs), errs)
					}
					if d.afterErr != 0 {
						t.Errorf("%d yields after the error", d.afterErr)
					}
					if d.nonZeroErr {
						t.Error("the error came with a non-zero value")
					}
					if !errors.Is(errs[0], ErrNotFound) {
						t.Errorf("error %v, want a 404 APIError", errs[0])
					}
					if got := pagerIDs(d.vals); !slices.Equal(got, pagerRange(0, 2*failPage)) {
						t.Errorf("items %v, want those of the pages before %d", got, failPage)
					}
					if hits := srv.pageHits(); hits[failPage] != 1 {
						t.Errorf("failing page requested %d times, want 1 (a 404 is not retried)", hits[failPage])
					}
					if prefetch == 0 && !slices.Equal(srv.pageOrder(), pagerRange(0, failPage+1)) {
						t.Errorf("pages requested %v, want 0..%d", srv.pageOrder(), failPage)
					}
				})
			}
		}
	}
}

func TestPagerBreakMakesNoFurtherRequest(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		breakAt   int // break on the item with this id (All) or after this many pages (Pages)
		pages     bool
		wantPages []int
	}{
		{name: "All, first item", breakAt: 0, wantPages: []int{0}},
		{name: "All, last item of page 0", breakAt: 4, wantPages: []int{0}},
		{name: "All, inside page 1", breakAt: 7, wantPages: []int{0, 1}},
		{name: "All, last item of the list", breakAt: 49, wantPages: pagerRange(0, 10)},
		{name: "Pages, after page 0", breakAt: 1, pages: true, wantPages: []int{0}},
		{name: "Pages, after page 3", breakAt: 4, pages: true, wantPages: pagerRange(0, 4)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := &pagerServer{n: 50}
			c := newPagerTestClient(t, srv)
			p := mustPager[pagerItem](t, c, pagerPath, nil, &ListOptions{PageSize: 5})
			if tc.pages {
				n := 0
				for _, err := range p.Pages(t.Context()) {
					if err != nil {
						t.Fatal(err)
					}
					if n++; n == tc.breakAt {
						break
					}
				}
			} else {
				for it, err := range p.All(t.Context()) {
					if err != nil {
						t.Fatal(err)
					}
					if it.ID == tc.breakAt {
						break
					}
				}
			}
			if got := srv.pageOrder(); !slices.Equal(got, tc.wantPages) {
				t.Errorf("pages requested %v, want %v", got, tc.wantPages)
			}
		})
	}
}

func TestPagerAllTwiceStartsOver(t *testing.T) {
	t.Parallel()
	for _, prefetch := range []int{0, 2} {
		t.Run(fmt.Sprintf("prefetch=%d", prefetch), func(t *testing.T) {
			t.Parallel()
			srv := &pagerServer{n: 7}
			c := newPagerTestClient(t, srv)
			p := mustPager[pagerItem](t, c, pagerPath, nil, &ListOptions{PageSize: 3, Prefetch: prefetch})
			seq := p.All(t.Context()) // the same iterator value, ranged twice
			first := pagerDrain(seq)
			second := pagerDrain(seq)
			third := pagerDrain(p.All(t.Context()))
			for i, d := range []pagerDrained[pagerItem]{first, second, third} {
				if len(d.errs) != 0 || !slices.Equal(pagerIDs(d.vals), pagerRange(0, 7)) {
					t.Errorf("iteration %d: items %v, errors %v", i+1, pagerIDs(d.vals), d.errs)
				}
			}
			if hits := srv.pageHits(); !reflect.DeepEqual(hits, map[int]int{0: 3, 1: 3, 2: 3}) {
				t.Errorf("page hits %v, want each page 3 times", hits)
			}
			if prefetch == 0 {
				if got, want := srv.pageOrder(), []int{0, 1, 2, 0, 1, 2, 0, 1, 2}; !slices.Equal(got, want) {
					t.Errorf("pages requested %v, want %v", got, want)
				}
			}
		})
	}
}

func TestPagerQueryCopiedNotMutated(t *testing.T) {
	t.Parallel()
	srv := &pagerServer{n: 7}
	c := newPagerTestClient(t, srv)
	query := url.Values{
		"filter": {"siteId==5"},
		"sort":   {"a,ASC", "b,DESC"},
		"page":   {"4"},
		"size":   {"9"},
	}
	snapshot := url.Values{}
	for k, v := range query {
		snapshot[k] = slices.Clone(v)
	}
	p := mustPager[pagerItem](t, c, pagerPath, query, &ListOptions{PageSize: 3, Prefetch: 2})
	for range 2 {
		if d := pagerDrain(p.All(t.Context())); len(d.errs) != 0 || len(d.vals) != 7 {
			t.Fatalf("items %v, errors %v", pagerIDs(d.vals), d.errs)
		}
	}
	if _, err := p.Page(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(query, snapshot) {
		t.Errorf("caller's query changed to %v, was %v", query, snapshot)
	}

	// Changing the caller's values afterwards does not reach the Pager.
	query.Set("filter", "changed")
	query["sort"][0] = "changed"
	query.Add("extra", "1")
	if _, err := p.Page(t.Context(), 0); err != nil {
		t.Fatal(err)
	}
	qs := srv.allQueries()
	last := qs[len(qs)-1]
	want := url.Values{"filter": {"siteId==5"}, "sort": {"a,ASC", "b,DESC"}, "page": {"0"}, "size": {"3"}}
	if !reflect.DeepEqual(last, want) {
		t.Errorf("query after the caller changed its values: %v, want %v", last, want)
	}
}

func TestPagerOptionsValidation(t *testing.T) {
	t.Parallel()
	if DefaultPageSize != 100 || MaxPageSize != 500 {
		t.Fatalf("DefaultPageSize %d, MaxPageSize %d", DefaultPageSize, MaxPageSize)
	}
	cases := []struct {
		name     string
		opts     *ListOptions
		wantSize int // 0: NewPager must fail
	}{
		{"zero size means the default", &ListOptions{}, DefaultPageSize},
		{"size 1", &ListOptions{PageSize: 1}, 1},
		{"size 500", &ListOptions{PageSize: MaxPageSize}, MaxPageSize},
		{"size 501", &ListOptions{PageSize: MaxPageSize + 1}, 0},
		{"size -1", &ListOptions{PageSize: -1}, 0},
		{"prefetch -1", &ListOptions{Prefetch: -1}, 0},
		{"prefetch 1", &ListOptions{Prefetch: 1}, DefaultPageSize},
		{"prefetch 64", &ListOptions{Prefetch: 64}, DefaultPageSize},
		{"prefetch 65", &ListOptions{Prefetch: 65}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := &pagerServer{n: 1}
			c := newPagerTestClient(t, srv)
			p, err := NewPager[pagerItem](c, pagerPath, nil, tc.opts)
			if tc.wantSize == 0 {
				if err == nil || p != nil {
					t.Fatalf("NewPager(%+v) = %v, %v; want an error", tc.opts, p, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewPager(%+v): %v", tc.opts, err)
			}
			if _, err := p.Page(t.Context(), 0); err != nil {
				t.Fatal(err)
			}
			if got := srv.allQueries()[0].Get("size"); got != strconv.Itoa(tc.wantSize) {
				t.Errorf("size=%s sent, want %d", got, tc.wantSize)
			}
		})
	}
}

func TestPagerSendsTheOptionsSortAndFilterBeforeTheQuery(t *testing.T) {
	t.Parallel()
	srv := &pagerServer{n: 3}
	c := newPagerTestClient(t, srv)
	opts := &ListOptions{PageSize: 2, Page: 5, Sort: []Sort{Desc("recordId"), Asc("formKey")}, Filter: Eq("formKey", "AE")}
	p := mustPager[pagerItem](t, c, pagerPath, url.Values{"sort": {"subjectKey,ASC"}, "recordDataFilter": {"AESER==Y"}, "page": {"9"}}, opts)
	if d := pagerDrain(p.All(t.Context())); len(d.errs) != 0 || len(d.vals) != 3 {
		t.Fatalf("items %v, errors %v", pagerIDs(d.vals), d.errs)
	}
	for i, q := range srv.allQueries() { // opts.Page and the query's page are ignored
		want := url.Values{"sort": {"recordId,DESC", "formKey,ASC", "subjectKey,ASC"}, "filter": {"formKey==AE"},
			"recordDataFilter": {"AESER==Y"}, "page": {strconv.Itoa(i)}, "size": {"2"}}
		if !reflect.DeepEqual(q, want) {
			t.Errorf("request %d: query %v, want %v", i, q, want)
		}
	}

	p = mustPager[pagerItem](t, c, pagerPath, nil, nil) // nil options: the defaults
	if _, err := p.Page(t.Context(), 0); err != nil {
		t.Fatal(err)
	}
	qs := srv.allQueries()
	if got, want := qs[len(qs)-1], (url.Values{"page": {"0"}, "size": {strconv.Itoa(DefaultPageSize)}}); !reflect.DeepEqual(got, want) {
		t.Errorf("nil options: query %v, want %v", got, want)
	}
}

func TestPathTemplate(t *testing.T) {
	t.Parallel()
	for path, want := range map[string]string{
		"/studies":                      "/studies",
		"/studies/":                     "/studies/",
		"/studies/DEMO":                 "/studies/{studyKey}",
		"/studies/DEMO/records":         "/studies/{studyKey}/records",
		"/studies/A%2FB%20C/sites":      "/studies/{studyKey}/sites",
		"/studies/DEMO/jobs/b-1":        "/studies/{studyKey}/jobs/b-1",
		"/studiesX/DEMO/records":        "/studiesX/DEMO/records",
		"/other/studies/DEMO/records":   "/other/studies/DEMO/records",
		"/studies/DEMO/recordRevisions": "/studies/{studyKey}/recordRevisions",
	} {
		if got := pathTemplate(path); got != want {
			t.Errorf("pathTemplate(%q) = %q, want %q", path, got, want)
		}
	}
}

// TestPagersNameRequestsByTemplate checks what observers (and so logs and traces) see of a
// listing made with NewPager or NewArrayPager: the template, never the study key.
func TestPagersNameRequestsByTemplate(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var seen []string
	watch := ObserverFunc(func(ctx context.Context, info RequestInfo, _ *url.URL) (context.Context, func(*Response, error)) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, info.Pattern)
		return nil, nil
	})
	c := newPagerTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/intervals") {
			io.WriteString(w, `[]`)
			return
		}
		io.WriteString(w, pagerBody(`{"currentPage":0,"size":100,"totalPages":0,"totalElements":0}`, `[]`))
	}), WithObserver(watch))
	p := mustPager[pagerItem](t, c, "/studies/S%2F1/records", nil, nil)
	if _, err := p.Page(t.Context(), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := NewArrayPager[pagerItem](c, "/studies/S%2F1/intervals", nil).List(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := mustPager[pagerItem](t, c, "/studies", nil, nil).Page(t.Context(), 0); err != nil {
		t.Fatal(err)
	}
	want := []string{"/studies/{studyKey}/records", "/studies/{studyKey}/intervals", "/studies"}
	if !slices.Equal(seen, want) {
		t.Errorf("observed\n %q\nwant\n %q", seen, want)
	}
}

// ---------------------------------------------------------------------------------------
// 4. Prefetch
// ---------------------------------------------------------------------------------------

func TestPrefetchInOrderUnderRandomLatency(t *testing.T) {
	t.Parallel()
	const pages, size = 23, 3
	const n = pages*size - 1
	for _, prefetch := range []int{0, 1, 2, 4, 64} {
		for _, mode := range []string{"All", "Pages"} {
			t.Run(fmt.Sprintf("%s/prefetch=%d", mode, prefetch), func(t *testing.T) {
				t.Parallel()
				srv := &pagerServer{n: n, before: pagerLatency}
				c := newPagerTestClient(t, srv)
				p := mustPager[pagerItem](t, c, pagerPath, nil, &ListOptions{PageSize: size, Prefetch: prefetch})
				var d pagerDrained[pagerItem]
				if mode == "All" {
					d = pagerDrain(p.All(t.Context()))
				} else {
					d = drainPagesAsItems(t, p.Pages(t.Context()))
				}
				if len(d.errs) != 0 {
					t.Fatalf("errors: %v", d.errs)
				}
				if got := pagerIDs(d.vals); !slices.Equal(got, pagerRange(0, n)) {
					t.Errorf("items %v, want 0..%d in order", got, n-1)
				}
				hits := srv.pageHits()
				if len(hits) != pages {
					t.Errorf("%d distinct pages requested, want %d", len(hits), pages)
				}
				for pg := range pages {
					if hits[pg] != 1 {
						t.Errorf("page %d requested %d times", pg, hits[pg])
					}
				}
				if limit := int64(max(prefetch, 1)); srv.maxInflight.Load() > limit {
					t.Errorf("%d requests in flight at once, want at most %d", srv.maxInflight.Load(), limit)
				}
			})
		}
	}
}

// TestPrefetchFetchesConcurrently holds pages 1-4 at the server until all four have arrived:
// with Prefetch 4 they must be requested together.
func TestPrefetchFetchesConcurrently(t *testing.T) {
	t.Parallel()
	const prefetch = 4
	var arrived atomic.Int64
	together := make(chan struct{})
	var gaveUp atomic.Bool
	srv := &pagerServer{n: 40, before: func(r *http.Request, page int) {
		if page < 1 || page > prefetch {
			return
		}
		if arrived.Add(1) == prefetch {
			close(together)
		}
		select {
		case <-together:
		case <-r.Context().Done():
		case <-time.After(10 * time.Second): // only a failing pager gets here
			gaveUp.Store(true)
		}
	}}
	c := newPagerTestClient(t, srv)
	p := mustPager[pagerItem](t, c, pagerPath, nil, &ListOptions{PageSize: 2, Prefetch: prefetch})
	d := pagerDrain(p.All(t.Context()))
	if len(d.errs) != 0 || !slices.Equal(pagerIDs(d.vals), pagerRange(0, 40)) {
		t.Fatalf("items %v, errors %v", pagerIDs(d.vals), d.errs)
	}
	if gaveUp.Load() {
		t.Errorf("pages 1..%d were not requested concurrently", prefetch)
	}
	if got := srv.maxInflight.Load(); got != prefetch {
		t.Errorf("at most %d requests in flight, want exactly %d", got, prefetch)
	}
}

// TestPrefetchBreakCancelsInFlightRequests is not parallel: it inspects every goroutine of
// the test binary for a leaked prefetch worker.
func TestPrefetchBreakCancelsInFlightRequests(t *testing.T) {
	const prefetch, size = 4, 2
	stop := make(chan struct{})
	srv := &pagerServer{n: 60, before: func(r *http.Request, page int) {
		if page < 2 {
			return
		}
		select { // never answers: only cancellation frees the client
		case <-r.Context().Done():
		case <-stop:
		}
	}}
	var rt pagerRoundTripCounter
	c := newPagerTestClient(t, srv, WithMiddleware(rt.middleware))
	t.Cleanup(func() { close(stop) }) // runs before the server's Close
	p := mustPager[pagerItem](t, c, pagerPath, nil, &ListOptions{PageSize: size, Prefetch: prefetch})

	var got []int
	done := make(chan struct{})
	go func() {
		defer close(done)
		for it, err := range p.All(t.Context()) {
			if err != nil {
				t.Errorf("error: %v", err)
				return
			}
			got = append(got, it.ID)
			if it.ID == size { // the first item of page 1; pages 2..4 are in flight
				break
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second): // a liveness bound, not a timing assertion
		t.Fatal("All did not return after break: the in-flight requests were not cancelled")
	}
	startedAtReturn := rt.started.Load()

	if !slices.Equal(got, []int{0, 1, 2}) {
		t.Errorf("items %v, want [0 1 2]", got)
	}
	if n := rt.active.Load(); n != 0 {
		t.Errorf("%d round trips still running after All returned", n)
	}
	// A worker has called wg.Done (which released All) but may not have left its function
	// yet; it must be gone shortly after, never blocked or still fetching.
	for deadline := time.Now().Add(5 * time.Second); ; {
		stacks := allGoroutines()
		if !strings.Contains(stacks, "prefetchFrom") {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("prefetch goroutines outlived the iteration:\n%s", stacks)
			break
		}
		time.Sleep(time.Millisecond)
	}

	// Every request the server received ends (its connection was cancelled) and, after a
	// short settle, no new one starts.
	for deadline := time.Now().Add(10 * time.Second); srv.exited.Load() != srv.requests.Load(); {
		if time.Now().After(deadline) {
			t.Fatalf("server handlers still blocked: %d started, %d ended", srv.requests.Load(), srv.exited.Load())
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	settled := srv.requests.Load()
	time.Sleep(50 * time.Millisecond)
	if n := srv.requests.Load(); n != settled {
		t.Errorf("server saw %d new requests after the iteration returned", n-settled)
	}
	if n := rt.started.Load(); n != startedAtReturn {
		t.Errorf("client started %d round trips after All returned", n-startedAtReturn)
	}
	if settled > startedAtReturn {
		t.Errorf("server saw %d requests, client sent %d", settled, startedAtReturn)
	}
	for pg, n := range srv.pageHits() {
		if pg > prefetch || n != 1 {
			t.Errorf("page %d requested %d times; want only pages 0..%d, once", pg, n, prefetch)
		}
	}
}

func TestPrefetchErrorOnPage7(t *testing.T) {
	t.Parallel()
	const prefetch, failPage = 4, 7
	cases := []struct {
		name   string
		status int
		body   string
		check  func(t *testing.T, err error)
	}{
		{name: "pagination error", body: pagerPage(pagerFullPath, 6, 2, 24, 0), check: func(t *testing.T, err error) {
			wantPaginationError(t, err, pagerFullPath, failPage, "returned page 6 instead")
		}},
		{name: "API error", status: http.StatusForbidden, check: func(t *testing.T, err error) {
			var ae *APIError
			if !errors.As(err, &ae) || !errors.Is(err, ErrForbidden) || ae.Attempts != 1 {
				t.Errorf("error %v (%T), want a 403 APIError after 1 attempt", err, err)
			}
		}},
	}
	for _, tc := range cases {
		for _, mode := range []string{"All", "Pages"} {
			t.Run(tc.name+"/"+mode, func(t *testing.T) {
				t.Parallel()
				srv := &pagerServer{
					n:      24, // 12 pages of 2
					before: pagerLatency,
					body: func(page, _, _ int) string {
						if page == failPage {
							return tc.body
						}
						return ""
					},
					status: func(page, _ int) int {
						if page == failPage {
							return tc.status
						}
						return 0
					},
				}
				var rt pagerRoundTripCounter
				c := newPagerTestClient(t, srv, WithMiddleware(rt.middleware))
				p := mustPager[pagerItem](t, c, pagerPath, nil, &ListOptions{PageSize: 2, Prefetch: prefetch})
				var d pagerDrained[pagerItem]
				if mode == "All" {
					d = pagerDrain(p.All(t.Context()))
				} else {
					d = drainPagesAsItems(t, p.Pages(t.Context()))
				}
				if rt.active.Load() != 0 {
					t.Errorf("%d round trips still running after the iteration returned", rt.active.Load())
				}
				if len(d.errs) != 1 || d.afterErr != 0 || d.nonZeroErr {
					t.Fatalf("errors %v, %d yields after the first, non-zero value with it: %v", d.errs, d.afterErr, d.nonZeroErr)
				}
				tc.check(t, d.errs[0])
				if got := pagerIDs(d.vals); !slices.Equal(got, pagerRange(0, 2*failPage)) {
					t.Errorf("items %v, want those of pages 0..%d", got, failPage-1)
				}
				for pg, n := range srv.pageHits() {
					if n != 1 || pg >= failPage+prefetch {
						t.Errorf("page %d requested %d times; want pages 0..%d at most once", pg, n, failPage+prefetch-1)
					}
				}
			})
		}
	}
}

func TestPrefetchListChangesDuringIteration(t *testing.T) {
	t.Parallel()
	const size = 2
	cases := []struct {
		name       string
		items      func(page int) int // the list's length when page is served
		wantItems  int
		wantLength int // pages that must each be requested once
	}{
		{name: "grows, seen on page 1", items: func(p int) int { return pagerPick(p < 1, 3*size, 8*size-1) }, wantItems: 8*size - 1, wantLength: 8},
		{name: "grows, seen on the last known page", items: func(p int) int { return pagerPick(p < 2, 3*size, 6*size) }, wantItems: 6 * size, wantLength: 6},
		{name: "grows twice", items: func(p int) int { return pagerPick(p < 1, 2*size, pagerPick(p < 3, 4*size, 9*size)) }, wantItems: 9 * size, wantLength: 9},
		{name: "shrinks", items: func(p int) int { return pagerPick(p < 1, 6*size, 2*size) }, wantItems: 2 * size, wantLength: 2},
	}
	for _, tc := range cases {
		for _, prefetch := range []int{0, 2, 4, 16} {
			for _, mode := range []string{"All", "Pages"} {
				t.Run(fmt.Sprintf("%s/prefetch=%d/%s", tc.name, prefetch, mode), func(t *testing.T) {
					t.Parallel()
					srv := &pagerServer{before: pagerLatency, body: func(page, size, _ int) string {
						return pagerPage(pagerFullPath, page, size, tc.items(page), 0)
					}}
					c := newPagerTestClient(t, srv)
					p := mustPager[pagerItem](t, c, pagerPath, nil, &ListOptions{PageSize: size, Prefetch: prefetch})
					var d pagerDrained[pagerItem]
					if mode == "All" {
						d = pagerDrain(p.All(t.Context()))
					} else {
						pd := pagerDrain(p.Pages(t.Context()))
						d.errs = pd.errs
						for i, pg := range pd.vals {
							if pg.Number != i || pg.HasNext() != (i < tc.wantLength-1) {
								t.Errorf("position %d: page %d, HasNext %v", i, pg.Number, pg.HasNext())
							}
							d.vals = append(d.vals, pg.Items...)
						}
						if len(pd.vals) != tc.wantLength {
							t.Errorf("%d pages yielded, want %d", len(pd.vals), tc.wantLength)
						}
					}
					if len(d.errs) != 0 {
						t.Fatalf("errors: %v", d.errs)
					}
					if got := pagerIDs(d.vals); !slices.Equal(got, pagerRange(0, tc.wantItems)) {
						t.Errorf("items %v, want 0..%d", got, tc.wantItems-1)
					}
					hits := srv.pageHits()
					for pg := range tc.wantLength {
						if hits[pg] != 1 {
							t.Errorf("page %d requested %d times, want 1 (hits %v)", pg, hits[pg], hits)
						}
					}
					// Prefetch may have asked for pages past the end while the last one was on
					// its way, but no further than it could see from there.
					limit := tc.wantLength - 1 + max(prefetch-1, 0)
					for pg, n := range hits {
						if n != 1 || pg > limit {
							t.Errorf("page %d requested %d times; want pages up to %d at most once (hits %v)", pg, n, limit, hits)
						}
					}
				})
			}
		}
	}
}

func pagerPick(cond bool, a, b int) int {
	if cond {
		return a
	}
	return b
}

// ---------------------------------------------------------------------------------------
// 5. ArrayPager
// ---------------------------------------------------------------------------------------

func TestArrayPager(t *testing.T) {
	t.Parallel()
	const path = "/studies/S1/intervals"
	cases := []struct {
		name     string
		bodies   []string // by attempt; the last repeats
		wantIDs  []int
		wantReqs int
		reason   string // a PaginationError is expected when set
	}{
		{name: "bare array", bodies: []string{pagerItemsJSON(0, 3)}, wantIDs: []int{0, 1, 2}, wantReqs: 1},
		{name: "empty array", bodies: []string{" [ ] "}, wantReqs: 1},
		{name: "null is empty", bodies: []string{"null"}, wantReqs: 1},
		{name: "envelope instead of an array", bodies: []string{pagerPage(pagerFullPath, 0, 10, 3, 0)}, wantReqs: 1, reason: "not a JSON array"},
		{name: "string instead of an array", bodies: []string{`"[]"`}, wantReqs: 1, reason: "not a JSON array"},
		{name: "item that cannot be decoded", bodies: []string{`[{"id":0},5]`}, wantReqs: 1, reason: "item 1"},
		{name: "truncated once", bodies: []string{`[{"id":0},{"id":1},{"id":2},{"id`, pagerItemsJSON(0, 4)}, wantIDs: []int{0, 1, 2, 3}, wantReqs: 2},
		{name: "trailing garbage once", bodies: []string{pagerItemsJSON(0, 2) + "]", pagerItemsJSON(0, 2)}, wantIDs: []int{0, 1}, wantReqs: 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var hits atomic.Int64
			var gotQuery atomic.Pointer[url.Values]
			c := newPagerTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := int(hits.Add(1))
				if r.URL.Path != APIPrefix+path {
					t.Errorf("path %q", r.URL.Path)
				}
				q := r.URL.Query()
				gotQuery.Store(&q)
				io.WriteString(w, tc.bodies[min(n, len(tc.bodies))-1])
			}))
			query := url.Values{"sort": {"intervalId,ASC", "name,DESC"}, "filter": {"x==1"}}
			snapshot := url.Values{"sort": {"intervalId,ASC", "name,DESC"}, "filter": {"x==1"}}
			ap := NewArrayPager[pagerItem](c, path, query)
			query.Set("filter", "changed") // copied: does not reach the pager

			items, err := ap.List(t.Context())
			if tc.reason != "" {
				if items != nil {
					t.Errorf("items %v returned with the error", items)
				}
				wantPaginationError(t, err, APIPrefix+path, 0, tc.reason)
			} else {
				if err != nil {
					t.Fatal(err)
				}
				if got := pagerIDs(items); !slices.Equal(got, tc.wantIDs) {
					t.Errorf("items %v, want %v", got, tc.wantIDs)
				}
			}
			if n := hits.Load(); n != int64(tc.wantReqs) {
				t.Errorf("%d requests, want %d", n, tc.wantReqs)
			}
			if q := *gotQuery.Load(); !reflect.DeepEqual(q, snapshot) {
				t.Errorf("query %v, want %v", q, snapshot)
			}
			query.Set("filter", "x==1")
			if !reflect.DeepEqual(query, snapshot) {
				t.Errorf("caller's query changed: %v", query)
			}
		})
	}
}

func TestArrayPagerAll(t *testing.T) {
	t.Parallel()
	t.Run("items, then break", func(t *testing.T) {
		t.Parallel()
		var hits atomic.Int64
		c := newPagerTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			io.WriteString(w, pagerItemsJSON(0, 5))
		}))
		ap := NewArrayPager[pagerItem](c, "/studies/S1/intervals", nil)
		d := pagerDrain(ap.All(t.Context()))
		if len(d.errs) != 0 || !slices.Equal(pagerIDs(d.vals), pagerRange(0, 5)) {
			t.Errorf("items %v, errors %v", pagerIDs(d.vals), d.errs)
		}
		var got []int
		for it, err := range ap.All(t.Context()) {
			if err != nil {
				t.Fatal(err)
			}
			if got = append(got, it.ID); len(got) == 2 {
				break
			}
		}
		if !slices.Equal(got, []int{0, 1}) || hits.Load() != 2 {
			t.Errorf("items %v after break, %d requests", got, hits.Load())
		}
	})
	t.Run("error once", func(t *testing.T) {
		t.Parallel()
		var hits atomic.Int64
		c := newPagerTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			io.WriteString(w, `{"data":[]}`)
		}))
		ap := NewArrayPager[pagerItem](c, "/studies/S1/intervals", nil)
		d := pagerDrain(ap.All(t.Context()))
		if len(d.errs) != 1 || d.afterErr != 0 || d.nonZeroErr || len(d.vals) != 0 {
			t.Fatalf("items %v, errors %v, %d after", d.vals, d.errs, d.afterErr)
		}
		wantPaginationError(t, d.errs[0], APIPrefix+"/studies/S1/intervals", 0, "not a JSON array")
		if hits.Load() != 1 {
			t.Errorf("%d requests, want 1", hits.Load())
		}
	})
	t.Run("always malformed", func(t *testing.T) {
		t.Parallel()
		var hits atomic.Int64
		c := newPagerTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			io.WriteString(w, `[{"id":0},`)
		}), WithMaxRetries(1))
		ap := NewArrayPager[pagerItem](c, "/studies/S1/intervals", nil)
		_, err := ap.List(t.Context())
		var re *RequestError
		if !errors.As(err, &re) || re.Attempts != 2 || hits.Load() != 2 {
			t.Errorf("error %v (%T), %d requests; want a RequestError after 2 attempts", err, err, hits.Load())
		}
	})
}

// ---------------------------------------------------------------------------------------
// 6. Concurrency
// ---------------------------------------------------------------------------------------

func TestPagerConcurrentIterationsShareOneClient(t *testing.T) {
	t.Parallel()
	const workers = 16
	itemsOf := func(study int) int { return 10 + 7*study }
	c := newPagerTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// /api/v1/edc/studies/S<i>/records
		parts := strings.Split(r.URL.Path, "/")
		if len(parts) != 7 || parts[6] != "records" {
			http.NotFound(w, r)
			return
		}
		study, err1 := strconv.Atoi(strings.TrimPrefix(parts[5], "S"))
		page, err2 := strconv.Atoi(r.URL.Query().Get("page"))
		size, err3 := strconv.Atoi(r.URL.Query().Get("size"))
		if err1 != nil || err2 != nil || err3 != nil || size < 1 || page > pagerRunaway {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		time.Sleep(rand.N(500 * time.Microsecond))
		io.WriteString(w, pagerPage(r.URL.Path, page, size, itemsOf(study), study*1000))
	}))
	shared := mustPager[pagerItem](t, c, "/studies/S99/records", nil, &ListOptions{PageSize: 7, Prefetch: 3})
	check := func(p *Pager[pagerItem], study int) {
		var got []int
		for it, err := range p.All(t.Context()) {
			if err != nil {
				t.Errorf("study %d: %v", study, err)
				return
			}
			got = append(got, it.ID)
		}
		want := pagerRange(study*1000, study*1000+itemsOf(study))
		if !slices.Equal(got, want) {
			t.Errorf("study %d: items %v, want %v", study, got, want)
		}
	}
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			p, err := NewPager[pagerItem](c, fmt.Sprintf("/studies/S%d/records", i), nil,
				&ListOptions{PageSize: 3 + i%5, Prefetch: (i % 3) * 2})
			if err != nil {
				t.Error(err)
				return
			}
			check(p, i)
			check(shared, 99) // one Pager, many concurrent iterations
			check(p, i)
		})
	}
	wg.Wait()
}

// TestPagerGate shares one gate of two slots between two prefetching pagers: the server never
// sees more than two requests at once, every page passes the gate exactly once and releases
// it, and an error from the gate ends the iteration with that error.
func TestPagerGate(t *testing.T) {
	t.Parallel()
	const n, size = 40, 2
	srv := &pagerServer{n: n, before: pagerLatency}
	c := newPagerTestClient(t, srv)
	slots := make(chan struct{}, 2)
	var entered, released atomic.Int64
	gate := func(ctx context.Context) (func(), error) {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		entered.Add(1)
		return func() { released.Add(1); <-slots }, nil
	}
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := mustPager[pagerItem](t, c, pagerPath, nil, &ListOptions{PageSize: size, Prefetch: 4, Gate: gate})
			d := pagerDrain(p.All(t.Context()))
			if len(d.errs) != 0 || !slices.Equal(pagerIDs(d.vals), pagerRange(0, n)) {
				t.Errorf("items %v, errors %v", pagerIDs(d.vals), d.errs)
			}
		}()
	}
	wg.Wait()
	if got := srv.maxInflight.Load(); got > 2 {
		t.Errorf("%d requests in flight at once through a gate of 2", got)
	}
	if e, r := entered.Load(), released.Load(); e != 2*n/size || r != e {
		t.Errorf("gate entered %d times and released %d times, want %d each", e, r, 2*n/size)
	}

	closed := errors.New("gate closed")
	p := mustPager[pagerItem](t, c, pagerPath, nil, &ListOptions{PageSize: size, Gate: func(context.Context) (func(), error) { return nil, closed }})
	d := pagerDrain(p.All(t.Context()))
	if len(d.errs) != 1 || !errors.Is(d.errs[0], closed) || len(d.vals) != 0 {
		t.Errorf("items %v, errors %v; want only the gate's error", pagerIDs(d.vals), d.errs)
	}
}

// ---------------------------------------------------------------------------------------
// In-place decoding and raw items
// ---------------------------------------------------------------------------------------

// rawItems are records written with the spacing and escapes a server may use, which Page.Raw
// must keep byte for byte.
var rawItems = []string{
	`{ "recordId" : 1, "formKey":"AE", "recordData" : { "A" : "caf\u00e9", "B": 2 } }`,
	`{"recordId":2,"recordData":null,"keywords":[ ]}`,
	"{\"recordId\":3,\"recordData\":{\"C\":\"line\\nbreak\"},\n\"extra\":[1, {\"x\":null}]}",
}

func TestPagerKeepRaw(t *testing.T) {
	t.Parallel()
	body := `{"metadata":{"status":"OK"},"pagination":{"currentPage":0,"size":5,"totalPages":1,"totalElements":3},` +
		`"data":[` + strings.Join(rawItems, " ,\n ") + `]}`
	srv := &pagerServer{body: func(int, int, int) string { return body }}
	c := newPagerTestClient(t, srv)
	for _, keep := range []bool{false, true} {
		p := mustPager[Record](t, c, pagerPath, nil, &ListOptions{PageSize: 5, KeepRaw: keep})
		page, err := p.Page(t.Context(), 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != len(rawItems) {
			t.Fatalf("KeepRaw %v: %d items, want %d", keep, len(page.Items), len(rawItems))
		}
		for i, s := range rawItems {
			var want Record
			if err := want.UnmarshalJSON([]byte(s)); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(page.Items[i], want) {
				t.Errorf("KeepRaw %v: item %d = %+v, want %+v", keep, i, page.Items[i], want)
			}
		}
		if !keep {
			if page.Raw != nil {
				t.Errorf("Raw without KeepRaw: %q", page.Raw)
			}
			continue
		}
		if len(page.Raw) != len(rawItems) {
			t.Fatalf("%d raw items, want %d", len(page.Raw), len(rawItems))
		}
		for i, s := range rawItems {
			if string(page.Raw[i]) != s {
				t.Errorf("Raw[%d] = %q, want %q", i, page.Raw[i], s)
			}
			if cap(page.Raw[i]) != len(page.Raw[i]) {
				t.Errorf("Raw[%d] has room to grow into the next item (cap %d, len %d)", i, cap(page.Raw[i]), len(page.Raw[i]))
			}
		}
	}
}

// selfDecoding embeds Record and decodes itself: the pager must use its UnmarshalJSON, not
// the in-place decoding of the embedded Record.
type selfDecoding struct {
	Record
	raw string
}

func (s *selfDecoding) UnmarshalJSON(data []byte) error {
	s.raw = string(data)
	return s.Record.UnmarshalJSON(data)
}

func TestPagerTypeEmbeddingAModelDecodesItself(t *testing.T) {
	t.Parallel()
	body := `{"data":[` + strings.Join(rawItems, ",") + `]}`
	c := newPagerTestClient(t, &pagerServer{body: func(int, int, int) string { return body }})
	page, err := mustPager[selfDecoding](t, c, pagerPath, nil, &ListOptions{PageSize: 5}).Page(t.Context(), 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range rawItems {
		if page.Items[i].raw != s || page.Items[i].RecordID != i+1 {
			t.Errorf("item %d: raw %q, record %d; its UnmarshalJSON was not used", i, page.Items[i].raw, page.Items[i].RecordID)
		}
	}
}

// Decoded in place, a record's data is a copy: changing the body afterwards (the pager reuses
// it for the next page) leaves it as it was.
func TestRecordDecodeAtCopies(t *testing.T) {
	t.Parallel()
	doc := []byte(`[{"recordId":1,"recordData":{"A":"1","B":"2"}}]`)
	var r Record
	if _, err := r.decodeAt(doc, 1); err != nil {
		t.Fatal(err)
	}
	copy(doc[bytes.Index(doc, []byte(`"1"`)):], `"9"`)
	a, _ := r.RecordData.Raw("A")
	b, _ := r.RecordData.Raw("B")
	if string(a) != `"1"` || string(b) != `"2"` {
		t.Errorf("A = %s, B = %s after the body changed, want \"1\", \"2\"", a, b)
	}
}

// A body that is malformed further on is a syntax error (which the client retries), even when
// an earlier item is of the wrong kind; the same item in a well-formed body is a
// PaginationError naming it.
func TestPagerMalformedBodyWinsOverABadItem(t *testing.T) {
	t.Parallel()
	decode := func(body string) error {
		d := &pageDecoder[Record]{page: &Page[Record]{}, size: 5, path: pagerFullPath}
		return d.UnmarshalJSON([]byte(body))
	}
	var se *wire.SyntaxError
	if err := decode(`{"data":[1, {"recordId":2}`); !errors.As(err, &se) {
		t.Errorf("truncated body with a bad item: %v (%T), want a *wire.SyntaxError", err, err)
	}
	if err := decode(`{"data":[{"recordId":1}, 2]} x`); !errors.As(err, &se) {
		t.Errorf("trailing data after a bad item: %v (%T), want a *wire.SyntaxError", err, err)
	}
	wantPaginationError(t, decode(`{"data":[{"recordId":1}, 2]}`), pagerFullPath, 0, "data[1]")
	wantPaginationError(t, decode(`{"data":{"recordId":1}}`), pagerFullPath, 0, "not a list")
}

// Without KeepRaw the client reads each page into a buffer it then reuses for later pages:
// every item, kept after the listing ends, must still hold what its page said (texts too long
// for the caches, unknown members, undecodable dates, keywords, record data), one page after
// another and with pages fetched ahead; bodies with and without a Content-Length.
func TestPagesReusingBodiesLeaveItemsIntact(t *testing.T) {
	t.Parallel()
	const pages, perPage = 6, 3
	var items [pages][perPage]string
	for p := range pages {
		for i := range perPage {
			id := p*perPage + i + 1
			tag := fmt.Sprintf("page %d record %d, a text long enough not to be cached", p, i)
			items[p][i] = fmt.Sprintf(`{"recordId":%d,"recordStatus":%q,"subjectKey":"S-%d","dateCreated":"not a date: %s",`+
				`"keywords":[{"keywordName":%q,"dateAdded":"2024-01-0%d"}],"unknown":{"tag":%q},`+
				`"recordData":{"TEXT":%q,"NUM":"%d.5","OBJ":{"k":[%d]}}}`, id, tag, id, tag, tag, 1+i, tag, tag, id, id)
		}
	}
	for _, withLength := range []bool{true, false} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, _ := strconv.Atoi(r.URL.Query().Get("page"))
			body := fmt.Sprintf(`{"metadata":{"status":"OK","error":{"p":%d}},"pagination":{"currentPage":%d,"size":%d,"totalPages":%d,"totalElements":%d},"data":[%s]}`,
				p, p, perPage, pages, pages*perPage, strings.Join(items[p][:], ","))
			if withLength {
				w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			} else {
				w.(http.Flusher).Flush() // a chunked body: no length declared
			}
			io.WriteString(w, body)
		}))
		t.Cleanup(srv.Close)
		c, err := New(WithBaseURL(srv.URL), WithAPIKey("k", "s"))
		if err != nil {
			t.Fatal(err)
		}
		for _, prefetch := range []int{0, 4} {
			var got []Record
			var metas []string
			pager, err := NewPager[Record](c, "/studies/S/records", nil, &ListOptions{PageSize: perPage, Prefetch: prefetch})
			if err != nil {
				t.Fatal(err)
			}
			for page, err := range pager.Pages(t.Context()) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, page.Items...)
				metas = append(metas, string(page.Metadata.Error))
			}
			if len(got) != pages*perPage {
				t.Fatalf("%d records, want %d", len(got), pages*perPage)
			}
			for k, r := range got {
				var want Record
				if err := want.UnmarshalJSON([]byte(items[k/perPage][k%perPage])); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(r, want) {
					t.Fatalf("length %v, prefetch %d: record %d after the listing\n got %+v\nwant %+v", withLength, prefetch, k, r, want)
				}
			}
			for p, m := range metas {
				if want := fmt.Sprintf(`{"p":%d}`, p); m != want {
					t.Fatalf("page %d's metadata.error = %s after the listing, want %s", p, m, want)
				}
			}
		}
	}
}

// readBody reads into the pooled buffer when it has room, and leaves in it the buffer it read
// into otherwise.
func TestReadBodyPooled(t *testing.T) {
	t.Parallel()
	body := strings.Repeat("x", 1000)
	big := make([]byte, 0, 4096)
	pooled := &big
	data, err := readBody(strings.NewReader(body), int64(len(body)), 1<<20, pooled)
	if err != nil || string(data) != body {
		t.Fatalf("read %d bytes, %v", len(data), err)
	}
	if &data[:1][0] != &big[:1][0] {
		t.Error("a pooled buffer with room was not used")
	}
	small := make([]byte, 0, 10)
	pooled = &small
	for _, declared := range []int64{int64(len(body)), -1} {
		data, err = readBody(strings.NewReader(body), declared, 1<<20, pooled)
		if err != nil || string(data) != body {
			t.Fatalf("declared %d: read %d bytes, %v", declared, len(data), err)
		}
		if cap(*pooled) < len(body) || &(*pooled)[:1][0] != &data[:1][0] {
			t.Errorf("declared %d: the pool is not left the buffer read into", declared)
		}
	}
	// Not pooled: as before, and the limit still holds.
	if data, err := readBody(strings.NewReader(body), -1, 10, nil); err != nil || len(data) != 11 {
		t.Errorf("over the limit: %d bytes, %v; want the limit plus one", len(data), err)
	}
}

// allGoroutines returns the stacks of every goroutine of the test binary.
func allGoroutines() string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return string(buf[:n])
		}
		buf = make([]byte, 2*len(buf))
	}
}

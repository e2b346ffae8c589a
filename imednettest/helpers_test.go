package imednettest

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imednet/imednet-go/internal/filterexpr"
)

const prefix = "/api/v1/edc"

// obj is a decoded JSON object; numbers are json.Number.
type obj = map[string]any

// call sends a request to the handler directly (no network) with the server's keys, unless
// hdr overrides them (a header with an empty value is removed).
func call(t testing.TB, s *Server, method, path string, q url.Values, body string, hdr map[string]string) (int, []byte, http.Header) {
	t.Helper()
	target := prefix + path
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	api, sec := s.Keys()
	req.Header.Set("x-api-key", api)
	req.Header.Set("x-imn-security-key", sec)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	return w.Code, w.Body.Bytes(), w.Header()
}

func decode(t testing.TB, b []byte) obj {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var o obj
	if err := dec.Decode(&o); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, b)
	}
	if dec.More() {
		t.Fatalf("trailing data after JSON:\n%s", b)
	}
	return o
}

// get fetches a list page and checks it is a 200.
func get(t testing.TB, s *Server, path string, q url.Values) obj {
	t.Helper()
	code, body, _ := call(t, s, "GET", path, q, "", nil)
	if code != http.StatusOK {
		t.Fatalf("GET %s?%s: %d %s", path, q.Encode(), code, body)
	}
	return decode(t, body)
}

// fetchAll pages through a list with size 500 and returns every item, checking the pagination
// on the way.
func fetchAll(t testing.TB, s *Server, path string, q url.Values) []obj {
	t.Helper()
	var all []obj
	for page := 0; ; page++ {
		qq := url.Values{}
		for k, v := range q {
			qq[k] = v
		}
		qq.Set("page", strconv.Itoa(page))
		qq.Set("size", "500")
		o := get(t, s, path, qq)
		p := o["pagination"].(obj)
		total, pages := num(p["totalElements"]), num(p["totalPages"])
		if want := int64(math.Ceil(float64(total) / 500)); pages != want {
			t.Fatalf("%s: totalPages %d for %d elements, want %d", path, pages, total, want)
		}
		for _, it := range o["data"].([]any) {
			all = append(all, it.(obj))
		}
		if int64(page) >= pages-1 {
			if int64(len(all)) != total {
				t.Fatalf("%s?%s: got %d items, totalElements %d", path, q.Encode(), len(all), total)
			}
			return all
		}
	}
}

func num(v any) int64 {
	n, err := v.(json.Number).Int64()
	if err != nil {
		panic(err)
	}
	return n
}

// printedValue returns a scalar JSON value as the API prints it, for brute-force filters.
func printedValue(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

// lookupIn is the brute-force attribute lookup on a decoded item: top-level scalars, and
// dotted fields of lists of objects.
func lookupIn(item obj) func(string) ([]string, bool) {
	return func(attr string) ([]string, bool) {
		head, rest, dotted := strings.Cut(attr, ".")
		v, ok := item[head]
		if !ok {
			return nil, false
		}
		if !dotted {
			s, ok := printedValue(v)
			if !ok {
				return nil, false
			}
			return []string{s}, true
		}
		var out []string
		for _, e := range v.([]any) {
			if s, ok := printedValue(e.(obj)[rest]); ok {
				out = append(out, s)
			}
		}
		return out, true
	}
}

// bruteFilter returns the items that filter f selects, evaluated with filterexpr on the
// decoded JSON.
func bruteFilter(t testing.TB, items []obj, f string, recordData bool) []obj {
	t.Helper()
	var e filterexpr.Expr
	var err error
	if recordData {
		e, err = filterexpr.ParseRecordData(f)
	} else {
		e, err = filterexpr.Parse(f)
	}
	if err != nil {
		t.Fatalf("parse %q: %v", f, err)
	}
	var out []obj
	for _, it := range items {
		src := it
		if recordData {
			src = it["recordData"].(obj)
		}
		if e.Eval(lookupIn(src)) {
			out = append(out, it)
		}
	}
	return out
}

// compareJSON orders two scalar JSON values as the server sorts them: null first, numbers
// numerically, booleans false first, strings byte-wise.
func compareJSON(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	switch x := a.(type) {
	case json.Number:
		xi, _ := x.Int64()
		yi, _ := b.(json.Number).Int64()
		switch {
		case xi < yi:
			return -1
		case xi > yi:
			return 1
		}
		return 0
	case bool:
		y := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case string:
		return strings.Compare(x, b.(string))
	}
	panic("not a scalar")
}

type sortSpec struct {
	prop string
	desc bool
}

// bruteSort sorts items by the keys, then by the id field ascending.
func bruteSort(items []obj, keys []sortSpec, id string) []obj {
	out := append([]obj(nil), items...)
	sort.SliceStable(out, func(i, j int) bool {
		for _, k := range keys {
			c := compareJSON(out[i][k.prop], out[j][k.prop])
			if k.desc {
				c = -c
			}
			if c != 0 {
				return c < 0
			}
		}
		return compareJSON(out[i][id], out[j][id]) < 0
	})
	return out
}

// ids returns the printed values of field id of items.
func ids(items []obj, id string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i], _ = printedValue(it[id])
	}
	return out
}

func equalStrings(a, b []string) bool {
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

// checkError checks a vendor-shaped error body and returns its error object.
func checkError(t testing.TB, code int, body []byte, wantCode int, wantStatus, wantErrCode string) obj {
	t.Helper()
	if code != wantCode {
		t.Fatalf("status %d, want %d: %s", code, wantCode, body)
	}
	o := decode(t, body)
	if len(o) != 1 || o["metadata"] == nil {
		t.Fatalf("error body must hold only metadata: %s", body)
	}
	md := o["metadata"].(obj)
	for _, k := range []string{"status", "path", "timestamp", "error"} {
		if _, ok := md[k]; !ok {
			t.Fatalf("error metadata lacks %s: %s", k, body)
		}
	}
	if md["status"] != wantStatus {
		t.Errorf("metadata.status %v, want %s", md["status"], wantStatus)
	}
	if !isAPITime(md["timestamp"]) {
		t.Errorf("metadata.timestamp %v", md["timestamp"])
	}
	e := md["error"].(obj)
	if e["code"] != wantErrCode {
		t.Errorf("error.code %v, want %s: %s", e["code"], wantErrCode, body)
	}
	if s, _ := e["description"].(string); s == "" {
		t.Errorf("error.description is empty: %s", body)
	}
	return e
}

func isAPITime(v any) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	_, err := time.Parse(time.DateTime, s)
	return err == nil && len(s) == 19
}

func isDate(v any) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	_, err := time.Parse(time.DateOnly, s)
	return err == nil && len(s) == 10
}

// manualClock is a clock a test moves by hand.
type manualClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *manualClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *manualClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// small is a small study for tests that scan everything.
var small = StudyConfig{Key: "DEMO", Sites: 3, Subjects: 12, RecordsPerSubject: 30, Users: 8}

func newSmall(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := New(append([]Option{WithStudy(small)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

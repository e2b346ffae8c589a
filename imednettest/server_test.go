package imednettest

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/internal/wire"
)

func TestAuth(t *testing.T) {
	s := newSmall(t, WithKeys("key-1", "secret-1"))
	for _, hdr := range []map[string]string{
		{"x-api-key": ""},
		{"x-imn-security-key": ""},
		{"x-api-key": "", "x-imn-security-key": ""},
		{"x-api-key": "key-2"},
		{"x-imn-security-key": "secret-2"},
		{"x-api-key": "secret-1", "x-imn-security-key": "key-1"},
	} {
		for _, rq := range []struct{ method, path string }{
			{"GET", "/studies"}, {"GET", "/studies/DEMO/records"}, {"POST", "/studies/DEMO/records"},
			{"GET", "/studies/NOPE/sites"}, {"GET", "/studies/DEMO/jobs/x"}, {"GET", "/nope"},
		} {
			code, body, _ := call(t, s, rq.method, rq.path, nil, `[{"formKey":"REG","siteId":101,"data":{}}]`, hdr)
			checkError(t, code, body, http.StatusUnauthorized, "UNAUTHORIZED", "9001")
		}
	}
	if st := s.Stats(); st.JobsCreated != 0 || st.RejectedSubmissions != 6 {
		t.Fatalf("stats %+v", st)
	}
	// Through the SDK.
	c, _ := s.Client(imednet.WithAPIKey("key-1", "wrong"))
	if _, err := c.Studies.List(t.Context(), nil); !errors.Is(err, imednet.ErrUnauthorized) {
		t.Fatalf("SDK: %v", err)
	}
}

func TestRoutingErrors(t *testing.T) {
	s := newSmall(t)
	for _, tc := range []struct {
		method, path string
		status       int
		name, code   string
	}{
		{"GET", "/studies/NOPE/records", 403, "FORBIDDEN", "9001"},
		{"POST", "/studies/NOPE/records", 403, "FORBIDDEN", "9001"},
		{"GET", "/studies/NOPE/jobs/abc", 403, "FORBIDDEN", "9001"},
		{"GET", "/studies/demo/sites", 403, "FORBIDDEN", "9001"},
		{"GET", "/studies/DEMO/jobs/abc", 404, "NOT_FOUND", "9000"},
		{"GET", "/studies/DEMO/nope", 404, "NOT_FOUND", "9000"},
		{"GET", "/studies/DEMO", 404, "NOT_FOUND", "9000"},
		{"GET", "/studies/DEMO/jobs", 404, "NOT_FOUND", "9000"},
		{"GET", "/studies/", 404, "NOT_FOUND", "9000"},
		{"GET", "/studies/DEMO/records/1", 404, "NOT_FOUND", "9000"},
		{"GET", "/nope", 404, "NOT_FOUND", "9000"},
		{"DELETE", "/studies", 405, "METHOD_NOT_ALLOWED", "9000"},
		{"POST", "/studies/DEMO/sites", 405, "METHOD_NOT_ALLOWED", "9000"},
		{"PUT", "/studies/DEMO/records", 405, "METHOD_NOT_ALLOWED", "9000"},
		{"POST", "/studies/DEMO/jobs/abc", 405, "METHOD_NOT_ALLOWED", "9000"},
	} {
		code, body, hdr := call(t, s, tc.method, tc.path, nil, "", nil)
		checkError(t, code, body, tc.status, tc.name, tc.code)
		if tc.status == 405 && hdr.Get("Allow") == "" {
			t.Errorf("%s %s: no Allow header", tc.method, tc.path)
		}
	}
	// Outside the API prefix.
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest("GET", "/other", nil))
	checkError(t, w.Code, w.Body.Bytes(), 404, "NOT_FOUND", "9000")
	// Through the SDK.
	c, _ := s.Client()
	if _, err := c.Sites.List(t.Context(), "NOPE", nil); !errors.Is(err, imednet.ErrForbidden) {
		t.Fatalf("unknown study: %v", err)
	}
	if _, err := c.Jobs.Get(t.Context(), "DEMO", "no-such-batch"); !errors.Is(err, imednet.ErrNotFound) {
		t.Fatalf("unknown batch: %v", err)
	}
	if st := s.Stats(); st.Requests["GET (unknown)"] < 5 || st.Requests["DELETE /studies"] != 1 {
		t.Fatalf("request counts %v", st.Requests)
	}
}

func TestEscapedStudyKey(t *testing.T) {
	s, err := New(WithStudy(StudyConfig{Key: "A B+C", Subjects: 2}))
	if err != nil {
		t.Fatal(err)
	}
	o := get(t, s, "/studies/"+url.PathEscape("A B+C")+"/sites", nil)
	if o["data"].([]any)[0].(obj)["studyKey"] != "A B+C" {
		t.Fatal("study key")
	}
	c, _ := s.Client()
	if _, err := c.Records.List(t.Context(), "A B+C", nil); err != nil {
		t.Fatal(err)
	}
}

func TestMutationAPI(t *testing.T) {
	s := newSmall(t)
	st := s.Study("DEMO")
	if s.Study("NOPE") != nil {
		t.Fatal("unknown study")
	}
	watermark := maxDateModified(t, s)
	vsIDs := st.RecordIDs("VS")
	upd, del := vsIDs[0], vsIDs[1]
	before, _ := st.Record(upd)
	if err := st.UpdateRecord(upd, map[string]string{"PULSE": "99", "VSPERF": "true"}); err != nil {
		t.Fatal(err)
	}
	after, _ := st.Record(upd)
	if after.Data["PULSE"] != "99" || after.Data["SYSBP"] != before.Data["SYSBP"] || after.Revisions != before.Revisions+1 ||
		!after.DateModified.After(before.DateModified) || !after.DateModified.Equal(DefaultStart.Add(time.Second)) {
		t.Fatalf("after update %+v (before %+v)", after, before)
	}
	added, err := st.AddRecord(NewRecord{FormKey: "CM", SubjectKey: "01-001", Data: map[string]string{"CMTRT": "Aspirin", "CMDOSE": "100"}})
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := st.Record(added); !ok || r.FormKey != "CM" || r.Data["CMTRT"] != "Aspirin" || r.SubjectKey != "01-001" || r.Revisions != 1 {
		t.Fatalf("added %+v", r)
	}
	if err := st.DeleteRecord(del); err != nil {
		t.Fatal(err)
	}
	if r, _ := st.Record(del); !r.Deleted {
		t.Fatal("not deleted")
	}
	// Errors.
	for _, err := range []error{
		st.UpdateRecord(1<<40, nil),
		st.UpdateRecord(upd, map[string]string{"PULSE": "fast"}),
		st.UpdateRecord(upd, map[string]string{"NOPE": "1"}),
		st.UpdateRecord(del, map[string]string{"PULSE": "1"}),
		st.DeleteRecord(del),
		st.DeleteRecord(-5),
		func() error { _, err := st.AddRecord(NewRecord{FormKey: "AE", SubjectKey: "77-777"}); return err }(),
		func() error { _, err := st.AddRecord(NewRecord{FormKey: "NOPE", SubjectKey: "01-001"}); return err }(),
	} {
		if err == nil {
			t.Fatal("no error")
		}
	}

	// An incremental sync after the watermark sees exactly the three changes.
	changed := fetchAll(t, s, "/studies/DEMO/records", url.Values{"filter": {"dateModified>" + watermark}})
	if got := ids2ints(ids(changed, "recordId")); !slices.Equal(got, []int{upd, del, added}) {
		t.Fatalf("changed since %s: %v, want %v", watermark, got, []int{upd, del, added})
	}
	revs := fetchAll(t, s, "/studies/DEMO/recordRevisions", url.Values{"filter": {"dateCreated>" + watermark}})
	if len(revs) != 3 || revs[1]["deleted"] != false || revs[2]["deleted"] != true || revs[2]["reasonForChange"] != "Record deleted" {
		t.Fatalf("revisions since %s: %v", watermark, revs)
	}
	// Revision ids stay in time order.
	all := fetchAll(t, s, "/studies/DEMO/recordRevisions", nil)
	for i := 1; i < len(all); i++ {
		if all[i]["dateCreated"].(string) < all[i-1]["dateCreated"].(string) {
			t.Fatalf("revision %v before %v", all[i]["recordRevisionId"], all[i-1]["recordRevisionId"])
		}
	}
	if st := s.Stats(); st.RecordsUpdated != 1 || st.RecordsCreated != 1 || st.RecordsDeleted != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func maxDateModified(t *testing.T, s *Server) string {
	o := get(t, s, "/studies/DEMO/records", url.Values{"sort": {"dateModified,desc"}, "size": {"1"}})
	return `"` + o["data"].([]any)[0].(obj)["dateModified"].(string) + `"`
}

func ids2ints(s []string) []int {
	out := make([]int, len(s))
	for i, x := range s {
		out[i], _ = strconv.Atoi(x)
	}
	return out
}

// TestConcurrentUse pages through records while records change and jobs run; run with -race.
func TestConcurrentUse(t *testing.T) {
	s := MustNewServer(t, WithStudy(small), WithJobDelay(time.Millisecond))
	st := s.Study("DEMO")
	c, err := s.Client()
	if err != nil {
		t.Fatal(err)
	}
	ids := st.RecordIDs("LAB")
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 4 {
		wg.Go(func() {
			for range 5 {
				n := 0
				opts := &imednet.RecordListOptions{ListOptions: imednet.ListOptions{PageSize: 50, Prefetch: 2,
					Filter: imednet.Eq("formKey", []string{"LAB", "VS", "AE", "CM"}[g])}}
				for _, err := range c.Records.All(t.Context(), "DEMO", opts) {
					if err != nil {
						errs <- err
						return
					}
					n++
				}
				if n == 0 {
					errs <- errors.New("no records")
				}
			}
		})
	}
	wg.Go(func() {
		for i, id := range ids[:20] {
			if err := st.UpdateRecord(id, map[string]string{"ALT": strconv.Itoa(10 + i)}); err != nil {
				errs <- err
			}
		}
	})
	wg.Go(func() {
		for range 10 {
			jobs, err := c.Records.Create(t.Context(), "DEMO", []imednet.RecordRequest{
				imednet.NewRecord("AE", "01-001", map[string]any{"AETERM": "Cough"})}, nil)
			if err != nil {
				errs <- err
				return
			}
			if _, err := c.Jobs.Wait(t.Context(), "DEMO", jobs[0].BatchID, &imednet.WaitOptions{Interval: time.Millisecond}); err != nil {
				errs <- err
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if stats := s.Stats(); stats.JobsCompleted != 10 || stats.RecordsCreated != 10 || stats.RecordsUpdated != 20 {
		t.Fatalf("stats %+v", stats)
	}
}

// requests is a fixed list of requests for the determinism test.
var detRequests = []struct{ method, path, query, body string }{
	{"GET", "/studies", "", ""},
	{"GET", "/studies/DEMO/sites", "", ""},
	{"GET", "/studies/DEMO/forms", "size=500", ""},
	{"GET", "/studies/DEMO/intervals", "", ""},
	{"GET", "/studies/DEMO/visits", "page=2&size=50", ""},
	{"GET", "/studies/DEMO/subjects", "size=500", ""},
	{"GET", "/studies/DEMO/users", "includeInactive=true", ""},
	{"GET", "/studies/DEMO/variables", "size=500", ""},
	{"GET", "/studies/DEMO/codings", "size=500&sort=dateCoded,desc", ""},
	{"GET", "/studies/DEMO/queries", "size=500", ""},
	{"GET", "/studies/DEMO/recordRevisions", "page=1&size=500", ""},
	{"GET", "/studies/DEMO/records", "size=500", ""},
	{"GET", "/studies/DEMO/records", "size=500&page=1&filter=formKey%3D%3DAE", ""},
	{"POST", "/studies/DEMO/records", "", `[{"formKey":"REG","siteName":"Chicago Hope Hospital","data":{"AGE":33}}]`},
	{"GET", "/studies/DEMO/jobs/BATCH", "", ""},
	{"GET", "/studies/DEMO/records", "filter=dateModified%3E2025-06-01T00%3A00%3A00Z", ""},
	{"GET", "/studies/DEMO/records", "page=XX", ""},
}

func runRequests(t *testing.T, s *Server) [][]byte {
	var out [][]byte
	batch := ""
	for _, rq := range detRequests {
		path := rq.path
		if batch != "" {
			path = strings.Replace(path, "BATCH", batch, 1)
		}
		target := prefix + path
		if rq.query != "" {
			target += "?" + rq.query
		}
		var req *http.Request
		if rq.body != "" {
			req = httptest.NewRequest(rq.method, target, bytes.NewBufferString(rq.body))
		} else {
			req = httptest.NewRequest(rq.method, target, nil)
		}
		req.Header.Set("x-api-key", DemoAPIKey)
		req.Header.Set("x-imn-security-key", DemoSecurityKey)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if rq.method == "POST" {
			var j struct{ BatchID string }
			json.Unmarshal(w.Body.Bytes(), &j)
			batch = j.BatchID
		}
		out = append(out, w.Body.Bytes())
	}
	return out
}

func TestDeterminism(t *testing.T) {
	mk := func(seed int64) *Server {
		s, err := New(WithSeed(seed), WithStudy(small), WithJobDelay(0))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b := runRequests(t, mk(7)), runRequests(t, mk(7))
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			t.Fatalf("request %d (%s %s) differs between two servers with the same seed", i, detRequests[i].method, detRequests[i].path)
		}
	}
	// The job was applied, and seen by the last requests.
	if !bytes.Contains(a[14], []byte(`"completed"`)) || bytes.Contains(a[15], []byte(`"data":[]`)) {
		t.Fatalf("job %s; records %s", a[14], a[15][:200])
	}
	c := runRequests(t, mk(8))
	if bytes.Equal(a[11], c[11]) || bytes.Equal(a[5], c[5]) {
		t.Fatal("a different seed gives the same records")
	}
	if !bytes.Equal(a[1][:150], c[1][:150]) {
		// The envelope is the same whatever the seed.
		t.Fatalf("envelopes differ:\n%s\n%s", a[1][:150], c[1][:150])
	}
}

func TestAppendString(t *testing.T) {
	cases := []string{"", "plain", `q"uote`, `back\slash`, "nl\n cr\r tab\t", "\x00\x01\x1f\x7f", "é ü 😀 — ", "<&>",
		"\u2028\u2029", "bad \xff utf8 \xe2\x82", "中文"}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		b := make([]byte, rng.IntN(20))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		enc := wire.AppendString(nil, s)
		if !json.Valid(enc) {
			t.Fatalf("%q: invalid JSON %s", s, enc)
		}
		var back string
		if err := json.Unmarshal(enc, &back); err != nil {
			t.Fatal(err)
		}
		want := string(bytes.ToValidUTF8([]byte(s), []byte("\uFFFD")))
		if !utf8.ValidString(s) {
			// Each invalid byte becomes one U+FFFD.
			want = ""
			for i := 0; i < len(s); {
				r, n := utf8.DecodeRuneInString(s[i:])
				want += string(r)
				i += n
			}
		}
		if back != want {
			t.Fatalf("%q: round trip gives %q", s, back)
		}
		if got := appendStringBytes(nil, []byte(s)); !bytes.Equal(got, enc) {
			t.Fatalf("appendStringBytes(%q) = %s, appendString %s", s, got, enc)
		}
	}
}

func TestTimeFormatting(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	times := []int64{0, -1, 86399, 86400, minUnix, maxUnix, 951782400 /* 2000-02-29 */, 4107542400 /* 2100-03-01 */}
	for range 5000 {
		times = append(times, minUnix+rng.Int64N(maxUnix-minUnix))
	}
	for _, u := range times {
		tm := time.Unix(u, 0).UTC()
		if got, want := apiTime(u), wire.FormatAPI(tm); got != want {
			t.Fatalf("%d: %s, want %s", u, got, want)
		}
		if got, want := dayString(floorDiv(u, 86400)), tm.Format(time.DateOnly); got != want {
			t.Fatalf("%d: day %s, want %s", u, got, want)
		}
		y, m, d := tm.Date()
		if daysFromCivil(int64(y), int(m), d) != floorDiv(u, 86400) {
			t.Fatalf("daysFromCivil(%v)", tm)
		}
		ns := u*1e9 + int64(rng.IntN(1e9))
		if u > -9e9 && u < 9e9 {
			tn := time.Unix(0, ns).UTC()
			want := "[" + strconv.Itoa(tn.Year()) + "," + strconv.Itoa(int(tn.Month())) + "," + strconv.Itoa(tn.Day()) + "," +
				strconv.Itoa(tn.Hour()) + "," + strconv.Itoa(tn.Minute()) + "," + strconv.Itoa(tn.Second()) + "," + strconv.Itoa(tn.Nanosecond()) + "]"
			if got := string(appendTime7(nil, ns)); got != want {
				t.Fatalf("time7 %d: %s, want %s", ns, got, want)
			}
		}
	}
	for _, tc := range []struct {
		v    int64
		dec  int
		want string
	}{{355, 1, "35.5"}, {7, 2, "0.07"}, {-15, 1, "-1.5"}, {120, 0, "120"}, {1000, 3, "1.000"}} {
		if got := string(appendFixed(nil, tc.v, tc.dec)); got != tc.want {
			t.Errorf("appendFixed(%d,%d) = %s", tc.v, tc.dec, got)
		}
	}
}

func TestRadixSortIsStable(t *testing.T) {
	type pair struct{ k, seq int64 }
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{0, 1, 2, 100, 5000} {
		s := make([]pair, n)
		for i := range s {
			s[i] = pair{k: rng.Int64N(1<<40) - 1<<39, seq: int64(i)}
			if i%3 == 0 && i > 0 {
				s[i].k = s[i-1].k // ties
			}
		}
		want := slices.Clone(s)
		slices.SortStableFunc(want, func(a, b pair) int {
			switch {
			case a.k < b.k:
				return -1
			case a.k > b.k:
				return 1
			}
			return 0
		})
		radixSort(s, func(p *pair) int64 { return p.k })
		if !slices.Equal(s, want) {
			t.Fatalf("n=%d: radix sort differs from a stable sort", n)
		}
	}
}

func TestInProcessPostWithoutBody(t *testing.T) {
	s := newSmall(t)
	c, _ := s.Client()
	_, err := c.Do(t.Context(), &imednet.Request{Method: "POST", Path: "/studies/DEMO/records"}, nil)
	var apiErr *imednet.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Field == nil || apiErr.Field.Attribute != "body" {
		t.Fatalf("POST without body: %v", err)
	}
}

// RecordJSON gives each record exactly as a listing sends it, after changes too.
func TestRecordJSONIsTheListedBytes(t *testing.T) {
	s := newSmall(t)
	st := s.Study(small.Key)
	ids := st.RecordIDs("")
	if err := st.UpdateRecord(ids[0], map[string]string{}); err != nil {
		t.Fatal(err)
	}
	listed := map[int]json.RawMessage{}
	for page := 0; ; page++ {
		code, body, _ := call(t, s, "GET", "/studies/"+small.Key+"/records", url.Values{"size": {"500"}, "page": {strconv.Itoa(page)}}, "", nil)
		if code != 200 {
			t.Fatalf("page %d: HTTP %d", page, code)
		}
		var env struct {
			Data       []json.RawMessage
			Pagination struct{ TotalPages int }
		}
		if err := json.Unmarshal(body, &env); err != nil {
			t.Fatal(err)
		}
		for _, raw := range env.Data {
			var r struct{ RecordID int }
			if err := json.Unmarshal(raw, &r); err != nil {
				t.Fatal(err)
			}
			listed[r.RecordID] = raw
		}
		if page+1 >= env.Pagination.TotalPages {
			break
		}
	}
	if len(listed) != len(ids) {
		t.Fatalf("%d records listed, the study has %d", len(listed), len(ids))
	}
	for _, id := range ids {
		got, ok := st.RecordJSON(id)
		if !ok || !bytes.Equal(got, listed[id]) {
			t.Fatalf("RecordJSON(%d) = %s, %v; listed as %s", id, got, ok, listed[id])
		}
	}
	if _, ok := st.RecordJSON(-1); ok {
		t.Error("RecordJSON of an unknown id succeeded")
	}
}

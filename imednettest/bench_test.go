package imednettest

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"
)

// bigStudy is the benchmark study: 10,000 subjects with 100 records each, 1,000,000 subject
// records (plus 20 site records).
var bigStudy = StudyConfig{Key: "BIG", Sites: 20, Subjects: 10_000, RecordsPerSubject: 100}

func BenchmarkGenerate1M(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		s, err := New(WithStudy(bigStudy))
		if err != nil {
			b.Fatal(err)
		}
		if n := len(s.Study("BIG").records); n < 1_000_000 {
			b.Fatalf("%d records", n)
		}
	}
}

// BenchmarkServeRecordsPage500 serves page after page of 500 records of one form changed
// since a date: the export's access pattern (formKey==X;dateModified>T, default sort).
func BenchmarkServeRecordsPage500(b *testing.B) {
	s, err := New(WithStudy(bigStudy))
	if err != nil {
		b.Fatal(err)
	}
	st := s.Study("BIG")
	n := 0
	for i := range st.records {
		r := &st.records[i]
		if st.forms[r.form].key() == "VS" && r.modified > time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC).Unix() {
			n++
		}
	}
	pages := n / 500
	b.ReportAllocs()
	b.ResetTimer()
	page := 0
	var bytes int64
	for b.Loop() {
		req := httptest.NewRequest("GET", "/api/v1/edc/studies/BIG/records?size=500&page="+itoa(page)+
			"&filter=formKey%3D%3DVS%3BdateModified%3E2023-06-01T00%3A00%3A00Z", nil)
		req.Header.Set("x-api-key", DemoAPIKey)
		req.Header.Set("x-imn-security-key", DemoSecurityKey)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code, w.Body.String())
		}
		bytes += int64(w.Body.Len())
		page = (page + 1) % pages
	}
	b.SetBytes(bytes / int64(b.N))
}

// TestGenerate1M generates the million-record study and reports time and memory. It is skipped
// with -short.
func TestGenerate1M(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short")
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	s, err := New(WithStudy(bigStudy))
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&after)
	c := s.Study("BIG").Counts()
	if c.Records < 1_000_000 {
		t.Fatalf("%d records", c.Records)
	}
	t.Logf("generated %+v in %s; live heap %d MB (total allocated %d MB)", c, took,
		(after.HeapAlloc-before.HeapAlloc)>>20, (after.TotalAlloc-before.TotalAlloc)>>20)
	runtime.KeepAlive(s)
}

package report_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/export/sqlite"
	"github.com/imednet/imednet-go/imednettest"
	"github.com/imednet/imednet-go/report"
)

// BenchmarkReport builds the whole report over a SQLite export of 100,000 records
// (IMEDNET_BENCH_RECORDS sets another size, such as 1000000). Besides the time, it reports
// the largest Go heap seen while building (peak-heap-MB): the records stay in the database.
//
//	go test -run '^$' -bench Report -benchtime 3x ./report
func BenchmarkReport(b *testing.B) {
	n := 100_000
	if s := os.Getenv("IMEDNET_BENCH_RECORDS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	const perSubject = 25
	srv, err := imednettest.New(imednettest.WithStudy(imednettest.StudyConfig{Key: "BENCH", Sites: 40, Subjects: n / perSubject, RecordsPerSubject: perSubject}))
	if err != nil {
		b.Fatal(err)
	}
	client, err := srv.Client()
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "bench.db")
	sink, err := sqlite.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	sum, err := export.Run(context.Background(), client, "BENCH", sink, export.Options{})
	if err != nil {
		b.Fatal(err)
	}
	sink.Close()
	src, err := report.OpenSQLite(path)
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	runtime.GC()
	var peak uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // sample the heap while the report is built
		defer close(done)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	b.ResetTimer()
	for b.Loop() {
		for _, s := range report.AllSections {
			start := time.Now()
			if _, err := src.Build(context.Background(), report.Options{}, s); err != nil {
				b.Fatal(err)
			}
			if testing.Verbose() {
				b.Logf("%s: %s", s, time.Since(start))
			}
		}
	}
	b.StopTimer()
	close(stop)
	<-done
	b.ReportMetric(float64(sum.Records), "records")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}

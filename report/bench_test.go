package report_test

import (
	"context"
	"errors"
	"io/fs"
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

// BenchmarkReport builds the whole report, as imednet report does, over a SQLite export of
// 100,000 records (IMEDNET_BENCH_RECORDS sets another size, such as 1000000). Besides the
// time, it reports the largest Go heap seen while building (peak-heap-MB): the records stay
// in the database. The process's peak resident size is best read from the CLI under
// /usr/bin/time -v (see the README's performance section).
//
// IMEDNET_BENCH_EXPORT names a SQLite file to reuse: when it exists the benchmark reads it as
// it is (whatever its size); when it does not, the benchmark exports the generated study into
// it and leaves it there for the next run. Without it, the export goes to a temporary folder.
//
//	go test -run '^$' -bench Report -benchtime 3x ./report
//	IMEDNET_BENCH_RECORDS=1000000 IMEDNET_BENCH_EXPORT=/tmp/report-1m.db go test -run '^$' -bench Report -benchtime 1x -v ./report
func BenchmarkReport(b *testing.B) {
	path := os.Getenv("IMEDNET_BENCH_EXPORT")
	if path == "" {
		path = filepath.Join(b.TempDir(), "bench.db")
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		n := 100_000
		if s := os.Getenv("IMEDNET_BENCH_RECORDS"); s != "" {
			var err error
			if n, err = strconv.Atoi(s); err != nil || n < 25 {
				b.Fatalf("IMEDNET_BENCH_RECORDS=%s: want a number of records, 25 or more", s)
			}
		}
		benchExport(b, path, n)
	} else if err != nil {
		b.Fatal(err)
	}
	src, err := report.OpenSQLite(path)
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	ctx := context.Background()
	if testing.Verbose() { // each section alone, once, for a profile of the report's parts
		for _, s := range report.AllSections {
			start := time.Now()
			if _, err := src.Build(ctx, report.Options{}, s); err != nil {
				b.Fatal(err)
			}
			b.Logf("%s alone: %s", s, time.Since(start).Round(time.Millisecond))
		}
	}
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
	var records int64
	b.ResetTimer()
	for b.Loop() {
		rep, err := src.Build(ctx, report.Options{})
		if err != nil {
			b.Fatal(err)
		}
		records = rep.Completeness.Records + rep.Completeness.Deleted
	}
	b.StopTimer()
	close(stop)
	<-done
	b.ReportMetric(float64(records), "records")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}

// benchExport exports a generated study of n records (25 per subject, 40 sites) into a new
// SQLite file at path.
func benchExport(b *testing.B, path string, n int) {
	b.Helper()
	const perSubject = 25
	srv, err := imednettest.New(imednettest.WithStudy(imednettest.StudyConfig{Key: "BENCH", Sites: 40, Subjects: n / perSubject, RecordsPerSubject: perSubject}))
	if err != nil {
		b.Fatal(err)
	}
	client, err := srv.Client()
	if err != nil {
		b.Fatal(err)
	}
	sink, err := sqlite.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := export.Run(context.Background(), client, "BENCH", sink, export.Options{}); err != nil {
		sink.Close()
		os.Remove(path)
		b.Fatal(err)
	}
	if err := sink.Close(); err != nil {
		b.Fatal(err)
	}
}

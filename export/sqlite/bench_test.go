package sqlite_test

import (
	"context"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/export/exporttest"
	"github.com/imednet/imednet-go/export/sqlite"
	"github.com/imednet/imednet-go/imednettest"
)

// BenchmarkExport exports a generated study from the in-process test server into a new SQLite
// file and reports records/s and the peak of the live heap (as measured by each garbage
// collection, sampled every 2 ms) during the run above the live heap before it (the test
// server's data). The sizes are about 20,000 records (200 subjects × 100
// records, and 4 site records) and 100,000; the reference tables (revisions, visits, ...)
// are part of the work. A flat peak-heap-MB from 20k to 100k shows that memory does not grow
// with the study.
func BenchmarkExport(b *testing.B) {
	for _, bc := range []struct {
		name     string
		layout   export.Layout
		subjects int
	}{
		{"wide-20k", export.Wide, 200},
		{"both-20k", export.Both, 200},
		{"wide-100k", export.Wide, 1000},
	} {
		b.Run(bc.name, func(b *testing.B) {
			srv, err := imednettest.New(imednettest.WithStudy(imednettest.StudyConfig{
				Key: study, Sites: 4, Subjects: bc.subjects, RecordsPerSubject: 100,
			}))
			if err != nil {
				b.Fatal(err)
			}
			c, err := srv.Client()
			if err != nil {
				b.Fatal(err)
			}
			dir := b.TempDir()
			b.ReportAllocs()
			b.ResetTimer()
			var records int64
			var peak uint64
			for i := 0; i < b.N; i++ {
				sink, err := sqlite.Open(filepath.Join(dir, "bench"+itoa(i)+".db"))
				if err != nil {
					b.Fatal(err)
				}
				runtime.GC()
				base := heapBytes()
				var runPeak uint64
				stop := sampleHeap(&runPeak)
				sum, err := export.Run(context.Background(), c, study, sink, export.Options{Layout: bc.layout})
				stop()
				if runPeak > base && runPeak-base > peak {
					peak = runPeak - base
				}
				if err != nil {
					b.Fatal(err)
				}
				if err := sink.Close(); err != nil {
					b.Fatal(err)
				}
				records += sum.Records
			}
			b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-live-MB")
		})
	}
}

// heapBytes is the live heap as of the last garbage collection.
func heapBytes() uint64 {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	return sample[0].Value.Uint64()
}

// sampleHeap records the highest live heap seen into peak until stop is called.
func sampleHeap(peak *uint64) (stop func()) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > *peak {
				*peak = v
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); <-finished }
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var buf [20]byte
	i := len(buf)
	for n > 0 {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	return string(buf[i:])
}

// BenchmarkLatencyScaling exports a study of about 2,000 records from a test server that
// delays every request by 100 ms, with concurrency 1 and 8, and reports how many times sooner
// concurrency 8 finishes (the speedup metric).
func BenchmarkLatencyScaling(b *testing.B) {
	elapsed := func(conc int) time.Duration {
		srv, err := imednettest.New(imednettest.WithStudy(imednettest.StudyConfig{Key: study, Sites: 4, Subjects: 40, RecordsPerSubject: 50}),
			imednettest.WithLatency(100*time.Millisecond, 100*time.Millisecond))
		if err != nil {
			b.Fatal(err)
		}
		c, err := srv.Client()
		if err != nil {
			b.Fatal(err)
		}
		sink, err := sqlite.Open(filepath.Join(b.TempDir(), "lat.db"))
		if err != nil {
			b.Fatal(err)
		}
		defer sink.Close()
		start := time.Now()
		if _, err := export.Run(context.Background(), c, study, sink, export.Options{Concurrency: conc, PageSize: 100}); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	var one, eight time.Duration
	for i := 0; i < b.N; i++ {
		one += elapsed(1)
		eight += elapsed(8)
	}
	b.ReportMetric(one.Seconds()/float64(b.N), "s-concurrency-1")
	b.ReportMetric(eight.Seconds()/float64(b.N), "s-concurrency-8")
	b.ReportMetric(one.Seconds()/eight.Seconds(), "speedup")
}

// BenchmarkSinkOnly measures the SQLite sink alone: it replays the rows of a full export of
// about 50,000 records (wide tables, raw JSON, reference tables), recorded beforehand, into a
// new database file, and reports records/s. Compared with BenchmarkExport it shows how much of
// an export's time the database's single writer takes.
func BenchmarkSinkOnly(b *testing.B) {
	srv, err := imednettest.New(imednettest.WithStudy(imednettest.StudyConfig{Key: study, Subjects: 1667}))
	if err != nil {
		b.Fatal(err)
	}
	c, err := srv.Client()
	if err != nil {
		b.Fatal(err)
	}
	rec := &exporttest.Recorder{}
	sum, err := export.Run(context.Background(), c, study, rec, export.Options{})
	if err != nil {
		b.Fatal(err)
	}
	writes := rec.Writes()
	dir := b.TempDir()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		sink, err := sqlite.Open(filepath.Join(dir, "replay"+itoa(i)+".db"))
		if err != nil {
			b.Fatal(err)
		}
		i++
		if err := sink.Prepare(context.Background(), rec.Tables()); err != nil {
			b.Fatal(err)
		}
		for _, w := range writes {
			if err := sink.Write(context.Background(), w.Table, w.Rows); err != nil {
				b.Fatal(err)
			}
		}
		if err := sink.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(sum.Records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

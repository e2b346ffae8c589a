package postgres

import (
	"context"
	"fmt"
	"testing"

	"github.com/imednet/imednet-go/export"
)

// BenchmarkWrite writes 50,000 rows of 60 columns (text, numbers, dates, timestamps, JSON) in
// batches of 1,000, as new rows and then as upserts of the same keys, and reports rows/s.
//
//	go test -run '^$' -bench Write -benchtime 3x ./export/postgres
func BenchmarkWrite(b *testing.B) {
	const total, batch = 50_000, 1_000
	tab := wideTable("records_BENCH", 59)
	rows := make([]export.Row, total)
	for i := range rows {
		rows[i] = wideRow(tab, int64(i), 0)
	}
	for _, p := range paths {
		for _, mode := range []string{"insert", "upsert"} {
			b.Run(p.name+"/"+mode, func(b *testing.B) {
				s := newSink(b, uniqueStudy("BENCH"), p.opt)
				prepare(b, s, tab)
				next := int64(0)
				for b.Loop() {
					if mode == "insert" { // fresh keys every time
						for i := range rows {
							rows[i][0] = next
							next++
						}
					}
					for start := 0; start < total; start += batch {
						write(b, s, tab.Name, rows[start:start+batch])
					}
				}
				b.ReportMetric(float64(total)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			})
		}
	}
}

// BenchmarkBatchSize compares the two write paths on small batches, to place
// DefaultCopyThreshold where COPY starts to win.
func BenchmarkBatchSize(b *testing.B) {
	tab := wideTable("records_BATCH", 59)
	for _, n := range []int{1, 10, 30, 64, 100, 300} {
		rows := make([]export.Row, n)
		for i := range rows {
			rows[i] = wideRow(tab, int64(i), 0)
		}
		for _, p := range paths {
			b.Run(fmt.Sprintf("%s/rows=%d", p.name, n), func(b *testing.B) {
				s := newSink(b, uniqueStudy("BATCH"), p.opt)
				prepare(b, s, tab)
				for b.Loop() {
					if err := s.Write(context.Background(), tab.Name, rows); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			})
		}
	}
}

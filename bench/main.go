// Command bench measures, in one run and against one server, how fast the SDK and the export
// engine read a study compared with the fastest possible reader: plain net/http fetching the
// same pages and discarding the bodies.
//
// It starts the package imednettest's fake server on a loopback port with a generated study
// of about -records records (and optional latency per request), then runs each stage in turn:
//
//	raw        net/http, pages fetched one after another, bodies discarded (the baseline)
//	raw-par    net/http, -concurrency pages at once, bodies discarded
//	list       the SDK's typed record iterator, one page after another
//	prefetch   the same iterator fetching -concurrency pages ahead
//	sqlite     export to a SQLite file (wide layout, raw JSON, reference tables)
//	sqlite-long  the same in the long layout (one row per value)
//	parquet    export to a Parquet directory
//	postgres   export to PostgreSQL, when -postgres gives a connection string
//
// and prints a markdown table: records per second, the ratio to the raw baseline, and the
// peak growth of the live heap during the stage. The server runs in the same process: its study stays in
// memory throughout and is part of the heap at each stage's start, which the peak growth
// leaves out; the serving work counts in every stage alike.
//
//	go run ./bench -records 200000
//	go run ./bench -records 1000000 -latency 20ms -postgres postgres://localhost/bench
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/export/parquet"
	"github.com/imednet/imednet-go/export/postgres"
	"github.com/imednet/imednet-go/export/sqlite"
	"github.com/imednet/imednet-go/imednettest"
)

const studyKey = "BENCH"

type config struct {
	records     int
	latency     time.Duration
	pageSize    int
	concurrency int
	postgres    string
	stages      string
	dir         string
	cpuProfile  string
}

func main() {
	var cfg config
	flag.IntVar(&cfg.records, "records", 100_000, "records in the generated study (rounded up to whole subjects of 30 records)")
	flag.DurationVar(&cfg.latency, "latency", 0, "latency the server adds to every request")
	flag.IntVar(&cfg.pageSize, "page-size", imednet.MaxPageSize, "records per page")
	flag.IntVar(&cfg.concurrency, "concurrency", export.DefaultConcurrency, "pages in flight at once for raw-par, prefetch and the exports")
	flag.StringVar(&cfg.postgres, "postgres", os.Getenv("IMEDNET_BENCH_POSTGRES"), "PostgreSQL connection string for the postgres stage (default $IMEDNET_BENCH_POSTGRES; empty skips the stage)")
	flag.StringVar(&cfg.stages, "stages", "raw,raw-par,list,prefetch,sqlite,sqlite-long,parquet,postgres", "comma-separated stages to run, in this order")
	flag.StringVar(&cfg.cpuProfile, "cpuprofile", "", "write a CPU profile of the stages to this file (go tool pprof reads it)")
	flag.StringVar(&cfg.dir, "dir", "", "directory for the export targets (default a temporary directory, removed at the end)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: go run ./bench [flags]\n\n"+
			"Measures the raw page-fetch baseline, the SDK's listing and the exports against one\n"+
			"in-process fake server, and prints a markdown table.\n\nFlags:\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if err := run(cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// result is one stage's measurement.
type result struct {
	stage   string
	records int64
	elapsed time.Duration
	peak    uint64 // heap growth above the stage's start, bytes
	note    string
}

func run(cfg config, out io.Writer) error {
	if cfg.records < 1 || cfg.pageSize < 1 || cfg.pageSize > imednet.MaxPageSize || cfg.concurrency < 1 {
		return fmt.Errorf("-records, -concurrency and -page-size (at most %d) must be positive", imednet.MaxPageSize)
	}
	stages := strings.Split(cfg.stages, ",")
	known := map[string]bool{"raw": true, "raw-par": true, "list": true, "prefetch": true, "sqlite": true, "sqlite-long": true, "parquet": true, "postgres": true}
	for _, s := range stages {
		if !known[s] {
			return fmt.Errorf("-stages: unknown stage %q (known: raw, raw-par, list, prefetch, sqlite, sqlite-long, parquet, postgres)", s)
		}
	}
	dir := cfg.dir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "imednet-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}

	start := time.Now()
	subjects := (cfg.records + 29) / 30
	opts := []imednettest.Option{imednettest.WithStudy(imednettest.StudyConfig{Key: studyKey, Subjects: subjects})}
	if cfg.latency > 0 {
		opts = append(opts, imednettest.WithLatency(cfg.latency, cfg.latency))
	}
	srv, err := imednettest.NewServer(opts...)
	if err != nil {
		return err
	}
	defer srv.Close()
	total := srv.Study(studyKey).Counts().Records
	fmt.Fprintf(os.Stderr, "bench: server with %d records ready in %v\n", total, time.Since(start).Round(time.Millisecond))

	if cfg.cpuProfile != "" {
		f, err := os.Create(cfg.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	client, err := srv.Client(imednet.WithTimeout(5 * time.Minute))
	if err != nil {
		return err
	}
	ctx := context.Background()
	var results []result
	for _, stage := range stages {
		var r result
		var err error
		switch stage {
		case "raw":
			r, err = measure(stage, func() (int64, error) { return rawFetch(ctx, srv, cfg.pageSize, 1) })
		case "raw-par":
			r, err = measure(stage, func() (int64, error) { return rawFetch(ctx, srv, cfg.pageSize, cfg.concurrency) })
		case "list":
			r, err = measure(stage, func() (int64, error) { return list(ctx, client, cfg.pageSize, 0) })
		case "prefetch":
			r, err = measure(stage, func() (int64, error) { return list(ctx, client, cfg.pageSize, cfg.concurrency) })
		case "sqlite", "sqlite-long":
			layout := export.Wide
			if stage == "sqlite-long" {
				layout = export.Long
			}
			path := filepath.Join(dir, stage+".db")
			r, err = measure(stage, func() (int64, error) {
				sink, err := sqlite.Open(path)
				if err != nil {
					return 0, err
				}
				return exportTo(ctx, client, sink, cfg, layout)
			})
		case "parquet":
			path := filepath.Join(dir, "parquet")
			r, err = measure(stage, func() (int64, error) {
				sink, err := parquet.Open(path)
				if err != nil {
					return 0, err
				}
				return exportTo(ctx, client, sink, cfg, export.Wide)
			})
		case "postgres":
			if cfg.postgres == "" {
				r = result{stage: stage, note: "skipped: no -postgres"}
				break
			}
			r, err = measure(stage, func() (int64, error) {
				sink, err := postgres.Open(ctx, cfg.postgres, studyKey)
				if err != nil {
					return 0, err
				}
				return exportTo(ctx, client, sink, cfg, export.Wide)
			})
		}
		if err != nil {
			return fmt.Errorf("stage %s: %w", stage, err)
		}
		fmt.Fprintf(os.Stderr, "bench: %-8s %v\n", stage, r.elapsed.Round(time.Millisecond))
		results = append(results, r)
	}
	report(out, cfg, total, results)
	return nil
}

// measure runs f, timing it and sampling the heap until it returns.
func measure(stage string, f func() (int64, error)) (result, error) {
	runtime.GC()
	base := heapBytes()
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			if h := heapBytes(); h > peak.Load() {
				peak.Store(h)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	start := time.Now()
	n, err := f()
	elapsed := time.Since(start)
	close(done)
	wg.Wait()
	r := result{stage: stage, records: n, elapsed: elapsed}
	if p := peak.Load(); p > base {
		r.peak = p - base
	}
	return r, err
}

var heapSample = []metrics.Sample{{Name: "/gc/heap/live:bytes"}}

// heapBytes returns the live heap as the last garbage collection marked it. Garbage is left
// out on purpose: how much of it piles up between collections scales with the whole live
// heap, which here includes the server's study, and so says little about the client.
func heapBytes() uint64 {
	metrics.Read(heapSample)
	return heapSample[0].Value.Uint64()
}

// rawFetch reads every page of the study's records with plain net/http, workers at a time,
// and discards the bodies; it returns the total the first page announced.
func rawFetch(ctx context.Context, srv *imednettest.Server, size, workers int) (int64, error) {
	apiKey, secKey := srv.Keys()
	get := func(page int, v any) error {
		u := fmt.Sprintf("%s/api/v1/edc/studies/%s/records?page=%d&size=%d", srv.URL(), studyKey, page, size)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		req.Header.Set("x-api-key", apiKey)
		req.Header.Set("x-imn-security-key", secKey)
		req.Header.Set("Accept", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("page %d: %s", page, resp.Status)
		}
		if v != nil {
			return json.NewDecoder(resp.Body).Decode(v)
		}
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	var first struct {
		Pagination struct {
			TotalPages    int   `json:"totalPages"`
			TotalElements int64 `json:"totalElements"`
		} `json:"pagination"`
	}
	if err := get(0, &first); err != nil {
		return 0, err
	}
	next := atomic.Int64{}
	next.Store(1)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				p := int(next.Add(1) - 1)
				if p >= first.Pagination.TotalPages {
					return
				}
				if err := get(p, nil); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return first.Pagination.TotalElements, <-errs
}

// list reads every record through the SDK's typed iterator.
func list(ctx context.Context, c *imednet.Client, size, prefetch int) (int64, error) {
	var n int64
	opts := &imednet.RecordListOptions{ListOptions: imednet.ListOptions{PageSize: size, Prefetch: prefetch}}
	for r, err := range c.Records.All(ctx, studyKey, opts) {
		if err != nil {
			return n, err
		}
		if r.RecordID == 0 {
			return n, fmt.Errorf("record %d has no id", n)
		}
		n++
	}
	return n, nil
}

// exportTo runs a full export into sink in the given layout and closes it.
func exportTo(ctx context.Context, c *imednet.Client, sink export.Sink, cfg config, layout export.Layout) (int64, error) {
	sum, err := export.Run(ctx, c, studyKey, sink, export.Options{
		Concurrency: cfg.concurrency, PageSize: cfg.pageSize, Full: true, Layout: layout,
	})
	if cerr := sink.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}
	return sum.Records, nil
}

// report prints the results as a markdown table.
func report(w io.Writer, cfg config, total int, results []result) {
	fmt.Fprintf(w, "Measured %s on %s/%s, %d CPUs, %s; %d records, page size %d, concurrency %d, latency %v.\n\n",
		time.Now().UTC().Format("2006-01-02"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(),
		total, cfg.pageSize, cfg.concurrency, cfg.latency)
	fmt.Fprintln(w, "| stage | records | time | records/s | vs raw | peak live heap growth |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|")
	var baseline float64
	for _, r := range results {
		if r.stage == "raw" && r.elapsed > 0 {
			baseline = float64(r.records) / r.elapsed.Seconds()
		}
	}
	for _, r := range results {
		if r.note != "" {
			fmt.Fprintf(w, "| %s | | | | | %s |\n", r.stage, r.note)
			continue
		}
		rate := float64(r.records) / r.elapsed.Seconds()
		ratio := "n/a"
		if baseline > 0 {
			ratio = fmt.Sprintf("%.2f×", rate/baseline)
		}
		fmt.Fprintf(w, "| %s | %d | %v | %.0f | %s | %.1f MB |\n",
			r.stage, r.records, r.elapsed.Round(time.Millisecond), rate, ratio, float64(r.peak)/(1<<20))
	}
	if mb, ok := peakRSSMB(); ok {
		fmt.Fprintf(w, "\nPeak resident memory of the whole process (the server and its study included): %.0f MB.\n", mb)
	}
}

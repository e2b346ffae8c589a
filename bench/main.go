// Command bench measures, in one run and against one server, how fast the SDK and the export
// engine read a study compared with the fastest possible reader: plain net/http fetching the
// same pages and discarding the bodies.
//
// It starts the package imednettest's fake server on a loopback port with a generated study
// of about -records records (and optional latency per request), then runs each stage in turn:
//
//	raw             net/http, the records' pages one after another, bodies discarded (the baseline)
//	raw-all         the same for every page an export reads: the records and every reference
//	                listing (studies, forms, variables, sites, subjects, ..., users)
//	raw-par         net/http, the records' pages -concurrency at once, bodies discarded
//	raw-scan        raw, each body read into a buffer and checked with the SDK's own JSON
//	                scanner, decoding nothing: the floor of any listing that checks its JSON
//	raw-scan-par    the same, -concurrency pages at once
//	list            the SDK's typed record iterator, one page after another
//	prefetch        the same iterator fetching -concurrency pages ahead
//	sqlite          export to a SQLite file (wide layout, raw JSON, reference tables)
//	sqlite-records  the same without the reference tables (export.Options.RecordsOnly)
//	sqlite-long     the export in the long layout (one row per value)
//	parquet         export to a Parquet directory
//	postgres        export to PostgreSQL, when -postgres gives a connection string
//	sync-nochange   export to SQLite, then a sync with nothing changed (bench/sync.go)
//	sync-100        the same, then a sync after 100 records changed
//	cli-jsonl       the CLI's "records list -o jsonl" (in-process, output to a pipe read and
//	                discarded), prefetching as the CLI does; cli-json and cli-csv likewise
//
// With -profile wide the server is not the test server but one of wide records (20
// recordData variables, about 880 bytes a record: text, numbers sent as strings, dates), which
// serves the records' pages only; the stages are then raw, raw-par, raw-scan, raw-scan-par,
// list, prefetch and the cli stages (default: all but raw-par).
//
// and prints a markdown table: records per second, the ratio to the raw baseline, the ratio
// to the raw stage that reads the same pages (raw-all for the exports that read the reference
// listings, raw for the others), the CPU time the process used during the stage (the
// in-process server's included) and its ratio to the raw stage's per record, and the peak
// growth of the live heap during the stage. By default the server runs in the same
// process: its study stays in memory throughout and is part of the heap at each stage's start,
// which the peak growth leaves out; the serving work counts in every stage alike. With
// -separate the server runs in a child process (this program again), so that the peak
// resident memory printed under the table is the client's alone.
//
//	go run ./bench -records 200000
//	go run ./bench -records 1000000 -stages sqlite -separate
//	go run ./bench -records 1000000 -latency 20ms -postgres postgres://localhost/bench
//	go run ./bench -profile wide -records 100000 -runs 3
//
// With -runs N every stage runs N times, in rounds (each round runs the stages in order), and
// the table shows each stage's median time.
package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
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
	"github.com/imednet/imednet-go/internal/wire"
)

const studyKey = "BENCH"

type config struct {
	records     int
	latency     time.Duration
	pageSize    int
	concurrency int
	batchSize   int
	postgres    string
	stages      string
	dir         string
	cpuProfile  string
	separate    bool
	profile     string
	runs        int
}

// The stages each profile knows, and runs by default.
const (
	catalogueStages = "raw,raw-all,raw-par,list,prefetch,sqlite,sqlite-records,sqlite-long,parquet,postgres,sync-nochange,sync-100"
	cliStages       = "cli-jsonl,cli-json,cli-csv"
	wideStages      = "raw,raw-scan,list,prefetch,raw-scan-par," + cliStages
)

// childEnv, set in the environment of the child process that -separate starts, makes this
// program serve the study instead of measuring.
const childEnv = "IMEDNET_BENCH_SERVE"

func main() {
	var cfg config
	flag.IntVar(&cfg.records, "records", 100_000, "records in the generated study (rounded up to whole subjects of 30 records)")
	flag.DurationVar(&cfg.latency, "latency", 0, "latency the server adds to every request")
	flag.IntVar(&cfg.pageSize, "page-size", imednet.MaxPageSize, "records per page")
	flag.IntVar(&cfg.concurrency, "concurrency", export.DefaultConcurrency, "pages in flight at once for raw-par, prefetch and the exports")
	flag.IntVar(&cfg.batchSize, "batch-size", export.DefaultBatchSize, "rows per write (one transaction) in the exports")
	flag.StringVar(&cfg.postgres, "postgres", os.Getenv("IMEDNET_BENCH_POSTGRES"), "PostgreSQL connection string for the postgres stage (default $IMEDNET_BENCH_POSTGRES; empty skips the stage)")
	flag.StringVar(&cfg.stages, "stages", "", "comma-separated stages to run, in this order (default "+catalogueStages+"; with -profile wide "+wideStages+"; the cli stages "+cliStages+" run in either)")
	flag.StringVar(&cfg.profile, "profile", "catalogue", "the records served: catalogue (the test server's generated study) or wide (20 variables a record, records pages only)")
	flag.IntVar(&cfg.runs, "runs", 1, "rounds of the stages; each stage reports the median time of its rounds")
	flag.StringVar(&cfg.cpuProfile, "cpuprofile", "", "write a CPU profile of the stages to this file (go tool pprof reads it)")
	flag.StringVar(&cfg.dir, "dir", "", "directory for the export targets (default a temporary directory, removed at the end)")
	flag.BoolVar(&cfg.separate, "separate", false, "run the server in a child process, so that the peak resident memory reported is the client's alone")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: go run ./bench [flags]\n\n"+
			"Measures the raw page-fetch baseline, the SDK's listing and the exports against one\n"+
			"in-process fake server, and prints a markdown table.\n\nFlags:\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if os.Getenv(childEnv) != "" {
		if err := serveChild(cfg); err != nil {
			fmt.Fprintln(os.Stderr, "bench server:", err)
			os.Exit(1)
		}
		return
	}
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
	cpu     time.Duration // CPU time of the whole process (the in-process server's included), 0 when unknown
	peak    uint64        // heap growth above the stage's start, bytes
	note    string
}

func run(cfg config, out io.Writer) error {
	if cfg.records < 1 || cfg.pageSize < 1 || cfg.pageSize > imednet.MaxPageSize || cfg.concurrency < 1 || cfg.runs < 1 {
		return fmt.Errorf("-records, -concurrency, -runs and -page-size (at most %d) must be positive", imednet.MaxPageSize)
	}
	known := catalogueStages + "," + cliStages
	switch cfg.profile {
	case "catalogue":
		if cfg.stages == "" {
			cfg.stages = catalogueStages
		}
	case "wide":
		if cfg.separate {
			return fmt.Errorf("-separate: the wide profile's server holds no study; it always runs in this process")
		}
		if cfg.stages == "" {
			cfg.stages = wideStages
		}
		known = "raw,raw-par,raw-scan,raw-scan-par,list,prefetch," + cliStages
	default:
		return fmt.Errorf("-profile %q: use catalogue or wide", cfg.profile)
	}
	stages := strings.Split(cfg.stages, ",")
	for _, s := range stages {
		if !slices.Contains(strings.Split(known, ","), s) {
			return fmt.Errorf("-stages: unknown stage %q for the %s profile (known: %s)", s, cfg.profile, strings.ReplaceAll(known, ",", ", "))
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
	srv, stop, err := startServer(cfg)
	if err != nil {
		return err
	}
	defer stop()
	total := srv.Records
	if cfg.profile == "wide" {
		fmt.Fprintf(os.Stderr, "bench: wide records of %d bytes on average\n", wideRecordSize(1000))
	}
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
	client, err := imednet.New(imednet.WithBaseURL(srv.URL), imednet.WithAPIKey(srv.APIKey, srv.SecurityKey),
		imednet.WithTimeout(5*time.Minute))
	if err != nil {
		return err
	}
	ctx := context.Background()
	runStage := func(stage string) (result, error) {
		var r result
		var err error
		switch stage {
		case "raw":
			r, err = measure(stage, func() (int64, error) { return rawFetch(ctx, srv, cfg.pageSize, 1) })
		case "raw-scan":
			r, err = measure(stage, func() (int64, error) { return rawScan(ctx, srv, cfg.pageSize, 1) })
		case "raw-scan-par":
			r, err = measure(stage, func() (int64, error) { return rawScan(ctx, srv, cfg.pageSize, cfg.concurrency) })
		case "raw-all":
			r, err = measure(stage, func() (int64, error) { return rawFetchAll(ctx, srv, cfg.pageSize, 1) })
		case "raw-par":
			r, err = measure(stage, func() (int64, error) { return rawFetch(ctx, srv, cfg.pageSize, cfg.concurrency) })
		case "list":
			r, err = measure(stage, func() (int64, error) { return list(ctx, client, cfg.pageSize, 0) })
		case "prefetch":
			r, err = measure(stage, func() (int64, error) { return list(ctx, client, cfg.pageSize, cfg.concurrency) })
		case "cli-jsonl", "cli-json", "cli-csv":
			format := strings.TrimPrefix(stage, "cli-")
			r, err = measure(stage, func() (int64, error) { return cliList(ctx, srv, cfg.pageSize, format) })
		case "sqlite", "sqlite-long", "sqlite-records":
			opts := exportOptions{layout: export.Wide, recordsOnly: stage == "sqlite-records"}
			if stage == "sqlite-long" {
				opts.layout = export.Long
			}
			path := filepath.Join(dir, stage+".db")
			r, err = measure(stage, func() (int64, error) {
				sink, err := sqlite.Open(path)
				if err != nil {
					return 0, err
				}
				return exportTo(ctx, client, sink, cfg, opts)
			})
		case "parquet":
			path := filepath.Join(dir, "parquet")
			r, err = measure(stage, func() (int64, error) {
				sink, err := parquet.Open(path)
				if err != nil {
					return 0, err
				}
				return exportTo(ctx, client, sink, cfg, exportOptions{layout: export.Wide})
			})
		case "sync-nochange", "sync-100":
			r, err = runSyncStage(ctx, client, cfg, dir, stage)
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
				return exportTo(ctx, client, sink, cfg, exportOptions{layout: export.Wide})
			})
		}
		return r, err
	}
	// Each round runs every stage once, in order; a stage's figure is the median of its
	// rounds, so that load that comes and goes on a shared machine weighs on every stage
	// alike. The sync stages run in the first round only.
	runs := make([][]result, len(stages))
	for round := range cfg.runs {
		for i, stage := range stages {
			if round > 0 && strings.HasPrefix(stage, "sync-") {
				continue
			}
			r, err := runStage(stage)
			if err != nil {
				return fmt.Errorf("stage %s: %w", stage, err)
			}
			fmt.Fprintf(os.Stderr, "bench: %-8s %v\n", stage, r.elapsed.Round(time.Millisecond))
			runs[i] = append(runs[i], r)
		}
	}
	var results []result
	for _, rs := range runs {
		results = append(results, median(rs))
	}
	report(out, cfg, total, results)
	reportSync(out)
	return nil
}

// server is where the study is served: its URL, keys and number of records.
type server struct {
	URL         string `json:"url"`
	APIKey      string `json:"apiKey"`
	SecurityKey string `json:"securityKey"`
	Records     int    `json:"records"`
}

// newServer starts the test server with the generated study that cfg describes.
func newServer(cfg config) (*imednettest.Server, server, error) {
	subjects := (cfg.records + 29) / 30
	opts := []imednettest.Option{imednettest.WithStudy(imednettest.StudyConfig{Key: studyKey, Subjects: subjects})}
	if cfg.latency > 0 {
		opts = append(opts, imednettest.WithLatency(cfg.latency, cfg.latency))
	}
	srv, err := imednettest.NewServer(opts...)
	if err != nil {
		return nil, server{}, err
	}
	apiKey, secKey := srv.Keys()
	return srv, server{URL: srv.URL(), APIKey: apiKey, SecurityKey: secKey, Records: srv.Study(studyKey).Counts().Records}, nil
}

// startServer starts the server in this process or, with -separate, in a child process
// running this program with the same flags. stop shuts it down.
func startServer(cfg config) (srv server, stop func(), err error) {
	if cfg.profile == "wide" {
		return startWide(cfg.records, cfg.pageSize)
	}
	if !cfg.separate {
		s, info, err := newServer(cfg)
		if err != nil {
			return server{}, nil, err
		}
		inProcess = s
		return info, s.Close, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return server{}, nil, err
	}
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return server{}, nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return server{}, nil, err
	}
	if err := cmd.Start(); err != nil {
		return server{}, nil, fmt.Errorf("start the server process: %w", err)
	}
	stop = func() {
		stdin.Close() // the child serves until its stdin ends
		cmd.Wait()
	}
	if err := json.NewDecoder(stdout).Decode(&srv); err != nil {
		stop()
		return server{}, nil, fmt.Errorf("the server process did not say where it serves: %w", err)
	}
	return srv, stop, nil
}

// serveChild is the child process of -separate: it serves the study, writes where on stdout
// as one JSON object, and serves until its stdin ends (the parent is done or gone).
func serveChild(cfg config) error {
	srv, info, err := newServer(cfg)
	if err != nil {
		return err
	}
	defer srv.Close()
	if err := json.NewEncoder(os.Stdout).Encode(info); err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, os.Stdin)
	return err
}

// median returns the result of median time among rs (the lower middle one of an even
// number), with the median CPU time and the highest peak heap growth of them all.
func median(rs []result) result {
	sorted := slices.Clone(rs)
	slices.SortFunc(sorted, func(a, b result) int { return cmp.Compare(a.elapsed, b.elapsed) })
	m := sorted[(len(sorted)-1)/2]
	cpus := make([]time.Duration, len(rs))
	for i, r := range rs {
		m.peak = max(m.peak, r.peak)
		cpus[i] = r.cpu
	}
	slices.Sort(cpus)
	m.cpu = cpus[(len(cpus)-1)/2]
	return m
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
	cpu0, cpuOK := cpuTime()
	start := time.Now()
	n, err := f()
	elapsed := time.Since(start)
	cpu1, _ := cpuTime()
	close(done)
	wg.Wait()
	r := result{stage: stage, records: n, elapsed: elapsed}
	if cpuOK {
		r.cpu = cpu1 - cpu0
	}
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
func rawFetch(ctx context.Context, srv server, size, workers int) (int64, error) {
	return rawFetchPath(ctx, srv, "/studies/"+studyKey+"/records", size, workers, nil)
}

// rawScan is rawFetch that also checks each body with the SDK's own JSON scanner, as every
// decoder that checks what it reads must: it reads the body into a buffer (reused by each
// worker) and skips over it, valid JSON or an error, decoding nothing. It is the floor of the
// SDK's listing and of the CLI's output: what they cost beyond it is decoding and writing.
func rawScan(ctx context.Context, srv server, size, workers int) (int64, error) {
	return rawFetchPath(ctx, srv, "/studies/"+studyKey+"/records", size, workers, func(body []byte) error {
		end, err := wire.SkipValue(body, 0)
		if err == nil {
			err = wire.CheckEnd(body, end)
		}
		return err
	})
}

// exportPaths are the list endpoints an export reads: the dictionary, the records and every
// reference listing.
var exportPaths = []string{"/studies", "/studies/" + studyKey + "/forms", "/studies/" + studyKey + "/variables",
	"/studies/" + studyKey + "/records", "/studies/" + studyKey + "/sites", "/studies/" + studyKey + "/subjects",
	"/studies/" + studyKey + "/intervals", "/studies/" + studyKey + "/visits", "/studies/" + studyKey + "/queries",
	"/studies/" + studyKey + "/recordRevisions", "/studies/" + studyKey + "/codings", "/studies/" + studyKey + "/users"}

// rawFetchAll reads every page of every listing an export reads, as rawFetch does, and
// returns the number of records (the items of the records listing).
func rawFetchAll(ctx context.Context, srv server, size, workers int) (int64, error) {
	var records int64
	for _, p := range exportPaths {
		n, err := rawFetchPath(ctx, srv, p, size, workers, nil)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", p, err)
		}
		if strings.HasSuffix(p, "/records") {
			records = n
		}
	}
	return records, nil
}

// rawFetchPath reads every page of one listing with plain net/http, workers at a time, and
// discards the bodies; it returns the total the first page announced. With check, it reads
// each body after the first into a buffer of its worker and passes it to check instead.
func rawFetchPath(ctx context.Context, srv server, path string, size, workers int, check func([]byte) error) (int64, error) {
	get := func(page int, v any, buf *bytes.Buffer) error {
		u := fmt.Sprintf("%s/api/v1/edc%s?page=%d&size=%d", srv.URL, path, page, size)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		req.Header.Set("x-api-key", srv.APIKey)
		req.Header.Set("x-imn-security-key", srv.SecurityKey)
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
		if check != nil {
			buf.Reset()
			if _, err := buf.ReadFrom(resp.Body); err != nil {
				return err
			}
			if err := check(buf.Bytes()); err != nil {
				return fmt.Errorf("page %d: %w", page, err)
			}
			return nil
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
	if err := get(0, &first, nil); err != nil {
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
			var buf bytes.Buffer
			for {
				p := int(next.Add(1) - 1)
				if p >= first.Pagination.TotalPages {
					return
				}
				if err := get(p, nil, &buf); err != nil {
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

// exportOptions are what differs between the export stages.
type exportOptions struct {
	layout      export.Layout
	recordsOnly bool
}

// exportTo runs a full export into sink and closes it.
func exportTo(ctx context.Context, c *imednet.Client, sink export.Sink, cfg config, o exportOptions) (int64, error) {
	sum, err := export.Run(ctx, c, studyKey, sink, export.Options{
		Concurrency: cfg.concurrency, PageSize: cfg.pageSize, BatchSize: cfg.batchSize, Full: true, Layout: o.layout, RecordsOnly: o.recordsOnly,
	})
	if cerr := sink.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}
	return sum.Records, nil
}

// samePages names, for each stage, the raw stage that reads the same pages: the exports
// that read the reference listings compare with raw-all, the rest with raw.
func samePages(stage string) string {
	switch stage {
	case "raw-all", "sqlite", "sqlite-long", "parquet", "postgres":
		return "raw-all"
	}
	return "raw"
}

// report prints the results as a markdown table: each stage's rate, as a ratio of the raw
// baseline, and as a ratio of the raw stage that reads the same pages (samePages).
func report(w io.Writer, cfg config, total int, results []result) {
	fmt.Fprintf(w, "Measured %s on %s/%s, %d CPUs, %s; %s profile, %d records, page size %d, concurrency %d, latency %v.\n\n",
		time.Now().UTC().Format("2006-01-02"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(),
		cfg.profile, total, cfg.pageSize, cfg.concurrency, cfg.latency)
	fmt.Fprintln(w, "| stage | records | time | records/s | vs raw | vs raw of the same pages | CPU time | CPU vs raw | peak live heap growth |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	rates := map[string]float64{}
	for _, r := range results {
		if r.note == "" && r.elapsed > 0 {
			rates[r.stage] = float64(r.records) / r.elapsed.Seconds()
		}
	}
	ratio := func(rate float64, base string) string {
		if rates[base] == 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.2f× (%s)", rate/rates[base], base)
	}
	// CPU time per record, to compare with the raw stage's: on a machine shared with other
	// work, the CPU a stage used varies less than the time it took.
	cpuPer := map[string]float64{}
	for _, r := range results {
		if r.note == "" && r.cpu > 0 && r.records > 0 {
			cpuPer[r.stage] = r.cpu.Seconds() / float64(r.records)
		}
	}
	for _, r := range results {
		if r.note != "" {
			fmt.Fprintf(w, "| %s | | | | | | | | %s |\n", r.stage, r.note)
			continue
		}
		rate := rates[r.stage]
		vsRaw := "n/a"
		if rates["raw"] > 0 {
			vsRaw = fmt.Sprintf("%.2f×", rate/rates["raw"])
		}
		cpu, cpuVsRaw := "n/a", "n/a"
		if r.cpu > 0 {
			cpu = r.cpu.Round(time.Millisecond).String()
			if cpuPer["raw"] > 0 && cpuPer[r.stage] > 0 {
				cpuVsRaw = fmt.Sprintf("%.2f×", cpuPer["raw"]/cpuPer[r.stage])
			}
		}
		fmt.Fprintf(w, "| %s | %d | %v | %.0f | %s | %s | %s | %s | %.1f MB |\n",
			r.stage, r.records, r.elapsed.Round(time.Millisecond), rate, vsRaw, ratio(rate, samePages(r.stage)), cpu, cpuVsRaw, float64(r.peak)/(1<<20))
	}
	if mb, ok := peakRSSMB(); ok {
		whose := "the whole process (the server and its study included)"
		if cfg.separate {
			whose = "the client process (the server ran in a child process)"
		}
		fmt.Fprintf(w, "\nPeak resident memory of %s: %.0f MB.\n", whose, mb)
	}
}

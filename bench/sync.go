package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/export/sqlite"
	"github.com/imednet/imednet-go/imednettest"
)

// The sync stages: what an incremental sync costs next to the export it follows, in requests
// (what the API's rate limit counts) and in time.
//
//	sync-nochange  export to SQLite, then sync with nothing changed
//	sync-100       the same, then sync after 100 records changed (needs the in-process server)

// inProcess is the server when it runs in this process (not with -separate): sync-100
// changes its study.
var inProcess *imednettest.Server

// syncResult is a sync stage's measurement, with the export before it.
type syncResult struct {
	stage                string
	exportReqs, syncReqs int64
	exportTime, syncTime time.Duration
	records              int64 // records the sync wrote
	note                 string
}

var syncResults []syncResult

// runSyncStage exports the study into a new SQLite file, changes records for sync-100, and
// syncs, counting each run's requests.
func runSyncStage(ctx context.Context, c *imednet.Client, cfg config, dir, stage string) (result, error) {
	if stage == "sync-100" && inProcess == nil {
		syncResults = append(syncResults, syncResult{stage: stage, note: "skipped: needs the in-process server (no -separate)"})
		return result{stage: stage, note: "skipped: -separate"}, nil
	}
	path := filepath.Join(dir, stage+".db")
	opts := export.Options{Concurrency: cfg.concurrency, PageSize: cfg.pageSize, BatchSize: cfg.batchSize}
	runOnce := func(mode export.Mode) (*export.Summary, time.Duration, error) {
		sink, err := sqlite.Open(path)
		if err != nil {
			return nil, 0, err
		}
		o := opts
		o.Mode = mode
		start := time.Now()
		sum, err := export.Run(ctx, c, studyKey, sink, o)
		took := time.Since(start)
		if cerr := sink.Close(); err == nil {
			err = cerr
		}
		return sum, took, err
	}
	exp, expTime, err := runOnce(export.ModeExport)
	if err != nil {
		return result{}, err
	}
	if stage == "sync-100" {
		if err := change100(inProcess.Study(studyKey)); err != nil {
			return result{}, err
		}
	}
	var sum *export.Summary
	r, err := measure(stage, func() (int64, error) {
		var took time.Duration
		var err error
		sum, took, err = runOnce(export.ModeSync)
		_ = took
		if err != nil {
			return 0, err
		}
		return sum.Records, nil
	})
	if err != nil {
		return r, err
	}
	syncResults = append(syncResults, syncResult{stage: stage, exportReqs: exp.Requests.Requests, syncReqs: sum.Requests.Requests,
		exportTime: expTime, syncTime: r.elapsed, records: sum.Records})
	return r, nil
}

// change100 updates 100 records spread over the study, deleted ones skipped (changing no
// value: a new revision and dateModified each).
func change100(st *imednettest.Study) error {
	ids := st.RecordIDs("")
	step := max(len(ids)/100, 1)
	changed := 0
	for i := 0; changed < 100 && i < len(ids); i += step {
		if r, _ := st.Record(ids[i]); r.Deleted {
			i -= step - 1 // the next record instead
			continue
		}
		if err := st.UpdateRecord(ids[i], map[string]string{}); err != nil {
			return err
		}
		changed++
	}
	return nil
}

// reportSync prints the sync stages' table: requests and time of the sync next to those of
// the export it followed.
func reportSync(w io.Writer) {
	if len(syncResults) == 0 {
		return
	}
	fmt.Fprintln(w, "\n| stage | records synced | sync requests | export requests | sync / export requests | sync time | export time |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|")
	for _, r := range syncResults {
		if r.note != "" {
			fmt.Fprintf(w, "| %s | | | | | | %s |\n", r.stage, r.note)
			continue
		}
		fmt.Fprintf(w, "| %s | %d | %d | %d | %.1f%% | %v | %v |\n", r.stage, r.records, r.syncReqs, r.exportReqs,
			100*float64(r.syncReqs)/float64(max(r.exportReqs, 1)), r.syncTime.Round(time.Millisecond), r.exportTime.Round(time.Millisecond))
	}
}

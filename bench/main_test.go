package main

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/export/sqlite"
	"github.com/imednet/imednet-go/imednettest"
)

// TestRawAllReadsWhatAnExportReads: the raw-all stage is the baseline of the full exports only
// while it fetches the listings an export fetches, no more and no fewer.
func TestRawAllReadsWhatAnExportReads(t *testing.T) {
	srv, err := imednettest.New(imednettest.WithStudy(imednettest.StudyConfig{Key: studyKey, Subjects: 3}))
	if err != nil {
		t.Fatal(err)
	}
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	sink, err := sqlite.Open(filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	if _, err := export.Run(context.Background(), c, studyKey, sink, export.Options{}); err != nil {
		t.Fatal(err)
	}
	var requested []string
	for k := range srv.Stats().Requests {
		if p, ok := strings.CutPrefix(k, "GET "); ok {
			requested = append(requested, p)
		}
	}
	var raw []string
	for _, p := range exportPaths {
		raw = append(raw, strings.Replace(p, "/studies/"+studyKey+"/", "/studies/{studyKey}/", 1))
	}
	slices.Sort(requested)
	slices.Sort(raw)
	if !slices.Equal(requested, raw) {
		t.Errorf("an export requests %q;\nraw-all fetches %q", requested, raw)
	}
}

// TestRawScanChecksEveryPage: raw-scan is the floor of the listing only while it checks every
// page after the first (which raw decodes for its totals) and reports what its check finds.
func TestRawScanChecksEveryPage(t *testing.T) {
	srv, stop, err := startWide(1000, 100)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	ctx := context.Background()
	n, err := rawScan(ctx, srv, 100, 3)
	if err != nil || n != 1000 {
		t.Fatalf("rawScan: %d records, %v; want 1000", n, err)
	}
	var mu sync.Mutex
	var pages int
	_, err = rawFetchPath(ctx, srv, "/studies/"+studyKey+"/records", 100, 3, func(body []byte) error {
		mu.Lock()
		defer mu.Unlock()
		if pages++; pages == 5 {
			return errors.New("bad body")
		}
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "bad body") {
		t.Errorf("a failing check: error %v, want the check's", err)
	}
	pages = 0
	if _, err := rawFetchPath(ctx, srv, "/studies/"+studyKey+"/records", 100, 3, func([]byte) error {
		mu.Lock()
		defer mu.Unlock()
		pages++
		return nil
	}); err != nil || pages != 9 {
		t.Errorf("checked %d pages (error %v), want the 9 after the first", pages, err)
	}
}

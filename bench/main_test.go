package main

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
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

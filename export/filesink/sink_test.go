package filesink_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/export/csv"
	"github.com/imednet/imednet-go/export/filesink"
	"github.com/imednet/imednet-go/export/jsonl"
)

var ctx = context.Background()

func readLines(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// TestPrepareAgain checks a table prepared a second time in one session with more columns:
// the rows so far are committed, and the later rows have the new column.
func TestPrepareAgain(t *testing.T) {
	sink, err := jsonl.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	v1 := export.Table{Name: "t", Columns: []export.Column{{Name: "id", Type: export.ColumnInteger}}, Key: []string{"id"}}
	v2 := v1
	v2.Columns = append(v2.Columns, export.Column{Name: "x", Type: export.ColumnText})
	if err := sink.Prepare(ctx, []export.Table{v1}); err != nil {
		t.Fatal(err)
	}
	if err := sink.Write(ctx, "t", []export.Row{{int64(1)}, {int64(2)}}); err != nil {
		t.Fatal(err)
	}
	if err := sink.Prepare(ctx, []export.Table{v2}); err != nil {
		t.Fatal(err)
	}
	if err := sink.Write(ctx, "t", []export.Row{{int64(2), "two"}, {int64(3), "three"}}); err != nil {
		t.Fatal(err)
	}
	if err := sink.Write(ctx, "t", []export.Row{{int64(4)}}); err == nil {
		t.Error("a row of the old width was accepted after the table gained a column")
	}
	path := sink.Path("t")
	if err := sink.Close(); err != nil {
		t.Fatal(err)
	}
	lines := readLines(t, path)
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3: %v", len(lines), lines)
	}
	if lines[0]["id"] != 1.0 || lines[0]["x"] != nil || lines[1]["x"] != "two" || lines[2]["x"] != "three" {
		t.Errorf("lines: %v", lines)
	}
	if err := sink.Prepare(ctx, []export.Table{v2}); err != filesink.ErrClosed {
		t.Errorf("Prepare after Close: %v", err)
	}
	if err := sink.Write(ctx, "t", nil); err != filesink.ErrClosed {
		t.Errorf("Write after Close: %v", err)
	}
	if err := sink.SaveRun(ctx, export.RunState{ID: "r"}); err != filesink.ErrClosed {
		t.Errorf("SaveRun after Close: %v", err)
	}
	if err := sink.Close(); err != filesink.ErrClosed {
		t.Errorf("second Close: %v", err)
	}
}

// TestCorruptLedger checks that a damaged ledger is a clear error, not an empty ledger.
func TestCorruptLedger(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, filesink.LedgerFile), []byte(`{"version":1,"forms":[`), 0o600); err != nil {
		t.Fatal(err)
	}
	sink, err := jsonl.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	if _, err := sink.LoadLedger(ctx); err == nil || !strings.Contains(err.Error(), filesink.LedgerFile) {
		t.Errorf("LoadLedger of a damaged ledger: %v", err)
	}
	if err := sink.SaveForm(ctx, export.FormState{FormKey: "VS"}); err == nil {
		t.Error("SaveForm over a damaged ledger succeeded")
	}
}

// TestForeignSpool checks that a sink does not merge the spool of another format.
func TestForeignSpool(t *testing.T) {
	csvDir, jsonDir := t.TempDir(), t.TempDir()
	csvSink, err := csv.Open(csvDir)
	if err != nil {
		t.Fatal(err)
	}
	defer csvSink.Close()
	tbl := export.Table{Name: "t", Columns: []export.Column{{Name: "id", Type: export.ColumnInteger}}, Key: []string{"id"}}
	if err := csvSink.Prepare(ctx, []export.Table{tbl}); err != nil {
		t.Fatal(err)
	}
	if err := csvSink.Write(ctx, "t", []export.Row{{int64(1)}}); err != nil {
		t.Fatal(err)
	}
	spools, _ := filepath.Glob(filepath.Join(csvDir, filesink.StagingDir, "*.spool"))
	if len(spools) != 1 {
		t.Fatalf("%d spool files, want 1", len(spools))
	}
	if err := os.MkdirAll(filepath.Join(jsonDir, filesink.StagingDir), 0o700); err != nil {
		t.Fatal(err)
	}
	copyFile(t, spools[0], filepath.Join(jsonDir, filesink.StagingDir, "x.spool"))
	if s, err := jsonl.Open(jsonDir); err == nil || !strings.Contains(err.Error(), "written by a csv sink") {
		if s != nil {
			s.Close()
		}
		t.Errorf("Open over a csv spool: %v", err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestCommit checks that Commit makes the rows so far visible while the sink stays open.
func TestCommit(t *testing.T) {
	sink, err := jsonl.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	tbl := export.Table{Name: "t", Columns: []export.Column{{Name: "id", Type: export.ColumnInteger}}, Key: []string{"id"}}
	if err := sink.Prepare(ctx, []export.Table{tbl}); err != nil {
		t.Fatal(err)
	}
	if err := sink.Write(ctx, "t", []export.Row{{int64(1)}, {int64(1)}, {int64(2)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(sink.Path("t")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the file exists before any commit: %v", err)
	}
	if err := sink.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(readLines(t, sink.Path("t"))); n != 2 {
		t.Errorf("%d lines after Commit, want 2", n)
	}
}

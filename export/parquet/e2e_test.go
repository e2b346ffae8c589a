package parquet_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/imednet/imednet-go/export/exporttest"
	"github.com/imednet/imednet-go/export/filesink/filesinktest"
	"github.com/imednet/imednet-go/export/parquet"
	pq "github.com/parquet-go/parquet-go"
)

// readRaw reads a Parquet file's column names and rows, each value printed with its kind.
func readRaw(t testing.TB, path string) ([]string, [][]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	info, _ := f.Stat()
	file, err := pq.OpenFile(f, info.Size())
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var names []string
	for _, fld := range file.Schema().Fields() {
		names = append(names, fld.Name())
	}
	r := pq.NewReader(file)
	defer r.Close()
	var rows [][]string
	buf := make([]pq.Row, 64)
	for {
		n, err := r.ReadRows(buf)
		for _, row := range buf[:n] {
			line := make([]string, len(names))
			for _, v := range row {
				switch {
				case v.IsNull():
					line[v.Column()] = "NULL"
				case v.Kind() == pq.ByteArray:
					line[v.Column()] = fmt.Sprintf("%q", v.ByteArray())
				default:
					line[v.Column()] = fmt.Sprintf("%v:%v", v.Kind(), v)
				}
			}
			rows = append(rows, line)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	return names, rows
}

// dumpParquet reads every table file of a directory with parquet-go: each row as one line of
// its values, each after its column's name.
func dumpParquet(t testing.TB, dir string) map[string][]string {
	out := map[string][]string{}
	for _, rel := range filesinktest.TableFiles(t, dir, ".parquet") {
		names, rows := readRaw(t, filepath.Join(dir, rel))
		lines := []string{}
		for _, r := range rows {
			cells := make([]string, len(r))
			for i, v := range r {
				cells[i] = names[i] + "=" + v
			}
			lines = append(lines, strings.Join(cells, " | "))
		}
		slices.Sort(lines)
		out[rel] = lines
	}
	return out
}

func recordIDs(t testing.TB, dir, table string) []int64 {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, table, "*.parquet"))
	parts, _ := filepath.Glob(filepath.Join(dir, table, "form=*", "*.parquet"))
	files = append(files, parts...)
	if len(files) != 1 {
		t.Fatalf("table %s: files %q, want one", table, files)
	}
	names, rows := readParquet(t, files[0], nil)
	return filesinktest.IntColumn(t, files[0], names, rows, "recordId")
}

// TestEngine runs the export engine's scenarios against the Parquet sink.
func TestEngine(t *testing.T) {
	exporttest.Run(t, filesinktest.EngineHarness(parquet.Open, ".parquet", dumpParquet, recordIDs))
}

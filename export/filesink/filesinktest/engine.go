package filesinktest

import (
	"slices"
	"strings"
	"testing"

	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/export/exporttest"
	"github.com/imednet/imednet-go/export/filesink"
)

// EngineHarness describes a file sink to the export engine's scenarios (see
// exporttest.Run): each target is a directory, opened with open; dump reads its table files
// (named with the extension ext, such as ".csv", at the top of the directory or in a
// directory of the table's name) and recordIDs the recordId column of one table.
func EngineHarness(open func(dir string) (*filesink.Sink, error), ext string, dump Dump, recordIDs func(t testing.TB, dir, table string) []int64) exporttest.Harness {
	return exporttest.Harness{
		Open: func(t *testing.T, tg exporttest.Target) (export.Sink, error) {
			sink, err := open(tg.Dir)
			if err != nil {
				return nil, err // not a nil *filesink.Sink in a non-nil interface
			}
			return sink, nil
		},
		Dump: func(t *testing.T, tg exporttest.Target) map[string][]string {
			t.Helper()
			out := map[string][]string{}
			for rel, rows := range dump(t, tg.Dir) {
				name, _, _ := strings.Cut(rel, "/")
				name = strings.TrimSuffix(name, ext)
				if _, dup := out[name]; dup || name == "" {
					t.Fatalf("%s: a second file of table %q", rel, name)
				}
				out[name] = rows
			}
			return out
		},
		RecordIDs: func(t *testing.T, tg exporttest.Target, table string) []int64 {
			t.Helper()
			return recordIDs(t, tg.Dir, table)
		},
	}
}

// IntColumn returns the values of the integer column name of a table read back from file as
// names and rows (its columns, then each row's values in that order), such as the recordId
// of a table for a Harness's RecordIDs. A table without the column fails t, unless the file
// names no columns and holds no rows (an empty JSON Lines file).
func IntColumn(t testing.TB, file string, names []string, rows []export.Row, name string) []int64 {
	t.Helper()
	i := slices.Index(names, name)
	if i < 0 {
		if len(names) == 0 && len(rows) == 0 {
			return nil
		}
		t.Fatalf("%s: no %s column among %q", file, name, names)
	}
	out := make([]int64, len(rows))
	for k, r := range rows {
		v, ok := r[i].(int64)
		if !ok {
			t.Fatalf("%s: row %d: %s is %T %v, not an integer", file, k, name, r[i], r[i])
		}
		out[k] = v
	}
	return out
}

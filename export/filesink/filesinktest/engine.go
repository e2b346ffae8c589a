package filesinktest

import (
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
		Open: func(t *testing.T, tg exporttest.Target) export.Sink {
			t.Helper()
			sink, err := open(tg.Dir)
			if err != nil {
				t.Fatal(err)
			}
			return sink
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

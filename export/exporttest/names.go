package exporttest

import (
	"maps"
	"slices"
	"testing"

	"github.com/imednet/imednet-go/export"
)

// testNames: an export with snake_case names writes every table of the reference under its
// snake_case name with the same rows, and the table name_map, with a row per table and
// column; a sync takes the names from the target.
func testNames(t *testing.T, h Harness, ref *reference) {
	tg := target(t, "names", false)
	opts := ref.opts
	opts.Names = export.NamesSnake
	mustRun(t, h, tg, ref.c, opts)
	mustRun(t, h, tg, ref.c, export.Options{Mode: export.ModeSync, PageSize: ref.opts.PageSize, BatchSize: ref.opts.BatchSize})
	got := h.Dump(t, tg)
	want := map[string]int{}
	for name, rows := range ref.dump {
		want[export.SnakeName(name)] = len(rows)
	}
	for _, name := range slices.Sorted(maps.Keys(want)) {
		rows, ok := got[name]
		if !ok {
			t.Errorf("table %s is missing (tables %v)", name, slices.Sorted(maps.Keys(got)))
			continue
		}
		if len(rows) != want[name] {
			t.Errorf("table %s: %d rows, want %d", name, len(rows), want[name])
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok && name != export.NameMapTable {
			t.Errorf("table %s is not expected", name)
		}
	}
	if len(got[export.NameMapTable]) <= len(want) {
		t.Errorf("name_map: %d rows for %d tables; want one per table and column", len(got[export.NameMapTable]), len(want))
	}
	if l := ledger(t, h, tg); l.Shape == nil || l.Shape.Names != export.NamesSnake || len(l.Runs) != 2 {
		t.Errorf("ledger: shape %+v, %d runs; want snake names and 2 runs", l.Shape, len(l.Runs))
	}
}

package exporttest

import (
	"context"
	"errors"
	"testing"

	"github.com/imednet/imednet-go/export"
)

// testShape: a target keeps the shape of the run that created it. A run whose options would
// change it (labels, layout, names; export or sync) is refused with export.ErrShape and writes
// nothing; a sync that leaves the shape options empty takes the target's; a run of another
// shape with Full rebuilds the target, which then holds what a clean export of the new shape
// holds, and records the new shape.
func testShape(t *testing.T, h Harness, ref *reference) {
	ctx := context.Background()
	tg := target(t, "shape", false)
	mustRun(t, h, tg, ref.c, ref.opts) // both layouts, columns named after the variables
	if got, want := ledger(t, h, tg).Shape, ref.opts.Shape(); got == nil || *got != want {
		t.Fatalf("the target records the shape %+v, want %+v", got, want)
	}
	before, runs := h.Dump(t, tg), len(ledger(t, h, tg).Runs)

	for _, c := range []struct {
		name   string
		change func(*export.Options)
		option string
	}{
		{"export with labels", func(o *export.Options) { o.Labels = true }, "labels"},
		{"sync with labels", func(o *export.Options) { o.Mode, o.Layout, o.Labels = export.ModeSync, "", true }, "labels"},
		{"export wide", func(o *export.Options) { o.Layout = export.Wide }, "layout"},
		{"sync long", func(o *export.Options) { o.Mode, o.Layout = export.ModeSync, export.Long }, "layout"},
		{"sync with snake names", func(o *export.Options) { o.Mode, o.Layout, o.Names = export.ModeSync, "", export.NamesSnake }, "names"},
	} {
		opts := ref.opts
		c.change(&opts)
		_, err := run(ctx, t, h, tg, ref.c, opts)
		var se *export.ShapeError
		if !errors.Is(err, export.ErrShape) || !errors.As(err, &se) || se.Option != c.option {
			t.Errorf("%s: %v; want a ShapeError for option %s", c.name, err, c.option)
		}
	}
	SameTables(t, h.Dump(t, tg), before)
	if n := len(ledger(t, h, tg).Runs); n != runs {
		t.Errorf("the refused runs left %d runs in the ledger, want %d", n, runs)
	}

	// A sync without shape options takes the target's (both layouts).
	mustRun(t, h, tg, ref.c, export.Options{Mode: export.ModeSync, PageSize: ref.opts.PageSize, BatchSize: ref.opts.BatchSize})
	SameTables(t, h.Dump(t, tg), ref.dump)

	// With Full, a run of another shape rebuilds the target.
	labels := ref.opts
	labels.Layout, labels.Labels = export.Wide, true
	full := labels
	full.Full = true
	mustRun(t, h, tg, ref.c, full)
	SameTables(t, h.Dump(t, tg), clean(t, h, ref.c, labels))
	l := ledger(t, h, tg)
	if l.Shape == nil || *l.Shape != labels.Shape() || len(l.Runs) != 1 {
		t.Errorf("after the rebuild: shape %+v and %d runs, want %+v and the rebuilding run alone", l.Shape, len(l.Runs), labels.Shape())
	}
	// The new shape holds: a plain sync takes it, an export without labels is refused.
	mustRun(t, h, tg, ref.c, export.Options{Mode: export.ModeSync, PageSize: ref.opts.PageSize, BatchSize: ref.opts.BatchSize})
	codes := labels
	codes.Labels = false
	if _, err := run(ctx, t, h, tg, ref.c, codes); !errors.Is(err, export.ErrShape) {
		t.Errorf("an export without labels into a target with labels: %v, want ErrShape", err)
	}
}

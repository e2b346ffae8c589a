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
	t.Run("Decoded", func(t *testing.T) { t.Parallel(); testShapeDecoded(t, h, ref) })
	ctx := context.Background()
	files := dictionaryOf(t, ref.srv.Study(Study))
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
		{"export with the dictionary", func(o *export.Options) { o.Dictionary = files }, "dictionary"},
		{"sync with the dictionary", func(o *export.Options) { o.Mode, o.Layout, o.Dictionary = export.ModeSync, "", files }, "dictionary"},
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

// testShapeDecoded: whether a target is decoded (Options.Dictionary) is part of its shape. A
// decoded target records it; an export without the files is refused with a ShapeError for
// option dictionary, a sync without them with ErrNeedDictionary (it cannot decode what it
// fetches), both writing nothing; a sync with the files goes on; an export without them and
// with Full rebuilds the target with codes only.
func testShapeDecoded(t *testing.T, h Harness, ref *reference) {
	ctx := context.Background()
	files := dictionaryOf(t, ref.srv.Study(Study))
	decoded := ref.opts
	decoded.Dictionary = files
	tg := target(t, "shapedecoded", false)
	mustRun(t, h, tg, ref.c, decoded)
	if l := ledger(t, h, tg); l.Shape == nil || !l.Shape.Decoded || *l.Shape != decoded.Shape() {
		t.Fatalf("the decoded target records the shape %+v, want %+v", l.Shape, decoded.Shape())
	}
	before, runs := h.Dump(t, tg), len(ledger(t, h, tg).Runs)

	codes := ref.opts
	var se *export.ShapeError
	if _, err := run(ctx, t, h, tg, ref.c, codes); !errors.As(err, &se) || se.Option != "dictionary" || errors.Is(err, export.ErrNeedDictionary) {
		t.Errorf("an export without the files into a decoded target: %v; want a ShapeError for option dictionary", err)
	}
	plainSync := export.Options{Mode: export.ModeSync, PageSize: ref.opts.PageSize, BatchSize: ref.opts.BatchSize}
	for _, full := range []bool{false, true} {
		o := plainSync
		o.Full = full
		_, err := run(ctx, t, h, tg, ref.c, o)
		if !errors.Is(err, export.ErrNeedDictionary) || !errors.Is(err, export.ErrShape) || !errors.As(err, &se) || se.Option != "dictionary" {
			t.Errorf("a sync (full %v) without the files into a decoded target: %v; want ErrNeedDictionary", full, err)
		}
	}
	SameTables(t, h.Dump(t, tg), before)
	if n := len(ledger(t, h, tg).Runs); n != runs {
		t.Errorf("the refused runs left %d runs in the ledger, want %d", n, runs)
	}

	// A sync with the files takes the rest of the shape from the target, and holds what the
	// export did.
	withFiles := plainSync
	withFiles.Dictionary = files
	mustRun(t, h, tg, ref.c, withFiles)
	SameTables(t, h.Dump(t, tg), before)

	// An export with Full and without the files rebuilds the target with codes only.
	full := codes
	full.Full = true
	mustRun(t, h, tg, ref.c, full)
	SameTables(t, h.Dump(t, tg), ref.dump)
	if l := ledger(t, h, tg); l.Shape == nil || l.Shape.Decoded {
		t.Errorf("after the rebuild without the files, the target records %+v, want not decoded", l.Shape)
	}
	// Now a plain sync is a sync of codes.
	mustRun(t, h, tg, ref.c, plainSync)
}

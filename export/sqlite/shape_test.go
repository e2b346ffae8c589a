package sqlite_test

import (
	"context"
	"errors"
	"testing"

	"github.com/imednet/imednet-go/export"
)

// A target exported before targets recorded their shape: the sink tells the shape from its
// tables, so that a run of another shape is refused as for any target, and the next run
// records it.
func TestLegacyTargetShape(t *testing.T) {
	ctx := context.Background()
	c := client(t, smallStudy(t))
	for _, want := range []export.Options{{Layout: export.Both, Labels: true}, {Layout: export.Wide}, {Layout: export.Long, Labels: true}} {
		s := open(t, "legacy.db")
		run(t, c, s, want)
		if _, err := s.DB().Exec(`DELETE FROM _imednet_meta`); err != nil { // as before shapes were recorded
			t.Fatal(err)
		}
		l, err := s.LoadLedger(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantShape := want.Shape()
		if want.Layout == export.Long {
			wantShape.Labels = false // long alone has no wide columns to tell by
		}
		if l.Shape == nil || *l.Shape != wantShape {
			t.Errorf("%+v: told the shape %+v, want %+v", want, l.Shape, wantShape)
		}
		other := want
		other.Labels = !wantShape.Labels
		if _, err := export.Run(ctx, c, study, s, other); !errors.Is(err, export.ErrShape) {
			t.Errorf("%+v into a legacy target of %+v: %v, want ErrShape", other, wantShape, err)
		}
		run(t, c, s, export.Options{Mode: export.ModeSync})
		var n int
		if err := s.DB().QueryRow(`SELECT count(*) FROM _imednet_meta WHERE name = 'layoutVersion'`).Scan(&n); err != nil || n != 1 {
			t.Errorf("after a sync, the legacy target records its layout version %d times (%v), want once", n, err)
		}
		s.Close()
	}
}

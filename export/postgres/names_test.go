package postgres

import (
	"context"
	"errors"
	"testing"

	"github.com/imednet/imednet-go/export"
)

// With snake_case names, the tables and columns are queried without quotes, as PostgreSQL
// folds unquoted names to lower case, and name_map leads from the API's names to them.
func TestSnakeNamesQueryWithoutQuotes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := demoServer(t)
	s := demoSink(t)
	if _, err := export.Run(ctx, c, demo, s, export.Options{Names: export.NamesSnake, Layout: export.Both}); err != nil {
		t.Fatal(err)
	}
	sch := quoteIdent(s.Schema())
	var n int
	q := "SELECT count(*) FROM " + sch + ".form_ae a JOIN " + sch + ".records_raw r USING (record_id) WHERE a.date_modified IS NOT NULL AND r.form_key = 'AE'"
	if err := s.Pool().QueryRow(ctx, q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if want := len(srv.Study(demo).RecordIDs("AE")); n != want || n == 0 {
		t.Errorf("form_ae: %d records, want %d", n, want)
	}
	var table, column string
	if err := s.Pool().QueryRow(ctx, "SELECT target_table, target_column FROM "+sch+".name_map WHERE table_name = 'form_AE' AND column_name = 'recordId'").
		Scan(&table, &column); err != nil || table != "form_ae" || column != "record_id" {
		t.Errorf("name_map of form_AE.recordId: %s.%s (%v), want form_ae.record_id", table, column, err)
	}
	if err := s.Pool().QueryRow(ctx, "SELECT count(*) FROM "+sch+".wide_columns WHERE table_name = 'form_ae' AND column_name = 'record_id'").Scan(&n); err != nil || n != 1 {
		t.Errorf("wide_columns names form_ae.record_id %d times (%v), want once", n, err)
	}
}

// A schema exported before targets recorded their shape: the sink tells the shape from its
// tables.
func TestLegacyTargetShape(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, c := demoServer(t)
	s := demoSink(t)
	opts := export.Options{Layout: export.Both, Labels: true}
	if _, err := export.Run(ctx, c, demo, s, opts); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Pool().Exec(ctx, "DELETE FROM "+quoteIdent(s.Schema())+"._imednet_meta WHERE name NOT IN ('study', 'lockHolder')"); err != nil {
		t.Fatal(err)
	}
	l, err := s.LoadLedger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if l.Shape == nil || *l.Shape != opts.Shape() {
		t.Errorf("told the shape %+v, want %+v", l.Shape, opts.Shape())
	}
	if _, err := export.Run(ctx, c, demo, s, export.Options{Layout: export.Both}); !errors.Is(err, export.ErrShape) {
		t.Errorf("an export without labels into a legacy target with labels: %v, want ErrShape", err)
	}
}

package sqlite_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/export/sqlite"
)

func TestWidestTable(t *testing.T) {
	s := open(t, "wide.db")
	cols := []export.Column{{Name: "recordId", Type: export.ColumnInteger}}
	for i := 1; i < sqlite.MaxColumns; i++ {
		cols = append(cols, export.Column{Name: "v" + itoa(i), Type: export.ColumnReal})
	}
	table := export.Table{Name: "form_W", Columns: cols, Key: []string{"recordId"}, Form: "W"}
	ctx := context.Background()
	if err := s.Prepare(ctx, []export.Table{table}); err != nil {
		t.Fatal(err)
	}
	var rows []export.Row
	for r := range 40 { // more than one multi-row statement, and a remainder
		row := make(export.Row, len(cols))
		row[0] = int64(r % 35) // and some keys twice: the later row wins
		for i := 1; i < len(cols); i++ {
			row[i] = float64(r*10000 + i)
		}
		rows = append(rows, row)
	}
	if err := s.Write(ctx, "form_W", rows); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s.DB(), "SELECT count(*) FROM form_W"); n != 35 {
		t.Errorf("%d rows, want 35", n)
	}
	var v float64
	if err := s.DB().QueryRow(`SELECT v1999 FROM form_W WHERE recordId = 2`).Scan(&v); err != nil || v != 37*10000+1999 {
		t.Errorf("v1999 of record 2: %v (%v), want the later row's", v, err)
	}
	table.Columns = append(table.Columns, export.Column{Name: "one_too_many", Type: export.ColumnText})
	if err := s.Prepare(ctx, []export.Table{table}); err == nil {
		t.Error("a table of 2,001 columns was prepared")
	}
}

func TestPrepareAltersAndChecks(t *testing.T) {
	s := open(t, "alter.db")
	ctx := context.Background()
	t1 := export.Table{Name: `odd "name"; DROP TABLE x`, Columns: []export.Column{{Name: "id", Type: export.ColumnInteger}, {Name: "a b", Type: export.ColumnText}}, Key: []string{"id"}}
	if err := s.Prepare(ctx, []export.Table{t1}); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, t1.Name, []export.Row{{int64(1), "x"}}); err != nil {
		t.Fatal(err)
	}
	// A form that gained a variable: the column is added, the rows stay.
	t1.Columns = append(t1.Columns, export.Column{Name: "when", Type: export.ColumnTimestamp}, export.Column{Name: "day", Type: export.ColumnDate},
		export.Column{Name: "ok", Type: export.ColumnBoolean}, export.Column{Name: "doc", Type: export.ColumnJSON})
	if err := s.Prepare(ctx, []export.Table{t1}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 6, 5, 21, 12, 8, 500, time.FixedZone("x", 3600))
	if err := s.Write(ctx, t1.Name, []export.Row{{int64(2), nil, at, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), true, json.RawMessage(`{"a":[1]}`)}}); err != nil {
		t.Fatal(err)
	}
	got := query(t, s.DB(), `SELECT id, "a b", CAST("when" AS TEXT), CAST(day AS TEXT), ok, doc FROM `+sqlite.Quote(t1.Name)+` ORDER BY id`)
	want := []string{
		"int64:1 | string:x | <nil>:<nil> | <nil>:<nil> | <nil>:<nil> | <nil>:<nil>",
		`int64:2 | <nil>:<nil> | string:2025-06-05T20:12:08.0000005Z | string:2024-02-29 | int64:1 | string:{"a":[1]}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows\n got %s\nwant %s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	for _, bad := range []export.Table{
		{Name: "", Columns: t1.Columns, Key: []string{"id"}},
		{Name: "t", Key: []string{"id"}},
		{Name: "t", Columns: []export.Column{{Name: "id", Type: export.ColumnInteger}}},
		{Name: "t", Columns: []export.Column{{Name: "id", Type: export.ColumnInteger}}, Key: []string{"nope"}},
		{Name: "t", Columns: []export.Column{{Name: "id", Type: export.ColumnInteger}, {Name: "ID", Type: export.ColumnText}}, Key: []string{"id"}},
		{Name: "_imednet_forms", Columns: []export.Column{{Name: "id", Type: export.ColumnInteger}}, Key: []string{"id"}},
	} {
		if err := s.Prepare(ctx, []export.Table{bad}); err == nil {
			t.Errorf("table %+v was prepared", bad)
		}
	}
	for _, row := range []export.Row{
		{int64(1)},                                   // too short
		{"1", nil, nil, nil, nil, nil},               // text for integer
		{int64(1), 5, nil, nil, nil, nil},            // int for text
		{int64(1), nil, "2024-01-01", nil, nil, nil}, // text for a timestamp
		{int64(1), nil, nil, nil, 1, nil},            // int for boolean
		{int64(1), nil, nil, nil, nil, "{}"},         // string for JSON
	} {
		if err := s.Write(ctx, t1.Name, []export.Row{row}); err == nil {
			t.Errorf("row %v was written", row)
		}
	}
	if err := s.Write(ctx, "unprepared", []export.Row{{int64(1)}}); err == nil {
		t.Error("a write to an unprepared table succeeded")
	}
}

func TestLedgerRoundTrip(t *testing.T) {
	s := open(t, "ledger.db")
	ctx := context.Background()
	l, err := s.LoadLedger(ctx)
	if err != nil || len(l.Forms) != 0 || len(l.Runs) != 0 {
		t.Fatalf("new ledger: %+v, %v", l, err)
	}
	at := time.Date(2025, 6, 5, 21, 12, 8, 123000000, time.UTC)
	f := export.FormState{FormKey: "AE", Status: export.Failed, Records: 12, Error: "boom", Started: at, Finished: at.Add(time.Second), Watermark: at.Add(-time.Hour), RunID: "r2"}
	runs := []export.RunState{
		{ID: "r2", Study: "S", Mode: "sync", Started: at, Forms: 3, FailedForms: 1, Records: 40, Error: "x"},
		{ID: "r1", Study: "S", Mode: "export", Started: at.Add(-time.Hour), Finished: at.Add(-time.Minute)},
	}
	for _, r := range runs {
		if err := s.SaveRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SaveForm(ctx, export.FormState{FormKey: "AE", Status: export.Running}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveForm(ctx, f); err != nil {
		t.Fatal(err)
	}
	l, err = s.LoadLedger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := l.Forms["AE"]; len(l.Forms) != 1 || got != f {
		t.Errorf("form state %+v, want %+v", got, f)
	}
	if len(l.Runs) != 2 || l.Runs[0] != runs[1] || l.Runs[1] != runs[0] {
		t.Errorf("runs %+v, want oldest first %+v", l.Runs, []export.RunState{runs[1], runs[0]})
	}
}

func TestNullKeyRefused(t *testing.T) {
	s := open(t, "nullkey.db")
	ctx := context.Background()
	tables := []export.Table{
		{Name: "one", Columns: []export.Column{{Name: "id", Type: export.ColumnInteger}, {Name: "v", Type: export.ColumnText}}, Key: []string{"id"}},
		{Name: "two", Columns: []export.Column{{Name: "a", Type: export.ColumnInteger}, {Name: "b", Type: export.ColumnText}}, Key: []string{"a", "b"}},
	}
	if err := s.Prepare(ctx, tables); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, "one", []export.Row{{nil, "x"}}); err == nil {
		t.Error("a NULL key was written to one")
	}
	for range 2 {
		if err := s.Write(ctx, "two", []export.Row{{int64(1), nil}}); err == nil {
			t.Error("a NULL key was written to two")
		}
	}
	if n := count(t, s.DB(), "SELECT count(*) FROM two"); n != 0 {
		t.Errorf("%d rows with a NULL key", n)
	}
}

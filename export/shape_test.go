package export

import (
	"errors"
	"strings"
	"testing"
)

func TestShapeMetaRoundTrip(t *testing.T) {
	for _, o := range []Options{{}, {Layout: Long, Labels: true}, {Layout: Both}} {
		want := o.Shape()
		meta := want.Meta()
		meta["study"] = "DEMO" // other rows of the table are left alone
		got, err := ShapeFromMeta(meta)
		if err != nil || got == nil || *got != want {
			t.Errorf("%+v: read back %+v, %v", want, got, err)
		}
	}
	if (Options{}).Shape().Layout != Wide || (Options{}).Shape().LayoutVersion != LayoutVersion {
		t.Errorf("the zero options' shape: %+v", Options{}.Shape())
	}
	if s, err := ShapeFromMeta(map[string]string{"study": "DEMO"}); s != nil || err != nil {
		t.Errorf("no shape recorded: %+v, %v; want nil, nil", s, err)
	}
	for _, bad := range []map[string]string{
		{"layoutVersion": "one", "layout": "wide"},
		{"layoutVersion": "1", "layout": "tall"},
		{"layoutVersion": "1", "layout": "wide", "labels": "maybe"},
	} {
		if _, err := ShapeFromMeta(bad); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

func TestShapeDiffer(t *testing.T) {
	stored := Options{Layout: Both}.Shape()
	if d := stored.differ(stored); d != nil {
		t.Errorf("the same shape differs: %v", d)
	}
	newer := stored
	newer.LayoutVersion++
	for _, c := range []struct {
		requested Shape
		option    string
	}{
		{Options{Layout: Both, Labels: true}.Shape(), "labels"},
		{Options{Layout: Wide}.Shape(), "layout"},
		{newer, "layout version"},
	} {
		d := stored.differ(c.requested)
		if d == nil || d.Option != c.option || !errors.Is(d, ErrShape) {
			t.Fatalf("%+v against %+v: %v, want option %s", c.requested, stored, d, c.option)
		}
		for _, want := range []string{"option " + c.option, `"` + d.Stored + `"`, `"` + d.Requested + `"`, "--full", "new target"} {
			if !strings.Contains(d.Error(), want) {
				t.Errorf("%q lacks %q", d.Error(), want)
			}
		}
	}
}

func TestIsExportTable(t *testing.T) {
	for name, want := range map[string]bool{
		"form_AE": true, "form_AE_part2": true, "records_raw": true, "record_values": true, "wide_columns": true,
		"subjects": true, "record_revisions": true, "_imednet_runs": true, "my_notes": false, "ae_summary": false,
	} {
		if got := IsExportTable(name); got != want {
			t.Errorf("IsExportTable(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestSnakeName(t *testing.T) {
	for in, want := range map[string]string{
		"recordId": "record_id", "form_AE": "form_ae", "form_AE_part2": "form_ae_part2", "dateModified": "date_modified",
		"AETERM": "aeterm", "HTTPServer": "http_server", "v2Value": "v2_value", "record_values": "record_values",
		"Adverse Event-Term": "adverse_event_term", "subject_Key": "subject_key", "ÉtatCivil": "état_civil",
	} {
		if got := SnakeName(in); got != want {
			t.Errorf("SnakeName(%q) = %q, want %q", in, got, want)
		}
		if again := SnakeName(want); again != want {
			t.Errorf("SnakeName(%q) = %q: a snake name changed", want, again)
		}
	}
}

func TestNamerRefusesCollisions(t *testing.T) {
	col := func(names ...string) []Column {
		var cs []Column
		for _, n := range names {
			cs = append(cs, Column{Name: n, Type: ColumnText})
		}
		return cs
	}
	ok := []Table{{Name: "form_AE", Columns: col("recordId", "AETERM"), Key: []string{"recordId"}}}
	n, err := newNamer(NamesSnake, ok)
	if err != nil {
		t.Fatal(err)
	}
	got := n.rename(ok)[0]
	if got.Name != "form_ae" || got.Columns[0].Name != "record_id" || got.Columns[1].Name != "aeterm" || got.Key[0] != "record_id" {
		t.Errorf("renamed %+v", got)
	}
	if n, err := newNamer(NamesAPI, ok); n != nil || err != nil || n.rename(ok)[0].Name != "form_AE" {
		t.Errorf("the API's names: %v, %v", n, err)
	}
	for _, bad := range [][]Table{
		{{Name: "form_AE", Columns: col("recordId", "record_id"), Key: []string{"recordId"}}},
		{{Name: "form_AE", Columns: col("k"), Key: []string{"k"}}, {Name: "form_ae", Columns: col("k"), Key: []string{"k"}}},
	} {
		if _, err := newNamer(NamesSnake, bad); err == nil || !strings.Contains(err.Error(), "would both be named") {
			t.Errorf("%+v: %v, want a collision refused", bad, err)
		}
	}
}

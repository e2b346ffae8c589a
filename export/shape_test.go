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

package exporttest

import (
	"testing"

	"github.com/imednet/imednet-go/dictionary"
	"github.com/imednet/imednet-go/export"
)

// testDictionaryVersions: the target keeps each version of the study's dictionary its runs
// saw. The first run records version 1 and reports no changes; a sync over an unchanged
// study records nothing new; after a CRF amendment (a variable relabelled) the next sync
// records version 2 and reports the change, old and new label; the sync after that reports
// none again.
func testDictionaryVersions(t *testing.T, h Harness) {
	srv := newServer(t)
	st := srv.Study(Study)
	c := newClient(t, srv)
	tg := target(t, "dictversions", false)
	opts := export.Options{PageSize: 50, BatchSize: 100}
	sync := opts
	sync.Mode = export.ModeSync

	sum := mustRun(t, h, tg, c, opts)
	if sum.DictionaryVersion != 1 || sum.DictionaryChanges != nil {
		t.Fatalf("first run: version %d, changes %v; want version 1 and none", sum.DictionaryVersion, sum.DictionaryChanges)
	}
	sum = mustRun(t, h, tg, c, sync)
	if l := ledger(t, h, tg); sum.DictionaryVersion != 1 || sum.DictionaryChanges != nil || len(l.Dictionaries) != 1 {
		t.Fatalf("a sync of the same study: version %d, changes %v, %d versions kept; want 1, none, 1",
			sum.DictionaryVersion, sum.DictionaryChanges, len(l.Dictionaries))
	}
	first := ledger(t, h, tg).Dictionaries[0]

	if err := st.RelabelVariable("AE", "AESEV", "Severity grade (CTCAE)"); err != nil {
		t.Fatal(err)
	}
	sum = mustRun(t, h, tg, c, sync)
	want := dictionary.Change{Op: dictionary.Changed, Item: "variable", Field: "label", Form: "AE", Variable: "AESEV", New: "Severity grade (CTCAE)"}
	if sum.DictionaryVersion != 2 || len(sum.DictionaryChanges) != 1 {
		t.Fatalf("the sync after the amendment: version %d, changes %v; want version 2 and one change", sum.DictionaryVersion, sum.DictionaryChanges)
	}
	got := sum.DictionaryChanges[0]
	if got.Op != want.Op || got.Item != want.Item || got.Field != want.Field || got.Form != want.Form || got.Variable != want.Variable || got.New != want.New || got.Old == "" || got.Old == got.New {
		t.Errorf("the change: %+v; want %+v with the old label", got, want)
	}
	l := ledger(t, h, tg)
	if len(l.Dictionaries) != 2 {
		t.Fatalf("%d versions kept, want 2", len(l.Dictionaries))
	}
	v1, v2 := l.Dictionaries[0], l.Dictionaries[1]
	if v1.Version != 1 || v2.Version != 2 || v1.Fingerprint != first.Fingerprint || v2.Fingerprint == v1.Fingerprint ||
		v2.RunID != sum.RunID || v2.FirstSeen.IsZero() || v2.FirstSeen.Before(v1.FirstSeen) {
		t.Errorf("the versions kept: %+v, %+v", v1, v2)
	}
	// Each version kept reads back as the dictionary it was.
	for _, c := range []struct {
		v     export.DictionaryVersion
		label string
	}{{v1, got.Old}, {v2, got.New}} {
		d, err := c.v.DictionaryOf(Study)
		if err != nil {
			t.Fatal(err)
		}
		if v, ok := d.Variable("AE", "AESEV"); !ok || v.Label != c.label {
			t.Errorf("version %d: AE.AESEV %+v, want label %q", c.v.Version, v, c.label)
		}
	}
	sum = mustRun(t, h, tg, c, sync)
	if sum.DictionaryVersion != 2 || sum.DictionaryChanges != nil || len(ledger(t, h, tg).Dictionaries) != 2 {
		t.Errorf("a sync after that: version %d, changes %v; want 2 and none", sum.DictionaryVersion, sum.DictionaryChanges)
	}
}

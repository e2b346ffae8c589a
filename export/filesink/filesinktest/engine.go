package filesinktest

import (
	"context"
	"testing"

	"github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/export/filesink"
	"github.com/imednet/imednet-go/imednettest"
)

// SyncEqualsFresh exports a small generated study with the export engine (both layouts) into a
// directory, checks the records landed (the raw table and each form's wide table hold exactly
// the server's record ids, as countIDs reports them), changes, adds and deletes records on
// the server, syncs the directory, and checks that its tables equal those of a fresh export
// into another directory.
func SyncEqualsFresh(t *testing.T, open func(dir string) (*filesink.Sink, error), dump Dump, recordIDs func(t testing.TB, dir, table string) []int64) {
	const study = imednettest.DemoStudyKey
	srv, err := imednettest.New(imednettest.WithStudy(imednettest.StudyConfig{
		Key: study, Sites: 3, Subjects: 4, RecordsPerSubject: 10, Users: 3,
		QueryFraction: 0.2, DeletedFraction: 0.1,
	}))
	if err != nil {
		t.Fatal(err)
	}
	c, err := srv.Client(imednet.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	opts := export.Options{Layout: export.Both}
	run := func(dir string, mode export.Mode) *export.Summary {
		t.Helper()
		sink, err := open(dir)
		if err != nil {
			t.Fatal(err)
		}
		o := opts
		o.Mode = mode
		sum, err := export.Run(context.Background(), c, study, sink, o)
		if cerr := sink.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		return sum
	}
	st := srv.Study(study)
	synced := t.TempDir()
	sum := run(synced, export.ModeExport)

	// The records landed: every form's wide table and the raw table hold the server's ids.
	all := map[int64]bool{}
	for _, f := range sum.Forms {
		want := map[int64]bool{}
		for _, id := range st.RecordIDs(f.FormKey) {
			want[int64(id)] = true
			all[int64(id)] = true
		}
		got := recordIDs(t, synced, export.WideTablePrefix+f.FormKey)
		if len(got) != len(want) {
			t.Errorf("form %s: %d rows in its wide table, the server has %d records", f.FormKey, len(got), len(want))
		}
		for _, id := range got {
			if !want[id] {
				t.Errorf("form %s: record %d is not the server's", f.FormKey, id)
			}
		}
	}
	if got := recordIDs(t, synced, export.RawTable); len(got) != len(all) || len(all) == 0 {
		t.Errorf("%d rows in %s, the server has %d records", len(got), export.RawTable, len(all))
	}

	// Change, add and delete records, then sync.
	vs := st.RecordIDs("VS")
	info, _ := st.Record(vs[1])
	changed := map[string]string{}
	for name, v := range info.Data {
		if v != "" && len(changed) < 2 {
			changed[name] = ""
		}
	}
	if err := st.UpdateRecord(vs[1], changed); err != nil {
		t.Fatal(err)
	}
	for _, id := range st.RecordIDs("AE") {
		if r, _ := st.Record(id); !r.Deleted {
			if err := st.DeleteRecord(id); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	subject, _ := st.Record(vs[0])
	if _, err := st.AddRecord(imednettest.NewRecord{FormKey: "AE", SubjectKey: subject.SubjectKey, Data: map[string]string{}}); err != nil {
		t.Fatal(err)
	}
	sum = run(synced, export.ModeSync)
	if sum.Records >= int64(len(st.RecordIDs(""))) {
		t.Errorf("the sync fetched %d records, the whole study has %d", sum.Records, len(st.RecordIDs("")))
	}

	fresh := t.TempDir()
	run(fresh, export.ModeExport)
	got, want := dump(t, synced), dump(t, fresh)
	if len(got) != len(want) {
		t.Errorf("%d table files after the sync, %d in a fresh export", len(got), len(want))
	}
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			t.Errorf("%s is missing after the sync", name)
			continue
		}
		if len(g) != len(w) {
			t.Errorf("%s: %d rows after the sync, %d in a fresh export", name, len(g), len(w))
		}
		for i := range min(len(g), len(w)) {
			if g[i] != w[i] {
				t.Errorf("%s: row %d:\n sync  %s\n fresh %s", name, i, g[i], w[i])
				break
			}
		}
	}
}

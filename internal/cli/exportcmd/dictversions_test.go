package exportcmd_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imednet/imednet-go/imednettest"
)

// A sync after a CRF amendment (a variable relabelled) says what changed in the study's data
// dictionary: a note on the terminal with the change, and dictionaryChanges on the run's
// line with -o json; a sync over an unchanged dictionary says nothing of it. In a SQLite
// file and in a directory of JSON Lines files alike.
func TestSyncReportsDictionaryChanges(t *testing.T) {
	for _, scheme := range []string{"sqlite", "jsonl"} {
		t.Run(scheme, func(t *testing.T) {
			srv := newSandbox(t)
			to := scheme + ":" + filepath.Join(t.TempDir(), "demo")
			args := func(a ...string) []string {
				return append([]string{"--sandbox"}, append(a, "--to", to, "--forms", "AE", "--records-only")...)
			}
			if r := run(t, srv, false, args("export")...); r.code != 0 {
				t.Fatalf("export: exit %d, stderr %q", r.code, r.errOut)
			}
			r := run(t, srv, false, args("sync")...)
			if r.code != 0 || strings.Contains(r.errOut, "dictionary changed") {
				t.Fatalf("a sync of the same study: exit %d, stderr %q; want 0 and no note", r.code, r.errOut)
			}
			if err := srv.Study(imednettest.DemoStudyKey).RelabelVariable("AE", "AESEV", "Severity grade (CTCAE)"); err != nil {
				t.Fatal(err)
			}
			r = run(t, srv, false, args("sync", "-o", "json")...)
			if r.code != 0 {
				t.Fatalf("the sync after the amendment: exit %d, stderr %q", r.code, r.errOut)
			}
			for _, want := range []string{"data dictionary changed", "version 2", "1 change", "AE.AESEV", `"Severity grade (CTCAE)"`} {
				if !strings.Contains(r.errOut, want) {
					t.Errorf("stderr %q lacks %q", r.errOut, want)
				}
			}
			var lines []struct {
				Kind              string
				DictionaryVersion int
				DictionaryChanges []struct{ Op, Item, Form, Variable, Field, Old, New string }
			}
			if err := json.Unmarshal([]byte(r.out), &lines); err != nil {
				t.Fatalf("-o json: %v in %q", err, r.out)
			}
			last := lines[len(lines)-1]
			if last.Kind != "run" || last.DictionaryVersion != 2 || len(last.DictionaryChanges) != 1 {
				t.Fatalf("the run's line: %+v; want version 2 with one change", last)
			}
			if c := last.DictionaryChanges[0]; c.Op != "changed" || c.Form != "AE" || c.Variable != "AESEV" || c.Field != "label" ||
				c.New != "Severity grade (CTCAE)" || c.Old == "" {
				t.Errorf("the change: %+v", c)
			}
			if r := run(t, srv, false, args("sync")...); r.code != 0 || strings.Contains(r.errOut, "dictionary changed") {
				t.Errorf("the sync after that: exit %d, stderr %q; want 0 and no note", r.code, r.errOut)
			}
		})
	}
}

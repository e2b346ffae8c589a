package exportcmd_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imednet/imednet-go/imednettest"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
)

// A usage error found before any row is written leaves no target behind: no database file,
// no directory.
func TestUsageErrorCreatesNoTarget(t *testing.T) {
	srv := newSandbox(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		name    string
		args    []string
		path    string   // the target that must not exist afterwards
		message []string // what stderr must say
	}{
		{"unknown form, sqlite", []string{"--forms", "NOPE"}, "sqlite:new.db",
			[]string{"--forms", "study DEMO has no form NOPE", "its forms: ", "AE"}},
		{"unknown form, csv", []string{"--forms", "NOPE"}, "csv:csvdir", []string{"NOPE"}},
		{"unknown form, jsonl", []string{"--forms", "NOPE"}, "jsonl:jsonldir", []string{"NOPE"}},
		{"unknown form, parquet", []string{"--forms", "NOPE"}, "parquet:lake", []string{"NOPE"}},
		// Only the unknown keys are named as unknown, each once.
		{"known and unknown forms", []string{"--forms", "AE,NOPE,ZZ,NOPE"}, "sqlite:mixed.db",
			[]string{"has no form NOPE, ZZ ("}},
		{"sync, unknown form", []string{"--forms", "NOPE"}, "sqlite:sync.db", []string{"NOPE"}},
		{"bad layout", []string{"--layout", "tall"}, "sqlite:layout.db", []string{"--layout"}},
		{"bad concurrency", []string{"--concurrency", "0"}, "csv:conc", []string{"--concurrency"}},
		{"bad rate limit", []string{"--rate-limit", "-1"}, "jsonl:rate", []string{"--rate-limit"}},
		{"bad output", []string{"-o", "xml"}, "sqlite:output.db", []string{"xml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scheme, loc, _ := strings.Cut(tc.path, ":")
			path := filepath.Join(dir, loc)
			cmd := "export"
			if strings.HasPrefix(tc.name, "sync") {
				cmd = "sync"
			}
			args := append([]string{"--sandbox", cmd, "--to", scheme + ":" + path}, tc.args...)
			r := run(t, srv, false, args...)
			if r.code != cmdutil.ExitUsage {
				t.Errorf("exit %d, stderr %q; want %d", r.code, r.errOut, cmdutil.ExitUsage)
			}
			for _, want := range tc.message {
				if !strings.Contains(r.errOut, want) {
					t.Errorf("stderr %q lacks %q", r.errOut, want)
				}
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Errorf("%s exists after a usage error (stat: %v)", path, err)
			}
		})
	}
	// Nothing else appeared next to them either (a SQLite journal, a stray directory).
	if ents, err := os.ReadDir(dir); err != nil || len(ents) != 0 {
		t.Errorf("left in the directory: %v (%v)", ents, err)
	}
	// The forms were checked against the study, but no record was asked for.
	if n := srv.Stats().Requests["GET /studies/{studyKey}/records"]; n != 0 {
		t.Errorf("%d records requests after usage errors", n)
	}
}

// A form key given twice is exported once.
func TestDuplicateFormKey(t *testing.T) {
	srv := newSandbox(t)
	r := run(t, srv, false, "--sandbox", "export", "--forms", "AE, AE,VS", "--to", "sqlite:"+filepath.Join(t.TempDir(), "d.db"))
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.errOut)
	}
	if ls := lines(t, r.out); len(ls) != 2 {
		t.Errorf("summary %+v; want VS and AE once each", ls)
	}
}

// The keys of a study with many forms are listed in part, in the API's order.
func TestUnknownFormListsSomeForms(t *testing.T) {
	srv, err := imednettest.New(imednettest.WithStudy(imednettest.StudyConfig{
		Key: imednettest.DemoStudyKey, Sites: 1, Subjects: 1, RecordsPerSubject: 1, Forms: 25,
	}))
	if err != nil {
		t.Fatal(err)
	}
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for f, err := range c.Forms.All(context.Background(), imednettest.DemoStudyKey, nil) {
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, f.FormKey)
	}
	if len(keys) != 25 {
		t.Fatalf("the study has %d forms, want 25", len(keys))
	}
	db := filepath.Join(t.TempDir(), "x.db")
	r := run(t, srv, false, "--sandbox", "export", "--forms", "VS,nope", "--to", "sqlite:"+db)
	want := "imednet: --forms: study DEMO has no form nope (its forms: " + strings.Join(keys[:20], ", ") +
		" and 5 more; see 'imednet forms list --study DEMO')\n"
	if r.code != cmdutil.ExitUsage || r.errOut != want {
		t.Errorf("exit %d, stderr\n%q\nwant\n%q", r.code, r.errOut, want)
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("%s exists after a usage error (stat: %v)", db, err)
	}
}

// A study the API refuses (403) is found out before the target is created.
func TestRefusedStudyCreatesNoTarget(t *testing.T) {
	srv := newSandbox(t)
	for _, to := range []string{"sqlite:nope.db", "csv:nopedir"} {
		scheme, loc, _ := strings.Cut(to, ":")
		path := filepath.Join(t.TempDir(), loc)
		r := run(t, srv, false, "--sandbox", "export", "--study", "NOPE", "--to", scheme+":"+path)
		if r.code != cmdutil.ExitAuth || !strings.Contains(r.errOut, "403") {
			t.Errorf("%s: exit %d, stderr %q; want %d and the API's 403", to, r.code, r.errOut, cmdutil.ExitAuth)
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("%s exists after the API refused the study (stat: %v)", path, err)
		}
	}
}

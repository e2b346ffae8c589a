package cli

import (
	"encoding/json"
	"strings"
	"testing"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
)

// subjectView is "subjects show" as JSON.
type subjectView struct {
	Subject imednet.Subject `json:"subject"`
	Visits  []struct {
		VisitID          int    `json:"visitId"`
		IntervalName     string `json:"intervalName"`
		IntervalSequence int    `json:"intervalSequence"`
		Forms            []subjectForm
	} `json:"visits"`
	OtherRecords    []subjectForm            `json:"otherRecords"`
	OpenQueries     []worklistItem           `json:"openQueries"`
	LatestRevisions []imednet.RecordRevision `json:"latestRevisions"`
}

type subjectForm struct {
	FormKey      string `json:"formKey"`
	RecordID     int    `json:"recordId"`
	RecordStatus string `json:"recordStatus"`
	Missing      bool   `json:"missing"`
	OpenQueries  int    `json:"openQueries"`
}

func TestSubjectShowGolden(t *testing.T) {
	srv := newSandbox(t)
	tree := run(t, env{srv: srv, tty: true}, "--sandbox", "subjects", "show", "04-001")
	mustOK(t, tree)
	golden(t, "subjects_show.tree", tree.out)
	piped := sbx(t, srv, "subjects", "show", "01-002", "--revisions", "3")
	mustOK(t, piped)
	golden(t, "subjects_show.json", piped.out)
	// Piped or -o json, it is the same single document.
	if j := sbx(t, srv, "subjects", "show", "01-002", "--revisions", "3", "-o", "json"); j.out != piped.out {
		t.Error("-o json differs from the piped default")
	}
	line := sbx(t, srv, "subjects", "show", "01-002", "-o", "jsonl")
	if strings.Count(line.out, "\n") != 1 || !json.Valid([]byte(line.out)) {
		t.Errorf("-o jsonl: not one line of JSON: %q", line.out)
	}
}

// TestSubjectShowAgainstTheData: every record of the subject is shown once, with its status;
// the visits are in schedule order; the open queries are the worklist's for the subject; the
// revisions are the subject's newest.
func TestSubjectShowAgainstTheData(t *testing.T) {
	srv := newSandbox(t)
	for _, key := range []string{"01-001", "04-001", "03-006"} {
		var v subjectView
		r := sbx(t, srv, "subjects", "show", key, "--revisions", "5")
		mustOK(t, r)
		if err := json.Unmarshal([]byte(r.out), &v); err != nil {
			t.Fatal(err)
		}
		if v.Subject.SubjectKey != key {
			t.Fatalf("subject %q", v.Subject.SubjectKey)
		}
		records := decodeLines[imednet.Record](t, sbx(t, srv, "records", "list", "--filter", "subjectKey=="+key, "-o", "jsonl").out)
		shown := map[int]subjectForm{}
		add := func(f subjectForm) {
			if f.Missing {
				return
			}
			if _, dup := shown[f.RecordID]; dup {
				t.Errorf("%s: record %d shown twice", key, f.RecordID)
			}
			shown[f.RecordID] = f
		}
		for i, vis := range v.Visits {
			if i > 0 && vis.IntervalSequence < v.Visits[i-1].IntervalSequence {
				t.Errorf("%s: visit %s before %s out of schedule order", key, v.Visits[i-1].IntervalName, vis.IntervalName)
			}
			for _, f := range vis.Forms {
				add(f)
			}
		}
		for _, f := range v.OtherRecords {
			add(f)
		}
		if len(shown) != len(records) || len(records) == 0 {
			t.Errorf("%s: %d records shown of %d", key, len(shown), len(records))
		}
		for _, rec := range records {
			if f := shown[rec.RecordID]; f.FormKey != rec.FormKey || f.RecordStatus != rec.RecordStatus {
				t.Errorf("%s: record %d shown as %+v, is %s %s", key, rec.RecordID, f, rec.FormKey, rec.RecordStatus)
			}
		}
		work := decodeLines[worklistItem](t, sbx(t, srv, "queries", "list", "--state", "open", "--filter", "subjectKey=="+key, "-o", "jsonl").out)
		if (len(work) > 0 || len(v.OpenQueries) > 0) && marshal(t, work) != marshal(t, v.OpenQueries) {
			t.Errorf("%s: open queries %s, the worklist has %s", key, marshal(t, v.OpenQueries), marshal(t, work))
		}
		revs := decodeLines[imednet.RecordRevision](t, sbx(t, srv, "revisions", "list", "--filter", "subjectKey=="+key, "--sort", "dateCreated,desc", "--limit", "5", "-o", "jsonl").out)
		if len(v.LatestRevisions) != 5 || marshal(t, revs) != marshal(t, v.LatestRevisions) {
			t.Errorf("%s: revisions %d, want the 5 newest", key, len(v.LatestRevisions))
		}
	}
}

// A scheduled form without a record shows as missing.
func TestSubjectShowMissingForms(t *testing.T) {
	srv := newSandbox(t)
	file := writeFile(t, "reg.json", `[{"formKey":"REG","siteName":"Chicago Hope Hospital","data":{"REGDT":"2025-06-01","INITIALS":"XYZ","CONSENT":true,"AGE":40}}]`)
	mustOK(t, sbx(t, srv, "records", "create", "--file", file, "--poll-interval", "5ms"))
	subjects := decodeLines[imednet.Subject](t, sbx(t, srv, "subjects", "list", "--sort", "subjectId,desc", "--limit", "1", "-o", "jsonl").out)
	r := sbx(t, srv, "subjects", "show", subjects[0].SubjectKey, "--jq", `[.visits[].forms[] | select(.missing) | .formKey] | join(",")`)
	mustOK(t, r)
	t.Logf("new subject %s: missing %s", subjects[0].SubjectKey, r.out)
	all := sbx(t, srv, "subjects", "show", subjects[0].SubjectKey, "-o", "json")
	var v subjectView
	if err := json.Unmarshal([]byte(all.out), &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Visits) == 0 {
		t.Skip("the sandbox made no visit for the new subject")
	}
	missing := 0
	for _, f := range v.Visits[0].Forms {
		if f.Missing {
			missing++
			if f.RecordID != 0 || f.RecordStatus != "" {
				t.Errorf("missing form with a record: %+v", f)
			}
		}
	}
	if missing == 0 {
		t.Errorf("a new subject's first visit has no missing form: %s", all.out)
	}
}

func TestSubjectShowErrors(t *testing.T) {
	srv := newSandbox(t)
	if r := sbx(t, srv, "subjects", "show", "99-999"); r.code != cmdutil.ExitFailure || !strings.Contains(r.errOut, "99-999") {
		t.Errorf("unknown subject: exit %d %q", r.code, r.errOut)
	}
	if r := sbx(t, srv, "subjects", "show", "01-001", "-o", "csv"); r.code != cmdutil.ExitUsage || r.out != "" {
		t.Errorf("-o csv: exit %d", r.code)
	}
	if r := sbx(t, srv, "subjects", "show"); r.code != cmdutil.ExitUsage {
		t.Errorf("no key: exit %d", r.code)
	}
	if r := sbx(t, srv, "subjects", "show", "01-001", "--revisions", "-1"); r.code != cmdutil.ExitUsage {
		t.Errorf("--revisions -1: exit %d", r.code)
	}
}

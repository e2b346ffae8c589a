package cli

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
)

// worklistItem is a line of the worklist as JSON.
type worklistItem struct {
	AnnotationID int               `json:"annotationId"`
	State        string            `json:"state"`
	AgeDays      int               `json:"ageDays"`
	DateCreated  imednet.Timestamp `json:"dateCreated"`
	SiteName     string            `json:"siteName"`
	SubjectKey   string            `json:"subjectKey"`
	FormKey      string            `json:"formKey"`
	Variable     string            `json:"variable"`
	RecordID     int               `json:"recordId"`
	Status       string            `json:"status"`
}

func TestQueryWorklistGolden(t *testing.T) {
	srv := newSandbox(t)
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"queries_worklist.table", []string{"queries", "list", "--state", "open", "--older-than", "14d", "-o", "table"}},
		{"queries_worklist.csv", []string{"queries", "list", "--state", "closed", "-o", "csv"}},
		{"queries_worklist.json", []string{"queries", "list", "--state", "all", "--site", "Chicago Hope Hospital", "-o", "json"}},
		{"queries_worklist_jq.txt", []string{"queries", "list", "--state", "open", "--limit", "3", "--jq", `"\(.ageDays)d \(.subjectKey) \(.formKey)/\(.variable)"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := sbx(t, srv, tc.args...)
			mustOK(t, r, tc.args...)
			golden(t, tc.name, r.out)
		})
	}
}

// TestQueryWorklistAgainstTheData checks the worklist against the raw queries, subjects and
// records: the state is the last comment's, the age counts from creation to the clock, the
// order is oldest first, the site and form are the subject's and the record's.
func TestQueryWorklistAgainstTheData(t *testing.T) {
	srv := newSandbox(t)
	raw := decodeLines[imednet.Query](t, sbx(t, srv, "queries", "list", "-o", "jsonl").out)
	subjects := decodeLines[imednet.Subject](t, sbx(t, srv, "subjects", "list", "-o", "jsonl").out)
	records := decodeLines[imednet.Record](t, sbx(t, srv, "records", "list", "-o", "jsonl").out)
	siteOf := map[string]string{}
	for _, s := range subjects {
		siteOf[s.SubjectKey] = s.SiteName
	}
	formOf := map[int]string{}
	for _, r := range records {
		formOf[r.RecordID] = r.FormKey
	}
	byID := map[int]imednet.Query{}
	for _, q := range raw {
		byID[q.AnnotationID] = q
	}
	all := decodeLines[worklistItem](t, sbx(t, srv, "queries", "list", "--state", "all", "-o", "jsonl").out)
	if len(all) != len(raw) || len(raw) == 0 {
		t.Fatalf("%d worklist items for %d queries", len(all), len(raw))
	}
	open, closed := 0, 0
	for i, it := range all {
		q := byID[it.AnnotationID]
		last := q.QueryComments[len(q.QueryComments)-1]
		want := "open"
		if last.Closed {
			want = "closed"
			closed++
		} else {
			open++
		}
		if it.State != want || it.Status != last.AnnotationStatus {
			t.Errorf("query %d: state %s (%s), last comment closed=%v (%s)", it.AnnotationID, it.State, it.Status, last.Closed, last.AnnotationStatus)
		}
		if days := int(testNow.Sub(q.DateCreated.Time) / (24 * time.Hour)); it.AgeDays != days {
			t.Errorf("query %d: %d days, want %d", it.AnnotationID, it.AgeDays, days)
		}
		if i > 0 && it.AgeDays > all[i-1].AgeDays {
			t.Errorf("not oldest first at %d: %d after %d", i, it.AgeDays, all[i-1].AgeDays)
		}
		if it.SiteName != siteOf[q.SubjectKey] || it.SiteName == "" {
			t.Errorf("query %d: site %q, subject %s is at %q", it.AnnotationID, it.SiteName, q.SubjectKey, siteOf[q.SubjectKey])
		}
		if it.FormKey != formOf[q.RecordID] || (q.RecordID != 0) != (it.FormKey != "") {
			t.Errorf("query %d: form %q, record %d is of %q", it.AnnotationID, it.FormKey, q.RecordID, formOf[q.RecordID])
		}
	}
	if open == 0 || closed == 0 {
		t.Fatalf("the sandbox should have open (%d) and closed (%d) queries", open, closed)
	}
	for state, n := range map[string]int{"open": open, "closed": closed} {
		got := decodeLines[worklistItem](t, sbx(t, srv, "queries", "list", "--state", state, "-o", "jsonl").out)
		if len(got) != n {
			t.Errorf("--state %s: %d, want %d", state, len(got), n)
		}
	}
	// --older-than keeps the queries strictly older; --limit keeps the oldest, after the sort.
	mid := all[len(all)/2].AgeDays
	older := decodeLines[worklistItem](t, sbx(t, srv, "queries", "list", "--state", "all", "--older-than", strconv.Itoa(mid)+"d", "-o", "jsonl").out)
	for _, it := range older {
		if it.AgeDays < mid {
			t.Errorf("--older-than %dd kept a query of %d days", mid, it.AgeDays)
		}
	}
	if len(older) == 0 || len(older) >= len(all) {
		t.Errorf("--older-than %dd kept %d of %d", mid, len(older), len(all))
	}
	two := decodeLines[worklistItem](t, sbx(t, srv, "queries", "list", "--state", "all", "--limit", "2", "-o", "jsonl").out)
	if len(two) != 2 || two[0].AnnotationID != all[0].AnnotationID || two[1].AnnotationID != all[1].AnnotationID {
		t.Errorf("--limit 2: %v, want the first two of %v", two, all[:2])
	}
	// --site by id is the same as by name.
	byName := sbx(t, srv, "queries", "list", "--state", "all", "--site", "chicago hope hospital", "-o", "jsonl")
	byNum := sbx(t, srv, "queries", "list", "--state", "all", "--site", "101", "-o", "jsonl")
	if byName.out != byNum.out || byName.out == "" {
		t.Errorf("--site by name and id differ:\n%s\n%s", byName.out, byNum.out)
	}
	for _, it := range decodeLines[worklistItem](t, byName.out) {
		if it.SiteName != "Chicago Hope Hospital" {
			t.Errorf("--site kept %+v", it)
		}
	}
	// Without the worklist flags, the list is the API's.
	plain := decodeLines[imednet.Query](t, sbx(t, srv, "queries", "list", "-o", "jsonl").out)
	if !slices.EqualFunc(plain, raw, func(a, b imednet.Query) bool { return a.AnnotationID == b.AnnotationID }) {
		t.Error("queries list without worklist flags changed")
	}
}

func TestQueryWorklistBadFlags(t *testing.T) {
	srv := newSandbox(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"queries", "list", "--state", "pending"}, `--state "pending": expected open, closed or all`},
		{[]string{"queries", "list", "--older-than", "two weeks"}, `--older-than "two weeks": expected an age such as 14d`},
		{[]string{"queries", "list", "--older-than", "-3d"}, `--older-than "-3d"`},
		{[]string{"queries", "list", "--site", "Atlantis"}, `--site "Atlantis": no subject`},
		{[]string{"queries", "list", "--state", "open", "--json", "ageDay"}, `unknown field "ageDay"; did you mean 'ageDays'?`},
	} {
		r := sbx(t, srv, tc.args...)
		if r.code != cmdutil.ExitUsage || r.out != "" || !strings.Contains(r.errOut, tc.want) {
			t.Errorf("%v: exit %d %q %q", tc.args, r.code, r.out, r.errOut)
		}
	}
}

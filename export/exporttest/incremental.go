package exporttest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/imednet/imednet-go"

	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/imednettest"
)

// incrementalTables are the reference listings a sync fetches from their high-water marks.
var incrementalTables = []string{"sites", "intervals", "visits", "record_revisions", "codings"}

// requestsSince returns how many requests of each path template srv served since before.
func requestsSince(srv *imednettest.Server, before map[string]int) map[string]int {
	out := map[string]int{}
	for k, n := range srv.Stats().Requests {
		if d := n - before[k]; d > 0 {
			out[k] = d
		}
	}
	return out
}

// checkIncremental fails t unless the sync fetched every incremental listing from its mark
// and the ledger holds a mark for each.
func checkIncremental(t *testing.T, h Harness, tg Target, sum *export.Summary) {
	t.Helper()
	got := map[string]export.TableResult{}
	for _, r := range sum.Tables {
		got[r.Table] = r
	}
	for _, name := range incrementalTables {
		if r := got[name]; r.Since.IsZero() || r.Refused != "" || r.Err != nil {
			t.Errorf("table %s: %+v; want fetched from its mark", name, r)
		}
	}
	l := ledger(t, h, tg)
	for _, name := range incrementalTables {
		if st := l.Tables[name]; st.Mark.IsZero() || st.Refused != "" || st.RunID != sum.RunID {
			t.Errorf("ledger of table %s: %+v; want a mark written by run %s", name, st, sum.RunID)
		}
	}
}

// testIncrementalTables: after an export, a sync with nothing changed reads no reference
// listing whole; after additions, changes and deletions of every kind of reference item
// (a record updated, one deleted, a subject registered, codings recoded and added, a site
// renamed, a query closed by a comment), then after an interval's window changed (which moves
// visits without a change of theirs), each sync fetches the incremental listings from their
// marks and leaves the target equal to a fresh export.
func testIncrementalTables(t *testing.T, h Harness) {
	srv := newServer(t)
	c := newClient(t, srv)
	st := srv.Study(Study)
	opts := export.Options{Layout: export.Wide, PageSize: 7}
	tg := target(t, "incr", false)
	mustRun(t, h, tg, c, opts)
	l := ledger(t, h, tg)
	for _, name := range incrementalTables {
		if l.Tables[name].Mark.IsZero() {
			t.Errorf("after the export, the ledger has no mark for table %s: %+v", name, l.Tables[name])
		}
	}

	sync := opts
	sync.Mode = export.ModeSync
	// The test server's clock ticks a second per change: a short overlap keeps each sync
	// from re-reading the changes of the step before.
	sync.Overlap = time.Second
	before := srv.Stats().Requests
	sum := mustRun(t, h, tg, c, sync)
	checkIncremental(t, h, tg, sum)
	// The overlap re-reads the last changes (those within Options.Overlap of the mark), no
	// more: one page of visits at most, and a few rows of each table.
	reqs := requestsSince(srv, before)
	if n := reqs["GET /studies/{studyKey}/visits"]; n > 1 {
		t.Errorf("a sync with nothing changed requested the visits %d times", n)
	}
	if n := reqs["GET /studies/{studyKey}/recordRevisions"]; n != 2 {
		t.Errorf("a sync with nothing changed requested the record revisions %d times, want 2 (theirs and the visits')", n)
	}
	dump := h.Dump(t, tg)
	for _, r := range sum.Tables {
		if slices.Contains(incrementalTables, r.Table) && r.Table != "sites" && r.Table != "intervals" && 2*r.Rows > int64(len(dump[r.Table])) {
			t.Errorf("a sync with nothing changed wrote %d rows of %s, which has %d", r.Rows, r.Table, len(dump[r.Table]))
		}
	}

	// Changes of every kind.
	vs := st.RecordIDs("VS")
	info, _ := st.Record(vs[0])
	if err := st.UpdateRecord(vs[0], map[string]string{}); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteRecord(vs[1]); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddRecord(imednettest.NewRecord{FormKey: "REG", SiteName: siteName(t, c), Data: map[string]string{}}); err != nil {
		t.Fatal(err)
	}
	ae := st.RecordIDs("AE")
	for _, id := range ae[:2] { // recoded, or coded for the first time
		if _, err := st.CodeRecord(id); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.RenameSite(info.SiteID, "Renamed Site"); err != nil {
		t.Fatal(err)
	}
	queries := st.QueryIDs()
	if len(queries) == 0 {
		t.Fatal("the study has no query")
	}
	if err := st.CommentQuery(queries[0], true); err != nil {
		t.Fatal(err)
	}
	sum = mustRun(t, h, tg, c, sync)
	checkIncremental(t, h, tg, sum)
	SameTables(t, h.Dump(t, tg), clean(t, h, c, opts))

	// An interval redefined: its visits move, and the sync lists them whole.
	if err := st.SetIntervalWindow(windowedInterval(t, c), 9, 11); err != nil {
		t.Fatal(err)
	}
	before = srv.Stats().Requests
	sum = mustRun(t, h, tg, c, sync)
	checkIncremental(t, h, tg, sum)
	if n := requestsSince(srv, before)["GET /studies/{studyKey}/visits"]; n < st.Counts().Visits/opts.PageSize {
		t.Errorf("after an interval changed, the sync requested the visits %d times; want the whole listing", n)
	}
	SameTables(t, h.Dump(t, tg), clean(t, h, c, opts))
}

// windowedInterval returns the id of an interval whose visits have a window (a due date).
func windowedInterval(t *testing.T, c *imednet.Client) int {
	t.Helper()
	for iv, err := range c.Intervals.All(context.Background(), Study, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if iv.Timeline != "None" && iv.Timeline != "" && !iv.Disabled {
			return iv.IntervalID
		}
	}
	t.Fatal("the study has no interval with a visit window")
	return 0
}

// siteName returns the name of the study's first site.
func siteName(t *testing.T, c *imednet.Client) string {
	t.Helper()
	for s, err := range c.Sites.All(context.Background(), Study, nil) {
		if err != nil {
			t.Fatal(err)
		}
		return s.SiteName
	}
	t.Fatal("the study has no site")
	return ""
}

// refusedPaths are the listings whose incremental filters testRefusedFilter makes the
// server refuse, and refusedAttrs the attributes.
var (
	refusedPaths = []string{"/studies/{studyKey}/sites", "/studies/{studyKey}/intervals", "/studies/{studyKey}/visits",
		"/studies/{studyKey}/recordRevisions", "/studies/{studyKey}/codings"}
	refusedAttrs = []string{"dateModified", "dateCreated", "dateCoded", "subjectKey"}
)

// testRefusedFilter: when the service answers 400 to the incremental filters, a sync lists
// those tables whole, says so in its summary and the ledger, and leaves the target equal to a
// fresh export; the next sync does not try the filters again, and a sync with Full does.
func testRefusedFilter(t *testing.T, h Harness) {
	srv := newServer(t)
	c := newClient(t, srv)
	opts := export.Options{Layout: export.Wide}
	tg := target(t, "refused", false)
	mustRun(t, h, tg, c, opts)
	if err := srv.SetFaults(imednettest.Faults{Paths: refusedPaths, RefuseFilters: refusedAttrs}); err != nil {
		t.Fatal(err)
	}
	sync := opts
	sync.Mode = export.ModeSync
	sum := mustRun(t, h, tg, c, sync)
	refusals := srv.Stats().Faults[imednettest.FaultFilterRefused]
	if refusals == 0 {
		t.Fatal("the server refused no filter")
	}
	got := map[string]export.TableResult{}
	for _, r := range sum.Tables {
		got[r.Table] = r
	}
	l := ledger(t, h, tg)
	for _, name := range incrementalTables {
		if r := got[name]; !r.Since.IsZero() || r.Refused == "" || r.Err != nil || r.Rows == 0 {
			t.Errorf("table %s: %+v; want listed whole after a refusal", name, r)
		}
		if s := l.Tables[name]; s.Refused == "" || s.Mark.IsZero() {
			t.Errorf("ledger of table %s: %+v; want the refusal and a mark", name, s)
		}
	}
	var want map[string][]string
	func() {
		srv.SetFaults(imednettest.Faults{})
		defer srv.SetFaults(imednettest.Faults{Paths: refusedPaths, RefuseFilters: refusedAttrs})
		want = clean(t, h, c, opts)
	}()
	SameTables(t, h.Dump(t, tg), want)

	// The ledger remembers: no filter is tried again.
	refusals = srv.Stats().Faults[imednettest.FaultFilterRefused]
	sum = mustRun(t, h, tg, c, sync)
	if n := srv.Stats().Faults[imednettest.FaultFilterRefused]; n != refusals {
		t.Errorf("the next sync tried refused filters again (%d more refusals)", n-refusals)
	}
	for _, r := range sum.Tables {
		if slices.Contains(incrementalTables, r.Table) && r.Refused == "" {
			t.Errorf("table %s: the summary forgot the refusal", r.Table)
		}
	}

	// A sync with Full clears the refusals; the one after tries the filters again.
	srv.SetFaults(imednettest.Faults{})
	full := sync
	full.Full = true
	mustRun(t, h, tg, c, full)
	sum = mustRun(t, h, tg, c, sync)
	checkIncremental(t, h, tg, sum)
	SameTables(t, h.Dump(t, tg), want)
}

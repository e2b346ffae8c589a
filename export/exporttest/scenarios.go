package exporttest

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/imednettest"
)

// testExport: the reference export landed exactly the server's records and reference items,
// the summary and the ledger count them, and a rerun changes nothing.
func testExport(t *testing.T, h Harness, ref *reference) {
	srv, c, tg, sum, events, dump := ref.srv, ref.c, ref.tg, ref.sum, ref.events, ref.dump
	st := srv.Study(Study)

	if len(sum.Forms) == 0 || len(sum.Failed()) != 0 {
		t.Fatalf("summary: %d forms, failed %v", len(sum.Forms), sum.Failed())
	}
	all := map[int64]bool{}
	for _, f := range sum.Forms {
		ids := st.RecordIDs(f.FormKey)
		if f.Status != export.Succeeded || f.Skipped || f.Records != int64(len(ids)) {
			t.Errorf("form %s: %s (skipped %v) with %d records, want succeeded with %d", f.FormKey, f.Status, f.Skipped, f.Records, len(ids))
		}
		want := map[int64]bool{}
		for _, id := range ids {
			want[int64(id)] = true
			all[int64(id)] = true
		}
		sameIDs(t, export.WideTablePrefix+f.FormKey, h.RecordIDs(t, tg, export.WideTablePrefix+f.FormKey), want)
	}
	if len(all) == 0 || sum.Records != int64(len(all)) || len(all) != len(st.RecordIDs("")) {
		t.Errorf("summary: %d records; the forms have %d, the study %d", sum.Records, len(all), len(st.RecordIDs("")))
	}
	sameIDs(t, export.RawTable, h.RecordIDs(t, tg, export.RawTable), all)

	// The reference tables hold the server's items, and the lists inside them.
	counts := st.Counts()
	want := map[string]int{
		"studies": 1, "sites": counts.Sites, "subjects": counts.Subjects, "forms": counts.Forms,
		"variables": counts.Variables, "intervals": counts.Intervals, "visits": counts.Visits,
		"queries": counts.Queries, "record_revisions": counts.RecordRevisions, "codings": counts.Codings,
	}
	ctx := context.Background()
	for s, err := range c.Subjects.All(ctx, Study, nil) {
		if err != nil {
			t.Fatal(err)
		}
		want["subject_keywords"] += len(s.Keywords)
	}
	for i, err := range c.Intervals.All(ctx, Study, nil) {
		if err != nil {
			t.Fatal(err)
		}
		want["interval_forms"] += len(i.Forms)
	}
	for q, err := range c.Queries.All(ctx, Study, nil) {
		if err != nil {
			t.Fatal(err)
		}
		want["query_comments"] += len(q.QueryComments)
	}
	for u, err := range c.Users.All(ctx, Study, &imednet.UserListOptions{IncludeInactive: true}) {
		if err != nil {
			t.Fatal(err)
		}
		want["users"]++
		want["user_roles"] += len(u.Roles)
	}
	for table, n := range want {
		// The generated study has every kind of item but subjects' keywords.
		if got := len(dump[table]); got != n || (n == 0 && table != "subject_keywords") {
			t.Errorf("table %s: %d rows, want %d (and not 0)", table, got, n)
		}
	}
	if len(dump[export.LongTable]) == 0 || len(dump[export.ColumnsTable]) == 0 {
		t.Errorf("%s: %d rows, %s: %d rows", export.LongTable, len(dump[export.LongTable]), export.ColumnsTable, len(dump[export.ColumnsTable]))
	}

	// The ledger: one finished run, every form succeeded with its high-water mark.
	l := ledger(t, h, tg)
	if len(l.Runs) != 1 || l.Runs[0].Finished.IsZero() || l.Runs[0].Records != sum.Records || l.Runs[0].Error != "" || l.Runs[0].Forms != len(sum.Forms) {
		t.Errorf("runs: %+v", l.Runs)
	}
	for _, f := range sum.Forms {
		fs, ok := l.Forms[f.FormKey]
		var mark time.Time
		for _, id := range st.RecordIDs(f.FormKey) {
			if r, _ := st.Record(id); r.DateModified.After(mark) {
				mark = r.DateModified
			}
		}
		if !ok || fs.Status != export.Succeeded || !fs.Watermark.Equal(mark) || fs.RunID != sum.RunID || fs.Records != f.Records ||
			fs.Started.IsZero() || fs.Finished.IsZero() {
			t.Errorf("ledger of form %s: %+v; want succeeded with %d records and watermark %s", f.FormKey, fs, f.Records, mark)
		}
	}

	// Events: the run starts and finishes, each form starts, writes pages and finishes.
	started, finished, pages := map[string]bool{}, map[string]bool{}, 0
	for _, e := range events {
		switch e.Kind {
		case export.FormStarted:
			started[e.Form] = true
		case export.FormFinished:
			if !started[e.Form] {
				t.Errorf("form %s finished before it started", e.Form)
			}
			finished[e.Form] = true
		case export.PageWritten:
			pages++
		}
	}
	if len(events) == 0 || len(finished) != len(sum.Forms) || pages < len(sum.Forms) ||
		events[0].Kind != export.RunStarted || events[len(events)-1].Kind != export.RunFinished {
		t.Errorf("events: %d in all, %d forms finished, %d pages", len(events), len(finished), pages)
	}

	// A rerun duplicates nothing and changes nothing.
	for _, f := range mustRun(t, h, tg, c, ref.opts).Forms {
		if f.Skipped {
			t.Errorf("form %s skipped after a complete run", f.FormKey)
		}
	}
	SameTables(t, h.Dump(t, tg), dump)
}

// sameIDs checks that a table holds each of the record ids of want once, and nothing else.
func sameIDs(t *testing.T, table string, got []int64, want map[int64]bool) {
	t.Helper()
	seen := map[int64]bool{}
	for _, id := range got {
		if !want[id] {
			t.Errorf("table %s: record %d is not the server's", table, id)
		}
		if seen[id] {
			t.Errorf("table %s: record %d twice", table, id)
		}
		seen[id] = true
	}
	if len(seen) != len(want) {
		t.Errorf("table %s: %d records, the server has %d", table, len(seen), len(want))
	}
}

// testSync: a sync after changes, additions and soft deletions fetches only what changed and
// leaves the target equal to a fresh export (in both layouts, with columns named after the
// labels).
func testSync(t *testing.T, h Harness) {
	srv := newServer(t)
	c := newClient(t, srv)
	st := srv.Study(Study)
	opts := export.Options{Layout: export.Both, Labels: true, BatchSize: 20}
	tg := target(t, "synced", false)
	mustRun(t, h, tg, c, opts)

	// Blank two answered values of a record, delete another, add a third.
	vs := st.RecordIDs("VS")
	if len(vs) < 2 {
		t.Fatalf("form VS has %d records", len(vs))
	}
	info, _ := st.Record(vs[1])
	changed := map[string]string{}
	for name, v := range info.Data {
		if v != "" && len(changed) < 2 {
			changed[name] = ""
		}
	}
	if len(changed) == 0 {
		t.Fatalf("record %d has no answered value", vs[1])
	}
	if err := st.UpdateRecord(vs[1], changed); err != nil {
		t.Fatal(err)
	}
	gone := 0
	for _, id := range st.RecordIDs("AE") {
		if r, _ := st.Record(id); !r.Deleted {
			gone = id
			break
		}
	}
	if err := st.DeleteRecord(gone); err != nil {
		t.Fatal(err)
	}
	subject, _ := st.Record(vs[0])
	added, err := st.AddRecord(imednettest.NewRecord{FormKey: "AE", SubjectKey: subject.SubjectKey, Data: map[string]string{}})
	if err != nil {
		t.Fatal(err)
	}

	opts.Mode = export.ModeSync
	sum := mustRun(t, h, tg, c, opts)
	for _, f := range sum.Forms {
		// A form without records has no high-water mark: it is listed whole (and empty).
		if f.Since.IsZero() && len(st.RecordIDs(f.FormKey)) > 0 {
			t.Errorf("form %s was fetched whole by the sync", f.FormKey)
		}
	}
	if total := len(st.RecordIDs("")); sum.Records >= int64(total) || sum.Records < 3 {
		t.Errorf("the sync fetched %d records, want at least the 3 changed and fewer than the study's %d", sum.Records, total)
	}
	if !slices.Contains(h.RecordIDs(t, tg, export.WideTablePrefix+"AE"), int64(added)) {
		t.Errorf("the added record %d is not in %sAE", added, export.WideTablePrefix)
	}

	opts.Mode = export.ModeExport
	SameTables(t, h.Dump(t, tg), clean(t, h, c, opts))
}

// testResumeAfterCancel: a run cancelled part-way, then again at once, is resumed by the next
// run, which skips the forms done and leaves the target equal to a clean export.
func testResumeAfterCancel(t *testing.T, h Harness, ref *reference) {
	c := newClient(t, newServer(t))
	tg := target(t, "cancelled", false)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	finished := 0
	opts := export.Options{Layout: export.Both, Concurrency: 1, PageSize: 5, BatchSize: 7}
	opts.OnEvent = func(e export.Event) {
		if e.Kind == export.FormFinished {
			if finished++; finished == 3 {
				cancel() // between forms and, for the next form, possibly inside a Write
			}
		}
	}
	if _, err := run(ctx, t, h, tg, c, opts); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: %v, want context.Canceled", err)
	}
	l := ledger(t, h, tg)
	done := 0
	for _, fs := range l.Forms {
		if fs.Status == export.Succeeded {
			done++
		}
	}
	if done < 3 || done == len(l.Forms) || len(l.Runs) != 1 || l.Runs[0].Error == "" {
		t.Fatalf("after the interruption: %d of %d forms succeeded, runs %+v; want 3 or a few more, and an error", done, len(l.Forms), l.Runs)
	}

	// Interrupted again, at once: the forms done stay done.
	ctx2, cancel2 := context.WithCancel(context.Background())
	cancel2()
	opts.OnEvent = nil
	if _, err := run(ctx2, t, h, tg, c, opts); err == nil {
		t.Fatal("a run with a cancelled context succeeded")
	}

	var skipped []string
	opts.OnEvent = func(e export.Event) {
		if e.Kind == export.FormSkipped {
			skipped = append(skipped, e.Form)
		}
	}
	sum := mustRun(t, h, tg, c, opts)
	if len(skipped) != done {
		t.Errorf("the resumed run skipped %v, want the %d forms done", skipped, done)
	}
	for _, f := range sum.Forms {
		if f.Status != export.Succeeded || f.Skipped != slices.Contains(skipped, f.FormKey) {
			t.Errorf("resumed run: form %s: %s, skipped %v", f.FormKey, f.Status, f.Skipped)
		}
	}
	SameTables(t, h.Dump(t, tg), ref.dump)
}

// testFaults: an export through a server that fails 30% of the requests (429, 5xx, resets,
// bodies cut short or malformed), with a client that retries, equals a clean export.
func testFaults(t *testing.T, h Harness, ref *reference) {
	srv := newServer(t, imednettest.WithFaults(imednettest.FaultsAtRate(0.3)))
	c := newClient(t, srv, imednet.WithMaxRetries(12), imednet.WithBackoff(time.Millisecond, 4*time.Millisecond),
		imednet.WithMaxRetryAfter(time.Millisecond))
	tg := target(t, "faults", false)
	opts := export.Options{Layout: export.Both, PageSize: 4}
	mustRun(t, h, tg, c, opts)
	faults := srv.Stats().Faults
	for _, k := range []imednettest.FaultKind{imednettest.FaultTooManyRequests, imednettest.FaultServerError, imednettest.FaultReset} {
		if faults[k] == 0 {
			t.Fatalf("no fault of kind %s was injected: %v", k, faults)
		}
	}
	SameTables(t, h.Dump(t, tg), ref.dump)
}

// failedForm is the form whose records requests fail in testFailedForm.
const failedForm = "AE"

// roundTripper is a function as an http.RoundTripper.
type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// testFailedForm: a form whose every records request fails is marked failed, the other forms
// succeed, and the run says so; the next run, without the fault, does that form alone and
// leaves the target equal to a clean export.
func testFailedForm(t *testing.T, h Harness, ref *reference) {
	srv := newServer(t)
	var failing atomic.Bool
	failing.Store(true)
	c := newClient(t, srv, imednet.WithMiddleware(func(next http.RoundTripper) http.RoundTripper {
		return roundTripper(func(r *http.Request) (*http.Response, error) {
			if failing.Load() && strings.HasSuffix(r.URL.Path, "/records") && strings.Contains(r.URL.Query().Get("filter"), "formKey=="+failedForm) {
				return &http.Response{StatusCode: http.StatusInternalServerError, Header: http.Header{"Content-Type": {"application/json"}},
					Body: http.NoBody, Request: r}, nil
			}
			return next.RoundTrip(r)
		})
	}))
	tg := target(t, "failed", false)
	opts := export.Options{} // the wide layout alone
	sum, err := run(context.Background(), t, h, tg, c, opts)
	var re *export.RunError
	if !errors.As(err, &re) || !slices.Equal(re.Failed, []string{failedForm}) || !errors.Is(err, imednet.ErrServer) {
		t.Fatalf("error %v; want a *RunError naming %s that wraps the server error", err, failedForm)
	}
	if sum == nil || !slices.Equal(sum.Failed(), []string{failedForm}) {
		t.Fatalf("the summary %+v does not name %s alone as failed", sum, failedForm)
	}
	l := ledger(t, h, tg)
	if len(l.Forms) != len(sum.Forms) {
		t.Errorf("the ledger has %d forms, the summary %d", len(l.Forms), len(sum.Forms))
	}
	for key, fs := range l.Forms {
		want := export.Succeeded
		if key == failedForm {
			want = export.Failed
		}
		if fs.Status != want || (key == failedForm) != (fs.Error != "") {
			t.Errorf("ledger of %s: %s (%q), want %s", key, fs.Status, fs.Error, want)
		}
	}
	if len(l.Runs) != 1 || l.Runs[0].FailedForms != 1 || l.Runs[0].Error == "" || l.Runs[0].Finished.IsZero() {
		t.Errorf("runs: %+v; want one, finished, with one failed form and an error", l.Runs)
	}

	// The next run redoes only the failed form.
	failing.Store(false)
	sum = mustRun(t, h, tg, c, opts)
	for _, f := range sum.Forms {
		if f.Skipped == (f.FormKey == failedForm) || f.Status != export.Succeeded {
			t.Errorf("resumed run: form %s skipped %v, %s", f.FormKey, f.Skipped, f.Status)
		}
	}
	SameTables(t, h.Dump(t, tg), ref.wide())
}

// testRecordsOnly: a records-only run requests no reference listing and writes the record
// tables exactly as a full export does; a later full run adds the reference tables.
func testRecordsOnly(t *testing.T, h Harness, ref *reference) {
	srv := newServer(t)
	c := newClient(t, srv)
	want := ref.wide()

	before := srv.Stats().Requests
	tg := target(t, "records", false)
	sum := mustRun(t, h, tg, c, export.Options{RecordsOnly: true})
	if len(sum.Tables) != 0 {
		t.Errorf("the summary lists reference tables: %+v", sum.Tables)
	}
	for k, n := range srv.Stats().Requests {
		if n == before[k] {
			continue
		}
		switch k {
		case "GET /studies/{studyKey}/forms", "GET /studies/{studyKey}/variables", "GET /studies/{studyKey}/records":
		default:
			t.Errorf("a records-only run requested %s (%d times)", k, n-before[k])
		}
	}
	records := recordTables(want)
	if len(records) < 5 || len(records) == len(want) {
		t.Fatalf("the full export has %d tables, %d of them record tables", len(want), len(records))
	}
	SameTables(t, h.Dump(t, tg), records)

	// The reference tables come with the next full run.
	mustRun(t, h, tg, c, export.Options{Full: true})
	SameTables(t, h.Dump(t, tg), want)
}

package report_test

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/export/postgres"
	"github.com/imednet/imednet-go/export/sqlite"
	"github.com/imednet/imednet-go/imednettest"
	"github.com/imednet/imednet-go/report"
)

// study is a test server with a study exported once, changed, then synced: a ledger of two
// runs.
type study struct {
	srv    *imednettest.Server
	client *imednet.Client
	key    string
	// The ledger's clock for the two runs: the second a few days after the 90th percentile
	// of the queries' creation, so that the open queries fall in every age bucket, the first
	// three weeks before it.
	run1, run2 time.Time
}

func newStudy(t *testing.T, key string) *study {
	t.Helper()
	srv, err := imednettest.New(imednettest.WithStudy(imednettest.StudyConfig{
		Key: key, Sites: 5, Subjects: 60, RecordsPerSubject: 25, QueryFraction: 0.15, DeletedFraction: 0.05,
	}))
	if err != nil {
		t.Fatal(err)
	}
	client, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	var created []time.Time
	for q, err := range client.Queries.All(context.Background(), key, nil) {
		if err != nil {
			t.Fatal(err)
		}
		created = append(created, q.DateCreated.Time)
	}
	slices.SortFunc(created, time.Time.Compare)
	run2 := created[len(created)*9/10].Add(3 * 24 * time.Hour).Truncate(time.Second)
	return &study{srv: srv, client: client, key: key, run1: run2.Add(-21 * 24 * time.Hour), run2: run2}
}

// exportTwice exports the study into sink with the clock at run1, changes it (a record
// updated, one deleted, one added), and syncs it with the clock at run2.
func (s *study) exportTwice(t *testing.T, sink export.Sink) {
	t.Helper()
	ctx := context.Background()
	if _, err := export.Run(ctx, s.client, s.key, sink, export.Options{Now: func() time.Time { return s.run1 }}); err != nil {
		t.Fatal(err)
	}
	st := s.srv.Study(s.key)
	vs := st.RecordIDs("VS")
	if err := st.UpdateRecord(vs[1], map[string]string{}); err != nil {
		t.Fatal(err)
	}
	page, err := s.client.Sites.List(ctx, s.key, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddRecord(imednettest.NewRecord{FormKey: "REG", SiteName: page.Items[0].SiteName}); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteRecord(vs[2]); err != nil {
		t.Fatal(err)
	}
	if _, err := export.Sync(ctx, s.client, s.key, sink, export.Options{Now: func() time.Time { return s.run2 }}); err != nil {
		t.Fatal(err)
	}
}

func exportSQLite(t *testing.T, s *study) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), s.key+".db")
	sink, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s.exportTwice(t, sink)
	if err := sink.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// pgConn returns the test server's connection string, or skips (fails when
// IMEDNET_REQUIRE_POSTGRES=1 or in CI) without one.
func pgConn(t *testing.T) string {
	t.Helper()
	conn := os.Getenv("IMEDNET_TEST_POSTGRES")
	if conn == "" {
		msg := "no PostgreSQL server: set IMEDNET_TEST_POSTGRES to a connection string"
		if os.Getenv("IMEDNET_REQUIRE_POSTGRES") == "1" || os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return conn
}

// exportPostgres exports the study into a schema of its own, dropped when the test ends.
func exportPostgres(t *testing.T, s *study) (conn, schema string) {
	t.Helper()
	conn = pgConn(t)
	b := make([]byte, 6)
	rand.Read(b)
	schema = "report_test_" + hex.EncodeToString(b)
	ctx := context.Background()
	sink, err := postgres.Open(ctx, conn, s.key, postgres.WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), conn)
		if err == nil {
			c.Exec(context.Background(), `DROP SCHEMA "`+schema+`" CASCADE`)
			c.Close(context.Background())
		}
	})
	s.exportTwice(t, sink)
	sink.Close()
	return conn, schema
}

func TestReportSQLiteMatchesBruteForce(t *testing.T) {
	s := newStudy(t, "RPT")
	path := exportSQLite(t, s)
	src, err := report.OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	checkAgainstBruteForce(t, s, src)
}

func TestReportPostgresMatchesBruteForce(t *testing.T) {
	s := newStudy(t, "RPT")
	conn, schema := exportPostgres(t, s)
	src, err := report.OpenPostgres(context.Background(), conn, schema)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	checkAgainstBruteForce(t, s, src)
}

func checkAgainstBruteForce(t *testing.T, s *study, src *report.Source) {
	t.Helper()
	opts := report.Options{MissingLimit: 40, TopN: 5}
	got, err := src.Build(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	want := bruteForce(t, s, opts)
	if !got.DataCut.Equal(s.run2) {
		t.Errorf("data cut %s, want the end of the last run %s", got.DataCut, s.run2)
	}
	if got.Study != s.key {
		t.Errorf("study %q, want %q", got.Study, s.key)
	}
	// The figures must have some substance, or the comparison proves little.
	if want.Queries.Open == 0 || want.Queries.Closed == 0 || want.Completeness.Missing == 0 || want.Completeness.Received == 0 ||
		want.Changes.RecordsChanged == 0 || want.Changes.RecordsAdded == 0 || len(want.Queries.Weekly) < 3 {
		t.Fatalf("the test study is too plain: %+v %+v", want.Queries, want.Completeness)
	}
	nonEmpty := 0
	for _, b := range want.Queries.Ageing {
		if b.Queries > 0 {
			nonEmpty++
		}
	}
	if nonEmpty < 3 {
		t.Fatalf("open queries in %d age buckets only: %+v", nonEmpty, want.Queries.Ageing)
	}
	// Medians are compared to a tenth of a day (the database's clock arithmetic rounds).
	for i := range got.Sites.Sites {
		g, w := got.Sites.Sites[i].MedianDaysOpen, (*float64)(nil)
		if i < len(want.Sites.Sites) {
			w = want.Sites.Sites[i].MedianDaysOpen
		}
		if (g == nil) != (w == nil) || g != nil && math.Abs(*g-*w) > 0.11 {
			t.Errorf("site %d: median days open %v, want %v", i, fmtp(g), fmtp(w))
		}
		if g != nil && w != nil {
			got.Sites.Sites[i].MedianDaysOpen = w
		}
		if l := got.Sites.Sites[i].LastDataEntry; l != nil && i < len(want.Sites.Sites) && want.Sites.Sites[i].LastDataEntry != nil &&
			l.Sub(*want.Sites.Sites[i].LastDataEntry).Abs() < 2*time.Millisecond {
			got.Sites.Sites[i].LastDataEntry = want.Sites.Sites[i].LastDataEntry
		}
	}
	for _, sec := range []struct {
		name      string
		got, want any
	}{
		{"enrollment", got.Enrollment, want.Enrollment},
		{"queries", got.Queries, want.Queries},
		{"completeness", got.Completeness, want.Completeness},
		{"sites", got.Sites, want.Sites},
		{"activity", got.Activity, want.Activity},
		{"changes", got.Changes, want.Changes},
	} {
		g, _ := json.MarshalIndent(sec.got, "", " ")
		w, _ := json.MarshalIndent(sec.want, "", " ")
		if string(g) != string(w) {
			t.Errorf("%s differs from the brute-force computation:\n%s", sec.name, diffLines(string(g), string(w)))
		}
	}
}

func fmtp(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// diffLines shows the first lines that differ, with some context.
func diffLines(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < max(len(g), len(w)); i++ {
		var a, b string
		if i < len(g) {
			a = g[i]
		}
		if i < len(w) {
			b = w[i]
		}
		if a != b {
			lo := max(0, i-4)
			return "got:\n" + strings.Join(g[lo:min(len(g), i+4)], "\n") + "\nwant:\n" + strings.Join(w[lo:min(len(w), i+4)], "\n")
		}
	}
	return ""
}

func all[T any](t *testing.T, seq func(func(T, error) bool)) []T {
	t.Helper()
	var out []T
	for x, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, x)
	}
	return out
}

func week(ts imednet.Timestamp) string {
	d := ts.Time.UTC()
	d = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7)).Format("2006-01-02")
}

func pct(received, expected int64) float64 {
	if expected == 0 {
		return 100
	}
	return math.Floor(float64(received)*1000/float64(expected)) / 10
}

// bruteForce computes the report from the study's data as the API lists it, in Go, one
// item at a time: the definitions of the package documentation, without SQL.
func bruteForce(t *testing.T, s *study, opts report.Options) *report.Report {
	t.Helper()
	ctx := context.Background()
	c, key := s.client, s.key
	sites := all(t, c.Sites.All(ctx, key, nil))
	subjects := all(t, c.Subjects.All(ctx, key, nil))
	intervals := all(t, c.Intervals.All(ctx, key, nil))
	forms := all(t, c.Forms.All(ctx, key, nil))
	variables := all(t, c.Variables.All(ctx, key, nil))
	visits := all(t, c.Visits.All(ctx, key, nil))
	records := all(t, c.Records.All(ctx, key, nil))
	revisions := all(t, c.RecordRevisions.All(ctx, key, nil))
	queries := all(t, c.Queries.All(ctx, key, nil))
	cut, since := s.run2, s.run1

	siteName := map[int]string{}
	for _, x := range sites {
		siteName[x.SiteID] = x.SiteName
	}
	subject := map[int]imednet.Subject{}
	for _, x := range subjects {
		subject[x.SubjectID] = x
	}
	r := &report.Report{Study: key, DataCut: cut}

	// Enrollment.
	e := &report.EnrollmentSection{ByStatus: []report.StatusCount{}, BySite: []report.SiteStatusCount{}, Cumulative: []report.EnrollmentWeek{}}
	byStatus := map[string]int64{}
	type ss struct {
		site   int
		status string
	}
	bySS := map[ss]int64{}
	type sw struct {
		site int
		week string
	}
	bySW := map[sw]int64{}
	siteSeen := map[int]bool{}
	for _, x := range subjects {
		if x.Deleted {
			continue
		}
		e.Subjects++
		siteSeen[x.SiteID] = true
		byStatus[x.SubjectStatus]++
		bySS[ss{x.SiteID, x.SubjectStatus}]++
		d := x.EnrollmentStartDate
		if !d.Valid() {
			d = x.DateCreated
		}
		if d.Valid() {
			bySW[sw{x.SiteID, week(d)}]++
		}
	}
	e.Sites = int64(len(siteSeen))
	for st, n := range byStatus {
		e.ByStatus = append(e.ByStatus, report.StatusCount{Status: st, Count: n})
	}
	slices.SortFunc(e.ByStatus, func(a, b report.StatusCount) int { return strings.Compare(a.Status, b.Status) })
	for k, n := range bySS {
		e.BySite = append(e.BySite, report.SiteStatusCount{SiteID: int64(k.site), SiteName: siteName[k.site], Status: k.status, Subjects: n})
	}
	slices.SortFunc(e.BySite, func(a, b report.SiteStatusCount) int {
		return cmp.Or(strings.Compare(a.SiteName, b.SiteName), cmp.Compare(a.SiteID, b.SiteID), strings.Compare(a.Status, b.Status))
	})
	for k, n := range bySW {
		e.Cumulative = append(e.Cumulative, report.EnrollmentWeek{SiteID: int64(k.site), SiteName: siteName[k.site], Week: k.week, Enrolled: n})
	}
	slices.SortFunc(e.Cumulative, func(a, b report.EnrollmentWeek) int {
		return cmp.Or(strings.Compare(a.SiteName, b.SiteName), cmp.Compare(a.SiteID, b.SiteID), strings.Compare(a.Week, b.Week))
	})
	for i := range e.Cumulative {
		e.Cumulative[i].Cumulative = e.Cumulative[i].Enrolled
		if i > 0 && e.Cumulative[i-1].SiteID == e.Cumulative[i].SiteID {
			e.Cumulative[i].Cumulative += e.Cumulative[i-1].Cumulative
		}
	}
	r.Enrollment = e

	// Queries.
	record := map[int]imednet.Record{}
	for _, x := range records {
		record[x.RecordID] = x
	}
	q := &report.QueriesSection{Ageing: []report.AgeBucket{}, Weekly: []report.QueryWeek{}}
	buckets := map[string]int64{}
	type grp struct{ open, closed int64 }
	bySite, byForm, byVar := map[int]*grp{}, map[string]*grp{}, map[string]*grp{}
	add := func(g **grp, closed bool) {
		if *g == nil {
			*g = &grp{}
		}
		if closed {
			(*g).closed++
		} else {
			(*g).open++
		}
	}
	weeks := map[string]*report.QueryWeek{}
	wk := func(w string) *report.QueryWeek {
		if weeks[w] == nil {
			weeks[w] = &report.QueryWeek{Week: w}
		}
		return weeks[w]
	}
	openAges := map[int][]float64{}
	for _, x := range queries {
		q.Total++
		closed := len(x.QueryComments) > 0 && x.QueryComments[len(x.QueryComments)-1].Closed
		site := 0
		if sj, ok := subject[x.SubjectID]; ok && x.SubjectID != 0 {
			site = sj.SiteID
		} else if rc, ok := record[x.RecordID]; ok && x.RecordID != 0 {
			site = rc.SiteID
		}
		age := cut.Sub(x.DateCreated.Time).Hours() / 24
		if closed {
			q.Closed++
			wk(week(x.QueryComments[len(x.QueryComments)-1].Date)).Closed++
		} else {
			q.Open++
			switch {
			case age < 8:
				buckets["0-7"]++
			case age < 15:
				buckets["8-14"]++
			case age < 31:
				buckets["15-30"]++
			default:
				buckets[">30"]++
			}
			if site != 0 {
				openAges[site] = append(openAges[site], age)
			}
		}
		wk(week(x.DateCreated)).Opened++
		if site != 0 {
			g := bySite[site]
			add(&g, closed)
			bySite[site] = g
		}
		if rc, ok := record[x.RecordID]; ok && x.RecordID != 0 {
			g := byForm[rc.FormKey]
			add(&g, closed)
			byForm[rc.FormKey] = g
		}
		if x.Variable != "" {
			g := byVar[x.Variable]
			add(&g, closed)
			byVar[x.Variable] = g
		}
	}
	for _, b := range []string{"0-7", "8-14", "15-30", ">30"} {
		q.Ageing = append(q.Ageing, report.AgeBucket{Bucket: b, Queries: buckets[b]})
	}
	q.OpenOver30Days = buckets[">30"]
	// The labels of the top forms and variables: the form's name, the variable's label (the
	// greatest when several variables share the name).
	formLabel, varLabel := map[string]string{}, map[string]string{}
	for _, f := range forms {
		formLabel[f.FormKey] = max(formLabel[f.FormKey], f.FormName)
	}
	for _, v := range variables {
		varLabel[v.VariableName] = max(varLabel[v.VariableName], v.Label)
	}
	top := func(m map[string]*grp, labels map[string]string) []report.QueryGroup {
		out := []report.QueryGroup{}
		for n, g := range m {
			out = append(out, report.QueryGroup{Name: n, Label: labels[n], Open: g.open, Closed: g.closed, Total: g.open + g.closed})
		}
		slices.SortFunc(out, func(a, b report.QueryGroup) int {
			return cmp.Or(cmp.Compare(b.Open, a.Open), cmp.Compare(b.Total, a.Total), strings.Compare(a.Name, b.Name))
		})
		return out[:min(len(out), opts.TopN)]
	}
	named := map[string]*grp{}
	for id, g := range bySite {
		named[siteName[id]] = g
	}
	q.BySite, q.ByForm, q.ByVariable = top(named, nil), top(byForm, formLabel), top(byVar, varLabel)
	for _, w := range weeks {
		q.Weekly = append(q.Weekly, *w)
	}
	q.OldestOpen = []report.OpenQuery{}
	var open []imednet.Query
	for _, x := range queries {
		if n := len(x.QueryComments); n == 0 || !x.QueryComments[n-1].Closed {
			open = append(open, x)
		}
	}
	slices.SortFunc(open, func(a, b imednet.Query) int {
		return cmp.Or(a.DateCreated.Time.Compare(b.DateCreated.Time), cmp.Compare(a.AnnotationID, b.AnnotationID))
	})
	for _, x := range open[:min(len(open), opts.TopN)] {
		site := subject[x.SubjectID].SiteID
		if x.SubjectID == 0 {
			site = record[x.RecordID].SiteID
		}
		oq := report.OpenQuery{AnnotationID: int64(x.AnnotationID), SiteName: siteName[site], SubjectKey: x.SubjectKey,
			Variable: x.Variable, Description: x.Description, DaysOpen: int64(math.Floor(math.Max(0, cut.Sub(x.DateCreated.Time).Hours()/24)))}
		if x.RecordID != 0 {
			oq.FormKey = record[x.RecordID].FormKey
		}
		if n := len(x.QueryComments); n > 0 {
			oq.LastComment = x.QueryComments[n-1].Comment
		}
		q.OldestOpen = append(q.OldestOpen, oq)
	}
	slices.SortFunc(q.Weekly, func(a, b report.QueryWeek) int { return strings.Compare(a.Week, b.Week) })
	r.Queries = q

	// Completeness.
	disabled := map[int]bool{}
	formName := map[string]string{}
	for _, f := range forms {
		disabled[f.FormID] = f.Disabled
		formName[f.FormKey] = f.FormName
	}
	interval := map[int]imednet.Interval{}
	for _, iv := range intervals {
		interval[iv.IntervalID] = iv
	}
	type recvKey struct {
		subject, interval int
		form              string
	}
	received := map[recvKey]bool{}
	co := &report.CompletenessSec{MissingForms: []report.MissingForm{}, BySite: []report.CompletenessRow{}, ByForm: []report.CompletenessRow{}, RecordStatus: []report.StatusCount{}}
	statuses := map[string]int64{}
	for _, x := range records {
		if x.Deleted {
			co.Deleted++
			continue
		}
		co.Records++
		statuses[x.RecordStatus]++
		received[recvKey{x.SubjectID, x.IntervalID, x.FormKey}] = true
	}
	for st, n := range statuses {
		co.RecordStatus = append(co.RecordStatus, report.StatusCount{Status: st, Count: n})
	}
	slices.SortFunc(co.RecordStatus, func(a, b report.StatusCount) int { return strings.Compare(a.Status, b.Status) })
	type cnt struct{ expected, missing int64 }
	siteC, formC := map[int]*cnt{}, map[string]*cnt{}
	type miss struct {
		report.MissingForm
		seq, interval int
	}
	var missing []miss
	for _, v := range visits {
		sj, ok := subject[v.SubjectID]
		if v.Deleted || !ok || sj.Deleted {
			continue
		}
		for _, f := range interval[v.IntervalID].Forms {
			if disabled[f.FormID] {
				continue
			}
			co.Expected++
			if siteC[sj.SiteID] == nil {
				siteC[sj.SiteID] = &cnt{}
			}
			if formC[f.FormKey] == nil {
				formC[f.FormKey] = &cnt{}
			}
			siteC[sj.SiteID].expected++
			formC[f.FormKey].expected++
			if !received[recvKey{v.SubjectID, v.IntervalID, f.FormKey}] {
				co.Missing++
				siteC[sj.SiteID].missing++
				formC[f.FormKey].missing++
				missing = append(missing, miss{report.MissingForm{SiteName: siteName[sj.SiteID], SubjectKey: sj.SubjectKey,
					IntervalName: interval[v.IntervalID].IntervalName, FormKey: f.FormKey, FormName: f.FormName}, interval[v.IntervalID].IntervalSequence, v.IntervalID})
			}
		}
	}
	co.Received = co.Expected - co.Missing
	co.PercentComplete = pct(co.Received, co.Expected)
	slices.SortFunc(missing, func(a, b miss) int {
		return cmp.Or(strings.Compare(a.SiteName, b.SiteName), strings.Compare(a.SubjectKey, b.SubjectKey), cmp.Compare(a.seq, b.seq),
			cmp.Compare(a.interval, b.interval), strings.Compare(a.FormKey, b.FormKey))
	})
	for _, m := range missing[:min(len(missing), opts.MissingLimit)] {
		co.MissingForms = append(co.MissingForms, m.MissingForm)
	}
	crow := func(name string, c *cnt) report.CompletenessRow {
		return report.CompletenessRow{Name: name, Expected: c.expected, Received: c.expected - c.missing, Missing: c.missing, PercentComplete: pct(c.expected-c.missing, c.expected)}
	}
	for id, c := range siteC {
		co.BySite = append(co.BySite, crow(siteName[id], c))
	}
	for k, c := range formC {
		co.ByForm = append(co.ByForm, crow(formName[k], c))
	}
	byName := func(a, b report.CompletenessRow) int { return strings.Compare(a.Name, b.Name) }
	slices.SortFunc(co.BySite, byName)
	slices.SortFunc(co.ByForm, byName)
	r.Completeness = co

	// Sites.
	rows := map[int]*report.SiteRow{}
	row := func(id int) *report.SiteRow {
		if rows[id] == nil {
			rows[id] = &report.SiteRow{SiteID: int64(id), SiteName: siteName[id]}
		}
		return rows[id]
	}
	for _, x := range sites {
		row(x.SiteID).Status = x.SiteEnrollmentStatus
	}
	for _, x := range subjects {
		if !x.Deleted {
			row(x.SiteID).Subjects++
		}
	}
	for _, x := range records {
		if x.SiteID == 0 {
			continue
		}
		sr := row(x.SiteID)
		if !x.Deleted {
			sr.Records++
		}
		if x.DateModified.Valid() && (sr.LastDataEntry == nil || x.DateModified.Time.After(*sr.LastDataEntry)) {
			tm := x.DateModified.Time.UTC()
			sr.LastDataEntry = &tm
		}
	}
	for id, ages := range openAges {
		slices.Sort(ages)
		n := len(ages)
		med := (ages[(n-1)/2] + ages[n/2]) / 2
		med = math.Floor(med*10+0.5) / 10
		row(id).OpenQueries = int64(n)
		row(id).MedianDaysOpen = &med
	}
	for id, c := range siteC {
		row(id).MissingForms = c.missing
	}
	si := &report.SitesSection{Sites: []report.SiteRow{}}
	for _, x := range rows {
		si.Sites = append(si.Sites, *x)
	}
	slices.SortFunc(si.Sites, func(a, b report.SiteRow) int {
		return cmp.Or(strings.Compare(a.SiteName, b.SiteName), cmp.Compare(a.SiteID, b.SiteID))
	})
	r.Sites = si

	// Activity.
	a := &report.ActivitySection{Weekly: []report.UserWeek{}, Reasons: []report.ReasonCount{}}
	type uw struct{ week, user string }
	byUW, reasons, users := map[uw]int64{}, map[string]int64{}, map[string]bool{}
	for _, x := range revisions {
		a.Revisions++
		users[x.User] = true
		if x.DateCreated.Valid() {
			byUW[uw{week(x.DateCreated), x.User}]++
		}
		if x.ReasonForChange != "" {
			reasons[x.ReasonForChange]++
		}
	}
	a.Users = int64(len(users))
	for k, n := range byUW {
		a.Weekly = append(a.Weekly, report.UserWeek{Week: k.week, User: k.user, Revisions: n})
	}
	slices.SortFunc(a.Weekly, func(x, y report.UserWeek) int {
		return cmp.Or(strings.Compare(x.Week, y.Week), strings.Compare(x.User, y.User))
	})
	for k, n := range reasons {
		a.Reasons = append(a.Reasons, report.ReasonCount{Reason: k, Revisions: n})
	}
	slices.SortFunc(a.Reasons, func(x, y report.ReasonCount) int {
		return cmp.Or(cmp.Compare(y.Revisions, x.Revisions), strings.Compare(x.Reason, y.Reason))
	})
	r.Activity = a

	// Changes.
	ch := &report.ChangesSection{Available: true, Since: &since, ByForm: []report.FormChange{}}
	fc := map[string]*report.FormChange{}
	for _, x := range records {
		f := fc[x.FormKey]
		if f == nil {
			f = &report.FormChange{FormKey: x.FormKey}
			fc[x.FormKey] = f
		}
		switch {
		case x.DateCreated.Time.After(since):
			f.Added++
			ch.RecordsAdded++
		case x.DateModified.Time.After(since):
			f.Modified++
			ch.RecordsChanged++
			if x.Deleted {
				ch.RecordsDeleted++
			}
		}
	}
	for _, f := range fc {
		if f.Added > 0 || f.Modified > 0 {
			ch.ByForm = append(ch.ByForm, *f)
		}
	}
	slices.SortFunc(ch.ByForm, func(x, y report.FormChange) int { return strings.Compare(x.FormKey, y.FormKey) })
	for _, x := range queries {
		if x.DateCreated.Time.After(since) {
			ch.QueriesOpened++
		}
		if n := len(x.QueryComments); n > 0 && x.QueryComments[n-1].Closed && x.QueryComments[n-1].Date.Time.After(since) {
			ch.QueriesClosed++
		}
	}
	r.Changes = ch
	return r
}

func TestNoExport(t *testing.T) {
	dir := t.TempDir()
	if _, err := report.OpenSQLite(filepath.Join(dir, "absent.db")); !errors.Is(err, report.ErrNoExport) {
		t.Errorf("a file that does not exist: %v, want ErrNoExport", err)
	}
	// An empty database: no ledger.
	path := filepath.Join(dir, "empty.db")
	os.WriteFile(path, nil, 0o600)
	src, err := report.OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, err := src.Build(context.Background(), report.Options{}); !errors.Is(err, report.ErrNoExport) {
		t.Errorf("an empty database: %v, want ErrNoExport", err)
	}
	if st, _ := os.Stat(path); st.Size() != 0 {
		t.Errorf("reading the target wrote into it (%d bytes)", st.Size())
	}
}

func TestOtherLayout(t *testing.T) {
	s := newStudy(t, "LAY")
	path := filepath.Join(t.TempDir(), "lay.db")
	sink, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	// --records-only: no reference tables besides forms and variables.
	if _, err := export.Run(context.Background(), s.client, s.key, sink, export.Options{RecordsOnly: true}); err != nil {
		t.Fatal(err)
	}
	sink.Close()
	src, err := report.OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	_, err = src.Build(context.Background(), report.Options{})
	var le *report.LayoutError
	if !errors.As(err, &le) || !strings.Contains(err.Error(), "no table") {
		t.Fatalf("an export without reference tables: %v, want a LayoutError", err)
	}
}

func TestPostgresOtherLayoutVersion(t *testing.T) {
	s := newStudy(t, "VER")
	conn, schema := exportPostgres(t, s)
	c, err := pgx.Connect(context.Background(), conn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	if _, err := c.Exec(context.Background(), `INSERT INTO "`+schema+`"."_imednet_meta" (name, value) VALUES ('layoutVersion', '99') ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value`); err != nil {
		t.Fatal(err)
	}
	src, err := report.OpenPostgres(context.Background(), conn, schema)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	_, err = src.Build(context.Background(), report.Options{}, report.Queries)
	var le *report.LayoutError
	if !errors.As(err, &le) || !strings.Contains(err.Error(), "layout version 99") {
		t.Fatalf("an export of layout version 99: %v, want a LayoutError naming it", err)
	}
}

// TestConcurrentBuilds builds reports at once on one SQLite source, as the dashboard does
// for simultaneous page loads: each keeps its TEMP tables on its own connection, so every
// report equals the one built alone.
func TestConcurrentBuilds(t *testing.T) {
	s := newStudy(t, "CON")
	src, err := report.OpenSQLite(exportSQLite(t, s))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	ctx := context.Background()
	alone, err := src.Build(ctx, report.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(alone)
	const n = 4
	errs := make(chan error, n)
	for range n {
		go func() {
			rep, err := src.Build(ctx, report.Options{})
			if err == nil {
				if got, _ := json.Marshal(rep); string(got) != string(want) {
					err = errors.New("a report built alongside others differs from the one built alone")
				}
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func TestSnakeNames(t *testing.T) {
	s := newStudy(t, "SNK")
	path := filepath.Join(t.TempDir(), "snake.db")
	sink, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := export.Run(context.Background(), s.client, s.key, sink, export.Options{Names: export.NamesSnake}); err != nil {
		t.Fatal(err)
	}
	sink.Close()
	src, err := report.OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, err := src.Build(context.Background(), report.Options{}); !errors.Is(err, report.ErrSnakeNames) || !strings.Contains(err.Error(), "--names api") {
		t.Fatalf("a target with snake_case names: %v, want ErrSnakeNames", err)
	}
}

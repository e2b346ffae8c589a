package soak_test

import (
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/export/sqlite"
	"github.com/imednet/imednet-go/imednettest"
)

var (
	duration    = flag.Duration("soak.duration", 0, "keep changing data, syncing and submitting under faults for this long (0: one round, as in CI)")
	records     = flag.Int("soak.records", 0, "records of the exported study (0: about 100, as in CI)")
	submissions = flag.Int("soak.submissions", 0, "record requests submitted per round (0: 400, as in CI)")
	seed        = flag.Int64("soak.seed", 1, "seed of the study, the faults and the random changes")
)

const study = imednettest.DemoStudyKey

// exportFaults mixes every kind of fault an export meets on a bad day: about a third of the
// requests fail or come back damaged. Retry-After is rounded up to one second by the
// server, and the client caps its waits at a millisecond.
var exportFaults = imednettest.Faults{
	TooManyRequestsRate: 0.05, RetryAfter: time.Millisecond,
	ServerErrorRate: 0.08, ResetRate: 0.05, TruncateRate: 0.05, MalformedRate: 0.05,
	SlowBodyRate: 0.03, SlowPieces: 3, SlowPause: 200 * time.Microsecond,
	Latency: 0, LatencyMax: 300 * time.Microsecond,
}

// transports runs f against a server built with New (the client calls the handler
// in-process) and one listening on loopback (real TCP resets and cut connections).
func transports(t *testing.T, opts []imednettest.Option, f func(t *testing.T, srv *imednettest.Server)) {
	t.Run("in-process", func(t *testing.T) {
		srv, err := imednettest.New(opts...)
		if err != nil {
			t.Fatal(err)
		}
		f(t, srv)
	})
	t.Run("listener", func(t *testing.T) {
		srv, err := imednettest.NewServer(opts...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(srv.Close)
		f(t, srv)
	})
}

// persistentClient retries often and without waiting long, as a client facing an
// unreliable network should be configured for a soak.
func persistentClient(t *testing.T, srv *imednettest.Server, opts ...imednet.Option) *imednet.Client {
	t.Helper()
	c, err := srv.Client(append([]imednet.Option{
		imednet.WithMaxRetries(20),
		imednet.WithBackoff(time.Microsecond, 200*time.Microsecond),
		imednet.WithMaxRetryAfter(time.Millisecond),
	}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// studyConfig is the exported study: about -soak.records records.
func studyConfig() imednettest.StudyConfig {
	n := *records
	if n <= 0 {
		n = 100
	}
	const perSubject = 10
	subjects := max(2, n/perSubject)
	return imednettest.StudyConfig{Key: study, Sites: max(3, subjects/25), Subjects: subjects,
		RecordsPerSubject: perSubject, Users: 5, QueryFraction: 0.2, DeletedFraction: 0.05}
}

func TestExportUnderFaults(t *testing.T) {
	cfg := studyConfig()
	pageSize := 7
	if cfg.Subjects*cfg.RecordsPerSubject > 2000 {
		pageSize = 250
	}
	opts := []imednettest.Option{imednettest.WithSeed(*seed), imednettest.WithStudy(cfg), imednettest.WithFaults(exportFaults)}
	transports(t, opts, func(t *testing.T, srv *imednettest.Server) {
		ctx := t.Context()
		c := persistentClient(t, srv)
		sink, err := sqlite.Open(filepath.Join(t.TempDir(), "soak.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer sink.Close()
		eopts := export.Options{Layout: export.Both, PageSize: pageSize}
		sum, err := export.Run(ctx, c, study, sink, eopts)
		if err != nil {
			t.Fatalf("export under faults: %v", err)
		}
		if sum.Records == 0 {
			t.Fatal("the export wrote no records")
		}
		checkTarget(t, srv, sink, "export")

		// Every kind of fault reached the client at least once, so the comparison above
		// proves something about each.
		got := srv.Stats().Faults
		for _, k := range []imednettest.FaultKind{imednettest.FaultTooManyRequests, imednettest.FaultServerError,
			imednettest.FaultReset, imednettest.FaultTruncated, imednettest.FaultMalformed, imednettest.FaultSlowBody,
			imednettest.FaultLatency} {
			if got[k] == 0 {
				t.Errorf("no %s fault was injected: %v", k, got)
			}
		}

		// Change the data, sync under faults, check again; in the long mode until the
		// duration ends.
		rng := rand.New(rand.NewPCG(uint64(*seed), 2))
		deadline := time.Now().Add(*duration)
		for round := 1; ; round++ {
			// A form without records has no high-water mark: the sync lists it whole.
			hadRecords := map[string]bool{}
			for _, id := range srv.Study(study).RecordIDs("") {
				info, _ := srv.Study(study).Record(id)
				hadRecords[info.FormKey] = true
			}
			changes := mutate(t, srv, c, rng, 3+rng.IntN(10))
			if err := srv.SetFaults(exportFaults); err != nil {
				t.Fatal(err)
			}
			syncStart := time.Now()
			sum, err := export.Sync(ctx, c, study, sink, eopts)
			if d := time.Since(syncStart); d > 5*time.Second {
				t.Logf("round %d: the sync took %s", round, d)
			}
			if err != nil {
				t.Fatalf("round %d: sync under faults after %s: %v", round, changes, err)
			}
			for _, f := range sum.Forms {
				if f.Since.IsZero() && hadRecords[f.FormKey] {
					t.Errorf("round %d: form %s was fetched whole by the sync", round, f.FormKey)
				}
			}
			checkTarget(t, srv, sink, fmt.Sprintf("sync round %d (%s)", round, changes))
			if t.Failed() || !time.Now().Before(deadline) {
				t.Logf("%d sync rounds; faults injected: %v", round, srv.Stats().Faults)
				return
			}
		}
	})
}

// changes counts what mutate did.
type changes struct{ updated, added, registered, deleted int }

func (c changes) String() string {
	return fmt.Sprintf("%d updated, %d added, %d registered, %d deleted", c.updated, c.added, c.registered, c.deleted)
}

// mutate makes n random changes to the study's records directly: values copied from other
// records of the same form (so that they fit the variable's type) or blanked, new log
// records, new subjects, deletions.
func mutate(t *testing.T, srv *imednettest.Server, c *imednet.Client, rng *rand.Rand, n int) changes {
	t.Helper()
	st := srv.Study(study)
	var done changes
	for range n {
		ids := st.RecordIDs("")
		id := ids[rng.IntN(len(ids))]
		info, ok := st.Record(id)
		if !ok {
			t.Fatalf("record %d listed but not found", id)
		}
		switch k := rng.IntN(10); {
		case k < 5: // update
			if info.Deleted {
				continue
			}
			same := st.RecordIDs(info.FormKey)
			other, _ := st.Record(same[rng.IntN(len(same))])
			data := map[string]string{}
			for name := range info.Data {
				if rng.IntN(3) == 0 {
					data[name] = other.Data[name]
				}
			}
			if err := st.UpdateRecord(id, data); err != nil {
				t.Fatalf("update record %d: %v", id, err)
			}
			done.updated++
		case k < 7: // a new log record for the subject
			if info.SubjectKey == "" {
				continue
			}
			form := []string{"AE", "CM"}[rng.IntN(2)]
			_, err := st.AddRecord(imednettest.NewRecord{FormKey: form, SubjectKey: info.SubjectKey, Data: map[string]string{}})
			if err != nil && strings.Contains(err.Error(), "is deleted") {
				continue // its registration was deleted
			}
			if err != nil {
				t.Fatalf("add a %s record for %s: %v", form, info.SubjectKey, err)
			}
			done.added++
		case k < 8: // a new subject
			site := openSite(t, srv, c, rng)
			if _, err := st.AddRecord(imednettest.NewRecord{FormKey: "REG", SiteName: site, Data: map[string]string{"INITIALS": "ZZ"}}); err != nil {
				t.Fatalf("register a subject at %s: %v", site, err)
			}
			done.registered++
		default:
			if info.Deleted {
				continue
			}
			if err := st.DeleteRecord(id); err != nil {
				t.Fatalf("delete record %d: %v", id, err)
			}
			done.deleted++
		}
	}
	return done
}

// openSite returns the name of a site open for enrollment.
func openSite(t *testing.T, srv *imednettest.Server, c *imednet.Client, rng *rand.Rand) string {
	t.Helper()
	open := openSites(t, srv, c)
	return open[rng.IntN(len(open))]
}

// checkTarget turns the faults off and compares the target with the server: every form's
// records (ids and raw JSON) with a direct HTTP listing, the wide tables' row counts, the
// ledger, and the reference tables' row counts with the server's counts.
func checkTarget(t *testing.T, srv *imednettest.Server, sink *sqlite.Sink, when string) {
	t.Helper()
	if err := srv.SetFaults(imednettest.Faults{}); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	db := sink.DB()
	c := persistentClient(t, srv, imednet.WithMaxRetries(0))
	var forms []string
	for f, err := range c.Forms.All(ctx, study, nil) {
		if err != nil {
			t.Fatal(err)
		}
		forms = append(forms, f.FormKey)
	}
	if len(forms) == 0 {
		t.Fatal("the study has no forms")
	}
	st := srv.Study(study)
	total := 0
	for _, form := range forms {
		want := serverRecords(t, srv, form)
		total += len(want)
		got := map[int]string{}
		rows, err := db.QueryContext(ctx, `SELECT recordId, json FROM records_raw WHERE formKey = ?`, form)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int
			var js string
			if err := rows.Scan(&id, &js); err != nil {
				t.Fatal(err)
			}
			got[id] = js
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		for id, raw := range want {
			g, ok := got[id]
			switch {
			case !ok:
				t.Errorf("%s: form %s: record %d is missing from the target", when, form, id)
			case g != string(raw):
				t.Errorf("%s: form %s: record %d differs:\n got %s\nwant %s", when, form, id, g, raw)
			}
		}
		for id := range got {
			if _, ok := want[id]; !ok {
				t.Errorf("%s: form %s: record %d is in the target but not on the server", when, form, id)
			}
		}
		// The wide table has a row per record with its state, and the long table a row per
		// variable of each record.
		wide := map[int]string{}
		rows, err = db.QueryContext(ctx, "SELECT recordId, deleted, dateModified FROM "+sqlite.Quote("form_"+form))
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int
			var deleted bool
			var modified string
			if err := rows.Scan(&id, &deleted, &modified); err != nil {
				t.Fatal(err)
			}
			wide[id] = fmt.Sprint(deleted, " ", modified)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		if len(wide) != len(want) {
			t.Errorf("%s: form %s: %d rows in the wide table, want %d", when, form, len(wide), len(want))
		}
		values := 0
		for id := range want {
			info, _ := st.Record(id)
			values += len(info.Data)
			if w := fmt.Sprint(info.Deleted, " ", info.DateModified.UTC().Format(time.RFC3339)); wide[id] != w {
				t.Errorf("%s: form %s: record %d in the wide table: %q, want %q", when, form, id, wide[id], w)
			}
		}
		if n := count(t, db, "SELECT count(*) FROM record_values WHERE recordId IN (SELECT recordId FROM records_raw WHERE formKey = ?)", form); n != values {
			t.Errorf("%s: form %s: %d rows in the long table, want %d", when, form, n, values)
		}
	}
	if n := count(t, db, "SELECT count(*) FROM records_raw"); n != total {
		t.Errorf("%s: %d raw records in the target, the server lists %d", when, n, total)
	}
	if t.Failed() {
		t.FailNow()
	}

	l, err := sink.LoadLedger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, form := range forms {
		if fs := l.Forms[form]; fs.Status != export.Succeeded || fs.Error != "" {
			t.Errorf("%s: ledger of form %s: %s %q, want succeeded", when, form, fs.Status, fs.Error)
		}
	}
	if len(l.Runs) == 0 {
		t.Fatalf("%s: the ledger has no run", when)
	}
	if last := l.Runs[len(l.Runs)-1]; last.Finished.IsZero() || last.Error != "" {
		t.Errorf("%s: the last run did not finish cleanly: %+v", when, last)
	}

	counts := st.Counts()
	users := 0
	for _, err := range c.Users.All(ctx, study, &imednet.UserListOptions{IncludeInactive: true}) {
		if err != nil {
			t.Fatal(err)
		}
		users++
	}
	for table, want := range map[string]int{
		"studies": 1, "sites": counts.Sites, "subjects": counts.Subjects, "forms": counts.Forms,
		"variables": counts.Variables, "intervals": counts.Intervals, "visits": counts.Visits,
		"queries": counts.Queries, "record_revisions": counts.RecordRevisions, "codings": counts.Codings,
		"users": users,
	} {
		if n := count(t, db, "SELECT count(*) FROM "+table); n != want || want == 0 {
			t.Errorf("%s: table %s has %d rows, the server has %d (and not 0)", when, table, n, want)
		}
	}
	if counts.Records != total {
		t.Errorf("%s: the server counts %d records and lists %d", when, counts.Records, total)
	}
}

// serverRecords lists a form's records straight from the server's handler, without the SDK
// and without faults, by record id.
func serverRecords(t *testing.T, srv *imednettest.Server, formKey string) map[int]json.RawMessage {
	t.Helper()
	out := map[int]json.RawMessage{}
	apiKey, secKey := srv.Keys()
	for page := 0; ; page++ {
		q := url.Values{"filter": {"formKey==" + formKey}, "size": {"500"}, "page": {strconv.Itoa(page)}}
		req := httptest.NewRequest(http.MethodGet, imednet.APIPrefix+"/studies/"+study+"/records?"+q.Encode(), nil)
		req.Header.Set(imednet.HeaderAPIKey, apiKey)
		req.Header.Set(imednet.HeaderSecurityKey, secKey)
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("listing %s: %d %s", formKey, rec.Code, rec.Body)
		}
		var body struct {
			Data       []json.RawMessage
			Pagination struct{ TotalPages int }
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		for _, raw := range body.Data {
			var r struct{ RecordID int }
			if err := json.Unmarshal(raw, &r); err != nil {
				t.Fatal(err)
			}
			if _, dup := out[r.RecordID]; dup {
				t.Fatalf("listing %s: record %d twice", formKey, r.RecordID)
			}
			out[r.RecordID] = raw
		}
		if page+1 >= body.Pagination.TotalPages {
			return out
		}
	}
}

func count(t *testing.T, db *sql.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

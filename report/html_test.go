package report_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/imednet/imednet-go/report"
)

// markup is what a site name, a query's text or a comment may hold.
const markup = `<script>alert(1)</script><b onmouseover="x()">`

// injected exports a study, then puts markup in every site name, query description and
// query comment of the target.
func injected(t *testing.T) *report.Source {
	t.Helper()
	s := newStudy(t, "INJ")
	path := exportSQLite(t, s)
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE sites SET "siteName" = ? || "siteId"`,
		`UPDATE subjects SET "siteName" = ? || "siteId"`,
		`UPDATE queries SET "description" = ?`,
		`UPDATE query_comments SET "comment" = ?`,
	} {
		if _, err := db.Exec(q, markup); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	src, err := report.OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

func checkEscaped(t *testing.T, page string) {
	t.Helper()
	if strings.Contains(page, "<script") || strings.Contains(page, "<b ") || strings.Contains(page, "onmouseover=\"") {
		i := max(0, strings.Index(page, "<script")-200)
		t.Fatalf("markup from the data reached the page as markup:\n%s", page[i:min(len(page), i+400)])
	}
	if n := strings.Count(page, "&lt;script&gt;alert(1)&lt;/script&gt;"); n < 3 {
		t.Fatalf("the markup shows as text %d times, want it in site names, descriptions and comments", n)
	}
	for _, ref := range []string{"http://", "https://", "src=", "<link", "@import", "url("} {
		if strings.Contains(strings.ReplaceAll(page, `xmlns="http://www.w3.org/2000/svg"`, ""), ref) {
			t.Errorf("the page refers to something outside it (%q)", ref)
		}
	}
}

func TestHTMLEscapesTheData(t *testing.T) {
	src := injected(t)
	rep, err := src.Build(context.Background(), report.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := rep.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	checkEscaped(t, page)
	// Every section, and a chart beside the tables.
	for _, s := range report.AllSections {
		if !strings.Contains(page, `<section id="`+string(s)+`">`) {
			t.Errorf("the page has no section %s", s)
		}
	}
	if n := strings.Count(page, "<svg"); n < 10 {
		t.Errorf("%d charts, want one beside each table that has figures", n)
	}
	// Each chart says what it measures in a caption a reader sees, not only in its SVG title.
	figures, captions := strings.Count(page, "<figure>"), strings.Count(page, "<figure><figcaption>")
	if figures < 10 || captions != figures {
		t.Errorf("%d of %d charts begin with a caption", captions, figures)
	}
	for _, want := range []string{"<figcaption>Open queries by site</figcaption>", "<figcaption>Percent complete by form</figcaption>"} {
		if !strings.Contains(page, want) {
			t.Errorf("no chart captioned %s", want)
		}
	}
}

func TestDashboard(t *testing.T) {
	src := injected(t)
	builds := 0
	srv := httptest.NewServer(report.Handler(func(ctx context.Context, s ...report.Section) (*report.Report, error) {
		builds++
		return src.Build(ctx, report.Options{}, s...)
	}))
	defer srv.Close()
	get := func(path string) (int, string, http.Header) {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b), res.Header
	}
	for _, p := range []string{"/", "/enrollment", "/queries", "/completeness", "/sites", "/activity", "/changes"} {
		code, body, h := get(p)
		if code != 200 {
			t.Fatalf("%s: %d %s", p, code, body)
		}
		if !strings.Contains(body, "Data cut: ") || !strings.Contains(h.Get("Content-Security-Policy"), "default-src 'none'") {
			t.Errorf("%s: no data cut heading or no content security policy", p)
		}
		if p != "/" && p != "/changes" && p != "/activity" {
			checkEscaped(t, body)
		}
	}
	if builds != 7 {
		t.Errorf("%d builds for 7 pages: each load must read the target again", builds)
	}
	code, body, h := get("/csv/queries-oldest-open.csv")
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") || !strings.HasPrefix(body, "annotationId,siteName,") ||
		!strings.Contains(body, markup[:20]) {
		t.Errorf("CSV download: %d %s\n%s", code, h.Get("Content-Type"), body)
	}
	if code, _, _ := get("/nosuch"); code != 404 {
		t.Errorf("an unknown page: %d, want 404", code)
	}
	if code, _, _ := get("/csv/queries-nosuch.csv"); code != 404 {
		t.Errorf("an unknown table: %d, want 404", code)
	}
}

func TestThresholds(t *testing.T) {
	rep := &report.Report{Queries: &report.QueriesSection{Open: 3, OpenOver30Days: 2}, Completeness: &report.CompletenessSec{PercentComplete: 94.5}}
	for _, c := range []struct {
		expr     string
		breached bool
	}{
		{"queries.openOver30Days>0", true},
		{"queries.openOver30Days > 2", false},
		{"queries.openOver30Days>=2", true},
		{"completeness.percentComplete<95", true},
		{"completeness.percentComplete<94.5", false},
		{"queries.open==3", true},
		{"queries.open!=3", false},
		{"queries.open<=2", false},
	} {
		th, err := report.ParseThreshold(c.expr)
		if err != nil {
			t.Fatalf("%s: %v", c.expr, err)
		}
		if _, b, err := th.Check(rep); err != nil || b != c.breached {
			t.Errorf("%s: breached %v (%v), want %v", c.expr, b, err, c.breached)
		}
	}
	for _, bad := range []string{"queries", "queries.open", "queries.open>x", "nosuch.open>1", "queries.open=>1", ">1"} {
		if _, err := report.ParseThreshold(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	th, _ := report.ParseThreshold("queries.nosuch>1")
	if _, _, err := th.Check(rep); err == nil {
		t.Error("a member the report lacks: no error")
	}
}

// WithRefresh puts the page's own refresh metadata on every dashboard page (whole seconds, at
// least one); without it no page reloads itself.
func TestDashboardRefresh(t *testing.T) {
	src := injected(t)
	build := func(ctx context.Context, s ...report.Section) (*report.Report, error) {
		return src.Build(ctx, report.Options{}, s...)
	}
	for _, c := range []struct {
		opts []report.HandlerOption
		want string // the meta element, "" for none
	}{
		{nil, ""},
		{[]report.HandlerOption{report.WithRefresh(0)}, ""},
		{[]report.HandlerOption{report.WithRefresh(90 * time.Second)}, `<meta http-equiv="refresh" content="90">`},
		{[]report.HandlerOption{report.WithRefresh(300 * time.Millisecond)}, `<meta http-equiv="refresh" content="1">`},
	} {
		srv := httptest.NewServer(report.Handler(build, c.opts...))
		for _, p := range []string{"/", "/queries"} {
			res, err := http.Get(srv.URL + p)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			head, _, _ := strings.Cut(string(b), "</head>")
			if c.want == "" && strings.Contains(head, "refresh") || c.want != "" && !strings.Contains(head, c.want) {
				t.Errorf("%s with %d options: head %q, want %q", p, len(c.opts), head[:min(len(head), 300)], c.want)
			}
		}
		srv.Close()
	}

	// A page whose build fails (the target busy, or being rebuilt) tries again as often.
	failing := httptest.NewServer(report.Handler(func(ctx context.Context, s ...report.Section) (*report.Report, error) {
		return nil, errors.New("database is locked")
	}, report.WithRefresh(time.Minute)))
	defer failing.Close()
	res, err := http.Get(failing.URL + "/queries")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusInternalServerError || res.Header.Get("Refresh") != "60" {
		t.Errorf("a failed build: %d, Refresh %q; want 500 and 60", res.StatusCode, res.Header.Get("Refresh"))
	}
}

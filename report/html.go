package report

import (
	"context"
	"encoding/csv"
	"html/template"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// pair is a table of the page with its chart (none for lists such as the missing forms).
type pair struct {
	Table Table
	Chart template.HTML
	CSV   string // the table's CSV download on the dashboard, "" in a file
}

type pageSection struct {
	Name  Section
	Title string
	Note  string
	Pairs []pair
}

type page struct {
	Study    string
	DataCut  string
	Title    string
	Sections []pageSection
	Nav      []navItem // the dashboard's pages; none in a file
	Refresh  int       // seconds after which the dashboard's page reloads itself; 0 never
}

type navItem struct {
	Href, Name string
	Current    bool
}

var sectionTitles = map[Section]string{
	Enrollment: "Enrollment", Queries: "Queries", Completeness: "Completeness",
	Sites: "Sites", Activity: "Activity", Changes: "Changes since the previous run",
}

var sectionNotes = map[Section]string{
	Enrollment:   "Subjects not deleted, by site and status; cumulative enrollment by week of enrollment start (else of creation).",
	Queries:      "A query is closed when its last comment is closed, open otherwise. Ages are whole days from creation to the data cut.",
	Completeness: "Expected: each enabled form that a visit's interval schedules, for every visit (not deleted) of every subject (not deleted). Received: the subject has a record (not deleted) of that form in that interval. Missing: expected and not received.",
	Sites:        "Per site: subjects, records (not deleted), open queries and their median age in days, missing forms, and the latest change of a record.",
	Activity:     "Record revisions (the audit trail) per week and user, and the reasons given for changes.",
	Changes:      "Records created (added) or only modified since the previous run of the export started, and queries opened or closed since then.",
}

// chartFor draws the chart of a table, or nothing for a table without one. Each chart's
// caption says what it measures (a table may hold more figures than its chart draws).
func (r *Report) chartFor(t Table) template.HTML {
	num := func(s string) float64 { f, _ := strconv.ParseFloat(s, 64); return f }
	intf := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
	pctf := func(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) + "%" }
	col := func(name string) int { return slices.Index(t.Columns, name) }
	simple := func(caption, labelCol, valueCol string, f func(float64) string) template.HTML {
		var labels []string
		var values []float64
		for _, row := range t.Rows {
			labels = append(labels, row[col(labelCol)])
			values = append(values, num(row[col(valueCol)]))
		}
		if len(labels) == 0 {
			return ""
		}
		return bars(caption, labels, values, f)
	}
	switch t.Name {
	case "enrollment-by-status":
		return simple("Subjects by status", "status", "subjects", intf)
	case "enrollment-cumulative":
		return r.enrollmentLines("Cumulative enrollment per site and week")
	case "queries-ageing":
		return simple("Open queries by age (days)", "bucket", "queries", intf)
	case "queries-by-site", "queries-by-form", "queries-by-variable":
		by := strings.TrimPrefix(t.Name, "queries-by-")
		return simple("Open queries by "+by+" (top)", "name", "open", intf)
	case "queries-weekly":
		var weeks []string
		var opened, closed []float64
		for _, w := range r.Queries.Weekly {
			weeks = append(weeks, w.Week)
			opened = append(opened, float64(w.Opened))
			closed = append(closed, float64(w.Closed))
		}
		if len(weeks) == 0 {
			return ""
		}
		return lines("Queries opened and closed per week", weeks, []string{"opened", "closed"}, [][]float64{opened, closed})
	case "completeness-by-site", "completeness-by-form":
		return simple("Percent complete by "+strings.TrimPrefix(t.Name, "completeness-by-"), "name", "percentComplete", pctf)
	case "completeness-record-status":
		return simple("Records by status", "status", "records", intf)
	case "sites-sites":
		return simple("Open queries by site", "siteName", "openQueries", intf)
	case "activity-weekly":
		byWeek := map[string]float64{}
		var weeks []string
		for _, w := range r.Activity.Weekly {
			if _, ok := byWeek[w.Week]; !ok {
				weeks = append(weeks, w.Week)
			}
			byWeek[w.Week] += float64(w.Revisions)
		}
		if len(weeks) == 0 {
			return ""
		}
		var v []float64
		for _, w := range weeks {
			v = append(v, byWeek[w])
		}
		return lines("Record revisions per week (all users)", weeks, []string{"revisions"}, [][]float64{v})
	case "activity-reasons":
		return simple("Revisions by reason for change", "reason", "revisions", intf)
	case "changes-totals":
		c := r.Changes
		if !c.Available {
			return ""
		}
		return bars("Changes since the previous run", []string{"records added", "records modified", "records deleted", "queries opened", "queries closed"},
			[]float64{float64(c.RecordsAdded), float64(c.RecordsChanged), float64(c.RecordsDeleted), float64(c.QueriesOpened), float64(c.QueriesClosed)}, intf)
	}
	return ""
}

// enrollmentLines draws the cumulative enrollment of the five largest sites over the weeks.
func (r *Report) enrollmentLines(title string) template.HTML {
	e := r.Enrollment
	var weeks []string
	for _, c := range e.Cumulative {
		weeks = append(weeks, c.Week)
	}
	slices.Sort(weeks)
	weeks = slices.Compact(weeks)
	if len(weeks) == 0 {
		return ""
	}
	type site struct {
		name  string
		byWk  map[string]int64
		total int64
	}
	var sites []*site
	idx := map[int64]*site{}
	for _, c := range e.Cumulative {
		s := idx[c.SiteID]
		if s == nil {
			// The site's id first, as in the tables: a name cut short in the legend (long
			// names often share their start) still tells the sites apart.
			s = &site{name: strings.TrimSpace(strconv.FormatInt(c.SiteID, 10) + " " + c.SiteName), byWk: map[string]int64{}}
			idx[c.SiteID] = s
			sites = append(sites, s)
		}
		s.byWk[c.Week] = c.Cumulative
		s.total = max(s.total, c.Cumulative)
	}
	slices.SortStableFunc(sites, func(a, b *site) int { return int(b.total - a.total) })
	sites = sites[:min(len(sites), len(dashes))]
	var names []string
	var values [][]float64
	for _, s := range sites {
		names = append(names, s.name)
		v := make([]float64, len(weeks))
		cur := int64(0)
		for i, w := range weeks {
			if n, ok := s.byWk[w]; ok {
				cur = n
			}
			v[i] = float64(cur)
		}
		values = append(values, v)
	}
	return lines(title+" (largest sites)", weeks, names, values)
}

func (r *Report) page(sections []Section, nav []navItem, csvBase string) page {
	p := page{Study: r.Study, DataCut: r.DataCut.UTC().Format("2006-01-02 15:04:05 UTC"), Title: "Study " + r.Study, Nav: nav}
	for _, s := range sections {
		ps := pageSection{Name: s, Title: sectionTitles[s], Note: sectionNotes[s]}
		for _, t := range r.SectionTables(s) {
			pr := pair{Table: t, Chart: r.chartFor(t)}
			if csvBase != "" {
				pr.CSV = csvBase + t.Name + ".csv"
			}
			ps.Pairs = append(ps.Pairs, pr)
		}
		if len(ps.Pairs) > 0 {
			p.Sections = append(p.Sections, ps)
		}
	}
	return p
}

// WriteHTML writes the report as one self-contained HTML page: inline CSS, the charts as
// inline SVG each beside its data table, no script and no outside resource, readable in
// greyscale and printable. Every value of the study is escaped.
func (r *Report) WriteHTML(w io.Writer) error {
	return pageTmpl.Execute(w, r.page(AllSections, nil, ""))
}

const css = `
:root{color-scheme:light}
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#111;background:#fff;margin:0 auto;max-width:1200px;padding:16px 24px}
header{border-bottom:2px solid #111;margin-bottom:12px}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:18px;margin:28px 0 4px;border-bottom:1px solid #999}
h3{font-size:14px;margin:0 0 6px}
.cut{font-weight:600}
.note{color:#333;margin:4px 0 12px;max-width:80ch}
nav a{margin-right:14px;color:#111}
nav a[aria-current]{font-weight:700;text-decoration:none}
.pair{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start;margin:14px 0;break-inside:avoid}
.pair figure{margin:0;flex:0 0 auto}
.pair .data{flex:1 1 320px;min-width:280px;overflow-x:auto}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{border:1px solid #bbb;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#eee}
td.n{text-align:right}
.chart .bar{fill:#444}
.chart .lbl,.chart .val,.chart .tick{font-size:11px;fill:#111}
.chart .axis{stroke:#111;stroke-width:1}
.chart .line{fill:none;stroke-width:2}
.chart .s0{stroke:#111;fill:#111}
.chart .s1{stroke:#555;fill:#555}
.chart .s2{stroke:#888;fill:#888}
.chart polyline.s0,.chart polyline.s1,.chart polyline.s2{fill:none}
figcaption{font-size:12px;font-weight:600;margin:0 0 6px}
.legend{display:flex;flex-wrap:wrap;gap:2px 16px;list-style:none;margin:2px 0 0;padding:0 0 0 44px;max-width:476px;font-size:12px}
.legend li{display:flex;align-items:center;gap:4px;min-width:0;overflow-wrap:anywhere}
.legend svg{flex:none}
.csv{font-size:12px}
@media print{nav,.csv{display:none}body{max-width:none;padding:0}h2{break-after:avoid}}
`

var pageTmpl = template.Must(template.New("page").Funcs(template.FuncMap{
	"numeric": func(s string) bool {
		_, err := strconv.ParseFloat(s, 64)
		return err == nil
	},
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{{- if .Refresh}}
<meta http-equiv="refresh" content="{{.Refresh}}">
{{- end}}
<title>{{.Title}}: data cut {{.DataCut}}</title>
<style>` + css + `</style>
</head>
<body>
<header>
<h1>{{.Title}}</h1>
<p class="cut">Data cut: {{.DataCut}}</p>
{{- if .Nav}}<nav>{{range .Nav}}<a href="{{.Href}}"{{if .Current}} aria-current="page"{{end}}>{{.Name}}</a>{{end}}</nav>{{end}}
</header>
<main>
{{- range .Sections}}
<section id="{{.Name}}">
<h2>{{.Title}}</h2>
<p class="note">{{.Note}}</p>
{{- range .Pairs}}
<div class="pair" id="{{.Table.Name}}">
{{- if .Chart}}<figure>{{.Chart}}</figure>{{end}}
<div class="data">
<h3>{{.Table.Title}}</h3>
{{- if .CSV}}<p class="csv"><a href="{{.CSV}}" download>CSV</a></p>{{end}}
<table>
<thead><tr>{{range .Table.Columns}}<th scope="col">{{.}}</th>{{end}}</tr></thead>
<tbody>
{{- range .Table.Rows}}<tr>{{range .}}<td{{if numeric .}} class="n"{{end}}>{{.}}</td>{{end}}</tr>
{{else}}<tr><td colspan="{{len .Table.Columns}}">none</td></tr>
{{end}}</tbody>
</table>
</div>
</div>
{{- end}}
</section>
{{- end}}
</main>
</body>
</html>
`))

// Builder builds a report afresh: the dashboard calls it on each page load.
type Builder func(ctx context.Context, sections ...Section) (*Report, error)

// HandlerOption configures [Handler].
type HandlerOption func(*handlerConfig)

type handlerConfig struct {
	refresh int // seconds
}

// WithRefresh has every page of the dashboard reload itself d after it was loaded (in whole
// seconds, at least one), through its own refresh metadata, without a script: a dashboard
// left open on a wall screen then follows the syncs, and a page that failed to build (the
// target busy or being rebuilt) tries again as often. 0, the default, leaves pages as loaded.
func WithRefresh(d time.Duration) HandlerOption {
	return func(c *handlerConfig) {
		c.refresh = 0
		if d > 0 {
			c.refresh = max(1, int(d.Round(time.Second)/time.Second))
		}
	}
}

// Handler serves the dashboard: an overview (each section's totals) at /, one page per
// section at /SECTION, and each table as CSV at /csv/TABLE.csv. Each request builds the
// report again, so that a page follows the syncs that update the target.
func Handler(build Builder, opts ...HandlerOption) http.Handler {
	var cfg handlerConfig
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	mux := http.NewServeMux()
	nav := func(cur string) []navItem {
		items := []navItem{{Href: "/", Name: "Overview", Current: cur == ""}}
		for _, s := range AllSections {
			items = append(items, navItem{Href: "/" + string(s), Name: sectionTitles[s], Current: cur == string(s)})
		}
		return items
	}
	fail := func(w http.ResponseWriter, err error) {
		if cfg.refresh > 0 {
			// A page that failed (the target busy or being rebuilt) tries again as a page
			// would reload, so that a dashboard left open recovers on its own.
			w.Header().Set("Refresh", strconv.Itoa(cfg.refresh))
		}
		http.Error(w, "the report could not be built: "+err.Error(), http.StatusInternalServerError)
	}
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, req *http.Request) {
		rep, err := build(req.Context())
		if err != nil {
			fail(w, err)
			return
		}
		p := rep.page(AllSections, nav(""), "/csv/")
		p.Title = "Study " + rep.Study + ": overview"
		for i := range p.Sections {
			p.Sections[i].Pairs = slices.DeleteFunc(p.Sections[i].Pairs, func(x pair) bool {
				return !strings.HasSuffix(x.Table.Name, "-totals") && x.Table.Name != "queries-ageing" && x.Table.Name != "sites-sites"
			})
		}
		p.Refresh = cfg.refresh
		writePage(w, p)
	})
	mux.HandleFunc("GET /{section}", func(w http.ResponseWriter, req *http.Request) {
		s, err := ParseSection(req.PathValue("section"))
		if err != nil {
			http.NotFound(w, req)
			return
		}
		rep, err := build(req.Context(), s)
		if err != nil {
			fail(w, err)
			return
		}
		p := rep.page([]Section{s}, nav(string(s)), "/csv/")
		p.Title = "Study " + rep.Study + ": " + sectionTitles[s]
		p.Refresh = cfg.refresh
		writePage(w, p)
	})
	// Browsers ask for a favicon: no content, rather than a failed request in their console.
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, req *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /csv/{name}", func(w http.ResponseWriter, req *http.Request) {
		name, ok := strings.CutSuffix(req.PathValue("name"), ".csv")
		sec, _, _ := strings.Cut(name, "-")
		s, err := ParseSection(sec)
		if !ok || err != nil {
			http.NotFound(w, req)
			return
		}
		rep, err := build(req.Context(), s)
		if err != nil {
			fail(w, err)
			return
		}
		for _, t := range rep.SectionTables(s) {
			if t.Name == name {
				w.Header().Set("Content-Type", "text/csv; charset=utf-8")
				w.Header().Set("Content-Disposition", `attachment; filename="`+rep.Study+"-"+name+`.csv"`)
				WriteCSV(w, t)
				return
			}
		}
		http.NotFound(w, req)
	})
	return securityHeaders(mux)
}

// securityHeaders forbids every outside resource and script: the pages need none.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.Header().Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

func writePage(w http.ResponseWriter, p page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// An error here is a failed write to the client: the page ends where it failed.
	_ = pageTmpl.Execute(w, p)
}

// WriteCSV writes a table as CSV: a header of its columns, then its rows. A cell that a
// spreadsheet would take for a formula (starting with = + - @) is prefixed with a quote.
func WriteCSV(w io.Writer, t Table) error {
	cw := csv.NewWriter(w)
	cw.Write(t.Columns)
	for _, row := range t.Rows {
		out := make([]string, len(row))
		for i, c := range row {
			out[i] = c
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				if _, err := strconv.ParseFloat(c, 64); err != nil {
					out[i] = "'" + c
				}
			}
		}
		cw.Write(out)
	}
	cw.Flush()
	return cw.Error()
}

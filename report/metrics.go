package report

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
)

// metrics computes the sections of one report: every figure is a statement run in the
// target, whose rows are aggregates (a top list, a week, a site), never the study's records.
type metrics struct {
	s    *Source
	l    *layout
	cut  time.Time
	opts Options
	conn *sql.Conn // every statement of the report runs on it
	// temp are the table expressions held in SQLite TEMP tables of conn for this report.
	temp map[string]bool
	// What several sections read, computed once per report.
	recs []recGroup // the records by site, status and deletion
	cms  []cmGroup  // the expected forms by site and form
}

// prepare computes once what the sections asked for share. On SQLite, the table
// expressions that several statements read go into TEMP tables, as SQLite would compute
// them again for each statement: the queries with their state (qs: queries, sites and
// changes sections) and the missing forms (miss: completeness and sites). PostgreSQL, whose
// connection is read-only, plans them well enough each time.
func (m *metrics) prepare(ctx context.Context, sections []Section) error {
	if m.s.dialect != SQLite {
		return nil
	}
	m.temp = map[string]bool{}
	for _, t := range []struct {
		name, what string
		by         []Section
	}{
		{"qs", "the queries' state", []Section{Queries, Sites, Changes}},
		{"miss", "the missing forms", []Section{Completeness, Sites}},
	} {
		if !slices.ContainsFunc(sections, func(s Section) bool { return slices.Contains(t.by, s) }) {
			continue
		}
		if _, err := m.conn.ExecContext(ctx, `DROP TABLE IF EXISTS temp.`+t.name); err != nil {
			return err
		}
		if _, err := m.conn.ExecContext(ctx, `CREATE TEMP TABLE `+t.name+` AS `+m.with(t.name)+`SELECT * FROM `+t.name, m.s.timeArg(m.cut)); err != nil {
			return fmt.Errorf("computing %s: %w", t.what, err)
		}
		m.temp[t.name] = true
	}
	return nil
}

// dropTemp drops the TEMP tables, before the connection goes back to the pool.
func (m *metrics) dropTemp() {
	for name := range m.temp {
		// A failure leaves a table that the next report drops before making it again.
		_, _ = m.conn.ExecContext(context.Background(), `DROP TABLE IF EXISTS temp.`+name)
	}
}

// with returns the statement's common table expressions: cut (the data cut, t), rec (the
// records), then those named, in an order where each follows what it uses.
func (m *metrics) with(names ...string) string {
	s := m.s
	var cut string
	if s.dialect == SQLite {
		cut = `cut AS (SELECT ? AS t)`
	} else {
		cut = `cut AS (SELECT CAST(? AS timestamptz) AS t)`
	}
	parts := []string{cut, m.l.recCTE()}
	for _, n := range names {
		if !m.temp[n] {
			parts = append(parts, m.cte(n))
		}
	}
	return "WITH " + strings.Join(parts, ",\n") + "\n"
}

// cte is the named common table expression.
func (m *metrics) cte(name string) string {
	s := m.s
	switch name {
	case "qs":
		// Each query with its state from its last comment, its site (the subject's, else the
		// record's), its form and its age in days at the data cut.
		return m.l.queryRecCTE() + `,
lc AS (SELECT "annotationId", "closed", "date", "comment",
  ROW_NUMBER() OVER (PARTITION BY "annotationId" ORDER BY "position" DESC) AS rn FROM query_comments),
qs AS (SELECT q."annotationId" AS id, q."variable" AS variable, q."dateCreated" AS opened,
  CASE WHEN lc."closed" IS TRUE THEN 1 ELSE 0 END AS is_closed,
  CASE WHEN lc."closed" IS TRUE THEN lc."date" END AS closed_at,
  COALESCE(sj."siteId", r."siteId") AS site_id, r."formKey" AS form_key,
  q."subjectKey" AS subject_key, q."description" AS description, lc."comment" AS last_comment,
  ` + s.days(`q."dateCreated"`, "cut.t") + ` AS age
 FROM queries q CROSS JOIN cut
 LEFT JOIN lc ON lc."annotationId" = q."annotationId" AND lc.rn = 1
 LEFT JOIN subjects sj ON sj."subjectId" = q."subjectId"
 LEFT JOIN qrec r ON r."annotationId" = q."annotationId")`
	case "miss":
		// The missing forms: each form expected at a visit (expd) that was not received. The
		// received forms are an IN list, which both databases index once; a join with them as
		// a table of their own went row by row in SQLite (no automatic index), quadratic in
		// the records.
		return `expd AS (SELECT v."subjectId" AS subject_id, sj."siteId" AS site_id, v."intervalId" AS interval_id,
  f."formKey" AS form_key, f."formName" AS form_name
 FROM visits v JOIN subjects sj ON sj."subjectId" = v."subjectId" AND sj."deleted" IS NOT TRUE
 JOIN interval_forms f ON f."intervalId" = v."intervalId"
 LEFT JOIN forms fm ON fm."formId" = f."formId"
 WHERE v."deleted" IS NOT TRUE AND fm."disabled" IS NOT TRUE),
miss AS (SELECT subject_id, site_id, interval_id, form_key, form_name FROM (
 SELECT e.subject_id, e.site_id, e.interval_id, e.form_key, e.form_name,
  CASE WHEN (e.subject_id, e.interval_id, e.form_key) IN (SELECT "subjectId", "intervalId", "formKey" FROM rec
   WHERE "deleted" IS NOT TRUE AND "intervalId" IS NOT NULL AND "subjectId" IS NOT NULL) THEN 0 ELSE 1 END AS missing
 FROM expd e) x WHERE missing = 1)`
	}
	panic("report: unknown table expression " + name)
}

// ord is a text expression for ORDER BY, compared byte by byte in both dialects.
func (m *metrics) ord(expr string) string {
	if m.s.dialect == PostgreSQL {
		return expr + ` COLLATE "C"`
	}
	return expr
}

// each runs a statement whose first argument is the data cut, calling scan for each row.
func (m *metrics) each(ctx context.Context, q string, args []any, scan func(*sql.Rows) error) error {
	args = append([]any{m.s.timeArg(m.cut)}, args...)
	rows, err := m.conn.QueryContext(ctx, m.s.sql(q), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// one runs a statement of one row.
func (m *metrics) one(ctx context.Context, q string, args []any, dst ...any) error {
	return m.each(ctx, q, args, func(r *sql.Rows) error { return r.Scan(dst...) })
}

func (m *metrics) enrollment(ctx context.Context) (*EnrollmentSection, error) {
	e := &EnrollmentSection{ByStatus: []StatusCount{}, BySite: []SiteStatusCount{}, Cumulative: []EnrollmentWeek{}}
	w := m.with()
	live := ` FROM subjects s LEFT JOIN sites si ON si."siteId" = s."siteId" WHERE s."deleted" IS NOT TRUE`
	if err := m.one(ctx, w+`SELECT COUNT(*), COUNT(DISTINCT s."siteId")`+live, nil, &e.Subjects, &e.Sites); err != nil {
		return nil, err
	}
	err := m.each(ctx, w+`SELECT COALESCE(s."subjectStatus", ''), COUNT(*)`+live+` GROUP BY 1 ORDER BY `+m.ord(`COALESCE(s."subjectStatus", '')`), nil, func(r *sql.Rows) error {
		var c StatusCount
		if err := r.Scan(&c.Status, &c.Count); err != nil {
			return err
		}
		e.ByStatus = append(e.ByStatus, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	name := `COALESCE(si."siteName", s."siteName", '')`
	err = m.each(ctx, w+`SELECT COALESCE(s."siteId", 0), `+name+`, COALESCE(s."subjectStatus", ''), COUNT(*)`+live+
		` GROUP BY 1, 2, 3 ORDER BY `+m.ord(name)+`, COALESCE(s."siteId", 0), `+m.ord(`COALESCE(s."subjectStatus", '')`), nil, func(r *sql.Rows) error {
		var c SiteStatusCount
		if err := r.Scan(&c.SiteID, &c.SiteName, &c.Status, &c.Subjects); err != nil {
			return err
		}
		e.BySite = append(e.BySite, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	wk := m.s.week(`COALESCE(s."enrollmentStartDate", s."dateCreated")`)
	err = m.each(ctx, w+`SELECT site_id, site_name, wk, n, CAST(SUM(n) OVER (PARTITION BY site_id ORDER BY wk) AS BIGINT) FROM (
 SELECT COALESCE(s."siteId", 0) AS site_id, `+name+` AS site_name, `+wk+` AS wk, COUNT(*) AS n`+live+
		` AND COALESCE(s."enrollmentStartDate", s."dateCreated") IS NOT NULL GROUP BY 1, 2, 3) x ORDER BY `+m.ord("site_name")+`, site_id, wk`, nil, func(r *sql.Rows) error {
		var c EnrollmentWeek
		if err := r.Scan(&c.SiteID, &c.SiteName, &c.Week, &c.Enrolled, &c.Cumulative); err != nil {
			return err
		}
		e.Cumulative = append(e.Cumulative, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// bucketExpr is the age bucket of the open query qs.
const bucketExpr = `CASE WHEN age < 8 THEN '0-7' WHEN age < 15 THEN '8-14' WHEN age < 31 THEN '15-30' ELSE '>30' END`

func (m *metrics) queries(ctx context.Context) (*QueriesSection, error) {
	q := &QueriesSection{Ageing: []AgeBucket{}, Weekly: []QueryWeek{}}
	w := m.with("qs")
	if err := m.one(ctx, w+`SELECT COUNT(*), CAST(COALESCE(SUM(is_closed), 0) AS BIGINT) FROM qs`, nil, &q.Total, &q.Closed); err != nil {
		return nil, err
	}
	q.Open = q.Total - q.Closed
	counts := map[string]int64{}
	err := m.each(ctx, w+`SELECT `+bucketExpr+`, COUNT(*) FROM qs WHERE is_closed = 0 GROUP BY 1`, nil, func(r *sql.Rows) error {
		var b string
		var n int64
		if err := r.Scan(&b, &n); err != nil {
			return err
		}
		counts[b] = n
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, b := range ageBuckets {
		q.Ageing = append(q.Ageing, AgeBucket{Bucket: b, Queries: counts[b]})
	}
	q.OpenOver30Days = counts[">30"]
	// label is an expression of the group's name giving its label, "''" for none.
	group := func(key, name, label, join string) ([]QueryGroup, error) {
		out := []QueryGroup{}
		err := m.each(ctx, w+`SELECT `+name+`, COALESCE(`+label+`, ''), CAST(SUM(1 - is_closed) AS BIGINT) AS o, CAST(SUM(is_closed) AS BIGINT), COUNT(*) AS n FROM qs `+join+
			` WHERE `+key+` IS NOT NULL GROUP BY `+key+`, `+name+` ORDER BY o DESC, n DESC, `+m.ord(name)+` LIMIT ?`, []any{m.opts.TopN}, func(r *sql.Rows) error {
			var g QueryGroup
			if err := r.Scan(&g.Name, &g.Label, &g.Open, &g.Closed, &g.Total); err != nil {
				return err
			}
			out = append(out, g)
			return nil
		})
		return out, err
	}
	if q.BySite, err = group("qs.site_id", `COALESCE(si."siteName", '')`, "''", `LEFT JOIN sites si ON si."siteId" = qs.site_id`); err != nil {
		return nil, err
	}
	formName := `(SELECT MAX(f."formName") FROM forms f WHERE f."formKey" = qs.form_key)`
	if q.ByForm, err = group("qs.form_key", "qs.form_key", formName, ""); err != nil {
		return nil, err
	}
	varLabel := "''"
	if m.l.cols["variables.label"] && m.l.cols["variables.variablename"] {
		// The label of the variable of that name (the greatest, when several variables
		// share the name: forms with the same variable, or one deleted and created again).
		varLabel = `(SELECT MAX(v."label") FROM variables v WHERE v."variableName" = qs.variable)`
	}
	if q.ByVariable, err = group("NULLIF(qs.variable, '')", "qs.variable", varLabel, ""); err != nil {
		return nil, err
	}
	q.OldestOpen = []OpenQuery{}
	err = m.each(ctx, w+`SELECT qs.id, COALESCE(si."siteName", ''), COALESCE(qs.subject_key, ''), COALESCE(qs.form_key, ''), COALESCE(qs.variable, ''),
 COALESCE(qs.description, ''), COALESCE(qs.last_comment, ''), age FROM qs LEFT JOIN sites si ON si."siteId" = qs.site_id
 WHERE is_closed = 0 AND age IS NOT NULL ORDER BY age DESC, qs.id LIMIT ?`, []any{m.opts.TopN}, func(r *sql.Rows) error {
		var x OpenQuery
		var age float64
		if err := r.Scan(&x.AnnotationID, &x.SiteName, &x.SubjectKey, &x.FormKey, &x.Variable, &x.Description, &x.LastComment, &age); err != nil {
			return err
		}
		x.DaysOpen = int64(math.Floor(math.Max(age, 0)))
		q.OldestOpen = append(q.OldestOpen, x)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = m.each(ctx, w+`SELECT wk, CAST(SUM(o) AS BIGINT), CAST(SUM(c) AS BIGINT) FROM (
 SELECT `+m.s.week("opened")+` AS wk, 1 AS o, 0 AS c FROM qs WHERE opened IS NOT NULL
 UNION ALL SELECT `+m.s.week("closed_at")+`, 0, 1 FROM qs WHERE closed_at IS NOT NULL) x GROUP BY wk ORDER BY wk`, nil, func(r *sql.Rows) error {
		var x QueryWeek
		if err := r.Scan(&x.Week, &x.Opened, &x.Closed); err != nil {
			return err
		}
		q.Weekly = append(q.Weekly, x)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return q, nil
}

// recGroup counts the records of a site (nil: none) with a status and deletion state.
type recGroup struct {
	site    *int64
	status  string
	deleted bool
	n       int64
	last    anyTime // the latest dateModified
}

// recGroups reads the records once per report, grouped by site, status and deletion: the
// sites and completeness sections take their figures from these few rows.
func (m *metrics) recGroups(ctx context.Context) ([]recGroup, error) {
	if m.recs != nil {
		return m.recs, nil
	}
	recs := []recGroup{}
	err := m.each(ctx, m.with()+`SELECT "siteId", COALESCE("recordStatus", ''), CASE WHEN "deleted" IS TRUE THEN 1 ELSE 0 END, COUNT(*), `+
		m.s.maxTime(`"dateModified"`)+` FROM rec GROUP BY 1, 2, 3`, nil, func(r *sql.Rows) error {
		var g recGroup
		var site sql.NullInt64
		if err := r.Scan(&site, &g.status, &g.deleted, &g.n, &g.last); err != nil {
			return err
		}
		if site.Valid {
			g.site = &site.Int64
		}
		recs = append(recs, g)
		return nil
	})
	m.recs = recs
	return recs, err
}

// cmGroup counts the expected and missing forms of a site and a form.
type cmGroup struct {
	site              *int64
	siteName          string
	formKey, formName string // formName: the form's name, else its key
	expected, missing int64
}

// cmGroups counts the expected and missing forms once per report, by site and form: the
// completeness and sites sections take their figures from these rows. The expected forms
// are counted from the visits per site and interval, times the forms of each interval, so
// that only the missing forms are listed one by one.
func (m *metrics) cmGroups(ctx context.Context) ([]cmGroup, error) {
	if m.cms != nil {
		return m.cms, nil
	}
	type key struct {
		site           sql.NullInt64
		formKey, fname string
	}
	idx := map[key]int{}
	cms := []cmGroup{}
	err := m.each(ctx, m.with()+`SELECT g.site_id, COALESCE(si."siteName", ''), g.form_key, g.form_name, g.n FROM (
 SELECT x.site_id, f."formKey" AS form_key, COALESCE(f."formName", f."formKey") AS form_name, CAST(SUM(x.n) AS BIGINT) AS n FROM (
  SELECT sj."siteId" AS site_id, v."intervalId" AS interval_id, COUNT(*) AS n
  FROM visits v JOIN subjects sj ON sj."subjectId" = v."subjectId" AND sj."deleted" IS NOT TRUE
  WHERE v."deleted" IS NOT TRUE GROUP BY 1, 2) x
 JOIN interval_forms f ON f."intervalId" = x.interval_id
 LEFT JOIN forms fm ON fm."formId" = f."formId"
 WHERE fm."disabled" IS NOT TRUE GROUP BY 1, 2, 3) g LEFT JOIN sites si ON si."siteId" = g.site_id`, nil, func(r *sql.Rows) error {
		var g cmGroup
		var k key
		var fkey sql.NullString
		if err := r.Scan(&k.site, &g.siteName, &fkey, &k.fname, &g.expected); err != nil {
			return err
		}
		if k.site.Valid {
			g.site = &k.site.Int64
		}
		k.formKey = fkey.String
		g.formKey, g.formName = k.formKey, k.fname
		idx[k] = len(cms)
		cms = append(cms, g)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = m.each(ctx, m.with("miss")+`SELECT site_id, form_key, COALESCE(form_name, form_key), COUNT(*) FROM miss GROUP BY 1, 2, 3`, nil, func(r *sql.Rows) error {
		var k key
		var fkey sql.NullString
		var n int64
		if err := r.Scan(&k.site, &fkey, &k.fname, &n); err != nil {
			return err
		}
		k.formKey = fkey.String
		i, ok := idx[k]
		if !ok {
			return fmt.Errorf("missing forms of site %v, form %q, that were not expected", k.site, k.formKey)
		}
		cms[i].missing = n
		return nil
	})
	m.cms = cms
	return cms, err
}

// completenessRows sums the groups by the key and name that by gives, ordered by name then
// key (a nil key first).
func completenessRows(groups []cmGroup, by func(cmGroup) (key *int64, skey, name string)) []CompletenessRow {
	type k struct {
		null  bool
		id    int64
		s     string
		name  string
		index int
	}
	sums := map[k]*CompletenessRow{}
	var keys []k
	for _, g := range groups {
		id, skey, name := by(g)
		x := k{null: id == nil, s: skey, name: name}
		if id != nil {
			x.id = *id
		}
		r := sums[x]
		if r == nil {
			r = &CompletenessRow{Name: name}
			sums[x] = r
			keys = append(keys, x)
		}
		r.Expected += g.expected
		r.Missing += g.missing
	}
	slices.SortFunc(keys, func(a, b k) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		if a.null != b.null {
			if a.null {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.id, b.id), strings.Compare(a.s, b.s))
	})
	out := make([]CompletenessRow, 0, len(keys))
	for _, x := range keys {
		r := *sums[x]
		r.Received = r.Expected - r.Missing
		r.PercentComplete = percent(r.Received, r.Expected)
		out = append(out, r)
	}
	return out
}

func (m *metrics) completeness(ctx context.Context) (*CompletenessSec, error) {
	c := &CompletenessSec{MissingForms: []MissingForm{}, RecordStatus: []StatusCount{}}
	groups, err := m.cmGroups(ctx)
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		c.Expected += g.expected
		c.Missing += g.missing
	}
	c.Received = c.Expected - c.Missing
	c.PercentComplete = percent(c.Received, c.Expected)
	c.BySite = completenessRows(groups, func(g cmGroup) (*int64, string, string) { return g.site, "", g.siteName })
	c.ByForm = completenessRows(groups, func(g cmGroup) (*int64, string, string) { return nil, g.formKey, g.formName })
	if m.opts.MissingLimit > 0 {
		err := m.each(ctx, m.with("miss")+`SELECT COALESCE(si."siteName", ''), COALESCE(sj."subjectKey", ''), COALESCE(iv."intervalName", ''), miss.form_key, COALESCE(miss.form_name, '')
 FROM miss LEFT JOIN sites si ON si."siteId" = miss.site_id LEFT JOIN subjects sj ON sj."subjectId" = miss.subject_id
 LEFT JOIN intervals iv ON iv."intervalId" = miss.interval_id
 ORDER BY `+m.ord(`COALESCE(si."siteName", '')`)+`, `+m.ord(`COALESCE(sj."subjectKey", '')`)+`, iv."intervalSequence", miss.interval_id, `+m.ord("miss.form_key")+` LIMIT ?`,
			[]any{m.opts.MissingLimit}, func(r *sql.Rows) error {
				var x MissingForm
				if err := r.Scan(&x.SiteName, &x.SubjectKey, &x.IntervalName, &x.FormKey, &x.FormName); err != nil {
					return err
				}
				c.MissingForms = append(c.MissingForms, x)
				return nil
			})
		if err != nil {
			return nil, err
		}
	}
	recs, err := m.recGroups(ctx)
	if err != nil {
		return nil, err
	}
	byStatus := map[string]int64{}
	for _, g := range recs {
		if g.deleted {
			c.Deleted += g.n
			continue
		}
		byStatus[g.status] += g.n
		c.Records += g.n
	}
	for _, st := range slices.Sorted(maps.Keys(byStatus)) {
		c.RecordStatus = append(c.RecordStatus, StatusCount{Status: st, Count: byStatus[st]})
	}
	return c, nil
}

func (m *metrics) sites(ctx context.Context) (*SitesSection, error) {
	byID := map[int64]*SiteRow{}
	site := func(id int64) *SiteRow {
		if byID[id] == nil {
			byID[id] = &SiteRow{SiteID: id}
		}
		return byID[id]
	}
	w := m.with()
	err := m.each(ctx, w+`SELECT "siteId", COALESCE("siteName", ''), COALESCE("siteEnrollmentStatus", '') FROM sites`, nil, func(r *sql.Rows) error {
		var id int64
		var name, status string
		if err := r.Scan(&id, &name, &status); err != nil {
			return err
		}
		s := site(id)
		s.SiteName, s.Status = name, status
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = m.each(ctx, w+`SELECT "siteId", MAX(COALESCE("siteName", '')), COUNT(*) FROM subjects WHERE "deleted" IS NOT TRUE AND "siteId" IS NOT NULL GROUP BY "siteId"`, nil, func(r *sql.Rows) error {
		var id, n int64
		var name string
		if err := r.Scan(&id, &name, &n); err != nil {
			return err
		}
		s := site(id)
		s.Subjects = n
		if s.SiteName == "" {
			s.SiteName = name
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	recs, err := m.recGroups(ctx)
	if err != nil {
		return nil, err
	}
	for _, g := range recs {
		if g.site == nil {
			continue
		}
		s := site(*g.site)
		if !g.deleted {
			s.Records += g.n
		}
		if g.last.valid && (s.LastDataEntry == nil || g.last.t.After(*s.LastDataEntry)) {
			t := g.last.t
			s.LastDataEntry = &t
		}
	}
	w = m.with("qs")
	err = m.each(ctx, w+`SELECT site_id, COUNT(*) FROM qs WHERE is_closed = 0 AND site_id IS NOT NULL GROUP BY site_id`, nil, func(r *sql.Rows) error {
		var id, n int64
		if err := r.Scan(&id, &n); err != nil {
			return err
		}
		site(id).OpenQueries = n
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The median: the middle row, or the mean of the two middle rows, of each site's open
	// queries ordered by age.
	err = m.each(ctx, w+`SELECT site_id, CAST(AVG(age) AS DOUBLE PRECISION) FROM (
 SELECT site_id, age, ROW_NUMBER() OVER (PARTITION BY site_id ORDER BY age) AS rn, COUNT(*) OVER (PARTITION BY site_id) AS n
 FROM qs WHERE is_closed = 0 AND site_id IS NOT NULL AND age IS NOT NULL) x
 WHERE rn = (n + 1) / 2 OR rn = (n + 2) / 2 GROUP BY site_id`, nil, func(r *sql.Rows) error {
		var id int64
		var med float64
		if err := r.Scan(&id, &med); err != nil {
			return err
		}
		med = float64(int64(med*10+0.5)) / 10
		site(id).MedianDaysOpen = &med
		return nil
	})
	if err != nil {
		return nil, err
	}
	groups, err := m.cmGroups(ctx)
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		if g.site != nil {
			site(*g.site).MissingForms += g.missing
		}
	}
	out := &SitesSection{Sites: make([]SiteRow, 0, len(byID))}
	for _, s := range byID {
		out.Sites = append(out.Sites, *s)
	}
	slices.SortFunc(out.Sites, func(a, b SiteRow) int {
		return cmp.Or(strings.Compare(a.SiteName, b.SiteName), cmp.Compare(a.SiteID, b.SiteID))
	})
	return out, nil
}

// activity reads the audit trail once, grouped by day, user and reason for change; the
// weeks, users and reasons are sums of those rows.
func (m *metrics) activity(ctx context.Context) (*ActivitySection, error) {
	a := &ActivitySection{Weekly: []UserWeek{}, Reasons: []ReasonCount{}}
	type userWeek struct{ week, user string }
	weekly := map[userWeek]int64{}
	reasons := map[string]int64{}
	users := map[string]bool{}
	err := m.each(ctx, m.with()+`SELECT `+m.s.day(`"dateCreated"`)+`, "user", "reasonForChange", COUNT(*) FROM record_revisions GROUP BY 1, 2, 3`, nil, func(r *sql.Rows) error {
		var day, user, reason sql.NullString
		var n int64
		if err := r.Scan(&day, &user, &reason, &n); err != nil {
			return err
		}
		a.Revisions += n
		if user.Valid {
			users[user.String] = true
		}
		if day.Valid {
			d, err := time.Parse(time.DateOnly, day.String)
			if err != nil {
				return fmt.Errorf("a revision's day %q: %w", day.String, err)
			}
			monday := d.AddDate(0, 0, -(int(d.Weekday())+6)%7)
			weekly[userWeek{monday.Format(time.DateOnly), user.String}] += n
		}
		if reason.Valid && reason.String != "" {
			reasons[reason.String] += n
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	a.Users = int64(len(users))
	for k, n := range weekly {
		a.Weekly = append(a.Weekly, UserWeek{Week: k.week, User: k.user, Revisions: n})
	}
	slices.SortFunc(a.Weekly, func(x, y UserWeek) int {
		return cmp.Or(strings.Compare(x.Week, y.Week), strings.Compare(x.User, y.User))
	})
	for r, n := range reasons {
		a.Reasons = append(a.Reasons, ReasonCount{Reason: r, Revisions: n})
	}
	slices.SortFunc(a.Reasons, func(x, y ReasonCount) int {
		return cmp.Or(cmp.Compare(y.Revisions, x.Revisions), strings.Compare(x.Reason, y.Reason))
	})
	return a, nil
}

func (m *metrics) changes(ctx context.Context) (*ChangesSection, error) {
	c := &ChangesSection{ByForm: []FormChange{}}
	if len(m.l.runs) < 2 {
		return c, nil
	}
	since := m.l.runs[len(m.l.runs)-2].started
	c.Available, c.Since = true, &since
	s := m.s
	var p string
	if s.dialect == SQLite {
		p = `, p AS (SELECT ? AS t)`
	} else {
		p = `, p AS (SELECT CAST(? AS timestamptz) AS t)`
	}
	w := strings.TrimSuffix(m.with("qs"), "\n") + p + "\n"
	args := []any{s.timeArg(since)}
	added := s.jd(`"dateCreated"`) + ` > ` + s.jd("p.t")
	modified := `COALESCE(` + s.jd(`"dateCreated"`) + ` <= ` + s.jd("p.t") + `, TRUE) AND ` + s.jd(`"dateModified"`) + ` > ` + s.jd("p.t")
	err := m.each(ctx, w+`SELECT "formKey", CAST(SUM(CASE WHEN `+added+` THEN 1 ELSE 0 END) AS BIGINT),
 CAST(SUM(CASE WHEN `+modified+` THEN 1 ELSE 0 END) AS BIGINT),
 CAST(SUM(CASE WHEN `+modified+` AND "deleted" IS TRUE THEN 1 ELSE 0 END) AS BIGINT)
 FROM rec CROSS JOIN p GROUP BY "formKey" ORDER BY `+m.ord(`"formKey"`), args, func(r *sql.Rows) error {
		var f FormChange
		var del int64
		if err := r.Scan(&f.FormKey, &f.Added, &f.Modified, &del); err != nil {
			return err
		}
		c.RecordsAdded += f.Added
		c.RecordsChanged += f.Modified
		c.RecordsDeleted += del
		if f.Added > 0 || f.Modified > 0 {
			c.ByForm = append(c.ByForm, f)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = m.one(ctx, w+`SELECT CAST(COALESCE(SUM(CASE WHEN `+s.jd("opened")+` > `+s.jd("p.t")+` THEN 1 ELSE 0 END), 0) AS BIGINT),
 CAST(COALESCE(SUM(CASE WHEN closed_at IS NOT NULL AND `+s.jd("closed_at")+` > `+s.jd("p.t")+` THEN 1 ELSE 0 END), 0) AS BIGINT)
 FROM qs CROSS JOIN p`, args, &c.QueriesOpened, &c.QueriesClosed)
	if err != nil {
		return nil, err
	}
	return c, nil
}

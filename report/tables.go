package report

import (
	"strconv"
	"time"
)

// Table is one table of a report's section, as text: what the command line prints, the HTML
// page shows beside its chart and the dashboard offers as CSV.
type Table struct {
	Section Section
	Name    string // unique in the report, such as "queries-ageing": the CSV download's name
	Title   string
	Columns []string // camelCase, as in the JSON
	Rows    [][]string
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

func tstr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// Tables returns the tables of the sections the report holds, in order: first a summary of
// each section's totals, then its lists.
func (r *Report) Tables() []Table {
	var out []Table
	for _, s := range AllSections {
		out = append(out, r.SectionTables(s)...)
	}
	return out
}

// SectionTables returns the tables of one section, none when the report lacks it.
func (r *Report) SectionTables(s Section) []Table {
	t := func(name, title string, cols ...string) Table {
		return Table{Section: s, Name: string(s) + "-" + name, Title: title, Columns: cols, Rows: [][]string{}}
	}
	var out []Table
	switch s {
	case Enrollment:
		e := r.Enrollment
		if e == nil {
			return nil
		}
		sum := t("totals", "Enrollment", "subjects", "sites")
		sum.Rows = append(sum.Rows, []string{itoa(e.Subjects), itoa(e.Sites)})
		st := t("by-status", "Subjects by status", "status", "subjects")
		for _, x := range e.ByStatus {
			st.Rows = append(st.Rows, []string{x.Status, itoa(x.Count)})
		}
		bs := t("by-site", "Subjects by site and status", "siteId", "siteName", "status", "subjects")
		for _, x := range e.BySite {
			bs.Rows = append(bs.Rows, []string{itoa(x.SiteID), x.SiteName, x.Status, itoa(x.Subjects)})
		}
		cu := t("cumulative", "Cumulative enrollment per site and week", "siteId", "siteName", "week", "enrolled", "cumulative")
		for _, x := range e.Cumulative {
			cu.Rows = append(cu.Rows, []string{itoa(x.SiteID), x.SiteName, x.Week, itoa(x.Enrolled), itoa(x.Cumulative)})
		}
		out = append(out, sum, st, bs, cu)
	case Queries:
		q := r.Queries
		if q == nil {
			return nil
		}
		sum := t("totals", "Queries", "total", "open", "closed", "openOver30Days")
		sum.Rows = append(sum.Rows, []string{itoa(q.Total), itoa(q.Open), itoa(q.Closed), itoa(q.OpenOver30Days)})
		ag := t("ageing", "Open queries by age (days)", "bucket", "queries")
		for _, x := range q.Ageing {
			ag.Rows = append(ag.Rows, []string{x.Bucket, itoa(x.Queries)})
		}
		out = append(out, sum, ag)
		for _, g := range []struct {
			name, title string
			rows        []QueryGroup
		}{{"by-site", "Queries by site", q.BySite}, {"by-form", "Queries by form", q.ByForm}, {"by-variable", "Queries by variable", q.ByVariable}} {
			if g.name == "by-site" {
				x := t(g.name, g.title+" (top, by open queries)", "name", "open", "closed", "total")
				for _, y := range g.rows {
					x.Rows = append(x.Rows, []string{y.Name, itoa(y.Open), itoa(y.Closed), itoa(y.Total)})
				}
				out = append(out, x)
				continue
			}
			x := t(g.name, g.title+" (top, by open queries)", "name", "label", "open", "closed", "total")
			for _, y := range g.rows {
				x.Rows = append(x.Rows, []string{y.Name, y.Label, itoa(y.Open), itoa(y.Closed), itoa(y.Total)})
			}
			out = append(out, x)
		}
		wk := t("weekly", "Queries opened and closed per week", "week", "opened", "closed")
		for _, x := range q.Weekly {
			wk.Rows = append(wk.Rows, []string{x.Week, itoa(x.Opened), itoa(x.Closed)})
		}
		oo := t("oldest-open", "Oldest open queries", "annotationId", "siteName", "subjectKey", "formKey", "variable", "description", "lastComment", "daysOpen")
		for _, x := range q.OldestOpen {
			oo.Rows = append(oo.Rows, []string{itoa(x.AnnotationID), x.SiteName, x.SubjectKey, x.FormKey, x.Variable, x.Description, x.LastComment, itoa(x.DaysOpen)})
		}
		out = append(out, wk, oo)
	case Completeness:
		c := r.Completeness
		if c == nil {
			return nil
		}
		sum := t("totals", "Completeness", "expected", "received", "missing", "percentComplete", "records", "deletedRecords")
		sum.Rows = append(sum.Rows, []string{itoa(c.Expected), itoa(c.Received), itoa(c.Missing), ftoa(c.PercentComplete), itoa(c.Records), itoa(c.Deleted)})
		out = append(out, sum)
		for _, g := range []struct {
			name, title string
			rows        []CompletenessRow
		}{{"by-site", "Completeness by site", c.BySite}, {"by-form", "Completeness by form", c.ByForm}} {
			x := t(g.name, g.title, "name", "expected", "received", "missing", "percentComplete")
			for _, y := range g.rows {
				x.Rows = append(x.Rows, []string{y.Name, itoa(y.Expected), itoa(y.Received), itoa(y.Missing), ftoa(y.PercentComplete)})
			}
			out = append(out, x)
		}
		rs := t("record-status", "Records by status", "status", "records")
		for _, x := range c.RecordStatus {
			rs.Rows = append(rs.Rows, []string{x.Status, itoa(x.Count)})
		}
		title := "Missing forms"
		if int64(len(c.MissingForms)) < c.Missing {
			title += " (the first " + strconv.Itoa(len(c.MissingForms)) + " of " + itoa(c.Missing) + ")"
		}
		mf := t("missing", title, "siteName", "subjectKey", "intervalName", "formKey", "formName")
		for _, x := range c.MissingForms {
			mf.Rows = append(mf.Rows, []string{x.SiteName, x.SubjectKey, x.IntervalName, x.FormKey, x.FormName})
		}
		out = append(out, rs, mf)
	case Sites:
		if r.Sites == nil {
			return nil
		}
		x := t("sites", "Sites", "siteId", "siteName", "status", "subjects", "records", "openQueries", "medianDaysOpen", "missingForms", "lastDataEntry")
		for _, y := range r.Sites.Sites {
			med := ""
			if y.MedianDaysOpen != nil {
				med = ftoa(*y.MedianDaysOpen)
			}
			x.Rows = append(x.Rows, []string{itoa(y.SiteID), y.SiteName, y.Status, itoa(y.Subjects), itoa(y.Records), itoa(y.OpenQueries), med, itoa(y.MissingForms), tstr(y.LastDataEntry)})
		}
		out = append(out, x)
	case Activity:
		a := r.Activity
		if a == nil {
			return nil
		}
		sum := t("totals", "Activity", "revisions", "users")
		sum.Rows = append(sum.Rows, []string{itoa(a.Revisions), itoa(a.Users)})
		wk := t("weekly", "Record revisions per week and user", "week", "user", "revisions")
		for _, x := range a.Weekly {
			wk.Rows = append(wk.Rows, []string{x.Week, x.User, itoa(x.Revisions)})
		}
		rs := t("reasons", "Reasons for change", "reason", "revisions")
		for _, x := range a.Reasons {
			rs.Rows = append(rs.Rows, []string{x.Reason, itoa(x.Revisions)})
		}
		out = append(out, sum, wk, rs)
	case Changes:
		c := r.Changes
		if c == nil {
			return nil
		}
		sum := t("totals", "Changes since the previous run", "available", "since", "recordsAdded", "recordsModified", "recordsDeleted", "queriesOpened", "queriesClosed")
		sum.Rows = append(sum.Rows, []string{strconv.FormatBool(c.Available), tstr(c.Since), itoa(c.RecordsAdded), itoa(c.RecordsChanged), itoa(c.RecordsDeleted), itoa(c.QueriesOpened), itoa(c.QueriesClosed)})
		bf := t("by-form", "Records added and modified per form", "formKey", "added", "modified")
		for _, x := range c.ByForm {
			bf.Rows = append(bf.Rows, []string{x.FormKey, itoa(x.Added), itoa(x.Modified)})
		}
		out = append(out, sum, bf)
	}
	return out
}

// Package queries is "imednet queries": the generic list and get of package resource, and
// the query worklist that "queries list" becomes with --state, --older-than or --site: the
// queries that need attention, oldest first, each with its state, age, site, subject, form
// and variable.
package queries

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
	"github.com/imednet/imednet-go/internal/cli/output"
	"github.com/imednet/imednet-go/internal/cli/resource"
)

// The states of a query, from its last comment.
const (
	Open   = "open"
	Closed = "closed"
)

// State returns a query's state: closed when its last comment (by sequence) closed it, else
// open (a query without comments is open).
func State(q *imednet.Query) string {
	if last := LastComment(q); last != nil && last.Closed {
		return Closed
	}
	return Open
}

// LastComment returns the query's comment with the highest sequence, nil when it has none.
func LastComment(q *imednet.Query) *imednet.QueryComment {
	var last *imednet.QueryComment
	for i := range q.QueryComments {
		c := &q.QueryComments[i]
		if last == nil || c.Sequence >= last.Sequence {
			last = c
		}
	}
	return last
}

// Item is one line of the worklist.
type Item struct {
	AnnotationID   int               `json:"annotationId"`
	State          string            `json:"state"`   // open or closed, from the last comment
	AgeDays        int               `json:"ageDays"` // whole days from dateCreated to now
	DateCreated    imednet.Timestamp `json:"dateCreated"`
	SiteName       string            `json:"siteName"`
	SubjectKey     string            `json:"subjectKey"`
	FormKey        string            `json:"formKey"` // the form of the record queried; "" for a query on a subject
	Variable       string            `json:"variable"`
	RecordID       int               `json:"recordId"`
	AnnotationType string            `json:"annotationType"`
	Description    string            `json:"description"`
	Status         string            `json:"status"`      // the last comment's annotationStatus
	LastComment    string            `json:"lastComment"` // the last comment's text
	LastUser       string            `json:"lastUser"`
	LastDate       imednet.Timestamp `json:"lastDate"`
}

// Columns describe a worklist item for the table and CSV.
var Columns = []output.Column[Item]{
	{Name: "annotationId", Table: true, Value: func(x *Item) string { return strconv.Itoa(x.AnnotationID) }},
	{Name: "state", Table: true, Value: func(x *Item) string { return x.State }},
	{Name: "ageDays", Table: true, Value: func(x *Item) string { return strconv.Itoa(x.AgeDays) }},
	{Name: "dateCreated", Value: func(x *Item) string { return x.DateCreated.String() }},
	{Name: "siteName", Table: true, Value: func(x *Item) string { return x.SiteName }},
	{Name: "subjectKey", Table: true, Value: func(x *Item) string { return x.SubjectKey }},
	{Name: "formKey", Table: true, Value: func(x *Item) string { return x.FormKey }},
	{Name: "variable", Table: true, Value: func(x *Item) string { return x.Variable }},
	{Name: "recordId", Value: func(x *Item) string { return itoa0(x.RecordID) }},
	{Name: "annotationType", Value: func(x *Item) string { return x.AnnotationType }},
	{Name: "description", Value: func(x *Item) string { return x.Description }},
	{Name: "status", Table: true, Value: func(x *Item) string { return x.Status }},
	{Name: "lastComment", Table: true, Value: func(x *Item) string { return x.LastComment }},
	{Name: "lastUser", Value: func(x *Item) string { return x.LastUser }},
	{Name: "lastDate", Value: func(x *Item) string { return x.LastDate.String() }},
}

func itoa0(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// WorklistFlags are the flags that make "queries list" the worklist.
type WorklistFlags struct {
	State     string // --state: open, closed or all
	OlderThan string // --older-than: an age, such as 14d
	Site      string // --site: a site name or id
}

func (w *WorklistFlags) active() bool {
	return w.State != "" || w.OlderThan != "" || w.Site != ""
}

const worklistLong = `
The worklist: with --state, --older-than or --site, the list is the queries that need
attention, oldest first, one line each with its state (open or closed, from its last
comment), its age in days (from its creation to now), site, subject, form and variable, and
its last comment. --state all keeps both states. --limit applies after the sort: the oldest.
--filter still selects what the API sends. The worklist's fields, for --json and --jq:
` + "annotationId, state, ageDays, dateCreated, siteName, subjectKey, formKey, variable, recordId,\n" +
	"annotationType, description, status, lastComment, lastUser, lastDate.\n"

const worklistExample = `
  imednet --sandbox queries list --state open --older-than 14d
  imednet --sandbox queries list --state open --site "Chicago Hope Hospital" -o csv > open.csv
  imednet --sandbox queries list --state all --jq 'select(.formKey == "EX").subjectKey'`

// NewCmd returns "imednet queries": list (which is the worklist with its flags) and get.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	var w WorklistFlags
	cmd, list := resource.NewCmdWithList(f, resource.Queries, func(ctx context.Context, o *resource.ListOptions[imednet.Query]) error {
		if w.active() {
			return WorklistRun(ctx, o, &w)
		}
		return resource.ListRun(ctx, o)
	})
	list.Long += worklistLong
	list.Example += worklistExample
	fl := list.Flags()
	fl.StringVar(&w.State, "state", "", "the worklist of queries in this state: open, closed or all")
	fl.StringVar(&w.OlderThan, "older-than", "", "the worklist of queries created longer ago than this, e.g. 14d, 2w, 36h")
	fl.StringVar(&w.Site, "site", "", "the worklist of queries on subjects of this site (its name or id)")
	return cmd
}

// ParseAge reads an age: a number of days (14d) or weeks (2w), or a Go duration (36h, 90m).
func ParseAge(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	unit := time.Duration(0)
	switch {
	case strings.HasSuffix(s, "d"):
		unit = 24 * time.Hour
	case strings.HasSuffix(s, "w"):
		unit = 7 * 24 * time.Hour
	}
	if unit != 0 {
		n, err := strconv.ParseFloat(s[:len(s)-1], 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("expected an age such as 14d, 2w or 36h")
		}
		return time.Duration(n * float64(unit)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("expected an age such as 14d, 2w or 36h")
	}
	return d, nil
}

// WorklistRun runs the worklist: it reads every query the filter selects, keeps those the
// flags ask for, looks up their sites (from the subjects) and forms (from their records),
// and prints them oldest first.
func WorklistRun(ctx context.Context, o *resource.ListOptions[imednet.Query], w *WorklistFlags) error {
	f := o.Factory
	state := strings.ToLower(strings.TrimSpace(w.State))
	switch state {
	case "", "all", Open, Closed:
	default:
		return cmdutil.UsageErrorf("--state %q: expected open, closed or all", w.State)
	}
	var minAge time.Duration
	if w.OlderThan != "" {
		d, err := ParseAge(w.OlderThan)
		if err != nil {
			return cmdutil.UsageErrorf("--older-than %q: %v", w.OlderThan, err)
		}
		minAge = d
	}
	sel, format, err := o.Select.Selection(f, "worklist items", output.FieldNames[Item]())
	if err != nil {
		return err
	}
	q, err := o.Params()
	if err != nil {
		return err
	}
	q.PageSize, q.Prefetch = o.PageSize, resource.Prefetch // --limit applies after the sort
	c, study, err := f.StudyClient(o.Study)
	if err != nil {
		return err
	}
	subjects, err := SubjectSites(ctx, c, study)
	if err != nil {
		return err
	}
	site := strings.TrimSpace(w.Site)
	if site != "" && !subjects.hasSite(site) {
		return cmdutil.UsageErrorf("--site %q: no subject of study %s is at a site of that name or id", site, study)
	}
	now := f.Clock()
	var items []Item
	for qu, err := range c.Queries.All(ctx, study, &q.ListOptions) {
		if err != nil {
			return err
		}
		it := NewItem(&qu, now)
		if state != "" && state != "all" && it.State != state {
			continue
		}
		if minAge > 0 && (!qu.DateCreated.Valid() || now.Sub(qu.DateCreated.Time) <= minAge) {
			continue
		}
		sub := subjects.bySubject(qu.SubjectKey, qu.SubjectID)
		it.SiteName = sub.siteName
		if site != "" && !sub.atSite(site) {
			continue
		}
		items = append(items, it)
	}
	if err := addForms(ctx, c, study, items); err != nil {
		return err
	}
	slices.SortStableFunc(items, func(a, b Item) int {
		return cmp.Or(a.DateCreated.Time.Compare(b.DateCreated.Time), cmp.Compare(a.AnnotationID, b.AnnotationID))
	})
	if o.Limit > 0 && len(items) > o.Limit {
		items = items[:o.Limit]
	}
	l := output.SelectList(f.IO.Out, format, Columns, "query", "queries", sel, f.IO.Width, nil)
	for i := range items {
		if err := l.Add(&items[i]); err != nil {
			l.Close()
			return err
		}
	}
	return l.Close()
}

// NewItem is the worklist's line of q at the time now, without its site and form.
func NewItem(q *imednet.Query, now time.Time) Item {
	it := Item{
		AnnotationID: q.AnnotationID, State: State(q), DateCreated: q.DateCreated,
		SubjectKey: q.SubjectKey, Variable: q.Variable, RecordID: q.RecordID,
		AnnotationType: q.AnnotationType, Description: q.Description,
	}
	if q.DateCreated.Valid() {
		it.AgeDays = max(int(now.Sub(q.DateCreated.Time)/(24*time.Hour)), 0)
	}
	if last := LastComment(q); last != nil {
		it.Status, it.LastComment, it.LastUser, it.LastDate = last.AnnotationStatus, last.Comment, last.User, last.Date
	}
	return it
}

// subjectSite is where a subject is.
type subjectSite struct {
	siteName string
	siteID   int
}

func (s subjectSite) atSite(site string) bool {
	return strings.EqualFold(s.siteName, site) || s.siteID != 0 && strconv.Itoa(s.siteID) == site
}

// Sites maps a study's subjects to their sites.
type Sites struct {
	byKey map[string]subjectSite
	byID  map[int]subjectSite
}

// SubjectSites lists a study's subjects for their sites.
func SubjectSites(ctx context.Context, c *imednet.Client, study string) (*Sites, error) {
	s := &Sites{byKey: map[string]subjectSite{}, byID: map[int]subjectSite{}}
	for sub, err := range c.Subjects.All(ctx, study, &imednet.ListOptions{Prefetch: resource.Prefetch}) {
		if err != nil {
			return nil, fmt.Errorf("listing the subjects for their sites: %w", err)
		}
		ss := subjectSite{siteName: sub.SiteName, siteID: sub.SiteID}
		s.byKey[sub.SubjectKey] = ss
		s.byID[sub.SubjectID] = ss
	}
	return s, nil
}

func (s *Sites) bySubject(key string, id int) subjectSite {
	if ss, ok := s.byKey[key]; ok {
		return ss
	}
	return s.byID[id]
}

func (s *Sites) hasSite(site string) bool {
	for _, ss := range s.byKey {
		if ss.atSite(site) {
			return true
		}
	}
	return false
}

// recordBatch is how many records one lookup asks for, by an OR of their ids.
const recordBatch = 50

// addForms sets each item's form from its record, asking for the records by id, a batch at a
// time.
func addForms(ctx context.Context, c *imednet.Client, study string, items []Item) error {
	var ids []int
	for _, it := range items {
		if it.RecordID != 0 && !slices.Contains(ids, it.RecordID) {
			ids = append(ids, it.RecordID)
		}
	}
	forms, err := RecordForms(ctx, c, study, ids)
	if err != nil {
		return err
	}
	for i := range items {
		items[i].FormKey = forms[items[i].RecordID]
	}
	return nil
}

// RecordForms returns the form key of each record id, asking for the records a batch at a
// time. A record the API does not return is left out.
func RecordForms(ctx context.Context, c *imednet.Client, study string, ids []int) (map[int]string, error) {
	forms := map[int]string{}
	for batch := range slices.Chunk(ids, recordBatch) {
		terms := make([]string, len(batch))
		for i, id := range batch {
			terms[i] = "recordId==" + strconv.Itoa(id)
		}
		opts := &imednet.RecordListOptions{ListOptions: imednet.ListOptions{
			Filter: imednet.RawFilter(strings.Join(terms, ",")), PageSize: imednet.MaxPageSize,
		}}
		for r, err := range c.Records.All(ctx, study, opts) {
			if err != nil {
				return nil, fmt.Errorf("looking up the forms of the queried records: %w", err)
			}
			forms[r.RecordID] = r.FormKey
		}
	}
	return forms, nil
}

// Package subjects is "imednet subjects": the generic list and get of package resource, and
// "subjects show", one subject's whole story: its visits in schedule order, each visit's
// forms with their record status, its open queries and its latest revisions.
package subjects

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
	"github.com/imednet/imednet-go/internal/cli/output"
	"github.com/imednet/imednet-go/internal/cli/queries"
	"github.com/imednet/imednet-go/internal/cli/resource"
)

// View is what "subjects show" prints: one document about one subject.
type View struct {
	Subject imednet.Subject `json:"subject"`
	// Visits are the subject's visits in schedule order (interval sequence, then visit date).
	Visits []Visit `json:"visits"`
	// OtherRecords are the subject's records that belong to none of its visits.
	OtherRecords []Form `json:"otherRecords"`
	// OpenQueries are the subject's open queries, oldest first.
	OpenQueries []queries.Item `json:"openQueries"`
	// LatestRevisions are the subject's latest record revisions, newest first.
	LatestRevisions []imednet.RecordRevision `json:"latestRevisions"`
}

// Visit is a visit with its forms.
type Visit struct {
	VisitID          int               `json:"visitId"`
	IntervalID       int               `json:"intervalId"`
	IntervalName     string            `json:"intervalName"`
	IntervalSequence int               `json:"intervalSequence"`
	VisitDate        imednet.Timestamp `json:"visitDate"`
	Deleted          bool              `json:"deleted"`
	// Forms are the forms the interval schedules, in its order, each with its record or
	// missing, then the visit's records of other forms.
	Forms []Form `json:"forms"`
}

// Form is a form of a visit, with its record.
type Form struct {
	FormKey      string            `json:"formKey"`
	FormName     string            `json:"formName"`
	RecordID     int               `json:"recordId"`     // 0 when the form has no record
	RecordStatus string            `json:"recordStatus"` // "" when the form has no record
	Missing      bool              `json:"missing"`      // scheduled, but no record yet
	Deleted      bool              `json:"deleted"`
	DateModified imednet.Timestamp `json:"dateModified"`
	OpenQueries  int               `json:"openQueries"` // open queries on the record
}

// ShowOptions are the options of "subjects show".
type ShowOptions struct {
	Factory   *cmdutil.Factory
	Study     string
	Key       string
	Revisions int
	Select    cmdutil.SelectFlags
}

// NewCmd returns "imednet subjects": list, get and show.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := resource.NewCmd(f, resource.Subjects)
	cmd.Short = "List, show or follow the subjects of a study"
	cmd.AddCommand(NewShowCmd(f, nil))
	return cmd
}

// NewShowCmd returns "subjects show". runF, when not nil, runs instead of ShowRun.
func NewShowCmd(f *cmdutil.Factory, runF func(context.Context, *ShowOptions) error) *cobra.Command {
	o := &ShowOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "show <subjectKey>",
		Short: "Show a subject: its visits and forms, open queries and latest revisions",
		Long: "Show one subject (by its key, such as 01-001, or its numeric subjectId): its visits in\n" +
			"schedule order, each visit's forms with their record status (a scheduled form without a\n" +
			"record is missing), its records in no visit, its open queries (oldest first, with their age)\n" +
			"and its latest record revisions (newest first, --revisions of them).\n\n" +
			"A tree on a terminal; one JSON document when piped or with -o json (-o jsonl: on one line).\n\n" +
			cmdutil.SelectHelp + "\n",
		Example: "  imednet --sandbox subjects show 01-001\n" +
			"  imednet --sandbox subjects show 04-001 -o json\n" +
			"  imednet --sandbox subjects show 04-001 --jq '.visits[].forms[] | select(.missing) | .formKey'",
		Args: cmdutil.ExactArgs(1, "one subjectKey"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Key = args[0]
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return ShowRun(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVarP(&o.Study, "study", "s", "", "the study key (default $"+cmdutil.EnvStudy+"; DEMO with --sandbox)")
	cmd.Flags().IntVar(&o.Revisions, "revisions", 10, "how many of the latest revisions to show (0 for none)")
	cmdutil.AddSelectFlags(cmd, &o.Select)
	o.Select.CompleteFields(output.FieldNames[View])
	return cmd
}

// ShowRun runs "subjects show".
func ShowRun(ctx context.Context, o *ShowOptions) error {
	f := o.Factory
	if o.Revisions < 0 || o.Revisions > imednet.MaxPageSize {
		return cmdutil.UsageErrorf("--revisions %d: expected 0 to %d", o.Revisions, imednet.MaxPageSize)
	}
	sel, format, err := o.Select.Selection(f, "the subject view", output.FieldNames[View]())
	if err != nil {
		return err
	}
	switch {
	case format == output.CSV:
		return cmdutil.UsageErrorf("-o csv: the subject view is a tree, not a table; use -o json (or 'imednet records list --filter subjectKey==KEY -o csv')")
	case f.Flags.Output == "" && !f.IO.OutTTY && !sel.Active():
		format = output.JSON // one document when piped
	}
	key := strings.TrimSpace(o.Key)
	if key == "" {
		return cmdutil.UsageErrorf("subjects show: the subjectKey is blank")
	}
	c, study, err := f.StudyClient(o.Study)
	if err != nil {
		return err
	}
	subject, err := resource.Subjects.Get(ctx, c, study, key)
	if err != nil {
		return err
	}
	v, err := Load(ctx, c, study, subject, o.Revisions, f.Clock())
	if err != nil {
		return err
	}
	switch {
	case sel.Active():
		return output.SelectOne(f.IO.Out, format, nil, v, sel)
	case format == output.Table:
		return printTree(f.IO.Out, v)
	default:
		enc := json.NewEncoder(f.IO.Out)
		enc.SetEscapeHTML(false)
		if format == output.JSON {
			enc.SetIndent("", "  ")
		}
		return enc.Encode(v)
	}
}

// Load gathers the view of subject: the study's intervals and forms (for the schedule and the
// names), and the subject's visits, records, queries and latest revisions, each listing
// filtered on the subject by the API.
func Load(ctx context.Context, c *imednet.Client, study string, subject *imednet.Subject, revisions int, now time.Time) (*View, error) {
	v := &View{Subject: *subject, Visits: []Visit{}, OtherRecords: []Form{}, OpenQueries: []queries.Item{}, LatestRevisions: []imednet.RecordRevision{}}
	bySubject := imednet.Eq("subjectKey", subject.SubjectKey)
	all := func(filter imednet.Filter) *imednet.ListOptions {
		return &imednet.ListOptions{Filter: filter, PageSize: imednet.MaxPageSize}
	}

	intervals := map[int]imednet.Interval{}
	for iv, err := range c.Intervals.All(ctx, study, all(imednet.Filter{})) {
		if err != nil {
			return nil, fmt.Errorf("listing the intervals: %w", err)
		}
		intervals[iv.IntervalID] = iv
	}
	formNames := map[string]string{}
	for fm, err := range c.Forms.All(ctx, study, all(imednet.Filter{})) {
		if err != nil {
			return nil, fmt.Errorf("listing the forms: %w", err)
		}
		formNames[fm.FormKey] = fm.FormName
	}
	for vi, err := range c.Visits.All(ctx, study, all(bySubject)) {
		if err != nil {
			return nil, fmt.Errorf("listing the subject's visits: %w", err)
		}
		v.Visits = append(v.Visits, Visit{VisitID: vi.VisitID, IntervalID: vi.IntervalID, IntervalName: vi.IntervalName,
			IntervalSequence: intervals[vi.IntervalID].IntervalSequence, VisitDate: vi.VisitDate, Deleted: vi.Deleted, Forms: []Form{}})
	}
	slices.SortStableFunc(v.Visits, func(a, b Visit) int {
		return cmp.Or(cmp.Compare(a.IntervalSequence, b.IntervalSequence), a.VisitDate.Time.Compare(b.VisitDate.Time),
			cmp.Compare(a.VisitID, b.VisitID))
	})

	var records []imednet.Record
	for r, err := range c.Records.All(ctx, study, &imednet.RecordListOptions{ListOptions: *all(bySubject)}) {
		if err != nil {
			return nil, fmt.Errorf("listing the subject's records: %w", err)
		}
		r.RecordData = imednet.RecordData{} // the view shows the status, not the data
		records = append(records, r)
	}
	slices.SortStableFunc(records, func(a, b imednet.Record) int { return cmp.Compare(a.RecordID, b.RecordID) })

	queriesOn := map[int]int{}
	for q, err := range c.Queries.All(ctx, study, all(bySubject)) {
		if err != nil {
			return nil, fmt.Errorf("listing the subject's queries: %w", err)
		}
		if queries.State(&q) != queries.Open {
			continue
		}
		it := queries.NewItem(&q, now)
		it.SiteName = subject.SiteName
		for _, r := range records {
			if r.RecordID == q.RecordID && q.RecordID != 0 {
				it.FormKey = r.FormKey
			}
		}
		queriesOn[q.RecordID]++
		v.OpenQueries = append(v.OpenQueries, it)
	}
	slices.SortStableFunc(v.OpenQueries, func(a, b queries.Item) int {
		return cmp.Or(a.DateCreated.Time.Compare(b.DateCreated.Time), cmp.Compare(a.AnnotationID, b.AnnotationID))
	})

	placed := map[int]bool{}
	form := func(r *imednet.Record) Form {
		placed[r.RecordID] = true
		return Form{FormKey: r.FormKey, FormName: formNames[r.FormKey], RecordID: r.RecordID, RecordStatus: r.RecordStatus,
			Deleted: r.Deleted, DateModified: r.DateModified, OpenQueries: queriesOn[r.RecordID]}
	}
	for i := range v.Visits {
		vis := &v.Visits[i]
		// The interval's forms, in its order, with the visit's record of each.
		for _, ref := range intervals[vis.IntervalID].Forms {
			found := false
			for j := range records {
				r := &records[j]
				if r.VisitID == vis.VisitID && r.FormKey == ref.FormKey && !placed[r.RecordID] {
					vis.Forms = append(vis.Forms, form(r))
					found = true
				}
			}
			if !found {
				name := cmp.Or(ref.FormName, formNames[ref.FormKey])
				vis.Forms = append(vis.Forms, Form{FormKey: ref.FormKey, FormName: name, Missing: true})
			}
		}
		// The visit's records of forms the interval does not schedule.
		for j := range records {
			if r := &records[j]; r.VisitID == vis.VisitID && !placed[r.RecordID] {
				vis.Forms = append(vis.Forms, form(r))
			}
		}
	}
	for j := range records {
		if r := &records[j]; !placed[r.RecordID] {
			v.OtherRecords = append(v.OtherRecords, form(r))
		}
	}

	if revisions > 0 {
		opts := &imednet.ListOptions{Filter: bySubject, PageSize: revisions,
			Sort: []imednet.Sort{imednet.Desc("dateCreated"), imednet.Desc("recordRevisionId")}}
		for rev, err := range c.RecordRevisions.All(ctx, study, opts) {
			if err != nil {
				return nil, fmt.Errorf("listing the subject's revisions: %w", err)
			}
			v.LatestRevisions = append(v.LatestRevisions, rev)
			if len(v.LatestRevisions) == revisions {
				break
			}
		}
	}
	return v, nil
}

// printTree draws the view as a tree.
func printTree(w io.Writer, v *View) error {
	var b strings.Builder
	s := v.Subject
	fmt.Fprintf(&b, "%s  %s  %s (site %d)  subjectId %d", clean(s.SubjectKey), clean(s.SubjectStatus), clean(s.SiteName), s.SiteID, s.SubjectID)
	if s.EnrollmentStartDate.Valid() {
		fmt.Fprintf(&b, "  enrolled %s", s.EnrollmentStartDate.Time.Format(time.DateOnly))
	}
	if s.Deleted {
		b.WriteString("  (deleted)")
	}
	b.WriteString("\n")

	formNode := func(fm Form) cmdutil.TreeNode {
		text := fmt.Sprintf("%s  %s  ", clean(fm.FormKey), clean(fm.FormName))
		switch {
		case fm.Missing:
			text += "missing"
		default:
			text += fmt.Sprintf("%s  record %d", clean(fm.RecordStatus), fm.RecordID)
			if fm.Deleted {
				text += " (deleted)"
			}
			if fm.OpenQueries > 0 {
				text += "  " + cmdutil.Plural(fm.OpenQueries, "open query", "open queries")
			}
		}
		return cmdutil.TreeNode{Text: text}
	}
	visits := cmdutil.TreeNode{Text: "Visits (" + strconv.Itoa(len(v.Visits)) + ")"}
	for _, vis := range v.Visits {
		n := cmdutil.TreeNode{Text: clean(vis.IntervalName)}
		if vis.VisitDate.Valid() {
			n.Text += "  " + vis.VisitDate.String()
		}
		n.Text += "  visit " + strconv.Itoa(vis.VisitID)
		if vis.Deleted {
			n.Text += " (deleted)"
		}
		for _, fm := range vis.Forms {
			n.Kids = append(n.Kids, formNode(fm))
		}
		visits.Kids = append(visits.Kids, n)
	}
	top := []cmdutil.TreeNode{visits}
	if len(v.OtherRecords) > 0 {
		n := cmdutil.TreeNode{Text: "Records in no visit (" + strconv.Itoa(len(v.OtherRecords)) + ")"}
		for _, fm := range v.OtherRecords {
			n.Kids = append(n.Kids, formNode(fm))
		}
		top = append(top, n)
	}
	qs := cmdutil.TreeNode{Text: "Open queries (" + strconv.Itoa(len(v.OpenQueries)) + ")"}
	for _, q := range v.OpenQueries {
		where := cmp.Or(strings.Trim(clean(q.FormKey)+"/"+clean(q.Variable), "/"), "subject")
		qs.Kids = append(qs.Kids, cmdutil.TreeNode{Text: fmt.Sprintf("#%d  %s  %s  %s old  %q",
			q.AnnotationID, where, clean(q.Status), cmdutil.Plural(q.AgeDays, "day", "days"), output.Cell(q.LastComment))})
	}
	top = append(top, qs)
	revs := cmdutil.TreeNode{Text: "Latest revisions (" + strconv.Itoa(len(v.LatestRevisions)) + ")"}
	for _, r := range v.LatestRevisions {
		text := fmt.Sprintf("%s  %s record %d  revision %d  %s  by %s", r.DateCreated.String(), clean(r.FormKey), r.RecordID,
			r.RecordRevision, clean(r.RecordStatus), clean(r.User))
		if r.Role != "" {
			text += " (" + clean(r.Role) + ")"
		}
		if r.ReasonForChange != "" {
			text += fmt.Sprintf("  %q", output.Cell(r.ReasonForChange))
		}
		revs.Kids = append(revs.Kids, cmdutil.TreeNode{Text: text})
	}
	top = append(top, revs)
	cmdutil.DrawTree(&b, top, "")
	_, err := io.WriteString(w, b.String())
	return err
}

// clean keeps control characters out of the terminal.
func clean(s string) string { return output.Sanitize(s) }

package report

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
	"github.com/imednet/imednet-go/internal/cli/exportcmd"
	"github.com/imednet/imednet-go/internal/cli/output"
	"github.com/imednet/imednet-go/report"
)

// studiesHelp says what report does with several studies, for the long help.
const studiesHelp = `Several studies (--study A,B,C): a line of totals per study, read from each study's own
target: --from with {study} where the key goes (sqlite:out/{study}.db), or a PostgreSQL URL
whose schemas are the studies' (as 'imednet export' of several studies writes them); the
default is sqlite:{study}.db. Each line gives the data cut, subjects and sites, open queries
and those open over 30 days, forms expected and missing, percent complete, records and the
records added and modified since the study's previous run. --fail-if is checked for every
study. A study whose target holds no export is marked and the others go on; the exit status
is 1 if one failed or breached a threshold. SECTION, --out and --serve take one study.`

// studyLine is a study's line of the report of several studies.
type studyLine struct {
	Study           string     `json:"study"`
	DataCut         *time.Time `json:"dataCut"`
	Subjects        int64      `json:"subjects"`
	Sites           int64      `json:"sites"`
	OpenQueries     int64      `json:"openQueries"`
	OpenOver30Days  int64      `json:"openOver30Days"`
	Expected        int64      `json:"expected"`
	Missing         int64      `json:"missing"`
	PercentComplete float64    `json:"percentComplete"`
	Records         int64      `json:"records"`
	// RecordsAdded and RecordsModified are since the study's previous run; null when the
	// target holds one run only.
	RecordsAdded    *int64   `json:"recordsAdded"`
	RecordsModified *int64   `json:"recordsModified"`
	Breached        []string `json:"breached,omitempty"` // the thresholds the study breached
	Error           string   `json:"error,omitempty"`    // why the study has no figures
}

func count(n int64) string { return strconv.FormatInt(n, 10) }

// figure is count(n), "" on the line of a study without figures.
func figure(l *studyLine, n int64) string {
	if l.Error != "" {
		return ""
	}
	return count(n)
}

// optCount is count of *n, "" for nil.
func optCount(n *int64) string {
	if n == nil {
		return ""
	}
	return count(*n)
}

var studyLineColumns = []output.Column[studyLine]{
	{Name: "study", Value: func(l *studyLine) string { return l.Study }, Table: true},
	{Name: "dataCut", Value: func(l *studyLine) string {
		if l.DataCut == nil {
			return ""
		}
		return l.DataCut.UTC().Format(time.RFC3339)
	}, Table: true},
	{Name: "subjects", Value: func(l *studyLine) string { return figure(l, l.Subjects) }, Table: true},
	{Name: "sites", Value: func(l *studyLine) string { return figure(l, l.Sites) }, Table: true},
	{Name: "openQueries", Value: func(l *studyLine) string { return figure(l, l.OpenQueries) }, Table: true},
	{Name: "openOver30Days", Value: func(l *studyLine) string { return figure(l, l.OpenOver30Days) }, Table: true},
	{Name: "expected", Value: func(l *studyLine) string { return figure(l, l.Expected) }},
	{Name: "missing", Value: func(l *studyLine) string { return figure(l, l.Missing) }, Table: true},
	{Name: "percentComplete", Value: func(l *studyLine) string {
		if l.Error != "" {
			return ""
		}
		return strconv.FormatFloat(l.PercentComplete, 'f', 1, 64)
	}, Table: true},
	{Name: "records", Value: func(l *studyLine) string { return figure(l, l.Records) }, Table: true},
	{Name: "recordsAdded", Value: func(l *studyLine) string { return optCount(l.RecordsAdded) }},
	{Name: "recordsModified", Value: func(l *studyLine) string { return optCount(l.RecordsModified) }},
	{Name: "breached", Value: func(l *studyLine) string { return strings.Join(l.Breached, "; ") }, Table: true},
	{Name: "error", Value: func(l *studyLine) string { return l.Error }, Table: true},
}

// runStudies runs "report" for several studies: a line of totals per study.
func runStudies(ctx context.Context, o *Options, keys []string, thresholds []report.Threshold) error {
	f := o.Factory
	switch {
	case o.Section != "":
		return cmdutil.UsageErrorf("report %s: a section is one study's; with several studies the report is a line of totals per study", o.Section)
	case o.Out != "" || o.Serve != "":
		return cmdutil.UsageErrorf("--out and --serve take one study; with several the report is a line of totals per study")
	}
	from := strings.TrimSpace(o.From)
	if from == "" && f.Flags.Sandbox {
		tmpl, remove, err := exportSandbox(ctx, f, keys)
		if err != nil {
			return err
		}
		defer remove()
		from = tmpl
	}
	if from == "" {
		var err error
		if from, err = f.ProfileTarget(); err != nil {
			return err
		}
	}
	targets, err := exportcmd.StudyTargets(from, keys)
	if err != nil {
		return cmdutil.Usage(fmt.Errorf("--from: %s", strings.TrimPrefix(cmdutil.ErrorMessage(err), "--to ")))
	}
	opts := report.Options{MissingLimit: -1, TopN: o.Top}
	format := output.JSON
	if f.Flags.Output != "" || f.IO.OutTTY {
		if format, err = f.Format(); err != nil {
			return err
		}
	}
	list := output.NewList(f.IO.Out, format, studyLineColumns, "study", "studies").FitTo(f.IO.Width)
	var failed, breached []string
	for i, key := range keys {
		l, err := studyReport(ctx, key, targets[i], opts, thresholds)
		if err != nil {
			list.Close()
			return err
		}
		if l.Error != "" {
			failed = append(failed, key)
		}
		if len(l.Breached) > 0 {
			breached = append(breached, key+": "+strings.Join(l.Breached, "; "))
		}
		if err := list.Add(&l); err != nil {
			list.Close()
			return err
		}
	}
	if err := list.Close(); err != nil {
		return err
	}
	var problems []string
	if len(failed) > 0 {
		problems = append(problems, fmt.Sprintf("%s of %d without figures: %s", cmdutil.Plural(len(failed), "study", "studies"),
			len(keys), strings.Join(failed, ", ")))
	}
	if len(breached) > 0 {
		problems = append(problems, "threshold breached: "+strings.Join(breached, "; "))
	}
	if len(problems) > 0 {
		return &cmdutil.ExitError{Code: cmdutil.ExitFailure, Err: fmt.Errorf("%s", strings.Join(problems, "; "))}
	}
	return nil
}

// studyReport builds one study's report from its target and returns its line: its totals and
// the thresholds it breached, or why it has none.
// A threshold whose path the report has not is a usage error.
func studyReport(ctx context.Context, key string, t export.Target, opts report.Options, thresholds []report.Threshold) (studyLine, error) {
	l := studyLine{Study: key}
	src, err := report.Open(ctx, t)
	if err != nil {
		l.Error = cmdutil.ErrorMessage(err)
		return l, nil
	}
	defer src.Close()
	rep, err := src.Build(ctx, opts)
	if err != nil {
		l.Error = cmdutil.ErrorMessage(err)
		return l, nil
	}
	cut := rep.DataCut
	l.DataCut = &cut
	if e := rep.Enrollment; e != nil {
		l.Subjects, l.Sites = e.Subjects, e.Sites
	}
	if q := rep.Queries; q != nil {
		l.OpenQueries, l.OpenOver30Days = q.Open, q.OpenOver30Days
	}
	if c := rep.Completeness; c != nil {
		l.Expected, l.Missing, l.PercentComplete, l.Records = c.Expected, c.Missing, c.PercentComplete, c.Records
	}
	if c := rep.Changes; c != nil && c.Available {
		l.RecordsAdded, l.RecordsModified = &c.RecordsAdded, &c.RecordsChanged
	}
	l.Breached, err = breaches(rep, thresholds)
	return l, err
}

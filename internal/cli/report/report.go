// Package report is "imednet report": a study's oversight report (enrollment, queries,
// completeness, sites, activity, changes) computed from an export target by package report
// of the module, printed as tables, JSON or CSV, written as one HTML file, or served as a
// live dashboard.
package report

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
	"github.com/imednet/imednet-go/internal/cli/exportcmd"
	"github.com/imednet/imednet-go/internal/cli/output"
	"github.com/imednet/imednet-go/report"
)

// Options are the flags and argument of "report".
type Options struct {
	Factory      *cmdutil.Factory
	Study        string
	From         string
	Section      string        // "" for every section
	Out          string        // an HTML file
	Serve        string        // an address for the dashboard
	Refresh      time.Duration // how often the dashboard's pages reload themselves; 0 never
	refreshSet   bool          // --refresh was given
	FailIf       []string
	MissingLimit int
	Top          int
	// Ready, when set, is called with the dashboard's URL once it listens (a test seam).
	Ready func(url string)
}

// NewCmd returns "imednet report". runF, when not nil, runs instead of Run.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	o := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:   "report [SECTION]",
		Short: "Report a study's enrollment, queries, completeness and sites from an export",
		Long: `Compute a study's oversight report from an export target (what 'imednet export' and
'imednet sync' wrote), never from the API: the report is offline, costs no request, and is
reproducible for the data cut it names (the end of the export's last finished run).

Sections (give one to print it alone; all by default):
  enrollment    subjects by site and status, cumulative enrollment per site and week
  queries       open and closed (a query's state is its last comment's), ageing of the open
                ones at the data cut (0-7, 8-14, 15-30, >30 days), top sites, forms and
                variables, opened and closed per week
  completeness  forms expected (each form of a visit's interval, for every visit of every
                subject) against records received (not deleted), the missing forms, percent
                complete per site and form, records by status
  sites         per site: subjects, records, open queries, median days open, missing forms,
                last data entry
  activity      record revisions per week and user, reasons for change
  changes       records added and modified, queries opened and closed since the previous run

Output: -o table (the default on a terminal), json (one object whose members are the sections,
totals first: queries.open, completeness.missing, ...; the default when piped) or csv. --out
writes one self-contained HTML page (charts beside their tables, no script, printable),
readable by its owner only; --serve serves the same pages as a dashboard that re-reads the
target on each load, with a CSV download per table; its pages reload themselves every
--refresh (a minute by default; 0 never), so that a dashboard left open follows the syncs.

--fail-if PATH>N (also >=, <, <=, ==, !=; repeatable) exits 1 naming each breached threshold,
PATH being a number of the JSON output: queries.openOver30Days, completeness.percentComplete,
changes.queriesOpened, ... A target that holds no export, or an export of another layout,
exits 2.

` + studiesHelp,
		Example: `  imednet --sandbox report
  imednet --sandbox report queries -o json
  imednet --sandbox report --out demo.html
  imednet --sandbox report completeness --fail-if 'completeness.percentComplete<90'
  imednet report --study MYSTUDY --fail-if 'queries.openOver30Days>0' --fail-if 'completeness.missing>=50'
  imednet report --study MYSTUDY --from sqlite:MYSTUDY.db completeness -o csv
  imednet report --study MYSTUDY --from postgres://user@localhost/clinical --serve 127.0.0.1:8080
  imednet --sandbox report --study DEMO,CARDIO,ONCO --fail-if 'completeness.percentComplete<90'
  imednet report --study A,B,C --from 'sqlite:out/{study}.db' -o csv`,
		GroupID: "extract", // the root command's group of the extraction commands
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return cmdutil.UsageErrorf("report takes at most one section, got %d arguments: %s", len(args), strings.Join(args, " "))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.Section = args[0]
			}
			o.refreshSet = cmd.Flags().Changed("refresh")
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return Run(cmd.Context(), o)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&o.Study, "study", "s", "", "the study key (default $"+cmdutil.EnvStudy+"; DEMO with --sandbox)")
	fl.StringVar(&o.From, "from", "", "the export target to read: sqlite:FILE or postgres://... (default "+exportcmd.DefaultTarget("<study>")+"; with --sandbox, a fresh export of the sandbox)")
	fl.StringVar(&o.Out, "out", "", "write the report as one HTML file (mode 0600)")
	fl.StringVar(&o.Serve, "serve", "", "serve the dashboard on this address, such as 127.0.0.1:8080, until interrupted")
	fl.DurationVar(&o.Refresh, "refresh", time.Minute, "with --serve: how often the dashboard's pages reload themselves, such as 30s or 5m (0: never)")
	fl.StringArrayVar(&o.FailIf, "fail-if", nil, "exit 1 when this threshold is breached, such as 'queries.openOver30Days>0' (repeatable)")
	fl.IntVar(&o.MissingLimit, "missing-limit", 500, "list at most this many missing forms one by one (the totals count them all)")
	fl.IntVar(&o.Top, "top", 10, "the length of the top lists (queries by site, form and variable)")
	return cmd
}

// Run runs "report".
func Run(ctx context.Context, o *Options) error {
	f := o.Factory
	var sections []report.Section
	if o.Section != "" {
		s, err := report.ParseSection(o.Section)
		if err != nil {
			return cmdutil.Usage(err)
		}
		sections = []report.Section{s}
	}
	var thresholds []report.Threshold
	for _, s := range o.FailIf {
		t, err := report.ParseThreshold(s)
		if err != nil {
			return cmdutil.Usage(fmt.Errorf("--fail-if: %w", err))
		}
		thresholds = append(thresholds, t)
	}
	if o.Top < 1 {
		return cmdutil.UsageErrorf("--top: %d is less than 1", o.Top)
	}
	if o.Serve != "" && o.Out != "" {
		return cmdutil.UsageErrorf("--serve and --out: give one")
	}
	if o.refreshSet && o.Serve == "" {
		return cmdutil.UsageErrorf("--refresh: only the dashboard (--serve) reloads its pages")
	}
	if o.Refresh < 0 {
		return cmdutil.UsageErrorf("--refresh: %s is negative (0 turns reloading off)", o.Refresh)
	}
	keys := exportcmd.StudyKeys(o.Study)
	if len(keys) > 1 {
		return runStudies(ctx, o, keys, thresholds)
	}
	study, err := f.Study(strings.Join(keys, "")) // "A," is A; none is the default study
	if err != nil {
		return err
	}
	from := strings.TrimSpace(o.From)
	if from == "" && f.Flags.Sandbox {
		tmpl, remove, err := exportSandbox(ctx, f, []string{study})
		if err != nil {
			return err
		}
		defer remove()
		from = strings.ReplaceAll(tmpl, export.StudyPlaceholder, study)
	}
	if from == "" {
		if from, err = f.ProfileTarget(); err != nil {
			return err
		}
	}
	if from == "" {
		from = exportcmd.DefaultTarget(study)
	}
	target, err := exportcmd.ParseTarget(from, study)
	if err != nil {
		return cmdutil.Usage(fmt.Errorf("--from: %s", strings.TrimPrefix(err.Error(), "--to: ")))
	}
	src, err := report.Open(ctx, target)
	if err != nil {
		return classify(err)
	}
	defer src.Close()
	opts := report.Options{MissingLimit: o.MissingLimit, TopN: o.Top}
	if o.MissingLimit == 0 {
		opts.MissingLimit = -1
	}

	if o.Serve != "" {
		return serve(ctx, o, src, opts)
	}

	build := sections
	if len(build) > 0 {
		for _, t := range thresholds {
			if !contains(build, t.Section()) {
				build = append(build, t.Section())
			}
		}
	}
	rep, err := src.Build(ctx, opts, build...)
	if err != nil {
		return classify(err)
	}
	shown := *rep
	if len(sections) > 0 { // the sections the thresholds alone needed are not shown
		shown = report.Report{Study: rep.Study, DataCut: rep.DataCut}
		keep(&shown, rep, sections[0])
	}
	if o.Out != "" {
		if err := writeFile(o.Out, &shown); err != nil {
			return err
		}
		fmt.Fprintf(f.IO.ErrOut, "Wrote %s (study %s, data cut %s)\n", o.Out, rep.Study, rep.DataCut.UTC().Format(time.RFC3339))
	}
	if o.Out == "" || f.Flags.Output != "" {
		if err := print(f, &shown, sections); err != nil {
			return err
		}
	}
	return check(rep, thresholds)
}

func contains(ss []report.Section, s report.Section) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// keep copies section s of from into to.
func keep(to, from *report.Report, s report.Section) {
	switch s {
	case report.Enrollment:
		to.Enrollment = from.Enrollment
	case report.Queries:
		to.Queries = from.Queries
	case report.Completeness:
		to.Completeness = from.Completeness
	case report.Sites:
		to.Sites = from.Sites
	case report.Activity:
		to.Activity = from.Activity
	case report.Changes:
		to.Changes = from.Changes
	}
}

// classify gives a target without an export, or of another layout, the usage exit code.
func classify(err error) error {
	var le *report.LayoutError
	if errors.Is(err, report.ErrNoExport) || errors.Is(err, report.ErrSnakeNames) || errors.As(err, &le) || strings.Contains(err.Error(), "a report reads") {
		return cmdutil.Usage(err)
	}
	return err
}

// exportSandbox exports the sandbox's studies into SQLite files of a temporary directory,
// through the export engine and the export command's table of targets, and returns their
// target ({study} standing for each key) and a function that removes the directory.
func exportSandbox(ctx context.Context, f *cmdutil.Factory, studies []string) (from string, remove func(), err error) {
	c, err := f.Client()
	if err != nil {
		return "", nil, err
	}
	dir, err := os.MkdirTemp("", "imednet-report-")
	if err != nil {
		return "", nil, err
	}
	remove = func() { os.RemoveAll(dir) }
	from = "sqlite:" + filepath.Join(dir, export.StudyPlaceholder+".db")
	for _, study := range studies {
		sink, _, err := exportcmd.OpenTarget(ctx, strings.ReplaceAll(from, export.StudyPlaceholder, study), study)
		if err != nil {
			remove()
			return "", nil, err
		}
		_, runErr := export.Run(ctx, c, study, sink, export.Options{})
		if err := sink.Close(); runErr == nil {
			runErr = err
		}
		if runErr != nil {
			remove()
			return "", nil, fmt.Errorf("exporting the sandbox study %s: %w", study, runErr)
		}
	}
	return from, remove, nil
}

// check returns an error (exit 1) naming each breached threshold.
func check(rep *report.Report, thresholds []report.Threshold) error {
	breached, err := breaches(rep, thresholds)
	if err != nil || len(breached) == 0 {
		return err
	}
	return &cmdutil.ExitError{Code: cmdutil.ExitFailure, Err: fmt.Errorf("threshold breached: %s", strings.Join(breached, "; "))}
}

// breaches returns the thresholds the report breaches, each with its value; a threshold whose
// path the report has not is a usage error.
func breaches(rep *report.Report, thresholds []report.Threshold) ([]string, error) {
	var breached []string
	for _, t := range thresholds {
		v, b, err := t.Check(rep)
		if err != nil {
			return nil, cmdutil.Usage(fmt.Errorf("--fail-if: %w", err))
		}
		if b {
			breached = append(breached, fmt.Sprintf("%s (%s is %g)", t, t.Path, v))
		}
	}
	return breached, nil
}

// print writes the report to stdout in the output format: json when piped, table on a
// terminal, unless --output says otherwise.
func print(f *cmdutil.Factory, rep *report.Report, sections []report.Section) error {
	format := output.JSON
	if f.Flags.Output != "" || f.IO.OutTTY {
		var err error
		if format, err = f.Format(); err != nil {
			return err
		}
	}
	w := f.IO.Out
	switch format {
	case output.JSON, output.JSONL:
		enc := json.NewEncoder(w)
		if format == output.JSON {
			enc.SetIndent("", "  ")
		}
		return enc.Encode(rep)
	case output.CSV:
		fmt.Fprintf(w, "# study %s, data cut %s\n", rep.Study, rep.DataCut.UTC().Format(time.RFC3339))
		for i, t := range rep.Tables() {
			if i > 0 {
				fmt.Fprintln(w)
			}
			fmt.Fprintf(w, "# %s\n", t.Name)
			if err := report.WriteCSV(w, t); err != nil {
				return err
			}
		}
		return nil
	}
	fmt.Fprintf(w, "Study %s, data cut %s\n", rep.Study, rep.DataCut.UTC().Format(time.RFC3339))
	for _, t := range rep.Tables() {
		fmt.Fprintf(w, "\n%s\n", t.Title)
		if err := printTable(w, f.IO.Width, t); err != nil {
			return err
		}
	}
	return nil
}

// printTable prints one table in the table format of package output.
func printTable(w io.Writer, width int, t report.Table) error {
	var cols []output.Column[[]string]
	for i, c := range t.Columns {
		cols = append(cols, output.Column[[]string]{Name: c, Value: func(r *[]string) string { return (*r)[i] }})
	}
	l := output.NewList(w, output.Table, cols, "row", "rows").FitTo(width)
	for _, r := range t.Rows {
		if err := l.Add(&r); err != nil {
			return err
		}
	}
	return l.Close()
}

// writeFile writes the HTML page into path (mode 0600) through a temporary file renamed
// into place, so that a failure leaves no half-written page.
func writeFile(path string, rep *report.Report) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("--out: %w", err)
	}
	if err := rep.WriteHTML(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("--out: writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("--out: writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	return nil
}

// serve serves the dashboard until ctx ends.
func serve(ctx context.Context, o *Options, src *report.Source, opts report.Options) error {
	f := o.Factory
	host, _, err := net.SplitHostPort(o.Serve)
	if err != nil {
		return cmdutil.UsageErrorf("--serve: %q is not HOST:PORT (such as 127.0.0.1:8080)", o.Serve)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		fmt.Fprintf(f.IO.ErrOut, "Warning: %s is reachable from other machines, and the dashboard has no authentication: anyone who reaches it reads the study's data.\n", o.Serve)
	}
	// Check the target once before listening: no export is a usage error, not a page.
	if _, err := src.Build(ctx, opts, report.Changes); err != nil {
		return classify(err)
	}
	ln, err := net.Listen("tcp", o.Serve)
	if err != nil {
		return fmt.Errorf("--serve: %w", err)
	}
	srv := &http.Server{
		Handler: report.Handler(func(ctx context.Context, s ...report.Section) (*report.Report, error) {
			return src.Build(ctx, opts, s...)
		}, report.WithRefresh(o.Refresh)),
		ReadHeaderTimeout: 10 * time.Second,
	}
	url := "http://" + ln.Addr().String() + "/"
	fmt.Fprintf(f.IO.ErrOut, "Serving the report of %s on %s (Ctrl+C to stop)\n", src, url)
	if o.Ready != nil {
		o.Ready(url)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
		return nil
	case err := <-done:
		return err
	}
}

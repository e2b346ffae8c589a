// Package exportcmd is "imednet export" and "imednet sync": a whole study copied into a
// database or a directory of files by the export engine (package export of the module), and
// brought up to date incrementally.
package exportcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/dictionary"
	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
	"github.com/imednet/imednet-go/internal/cli/dictcmd"
	"github.com/imednet/imednet-go/internal/cli/output"
)

// Options are the flags of "export" and "sync".
type Options struct {
	Factory     *cmdutil.Factory
	Sync        bool     // the command is "sync"
	Study       string   // one study key, or several separated by commas
	AllStudies  bool     // every study the keys can see
	Exclude     []string // studies --all-studies leaves out
	To          string
	Layout      string // "" for sync: the target's
	Names       string // "api" or "snake"; "" for sync: the target's
	Forms       []string
	Concurrency int
	RateLimit   string // a request budget, as imednet.ParseRate reads it; "" or "0" for none
	Labels      bool
	NoLabels    bool   // sync --labels=false: columns named after the variables, whatever the target's
	RecordsOnly bool   // leave the reference listings out
	Full        bool   // fetch everything again; rebuild a target of another shape
	Dictionary  string // the vendor's dictionary files, whose choice lists decode coded values
}

// landingHelp says what an export writes into its target, for the long help.
const landingHelp = `What lands in the target:
  form_<KEY>        per form, one row per record: recordId, subjectKey, subjectId, siteId,
                    intervalId, visitId, recordStatus, recordType, deleted, dateCreated,
                    dateModified, then one column per variable, typed by the dictionary
                    (NUMBER real, DATE date, CHECKBOX boolean, the rest text). A form wider
                    than the target allows (SQLite: 2,000 columns) continues in
                    form_<KEY>_part2, ... joined on recordId.
  wide_columns      each wide column's variable and label (--labels names columns after the
                    labels instead, made unique and safe)
  record_values     with --layout long or both: one row per record and variable, the value as
                    text and typed (valueNumber, valueDate, valueBool) where the type allows
  records_raw       the JSON of every record exactly as the API sent it
  choices, <VAR>_label
                    with --dictionary PATH (the vendor's dictionary files): the choice lists
                    (formKey, variable, value, label, position), a decoded column after each
                    coded column of a form table (AESEV, AESEV_label), and valueLabel in
                    record_values. A value missing from its choice list stays as it is with
                    a NULL label, and is counted in the closing note
  studies, sites, subjects, subject_keywords, intervals, interval_forms, forms, variables,
  visits, queries, query_comments, record_revisions, codings, users, user_roles
                    (--records-only skips them, except forms and variables; those already
                    in the target are kept as they are)
  _imednet_forms, _imednet_runs, _imednet_meta (SQLite and PostgreSQL): the ledger of runs
                    and forms, and the target's shape (--layout, --labels, --names, --dictionary)
  _imednet_dictionary_versions (SQLite and PostgreSQL; the ledger file in a directory): each
                    version of the study's forms and variables a run saw; a run that sees a
                    new one (a CRF amendment) lists the changes after its closing line, and
                    in dictionaryChanges with -o json
  name_map          with --names snake: each table's and column's API name and its name in
                    the target

Rows are upserted by key, so a rerun never duplicates. A form that still fails after the
client's retries is marked failed in the ledger while the others go on; the command then
names the failed forms and exits 1. An export that was interrupted (Ctrl-C, a crash) resumes:
the next export skips the forms the interrupted run completed (--full fetches them again).
One run at a time writes a target: a second export or sync into it is refused at once
(exit 2), naming the process, host and start of the run that holds it.

A target keeps the shape of its first export: --layout, --labels, --names and whether it is
decoded (--dictionary), and the version of the tables' layout. A sync without them takes the
target's; a run that asks for another is refused (exit 2) before it writes anything. --full
rebuilds the target in the new shape, dropping the tables exports wrote into it (other tables
stay); or export to a new target. A sync into a decoded target needs --dictionary PATH again:
it decodes the records it fetches with the files.`

// NewCmd returns "imednet export". runF, when not nil, runs instead of Run.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	o := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:   "export",
		Short: shortHelp(),
		Long: "Export every form's records of a study, its raw JSON, and the study's reference tables into\n" +
			"a target, fetching forms and pages concurrently. Progress is shown on a terminal; the\n" +
			"result is a summary of the forms (form, records, status, seconds).\n\n" + targetsHelp() + "\n" + landingHelp + "\n\n" + manyHelp,
		Example: `  imednet --sandbox export --to sqlite:demo.db
  imednet --sandbox export --forms AE,CM --layout both --to sqlite:ae.db
  imednet export --study MYSTUDY --concurrency 8 --rate-limit 100/m
  imednet export --study MYSTUDY --to postgres://user@localhost/clinical
  imednet export --study MYSTUDY --to parquet:./lake --labels
  imednet export --all-studies --exclude OLDSTUDY --to sqlite:out/{study}.db`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return Run(cmd.Context(), o)
		},
	}
	addFlags(cmd, o)
	cmd.Flags().BoolVar(&o.Full, "full", false, "fetch every form, even those an interrupted export completed; rebuild the target for another --layout, --labels or --names")
	return cmd
}

// NewSyncCmd returns "imednet sync". runF, when not nil, runs instead of Run.
func NewSyncCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	o := &Options{Factory: f, Sync: true}
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Bring an export up to date with what changed since",
		Long: "Fetch per form only the records modified since the last export or sync (with a few\n" +
			"minutes of overlap), upsert them (deleted records arrive marked deleted), and bring the\n" +
			"reference tables up to date: the target then holds what a fresh export would. A form that\n" +
			"was never exported is fetched whole.\n\n" + syncTablesHelp + "\n\n" + targetsHelp() + "\n" + landingHelp + "\n\n" + manyHelp,
		Example: `  imednet --sandbox sync --to sqlite:demo.db
  imednet sync --study MYSTUDY
  imednet sync --study MYSTUDY --records-only   # the data alone, without the reference tables
  imednet sync --study MYSTUDY --rate-limit 100/m
  imednet sync --study MYSTUDY --full           # everything again, as a fresh export would
  imednet sync --study MYSTUDY --to postgres://user@localhost/clinical
  imednet sync --all-studies --to postgres://user@localhost/clinical --rate-limit 1000/h`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("layout") {
				o.Layout = "" // the target's
			}
			if !cmd.Flags().Changed("names") {
				o.Names = "" // the target's
			}
			o.NoLabels = cmd.Flags().Changed("labels") && !o.Labels // --labels=false: not the target's
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return Run(cmd.Context(), o)
		},
	}
	addFlags(cmd, o)
	cmd.Flags().Lookup("layout").DefValue = "the target's, else wide"
	cmd.Flags().Lookup("names").DefValue = "the target's, else api"
	cmd.Flags().Lookup("labels").Usage += " (default the target's)"
	cmd.Flags().BoolVar(&o.Full, "full", false, "fetch every form and reference listing whole, and try filters the service refused again; rebuild the target for another --layout, --labels or --names")
	return cmd
}

// syncTablesHelp says how sync brings the reference tables up to date.
const syncTablesHelp = `Reference tables: record revisions, codings, sites and intervals are fetched from each
table's own high-water mark in the ledger (by dateCreated, dateCoded, dateModified); visits
for the subjects whose records changed since (all of them when an interval changed); studies,
subjects, queries and users whole, as the API offers no usable change mark for them. If the
service refuses a filter (400), that table is fetched whole, now and in later syncs, and the
ledger says so; --full tries again. The summary's closing line gives the requests made.`

func addFlags(cmd *cobra.Command, o *Options) {
	fl := cmd.Flags()
	fl.StringVarP(&o.Study, "study", "s", "", "the study key, or several separated by commas (default $"+cmdutil.EnvStudy+"; DEMO with --sandbox)")
	fl.BoolVar(&o.AllStudies, "all-studies", false, "every study the keys can see (see 'Many studies' in this help)")
	fl.StringSliceVar(&o.Exclude, "exclude", nil, "with --all-studies: leave out these study keys, comma-separated")
	fl.StringVar(&o.To, "to", "", toFlagHelp())
	fl.StringVar(&o.Layout, "layout", "wide", "the record tables: wide (a table per form), long (one row per value) or both")
	fl.StringSliceVar(&o.Forms, "forms", nil, "only these form keys, comma-separated (default all)")
	fl.IntVar(&o.Concurrency, "concurrency", export.DefaultConcurrency, "requests in flight at once, across forms and pages (1 to 64)")
	fl.StringVar(&o.RateLimit, "rate-limit", "", "a request budget the run keeps to, retries included: 100/m (per minute), 1000/h (per hour), or a number per second; requests are spread evenly so that a server enforcing the budget answers no 429 (default none)")
	fl.BoolVar(&o.Labels, "labels", false, "name the variables' columns after their labels")
	fl.StringVar(&o.Names, "names", "api", "how tables and columns are named: api (form_AE.recordId, as the API spells them) or snake (form_ae.record_id, which PostgreSQL reads without quotes; the table name_map maps them)")
	fl.StringVar(&o.Dictionary, "dictionary", "", "the study's data dictionary files (a folder or ZIP of FORMS.csv, QUESTIONS.csv, CHOICES.csv, ...; with --sandbox, 'sandbox' for its own): add the choices table and a decoded <VAR>_label column next to each coded column")
	fl.BoolVar(&o.RecordsOnly, "records-only", false, "only the forms' records (and the forms and variables tables): leave out the other reference tables")
}

// Run runs "export" or "sync".
func Run(ctx context.Context, o *Options) error {
	f := o.Factory
	format, err := f.Format()
	if err != nil {
		return err
	}
	var layout export.Layout // empty: a sync takes the target's
	if o.Layout != "" || !o.Sync {
		if layout, err = export.ParseLayout(o.Layout); err != nil {
			return cmdutil.UsageErrorf("--layout: %q is not wide, long or both", o.Layout)
		}
	}
	var names export.Names // empty: a sync takes the target's
	if o.Names != "" || !o.Sync {
		if names, err = export.ParseNames(o.Names); err != nil {
			return cmdutil.UsageErrorf("--names: %q is not api or snake", o.Names)
		}
	}
	if o.Concurrency < 1 || o.Concurrency > 64 {
		return cmdutil.UsageErrorf("--concurrency: %d is outside 1..64", o.Concurrency)
	}
	if r := strings.TrimSpace(o.RateLimit); r != "" && r != "0" {
		rate, err := imednet.ParseRate(r)
		if err != nil {
			return cmdutil.UsageErrorf("--rate-limit: %q: want a budget such as 100/m, 1000/h or 5 (per second)", o.RateLimit)
		}
		f.ClientOptions = append(f.ClientOptions, imednet.WithRateLimit(rate))
	}
	var forms []string
	for _, k := range o.Forms {
		if k = strings.TrimSpace(k); k != "" && !slices.Contains(forms, k) {
			forms = append(forms, k) // a key given twice is taken once
		}
	}
	sel, err := selectStudies(o)
	if err != nil {
		return err
	}
	rs := runSettings{format: format, layout: layout, names: names, forms: forms}
	if sel.many() {
		return runStudies(ctx, o, sel, rs)
	}
	var dict *dictionary.Dictionary
	if p := strings.TrimSpace(o.Dictionary); p != "" { // bad files fail before anything is asked or written
		if dict, err = dictcmd.LoadFiles(f, p); err != nil {
			return err
		}
	}
	c, study, err := f.StudyClient(sel.keys[0])
	if err != nil {
		return err
	}
	to := o.To
	if strings.TrimSpace(to) == "" {
		if to, err = f.ProfileTarget(); err != nil { // the profile's target, when there is one
			return err
		}
	}
	if strings.TrimSpace(to) == "" {
		to = defaultTo(study)
	}
	target, entry, err := parseTarget(to, study)
	if err != nil {
		return err
	}
	if target, err = target.ForStudy(study); err != nil {
		return cmdutil.Usage(fmt.Errorf("--to: %w", err))
	}
	requestsBefore := c.Stats()
	// Check the study and the form keys before the target is created, so that a mistyped
	// --forms (or credentials the API refuses) leaves no empty database or directory behind.
	if err := checkForms(ctx, c, study, forms); err != nil {
		return err
	}
	sink, err := entry.open(ctx, target)
	if err != nil {
		var locked *export.LockedError
		if errors.As(err, &locked) {
			return cmdutil.Usage(locked) // another run writes the target: nothing was done
		}
		return err
	}
	if lt, ok := sink.(export.LockTaker); ok && lt.TookOver() != nil {
		fmt.Fprintf(f.IO.ErrOut, "Note: the lock of %s was left by a run that ended without releasing it (%s); this run took it over.\n",
			target, lt.TookOver())
	}

	opts, verb := o.exportOptions(rs, dict)
	var prog *progress
	if f.IO.ErrTTY {
		prog = newProgress(f.IO.ErrOut, time.Now)
		opts.OnEvent = prog.event
	}
	sum, runErr := export.Run(ctx, c, study, sink, opts)
	if prog != nil {
		prog.done()
	}
	closeErr := sink.Close()
	if sum != nil {
		sum.Requests = c.Stats().Sub(requestsBefore) // the command's, the forms' check included
	}
	if sum != nil && len(sum.Forms)+len(sum.Tables) > 0 {
		if err := writeSummary(f.IO.Out, format, f.IO.Width, sum, runErr); err != nil {
			return err
		}
		if runErr == nil { // the closing line, also when piped (progress is for terminals only)
			fmt.Fprintf(f.IO.ErrOut, "%s %s, %s to %s in %s; %s\n", verb, cmdutil.Plural(len(sum.Forms), "form", "forms"),
				cmdutil.Plural(int(sum.Records), "record", "records"), target, sum.Finished.Sub(sum.Started).Round(100*time.Millisecond),
				requestsText(sum.Requests))
		}
	}
	if sum != nil && sum.Replaced > 0 {
		fmt.Fprintf(f.IO.ErrOut, "Note: %s held characters the target cannot store (a NUL character or invalid UTF-8): "+
			"they were stored with U+FFFD in their place.\n", cmdutil.Plural(int(sum.Replaced), "value", "values"))
	}
	if sum != nil {
		writeDictionaryChanges(f.IO.ErrOut, "", sum)
	}
	if sum != nil && sum.UnknownCodes > 0 {
		fmt.Fprintf(f.IO.ErrOut, "Note: %s of coded variables not in the dictionary's choice lists: "+
			"stored as they are, with a NULL label ('imednet dictionary check' lists them).\n",
			cmdutil.Plural(int(sum.UnknownCodes), "value", "values"))
	}
	if runErr != nil {
		var re *export.RunError
		if errors.Is(runErr, export.ErrUnknownForm) {
			return cmdutil.Usage(fmt.Errorf("--forms: %w", runErr))
		}
		if errors.Is(runErr, export.ErrShape) {
			return cmdutil.Usage(runErr) // refused before anything was written
		}
		if ctx.Err() != nil && errors.Is(runErr, context.Canceled) {
			return cmdutil.WithNote(runErr, resumeNote(o))
		}
		if errors.As(runErr, &re) {
			return &cmdutil.ExitError{Code: cmdutil.ExitFailure, Err: fmt.Errorf("%s failed: %s (%w)",
				cmdutil.Plural(len(re.Failed), "form or table", "forms or tables"), strings.Join(re.Failed, ", "), runErr)}
		}
		return runErr
	}
	if closeErr != nil {
		return closeErr
	}
	return nil
}

// exportOptions returns the engine's options of the flags and the study's dictionary files
// (nil for none), and the verb of the closing line.
func (o *Options) exportOptions(rs runSettings, dict *dictionary.Dictionary) (export.Options, string) {
	opts := export.Options{Layout: rs.layout, Names: rs.names, Forms: rs.forms, Concurrency: o.Concurrency, Labels: o.Labels, NoLabels: o.NoLabels,
		Full: o.Full, RecordsOnly: o.RecordsOnly, Dictionary: dict}
	if o.Sync {
		opts.Mode = export.ModeSync
		return opts, "Synced"
	}
	return opts, "Exported"
}

// resumeNote says what running the command again does after an interruption.
func resumeNote(o *Options) string {
	switch {
	case o.Sync:
		return "run sync again to fetch what this run did not"
	case o.Full:
		return "run the export again without --full to resume it: the forms this run completed are skipped"
	}
	return "run the export again to resume it: the forms this run completed are skipped"
}

// formKeys lists the keys of the study's forms, in the API's order, each once.
func formKeys(ctx context.Context, c *imednet.Client, study string) ([]string, error) {
	var keys []string
	for f, err := range c.Forms.All(ctx, study, &imednet.ListOptions{PageSize: imednet.MaxPageSize}) {
		if err != nil {
			return nil, fmt.Errorf("list the forms of study %s: %w", study, err)
		}
		if f.FormKey != "" && !slices.Contains(keys, f.FormKey) {
			keys = append(keys, f.FormKey)
		}
	}
	return keys, nil
}

// maxListedForms is how many of the study's form keys an unknown --forms key lists.
const maxListedForms = 20

// checkForms lists the study's forms and returns a usage error naming the keys of want (no
// key twice) the study does not have, with the keys it has. The listing also tells, before
// anything is written, whether the API accepts the credentials and the study.
func checkForms(ctx context.Context, c *imednet.Client, study string, want []string) error {
	keys, err := formKeys(ctx, c, study)
	if err != nil {
		return err
	}
	var unknown []string
	for _, k := range want {
		if !slices.Contains(keys, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	listed := "it has none"
	if len(keys) > 0 {
		shown := keys[:min(len(keys), maxListedForms)]
		listed = "its forms: " + strings.Join(shown, ", ")
		if more := len(keys) - len(shown); more > 0 {
			listed += fmt.Sprintf(" and %d more; see 'imednet forms list --study %s'", more, study)
		}
	}
	return cmdutil.UsageErrorf("--forms: study %s has no form %s (%s)", study, strings.Join(unknown, ", "), listed)
}

// maxChangesShown bounds the dictionary changes the closing note lists; -o json has them all.
const maxChangesShown = 20

// writeDictionaryChanges writes, when the run saw a new version of the study's dictionary,
// a note listing the changes from the version before (of the study named, when not "").
func writeDictionaryChanges(w io.Writer, study string, sum *export.Summary) {
	if len(sum.DictionaryChanges) == 0 {
		return
	}
	of := "the study's"
	if study != "" {
		of = "study " + study + "'s"
	}
	fmt.Fprintf(w, "Note: %s data dictionary changed since the target's last run (now version %d, %s):\n",
		of, sum.DictionaryVersion, cmdutil.Plural(len(sum.DictionaryChanges), "change", "changes"))
	for i, c := range sum.DictionaryChanges {
		if i == maxChangesShown {
			fmt.Fprintf(w, "  ... and %d more (-o json lists them all)\n", len(sum.DictionaryChanges)-i)
			break
		}
		fmt.Fprintf(w, "  %s\n", c)
	}
}

// requestsText says what a run cost in requests, for the closing line.
func requestsText(r imednet.RequestStats) string {
	return fmt.Sprintf("%s (%s, %d answered 429)", cmdutil.Plural(int(r.Requests), "request", "requests"),
		cmdutil.Plural(int(r.Retries), "retry", "retries"), r.RateLimited)
}

// line is one line of the summary: a form, a reference listing, or (last, in JSON and JSONL
// only) the whole run with its requests. A run of several studies has a line per study
// (kind "study", with its requests and target) instead of forms and tables.
type line struct {
	Name    string  `json:"name"`
	Kind    string  `json:"kind"` // "form", "table", "study" or "run"
	Records int64   `json:"records"`
	Status  string  `json:"status"`
	Seconds float64 `json:"seconds"`
	Error   string  `json:"error,omitempty"`
	// Target is where a study went, on the study lines of a run of several studies.
	Target string `json:"target,omitempty"`
	// The run's and the studies' lines alone: HTTP requests made (retries included), retries, 429 answers met.
	Requests    *int64 `json:"requests,omitempty"`
	Retries     *int64 `json:"retries,omitempty"`
	RateLimited *int64 `json:"rateLimited,omitempty"`
	// The run's line alone: the version of the study's dictionary the target keeps, and the
	// changes from the version before when this run saw a new one (a CRF amendment).
	DictionaryVersion int                 `json:"dictionaryVersion,omitempty"`
	DictionaryChanges []dictionary.Change `json:"dictionaryChanges,omitempty"`
}

var summaryColumns = []output.Column[line]{
	{Name: "name", Value: func(l *line) string { return l.Name }, Table: true},
	{Name: "kind", Value: func(l *line) string { return l.Kind }},
	{Name: "records", Value: func(l *line) string { return strconv.FormatInt(l.Records, 10) }, Table: true},
	{Name: "status", Value: func(l *line) string { return l.Status }, Table: true},
	{Name: "seconds", Value: func(l *line) string { return strconv.FormatFloat(l.Seconds, 'f', 1, 64) }, Table: true},
	{Name: "error", Value: func(l *line) string { return l.Error }, Table: true},
}

// writeSummary writes the run's forms, then the reference tables that failed, in format, and
// in JSON and JSONL a last line for the run (its study, records, status, seconds and
// requests); a table fits width characters (0: no limit).
func writeSummary(w io.Writer, format output.Format, width int, sum *export.Summary, runErr error) error {
	list := output.NewList(w, format, summaryColumns, "form", "forms").FitTo(width)
	for _, fr := range sum.Forms {
		l := line{Name: fr.FormKey, Kind: "form", Records: fr.Records, Status: string(fr.Status)}
		if fr.Skipped {
			l.Status = "skipped"
		}
		if !fr.Started.IsZero() && !fr.Ended.IsZero() && !fr.Skipped {
			l.Seconds = fr.Ended.Sub(fr.Started).Seconds()
		}
		if fr.Err != nil {
			l.Error = cmdutil.ErrorMessage(fr.Err)
		}
		if err := list.Add(&l); err != nil {
			list.Close()
			return err
		}
	}
	for _, t := range sum.Tables {
		if t.Err == nil {
			continue // reference tables are listed only when they failed
		}
		l := line{Name: t.Table, Kind: "table", Records: t.Rows, Status: string(export.Failed), Error: cmdutil.ErrorMessage(t.Err)}
		if err := list.Add(&l); err != nil {
			list.Close()
			return err
		}
	}
	if format == output.JSON || format == output.JSONL {
		r := sum.Requests
		l := line{Name: sum.Study, Kind: "run", Records: sum.Records, Status: string(export.Succeeded),
			Seconds: sum.Finished.Sub(sum.Started).Seconds(), Requests: &r.Requests, Retries: &r.Retries, RateLimited: &r.RateLimited,
			DictionaryVersion: sum.DictionaryVersion, DictionaryChanges: sum.DictionaryChanges}
		if runErr != nil {
			l.Status, l.Error = string(export.Failed), cmdutil.ErrorMessage(runErr)
		}
		if err := list.Add(&l); err != nil {
			list.Close()
			return err
		}
	}
	return list.Close()
}

// progress draws one status line on a terminal: forms done of total, records, rate, ETA.
type progress struct {
	w        io.Writer
	now      func() time.Time
	mu       sync.Mutex
	start    time.Time
	last     time.Time
	forms    int // in the run
	started  int // started or skipped
	finished int // succeeded, skipped or failed
	failed   int
	records  map[string]int64 // per form, so far
	totals   map[string]int64 // per form, as the server counted them
	width    int
}

func newProgress(w io.Writer, now func() time.Time) *progress {
	return &progress{w: w, now: now, start: now(), records: map[string]int64{}, totals: map[string]int64{}}
}

func (p *progress) event(e export.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch e.Kind {
	case export.RunStarted:
		p.forms = int(e.Total)
	case export.FormStarted:
		p.started++
	case export.PageWritten, export.FormFinished:
		p.records[e.Form] = e.Records
		if e.Total > 0 {
			p.totals[e.Form] = e.Total
		}
		if e.Kind == export.FormFinished {
			p.finished++
		}
	case export.FormSkipped:
		p.started++
		p.finished++
	case export.FormFailed:
		p.finished++
		p.failed++
	default:
		return
	}
	if t := p.now(); e.Kind != export.PageWritten || t.Sub(p.last) >= 100*time.Millisecond {
		p.last = t
		p.draw(t)
	}
}

func (p *progress) draw(t time.Time) {
	var n, total int64
	for k, r := range p.records {
		n += r
		total += max(p.totals[k], r)
	}
	elapsed := t.Sub(p.start).Seconds()
	s := fmt.Sprintf("forms %d/%d  records %d", p.finished, p.forms, n)
	if p.failed > 0 {
		s += fmt.Sprintf("  failed %d", p.failed)
	}
	if elapsed > 0.5 {
		rate := float64(n) / elapsed
		s += fmt.Sprintf("  %.0f rec/s", rate)
		// The ETA needs every form's size: known once each has started.
		if rate > 0 && p.started == p.forms && total > n {
			s += "  ETA " + (time.Duration(float64(total-n)/rate) * time.Second).Round(time.Second).String()
		}
	}
	pad := ""
	if len(s) < p.width {
		pad = strings.Repeat(" ", p.width-len(s))
	}
	p.width = len(s)
	fmt.Fprintf(p.w, "\r%s%s", s, pad)
}

func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.draw(p.now())
	fmt.Fprintln(p.w)
}

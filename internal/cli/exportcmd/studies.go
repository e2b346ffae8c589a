package exportcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/dictionary"
	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
	"github.com/imednet/imednet-go/internal/cli/dictcmd"
	"github.com/imednet/imednet-go/internal/cli/output"
)

// manyHelp says how export and sync work on several studies, for the long help.
const manyHelp = `Many studies:
  --study A,B,C or --all-studies (every study the keys can see, less --exclude) runs the
  studies together: they share --concurrency and --rate-limit (one budget for the whole run),
  and up to half --concurrency studies are worked on at once. Each study goes to its own
  place: write {study} in --to for the study's key (sqlite:out/{study}.db, csv:out/{study},
  postgres://host/db?schema=edc_{study}). Without it a PostgreSQL target gives each study its
  own schema (named after the study, as for one study), and a Parquet directory is
  partitioned by study (DIR/study=KEY/<table>/...); a SQLite file or a CSV or JSON Lines
  directory cannot hold several studies, and is refused (exit 2). The default target is
  sqlite:{study}.db. --forms gives each study the forms named that it has (a study with none
  of them is skipped; a key that no study has is refused), and --dictionary needs {study}
  too (dictionaries/{study}). A study that fails (or whose target
  another run holds) is marked and the others go on; the summary has a line per study, and
  the exit status is 1 if any failed. Each study keeps its own ledger in its own target, so
  a rerun resumes, and a sync updates, each study as it would alone.`

// selection is the studies a run works on.
type selection struct {
	keys []string // the keys given, in order, without repeats; empty with --all-studies
	all  bool     // --all-studies
}

// many reports whether the run works on several studies (or on all): it then writes a line
// per study instead of a line per form.
func (s selection) many() bool { return s.all || len(s.keys) > 1 }

// selectStudies reads --study, --all-studies and --exclude. A single study (or none, for the
// default study) is keys with one element ("" for the default).
func selectStudies(o *Options) (selection, error) {
	keys := StudyKeys(o.Study)
	exclude := cleanKeys(o.Exclude)
	switch {
	case o.AllStudies && len(keys) > 0:
		return selection{}, cmdutil.UsageErrorf("--all-studies and --study: give one or the other")
	case len(exclude) > 0 && !o.AllStudies:
		return selection{}, cmdutil.UsageErrorf("--exclude goes with --all-studies (with --study, name only the studies wanted)")
	case o.AllStudies:
		return selection{all: true}, nil
	case len(keys) == 0:
		return selection{keys: []string{""}}, nil
	}
	return selection{keys: keys}, nil
}

// StudyKeys returns the study keys of a --study flag (A,B,C), each once, in order; none for
// an empty flag. Other commands that take several studies (report) read them with it.
func StudyKeys(flag string) []string { return cleanKeys(strings.Split(flag, ",")) }

// cleanKeys trims the keys and drops empty ones and repeats.
func cleanKeys(in []string) []string {
	var out []string
	for _, k := range in {
		if k = strings.TrimSpace(k); k != "" && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// runSettings are the flags Run has already read.
type runSettings struct {
	format output.Format
	layout export.Layout
	names  export.Names
	forms  []string
}

// studyRun is one study of a run of several: where it goes and how it went.
type studyRun struct {
	key    string
	target export.Target
	entry  *target
	sum    *export.Summary
	err    error                  // why the study failed (nil when it succeeded)
	dict   *dictionary.Dictionary // the study's --dictionary files; nil for none
	forms  []string               // the --forms the study has; nil without --forms
	// skipped says why the study was left out (it has none of the --forms); "" otherwise.
	skipped string
	// notStarted: the run was interrupted before the study's turn came.
	notStarted bool
	started    time.Time
	ended      time.Time
	requests   imednet.RequestStats
}

// runStudies runs export or sync for several studies, sharing one client (one rate budget)
// and one set of request slots.
func runStudies(ctx context.Context, o *Options, sel selection, rs runSettings) error {
	f := o.Factory
	counter := newStudyCounter()
	f.ClientOptions = append(f.ClientOptions, imednet.WithMiddleware(counter.middleware))
	c, err := f.Client()
	if err != nil {
		return err
	}
	keys := sel.keys
	if sel.all {
		if keys, err = visibleStudies(ctx, c, cleanKeys(o.Exclude)); err != nil {
			return err
		}
	}
	to := o.To
	if strings.TrimSpace(to) == "" {
		if to, err = f.ProfileTarget(); err != nil { // the profile's target, when there is one
			return err
		}
	}
	base, entry, err := manyTarget(to)
	if err != nil {
		return err
	}
	runs := make([]*studyRun, len(keys))
	for i, key := range keys {
		t, err := base.ForStudy(key)
		if err != nil {
			return cmdutil.Usage(fmt.Errorf("--to: %w", err))
		}
		runs[i] = &studyRun{key: key, target: t, entry: entry}
	}
	if err := loadDictionaries(f, o.Dictionary, runs); err != nil {
		return err
	}
	requestsBefore := c.Stats()
	started := time.Now()
	// The studies and the form keys are checked before any target is created: a --forms key
	// that no study has leaves nothing behind. A study the check cannot list is marked failed.
	if err := planForms(ctx, c, runs, rs.forms); err != nil {
		return err
	}
	fmt.Fprintf(f.IO.ErrOut, "%s %s to %s, %d at a time\n", map[bool]string{false: "Exporting", true: "Syncing"}[o.Sync],
		cmdutil.Plural(len(runs), "study", "studies"), base, studiesAtOnce(o.Concurrency, len(runs)))
	gate := imednet.NewGate(o.Concurrency, imednet.Rate{})
	var outMu sync.Mutex
	work := make([]func(), 0, len(runs))
	for _, r := range runs {
		work = append(work, func() {
			switch {
			case r.err != nil: // the check failed
			case r.skipped != "":
			case ctx.Err() != nil:
				r.err, r.notStarted = ctx.Err(), true
			default:
				r.run(ctx, o, rs, c, gate)
			}
			r.requests = counter.of(r.key)
			if r.sum != nil {
				r.sum.Requests = r.requests
			}
			outMu.Lock()
			defer outMu.Unlock()
			r.report(f, o)
		})
	}
	eachAtOnce(studiesAtOnce(o.Concurrency, len(runs)), work)

	total := c.Stats().Sub(requestsBefore)
	if err := writeStudies(f.IO.Out, rs.format, f.IO.Width, runs, total, time.Since(started)); err != nil {
		return err
	}
	var failed []string
	var records int64
	skipped := 0
	for _, r := range runs {
		switch {
		case r.err != nil:
			failed = append(failed, r.key)
		case r.skipped != "":
			skipped++
		case r.sum != nil:
			records += r.sum.Records
		}
	}
	if ctx.Err() != nil {
		return cmdutil.WithNote(fmt.Errorf("%s: interrupted: %w", strings.Join(failed, ", "), ctx.Err()), resumeNote(o))
	}
	_, verb := o.exportOptions(rs, nil)
	outcome := fmt.Sprintf("%d failed", len(failed))
	if skipped > 0 {
		outcome += fmt.Sprintf(", %d skipped", skipped)
	}
	fmt.Fprintf(f.IO.ErrOut, "%s %s (%s), %s in %s; %s\n", verb, cmdutil.Plural(len(runs), "study", "studies"), outcome,
		cmdutil.Plural(int(records), "record", "records"), time.Since(started).Round(100*time.Millisecond), requestsText(total))
	if len(failed) > 0 {
		return &cmdutil.ExitError{Code: cmdutil.ExitFailure, Err: fmt.Errorf("%s of %d failed: %s",
			cmdutil.Plural(len(failed), "study", "studies"), len(runs), strings.Join(failed, ", "))}
	}
	return nil
}

// statusSkipped is the summary's status of a study left out: it has none of the --forms.
const statusSkipped = "skipped"

// planForms lists each study's forms before anything is written. Without --forms (want
// empty) this checks the credentials and each study; with it, each study gets the forms of
// want it has (in want's order), and a study with none of them is skipped. A key of want that
// no study has is a usage error (a typo would otherwise export nothing, silently), unless a
// study could not be listed, and might have it: such a study is marked failed.
func planForms(ctx context.Context, c *imednet.Client, runs []*studyRun, want []string) error {
	found := map[string]bool{}
	listed := 0
	for _, r := range runs {
		keys, err := formKeys(ctx, c, r.key)
		if err != nil {
			r.err = err
			continue
		}
		listed++
		if len(want) == 0 {
			continue
		}
		r.forms = []string{}
		for _, k := range want {
			if slices.Contains(keys, k) {
				r.forms = append(r.forms, k)
				found[k] = true
			}
		}
		if len(r.forms) == 0 {
			r.skipped = "it has none of the forms " + strings.Join(want, ", ")
		}
	}
	var unknown []string
	for _, k := range want {
		if !found[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 && listed == len(runs) {
		keys := make([]string, len(runs))
		for i, r := range runs {
			keys[i] = r.key
		}
		return cmdutil.UsageErrorf("--forms: no study has form %s (studies %s; see 'imednet forms list --study KEY')",
			strings.Join(unknown, ", "), strings.Join(keys, ", "))
	}
	return nil
}

// loadDictionaries reads each study's --dictionary files, the path with {study} replaced by
// the study's key; one set of files for several studies is refused.
func loadDictionaries(f *cmdutil.Factory, spec string, runs []*studyRun) error {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil
	}
	if !strings.Contains(spec, export.StudyPlaceholder) {
		return cmdutil.UsageErrorf("--dictionary %s: a study's dictionary files describe that study alone; write {study} "+
			"where each study's key goes, such as dictionaries/{study}", spec)
	}
	for _, r := range runs {
		d, err := dictcmd.LoadFiles(f, strings.ReplaceAll(spec, export.StudyPlaceholder, r.key))
		if err != nil {
			return fmt.Errorf("study %s: %w", r.key, err)
		}
		r.dict = d
	}
	return nil
}

// studiesAtOnce is how many of n studies a run works on at once: half the concurrency (at
// least one), so that each study has requests in flight while the slots stay shared.
func studiesAtOnce(concurrency, n int) int { return max(1, min(n, concurrency/2)) }

// eachAtOnce calls the functions, n at a time, and returns when all are done.
func eachAtOnce(n int, fns []func()) {
	work := make(chan func())
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for fn := range work {
				fn()
			}
		})
	}
	for _, fn := range fns {
		work <- fn
	}
	close(work)
	wg.Wait()
}

// run exports (or syncs) the study into its target.
func (r *studyRun) run(ctx context.Context, o *Options, rs runSettings, c *imednet.Client, gate *imednet.Gate) {
	r.started = time.Now()
	defer func() { r.ended = time.Now() }()
	if r.entry.location == "FILE" && r.target.Location != "" {
		// A templated file (out/{study}.db) may be the first in its directory.
		if err := os.MkdirAll(filepath.Dir(r.target.Location), 0o755); err != nil {
			r.err = err
			return
		}
	}
	sink, err := r.entry.open(ctx, r.target)
	if err != nil {
		r.err = err
		return
	}
	if lt, ok := sink.(export.LockTaker); ok && lt.TookOver() != nil {
		fmt.Fprintf(o.Factory.IO.ErrOut, "Note: the lock of %s was left by a run that ended without releasing it (%s); this run took it over.\n",
			r.target, lt.TookOver())
	}
	if r.forms != nil {
		rs.forms = r.forms
	}
	opts, _ := o.exportOptions(rs, r.dict)
	opts.Gate = gate
	sum, runErr := export.Run(ctx, c, r.key, sink, opts)
	closeErr := sink.Close()
	r.sum = sum
	var re *export.RunError
	switch {
	case errors.As(runErr, &re):
		r.err = fmt.Errorf("%s failed: %s", cmdutil.Plural(len(re.Failed), "form or table", "forms or tables"), runErr)
	case runErr != nil:
		r.err = runErr
	case closeErr != nil:
		r.err = closeErr
	}
}

// errorMessage says why the study failed.
func (r *studyRun) errorMessage() string {
	if r.notStarted {
		return "interrupted before it started"
	}
	return cmdutil.ErrorMessage(r.err)
}

// report writes the study's line on stderr as it ends.
func (r *studyRun) report(f *cmdutil.Factory, o *Options) {
	w := f.IO.ErrOut
	if r.err != nil {
		fmt.Fprintf(w, "%s: failed: %s\n", r.key, r.errorMessage())
		return
	}
	if r.skipped != "" {
		fmt.Fprintf(w, "%s: skipped: %s\n", r.key, r.skipped)
		return
	}
	if r.sum == nil { // cannot happen: a run without a summary returns an error
		return
	}
	_, verb := o.exportOptions(runSettings{}, nil)
	fmt.Fprintf(w, "%s: %s %s, %s to %s in %s; %s\n", r.key, strings.ToLower(verb), cmdutil.Plural(len(r.sum.Forms), "form", "forms"),
		cmdutil.Plural(int(r.sum.Records), "record", "records"), r.target, r.ended.Sub(r.started).Round(100*time.Millisecond),
		requestsText(r.requests))
	if r.sum.Replaced > 0 {
		fmt.Fprintf(w, "Note: %s of %s held characters the target cannot store (a NUL character or invalid UTF-8): "+
			"they were stored with U+FFFD in their place.\n", cmdutil.Plural(int(r.sum.Replaced), "value", "values"), r.key)
	}
	writeDictionaryChanges(w, r.key, r.sum)
}

// visibleStudies lists the studies the keys can see, less exclude; an excluded key that is
// not among them is a usage error (a mistyped key would otherwise exclude nothing).
func visibleStudies(ctx context.Context, c *imednet.Client, exclude []string) ([]string, error) {
	var keys []string
	for s, err := range c.Studies.All(ctx, &imednet.ListOptions{PageSize: imednet.MaxPageSize}) {
		if err != nil {
			return nil, fmt.Errorf("list the studies: %w", err)
		}
		if s.StudyKey != "" && !slices.Contains(keys, s.StudyKey) {
			keys = append(keys, s.StudyKey)
		}
	}
	var unknown []string
	for _, k := range exclude {
		if !slices.Contains(keys, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		return nil, cmdutil.UsageErrorf("--exclude: no study %s among the %d the keys can see (%s)",
			strings.Join(unknown, ", "), len(keys), strings.Join(keys, ", "))
	}
	keys = slices.DeleteFunc(keys, func(k string) bool { return slices.Contains(exclude, k) })
	if len(keys) == 0 {
		return nil, cmdutil.UsageErrorf("--all-studies: no study left to export (the keys see none, or --exclude leaves none)")
	}
	return keys, nil
}

// manyTarget reads --to for several studies: the target, with {study} where each study's
// key goes. A target without {study} is taken as its kind allows (a schema per study, a
// partition per study) or refused.
func manyTarget(to string) (export.Target, *target, error) {
	if strings.TrimSpace(to) == "" {
		to = defaultTo(export.StudyPlaceholder)
	}
	t, e, err := parseTarget(to, "")
	if err != nil || t.PerStudy() {
		return t, e, err
	}
	switch e.shared {
	case sharedSchema:
		if u, err := url.Parse(e.scheme + ":" + t.Location); err == nil && u.Query().Has("schema") {
			return t, e, cmdutil.UsageErrorf("--to %s: ?schema= would put every study in one schema; leave it out for a schema per study, "+
				"or write {study} in it (?schema=edc_{study})", t)
		}
	case sharedPartition:
		t.Location = path.Join(t.Location, "study="+export.StudyPlaceholder)
	default:
		return t, e, cmdutil.UsageErrorf("--to %s: several studies cannot share one %s target; write {study} where each study's key goes, such as %s",
			t, e.name, e.scheme+":"+templateExample(t.Location))
	}
	return t, e, nil
}

// templateExample suggests a location with {study}: out/{study}.db for out.db, out/{study}
// for a directory out.
func templateExample(loc string) string {
	dir, file := path.Split(strings.TrimSuffix(loc, "/"))
	if ext := path.Ext(file); ext != "" {
		return dir + strings.TrimSuffix(file, ext) + "/" + export.StudyPlaceholder + ext
	}
	return path.Join(dir+file, export.StudyPlaceholder)
}

// studyCounter counts the HTTP attempts of each study, by the study key in the request's
// path: the requests of studies that run at once through one client.
type studyCounter struct {
	mu     sync.Mutex
	counts map[string]*imednet.RequestStats
}

func newStudyCounter() *studyCounter {
	return &studyCounter{counts: map[string]*imednet.RequestStats{}}
}

// middleware counts each attempt under its study (the studies listing under none).
func (sc *studyCounter) middleware(next http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(req)
		key := studyOfPath(req.URL.EscapedPath())
		if key == "" {
			return resp, err
		}
		sc.mu.Lock()
		defer sc.mu.Unlock()
		s := sc.counts[key]
		if s == nil {
			s = &imednet.RequestStats{}
			sc.counts[key] = s
		}
		s.Requests++
		if info, ok := imednet.RequestInfoFrom(req.Context()); ok && info.Attempt > 1 {
			s.Retries++
		}
		if err == nil && resp.StatusCode == http.StatusTooManyRequests {
			s.RateLimited++
		}
		return resp, err
	})
}

// of returns the study's counts so far.
func (sc *studyCounter) of(key string) imednet.RequestStats {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if s := sc.counts[key]; s != nil {
		return *s
	}
	return imednet.RequestStats{}
}

// studyOfPath returns the study key of an API path (.../studies/KEY/...), or "".
func studyOfPath(p string) string {
	_, rest, ok := strings.Cut(p, imednet.APIPrefix+"/studies/")
	if !ok {
		return ""
	}
	seg, _, _ := strings.Cut(rest, "/")
	key, err := url.PathUnescape(seg)
	if err != nil {
		return ""
	}
	return key
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// studyColumns are the columns of the summary of several studies.
var studyColumns = append(slices.Clone(summaryColumns[:5]),
	output.Column[line]{Name: "target", Value: func(l *line) string { return l.Target }},
	summaryColumns[5])

// writeStudies writes a line per study, and in JSON and JSONL a last line for the run.
func writeStudies(w io.Writer, format output.Format, width int, runs []*studyRun,
	total imednet.RequestStats, took time.Duration) error {
	list := output.NewList(w, format, studyColumns, "study", "studies").FitTo(width)
	var records int64
	var failed []string
	for _, r := range runs {
		req := r.requests
		l := line{Name: r.key, Kind: "study", Status: string(export.Succeeded), Target: r.target.String(),
			Requests: &req.Requests, Retries: &req.Retries, RateLimited: &req.RateLimited}
		if !r.started.IsZero() {
			l.Seconds = r.ended.Sub(r.started).Seconds()
		}
		if r.sum != nil {
			l.Records = r.sum.Records
			l.DictionaryVersion, l.DictionaryChanges = r.sum.DictionaryVersion, r.sum.DictionaryChanges
		}
		if r.err != nil {
			l.Status, l.Error = string(export.Failed), r.errorMessage()
			failed = append(failed, r.key)
		} else if r.skipped != "" {
			l.Status = statusSkipped
		}
		records += l.Records
		if err := list.Add(&l); err != nil {
			list.Close()
			return err
		}
	}
	if format == output.JSON || format == output.JSONL {
		l := line{Name: "", Kind: "run", Records: records, Status: string(export.Succeeded), Seconds: took.Seconds(),
			Requests: &total.Requests, Retries: &total.Retries, RateLimited: &total.RateLimited}
		if len(failed) > 0 {
			l.Status, l.Error = string(export.Failed), "failed: "+strings.Join(failed, ", ")
		}
		if err := list.Add(&l); err != nil {
			list.Close()
			return err
		}
	}
	return list.Close()
}

package export

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/dictionary"
)

// ErrUnknownForm is returned (wrapped) by a run whose Options.Forms names a form the study
// does not have.
var ErrUnknownForm = errors.New("export: unknown form")

// Summary is what a run did.
type Summary struct {
	RunID    string
	Study    string
	Mode     Mode
	Started  time.Time
	Finished time.Time
	Forms    []FormResult  // one per form of the run, in the dictionary's order
	Tables   []TableResult // one per reference listing
	Records  int64         // records written, all forms together
	// Replaced counts the values the sink stored altered because the target cannot hold them
	// as given (see Replacer); 0 when none were, or the sink does not tell.
	Replaced int64
}

// Failed returns the keys of the forms that failed, then the names of the reference tables
// that failed.
func (s *Summary) Failed() []string {
	var out []string
	for _, f := range s.Forms {
		if f.Status == Failed {
			out = append(out, f.FormKey)
		}
	}
	for _, t := range s.Tables {
		if t.Err != nil {
			out = append(out, t.Table)
		}
	}
	return out
}

// FormResult is what a run did with one form.
type FormResult struct {
	FormKey string
	// Status is Succeeded, Failed, or Pending for a form the run did not reach (it was
	// interrupted first).
	Status  Status
	Skipped bool      // the form was not fetched: the interrupted run being resumed completed it
	Since   time.Time // for a sync, the dateModified after which records were fetched; zero for all
	Records int64     // records written (for a skipped form, by the run that completed it)
	Err     error     // why the form failed
	Started time.Time
	Ended   time.Time
}

// TableResult is what a run did with one reference listing (which may fill several tables,
// such as subjects and subject_keywords).
type TableResult struct {
	Table string
	Rows  int64 // rows written, all its tables together
	Err   error
}

// RunError is returned by a run in which forms or reference tables failed. The other forms
// were exported; the ledger marks the failed ones, and the next export redoes them.
type RunError struct {
	Failed []string         // form keys and reference table names, as Summary.Failed
	Errs   map[string]error // why each failed
}

// Error names each failed form and table with its error, on one line.
func (e *RunError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "export: %d failed: ", len(e.Failed))
	for i, name := range e.Failed {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: %v", name, e.Errs[name])
	}
	return b.String()
}

// Unwrap returns the errors of the failed forms and tables.
func (e *RunError) Unwrap() []error {
	out := make([]error, 0, len(e.Failed))
	for _, name := range e.Failed {
		out = append(out, e.Errs[name])
	}
	return out
}

// Run exports a study into sink: the study's dictionary (forms and variables), then every
// form's records in the options' layout together with their raw JSON, and the reference
// tables, keeping the ledger up to date as it goes. It returns a summary even when it fails;
// a run in which some forms or tables failed returns a *RunError after finishing the others.
// Run does not close the sink.
//
// With Options.Mode ModeSync it runs an incremental sync, as [Sync] does.
func Run(ctx context.Context, client *imednet.Client, study string, sink Sink, opts Options) (*Summary, error) {
	if client == nil {
		return nil, errors.New("export: the client is nil")
	}
	if sink == nil {
		return nil, errors.New("export: the sink is nil")
	}
	if strings.TrimSpace(study) == "" {
		return nil, errors.New("export: the study key is empty")
	}
	if err := opts.normalize(); err != nil {
		return nil, err
	}
	e := &engine{
		client: client,
		study:  study,
		sink:   sink,
		opts:   opts,
		fetch: &fetcher{
			client: client,
			slots:  make(chan struct{}, opts.Concurrency),
			lim:    newLimiter(opts.RateLimit),
			window: opts.Concurrency,
		},
		locks: map[string]*sync.Mutex{},
	}
	if cl, ok := sink.(ColumnLimiter); ok && cl.MaxColumns() > 0 {
		e.maxCols = cl.MaxColumns()
		if e.maxCols < len(recordColumns)+1 {
			return nil, fmt.Errorf("export: the sink holds %d columns per table; a form's table needs at least %d", e.maxCols, len(recordColumns)+1)
		}
	}
	return e.run(ctx)
}

// Sync brings a target exported earlier up to date: per form it fetches only the records
// whose dateModified is after the form's high-water mark in the ledger (less
// Options.Overlap), upserts them (a deleted record arrives with deleted true), and refreshes
// the reference tables. A form without a high-water mark is fetched whole. Afterwards the
// target holds what a fresh export would.
func Sync(ctx context.Context, client *imednet.Client, study string, sink Sink, opts Options) (*Summary, error) {
	opts.Mode = ModeSync
	return Run(ctx, client, study, sink, opts)
}

type engine struct {
	client  *imednet.Client
	study   string
	sink    Sink
	opts    Options
	fetch   *fetcher
	maxCols int
	runID   string

	locksMu sync.Mutex
	locks   map[string]*sync.Mutex // per table: Write is never called for one table at once

	eventMu sync.Mutex
}

func (e *engine) now() time.Time { return e.opts.Now().UTC() }

func (e *engine) emit(ev Event) {
	if e.opts.OnEvent == nil {
		return
	}
	e.eventMu.Lock()
	defer e.eventMu.Unlock()
	ev.Time = e.now()
	e.opts.OnEvent(ev)
}

// write writes rows to a table, never for the same table at once.
func (e *engine) write(ctx context.Context, table string, rows []Row) error {
	if len(rows) == 0 {
		return nil
	}
	e.locksMu.Lock()
	mu := e.locks[table]
	if mu == nil {
		mu = &sync.Mutex{}
		e.locks[table] = mu
	}
	e.locksMu.Unlock()
	mu.Lock()
	defer mu.Unlock()
	if err := e.sink.Write(ctx, table, rows); err != nil {
		return fmt.Errorf("write %s: %w", table, err)
	}
	return nil
}

// detached returns a context for saving the ledger that survives the run's cancellation,
// so that an interrupted run still records where it stopped.
func detached(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
}

// newRunID makes a run id that sorts after every earlier run's.
func newRunID(t time.Time, l *Ledger) string {
	id := t.UTC().Format("20060102T150405.000000000Z")
	for _, r := range l.Runs {
		if r.ID >= id {
			id = r.ID + "-1"
		}
	}
	return id
}

// formTask is one form's work in a run.
type formTask struct {
	plan  *formPlan
	prev  FormState // the ledger's state before the run (zero when none)
	skip  bool      // completed by the interrupted run being resumed
	since time.Time // sync: fetch records modified after this; zero for all
	res   FormResult
}

func (e *engine) run(ctx context.Context) (*Summary, error) {
	ledger, err := e.sink.LoadLedger(ctx)
	if err != nil {
		return nil, fmt.Errorf("export: load the ledger: %w", err)
	}
	if ledger == nil {
		ledger = &Ledger{}
	}
	for _, r := range ledger.Runs {
		if r.Study != "" && r.Study != e.study {
			return nil, fmt.Errorf("export: the target holds study %s, not %s", r.Study, e.study)
		}
	}
	started := e.now()
	e.runID = newRunID(started, ledger)
	sum := &Summary{RunID: e.runID, Study: e.study, Mode: e.opts.Mode, Started: started}
	rs := RunState{ID: e.runID, Study: e.study, Mode: string(e.opts.Mode), Started: started}
	if err := e.sink.SaveRun(ctx, rs); err != nil {
		return sum, fmt.Errorf("export: save the run: %w", err)
	}
	replacer, _ := e.sink.(Replacer)
	var replacedBefore int64
	if replacer != nil {
		replacedBefore = replacer.Replaced()
	}
	finish := func(runErr error) (*Summary, error) {
		sum.Finished = e.now()
		if replacer != nil {
			sum.Replaced = replacer.Replaced() - replacedBefore
		}
		rs.Finished = sum.Finished
		for _, f := range sum.Forms {
			if !f.Skipped {
				sum.Records += f.Records
			}
			if f.Status == Failed {
				rs.FailedForms++
			}
		}
		rs.Forms, rs.Records = len(sum.Forms), sum.Records
		if runErr != nil {
			rs.Error = runErr.Error()
		}
		sctx, cancel := detached(ctx)
		defer cancel()
		if err := e.sink.SaveRun(sctx, rs); err != nil && runErr == nil {
			runErr = fmt.Errorf("export: save the run: %w", err)
		}
		e.emit(Event{Kind: RunFinished, Records: sum.Records, Err: runErr})
		return sum, runErr
	}

	forms, vars, err := e.fetchDictionary(ctx)
	if err != nil {
		return finish(fmt.Errorf("export: read the data dictionary: %w", err))
	}
	dict, err := dictionary.New(e.study, forms, vars)
	if err != nil {
		return finish(fmt.Errorf("export: %w", err))
	}
	selected, err := e.selectForms(dict)
	if err != nil {
		return finish(err)
	}

	// Lay out the tables.
	tableNames := nameSet{}
	for _, t := range referenceTables {
		tableNames.unique(t.Name)
	}
	for _, n := range []string{LongTable, RawTable, ColumnsTable} {
		tableNames.unique(n)
	}
	tasks := make([]*formTask, len(selected))
	var tables []Table
	sources := referenceSources
	if e.opts.RecordsOnly {
		sources = nil
		tables = append(tables, formsTable, variablesTable)
	} else {
		tables = append(tables, referenceTables...)
	}
	tables = append(tables, rawTable, columnsTable)
	if e.opts.Layout.long() {
		tables = append(tables, longTable)
	}
	var columnRows []Row
	for i, f := range selected {
		name := tableNames.unique(WideTablePrefix + f.Key)
		p := planForm(f, name, e.opts.Labels, e.maxCols)
		for _, part := range p.parts[1:] {
			if tableNames[strings.ToLower(part.Name)] {
				return finish(fmt.Errorf("export: form %s: the name of its part %s is taken by another table", f.Key, part.Name))
			}
			tableNames.unique(part.Name) // reserve, so that no later form takes it
		}
		tasks[i] = &formTask{plan: p, prev: ledger.Forms[f.Key]}
		if e.opts.Layout.wide() {
			tables = append(tables, p.parts...)
			columnRows = append(columnRows, p.columnRows()...)
		}
	}
	if err := e.sink.Prepare(ctx, tables); err != nil {
		return finish(fmt.Errorf("export: prepare the target: %w", err))
	}

	// The dictionary's own tables, already fetched.
	formRows := make([]Row, len(forms))
	for i := range forms {
		formRows[i] = formRow(&forms[i])
	}
	varRows := make([]Row, len(vars))
	for i := range vars {
		varRows[i] = variableRow(&vars[i])
	}
	for _, w := range []struct {
		table string
		rows  []Row
	}{{formsTable.Name, formRows}, {variablesTable.Name, varRows}, {ColumnsTable, columnRows}} {
		if err := e.writeBatches(ctx, w.table, w.rows); err != nil {
			return finish(fmt.Errorf("export: %w", err))
		}
	}

	e.plan(tasks, ledger)
	for _, t := range tasks {
		st := t.prev
		st.FormKey, st.RunID = t.plan.form.Key, e.runID
		if t.skip {
			st.Status = Succeeded
			t.res = FormResult{FormKey: st.FormKey, Status: Succeeded, Skipped: true, Records: st.Records, Started: st.Started, Ended: st.Finished}
		} else {
			st.Status, st.Error, st.Started, st.Finished, st.Records = Pending, "", time.Time{}, time.Time{}, 0
			t.res = FormResult{FormKey: st.FormKey, Status: Pending, Since: t.since}
		}
		if err := e.sink.SaveForm(ctx, st); err != nil {
			return finish(fmt.Errorf("export: save the ledger: %w", err))
		}
	}
	e.emit(Event{Kind: RunStarted, Total: int64(len(tasks))})

	// Work: the reference listings and the forms, twice Concurrency at a time.
	refs := make([]TableResult, len(sources))
	for i, src := range sources {
		refs[i].Table = src.name // stays so, without rows, if the run is interrupted first
	}
	work := make(chan func(), len(tasks)+len(sources))
	for i := range sources {
		work <- func() { refs[i] = e.runReference(ctx, &sources[i]) }
	}
	for _, t := range tasks {
		if t.skip {
			e.emit(Event{Kind: FormSkipped, Form: t.res.FormKey, Records: t.res.Records})
			continue
		}
		work <- func() { e.runForm(ctx, t) }
	}
	close(work)
	var wg sync.WaitGroup
	for range 2 * e.opts.Concurrency { // the requests are bounded by the fetcher's slots
		wg.Add(1)
		go func() {
			defer wg.Done()
			for fn := range work {
				if ctx.Err() != nil {
					continue // interrupted: leave the rest pending
				}
				fn()
			}
		}()
	}
	wg.Wait()

	for _, t := range tasks {
		sum.Forms = append(sum.Forms, t.res)
	}
	sum.Tables = refs
	if err := ctx.Err(); err != nil {
		return finish(fmt.Errorf("export: interrupted: %w", err))
	}
	if failed := sum.Failed(); len(failed) > 0 {
		re := &RunError{Failed: failed, Errs: map[string]error{}}
		for _, f := range sum.Forms {
			if f.Status == Failed {
				re.Errs[f.FormKey] = f.Err
			}
		}
		for _, t := range sum.Tables {
			if t.Err != nil {
				re.Errs[t.Table] = t.Err
			}
		}
		return finish(re)
	}
	return finish(nil)
}

// fetchDictionary lists the study's forms and variables, sorted by id, concurrently.
func (e *engine) fetchDictionary(ctx context.Context) ([]imednet.Form, []imednet.Variable, error) {
	var forms []imednet.Form
	var vars []imednet.Variable
	var formsErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		path := studyPath(e.study, "forms")
		formsErr = eachPage(ctx, e.fetch, listing{path: path, query: sortedQuery("formId"), size: imednet.MaxPageSize},
			func(p *imednet.Page[imednet.Form]) error { forms = append(forms, p.Items...); return nil })
	}()
	path := studyPath(e.study, "variables")
	varsErr := eachPage(ctx, e.fetch, listing{path: path, query: sortedQuery("variableId"), size: imednet.MaxPageSize},
		func(p *imednet.Page[imednet.Variable]) error { vars = append(vars, p.Items...); return nil })
	<-done
	if err := errors.Join(formsErr, varsErr); err != nil {
		return nil, nil, err
	}
	return forms, vars, nil
}

// selectForms returns the forms of the run, in the dictionary's order.
func (e *engine) selectForms(d *dictionary.Dictionary) ([]*dictionary.Form, error) {
	if len(e.opts.Forms) == 0 {
		return d.Forms(), nil
	}
	want := map[string]bool{}
	var unknown []string
	for _, k := range e.opts.Forms {
		if _, ok := d.Form(k); !ok {
			unknown = append(unknown, k)
		}
		want[k] = true
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("%w: study %s has no form %s", ErrUnknownForm, e.study, strings.Join(unknown, ", "))
	}
	var out []*dictionary.Form
	for _, f := range d.Forms() {
		if want[f.Key] {
			out = append(out, f)
		}
	}
	return out, nil
}

// plan decides, from the ledger, what each form's task does.
//
// An export resumes the last run when that run was an export that did not finish, or in
// which something failed: the forms it completed are skipped (unless Options.Full). A skipped
// form is recorded again under the new run, so that a chain of interrupted runs keeps
// skipping it. A sync fetches each form from its high-water mark less the overlap, or whole
// when the form has none.
func (e *engine) plan(tasks []*formTask, l *Ledger) {
	// The runs to resume: the latest runs, newest first, while they are exports that did not
	// finish cleanly (a chain of interruptions, or a run that failed before it reached the
	// forms).
	resume := map[string]bool{}
	if e.opts.Mode == ModeExport && !e.opts.Full {
		runs := slices.Clone(l.Runs)
		slices.SortFunc(runs, func(a, b RunState) int { return strings.Compare(b.ID, a.ID) })
		for _, r := range runs {
			if r.Mode != string(ModeExport) || (!r.Finished.IsZero() && r.FailedForms == 0 && r.Error == "") {
				break
			}
			resume[r.ID] = true
		}
	}
	for _, t := range tasks {
		switch {
		case e.opts.Mode == ModeSync:
			if !t.prev.Watermark.IsZero() {
				t.since = t.prev.Watermark.Add(-e.opts.Overlap).UTC().Truncate(time.Second)
			}
		case resume[t.prev.RunID] && t.prev.Status == Succeeded:
			t.skip = true
		}
	}
}

// writeBatches writes rows in batches of BatchSize.
func (e *engine) writeBatches(ctx context.Context, table string, rows []Row) error {
	for len(rows) > 0 {
		n := min(len(rows), e.opts.BatchSize)
		if err := e.write(ctx, table, rows[:n]); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// runReference fetches one reference listing into its tables.
func (e *engine) runReference(ctx context.Context, src *refSource) TableResult {
	res := TableResult{Table: src.name}
	bufs := make([][]Row, len(src.tables))
	emit := func(i int, row Row) { bufs[i] = append(bufs[i], row) }
	// flush writes the tables holding at least atLeast rows (BatchSize after a page, so that
	// transactions stay large; everything at the end).
	flush := func(atLeast int) error {
		for i, rows := range bufs {
			if len(rows) < max(atLeast, 1) {
				continue
			}
			if err := e.writeBatches(ctx, src.tables[i].Name, rows); err != nil {
				return err
			}
			res.Rows += int64(len(rows))
			clear(rows)
			bufs[i] = rows[:0]
		}
		return nil
	}
	err := src.list(ctx, e.fetch, e.study, e.opts.PageSize, emit, func() error { return flush(e.opts.BatchSize) })
	if err == nil {
		err = flush(1)
	}
	if err != nil {
		res.Err = err
		e.emit(Event{Kind: TableFailed, Table: src.name, Records: res.Rows, Err: err})
		return res
	}
	e.emit(Event{Kind: TableWritten, Table: src.name, Records: res.Rows})
	return res
}

// formWriter turns a form's records into rows and writes them in batches.
type formWriter struct {
	e       *engine
	p       *formPlan
	wide    [][]Row // per part
	long    []Row
	raw     []Row
	records int64
	maxMod  time.Time
}

// add adds a record, and raw, the JSON the API sent for it.
func (w *formWriter) add(ctx context.Context, r *imednet.Record, raw json.RawMessage) error {
	w.records++
	if t := r.DateModified; t.Valid() && t.Time.After(w.maxMod) {
		w.maxMod = t.Time.UTC()
	}
	if w.e.opts.Layout.wide() {
		for i, row := range w.p.wideRows(r) {
			w.wide[i] = append(w.wide[i], row)
		}
	}
	if w.e.opts.Layout.long() {
		w.long = w.p.longRows(w.long, r)
	}
	w.raw = append(w.raw, w.p.rawRow(r, raw))
	return w.flush(ctx, w.e.opts.BatchSize)
}

// flush writes every buffer holding at least min rows (all of them when min is 1).
func (w *formWriter) flush(ctx context.Context, atLeast int) error {
	out := func(table string, rows *[]Row) error {
		if len(*rows) < max(atLeast, 1) {
			return nil
		}
		if err := w.e.writeBatches(ctx, table, *rows); err != nil {
			return err
		}
		clear(*rows)
		*rows = (*rows)[:0]
		return nil
	}
	for i := range w.wide {
		if err := out(w.p.parts[i].Name, &w.wide[i]); err != nil {
			return err
		}
	}
	if err := out(LongTable, &w.long); err != nil {
		return err
	}
	return out(RawTable, &w.raw)
}

// runForm fetches a form's records into its tables and records the outcome in the ledger.
func (e *engine) runForm(ctx context.Context, t *formTask) {
	key := t.plan.form.Key
	st := t.prev
	st.FormKey, st.RunID, st.Status, st.Error, st.Records = key, e.runID, Running, "", 0
	st.Started, st.Finished = e.now(), time.Time{}
	t.res.Started = st.Started
	fail := func(err error) {
		st.Status, st.Error, st.Finished = Failed, err.Error(), e.now()
		t.res.Status, t.res.Err, t.res.Ended = Failed, err, st.Finished
		sctx, cancel := detached(ctx)
		defer cancel()
		_ = e.sink.SaveForm(sctx, st) // the run reports the form failed either way
		e.emit(Event{Kind: FormFailed, Form: key, Records: t.res.Records, Err: err})
	}
	if err := e.sink.SaveForm(ctx, st); err != nil {
		fail(fmt.Errorf("save the ledger: %w", err))
		return
	}
	e.emit(Event{Kind: FormStarted, Form: key})

	w := &formWriter{e: e, p: t.plan, wide: make([][]Row, len(t.plan.parts))}
	filter := imednet.Eq("formKey", key)
	if !t.since.IsZero() {
		filter = filter.And(imednet.Gt("dateModified", t.since))
	}
	if err := filter.Err(); err != nil {
		fail(err)
		return
	}
	path := studyPath(e.study, "records")
	q := sortedQuery("recordId")
	q.Set("filter", filter.String())
	var total int64
	var serverStart time.Time // the server's clock when it answered the first page
	err := eachPage(ctx, e.fetch, listing{path: path, query: q, size: e.opts.PageSize, keepRaw: true}, func(p *imednet.Page[imednet.Record]) error {
		if p.Number == 0 && p.Metadata.Timestamp.Valid() {
			serverStart = p.Metadata.Timestamp.Time.UTC()
		}
		if p.Pagination != nil && int64(p.Pagination.TotalElements) > total {
			total = int64(p.Pagination.TotalElements)
		}
		for i := range p.Items {
			if err := w.add(ctx, &p.Items[i], p.Raw[i]); err != nil {
				return err
			}
		}
		t.res.Records = w.records
		e.emit(Event{Kind: PageWritten, Form: key, Records: w.records, Total: total})
		return nil
	})
	if err == nil {
		err = w.flush(ctx, 1)
	}
	t.res.Records = w.records
	if err != nil {
		fail(err)
		return
	}
	st.Status, st.Records, st.Finished = Succeeded, w.records, e.now()
	// The high-water mark is the newest dateModified written, but no later than the server's
	// clock at the first page: a record modified while the later pages were read may have
	// been read before the change, on a page already done, and the next sync must fetch it.
	mark := w.maxMod
	if !serverStart.IsZero() && serverStart.Before(mark) {
		mark = serverStart
	}
	if mark.After(st.Watermark) {
		st.Watermark = mark
	}
	sctx, cancel := detached(ctx)
	defer cancel()
	if err := e.sink.SaveForm(sctx, st); err != nil {
		fail(fmt.Errorf("save the ledger: %w", err))
		return
	}
	t.res.Status, t.res.Ended = Succeeded, st.Finished
	e.emit(Event{Kind: FormFinished, Form: key, Records: w.records, Total: total})
}

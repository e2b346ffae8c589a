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
	// Requests counts the HTTP requests the client made during the run (retries and 429
	// answers included; see imednet.Client.Stats): the run's cost against the API's request
	// budget. Requests made meanwhile through the same client by others count too.
	Requests imednet.RequestStats
	// UnknownCodes counts, with Options.Dictionary, the values of coded variables written
	// that are not a code of their variable's choices: they are stored as they are, with a
	// NULL label.
	UnknownCodes int64
	// DictionaryVersion is the version of the study's dictionary the target keeps for this
	// run (see DictionaryLedger); 0 when the sink keeps none.
	DictionaryVersion int
	// DictionaryChanges are the differences between the last version of the dictionary the
	// target kept and the run's, when they differ (forms, variables, types and labels added,
	// removed or changed; see dictionary.Diff); nil for the target's first run, or when the
	// dictionary did not change.
	DictionaryChanges []dictionary.Change
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
	// Since is, for a listing a sync fetched incrementally, the change mark after which it
	// asked for changes (its high-water mark less Options.Overlap); zero when it was listed
	// whole.
	Since time.Time
	// Refused is why the service refused the listing's incremental filter, in this run or an
	// earlier one (see TableState.Refused): the listing was then fetched whole.
	Refused string
	Err     error
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
	// A sync takes the target's shape for the shape options it leaves at their zero value.
	syncing := opts.Mode == ModeSync
	adopt := shapeAdoption{layout: syncing && opts.Layout == "", labels: syncing && !opts.Labels && !opts.NoLabels, names: syncing && opts.Names == "",
		decoded: syncing && opts.Dictionary == nil}
	if err := opts.normalize(); err != nil {
		return nil, err
	}
	gate := opts.Gate
	if gate == nil {
		gate = imednet.NewGate(opts.Concurrency, imednet.Rate{N: opts.RateLimit, Per: time.Second})
	}
	e := &engine{
		adopt:  adopt,
		client: client,
		study:  study,
		sink:   sink,
		opts:   opts,
		fetch:  &fetcher{client: client, gate: gate, window: opts.Concurrency},
		locks:  map[string]*sync.Mutex{},
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
	adopt   shapeAdoption
	names   *namer // the tables' and columns' names in the target; nil: as given
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
	if err := e.sink.Write(ctx, e.names.table(table), rows); err != nil {
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

// run exports the study: it reads the ledger and records the run in it, then does the run's
// work (see export), then records how the run ended.
func (e *engine) run(ctx context.Context) (*Summary, error) {
	ledger, err := e.loadLedger(ctx)
	if err != nil {
		return nil, err
	}
	if ledger, err = e.settleShape(ctx, ledger); err != nil {
		return nil, err
	}
	r, err := e.startRun(ctx, ledger)
	if err != nil {
		return r.sum, err
	}
	return e.finishRun(ctx, r, e.export(ctx, ledger, r.sum))
}

// export does the work of a started run, step by step, filling sum's forms and tables. It
// returns why the run failed: the error of a step, the run's interruption, or a *RunError
// naming the forms and tables that failed.
func (e *engine) export(ctx context.Context, ledger *Ledger, sum *Summary) error {
	d, err := e.readDictionary(ctx)
	if err != nil {
		return err
	}
	if err := e.noteDictionary(ctx, ledger, d, sum); err != nil {
		return err
	}
	selected, err := e.selectForms(d.dict)
	if err != nil {
		return err
	}
	p, err := e.planRun(selected, ledger)
	if err != nil {
		return err
	}
	if e.names, err = newNamer(e.opts.Names, p.tables); err != nil {
		return err
	}
	if err := e.sink.Prepare(ctx, e.names.rename(p.tables)); err != nil {
		return fmt.Errorf("export: prepare the target: %w", err)
	}
	if e.names != nil {
		if err := e.writeBatches(ctx, NameMapTable, e.names.mapRows(p.tables)); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	if err := e.writeDictionary(ctx, d, p.columnRows); err != nil {
		return err
	}
	if err := e.savePending(ctx, p.tasks); err != nil {
		return err
	}
	sum.Tables = e.runTasks(ctx, p, ledger)
	for _, t := range p.tasks {
		sum.Forms = append(sum.Forms, t.res)
		sum.UnknownCodes += t.plan.unknown.Load()
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("export: interrupted: %w", err)
	}
	return sum.runError()
}

// loadLedger loads the target's ledger (empty for a new target) and checks that the target
// holds this study, if any.
func (e *engine) loadLedger(ctx context.Context) (*Ledger, error) {
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
	return ledger, nil
}

// runRecord is a run's summary and its entry in the ledger, from its start to its end.
type runRecord struct {
	sum      *Summary
	requests imednet.RequestStats // the client's counts when the run started
	state    RunState
	replacer Replacer // nil when the sink does not count the values it replaced
	replaced int64    // the replacer's count when the run started
}

// startRun gives the run its id and records it in the ledger. It returns the run's record
// even when saving it fails.
func (e *engine) startRun(ctx context.Context, ledger *Ledger) (*runRecord, error) {
	started := e.now()
	e.runID = newRunID(started, ledger)
	r := &runRecord{
		sum:      &Summary{RunID: e.runID, Study: e.study, Mode: e.opts.Mode, Started: started},
		state:    RunState{ID: e.runID, Study: e.study, Mode: string(e.opts.Mode), Started: started},
		requests: e.client.Stats(),
	}
	if err := e.sink.SaveRun(ctx, r.state); err != nil {
		return r, fmt.Errorf("export: save the run: %w", err)
	}
	if rp, ok := e.sink.(Replacer); ok {
		r.replacer, r.replaced = rp, rp.Replaced()
	}
	return r, nil
}

// finishRun completes the run's summary, records the run's end in the ledger (even when the
// run was interrupted) and reports it. It returns the summary and runErr, or the error of
// saving the run when runErr is nil.
func (e *engine) finishRun(ctx context.Context, r *runRecord, runErr error) (*Summary, error) {
	sum, rs := r.sum, &r.state
	sum.Finished = e.now()
	sum.Requests = e.client.Stats().Sub(r.requests)
	if r.replacer != nil {
		sum.Replaced = r.replacer.Replaced() - r.replaced
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
	if err := e.sink.SaveRun(sctx, *rs); err != nil && runErr == nil {
		runErr = fmt.Errorf("export: save the run: %w", err)
	}
	e.emit(Event{Kind: RunFinished, Records: sum.Records, Err: runErr})
	return sum, runErr
}

// runError returns a *RunError naming the forms and tables that failed, or nil when none did.
func (s *Summary) runError() error {
	failed := s.Failed()
	if len(failed) == 0 {
		return nil
	}
	re := &RunError{Failed: failed, Errs: map[string]error{}}
	for _, f := range s.Forms {
		if f.Status == Failed {
			re.Errs[f.FormKey] = f.Err
		}
	}
	for _, t := range s.Tables {
		if t.Err != nil {
			re.Errs[t.Table] = t.Err
		}
	}
	return re
}

// studyDictionary is the study's forms and variables as the API listed them, and the data
// dictionary built from them.
type studyDictionary struct {
	forms []imednet.Form
	vars  []imednet.Variable
	dict  *dictionary.Dictionary
}

// readDictionary fetches the study's forms and variables and builds its data dictionary.
func (e *engine) readDictionary(ctx context.Context) (*studyDictionary, error) {
	opts := e.fetch.base(imednet.MaxPageSize)
	forms, vars, err := dictionary.Fetch(ctx, e.client, e.study, &opts)
	if err != nil {
		return nil, fmt.Errorf("export: read the data dictionary: %w", err)
	}
	dict, err := dictionary.New(e.study, forms, vars)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	return &studyDictionary{forms: forms, vars: vars, dict: dict}, nil
}

// runPlan is what a run does: a task per form, the reference listings it fetches, and the
// tables it writes, with the rows of the columns table that describe the forms' tables.
type runPlan struct {
	tasks      []*formTask
	sources    []refSource
	tables     []Table
	columnRows []Row
}

// planRun lays out the run's tables and decides, from the ledger, what each form's task does.
func (e *engine) planRun(selected []*dictionary.Form, ledger *Ledger) (*runPlan, error) {
	p := &runPlan{tasks: make([]*formTask, len(selected))}
	p.tables, p.sources = e.commonTables()
	names := commonTableNames()
	for i, f := range selected {
		fp, err := e.layOutForm(f, names)
		if err != nil {
			return nil, err
		}
		p.tasks[i] = &formTask{plan: fp, prev: ledger.Forms[f.Key]}
		if e.opts.Layout.wide() {
			p.tables = append(p.tables, fp.parts...)
			p.columnRows = append(p.columnRows, fp.columnRows()...)
		}
	}
	e.plan(p.tasks, ledger)
	return p, nil
}

// commonTables returns the tables of the run other than the forms' wide tables, and the
// reference listings that fill those of them the dictionary does not.
func (e *engine) commonTables() ([]Table, []refSource) {
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
		tables = append(tables, longTableFor(e.opts.Dictionary != nil))
	}
	if e.opts.Dictionary != nil {
		tables = append(tables, choicesTable)
	}
	if e.opts.Names == NamesSnake {
		tables = append(tables, nameMapTable)
	}
	return tables, sources
}

// commonTableNames returns the names a form's table may not take: those of the tables an
// export can write other than the forms' own, whatever the options.
func commonTableNames() nameSet {
	names := nameSet{}
	for _, t := range referenceTables {
		names.unique(t.Name)
	}
	for _, n := range []string{LongTable, RawTable, ColumnsTable, NameMapTable, ChoicesTable} {
		names.unique(n)
	}
	return names
}

// layOutForm plans a form's wide table, and its parts when the sink limits the columns of a
// table, under names not taken yet, and takes them.
func (e *engine) layOutForm(f *dictionary.Form, names nameSet) (*formPlan, error) {
	fp := planForm(f, names.unique(WideTablePrefix+f.Key), e.opts.Labels, e.maxCols, e.opts.Dictionary, e.opts.Layout)
	for _, part := range fp.parts[1:] {
		if names[strings.ToLower(part.Name)] {
			return nil, fmt.Errorf("export: form %s: the name of its part %s is taken by another table", f.Key, part.Name)
		}
		names.unique(part.Name) // reserve, so that no later form takes it
	}
	return fp, nil
}

// writeDictionary writes the tables the dictionary fills: forms, variables, and the columns
// of the forms' tables.
func (e *engine) writeDictionary(ctx context.Context, d *studyDictionary, columnRows []Row) error {
	formRows := make([]Row, len(d.forms))
	for i := range d.forms {
		formRows[i] = formRow(&d.forms[i])
	}
	varRows := make([]Row, len(d.vars))
	for i := range d.vars {
		varRows[i] = variableRow(&d.vars[i])
	}
	for _, w := range []struct {
		table string
		rows  []Row
	}{{formsTable.Name, formRows}, {variablesTable.Name, varRows}, {ColumnsTable, e.namedColumnRows(columnRows)}} {
		if err := e.writeBatches(ctx, w.table, w.rows); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	if e.opts.Dictionary == nil {
		return nil
	}
	for _, w := range []struct {
		table string
		rows  []Row
	}{{ChoicesTable, choiceRows(e.opts.Dictionary)}} {
		if err := e.writeBatches(ctx, w.table, w.rows); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	return nil
}

// namedColumnRows returns the rows of the columns table with the tables and columns named
// as in the target.
func (e *engine) namedColumnRows(rows []Row) []Row {
	if e.names == nil {
		return rows
	}
	out := make([]Row, len(rows))
	for i, r := range rows {
		out[i] = e.names.columnRow(r)
	}
	return out
}

// savePending records each form of the run in the ledger under the run, before any is
// fetched: pending, or succeeded for a form the run skips. It sets the tasks' results to
// match and reports the run started.
func (e *engine) savePending(ctx context.Context, tasks []*formTask) error {
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
			return fmt.Errorf("export: save the ledger: %w", err)
		}
	}
	e.emit(Event{Kind: RunStarted, Total: int64(len(tasks))})
	return nil
}

// runTasks fetches the reference listings and the forms the run does not skip, twice
// Concurrency at a time, and returns the reference listings' results (the forms' are in
// their tasks). Once ctx ends, the work not begun is left pending.
func (e *engine) runTasks(ctx context.Context, p *runPlan, ledger *Ledger) []TableResult {
	refs := make([]TableResult, len(p.sources))
	work := make([]func(), 0, len(p.sources)+len(p.tasks))
	for i := range p.sources {
		refs[i].Table = p.sources[i].name // stays so, without rows, if the run is interrupted first
		prev := ledger.Tables[p.sources[i].name]
		work = append(work, func() { refs[i] = e.runReference(ctx, &p.sources[i], prev) })
	}
	for _, t := range p.tasks {
		if t.skip {
			e.emit(Event{Kind: FormSkipped, Form: t.res.FormKey, Records: t.res.Records})
			continue
		}
		work = append(work, func() { e.runForm(ctx, t) })
	}
	// The requests are bounded by the fetcher's slots; twice as many workers keep them busy
	// while others write.
	runConcurrently(ctx, 2*e.opts.Concurrency, work)
	return refs
}

// runConcurrently calls the functions in order, n at a time, and returns when they are done;
// once ctx ends, it calls no more.
func runConcurrently(ctx context.Context, n int, fns []func()) {
	work := make(chan func(), len(fns))
	for _, fn := range fns {
		work <- fn
	}
	close(work)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for fn := range work {
				if ctx.Err() != nil {
					continue // interrupted: leave the rest pending
				}
				fn()
			}
		})
	}
	wg.Wait()
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
			if !t.prev.Watermark.IsZero() && !e.opts.Full {
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

// flushBuffer writes the rows buffered for a table when there are at least atLeast of them
// (and at least one), then empties the buffer, keeping its memory. It returns how many rows
// it wrote.
func (e *engine) flushBuffer(ctx context.Context, table string, buf *[]Row, atLeast int) (int, error) {
	rows := *buf
	if len(rows) < max(atLeast, 1) {
		return 0, nil
	}
	if err := e.writeBatches(ctx, table, rows); err != nil {
		return 0, err
	}
	clear(rows)
	*buf = rows[:0]
	return len(rows), nil
}

// runReference fetches one reference listing into its tables: for a sync, only what changed
// since the listing's high-water mark in prev when it has one and the sink keeps marks
// (TableLedger), falling back to the whole listing when the service refuses the filter (a
// 400), which the ledger then remembers. It records the listing's new state in the ledger.
func (e *engine) runReference(ctx context.Context, src *refSource, prev TableState) TableResult {
	res := TableResult{Table: src.name}
	tl, keepsMarks := e.sink.(TableLedger)
	refused := prev.Refused
	if e.opts.Full {
		refused = "" // try the filter again
	}
	bufs := make([][]Row, len(src.tables))
	emit := func(i int, row Row) { bufs[i] = append(bufs[i], row) }
	// flush writes the tables holding at least atLeast rows (BatchSize after a page, so that
	// transactions stay large; everything at the end).
	flush := func(atLeast int) error {
		for i := range bufs {
			n, err := e.flushBuffer(ctx, src.tables[i].Name, &bufs[i], atLeast)
			res.Rows += int64(n)
			if err != nil {
				return err
			}
		}
		return nil
	}
	lc := &listCall{f: e.fetch, study: e.study, size: e.opts.PageSize, emit: emit, flush: func() error { return flush(e.opts.BatchSize) }}
	if src.incremental && keepsMarks && e.opts.Mode == ModeSync && !e.opts.Full && !prev.Mark.IsZero() && refused == "" {
		lc.since = prev.Mark.Add(-e.opts.Overlap).UTC().Truncate(time.Second)
	}
	res.Since = lc.since
	err := src.list(ctx, lc)
	if err != nil && !lc.since.IsZero() && errors.Is(err, imednet.ErrBadRequest) && ctx.Err() == nil {
		// The service does not take the filter: list the table whole, now and in the
		// syncs to come. The rows written so far are rows of the listing all the same.
		refused = err.Error()
		*lc = listCall{f: lc.f, study: lc.study, size: lc.size, emit: lc.emit, flush: lc.flush}
		res.Since = time.Time{}
		err = src.list(ctx, lc)
	}
	res.Refused = refused
	if err == nil {
		err = flush(1)
	}
	if err == nil && src.incremental && keepsMarks {
		st := TableState{Table: src.name, Mark: lc.mark(prev.Mark), Refused: refused, RunID: e.runID, Finished: e.now()}
		if lc.since.IsZero() {
			// A whole listing: its mark is what it saw, even when earlier than the last one
			// (an item may have gone back in time, or the last mark have been wrong).
			st.Mark = lc.mark(time.Time{})
		}
		sctx, cancel := detached(ctx)
		if serr := tl.SaveTable(sctx, st); serr != nil {
			err = fmt.Errorf("save the ledger: %w", serr)
		}
		cancel()
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

// flush writes every buffer holding at least atLeast rows (all of them when atLeast is 1).
func (w *formWriter) flush(ctx context.Context, atLeast int) error {
	for i := range w.wide {
		if _, err := w.e.flushBuffer(ctx, w.p.parts[i].Name, &w.wide[i], atLeast); err != nil {
			return err
		}
	}
	if _, err := w.e.flushBuffer(ctx, LongTable, &w.long, atLeast); err != nil {
		return err
	}
	_, err := w.e.flushBuffer(ctx, RawTable, &w.raw, atLeast)
	return err
}

// runForm fetches a form's records into its tables and records the outcome in the ledger.
func (e *engine) runForm(ctx context.Context, t *formTask) {
	st := t.prev
	st.FormKey, st.RunID, st.Status, st.Error, st.Records = t.plan.form.Key, e.runID, Running, "", 0
	st.Started, st.Finished = e.now(), time.Time{}
	t.res.Started = st.Started
	if err := e.sink.SaveForm(ctx, st); err != nil {
		e.failForm(ctx, t, st, fmt.Errorf("save the ledger: %w", err))
		return
	}
	e.emit(Event{Kind: FormStarted, Form: st.FormKey})
	f, err := e.fetchForm(ctx, t)
	if err != nil {
		e.failForm(ctx, t, st, err)
		return
	}
	st.Status, st.Records, st.Finished = Succeeded, f.records, e.now()
	st.Watermark = f.watermark(st.Watermark)
	sctx, cancel := detached(ctx)
	defer cancel()
	if err := e.sink.SaveForm(sctx, st); err != nil {
		e.failForm(ctx, t, st, fmt.Errorf("save the ledger: %w", err))
		return
	}
	t.res.Status, t.res.Ended = Succeeded, st.Finished
	e.emit(Event{Kind: FormFinished, Form: st.FormKey, Records: f.records, Total: f.total})
}

// failForm records in the ledger, and reports, that the form of t failed with err; st is the
// form's state in the ledger so far.
func (e *engine) failForm(ctx context.Context, t *formTask, st FormState, err error) {
	st.Status, st.Error, st.Finished = Failed, err.Error(), e.now()
	t.res.Status, t.res.Err, t.res.Ended = Failed, err, st.Finished
	sctx, cancel := detached(ctx)
	defer cancel()
	_ = e.sink.SaveForm(sctx, st) // the run reports the form failed either way
	e.emit(Event{Kind: FormFailed, Form: st.FormKey, Records: t.res.Records, Err: err})
}

// fetchedForm is what fetching a form's records saw.
type fetchedForm struct {
	records     int64     // records written
	total       int64     // the most records the server said the listing holds
	maxMod      time.Time // the newest dateModified written
	serverStart time.Time // the server's clock when it answered the first page; zero if untold
}

// watermark returns the form's high-water mark after the fetch, given the one before, prev:
// the newest dateModified written, but no later than the server's clock at the first page (a
// record modified while the later pages were read may have been read before the change, on a
// page already done, and the next sync must fetch it), and never earlier than prev.
func (f *fetchedForm) watermark(prev time.Time) time.Time {
	mark := f.maxMod
	if !f.serverStart.IsZero() && f.serverStart.Before(mark) {
		mark = f.serverStart
	}
	if mark.After(prev) {
		return mark
	}
	return prev
}

// fetchForm fetches the records of t's form (for a sync, those modified after t.since) and
// writes them to the form's tables, keeping t.res.Records up to date.
func (e *engine) fetchForm(ctx context.Context, t *formTask) (*fetchedForm, error) {
	key := t.plan.form.Key
	opts, err := recordsOptions(e.fetch, key, t.since, e.opts.PageSize)
	if err != nil {
		return nil, err
	}
	w := &formWriter{e: e, p: t.plan, wide: make([][]Row, len(t.plan.parts))}
	f := &fetchedForm{}
	err = eachPage(e.client.Records.Pages(ctx, e.study, opts), func(p *imednet.Page[imednet.Record]) error {
		if p.Number == 0 && p.Metadata.Timestamp.Valid() {
			f.serverStart = p.Metadata.Timestamp.Time.UTC()
		}
		if p.Pagination != nil && int64(p.Pagination.TotalElements) > f.total {
			f.total = int64(p.Pagination.TotalElements)
		}
		for i := range p.Items {
			if err := w.add(ctx, &p.Items[i], p.Raw[i]); err != nil {
				return err
			}
		}
		t.res.Records = w.records
		e.emit(Event{Kind: PageWritten, Form: key, Records: w.records, Total: f.total})
		return nil
	})
	if err == nil {
		err = w.flush(ctx, 1)
	}
	t.res.Records = w.records
	f.records, f.maxMod = w.records, w.maxMod
	return f, err
}

// recordsOptions are the options listing a form's records by id, each page with its records'
// JSON as sent: all of them when since is zero, else those modified after since.
func recordsOptions(f *fetcher, formKey string, since time.Time, size int) (*imednet.RecordListOptions, error) {
	filter := imednet.Eq("formKey", formKey)
	if !since.IsZero() {
		filter = filter.And(imednet.Gt("dateModified", since))
	}
	if err := filter.Err(); err != nil {
		return nil, err
	}
	opts := &imednet.RecordListOptions{ListOptions: f.options(size, "recordId", filter)}
	opts.KeepRaw = true
	return opts, nil
}

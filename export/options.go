package export

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/dictionary"
)

// Layout chooses which record tables a run writes. The raw JSON of every record and the
// reference tables are written whatever the layout.
type Layout string

// The layouts.
const (
	Wide Layout = "wide" // one table per form, one row per record, one column per variable
	Long Layout = "long" // one table for every form, one row per record and variable
	Both Layout = "both" // wide and long
)

// ParseLayout reads a layout name ("wide", "long" or "both", any case).
func ParseLayout(s string) (Layout, error) {
	switch l := Layout(strings.ToLower(strings.TrimSpace(s))); l {
	case Wide, Long, Both:
		return l, nil
	}
	return "", fmt.Errorf("export: layout %q: want wide, long or both", s)
}

func (l Layout) wide() bool { return l == Wide || l == Both }
func (l Layout) long() bool { return l == Long || l == Both }

// Mode is what a run does with each form.
type Mode string

// The modes.
const (
	// ModeExport fetches every record of each form. After a run that did not finish (or in
	// which forms failed) it resumes: forms that run completed are skipped, unless
	// Options.Full is set.
	ModeExport Mode = "export"
	// ModeSync fetches per form only the records modified since the form's high-water mark
	// in the ledger (less Options.Overlap); a form without one is fetched whole.
	ModeSync Mode = "sync"
)

// Defaults of Options.
const (
	DefaultConcurrency = 4
	DefaultBatchSize   = 1000
	DefaultOverlap     = 5 * time.Minute
)

// Options configure a run. The zero Options export every form in the wide layout with the
// defaults.
type Options struct {
	// Mode is ModeExport (the default when empty) or ModeSync; [Sync] sets ModeSync.
	Mode Mode
	// Layout is Wide (the default when empty), Long or Both. It is part of the target's
	// [Shape]: a sync with Layout empty takes the target's.
	Layout Layout
	// Forms restricts the run to these form keys (exact, case-sensitive); empty means every
	// form of the study, disabled ones included. An unknown key is an error.
	Forms []string
	// Concurrency bounds the requests in flight at once, across forms and pages; twice as
	// many forms (and reference listings) are worked on at once, so that a form busy writing
	// leaves its requests to others. 0 means DefaultConcurrency.
	Concurrency int
	// Gate, when set, is the [imednet.Gate] every page request of the run goes through;
	// without one the run makes its own, of Concurrency slots paced at RateLimit. Runs made
	// at the same time (several studies) that share one Gate keep together to its bounds.
	// Concurrency still sets how many forms the run works on at once and how many pages it
	// fetches ahead. A Gate paces at its own rate, so RateLimit must be 0 with one.
	Gate *imednet.Gate
	// RateLimit, when positive, spaces the run's page requests evenly at no more than this
	// many per second, on top of the client's own handling of 429 responses. To keep to a
	// budget such as 100 a minute, retries included, give the client imednet.WithRateLimit
	// instead.
	RateLimit float64
	// Labels names the variables' columns of the wide tables after the variables' labels
	// (made unique and safe) instead of their names. The wide_columns table maps both ways.
	// It is part of the target's [Shape]: a sync with Labels false takes the target's, unless
	// NoLabels.
	Labels bool
	// NoLabels, in a sync, asks for columns named after the variables' names even where the
	// target's are named after their labels: such a sync is refused with a *ShapeError, or
	// with Full rebuilds the target. (An export without Labels asks for this already.) It
	// cannot go with Labels.
	NoLabels bool
	// Names is how tables and columns are named in the target: NamesAPI (the default when
	// empty: form_AE, recordId) or NamesSnake (form_ae, record_id). It is part of the
	// target's [Shape]: a sync with Names empty takes the target's.
	Names Names
	// BatchSize is the most rows written to a table in one Write (one transaction); 0 means
	// DefaultBatchSize. Each form being exported holds up to this many rows per table in
	// memory; the default keeps a whole export's memory flat and small (larger batches did not
	// make SQLite or PostgreSQL exports faster).
	BatchSize int
	// PageSize is the number of records per request, 1 to imednet.MaxPageSize; 0 means
	// imednet.MaxPageSize.
	PageSize int
	// Full makes an export fetch every form even when the last run did not finish, and a
	// sync fetch every form and reference listing whole. Either way it clears the ledger's
	// record of filters the service refused, so that the next sync tries them again. A run
	// whose [Shape] differs from the target's rebuilds the target with Full (see Rebuilder)
	// and is refused without it.
	Full bool
	// RecordsOnly leaves out the reference listings (studies, sites, subjects, intervals,
	// visits, queries, record revisions, codings and users): a run then writes the forms'
	// record tables, records_raw, wide_columns, and the forms and variables tables (read for
	// the dictionary anyway). A frequent sync that needs only the data is then much lighter;
	// the reference tables already in the target stay as they are.
	RecordsOnly bool
	// Overlap is how far before a form's high-water mark a sync starts, so that records
	// modified while the last run paged through the form are not missed; 0 means
	// DefaultOverlap.
	Overlap time.Duration
	// OnEvent, when set, receives progress events. Calls are serialised (never concurrent),
	// and the engine waits for each to return: keep it quick.
	OnEvent func(Event)
	// Now is the clock for the ledger's times; nil means time.Now.
	Now func() time.Time
	// Dictionary, when set, is the study's data dictionary files (dictionary.LoadFiles), whose
	// choice lists decode the coded values: the run writes the choices table (ChoicesTable),
	// a decoded text column <column>_label after each column of a radio, dropdown or
	// checkbox variable that has choices (a checkbox's codes separated by commas decoded each,
	// joined with "; "), and, in the long table, the decoded value in valueLabel. A value that
	// is not one of its variable's codes is stored as it is with a NULL label, and counted in
	// Summary.UnknownCodes. Variables are matched by form key and name; the API's forms and
	// variables still decide the tables.
	Dictionary *dictionary.Dictionary
}

func (o *Options) normalize() error {
	if o.Mode == "" {
		o.Mode = ModeExport
	}
	if o.Mode != ModeExport && o.Mode != ModeSync {
		return fmt.Errorf("export: mode %q: want export or sync", o.Mode)
	}
	if o.Layout == "" {
		o.Layout = Wide
	}
	if _, err := ParseLayout(string(o.Layout)); err != nil {
		return err
	}
	if o.Names == "" {
		o.Names = NamesAPI
	}
	if _, err := ParseNames(string(o.Names)); err != nil {
		return err
	}
	switch {
	case o.Concurrency == 0:
		o.Concurrency = DefaultConcurrency
	case o.Concurrency < 0 || o.Concurrency > 64:
		return fmt.Errorf("export: concurrency %d is outside 1..64", o.Concurrency)
	}
	if o.Labels && o.NoLabels {
		return errors.New("export: Options.Labels and Options.NoLabels both set")
	}
	switch {
	case o.RateLimit < 0:
		return fmt.Errorf("export: rate limit %g is negative", o.RateLimit)
	case o.RateLimit > 0 && o.Gate != nil:
		return errors.New("export: Options.RateLimit and Options.Gate both set: a gate paces with its own rate (imednet.NewGate)")
	}
	switch {
	case o.BatchSize == 0:
		o.BatchSize = DefaultBatchSize
	case o.BatchSize < 0:
		return fmt.Errorf("export: batch size %d is negative", o.BatchSize)
	}
	switch {
	case o.PageSize == 0:
		o.PageSize = imednet.MaxPageSize
	case o.PageSize < 0 || o.PageSize > imednet.MaxPageSize:
		return fmt.Errorf("export: page size %d is outside 1..%d", o.PageSize, imednet.MaxPageSize)
	}
	switch {
	case o.Overlap == 0:
		o.Overlap = DefaultOverlap
	case o.Overlap < 0:
		return fmt.Errorf("export: overlap %v is negative", o.Overlap)
	}
	seen := map[string]bool{}
	for _, k := range o.Forms {
		if strings.TrimSpace(k) == "" {
			return errors.New("export: an empty form key in Forms")
		}
		if seen[k] {
			return fmt.Errorf("export: form %q is listed twice in Forms", k)
		}
		seen[k] = true
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return nil
}

// EventKind tells what an [Event] reports.
type EventKind int

// The kinds of event.
const (
	RunStarted   EventKind = iota // the dictionary is read and the tables prepared; Forms is set
	FormStarted                   // a form's records are being fetched
	PageWritten                   // a page of a form's records was processed; Records counts so far
	FormFinished                  // a form succeeded; Records is its total
	FormSkipped                   // a form was skipped: the interrupted run it resumes completed it
	FormFailed                    // a form failed; Err says why
	TableWritten                  // a reference table was written (Table, Records)
	TableFailed                   // a reference table failed (Table, Err)
	RunFinished                   // the run ended
)

// String returns the kind's name, such as "form-finished".
func (k EventKind) String() string {
	switch k {
	case RunStarted:
		return "run-started"
	case FormStarted:
		return "form-started"
	case PageWritten:
		return "page-written"
	case FormFinished:
		return "form-finished"
	case FormSkipped:
		return "form-skipped"
	case FormFailed:
		return "form-failed"
	case TableWritten:
		return "table-written"
	case TableFailed:
		return "table-failed"
	case RunFinished:
		return "run-finished"
	}
	return "EventKind(" + itoa(int(k)) + ")"
}

// Event reports progress to Options.OnEvent.
type Event struct {
	Kind  EventKind
	Time  time.Time
	Form  string // the form key, for form events
	Table string // the table, for reference-table events
	// Records is the number of records of the form processed so far (rows of a reference
	// table), or, for RunFinished, of the whole run.
	Records int64
	// Total is the number of records the server said the form's listing holds (known after
	// its first page; 0 before), or, for RunStarted, the number of forms in the run.
	Total int64
	Err   error // for FormFailed and TableFailed
}

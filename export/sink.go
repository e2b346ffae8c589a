package export

import (
	"context"
	"time"
)

// ColumnType is the type of a column in a target table. Each sink maps it to its own types
// (SQLite, PostgreSQL and Parquet types; CSV and JSONL print the values).
type ColumnType int

// The column types, with the Go type of their values in a [Row]. A nil value is NULL.
const (
	ColumnText      ColumnType = iota // string
	ColumnInteger                     // int64
	ColumnReal                        // float64
	ColumnBoolean                     // bool
	ColumnDate                        // time.Time at midnight UTC
	ColumnTimestamp                   // time.Time in UTC
	ColumnJSON                        // json.RawMessage: a complete JSON value
)

// String returns the type's name in lower case, such as "integer".
func (t ColumnType) String() string {
	switch t {
	case ColumnText:
		return "text"
	case ColumnInteger:
		return "integer"
	case ColumnReal:
		return "real"
	case ColumnBoolean:
		return "boolean"
	case ColumnDate:
		return "date"
	case ColumnTimestamp:
		return "timestamp"
	case ColumnJSON:
		return "json"
	}
	return "ColumnType(" + itoa(int(t)) + ")"
}

// Column is a column of a target table.
type Column struct {
	Name string     // the column's name in the target, unique in its table
	Type ColumnType // the type of its values
}

// Table describes a table of the target: its name, columns and key. Rows written to it are
// upserted by the key: a row replaces the row with the same key values, so that a rerun or an
// incremental sync never duplicates.
type Table struct {
	Name    string   // the table's name, such as "form_VS" or "subjects"
	Columns []Column // in order; a Row has one value per column
	Key     []string // the names of the key's columns, never empty; no row holds nil in them
	// Form is the form key of a form's wide table (and of each of its parts), "" for the
	// others: the reference tables and the tables shared by every form (the long table
	// record_values, the raw JSON table records_raw, the columns table wide_columns), whose
	// rows carry the form key in their formKey column. File sinks use it to lay tables out by
	// form (for example form=KEY/part-N.parquet).
	Form string
}

// Row is one row of a table: one value per column of the table, in the table's column order,
// each nil or of the Go type its column's [ColumnType] names.
type Row []any

// Sink is a target of an export: a database or a directory of files. The engine calls Prepare
// once per run with every table it will write, then Write as batches of rows arrive
// (concurrently for different tables, never for the same table at once), and Close at the
// end. A sink also keeps the engine's [Ledger], so that an interrupted run resumes and a sync
// knows where the last run stopped.
type Sink interface {
	// Prepare creates the tables that do not exist and adds the columns that an existing table
	// lacks (a form that gained variables). It never drops data.
	Prepare(ctx context.Context, tables []Table) error
	// Write upserts rows into a prepared table, all or nothing: a database sink writes them in
	// one transaction, a file sink makes them part of the table's file.
	Write(ctx context.Context, table string, rows []Row) error
	// LoadLedger returns the ledger saved by earlier runs, or an empty ledger (not an error)
	// when the target is new.
	LoadLedger(ctx context.Context) (*Ledger, error)
	// SaveForm records the state of one form in the ledger, replacing its earlier state.
	SaveForm(ctx context.Context, f FormState) error
	// SaveRun records a run in the ledger, replacing an earlier record with the same ID.
	SaveRun(ctx context.Context, r RunState) error
	// Close finishes the target (file sinks move their files into place) and releases it. A sink
	// closed after a failed run keeps everything written by Write and the ledger.
	Close() error
}

// Status is the state of a form in the ledger.
type Status string

// The states of a form.
const (
	Pending   Status = "pending"
	Running   Status = "running"
	Succeeded Status = "succeeded"
	Failed    Status = "failed"
)

// FormState is the ledger's line for one form of the study.
type FormState struct {
	FormKey   string
	Status    Status
	Records   int64     // records written by the last run that touched the form
	Error     string    // why the form failed, "" otherwise
	Started   time.Time // when the last run started the form
	Finished  time.Time // when it ended, zero while running
	Watermark time.Time // the highest dateModified among the form's records written so far
	RunID     string    // the run that wrote this state
}

// RunState is the ledger's line for one run.
type RunState struct {
	ID          string // unique per run, sortable by start time
	Study       string
	Mode        string // "export" or "sync"
	Started     time.Time
	Finished    time.Time // zero while running
	Forms       int       // forms in the run
	FailedForms int
	Records     int64 // records written
	Error       string
}

// TableState is the ledger's line for one reference listing (such as record_revisions),
// which a sync fetches incrementally from its high-water mark.
type TableState struct {
	Table string // the listing's main table, as in TableResult
	// Mark is the listing's high-water mark: the newest change mark (dateCreated of a record
	// revision, dateCoded of a coding, dateModified of a site, ...) the target holds, capped
	// at the server's clock when the listing began. Zero when the listing has none; a sync
	// then fetches it whole.
	Mark time.Time
	// Refused is why the service refused the listing's incremental filter (the error of its
	// 400 answer), "" when it did not. A sync then lists the table whole without trying the
	// filter, until a run with Options.Full clears it.
	Refused  string
	RunID    string    // the run that wrote this state
	Finished time.Time // when that run finished the listing
}

// Ledger is what the sink remembers of earlier runs.
type Ledger struct {
	Forms  map[string]FormState  // by form key
	Runs   []RunState            // oldest first
	Tables map[string]TableState // by table; nil or empty for a sink without TableLedger
	// Shape is the shape the target records (see ShapeLedger); nil for a new target or a
	// sink without ShapeLedger. For a target exported before targets recorded their shape,
	// the database sinks tell it from the tables (see LegacyShape), the file sinks give nil.
	Shape *Shape
}

// TableLedger is implemented by sinks that keep the reference listings' high-water marks in
// their ledger (every sink of this module does): SaveTable records a listing's state,
// replacing its earlier state, and LoadLedger returns the states in Ledger.Tables. A sink
// without it still syncs correctly, but fetches every reference listing whole.
//
// The engine calls SaveTable after the listing's rows are written: a file sink makes the
// listing's tables durable first, so that the mark never covers rows that could be lost.
type TableLedger interface {
	SaveTable(ctx context.Context, t TableState) error
}

// ColumnLimiter is implemented by sinks whose tables hold a limited number of columns (SQLite:
// 2,000). The engine splits a wider form into parts of at most MaxColumns columns, each with
// the record id as key, named after the form's table with a suffix _part2, _part3, ....
// MaxColumns must leave room for the record columns and one variable (12); 0 or less means
// no limit.
type ColumnLimiter interface {
	MaxColumns() int
}

// Replacer is implemented by sinks that store a value altered when the target cannot hold it
// as given (PostgreSQL: text with a NUL character or invalid UTF-8 gets U+FFFD in its place).
// Replaced returns how many values so far; a run reports the growth in Summary.Replaced.
type Replacer interface {
	Replaced() int64
}

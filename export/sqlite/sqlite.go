// Package sqlite is the export engine's SQLite sink: a study exported into one database file,
// through modernc.org/sqlite (pure Go, no cgo).
//
// The file is created readable and writable by its owner only (0600; SQLite gives its -wal
// and -shm files the same permissions) and opened in WAL mode with synchronous=NORMAL. Each
// [export.Sink.Write] is one transaction of upserts (INSERT ... ON CONFLICT DO UPDATE) through
// a prepared statement, so a rerun never duplicates a row. Prepare creates missing tables and
// adds missing columns; it never drops anything.
//
// Column types map as follows: text TEXT, integer BIGINT, real REAL, boolean BOOLEAN (0 or
// 1), date DATE (text YYYY-MM-DD), timestamp TIMESTAMP (text RFC 3339 in UTC, such as
// 2025-06-05T21:12:08Z, which SQLite's date functions read), json TEXT.
//
// SQLite allows 2,000 columns per table: the sink reports that limit through
// [export.ColumnLimiter], and the engine splits wider forms into parts (form_KEY,
// form_KEY_part2, ...) joined on recordId.
//
// The ledger lives in the tables _imednet_forms, _imednet_runs and _imednet_tables, and the
// target's shape (export.Shape: layout version, layout, labels) in _imednet_meta, rows of
// name and value. An open sink holds the lock file FILE.lock (see [Open]).
package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/export/internal/lockfile"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// MaxColumns is the most columns a table of this sink holds (SQLite's SQLITE_MAX_COLUMN).
const MaxColumns = 2000

// Sink writes an export into a SQLite database file. It is safe for concurrent use; writes
// are serialised, as SQLite allows one writer at a time.
type Sink struct {
	db   *sql.DB
	path string
	lock *lockfile.Lock

	mu     sync.Mutex
	tables map[string]*table // prepared, by name
	closed bool
}

// table is a prepared table: its description and upsert statements, for one row and for
// multi rows at once.
type table struct {
	t      export.Table
	isKey  []bool    // per column
	upsert *sql.Stmt // one row
	multi  *sql.Stmt // multi rows, nil when multi is 1
	n      int       // rows per multi-row statement
}

// maxParams bounds the parameters of one statement (SQLite's SQLITE_MAX_VARIABLE_NUMBER is
// 32766); maxMulti the rows of a multi-row upsert.
const (
	maxParams = 32766
	maxMulti  = 64
)

func (t *table) close() {
	t.upsert.Close()
	if t.multi != nil {
		t.multi.Close()
	}
}

var _ export.Sink = (*Sink)(nil)
var _ export.ColumnLimiter = (*Sink)(nil)
var _ export.TableLedger = (*Sink)(nil)
var _ export.LockTaker = (*Sink)(nil)
var _ export.ShapeLedger = (*Sink)(nil)
var _ export.Rebuilder = (*Sink)(nil)

// OpenTarget opens the sink of an export target such as sqlite:DEMO.db: Open(t.Location).
// It has the shape every sink package's OpenTarget has (see [export.Target]).
func OpenTarget(ctx context.Context, t export.Target) (*Sink, error) { return Open(t.Location) }

// LockSuffix is appended to the database file's path to name its lock file (DEMO.db.lock),
// which an open sink holds (see [Open]).
const LockSuffix = ".lock"

// Open opens the database file at path, creating it (mode 0600) when it does not exist, and
// makes sure the ledger's tables exist.
//
// The sink holds the lock file path+".lock" (which names its process, host and start time)
// until Close, so that two exports or syncs never write the file at once: Open fails with an
// *[export.LockedError] naming the holder while another sink has it open. A lock left
// behind by a killed process is taken over ([Sink.TookOver]). Readers (imednet report, any
// SQLite client) do not take the lock.
func Open(path string) (*Sink, error) {
	if strings.TrimSpace(path) == "" {
		return nil, errors.New("sqlite: the database path is empty")
	}
	lock, err := lockfile.Acquire(path+LockSuffix, "sqlite:"+path)
	if err != nil {
		return nil, err
	}
	s, err := open(path)
	if err != nil {
		lock.Release()
		return nil, err
	}
	s.lock = lock
	return s, nil
}

// open opens the database file at path, locked by the caller.
func open(path string) (*Sink, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	// One connection: SQLite has one writer at a time, and the pragmas, prepared statements
	// and transactions all live on it.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	s := &Sink{db: db, path: path, tables: map[string]*table{}}
	if err := s.init(); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return s, nil
}

// dsn is the driver's name for the file at path, as a URI with the pragmas of every
// connection.
//
// The page cache holds 8 MiB. An export appends: each batch dirties a few pages at the end of
// each table and index, which stay cached, and pages written once are not read again. A
// 64 MiB cache made a 1,000,000-record export no faster, and the process about 115 MB
// larger.
func dsn(path string) string {
	r := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")
	return "file:" + r.Replace(path) +
		"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(0)&_pragma=cache_size(-8192)&_pragma=temp_store(MEMORY)"
}

const (
	formsLedger  = "_imednet_forms"
	runsLedger   = "_imednet_runs"
	tablesLedger = "_imednet_tables"
	metaTable    = "_imednet_meta" // name and value: the target's shape (export.Shape.Meta)
)

func (s *Sink) init() error {
	_, err := s.db.Exec(`CREATE TABLE IF NOT EXISTS ` + formsLedger + ` (
	formKey TEXT PRIMARY KEY, status TEXT NOT NULL, records INTEGER NOT NULL, error TEXT,
	started TIMESTAMP, finished TIMESTAMP, watermark TIMESTAMP, runId TEXT);
CREATE TABLE IF NOT EXISTS ` + runsLedger + ` (
	id TEXT PRIMARY KEY, study TEXT NOT NULL, mode TEXT NOT NULL, started TIMESTAMP, finished TIMESTAMP,
	forms INTEGER NOT NULL, failedForms INTEGER NOT NULL, records INTEGER NOT NULL, error TEXT);
CREATE TABLE IF NOT EXISTS ` + tablesLedger + ` (
	tableName TEXT PRIMARY KEY, mark TIMESTAMP, refused TEXT, runId TEXT, finished TIMESTAMP);
CREATE TABLE IF NOT EXISTS ` + metaTable + ` (name TEXT PRIMARY KEY, value TEXT NOT NULL)`)
	return err
}

// Path returns the database file's path.
func (s *Sink) Path() string { return s.path }

// DB returns the database handle, for reading what was exported. Writing through it while a
// run is in progress is not supported.
func (s *Sink) DB() *sql.DB { return s.db }

// MaxColumns returns MaxColumns: the engine splits wider forms.
func (s *Sink) MaxColumns() int { return MaxColumns }

// Quote quotes an SQL identifier for SQLite: "name", with inner quotes doubled.
func Quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

func sqlType(t export.ColumnType) string {
	switch t {
	case export.ColumnInteger:
		return "BIGINT" // integer affinity, but never an alias of the rowid: see createOrAlter
	case export.ColumnReal:
		return "REAL"
	case export.ColumnBoolean:
		return "BOOLEAN"
	case export.ColumnDate:
		return "DATE"
	case export.ColumnTimestamp:
		return "TIMESTAMP"
	}
	return "TEXT" // text and json (a declared JSON type would have numeric affinity)
}

// check reports what is wrong with a table description.
func check(t export.Table) error {
	if t.Name == "" || strings.ContainsRune(t.Name, 0) {
		return fmt.Errorf("sqlite: table %q: invalid name", t.Name)
	}
	if strings.HasPrefix(strings.ToLower(t.Name), "_imednet_") || strings.HasPrefix(strings.ToLower(t.Name), "sqlite_") {
		return fmt.Errorf("sqlite: table %q: the name is reserved", t.Name)
	}
	if len(t.Columns) == 0 {
		return fmt.Errorf("sqlite: table %s: no columns", t.Name)
	}
	if len(t.Columns) > MaxColumns {
		return fmt.Errorf("sqlite: table %s: %d columns, more than SQLite's %d", t.Name, len(t.Columns), MaxColumns)
	}
	seen := map[string]bool{}
	for _, c := range t.Columns {
		l := strings.ToLower(c.Name)
		if c.Name == "" || strings.ContainsRune(c.Name, 0) {
			return fmt.Errorf("sqlite: table %s: invalid column name %q", t.Name, c.Name)
		}
		if seen[l] {
			return fmt.Errorf("sqlite: table %s: column %q is listed twice (names are case-insensitive)", t.Name, c.Name)
		}
		seen[l] = true
	}
	if len(t.Key) == 0 {
		return fmt.Errorf("sqlite: table %s: no key", t.Name)
	}
	for _, k := range t.Key {
		if !seen[strings.ToLower(k)] {
			return fmt.Errorf("sqlite: table %s: key column %q is not a column", t.Name, k)
		}
	}
	return nil
}

// Prepare creates the tables that do not exist, adds the columns that existing ones lack, and
// prepares each table's upsert.
func (s *Sink) Prepare(ctx context.Context, tables []export.Table) error {
	names := map[string]bool{}
	for _, t := range tables {
		if err := check(t); err != nil {
			return err
		}
		l := strings.ToLower(t.Name)
		if names[l] {
			return fmt.Errorf("sqlite: table %s is listed twice (names are case-insensitive)", t.Name)
		}
		names[l] = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("sqlite: the sink is closed")
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: prepare: %w", err)
	}
	defer tx.Rollback()
	for _, t := range tables {
		if err := createOrAlter(ctx, tx, t); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: prepare: %w", err)
	}
	for _, t := range tables {
		if old := s.tables[strings.ToLower(t.Name)]; old != nil {
			old.close()
			delete(s.tables, strings.ToLower(t.Name))
		}
		pt := &table{t: t, n: min(maxMulti, maxParams/len(t.Columns)), isKey: make([]bool, len(t.Columns))}
		for i, c := range t.Columns {
			for _, k := range t.Key {
				pt.isKey[i] = pt.isKey[i] || strings.EqualFold(c.Name, k)
			}
		}
		var err error
		if pt.upsert, err = s.db.PrepareContext(ctx, upsertSQL(t, 1)); err != nil {
			return fmt.Errorf("sqlite: prepare the upsert of %s: %w", t.Name, err)
		}
		if pt.n > 1 {
			if pt.multi, err = s.db.PrepareContext(ctx, upsertSQL(t, pt.n)); err != nil {
				pt.close()
				return fmt.Errorf("sqlite: prepare the upsert of %s: %w", t.Name, err)
			}
		}
		s.tables[strings.ToLower(t.Name)] = pt
	}
	return nil
}

func createOrAlter(ctx context.Context, tx *sql.Tx, t export.Table) error {
	var b strings.Builder
	b.WriteString("CREATE TABLE IF NOT EXISTS ")
	b.WriteString(Quote(t.Name))
	b.WriteString(" (")
	key := map[string]bool{}
	for _, k := range t.Key {
		key[strings.ToLower(k)] = true
	}
	for _, c := range t.Columns {
		b.WriteString(Quote(c.Name))
		b.WriteByte(' ')
		b.WriteString(sqlType(c.Type))
		if key[strings.ToLower(c.Name)] {
			b.WriteString(" NOT NULL") // a NULL key would never match in an upsert
		}
		b.WriteString(", ")
	}
	b.WriteString("PRIMARY KEY (")
	for i, k := range t.Key {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(Quote(k))
	}
	b.WriteString("))")
	// Every table keeps its rows in the order they arrive, and the key in an index beside it
	// (integer columns are declared BIGINT, so that a single integer key never becomes the
	// rowid, and there is no WITHOUT ROWID). Rows of the shared tables (records_raw,
	// record_values) arrive form by form, their keys interleaved across the whole range:
	// clustered by the key, each batch would touch pages all over the table, and each commit
	// would write them all again. Appended, a batch dirties a few pages at the end of the
	// table and of the small key index, which made a whole export about 1.4 times as fast.
	if _, err := tx.ExecContext(ctx, b.String()); err != nil {
		return fmt.Errorf("sqlite: create table %s: %w", t.Name, err)
	}
	rows, err := tx.QueryContext(ctx, "SELECT name FROM pragma_table_info(?)", t.Name)
	if err != nil {
		return fmt.Errorf("sqlite: columns of %s: %w", t.Name, err)
	}
	have := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return fmt.Errorf("sqlite: columns of %s: %w", t.Name, err)
		}
		have[strings.ToLower(name)] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: columns of %s: %w", t.Name, err)
	}
	for _, c := range t.Columns {
		if have[strings.ToLower(c.Name)] {
			continue
		}
		if len(have) >= MaxColumns {
			return fmt.Errorf("sqlite: table %s: cannot add column %s: the table has %d columns already", t.Name, c.Name, len(have))
		}
		q := "ALTER TABLE " + Quote(t.Name) + " ADD COLUMN " + Quote(c.Name) + " " + sqlType(c.Type)
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("sqlite: table %s: add column %s: %w", t.Name, c.Name, err)
		}
		have[strings.ToLower(c.Name)] = true
	}
	return nil
}

// upsertSQL is the upsert of n rows into t.
func upsertSQL(t export.Table, n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO ")
	b.WriteString(Quote(t.Name))
	b.WriteString(" (")
	for i, c := range t.Columns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(Quote(c.Name))
	}
	b.WriteString(") VALUES ")
	for r := range n {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for i := range t.Columns {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('?')
		}
		b.WriteByte(')')
	}
	b.WriteString(" ON CONFLICT (")
	key := map[string]bool{}
	for i, k := range t.Key {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(Quote(k))
		key[strings.ToLower(k)] = true
	}
	b.WriteString(") DO ")
	set := 0
	for _, c := range t.Columns {
		if key[strings.ToLower(c.Name)] {
			continue
		}
		if set == 0 {
			b.WriteString("UPDATE SET ")
		} else {
			b.WriteString(", ")
		}
		set++
		b.WriteString(Quote(c.Name))
		b.WriteString(" = excluded.")
		b.WriteString(Quote(c.Name))
	}
	if set == 0 {
		b.WriteString("NOTHING")
	}
	return b.String()
}

// Date and timestamp layouts of the stored text.
const (
	dateLayout      = "2006-01-02"
	timestampLayout = "2006-01-02T15:04:05.999999999Z07:00"
)

// value converts a row's value for the driver, checking its Go type against the column's.
func value(c export.Column, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	bad := func() (any, error) {
		return nil, fmt.Errorf("column %s (%s): a %T value", c.Name, c.Type, v)
	}
	// Values that pass unchanged are returned as they came, without boxing them again.
	switch c.Type {
	case export.ColumnText:
		if _, ok := v.(string); ok {
			return v, nil
		}
	case export.ColumnInteger:
		if _, ok := v.(int64); ok {
			return v, nil
		}
	case export.ColumnReal:
		if _, ok := v.(float64); ok {
			return v, nil
		}
	case export.ColumnBoolean:
		if b, ok := v.(bool); ok {
			if b {
				return int64(1), nil
			}
			return int64(0), nil
		}
	case export.ColumnDate:
		if t, ok := v.(time.Time); ok {
			return t.UTC().Format(dateLayout), nil
		}
	case export.ColumnTimestamp:
		if t, ok := v.(time.Time); ok {
			return t.UTC().Format(timestampLayout), nil
		}
	case export.ColumnJSON:
		if j, ok := v.(json.RawMessage); ok {
			return string(j), nil
		}
	}
	return bad()
}

// Write upserts rows into a prepared table in one transaction.
func (s *Sink) Write(ctx context.Context, tableName string, rows []export.Row) error {
	if len(rows) == 0 {
		return nil
	}
	s.mu.Lock()
	t := s.tables[strings.ToLower(tableName)]
	s.mu.Unlock()
	if t == nil {
		return fmt.Errorf("sqlite: write: table %s was not prepared", tableName)
	}
	// Convert the values before taking the lock, so that other tables' writes go on
	// meanwhile: SQLite itself has one writer at a time.
	cols := t.t.Columns
	args := make([]any, 0, len(rows)*len(cols))
	for i, row := range rows {
		if len(row) != len(cols) {
			return fmt.Errorf("sqlite: write %s: row %d has %d values for %d columns", tableName, i, len(row), len(cols))
		}
		for j, v := range row {
			if v == nil && t.isKey[j] {
				return fmt.Errorf("sqlite: write %s: row %d: key column %s is null", tableName, i, cols[j].Name)
			}
			a, err := value(cols[j], v)
			if err != nil {
				return fmt.Errorf("sqlite: write %s: row %d: %w", tableName, i, err)
			}
			args = append(args, a)
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("sqlite: the sink is closed")
	}
	if s.tables[strings.ToLower(tableName)] != t {
		return fmt.Errorf("sqlite: write %s: the table was prepared again meanwhile", tableName)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: write %s: %w", tableName, err)
	}
	defer tx.Rollback()
	var one, multi *sql.Stmt
	for i := 0; i < len(rows); {
		n, stmt := 1, one
		if t.multi != nil && len(rows)-i >= t.n {
			if multi == nil {
				multi = tx.StmtContext(ctx, t.multi)
				defer multi.Close()
			}
			n, stmt = t.n, multi
		} else if stmt == nil {
			one = tx.StmtContext(ctx, t.upsert)
			defer one.Close()
			stmt = one
		}
		if _, err := stmt.ExecContext(ctx, args[i*len(cols):(i+n)*len(cols)]...); err != nil {
			return fmt.Errorf("sqlite: write %s: rows %d to %d: %w", tableName, i, i+n-1, err)
		}
		i += n
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: write %s: %w", tableName, err)
	}
	return nil
}

func timeText(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(timestampLayout)
}

func parseTime(s sql.NullString) (time.Time, error) {
	if !s.Valid || s.String == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339Nano, s.String)
}

// LoadLedger reads the ledger: every form's state and every run, oldest first.
func (s *Sink) LoadLedger(ctx context.Context) (*export.Ledger, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := &export.Ledger{Forms: map[string]export.FormState{}, Tables: map[string]export.TableState{}}
	rows, err := s.db.QueryContext(ctx, `SELECT formKey, status, records, error, started, finished, watermark, runId FROM `+formsLedger)
	if err != nil {
		return nil, fmt.Errorf("sqlite: load the ledger: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var f export.FormState
		var status string
		var errText, runID sql.NullString
		var started, finished, watermark sql.NullString
		if err := rows.Scan(&f.FormKey, &status, &f.Records, &errText, &started, &finished, &watermark, &runID); err != nil {
			return nil, fmt.Errorf("sqlite: load the ledger: %w", err)
		}
		f.Status, f.Error, f.RunID = export.Status(status), errText.String, runID.String
		for _, p := range []struct {
			dst *time.Time
			src sql.NullString
		}{{&f.Started, started}, {&f.Finished, finished}, {&f.Watermark, watermark}} {
			if *p.dst, err = parseTime(p.src); err != nil {
				return nil, fmt.Errorf("sqlite: load the ledger: form %s: %w", f.FormKey, err)
			}
		}
		l.Forms[f.FormKey] = f
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: load the ledger: %w", err)
	}
	rows.Close()
	runs, err := s.db.QueryContext(ctx, `SELECT id, study, mode, started, finished, forms, failedForms, records, error FROM `+runsLedger+` ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: load the ledger: %w", err)
	}
	defer runs.Close()
	for runs.Next() {
		var r export.RunState
		var started, finished, errText sql.NullString
		if err := runs.Scan(&r.ID, &r.Study, &r.Mode, &started, &finished, &r.Forms, &r.FailedForms, &r.Records, &errText); err != nil {
			return nil, fmt.Errorf("sqlite: load the ledger: %w", err)
		}
		r.Error = errText.String
		if r.Started, err = parseTime(started); err != nil {
			return nil, fmt.Errorf("sqlite: load the ledger: run %s: %w", r.ID, err)
		}
		if r.Finished, err = parseTime(finished); err != nil {
			return nil, fmt.Errorf("sqlite: load the ledger: run %s: %w", r.ID, err)
		}
		l.Runs = append(l.Runs, r)
	}
	if err := runs.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: load the ledger: %w", err)
	}
	runs.Close()
	if err := s.loadTables(ctx, l); err != nil {
		return nil, fmt.Errorf("sqlite: load the ledger: %w", err)
	}
	if l.Shape, err = s.loadShape(ctx); err != nil {
		return nil, fmt.Errorf("sqlite: load the ledger: %w", err)
	}
	if l.Shape == nil && len(l.Runs) > 0 {
		if l.Shape, err = s.legacyShape(ctx); err != nil {
			return nil, fmt.Errorf("sqlite: load the ledger: %w", err)
		}
	}
	return l, nil
}

// legacyShape tells the shape of a target written before targets recorded theirs from its
// tables (see export.LegacyShape).
func (s *Sink) legacyShape(ctx context.Context) (*export.Shape, error) {
	exists := func(table string) (bool, error) {
		var n int
		err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?`, table).Scan(&n)
		return n > 0, err
	}
	long, err := exists(export.LongTable)
	if err != nil {
		return nil, err
	}
	hasColumns, err := exists(export.ColumnsTable)
	if err != nil || !hasColumns {
		return export.LegacyShape(false, long, 0, 0), err
	}
	var rows, variables, labelled int64
	err = s.db.QueryRowContext(ctx, `SELECT count(*), count(variable), coalesce(sum(variable IS NOT NULL AND columnName <> variable), 0) FROM `+
		Quote(export.ColumnsTable)).Scan(&rows, &variables, &labelled)
	if err != nil {
		return nil, err
	}
	return export.LegacyShape(rows > 0, long, variables, labelled), nil
}

// loadShape reads the target's shape from _imednet_meta; nil when it records none.
func (s *Sink) loadShape(ctx context.Context) (*export.Shape, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, value FROM `+metaTable)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	meta := map[string]string{}
	for rows.Next() {
		var name, value string
		if err := rows.Scan(&name, &value); err != nil {
			return nil, err
		}
		meta[name] = value
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return export.ShapeFromMeta(meta)
}

// SaveShape records the target's shape in _imednet_meta, where readers such as the report
// find its layout version.
func (s *Sink) SaveShape(ctx context.Context, sh export.Shape) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: save the shape: %w", err)
	}
	defer tx.Rollback()
	for name, value := range sh.Meta() {
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+metaTable+` (name, value) VALUES (?, ?)
ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, value); err != nil {
			return fmt.Errorf("sqlite: save the shape: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: save the shape: %w", err)
	}
	return nil
}

// Rebuild drops every table an export wrote into the file (see export.IsExportTable), the
// ledger's included, in one transaction, and creates an empty ledger: the file is then as a
// new target. Other tables and views stay.
func (s *Sink) Rebuild(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("sqlite: the sink is closed")
	}
	for _, t := range s.tables {
		t.close()
	}
	clear(s.tables)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: rebuild: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`)
	if err != nil {
		return fmt.Errorf("sqlite: rebuild: %w", err)
	}
	var drop []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return fmt.Errorf("sqlite: rebuild: %w", err)
		}
		if export.IsExportTable(name) {
			drop = append(drop, name)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: rebuild: %w", err)
	}
	for _, name := range drop {
		if _, err := tx.ExecContext(ctx, "DROP TABLE "+Quote(name)); err != nil {
			return fmt.Errorf("sqlite: rebuild: drop %s: %w", name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: rebuild: %w", err)
	}
	if err := s.init(); err != nil {
		return fmt.Errorf("sqlite: rebuild: %w", err)
	}
	return nil
}

// loadTables reads the reference listings' states into l.Tables.
func (s *Sink) loadTables(ctx context.Context, l *export.Ledger) error {
	rows, err := s.db.QueryContext(ctx, `SELECT tableName, mark, refused, runId, finished FROM `+tablesLedger)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var t export.TableState
		var mark, refused, runID, finished sql.NullString
		if err := rows.Scan(&t.Table, &mark, &refused, &runID, &finished); err != nil {
			return err
		}
		t.Refused, t.RunID = refused.String, runID.String
		if t.Mark, err = parseTime(mark); err != nil {
			return fmt.Errorf("table %s: %w", t.Table, err)
		}
		if t.Finished, err = parseTime(finished); err != nil {
			return fmt.Errorf("table %s: %w", t.Table, err)
		}
		l.Tables[t.Table] = t
	}
	return rows.Err()
}

// SaveTable records a reference listing's state in the ledger.
func (s *Sink) SaveTable(ctx context.Context, t export.TableState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.db.ExecContext(ctx, `INSERT INTO `+tablesLedger+` (tableName, mark, refused, runId, finished)
VALUES (?, ?, ?, ?, ?) ON CONFLICT (tableName) DO UPDATE SET mark = excluded.mark, refused = excluded.refused,
runId = excluded.runId, finished = excluded.finished`,
		t.Table, timeText(t.Mark), nullText(t.Refused), nullText(t.RunID), timeText(t.Finished))
	if err != nil {
		return fmt.Errorf("sqlite: save table %s in the ledger: %w", t.Table, err)
	}
	return nil
}

func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// SaveForm records a form's state in the ledger.
func (s *Sink) SaveForm(ctx context.Context, f export.FormState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.db.ExecContext(ctx, `INSERT INTO `+formsLedger+` (formKey, status, records, error, started, finished, watermark, runId)
VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (formKey) DO UPDATE SET status = excluded.status, records = excluded.records,
error = excluded.error, started = excluded.started, finished = excluded.finished, watermark = excluded.watermark, runId = excluded.runId`,
		f.FormKey, string(f.Status), f.Records, nullText(f.Error), timeText(f.Started), timeText(f.Finished), timeText(f.Watermark), nullText(f.RunID))
	if err != nil {
		return fmt.Errorf("sqlite: save form %s in the ledger: %w", f.FormKey, err)
	}
	return nil
}

// SaveRun records a run in the ledger.
func (s *Sink) SaveRun(ctx context.Context, r export.RunState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.db.ExecContext(ctx, `INSERT INTO `+runsLedger+` (id, study, mode, started, finished, forms, failedForms, records, error)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET study = excluded.study, mode = excluded.mode,
started = excluded.started, finished = excluded.finished, forms = excluded.forms, failedForms = excluded.failedForms,
records = excluded.records, error = excluded.error`,
		r.ID, r.Study, r.Mode, timeText(r.Started), timeText(r.Finished), r.Forms, r.FailedForms, r.Records, nullText(r.Error))
	if err != nil {
		return fmt.Errorf("sqlite: save run %s in the ledger: %w", r.ID, err)
	}
	return nil
}

// TookOver returns the holder of a lock on the file that a process left behind when it
// ended without releasing it, which Open took over; nil when the file was free.
func (s *Sink) TookOver() *export.LockHolder { return s.lock.TookOver() }

// Close closes the database and releases its lock. Everything written stays.
func (s *Sink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	for _, t := range s.tables {
		t.close()
	}
	_, err := s.db.Exec("PRAGMA optimize")
	if cerr := s.db.Close(); err == nil {
		err = cerr
	}
	if lerr := s.lock.Release(); err == nil {
		err = lerr
	}
	if err != nil {
		return fmt.Errorf("sqlite: close %s: %w", s.path, err)
	}
	return nil
}

package report

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/export/postgres"
)

// LayoutVersion is the version of the export layout this package reads: the reference tables
// and the wide record tables (form_KEY) with their record columns, as package export writes
// them, and the ledger tables _imednet_runs and _imednet_forms. A target whose ledger records
// another layout version (the row layoutVersion of _imednet_meta, when there is one) or that
// lacks a table or column the report reads is refused with a [*LayoutError].
const LayoutVersion = export.LayoutVersion

// ErrNoExport is the error (matched with errors.Is) of a target that holds no export: no
// ledger, or a ledger without a finished run.
var ErrNoExport = errors.New("the target holds no export")

// ErrSnakeNames is the error (matched with errors.Is) of a target exported with snake_case
// names (export.NamesSnake, recorded as names "snake" in _imednet_meta): the report reads
// the tables and columns by the API's names.
var ErrSnakeNames = errors.New("the target's tables and columns are named in snake_case (--names snake)")

// LayoutError is the error of a target whose export is not of the layout this package reads.
type LayoutError struct {
	Target string // the target, without a password
	Reason string // what differs, such as "table queries has no column recordId"
}

// Error says which target holds which other layout, and what to do.
func (e *LayoutError) Error() string {
	return fmt.Sprintf("report: %s holds an export of another layout (%s); this version reads layout version %d: export the study again with this version of imednet",
		e.Target, e.Reason, LayoutVersion)
}

// Dialect is the SQL dialect of a target.
type Dialect int

// The dialects a [Source] reads.
const (
	SQLite Dialect = iota + 1
	PostgreSQL
)

// String returns the dialect's name: SQLite or PostgreSQL.
func (d Dialect) String() string {
	switch d {
	case SQLite:
		return "SQLite"
	case PostgreSQL:
		return "PostgreSQL"
	}
	return "Dialect(" + strconv.Itoa(int(d)) + ")"
}

// Source is an export target opened for reading: a SQLite file or a PostgreSQL schema that
// package export wrote. It never writes to the target (on SQLite, a report keeps TEMP tables
// of its own, on its connection, while it is built). It is safe for concurrent use; each
// [Source.Build] reads the target afresh.
type Source struct {
	db      *sql.DB
	dialect Dialect
	name    string // the target for messages, without a password
}

// Open opens an export target for reading: t.Scheme "sqlite" (the file t.Location) or
// "postgres"/"postgresql" (the URL t.Scheme:t.Location; the schema is its schema query
// parameter, else the one the PostgreSQL sink names after t.Study). Other targets (files of
// Parquet, CSV, JSON Lines) are not databases the report can query: an error says so.
func Open(ctx context.Context, t export.Target) (*Source, error) {
	switch t.Scheme {
	case "sqlite", "sqlite3", "":
		return OpenSQLite(t.Location)
	case "postgres", "postgresql":
		u, err := url.Parse(t.Scheme + ":" + t.Location)
		if err != nil {
			return nil, fmt.Errorf("report: target %s: not a valid URL", t)
		}
		q := u.Query()
		schema := q.Get("schema")
		q.Del("schema")
		u.RawQuery = q.Encode()
		if schema == "" {
			if strings.TrimSpace(t.Study) == "" {
				return nil, fmt.Errorf("report: target %s: give the study (or ?schema=NAME) to find its schema", t)
			}
			schema = postgres.SchemaName(t.Study)
		}
		return OpenPostgres(ctx, u.String(), schema)
	}
	return nil, fmt.Errorf("report: target %s: a report reads a SQLite file or a PostgreSQL database, not %s", t, t.Scheme)
}

// OpenSQLite opens the SQLite file at path read-only. A file that does not exist is an error
// (it is not created).
func OpenSQLite(path string) (*Source, error) {
	if strings.TrimSpace(path) == "" {
		return nil, errors.New("report: the SQLite path is empty")
	}
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("report: sqlite:%s: %w (no such file: export the study into it first)", path, ErrNoExport)
		}
		return nil, fmt.Errorf("report: %w", err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("report: sqlite:%s is a directory, not a database file", path)
	}
	r := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")
	// Read-only: the file is opened so (mode=ro); a report writes only its TEMP tables, which
	// spill to a temporary file beyond the page cache, as the sorts of GROUP BY do, so that
	// the memory stays bounded whatever the export's size.
	db, err := sql.Open("sqlite", "file:"+r.Replace(path)+"?mode=ro&_pragma=busy_timeout(10000)&_pragma=temp_store(FILE)&_pragma=cache_size(-8192)")
	if err != nil {
		return nil, fmt.Errorf("report: open sqlite:%s: %w", path, err)
	}
	db.SetMaxOpenConns(2)
	return &Source{db: db, dialect: SQLite, name: "sqlite:" + path}, nil
}

// OpenPostgres opens the export in schema of the PostgreSQL database connString names. The
// connection is read-only (default_transaction_read_only).
func OpenPostgres(ctx context.Context, connString, schema string) (*Source, error) {
	cfg, err := pgx.ParseConfig(connString)
	if err != nil {
		return nil, fmt.Errorf("report: connection string: %w", err)
	}
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	cfg.RuntimeParams["search_path"] = `"` + strings.ReplaceAll(schema, `"`, `""`) + `"`
	cfg.RuntimeParams["default_transaction_read_only"] = "on"
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(4)
	name := "postgres://" + cfg.Host + "/" + cfg.Database + "?schema=" + schema
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("report: %s: %w", name, err)
	}
	return &Source{db: db, dialect: PostgreSQL, name: name}, nil
}

// Dialect returns the target's SQL dialect.
func (s *Source) Dialect() Dialect { return s.dialect }

// String returns the target, without a password.
func (s *Source) String() string { return s.name }

// Close closes the connection to the target.
func (s *Source) Close() error { return s.db.Close() }

// required are the tables and columns of LayoutVersion the report reads.
var required = map[string][]string{
	"sites":            {"siteId", "siteName", "siteEnrollmentStatus"},
	"subjects":         {"subjectId", "subjectKey", "subjectStatus", "siteId", "siteName", "deleted", "enrollmentStartDate", "dateCreated"},
	"intervals":        {"intervalId", "intervalName", "intervalSequence"},
	"interval_forms":   {"intervalId", "formId", "formKey", "formName"},
	"forms":            {"formId", "formKey", "formName", "disabled"},
	"visits":           {"visitId", "intervalId", "subjectId", "deleted"},
	"queries":          {"annotationId", "recordId", "variable", "subjectId", "description", "dateCreated"},
	"query_comments":   {"annotationId", "position", "closed", "date"},
	"record_revisions": {"recordRevisionId", "recordId", "user", "reasonForChange", "dateCreated"},
}

// recordColumns are the columns of a wide table the report reads.
var recordColumns = []string{"recordId", "subjectId", "siteId", "intervalId", "visitId", "recordStatus", "deleted", "dateCreated", "dateModified"}

// run is a run of the ledger.
type run struct {
	id, study, mode   string
	started, finished time.Time
}

// layout is what a target holds: its ledger's runs and its wide record tables.
type layout struct {
	runs  []run           // finished runs, oldest first
	forms []formTable     // the wide tables, by form key
	cols  map[string]bool // "table.column" of every table, lower case
}

type formTable struct{ key, table string }

// inspect reads the target's catalogue and ledger, and checks its layout.
func (s *Source) inspect(ctx context.Context) (*layout, error) {
	var q string
	if s.dialect == SQLite {
		q = `SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type IN ('table', 'view')`
	} else {
		q = `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()`
	}
	rows, err := s.db.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("report: %s: reading the tables: %w", s.name, err)
	}
	tables := map[string]map[string]bool{}
	var names []string
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			rows.Close()
			return nil, fmt.Errorf("report: %s: reading the tables: %w", s.name, err)
		}
		if tables[t] == nil {
			tables[t] = map[string]bool{}
			names = append(names, t)
		}
		tables[t][c] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("report: %s: reading the tables: %w", s.name, err)
	}
	if tables["_imednet_runs"] == nil {
		return nil, fmt.Errorf("report: %s: %w (no ledger table _imednet_runs): run imednet export into it first", s.name, ErrNoExport)
	}
	if tables["_imednet_meta"]["name"] && tables["_imednet_meta"]["value"] {
		var v string
		err := s.db.QueryRowContext(ctx, s.sql(`SELECT "value" FROM "_imednet_meta" WHERE "name" = ?`), "layoutVersion").Scan(&v)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return nil, fmt.Errorf("report: %s: reading the layout version: %w", s.name, err)
		case strings.TrimSpace(v) != strconv.Itoa(LayoutVersion):
			return nil, &LayoutError{Target: s.name, Reason: "layout version " + v}
		}
		err = s.db.QueryRowContext(ctx, s.sql(`SELECT "value" FROM "_imednet_meta" WHERE "name" = ?`), "names").Scan(&v)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return nil, fmt.Errorf("report: %s: reading the names: %w", s.name, err)
		case strings.EqualFold(strings.TrimSpace(v), string(export.NamesSnake)):
			return nil, fmt.Errorf("report: %s: %w; a report reads targets exported with --names api (the default): export the study into another target without --names snake", s.name, ErrSnakeNames)
		}
	}
	l := &layout{cols: map[string]bool{}}
	for t, cs := range tables {
		for c := range cs {
			l.cols[strings.ToLower(t+"."+c)] = true
		}
	}
	for _, t := range slices.Sorted(mapKeys(required)) {
		if tables[t] == nil {
			return nil, &LayoutError{Target: s.name, Reason: "no table " + t + "; an export with --records-only has no reference tables"}
		}
		for _, c := range required[t] {
			if !tables[t][c] {
				return nil, &LayoutError{Target: s.name, Reason: "table " + t + " has no column " + c}
			}
		}
	}
	if l.runs, err = s.loadRuns(ctx); err != nil {
		return nil, err
	}
	if len(l.runs) == 0 {
		return nil, fmt.Errorf("report: %s: %w (no export run has finished): run imednet export into it first", s.name, ErrNoExport)
	}
	// The wide tables: named form_..., with every record column.
	byTable := map[string]string{}
	if tables["wide_columns"]["tableName"] && tables["wide_columns"]["formKey"] {
		rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT "tableName", "formKey" FROM "wide_columns"`)
		if err != nil {
			return nil, fmt.Errorf("report: %s: reading wide_columns: %w", s.name, err)
		}
		for rows.Next() {
			var t, k sql.NullString
			if err := rows.Scan(&t, &k); err != nil {
				rows.Close()
				return nil, fmt.Errorf("report: %s: reading wide_columns: %w", s.name, err)
			}
			byTable[t.String] = k.String
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("report: %s: reading wide_columns: %w", s.name, err)
		}
	}
	slices.Sort(names)
	for _, t := range names {
		if !strings.HasPrefix(t, export.WideTablePrefix) || !hasAll(tables[t], recordColumns) {
			continue
		}
		key, ok := byTable[t]
		if !ok {
			key = strings.TrimPrefix(t, export.WideTablePrefix)
		}
		l.forms = append(l.forms, formTable{key: key, table: t})
	}
	if len(l.forms) == 0 && tables[export.RawTable] != nil {
		var n int64
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM "`+export.RawTable+`"`).Scan(&n); err != nil {
			return nil, fmt.Errorf("report: %s: counting records: %w", s.name, err)
		}
		if n > 0 {
			return nil, &LayoutError{Target: s.name, Reason: "records without the wide tables form_KEY: the report reads those, export with --layout wide or both"}
		}
	}
	return l, nil
}

func hasAll(cols map[string]bool, want []string) bool {
	for _, c := range want {
		if !cols[c] {
			return false
		}
	}
	return true
}

func mapKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// loadRuns reads the finished runs of the ledger, oldest first.
func (s *Source) loadRuns(ctx context.Context) ([]run, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT "id", "study", "mode", "started", "finished" FROM "_imednet_runs" WHERE "finished" IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("report: %s: reading the ledger: %w", s.name, err)
	}
	defer rows.Close()
	var runs []run
	for rows.Next() {
		var r run
		var started, finished anyTime
		if err := rows.Scan(&r.id, &r.study, &r.mode, &started, &finished); err != nil {
			return nil, fmt.Errorf("report: %s: reading the ledger: %w", s.name, err)
		}
		r.started, r.finished = started.t, finished.t
		runs = append(runs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("report: %s: reading the ledger: %w", s.name, err)
	}
	slices.SortFunc(runs, func(a, b run) int {
		if c := a.finished.Compare(b.finished); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	return runs, nil
}

// anyTime scans a timestamp that a driver gives as a time.Time or as text (SQLite's stored
// RFC 3339 text, or what its date functions return).
type anyTime struct {
	t     time.Time
	valid bool
}

func (a *anyTime) Scan(v any) error {
	a.t, a.valid = time.Time{}, false
	switch x := v.(type) {
	case nil:
		return nil
	case time.Time:
		a.t, a.valid = x.UTC(), true
		return nil
	case []byte:
		v = string(x)
	}
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("a timestamp of type %T", v)
	}
	if s == "" {
		return nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			a.t, a.valid = t.UTC(), true
			return nil
		}
	}
	return fmt.Errorf("a timestamp %q that does not parse", s)
}

// sql rewrites a statement written with ? placeholders for the target's dialect.
func (s *Source) sql(q string) string {
	if s.dialect != PostgreSQL {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// timeArg is a timestamp as a statement's argument.
func (s *Source) timeArg(t time.Time) any {
	if s.dialect == SQLite {
		return t.UTC().Format(time.RFC3339Nano)
	}
	return t.UTC()
}

// jd is an expression's timestamp as a comparable number (SQLite) or itself (PostgreSQL).
func (s *Source) jd(expr string) string {
	if s.dialect == SQLite {
		return "julianday(" + expr + ")"
	}
	return expr
}

// days is the number of days, fractional, from the timestamp a to the timestamp b.
func (s *Source) days(a, b string) string {
	// Whole seconds apart, divided exactly: an age of 8 days is 8, not 7.99999.
	if s.dialect == SQLite {
		return "((strftime('%s', " + b + ") - strftime('%s', " + a + ")) / 86400.0)"
	}
	return "CAST(EXTRACT(EPOCH FROM (date_trunc('second', " + b + ") - date_trunc('second', " + a + "))) / 86400.0 AS double precision)"
}

// floorInt is the integer part of a non-negative number.
func (s *Source) floorInt(expr string) string {
	if s.dialect == SQLite {
		return "CAST(" + expr + " AS INTEGER)"
	}
	return "CAST(floor(" + expr + ") AS bigint)"
}

// week is the Monday (YYYY-MM-DD, UTC) of the week of a timestamp.
func (s *Source) week(expr string) string {
	if s.dialect == SQLite {
		return "date(" + expr + ", 'weekday 0', '-6 days')"
	}
	return "to_char(date_trunc('week', (" + expr + ") AT TIME ZONE 'UTC'), 'YYYY-MM-DD')"
}

// day is the day (YYYY-MM-DD, UTC) of a timestamp.
func (s *Source) day(expr string) string {
	if s.dialect == SQLite {
		return "date(" + expr + ")"
	}
	return "to_char((" + expr + ") AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
}

// maxTime is the latest of a timestamp column, as something anyTime scans.
func (s *Source) maxTime(expr string) string {
	if s.dialect == SQLite {
		return "strftime('%Y-%m-%dT%H:%M:%fZ', MAX(julianday(" + expr + ")))"
	}
	return "MAX(" + expr + ")"
}

// recCTE is the common table expression rec: every record of the wide tables, with its form.
func (l *layout) recCTE() string {
	// An id the API sent as 0 (or did not send) is no id: NULL, whichever way the export
	// wrote it.
	cols := `"recordId", NULLIF("subjectId", 0) AS "subjectId", NULLIF("siteId", 0) AS "siteId", NULLIF("intervalId", 0) AS "intervalId",
 NULLIF("visitId", 0) AS "visitId", "recordStatus", "deleted", "dateCreated", "dateModified"`
	if len(l.forms) == 0 {
		return `rec AS (SELECT CAST(NULL AS TEXT) AS "formKey", CAST(NULL AS BIGINT) AS "recordId", CAST(NULL AS BIGINT) AS "subjectId",
 CAST(NULL AS BIGINT) AS "siteId", CAST(NULL AS BIGINT) AS "intervalId", CAST(NULL AS BIGINT) AS "visitId", CAST(NULL AS TEXT) AS "recordStatus",
 CAST(NULL AS BOOLEAN) AS "deleted", CAST(NULL AS TIMESTAMP) AS "dateCreated", CAST(NULL AS TIMESTAMP) AS "dateModified" WHERE 1 = 0)`
	}
	var b strings.Builder
	b.WriteString("rec AS (")
	for i, f := range l.forms {
		if i > 0 {
			b.WriteString("\nUNION ALL ")
		}
		b.WriteString("SELECT CAST('" + strings.ReplaceAll(f.key, "'", "''") + `' AS TEXT) AS "formKey", ` + cols +
			` FROM "` + strings.ReplaceAll(f.table, `"`, `""`) + `"`)
	}
	b.WriteString(")")
	return b.String()
}

// queryRecCTE is the common table expression qrec: the form and site of each query's record,
// looked up by each wide table's key (a join with rec would copy every record first).
func (l *layout) queryRecCTE() string {
	if len(l.forms) == 0 {
		return `qrec AS (SELECT CAST(NULL AS BIGINT) AS "annotationId", CAST(NULL AS TEXT) AS "formKey", CAST(NULL AS BIGINT) AS "siteId" WHERE 1 = 0)`
	}
	var b strings.Builder
	b.WriteString("qrec AS (")
	for i, f := range l.forms {
		if i > 0 {
			b.WriteString("\nUNION ALL ")
		}
		b.WriteString(`SELECT q."annotationId", CAST('` + strings.ReplaceAll(f.key, "'", "''") + `' AS TEXT) AS "formKey", NULLIF(w."siteId", 0) AS "siteId" FROM queries q JOIN "` +
			strings.ReplaceAll(f.table, `"`, `""`) + `" w ON w."recordId" = q."recordId"`)
	}
	b.WriteString(")")
	return b.String()
}

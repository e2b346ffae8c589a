// Package postgres is the PostgreSQL sink of the export engine: it writes a study's tables
// into one schema of a PostgreSQL database through pgx.
//
// # Layout
//
// Each study gets its own schema, named after the study key: lower-cased, with every
// character other than a-z, 0-9 and _ replaced by _ (a key that needed such replacements
// also gets a short hash of the key appended, so that "A-B" and "A_B" do not share a
// schema). Names PostgreSQL reserves ("public", "information_schema", anything starting with
// "pg_") are prefixed with "study_". [WithSchema] chooses the schema instead. The schema
// remembers its study (table _imednet_meta), and opening it for another study is an error.
//
// Table and column names are used as given, always as quoted identifiers, so they keep their
// case and may hold any character but NUL ("records_VS" is queried as "records_VS"). A name
// longer than PostgreSQL's 63 bytes is cut at 54 bytes and given an underscore and 8
// hexadecimal digits of its hash, so that long names stay distinct. Names starting with
// "_imednet_" are reserved for the ledger.
//
// Column types: Text is text, Integer bigint, Real double precision, Boolean boolean, Date
// date, Timestamp timestamptz (microsecond precision; finer fractions are cut) and JSON
// json, which checks that a value is valid JSON and keeps its bytes as they were sent:
// spacing, the order of object keys, duplicate keys, escapes and the spelling of numbers
// (1e400, 0.10), so that records_raw.json::text is each record exactly as the API sent it.
// A table's key is its primary key; a JSON column cannot be part of it.
//
// A column whose type changed since an earlier run (a variable that became a number) is
// converted when no value is lost, and otherwise becomes text: see [Sink.Prepare]. A
// changed key is an error. A JSON column that an earlier version of this package created
// as jsonb is converted to json.
//
// # Text PostgreSQL cannot store
//
// PostgreSQL's text cannot hold the NUL character, and a UTF8 database holds no invalid
// UTF-8 in any value. The sink replaces each NUL of a text value, and each byte that is not
// valid UTF-8 in a text or a JSON value, by U+FFFD, the Unicode replacement character (in
// the ledger's strings too), instead of failing the export: a value so marked is visibly not
// the original, everything else in it is kept, and [Sink.Replaced] counts such values. A
// JSON value that is not valid JSON is an error. (Valid JSON has no NUL byte.)
//
// JSON escapes are kept as they are, \u0000 and \u escapes of unpaired UTF-16 surrogates
// included: json stores them, but PostgreSQL's JSON operators and functions (->, ->>,
// json_each, a cast to jsonb) refuse a value that holds one. Such a value still reads as
// text.
//
// # Writing
//
// Write upserts a batch in one transaction: a batch of at least [DefaultCopyThreshold] rows
// (see [WithCopyThreshold]) is copied with COPY into a temporary staging table and merged
// with INSERT ... SELECT ... ON CONFLICT (key) DO UPDATE; a smaller one is sent as
// multi-row INSERT ... ON CONFLICT statements. When a batch holds several rows with the same
// key, the last one wins. A batch that fails leaves the table as it was.
//
// Tables hold at most [MaxColumns] (300) columns, reported by [Sink.MaxColumns] so that the
// engine splits wider forms: PostgreSQL allows 1,600 columns, but a row must also fit in one
// 8 kB page, which fails for about 340 or more filled text columns.
//
// # Targets
//
// [OpenTarget] opens an export target written as a libpq connection URL, postgres://... or
// postgresql://..., as the command line's --to gives it, optionally with a schema query
// parameter that chooses the schema (postgres://user@host/db?schema=trial_a).
package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/imednet/imednet-go/export"
)

// DefaultCopyThreshold is the smallest batch, in rows after duplicate keys are merged, that
// Write sends through COPY and a staging table rather than as INSERT statements.
const DefaultCopyThreshold = 64

// DefaultMaxConns is the size of the sink's connection pool when the connection string does
// not set pool_max_conns.
const DefaultMaxConns = 8

// MaxColumns is the number of columns a table of this sink holds at most: the engine splits
// wider forms into parts. It is well below PostgreSQL's limit of 1,600 columns because a row
// must also fit in one 8 kB page (8,160 bytes): a number, date or timestamp takes up to 8
// bytes of it, and a text or JSON value up to 24 (values that short stay in the row; longer
// ones are compressed or moved out of it, leaving an 18-byte pointer). So about 337 filled
// columns fit in the worst case; 300 leaves room.
const MaxColumns = 300

// The ledger's tables, in the study's schema.
const (
	metaTable   = "_imednet_meta"
	formsTable  = "_imednet_forms"
	runsTable   = "_imednet_runs"
	tablesTable = "_imednet_tables"
	// dictionariesTable keeps the versions of the study's dictionary runs saw.
	dictionariesTable = "_imednet_dictionary_versions"
	// reservedPrefix starts the names of the sink's own tables; export tables may not use it.
	reservedPrefix = "_imednet_"
)

// Sink writes an export into a PostgreSQL schema. It implements [export.Sink] and
// [export.ColumnLimiter]. It is safe for concurrent use: Write may run for different tables
// at once, each on its own connection of the sink's pool.
type Sink struct {
	pool    *pgxpool.Pool
	study   string
	schema  string
	copyMin int

	lockConn           *pgx.Conn          // holds the schema's session advisory lock until Close
	lockPID            uint32             // the backend process of lockConn's session; 0 only in tests that share a schema between sinks
	lockClass, lockObj uint32             // the lock's key as pg_locks shows it
	target             string             // the schema and database, for messages
	holder             export.LockHolder  // this sink, as the lock records it
	tookOver           *export.LockHolder // the holder of a lock left behind, taken over by Open

	mu     sync.RWMutex
	tables map[string]*table // prepared tables by their export name

	replaced atomic.Int64 // values Write stored with U+FFFD in place of what PostgreSQL cannot hold

	closeOnce sync.Once
}

var (
	_ export.Sink          = (*Sink)(nil)
	_ export.ColumnLimiter = (*Sink)(nil)
)

// Option configures [Open].
type Option func(*config) error

type config struct {
	schema  string
	copyMin int
}

// WithSchema writes the study into the named schema instead of the one named after the study
// key. The name is used as a quoted identifier, as given.
func WithSchema(name string) Option {
	return func(c *config) error {
		if err := checkName("schema", name); err != nil {
			return err
		}
		if len(name) > maxIdent {
			return fmt.Errorf("postgres: schema name %q is longer than PostgreSQL's %d bytes", name, maxIdent)
		}
		if strings.HasPrefix(name, "pg_") {
			return fmt.Errorf("postgres: schema name %q: PostgreSQL reserves names starting with pg_", name)
		}
		c.schema = name
		return nil
	}
}

// WithCopyThreshold sets the smallest batch, in rows, that Write sends through COPY (default
// [DefaultCopyThreshold]). 1 sends every batch through COPY.
func WithCopyThreshold(rows int) Option {
	return func(c *config) error {
		if rows < 1 {
			return fmt.Errorf("postgres: copy threshold must be at least 1 row, got %d", rows)
		}
		c.copyMin = rows
		return nil
	}
}

// Open connects to the PostgreSQL database that connString names (a libpq URL or key=value
// string, as pgx accepts, including the pool settings such as pool_max_conns), creates the
// study's schema and the ledger's tables when they do not exist, and returns the sink. The
// pool holds at most [DefaultMaxConns] connections unless pool_max_conns says otherwise.
//
// The sink locks the schema until Close, so that two exports or syncs never write it at
// once: a session advisory lock (pg_try_advisory_lock on a hash of the schema's name) held
// on a connection of its own, beside the pool. Open fails at once with an
// *[export.LockedError] while another sink, of this process or any other, holds the schema;
// the error names that sink's process, host and start time, which the schema's
// _imednet_meta table records while it is held. PostgreSQL releases the lock of a session
// that ends, however it ends; a holder left recorded by a process that was killed is taken
// over ([Sink.TookOver]). Every write checks, in its own transaction, that the sink's session
// still holds the lock: if that session ended behind the sink's back (a server restart, a
// cut connection), writes fail with [ErrLockLost] rather than race a run that took the
// schema since. Readers do not take the lock. A pooler in transaction mode (such
// as PgBouncer's pool_mode=transaction) does not keep a session's advisory lock: connect
// such targets directly, or through session pooling.
func Open(ctx context.Context, connString, study string, opts ...Option) (*Sink, error) {
	if strings.TrimSpace(study) == "" {
		return nil, errors.New("postgres: the study key is empty")
	}
	cfg := config{copyMin: DefaultCopyThreshold}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.schema == "" {
		cfg.schema = SchemaName(study)
	}
	poolCfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		// pgx's message leaves the password out.
		return nil, fmt.Errorf("postgres: connection string: %w", err)
	}
	if !strings.Contains(connString, "pool_max_conns") {
		// The engine writes DefaultConcurrency forms at once and saves the ledger besides.
		poolCfg.MaxConns = DefaultMaxConns
	}
	s := &Sink{
		study:   study,
		schema:  cfg.schema,
		copyMin: cfg.copyMin,
		tables:  make(map[string]*table),
	}
	if err := s.lock(ctx, poolCfg.ConnConfig); err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, poolCfg)
	if err != nil {
		s.unlock()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s.pool = pool
	if err := s.setUp(ctx); err != nil {
		s.unlock()
		pool.Close()
		return nil, err
	}
	if err := s.recordHolder(ctx); err != nil {
		s.unlock()
		pool.Close()
		return nil, err
	}
	return s, nil
}

// OpenTarget opens the sink of an export target, a postgres:// or postgresql:// connection
// URL (t.Scheme:t.Location), for the study t.Study. A schema query parameter in the URL is
// taken out of it and names the schema (see [WithSchema]); the other parameters go to pgx.
// It has the shape every sink package's OpenTarget has (see [export.Target]).
func OpenTarget(ctx context.Context, t export.Target) (*Sink, error) {
	target := t.Scheme + ":" + t.Location
	if !IsTarget(target) {
		return nil, fmt.Errorf("postgres: target %q is not a postgres:// or postgresql:// URL", redact(target))
	}
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("postgres: target %q: not a valid URL", redact(target))
	}
	var opts []Option
	q := u.Query()
	if q.Has("schema") {
		opts = append(opts, WithSchema(q.Get("schema")))
		q.Del("schema")
		u.RawQuery = q.Encode()
	}
	return Open(ctx, u.String(), t.Study, opts...)
}

// IsTarget reports whether an export target names a PostgreSQL database: a URL with the
// scheme postgres or postgresql.
func IsTarget(target string) bool {
	scheme, _, ok := strings.Cut(target, "://")
	if !ok {
		return false
	}
	scheme = strings.ToLower(scheme)
	return scheme == "postgres" || scheme == "postgresql"
}

// redact hides the password of a connection URL for an error message.
func redact(target string) string {
	u, err := url.Parse(target)
	if err != nil || u.User == nil {
		if strings.Contains(target, "@") {
			return "postgres://..."
		}
		return target
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// Schema returns the name of the schema that holds the study's tables.
func (s *Sink) Schema() string { return s.schema }

// Study returns the study key the sink was opened for.
func (s *Sink) Study() string { return s.study }

// Pool returns the sink's connection pool, for reading back what was written. It is closed
// by [Sink.Close].
func (s *Sink) Pool() *pgxpool.Pool { return s.pool }

// Replaced returns how many values the sink's committed Write calls stored with U+FFFD in
// place of what PostgreSQL cannot hold: text values with a NUL character or invalid UTF-8,
// and JSON values with invalid UTF-8 (see the package documentation). Zero means that every
// value was stored exactly as given.
func (s *Sink) Replaced() int64 { return s.replaced.Load() }

var _ export.Replacer = (*Sink)(nil)
var _ export.TableLedger = (*Sink)(nil)

// MaxColumns returns [MaxColumns]: the engine splits forms with more columns into parts.
func (s *Sink) MaxColumns() int { return MaxColumns }

// Close releases the schema's lock and closes the connection pool. Everything Write and the
// ledger methods returned from is committed already.
func (s *Sink) Close() error {
	s.closeOnce.Do(func() {
		s.unlock()
		s.pool.Close()
	})
	return nil
}

// setUp creates the schema and the ledger's tables and checks that the schema belongs to the
// sink's study.
func (s *Sink) setUp(ctx context.Context) error {
	sch := quoteIdent(s.schema)
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := lockSchema(ctx, tx, s.schema); err != nil {
			return err
		}
		ddl := "CREATE SCHEMA IF NOT EXISTS " + sch + ";\n" +
			"CREATE TABLE IF NOT EXISTS " + sch + "." + quoteIdent(metaTable) +
			" (name text PRIMARY KEY, value text NOT NULL);\n" +
			"CREATE TABLE IF NOT EXISTS " + sch + "." + quoteIdent(formsTable) + " (" +
			"form_key text PRIMARY KEY, status text NOT NULL, records bigint NOT NULL, " +
			"error text NOT NULL, started timestamptz, finished timestamptz, " +
			"watermark timestamptz, run_id text NOT NULL);\n" +
			"CREATE TABLE IF NOT EXISTS " + sch + "." + quoteIdent(runsTable) + " (" +
			"id text PRIMARY KEY, study text NOT NULL, mode text NOT NULL, " +
			"started timestamptz, finished timestamptz, forms bigint NOT NULL, " +
			"failed_forms bigint NOT NULL, records bigint NOT NULL, error text NOT NULL);\n" +
			"CREATE TABLE IF NOT EXISTS " + sch + "." + quoteIdent(tablesTable) + " (" +
			"table_name text PRIMARY KEY, mark timestamptz, refused text NOT NULL, " +
			"run_id text NOT NULL, finished timestamptz);" +
			"CREATE TABLE IF NOT EXISTS " + sch + "." + quoteIdent(dictionariesTable) + " (" +
			"version integer PRIMARY KEY, first_seen timestamptz, run_id text NOT NULL, fingerprint text NOT NULL, dictionary jsonb NOT NULL)"
		if _, err := tx.Exec(ctx, ddl); err != nil {
			return err
		}
		meta := sch + "." + quoteIdent(metaTable)
		if _, err := tx.Exec(ctx, "INSERT INTO "+meta+" (name, value) VALUES ('study', $1) ON CONFLICT (name) DO NOTHING", cleanText(s.study)); err != nil {
			return err
		}
		var owner string
		if err := tx.QueryRow(ctx, "SELECT value FROM "+meta+" WHERE name = 'study'").Scan(&owner); err != nil {
			return err
		}
		if owner != cleanText(s.study) {
			return fmt.Errorf("schema %q holds the export of study %q, not of %q; choose another schema", s.schema, owner, s.study)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgres: setting up schema %q: %w", s.schema, err)
	}
	return nil
}

// lockSchema takes a transaction-scoped advisory lock on the schema, so that two processes
// preparing the same schema at once do not trip over each other's DDL.
func lockSchema(ctx context.Context, tx pgx.Tx, schema string) error {
	_, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", "imednet-go schema "+schema)
	return err
}

package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/imednet/imednet-go/export"
)

// maxTableColumns is PostgreSQL's limit of columns per table.
const maxTableColumns = 1600

// pgType returns the PostgreSQL type of a column type, as format_type prints it.
func pgType(t export.ColumnType) (string, bool) {
	switch t {
	case export.ColumnText:
		return "text", true
	case export.ColumnInteger:
		return "bigint", true
	case export.ColumnReal:
		return "double precision", true
	case export.ColumnBoolean:
		return "boolean", true
	case export.ColumnDate:
		return "date", true
	case export.ColumnTimestamp:
		return "timestamp with time zone", true
	case export.ColumnJSON:
		return "json", true
	}
	return "", false
}

// table is a prepared table: its columns' identifiers and the SQL that writes it.
type table struct {
	name   string // the export's name
	ident  string // schema-qualified, quoted
	cols   []export.Column
	pgCols []string // the columns' identifiers, unquoted
	types  []string // the columns' PostgreSQL types
	keyIdx []int    // the key's columns, as indexes into cols
	asText []bool   // the columns kept as text after their type changed (see Prepare)

	colList    string // the quoted column identifiers, comma-separated
	onConflict string // " ON CONFLICT (...) DO UPDATE SET ..." or "... DO NOTHING"
	stage      string // the staging table's name (in pg_temp), unique per table and layout
	stageDDL   string // creates the staging table for this transaction
	merge      string // moves the staging table's rows into the table
}

// newTable checks an export table and works out its identifiers and SQL.
func (s *Sink) newTable(t export.Table) (*table, error) {
	if err := checkName("table", t.Name); err != nil {
		return nil, err
	}
	if strings.HasPrefix(t.Name, reservedPrefix) {
		return nil, fmt.Errorf("postgres: table %q: names starting with %q are reserved for the ledger", t.Name, reservedPrefix)
	}
	if len(t.Columns) == 0 {
		return nil, fmt.Errorf("postgres: table %q has no columns", t.Name)
	}
	if len(t.Columns) > maxTableColumns {
		return nil, fmt.Errorf("postgres: table %q has %d columns; PostgreSQL allows %d (and this sink %d)", t.Name, len(t.Columns), maxTableColumns, MaxColumns)
	}
	if len(t.Key) == 0 {
		return nil, fmt.Errorf("postgres: table %q has no key", t.Name)
	}
	tb := &table{
		name:   t.Name,
		ident:  quoteIdent(s.schema) + "." + quoteIdent(identName(t.Name)),
		cols:   slices.Clone(t.Columns),
		pgCols: make([]string, len(t.Columns)),
		types:  make([]string, len(t.Columns)),
	}
	byName := make(map[string]int, len(t.Columns))
	byIdent := make(map[string]string, len(t.Columns))
	for i, c := range t.Columns {
		if err := checkName(fmt.Sprintf("table %q: column", t.Name), c.Name); err != nil {
			return nil, err
		}
		typ, ok := pgType(c.Type)
		if !ok {
			return nil, fmt.Errorf("postgres: table %q: column %q has unknown type %v", t.Name, c.Name, c.Type)
		}
		if _, dup := byName[c.Name]; dup {
			return nil, fmt.Errorf("postgres: table %q: column %q appears twice", t.Name, c.Name)
		}
		id := identName(c.Name)
		if other, dup := byIdent[id]; dup {
			return nil, fmt.Errorf("postgres: table %q: columns %q and %q have the same PostgreSQL name %q", t.Name, other, c.Name, id)
		}
		byName[c.Name], byIdent[id] = i, c.Name
		tb.pgCols[i], tb.types[i] = id, typ
	}
	isKey := make([]bool, len(t.Columns))
	for _, k := range t.Key {
		i, ok := byName[k]
		if !ok {
			return nil, fmt.Errorf("postgres: table %q: key column %q is not one of its columns", t.Name, k)
		}
		if isKey[i] {
			return nil, fmt.Errorf("postgres: table %q: key column %q appears twice", t.Name, k)
		}
		if t.Columns[i].Type == export.ColumnJSON {
			return nil, fmt.Errorf("postgres: table %q: key column %q is JSON, which PostgreSQL's json cannot compare", t.Name, k)
		}
		isKey[i] = true
		tb.keyIdx = append(tb.keyIdx, i)
	}

	tb.asText = make([]bool, len(t.Columns))
	tb.build()
	return tb, nil
}

// build works out the SQL that writes the table, from its columns and their types.
func (tb *table) build() {
	isKey := make([]bool, len(tb.cols))
	for _, i := range tb.keyIdx {
		isKey[i] = true
	}
	quoted := make([]string, len(tb.pgCols))
	for i, c := range tb.pgCols {
		quoted[i] = quoteIdent(c)
	}
	tb.colList = strings.Join(quoted, ", ")
	var keys, sets []string
	for _, i := range tb.keyIdx {
		keys = append(keys, quoted[i])
	}
	for i, q := range quoted {
		if !isKey[i] {
			sets = append(sets, q+" = EXCLUDED."+q)
		}
	}
	tb.onConflict = " ON CONFLICT (" + strings.Join(keys, ", ") + ")"
	if len(sets) == 0 {
		tb.onConflict += " DO NOTHING"
	} else {
		tb.onConflict += " DO UPDATE SET " + strings.Join(sets, ", ")
	}

	// The staging table's name depends on the table and its exact columns and types: pgx
	// caches the column types of a COPY by the text of its statement, so one name must never
	// stand for two layouts.
	var layout strings.Builder
	layout.WriteString(tb.ident)
	var defs []string
	for i, q := range quoted {
		layout.WriteString("\x00" + tb.pgCols[i] + "\x00" + tb.types[i])
		defs = append(defs, q+" "+tb.types[i])
	}
	tb.stage = "_imednet_stage_" + shortHash(layout.String())
	stage := "pg_temp." + quoteIdent(tb.stage)
	tb.stageDDL = "CREATE TEMPORARY TABLE " + quoteIdent(tb.stage) + " (" + strings.Join(defs, ", ") + ") ON COMMIT DROP"
	tb.merge = "INSERT INTO " + tb.ident + " (" + tb.colList + ") SELECT " + tb.colList + " FROM " + stage + tb.onConflict
}

// createSQL returns the statement that creates the table.
func (tb *table) createSQL() string {
	var b strings.Builder
	b.WriteString("CREATE TABLE " + tb.ident + " (")
	for i, c := range tb.pgCols {
		b.WriteString(quoteIdent(c) + " " + tb.types[i])
		if slices.Contains(tb.keyIdx, i) {
			b.WriteString(" NOT NULL")
		}
		b.WriteString(", ")
	}
	b.WriteString("PRIMARY KEY (")
	for n, i := range tb.keyIdx {
		if n > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteIdent(tb.pgCols[i]))
	}
	b.WriteString("))")
	return b.String()
}

// existing is what the database holds of a table of the schema.
type existing struct {
	types map[string]string // column identifier -> type, as format_type prints it
	key   []string          // the primary key's column identifiers
}

// Prepare creates the tables that do not exist and adds the columns that existing tables
// lack, in one transaction.
//
// When a column exists with another type than the export's (a variable whose type
// changed), the column is converted when that loses nothing: to text always; from text when
// every value it holds reads as the new type and prints back the same; from bigint to double
// precision; from date to timestamptz; from jsonb to json. Otherwise it becomes (or stays)
// text, and Write writes the column's values as text from then on, as PostgreSQL prints them
// (timestamps in UTC). A changed key is an error that changes nothing.
//
// A JSON column of a schema written by an earlier version of this package is jsonb; it is
// converted to json, each value as jsonb prints it (jsonb kept no more of it). Rows written
// from then on keep the bytes they were given; an export (not a sync) writes every record
// again.
func (s *Sink) Prepare(ctx context.Context, tables []export.Table) error {
	prepared := make([]*table, 0, len(tables))
	seen := make(map[string]string, len(tables)) // identifier -> export name
	for _, t := range tables {
		tb, err := s.newTable(t)
		if err != nil {
			return err
		}
		if other, dup := seen[tb.ident]; dup {
			if other == t.Name {
				return fmt.Errorf("postgres: table %q appears twice", t.Name)
			}
			return fmt.Errorf("postgres: tables %q and %q have the same PostgreSQL name", other, t.Name)
		}
		seen[tb.ident] = t.Name
		prepared = append(prepared, tb)
	}

	retyped := false
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := lockSchema(ctx, tx, s.schema); err != nil {
			return err
		}
		// Casts between times and text read and write UTC.
		if _, err := tx.Exec(ctx, "SET LOCAL TimeZone = 'UTC'"); err != nil {
			return err
		}
		have, err := s.readCatalog(ctx, tx)
		if err != nil {
			return err
		}
		type change struct {
			tb       *table
			i        int
			from, to string
		}
		var ddl []string
		var changes []change
		for _, tb := range prepared {
			ex, ok := have[identName(tb.name)]
			if !ok {
				ddl = append(ddl, tb.createSQL())
				continue
			}
			want := make([]string, len(tb.keyIdx))
			for n, i := range tb.keyIdx {
				want[n] = tb.pgCols[i]
			}
			if !sameSet(want, ex.key) {
				return fmt.Errorf("table %q exists with the key (%s), the export's key is (%s); export into another schema, or drop the table",
					tb.name, strings.Join(ex.key, ", "), strings.Join(want, ", "))
			}
			for i, c := range tb.pgCols {
				got, ok := ex.types[c]
				switch {
				case !ok:
					ddl = append(ddl, "ALTER TABLE "+tb.ident+" ADD COLUMN "+quoteIdent(c)+" "+tb.types[i])
				case got != tb.types[i]:
					changes = append(changes, change{tb, i, got, tb.types[i]})
				}
			}
			if n := len(ex.types) + countNew(tb, ex); n > maxTableColumns {
				return fmt.Errorf("table %q would have %d columns; PostgreSQL allows %d", tb.name, n, maxTableColumns)
			}
		}
		if len(ddl) > 0 {
			if _, err := tx.Exec(ctx, strings.Join(ddl, ";\n")); err != nil {
				return err
			}
		}
		for _, c := range changes {
			retyped = true
			col := quoteIdent(c.tb.pgCols[c.i])
			alter := "ALTER TABLE " + c.tb.ident + " ALTER COLUMN " + col + " TYPE "
			if c.to == "text" || c.from != "text" && !lossless(c.from, c.to) {
				if c.from != "text" {
					if _, err := tx.Exec(ctx, alter+"text USING "+col+"::text"); err != nil {
						return err
					}
				}
				if c.to != "text" {
					c.tb.types[c.i], c.tb.asText[c.i] = "text", true
				}
				continue
			}
			// From text only when every value reads as the new type and prints back the
			// same (so "1.50" stays text, and so does a timestamp that would read as a date).
			if c.from == "text" {
				ok, err := castsBack(ctx, tx, c.tb.ident, col, c.to)
				if err != nil {
					return err
				}
				if !ok {
					c.tb.types[c.i], c.tb.asText[c.i] = "text", true
					continue
				}
			}
			if _, err := tx.Exec(ctx, alter+c.to+" USING "+col+"::"+c.to); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgres: preparing schema %q: %w", s.schema, err)
	}
	if retyped {
		// The connections' caches of prepared statements know the columns' old types.
		s.pool.Reset()
	}

	s.mu.Lock()
	for _, tb := range prepared {
		tb.build()
		s.tables[tb.name] = tb
	}
	s.mu.Unlock()
	return nil
}

// castsBack reports whether every value of a text column reads as the type to and prints
// back as the same text.
func castsBack(ctx context.Context, tx pgx.Tx, table, col, to string) (bool, error) {
	if _, err := tx.Exec(ctx, "SAVEPOINT imednet_cast"); err != nil {
		return false, err
	}
	var differ bool
	err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM "+table+" WHERE "+col+" IS NOT NULL AND "+
		col+"::"+to+"::text IS DISTINCT FROM "+col+")").Scan(&differ)
	if err != nil {
		// A value that does not read as the type.
		if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT imednet_cast"); err != nil {
			return false, err
		}
		return false, nil
	}
	if _, err := tx.Exec(ctx, "RELEASE SAVEPOINT imednet_cast"); err != nil {
		return false, err
	}
	return !differ, nil
}

// lossless reports whether PostgreSQL's cast between two of the sink's types keeps every
// value (text aside).
func lossless(from, to string) bool {
	return from == "bigint" && to == "double precision" ||
		from == "date" && to == "timestamp with time zone" ||
		from == "jsonb" && to == "json"
}

// countNew counts the columns of tb that the existing table lacks.
func countNew(tb *table, ex *existing) int {
	n := 0
	for _, c := range tb.pgCols {
		if _, ok := ex.types[c]; !ok {
			n++
		}
	}
	return n
}

// sameSet reports whether a and b hold the same strings, in any order.
func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// readCatalog returns the tables of the sink's schema with their columns and primary keys.
func (s *Sink) readCatalog(ctx context.Context, tx pgx.Tx) (map[string]*existing, error) {
	have := make(map[string]*existing)
	rows, err := tx.Query(ctx, `
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped`, s.schema)
	if err != nil {
		return nil, err
	}
	var rel, col, typ string
	_, err = pgx.ForEachRow(rows, []any{&rel, &col, &typ}, func() error {
		ex := have[rel]
		if ex == nil {
			ex = &existing{types: make(map[string]string)}
			have[rel] = ex
		}
		ex.types[col] = typ
		return nil
	})
	if err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `
SELECT c.relname, a.attname
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY (i.indkey)
WHERE n.nspname = $1 AND i.indisprimary`, s.schema)
	if err != nil {
		return nil, err
	}
	_, err = pgx.ForEachRow(rows, []any{&rel, &col}, func() error {
		if ex := have[rel]; ex != nil {
			ex.key = append(ex.key, col)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return have, nil
}

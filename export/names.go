package export

import (
	"fmt"
	"strings"
	"unicode"
)

// Names chooses how the tables and columns of a target are named. It is part of the
// target's [Shape].
type Names string

// The naming styles.
const (
	// NamesAPI (the default when empty) names tables and columns as the API spells its
	// fields and keys: form_AE, recordId, dateModified. In PostgreSQL they are quoted
	// identifiers: demo."form_AE"."recordId".
	NamesAPI Names = "api"
	// NamesSnake names them in lower-case snake_case (see [SnakeName]): form_ae, record_id,
	// date_modified, which PostgreSQL reads without quotes (select record_id from
	// demo.form_ae). The table name_map gives each table's and column's API name.
	NamesSnake Names = "snake"
)

// ParseNames reads a naming style ("api" or "snake", any case).
func ParseNames(s string) (Names, error) {
	switch n := Names(strings.ToLower(strings.TrimSpace(s))); n {
	case NamesAPI, NamesSnake:
		return n, nil
	}
	return "", fmt.Errorf("export: names %q: want api or snake", s)
}

// NameMapTable is the table that, in a target with [NamesSnake], maps each table's and
// column's API name to its name in the target (tableName, columnName, targetTable,
// targetColumn; columnName "" for the table itself).
const NameMapTable = "name_map"

var nameMapTable = Table{
	Name: NameMapTable,
	Columns: []Column{
		{Name: "tableName", Type: ColumnText},
		{Name: "columnName", Type: ColumnText},
		{Name: "targetTable", Type: ColumnText},
		{Name: "targetColumn", Type: ColumnText},
	},
	Key: []string{"tableName", "columnName"},
}

// SnakeName returns a name in lower-case snake_case: an underscore goes between a lower-case
// letter or digit and an upper-case one (recordId: record_id), and before the last capital
// of a run followed by a lower-case letter (HTTPServer: http_server); letters are lowered,
// and characters other than letters, digits and underscores become underscores. Names
// already in that form are unchanged (form_ae, aeterm).
func SnakeName(s string) string {
	rs := []rune(s)
	var b strings.Builder
	b.Grow(len(s) + 4)
	last := rune(0) // the last rune written
	for i, r := range rs {
		switch {
		case unicode.IsUpper(r):
			if i > 0 && last != '_' {
				prev := rs[i-1]
				nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
				if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
					b.WriteByte('_')
				}
			}
			r = unicode.ToLower(r)
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_':
		default:
			r = '_'
		}
		b.WriteRune(r)
		last = r
	}
	return b.String()
}

// namer gives the run's tables and columns their names in the target.
type namer struct {
	tables  map[string]string            // API name -> target name
	columns map[string]map[string]string // per API table name: API column -> target column
}

// newNamer names the tables of a run in style, failing when two tables, or two columns of a
// table, would take one name (names that differ only in case or in underscores: the target
// would mix them).
func newNamer(style Names, tables []Table) (*namer, error) {
	if style != NamesSnake {
		return nil, nil
	}
	n := &namer{tables: map[string]string{}, columns: map[string]map[string]string{}}
	byTarget := map[string]string{}
	for _, t := range tables {
		tn := SnakeName(t.Name)
		if other, dup := byTarget[tn]; dup {
			return nil, fmt.Errorf("export: names snake: tables %s and %s would both be named %s; export with the API's names", other, t.Name, tn)
		}
		byTarget[tn] = t.Name
		n.tables[t.Name] = tn
		cols := map[string]string{}
		colTargets := map[string]string{}
		for _, c := range t.Columns {
			cn := SnakeName(c.Name)
			if other, dup := colTargets[cn]; dup {
				return nil, fmt.Errorf("export: names snake: table %s: columns %s and %s would both be named %s; export with the API's names", t.Name, other, c.Name, cn)
			}
			colTargets[cn] = c.Name
			cols[c.Name] = cn
		}
		n.columns[t.Name] = cols
	}
	return n, nil
}

// table returns the target name of a table (itself without a namer).
func (n *namer) table(name string) string {
	if n == nil {
		return name
	}
	if t, ok := n.tables[name]; ok {
		return t
	}
	return name
}

// column returns the target name of a table's column (itself without a namer).
func (n *namer) column(table, name string) string {
	if n == nil {
		return name
	}
	if c, ok := n.columns[table][name]; ok {
		return c
	}
	return name
}

// rename returns the tables with their target names.
func (n *namer) rename(tables []Table) []Table {
	if n == nil {
		return tables
	}
	out := make([]Table, len(tables))
	for i, t := range tables {
		r := Table{Name: n.table(t.Name), Form: t.Form, Columns: make([]Column, len(t.Columns)), Key: make([]string, len(t.Key))}
		for j, c := range t.Columns {
			r.Columns[j] = Column{Name: n.column(t.Name, c.Name), Type: c.Type}
		}
		for j, k := range t.Key {
			r.Key[j] = n.column(t.Name, k)
		}
		out[i] = r
	}
	return out
}

// mapRows returns the rows of the name_map table: a row per table and per column.
func (n *namer) mapRows(tables []Table) []Row {
	var rows []Row
	for _, t := range tables {
		if t.Name == NameMapTable {
			continue
		}
		rows = append(rows, Row{t.Name, "", n.table(t.Name), ""})
		for _, c := range t.Columns {
			rows = append(rows, Row{t.Name, c.Name, n.table(t.Name), n.column(t.Name, c.Name)})
		}
	}
	return rows
}

// columnRow returns a row of the columns table with its table and column named as in the
// target.
func (n *namer) columnRow(r Row) Row {
	if n == nil {
		return r
	}
	table, _ := r[0].(string)
	column, _ := r[1].(string)
	out := append(Row(nil), r...)
	out[0], out[1] = n.table(table), n.column(table, column)
	return out
}

package postgres

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/imednet/imednet-go/export"
)

// maxParams is the most parameters one PostgreSQL statement takes.
const maxParams = 65535

// maxInsertRows is the most rows one INSERT statement of the small-batch path carries.
const maxInsertRows = 1000

// Write upserts rows into a prepared table in one transaction: each row replaces the row with
// the same key, and of several rows with the same key in the batch the last one wins. Every
// value is checked against its column's type before anything is sent; a batch that fails
// leaves the table as it was.
func (s *Sink) Write(ctx context.Context, name string, rows []export.Row) error {
	s.mu.RLock()
	tb := s.tables[name]
	s.mu.RUnlock()
	if tb == nil {
		return fmt.Errorf("postgres: table %q was not prepared", name)
	}
	if len(rows) == 0 {
		return nil
	}
	vals, replaced, err := tb.convert(rows)
	if err != nil {
		return fmt.Errorf("postgres: table %q: %w", name, err)
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if len(vals) >= s.copyMin {
			return tb.copyIn(ctx, tx, vals)
		}
		return tb.insert(ctx, tx, vals)
	})
	if err != nil {
		return fmt.Errorf("postgres: writing %d rows to table %q: %w", len(rows), name, err)
	}
	s.replaced.Add(int64(replaced))
	return nil
}

// copyIn writes rows through COPY into a staging table that the transaction's commit drops,
// then merges the staging table into the table.
func (tb *table) copyIn(ctx context.Context, tx pgx.Tx, vals [][]any) error {
	if _, err := tx.Exec(ctx, tb.stageDDL); err != nil {
		return err
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"pg_temp", tb.stage}, tb.pgCols, pgx.CopyFromRows(vals)); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, tb.merge)
	return err
}

// insert writes rows with multi-row INSERT ... ON CONFLICT statements.
func (tb *table) insert(ctx context.Context, tx pgx.Tx, vals [][]any) error {
	per := min(maxParams/len(tb.cols), maxInsertRows)
	args := make([]any, 0, min(len(vals), per)*len(tb.cols))
	for start := 0; start < len(vals); start += per {
		chunk := vals[start:min(start+per, len(vals))]
		args = args[:0]
		for _, row := range chunk {
			args = append(args, row...)
		}
		if _, err := tx.Exec(ctx, tb.insertSQL(len(chunk)), args...); err != nil {
			return err
		}
	}
	return nil
}

// insertSQL returns the statement that upserts n rows.
func (tb *table) insertSQL(n int) string {
	var b strings.Builder
	b.Grow(len(tb.ident) + len(tb.colList) + len(tb.onConflict) + n*len(tb.cols)*7 + 32)
	b.WriteString("INSERT INTO ")
	b.WriteString(tb.ident)
	b.WriteString(" (")
	b.WriteString(tb.colList)
	b.WriteString(") VALUES ")
	p := 1
	for r := range n {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for c := range tb.cols {
			if c > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(p))
			p++
		}
		b.WriteByte(')')
	}
	b.WriteString(tb.onConflict)
	return b.String()
}

// convert checks the rows' values against the columns' types and returns them as pgx takes
// them, with what PostgreSQL cannot store replaced (see the package documentation) and rows
// with the same key merged, the last one winning. It also returns how many of the values
// returned had something replaced.
func (tb *table) convert(rows []export.Row) ([][]any, int, error) {
	out := make([][]any, 0, len(rows))
	var seen map[string]int // key -> index in out
	if len(rows) > 1 {
		seen = make(map[string]int, len(rows))
	}
	var replaced []int // per row of out, made at the first replacement
	var key []byte
	for r, row := range rows {
		if len(row) != len(tb.cols) {
			return nil, 0, fmt.Errorf("row %d of the batch has %d values for %d columns", r+1, len(row), len(tb.cols))
		}
		vals := make([]any, len(row))
		nrep := 0
		for i, v := range row {
			cv, rep, err := convertValue(tb.cols[i].Type, v)
			if err != nil {
				return nil, 0, fmt.Errorf("row %d of the batch, column %q (%v): %w", r+1, tb.cols[i].Name, tb.cols[i].Type, err)
			}
			if rep {
				nrep++
			}
			if tb.asText[i] && cv != nil {
				cv = textOf(tb.cols[i].Type, cv)
			}
			vals[i] = cv
		}
		key = key[:0]
		for _, i := range tb.keyIdx {
			if vals[i] == nil {
				return nil, 0, fmt.Errorf("row %d of the batch: key column %q is null", r+1, tb.cols[i].Name)
			}
			key = appendKey(key, vals[i])
		}
		at := len(out)
		if seen != nil {
			if prev, dup := seen[string(key)]; dup {
				at = prev
			} else {
				seen[string(key)] = at
			}
		}
		if at == len(out) {
			out = append(out, vals)
		} else {
			out[at] = vals
		}
		if nrep > 0 && replaced == nil {
			replaced = make([]int, len(rows))
		}
		if replaced != nil {
			replaced[at] = nrep
		}
	}
	n := 0
	for _, c := range replaced {
		n += c
	}
	return out, n, nil
}

// convertValue checks that v has the Go type of its column type and returns it as pgx takes
// it: v itself when it needs no change (which spares an allocation). A nil v is NULL. The
// second result reports that something PostgreSQL cannot store was replaced (see
// cleanText and cleanJSON).
func convertValue(t export.ColumnType, v any) (any, bool, error) {
	if v == nil {
		return nil, false, nil
	}
	switch t {
	case export.ColumnText:
		s, ok := v.(string)
		if !ok {
			return nil, false, wrongType(v, "string")
		}
		if textIsClean(s) {
			return v, false, nil
		}
		return cleanText(s), true, nil
	case export.ColumnInteger:
		if _, ok := v.(int64); ok {
			return v, false, nil
		}
		return nil, false, wrongType(v, "int64")
	case export.ColumnReal:
		if _, ok := v.(float64); ok {
			return v, false, nil
		}
		return nil, false, wrongType(v, "float64")
	case export.ColumnBoolean:
		if _, ok := v.(bool); ok {
			return v, false, nil
		}
		return nil, false, wrongType(v, "bool")
	case export.ColumnDate:
		d, ok := v.(time.Time)
		if !ok {
			return nil, false, wrongType(v, "time.Time")
		}
		// pgx takes a date's day in the time's own location: the day in UTC is meant.
		if d.Location() == time.UTC && d.Hour() == 0 && d.Minute() == 0 && d.Second() == 0 && d.Nanosecond() == 0 {
			return v, false, nil
		}
		d = d.UTC()
		return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC), false, nil
	case export.ColumnTimestamp:
		if _, ok := v.(time.Time); ok {
			return v, false, nil // pgx sends the instant, whatever the location
		}
		return nil, false, wrongType(v, "time.Time")
	case export.ColumnJSON:
		var b []byte
		switch j := v.(type) {
		case json.RawMessage:
			b = j
		case []byte:
			b = j
		default:
			return nil, false, wrongType(v, "json.RawMessage")
		}
		if len(b) == 0 {
			return nil, false, nil
		}
		c, replaced, err := cleanJSON(b)
		if err != nil {
			return nil, false, err
		}
		if _, raw := v.(json.RawMessage); raw && !replaced {
			return v, false, nil
		}
		return json.RawMessage(c), replaced, nil
	}
	return nil, false, fmt.Errorf("unknown column type %v", t)
}

// textOf returns a converted value of a column type as text, as PostgreSQL prints it
// (timestamps in UTC), for a column kept as text after its type changed.
func textOf(t export.ColumnType, v any) string {
	switch v := v.(type) {
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		switch {
		case math.IsInf(v, 1):
			return "Infinity"
		case math.IsInf(v, -1):
			return "-Infinity"
		case math.IsNaN(v):
			return "NaN"
		}
		// The shortest digits that read back as v, in fixed notation for exponents from -4
		// to 14 and in scientific notation otherwise, as PostgreSQL prints a float8.
		e := strconv.FormatFloat(v, 'e', -1, 64)
		if exp, err := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:]); err == nil && exp >= -4 && exp < 15 {
			return strconv.FormatFloat(v, 'f', -1, 64)
		}
		return e
	case bool:
		return strconv.FormatBool(v)
	case time.Time:
		if t == export.ColumnDate {
			return v.Format(time.DateOnly)
		}
		return v.UTC().Format("2006-01-02 15:04:05.999999") + "+00"
	case json.RawMessage:
		return string(v)
	}
	panic(fmt.Sprintf("postgres: textOf(%T)", v))
}

func wrongType(v any, want string) error {
	return fmt.Errorf("got a value of type %T, want %s", v, want)
}

// appendKey appends an encoding of a converted key value to b, equal for two values exactly
// when PostgreSQL sees them as equal keys.
func appendKey(b []byte, v any) []byte {
	switch v := v.(type) {
	case string:
		b = append(b, 's')
		b = binary.AppendUvarint(b, uint64(len(v)))
		return append(b, v...)
	case int64:
		return binary.AppendVarint(append(b, 'i'), v)
	case float64:
		if v == 0 {
			v = 0 // -0 and 0 are one key
		}
		bits := math.Float64bits(v)
		if math.IsNaN(v) {
			bits = math.Float64bits(math.NaN()) // PostgreSQL has a single NaN
		}
		return binary.AppendUvarint(append(b, 'f'), bits)
	case bool:
		if v {
			return append(b, 't')
		}
		return append(b, 'F')
	case time.Time:
		// Dates are at midnight UTC already; timestamps keep microseconds, as PostgreSQL.
		return binary.AppendVarint(append(b, 'T'), v.Unix()*1_000_000+int64(v.Nanosecond())/1000)
	}
	panic(fmt.Sprintf("postgres: key value of type %T", v))
}

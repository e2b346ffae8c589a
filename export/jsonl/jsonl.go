// Package jsonl is the export sink that writes each table to a JSON Lines file: jsonl:DIR as an
// export target.
//
// # Files
//
// A table named T is the file DIR/T.jsonl (whatever its Form), and the ledger is
// DIR/_imednet_ledger.json. Each line is one row: a JSON object with the column names as keys,
// in the table's column order, every column present, ended by a line feed.
//
// # Values
//
// NULL is null. Text is a JSON string (invalid UTF-8 replaced by U+FFFD), integers and reals
// are JSON numbers (a real in Go's shortest form that reads back exactly; NaN and infinities,
// which JSON lacks, as the strings "NaN", "+Inf" and "-Inf"), booleans true and false, dates
// strings "YYYY-MM-DD", timestamps strings in RFC 3339 in UTC ("2024-03-01T12:30:00Z", with a
// fraction of a second when there is one), and JSON columns the JSON value itself, compacted
// onto the line.
//
// # Updates
//
// Rows are upserted by the table's key: see package [filesink] for how files are merged,
// replaced atomically and kept consistent with the ledger, and for the directory's lock. When
// an existing file is merged, its columns are the keys of its first line.
package jsonl

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"

	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/export/filesink"
	"github.com/imednet/imednet-go/internal/wire"
)

// Open opens (creating it if needed) the directory dir as a JSON Lines sink.
func Open(dir string) (*filesink.Sink, error) {
	return filesink.Open(dir, Format{}, "jsonl")
}

// OpenTarget opens the sink of an export target jsonl:DIR: Open(t.Location). It has the
// shape every sink package's OpenTarget has (see [export.Target]).
func OpenTarget(ctx context.Context, t export.Target) (*filesink.Sink, error) {
	return Open(t.Location)
}

// Format is the JSON Lines [filesink.Format].
type Format struct{}

// File returns the table's file: NAME.jsonl.
func (Format) File(t export.Table) string { return t.Name + ".jsonl" }

// NewWriter starts a JSON Lines file.
func (Format) NewWriter(w io.Writer, cols []export.Column) (filesink.Writer, error) {
	jw := &writer{w: bufio.NewWriterSize(w, 64<<10), cols: cols, names: make([][]byte, len(cols))}
	for i, c := range cols {
		sep := byte(',')
		if i == 0 {
			sep = '{'
		}
		name := wire.AppendString([]byte{sep}, c.Name)
		jw.names[i] = append(name, ':')
	}
	return jw, nil
}

type writer struct {
	w     *bufio.Writer
	cols  []export.Column
	names [][]byte // per column: the separator, the quoted name and a colon
	buf   []byte
	cbuf  bytes.Buffer
}

// Write writes a row as one line.
func (w *writer) Write(row export.Row) error {
	b := w.buf[:0]
	for i, v := range row {
		b = append(b, w.names[i]...)
		if v == nil {
			b = append(b, "null"...)
			continue
		}
		switch w.cols[i].Type {
		case export.ColumnText:
			b = wire.AppendString(b, v.(string))
		case export.ColumnInteger:
			b = strconv.AppendInt(b, v.(int64), 10)
		case export.ColumnReal:
			f := v.(float64)
			if math.IsNaN(f) || math.IsInf(f, 0) {
				b = append(b, '"')
				b = filesink.AppendFloat(b, f)
				b = append(b, '"')
			} else {
				b = strconv.AppendFloat(b, f, 'g', -1, 64)
			}
		case export.ColumnBoolean:
			b = strconv.AppendBool(b, v.(bool))
		case export.ColumnDate, export.ColumnTimestamp:
			b = append(b, '"')
			b = filesink.AppendText(b, v, w.cols[i].Type)
			b = append(b, '"')
		case export.ColumnJSON:
			w.cbuf.Reset()
			if err := json.Compact(&w.cbuf, v.(json.RawMessage)); err != nil {
				return fmt.Errorf("column %q: invalid JSON: %w", w.cols[i].Name, err)
			}
			b = append(b, w.cbuf.Bytes()...)
		}
	}
	if len(row) == 0 {
		b = append(b, '{')
	}
	b = append(b, '}', '\n')
	w.buf = b
	_, err := w.w.Write(b)
	return err
}

// Close flushes the file.
func (w *writer) Close() error { return w.w.Flush() }

// NewReader reads a JSON Lines file written by the sink. The keys of its first line are its
// columns; a column that prepared names has that type, the others are kept as JSON. A value
// that is not of its column's type is read as text (a JSON string's content, or the JSON).
func (Format) NewReader(f *os.File, prepared []export.Column) (filesink.Reader, error) {
	r := &reader{br: bufio.NewReaderSize(f, 256<<10)}
	line, err := r.next()
	if err == io.EOF {
		return r, nil // an empty table
	}
	if err != nil {
		return nil, err
	}
	types := make(map[string]export.ColumnType, len(prepared))
	for _, c := range prepared {
		types[c.Name] = c.Type
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("line 1: not a JSON object")
	}
	r.index = map[string]int{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("line 1: %w", err)
		}
		name := tok.(string)
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, fmt.Errorf("line 1, key %q: %w", name, err)
		}
		if _, dup := r.index[name]; dup {
			return nil, fmt.Errorf("line 1: key %q appears twice", name)
		}
		typ, ok := types[name]
		if !ok {
			typ = export.ColumnJSON
		}
		r.index[name] = len(r.cols)
		r.cols = append(r.cols, export.Column{Name: name, Type: typ})
	}
	r.pending = line
	return r, nil
}

type reader struct {
	br      *bufio.Reader
	cols    []export.Column
	index   map[string]int
	line    int
	pending []byte // the first line, read by NewReader
	long    []byte
}

// next returns the next non-empty line, valid until the next call.
func (r *reader) next() ([]byte, error) {
	for {
		line, err := r.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			r.long = append(r.long[:0], line...)
			for err == bufio.ErrBufferFull {
				line, err = r.br.ReadSlice('\n')
				r.long = append(r.long, line...)
			}
			line = r.long
		}
		if err != nil && (err != io.EOF || len(line) == 0) {
			return nil, err
		}
		r.line++
		if line = bytes.TrimSpace(line); len(line) > 0 {
			return line, nil
		}
	}
}

// Columns returns the keys of the file's first line.
func (r *reader) Columns() []export.Column { return r.cols }

// Read reads the next line as a row.
func (r *reader) Read(dst export.Row) error {
	line := r.pending
	r.pending = nil
	if line == nil {
		if r.cols == nil {
			return io.EOF
		}
		var err error
		if line, err = r.next(); err != nil {
			return err
		}
	}
	if !wire.Valid(line) {
		return fmt.Errorf("line %d: not valid JSON", r.line)
	}
	clear(dst)
	return eachMember(line, func(name string, raw []byte) error {
		i, ok := r.index[name]
		if !ok {
			return fmt.Errorf("line %d: key %q is not among the keys of the first line", r.line, name)
		}
		v, err := decodeValue(raw, r.cols[i].Type)
		if err != nil {
			// Not of the column's type in this run (its type changed): the sink converts
			// the text, or makes the column text.
			if str, err := unquote(raw); err == nil {
				v = str
			} else {
				v = string(raw)
			}
		}
		dst[i] = v
		return nil
	})
}

// eachMember calls fn with the name and the JSON of each member of the object in line, which
// is valid JSON; name may be valid only until fn returns.
func eachMember(line []byte, fn func(name string, raw []byte) error) error {
	i := skipSpace(line, 0)
	if i == len(line) || line[i] != '{' {
		return errors.New("not a JSON object")
	}
	i = skipSpace(line, i+1)
	for i < len(line) && line[i] != '}' {
		end := stringEnd(line, i)
		name, err := unquote(line[i:end])
		if err != nil {
			return err
		}
		i = skipSpace(line, end)
		i = skipSpace(line, i+1) // the colon
		start := i
		switch line[i] {
		case '"':
			i = stringEnd(line, i)
		case '{', '[':
			depth := 0
			for ; i < len(line); i++ {
				switch line[i] {
				case '"':
					i = stringEnd(line, i) - 1
				case '{', '[':
					depth++
				case '}', ']':
					depth--
				}
				if depth == 0 {
					i++
					break
				}
			}
		default:
			for i < len(line) && line[i] != ',' && line[i] != '}' && !isSpace(line[i]) {
				i++
			}
		}
		if err := fn(name, line[start:i]); err != nil {
			return err
		}
		i = skipSpace(line, i)
		if i < len(line) && line[i] == ',' {
			i = skipSpace(line, i+1)
		}
	}
	return nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// stringEnd returns the index after the JSON string that starts at b[i].
func stringEnd(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// unquote returns the content of a JSON string.
func unquote(raw []byte) (string, error) {
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' && bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1]), nil
	}
	var s string
	err := json.Unmarshal(raw, &s)
	return s, err
}

// decodeValue decodes the JSON value of a column of type typ.
func decodeValue(raw json.RawMessage, typ export.ColumnType) (any, error) {
	if string(raw) == "null" {
		return nil, nil
	}
	switch typ {
	case export.ColumnJSON:
		return append(json.RawMessage(nil), raw...), nil
	case export.ColumnInteger:
		n, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s is not an integer", raw)
		}
		return n, nil
	case export.ColumnReal:
		if raw[0] == '"' {
			s, err := unquote(raw)
			if err != nil {
				return nil, err
			}
			return filesink.ParseText(s, export.ColumnReal)
		}
		f, err := strconv.ParseFloat(string(raw), 64)
		if err != nil {
			return nil, fmt.Errorf("%s is not a number", raw)
		}
		return f, nil
	case export.ColumnBoolean:
		switch string(raw) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, fmt.Errorf("%s is not a boolean", raw)
	}
	if raw[0] != '"' {
		return nil, fmt.Errorf("%s is not a string", raw)
	}
	s, err := unquote(raw)
	if err != nil {
		return nil, err
	}
	return filesink.ParseText(s, typ)
}

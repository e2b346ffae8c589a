// Package csv is the export sink that writes each table to a CSV file: csv:DIR as an export
// target.
//
// # Files
//
// A table named T is the file DIR/T.csv (whatever its Form), and the ledger is
// DIR/_imednet_ledger.json. Files follow RFC 4180: UTF-8, a header row with the column names,
// fields separated by commas and records by CRLF; a field that holds a comma, a double quote,
// CR or LF is enclosed in double quotes, its quotes doubled. Line breaks inside text are kept
// as they are.
//
// # Values
//
// NULL is an empty field; the empty text is a quoted empty field (""), which tells it from NULL.
// Integers and reals are written in Go's shortest form that reads back exactly (reals may use
// exponents, such as 1e+21; NaN, +Inf and -Inf as such), booleans as true and false, dates as
// YYYY-MM-DD, timestamps in RFC 3339 in UTC (2024-03-01T12:30:00Z, with a fraction of a second
// when there is one), JSON as compact or as received.
//
// # Formula injection
//
// A spreadsheet opening a CSV file runs a cell that starts with =, +, -, @ (or tab or CR, which
// some programs skip before looking) as a formula. So a text value (and a column name) that
// starts with one of these characters, or with a single quote, is written with a single quote
// (') before it: the text =1+1 is written '=1+1, and the text 'quoted gets a second quote in
// front. To recover the value, drop the first character of a text field that starts with a
// single quote. Numbers, dates and JSON are not escaped: a negative number stays -5.
//
// # Updates
//
// Rows are upserted by the table's key: see package [filesink] for how files are merged,
// replaced atomically and kept consistent with the ledger, and for the directory's lock.
package csv

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/export/filesink"
)

// Open opens (creating it if needed) the directory dir as a CSV sink.
func Open(dir string) (*filesink.Sink, error) {
	return filesink.Open(dir, Format{}, "csv")
}

// OpenTarget opens the sink of an export target csv:DIR: Open(t.Location). It has the
// shape every sink package's OpenTarget has (see [export.Target]).
func OpenTarget(ctx context.Context, t export.Target) (*filesink.Sink, error) {
	return Open(t.Location)
}

// Format is the CSV [filesink.Format].
type Format struct{}

// File returns the table's file: NAME.csv.
func (Format) File(t export.Table) string { return t.Name + ".csv" }

// NewWriter starts a CSV file with a header row.
func (Format) NewWriter(w io.Writer, cols []export.Column) (filesink.Writer, error) {
	cw := &writer{w: bufio.NewWriterSize(w, 64<<10), cols: cols}
	for i, c := range cols {
		if i > 0 {
			cw.buf = append(cw.buf, ',')
		}
		cw.buf = appendField(cw.buf, escapeText(c.Name))
	}
	cw.buf = append(cw.buf, '\r', '\n')
	return cw, nil
}

type writer struct {
	w    *bufio.Writer
	cols []export.Column
	buf  []byte
	val  []byte
}

// Write writes a row: a record of one field per column.
func (w *writer) Write(row export.Row) error {
	for i, v := range row {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		switch {
		case v == nil:
		case w.cols[i].Type == export.ColumnText:
			s := v.(string)
			if s == "" {
				w.buf = append(w.buf, '"', '"')
			} else {
				w.buf = appendField(w.buf, escapeText(s))
			}
		default:
			w.val = filesink.AppendText(w.val[:0], v, w.cols[i].Type)
			w.buf = appendField(w.buf, w.val)
		}
	}
	w.buf = append(w.buf, '\r', '\n')
	if len(w.buf) >= 32<<10 {
		return w.flush()
	}
	return nil
}

func (w *writer) flush() error {
	_, err := w.w.Write(w.buf)
	w.buf = w.buf[:0]
	return err
}

// Close flushes the file.
func (w *writer) Close() error {
	if err := w.flush(); err != nil {
		return err
	}
	return w.w.Flush()
}

// needsEscape reports whether a text value is written with a single quote before it.
func needsEscape(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r', '\'':
		return true
	}
	return false
}

// escapeText returns the text as written in a field, before quoting: with a single quote
// before it when it could start a formula.
func escapeText(s string) []byte {
	if needsEscape(s) {
		return append([]byte{'\''}, s...)
	}
	return []byte(s)
}

// appendField appends a field, enclosed in double quotes when it holds a comma, a double quote,
// CR or LF.
func appendField[T string | []byte](dst []byte, f T) []byte {
	quote := false
	for i := 0; i < len(f); i++ {
		switch f[i] {
		case ',', '"', '\r', '\n':
			quote = true
		}
		if quote {
			break
		}
	}
	if !quote {
		return append(dst, f...)
	}
	dst = append(dst, '"')
	for i := 0; i < len(f); i++ {
		if f[i] == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, f[i])
	}
	return append(dst, '"')
}

// NewReader reads a CSV file written by the sink. Its header names the columns; a column that
// prepared names has that type, the others are read as text, and so is a field that is not a
// value of its column's type.
func (Format) NewReader(f *os.File, prepared []export.Column) (filesink.Reader, error) {
	r := &reader{br: bufio.NewReaderSize(f, 256<<10)}
	if err := r.record(); err != nil {
		if err == io.EOF {
			return nil, errors.New("empty file, without a header")
		}
		return nil, err
	}
	types := make(map[string]export.ColumnType, len(prepared))
	for _, c := range prepared {
		types[c.Name] = c.Type
	}
	seen := map[string]bool{}
	for i := range r.ends {
		name := string(r.field(i))
		if len(name) > 0 && name[0] == '\'' {
			name = name[1:]
		}
		if name == "" || seen[name] {
			return nil, fmt.Errorf("line 1: column %d of the header is empty or repeated (%q)", i+1, name)
		}
		seen[name] = true
		typ, ok := types[name]
		if !ok {
			typ = export.ColumnText
		}
		r.cols = append(r.cols, export.Column{Name: name, Type: typ})
	}
	return r, nil
}

// reader parses RFC 4180 records exactly: unlike encoding/csv, it keeps CR LF inside quoted
// fields and tells a quoted empty field from an empty one.
type reader struct {
	br     *bufio.Reader
	cols   []export.Column
	line   int    // lines read
	start  int    // the line where the current record starts
	buf    []byte // the fields of the current record, one after the other
	ends   []int  // where each field ends in buf
	quoted []bool // whether each field was quoted
	long   []byte // a line longer than br's buffer
}

func (r *reader) field(i int) []byte {
	start := 0
	if i > 0 {
		start = r.ends[i-1]
	}
	return r.buf[start:r.ends[i]]
}

// readLine returns the next line with its LF, valid until the next call.
func (r *reader) readLine() ([]byte, error) {
	line, err := r.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		r.long = append(r.long[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = r.br.ReadSlice('\n')
			r.long = append(r.long, line...)
		}
		line = r.long
	}
	if len(line) > 0 {
		r.line++
		if err == io.EOF {
			err = nil
		}
	}
	return line, err
}

func (r *reader) endField(quoted bool) {
	r.ends = append(r.ends, len(r.buf))
	r.quoted = append(r.quoted, quoted)
}

// record reads the next record into r.buf, r.ends and r.quoted.
func (r *reader) record() error {
	r.buf, r.ends, r.quoted = r.buf[:0], r.ends[:0], r.quoted[:0]
	line, err := r.readLine()
	if err != nil {
		return err
	}
	r.start = r.line
	pos := 0
	for {
		if pos < len(line) && line[pos] == '"' {
			pos++
			for {
				i := bytes.IndexByte(line[pos:], '"')
				if i < 0 {
					r.buf = append(r.buf, line[pos:]...)
					if line, err = r.readLine(); err != nil {
						if err == io.EOF {
							return fmt.Errorf("line %d: a quoted field is not closed", r.start)
						}
						return err
					}
					pos = 0
					continue
				}
				r.buf = append(r.buf, line[pos:pos+i]...)
				pos += i + 1
				if pos < len(line) && line[pos] == '"' {
					r.buf = append(r.buf, '"')
					pos++
					continue
				}
				break
			}
			r.endField(true)
			rest := line[pos:]
			switch {
			case len(rest) > 0 && rest[0] == ',':
				pos++
				continue
			case len(rest) == 0, string(rest) == "\n", string(rest) == "\r\n":
				return nil
			}
			return fmt.Errorf("line %d: text after the closing quote of field %d", r.line, len(r.ends))
		}
		if i := bytes.IndexByte(line[pos:], ','); i >= 0 {
			r.buf = append(r.buf, line[pos:pos+i]...)
			r.endField(false)
			pos += i + 1
			continue
		}
		rest := line[pos:]
		rest = bytes.TrimSuffix(rest, []byte{'\n'})
		rest = bytes.TrimSuffix(rest, []byte{'\r'})
		r.buf = append(r.buf, rest...)
		r.endField(false)
		return nil
	}
}

// Columns returns the columns named by the header.
func (r *reader) Columns() []export.Column { return r.cols }

// Read reads the next record as a row.
func (r *reader) Read(dst export.Row) error {
	if err := r.record(); err != nil {
		return err
	}
	if len(r.ends) != len(r.cols) {
		return fmt.Errorf("line %d: %d fields, the header has %d", r.start, len(r.ends), len(r.cols))
	}
	for i, c := range r.cols {
		f := r.field(i)
		if len(f) == 0 && !(r.quoted[i] && c.Type == export.ColumnText) {
			dst[i] = nil
			continue
		}
		if c.Type == export.ColumnText {
			if len(f) > 0 && f[0] == '\'' {
				f = f[1:]
			}
			dst[i] = string(f)
			continue
		}
		v, err := filesink.ParseText(string(f), c.Type)
		if err != nil {
			// Not of the column's type in this run (its type changed): the sink converts
			// the text, or makes the column text.
			v = string(bytes.TrimPrefix(f, []byte{'\''}))
		}
		dst[i] = v
	}
	return nil
}

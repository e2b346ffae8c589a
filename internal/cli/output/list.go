package output

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
)

// MaxCellWidth is where the table cuts a long value (in terminal columns: a wide character
// takes two), ending it with "…".
const MaxCellWidth = 40

// tableBlock is how many rows the table holds before it prints them: the widths are measured
// on the first block and only grow after it, so a long listing starts printing at once and
// its memory stays bounded.
const tableBlock = 500

// pipeBuffer is the size of the buffer that JSON, JSON Lines and CSV are written through: a
// pipe's capacity on Linux, so that a long listing costs a write per 64 KiB rather than one
// per item.
const pipeBuffer = 64 << 10

// List writes a stream of items of type T in one format. Call Add for each item, then Close
// (also after an error, to end the JSON array and print what was held). JSON, JSON Lines and
// CSV are buffered: what was added reaches the writer when the buffer fills, and at Close.
type List[T any] struct {
	w         io.Writer
	out       *bufio.Writer // w, buffered, for every format but the table
	format    Format
	cols      []Column[T]
	one, many string
	n         int
	cell      []byte // a CSV cell that a column appends, reused
	enc       *json.Encoder
	buf       bytes.Buffer
	appendFn  func([]byte, *T) []byte
	tbl       *tableWriter
	closed    bool
}

// NewList starts a list of items in format, written to w. one and many name an item and
// several (as "site", "sites") for the table's count line.
func NewList[T any](w io.Writer, format Format, cols []Column[T], one, many string) *List[T] {
	l := &List[T]{w: w, format: format, cols: cols, one: one, many: many}
	switch format {
	case CSV:
		l.out = bufio.NewWriterSize(w, pipeBuffer)
	case JSON, JSONL:
		l.out = bufio.NewWriterSize(w, pipeBuffer)
		l.enc = json.NewEncoder(&l.buf)
		l.enc.SetEscapeHTML(false)
	case Table:
		var headers []string
		for _, c := range tableColumns(cols) {
			headers = append(headers, c.Name)
		}
		l.tbl = &tableWriter{w: w, headers: headers}
	}
	return l
}

// AppendJSONWith makes JSON and JSON Lines write each item with fn, which appends the item's
// JSON to b exactly as encoding/json would encode it (HTML characters not escaped), only
// faster; nil keeps encoding/json. It returns l, and must be called before the first Add.
func (l *List[T]) AppendJSONWith(fn func(b []byte, item *T) []byte) *List[T] {
	l.appendFn = fn
	return l
}

// tableColumns returns the columns marked for the table, or all when none is.
func tableColumns[T any](cols []Column[T]) []Column[T] {
	var out []Column[T]
	for _, c := range cols {
		if c.Table {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return cols
	}
	return out
}

// Add writes one item.
func (l *List[T]) Add(item *T) error {
	l.n++
	switch l.format {
	case CSV:
		if l.n == 1 {
			if err := l.writeCSV(header(l.cols)); err != nil {
				return err
			}
		}
		// The cells go straight into the output's free space (EscapeCSV, then quoted as
		// appendCSVRecord quotes them), each through a reused buffer when its column appends.
		b := l.out.AvailableBuffer()
		for i, c := range l.cols {
			if i > 0 {
				b = append(b, ',')
			}
			if c.Append != nil {
				l.cell = c.Append(l.cell[:0], item)
				b = appendCSVCell(b, l.cell)
			} else {
				b = appendCSVCell(b, c.Value(item))
			}
		}
		_, err := l.out.Write(append(b, '\n'))
		return err
	case JSON, JSONL:
		if l.appendFn != nil {
			// Appended in the output's free space, which Write then takes as it is.
			b := l.out.AvailableBuffer()
			if l.format == JSON {
				if l.n == 1 {
					b = append(b, "[\n"...)
				} else {
					b = append(b, ",\n"...)
				}
			}
			b = l.appendFn(b, item)
			if l.format == JSONL {
				b = append(b, '\n')
			}
			_, err := l.out.Write(b)
			return err
		}
		l.buf.Reset()
		if l.format == JSON {
			if l.n == 1 {
				l.buf.WriteString("[\n")
			} else {
				l.buf.WriteString(",\n")
			}
		}
		if err := l.enc.Encode(item); err != nil {
			return err
		}
		if l.format == JSON {
			l.buf.Truncate(l.buf.Len() - 1) // the encoder's newline: the separator follows
		}
		_, err := l.out.Write(l.buf.Bytes())
		return err
	case Table:
		cols := tableColumns(l.cols)
		row := make([]string, len(cols))
		for i, c := range cols {
			row[i] = Cell(c.Value(item))
		}
		return l.tbl.add(row)
	}
	return fmt.Errorf("unknown output format %q", l.format)
}

// writeCSV writes one CSV record, as encoding/csv writes it (see appendCSVRecord), into the
// free space of the output's buffer.
func (l *List[T]) writeCSV(fields []string) error {
	_, err := l.out.Write(appendCSVRecord(l.out.AvailableBuffer(), fields))
	return err
}

// FitTo makes the table fit lines of width characters (a terminal's width): when its columns
// are wider, the widest are narrowed, down to minColumn characters, and the values cut to
// them end with "…". 0 leaves the table as wide as its values. Other formats are not
// affected. It returns l, and must be called before the first Add.
func (l *List[T]) FitTo(width int) *List[T] {
	if l.tbl != nil && width > 0 {
		l.tbl.maxWidth = width
	}
	return l
}

// Count returns how many items were added.
func (l *List[T]) Count() int { return l.n }

// Close ends the output: the end of the JSON array, the rest of the table and its count line,
// the CSV header when there were no items.
func (l *List[T]) Close() error {
	if l.closed {
		return nil
	}
	l.closed = true
	switch l.format {
	case CSV:
		if l.n == 0 {
			if err := l.writeCSV(header(l.cols)); err != nil {
				return err
			}
		}
		return l.out.Flush()
	case JSON:
		s := "\n]\n"
		if l.n == 0 {
			s = "[]\n"
		}
		if _, err := io.WriteString(l.out, s); err != nil {
			return err
		}
		return l.out.Flush()
	case JSONL:
		return l.out.Flush()
	case Table:
		if err := l.tbl.flush(); err != nil {
			return err
		}
		word := l.many
		if l.n == 1 {
			word = l.one
		}
		_, err := fmt.Fprintf(l.w, "%d %s\n", l.n, word)
		return err
	}
	return nil
}

func header[T any](cols []Column[T]) []string {
	h := make([]string, len(cols))
	for i, c := range cols {
		h[i] = c.Name
	}
	return h
}

// One writes a single item: the table format prints every column as a "name  value" line,
// JSON and JSON Lines the object itself, CSV a header and one row.
func One[T any](w io.Writer, format Format, cols []Column[T], item *T) error {
	switch format {
	case Table:
		width := 0
		for _, c := range cols {
			width = max(width, len(c.Name))
		}
		var b strings.Builder
		for _, c := range cols {
			fmt.Fprintf(&b, "%-*s  %s\n", width, c.Name, Sanitize(c.Value(item)))
		}
		_, err := io.WriteString(w, b.String())
		return err
	case JSON, JSONL:
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		if format == JSON {
			enc.SetIndent("", "  ")
		}
		return enc.Encode(item)
	default:
		l := NewList(w, format, cols, "", "")
		if err := l.Add(item); err != nil {
			return err
		}
		return l.Close()
	}
}

// EscapeCSV protects a CSV cell against formula injection: a spreadsheet runs a cell that
// starts with =, +, -, @, a tab or a carriage return as a formula, so such a cell gets a
// leading single quote. A plain number ("-3", "+1.5", "-2e3") is left alone: it is data,
// and a spreadsheet reads it as a number.
func EscapeCSV(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if isPlainNumber(s) {
			return s
		}
		return "'" + s
	}
	return s
}

// isPlainNumber reports whether s is a decimal number and nothing else.
func isPlainNumber(s string) bool {
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r == '.' || r == '-' || r == '+' || r == 'e' || r == 'E') {
			return false
		}
	}
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// Cell prepares a value for the table: control characters (line breaks, escape sequences)
// become spaces, and a value longer than MaxCellWidth characters is cut and ends with "…".
func Cell(s string) string {
	return cut(Sanitize(s), MaxCellWidth)
}

// cut returns s when it takes at most n columns of a terminal, else its start and "…" in n
// columns at most (see Width).
func cut(s string, n int) string { return cutWidth(s, n) }

// Sanitize replaces control characters with spaces, so that a value can neither break the
// table's lines nor send escape sequences to the terminal.
func Sanitize(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// minColumn is the narrowest a column gets when a table is fitted to a width.
const minColumn = 6

// tableWriter aligns rows in columns. It holds the first tableBlock rows to measure the
// widths, then prints each row as it comes, widening a column when a value needs it, unless
// the table is fitted to maxWidth: then the widths stay, and longer values are cut.
type tableWriter struct {
	w        io.Writer
	headers  []string
	widths   []int
	held     [][]string
	started  bool
	maxWidth int  // the width of a line to fit, 0 for none
	fixed    bool // the widths are fitted to maxWidth and do not grow
}

func (t *tableWriter) add(row []string) error {
	if !t.started {
		t.held = append(t.held, row)
		if len(t.held) < tableBlock {
			return nil
		}
		return t.flush()
	}
	return t.print(row)
}

// flush measures the held rows and prints the header and them.
func (t *tableWriter) flush() error {
	if t.started {
		return nil
	}
	t.started = true
	t.widths = make([]int, len(t.headers))
	for i, h := range t.headers {
		t.widths[i] = Width(h)
	}
	for _, row := range t.held {
		for i, v := range row {
			t.widths[i] = max(t.widths[i], Width(v))
		}
	}
	if t.maxWidth > 0 {
		t.fit()
	}
	if err := t.print(t.headers); err != nil {
		return err
	}
	for _, row := range t.held {
		if err := t.print(row); err != nil {
			return err
		}
	}
	t.held = nil
	return nil
}

// fit narrows the widest columns, one character at a time, until a line fits maxWidth or
// every column is down to minColumn, and fixes the widths.
func (t *tableWriter) fit() {
	t.fixed = true
	total := 2 * (len(t.widths) - 1)
	for _, w := range t.widths {
		total += w
	}
	for total > t.maxWidth {
		widest := 0
		for i, w := range t.widths {
			if w > t.widths[widest] {
				widest = i
			}
		}
		if t.widths[widest] <= minColumn {
			return
		}
		t.widths[widest]--
		total--
	}
}

func (t *tableWriter) print(row []string) error {
	var b strings.Builder
	for i, v := range row {
		n := Width(v)
		if t.fixed && n > t.widths[i] {
			v, n = cut(v, t.widths[i]), t.widths[i]
		}
		t.widths[i] = max(t.widths[i], n)
		b.WriteString(v)
		if i < len(row)-1 {
			b.WriteString(strings.Repeat(" ", t.widths[i]-n+2))
		}
	}
	b.WriteByte('\n')
	_, err := io.WriteString(t.w, b.String())
	return err
}

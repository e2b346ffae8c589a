package output

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/itchyny/gojq"
)

// Selection is what the --json and --jq flags ask of an output: only some of each item's
// fields, and a jq program run on each item. The zero Selection (or nil) selects nothing and
// changes nothing.
//
// A list applies it to each item as the item comes, so that a long listing streams as
// without it: --jq '.siteName' prints one line per site, and --jq never sees the whole list.
type Selection struct {
	// Fields are the JSON names of the fields to keep, in the order to print them; nil keeps
	// every field. A field the item lacks is printed as null.
	Fields []string
	// Query is the compiled jq program, nil for none; it runs on each item (with only Fields
	// when they are given). Each result is printed on its own line: a string as its text, any
	// other value as compact JSON.
	Query *gojq.Code
}

// Active reports whether s changes the output.
func (s *Selection) Active() bool { return s != nil && (s.Fields != nil || s.Query != nil) }

// Items is what a listing writes its items through: a [List], or a list that applies a
// [Selection] (see [SelectList]).
type Items[T any] interface {
	Add(item *T) error // write one item
	Count() int        // how many items were added
	Close() error      // end the output; call it also after an error
}

// FieldNames returns the JSON names of T's fields (its json tags), in the struct's order:
// the fields --json may select. Fields tagged "-" are left out.
func FieldNames[T any]() []string {
	t := reflect.TypeFor[T]()
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var names []string
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		names = append(names, name)
	}
	return names
}

// SelectList starts a list as [NewList] does, with sel applied to each item. Table and CSV
// with Fields print those fields as their columns, in that order; JSON and JSON Lines print
// each item with only those fields; with a Query every format prints the query's results
// (the caller refuses table and CSV with a query). appendJSON is as for
// [List.AppendJSONWith]; width as for [List.FitTo].
func SelectList[T any](w io.Writer, format Format, cols []Column[T], one, many string, sel *Selection, width int, appendJSON func([]byte, *T) []byte) Items[T] {
	if !sel.Active() {
		return NewList(w, format, cols, one, many).FitTo(width).AppendJSONWith(appendJSON)
	}
	if sel.Query == nil && (format == Table || format == CSV) {
		return NewList(w, format, SelectColumns(cols, sel.Fields), one, many).FitTo(width).AppendJSONWith(appendJSON)
	}
	return &selectedList[T]{
		out: bufio.NewWriterSize(w, pipeBuffer), format: format, sel: sel,
		enc: newItemEncoder(appendJSON),
	}
}

// SelectOne writes a single item as [One] does, with sel applied: the table shows only the
// Fields, JSON the object with only them (indented for JSON, on one line for JSON Lines),
// and a Query prints its results, one a line.
func SelectOne[T any](w io.Writer, format Format, cols []Column[T], item *T, sel *Selection) error {
	if !sel.Active() {
		return One(w, format, cols, item)
	}
	if sel.Query == nil && (format == Table || format == CSV) {
		return One(w, format, SelectColumns(cols, sel.Fields), item)
	}
	l := &selectedList[T]{out: bufio.NewWriterSize(w, 4096), format: JSONL, sel: sel, enc: newItemEncoder[T](nil)}
	if format == JSON && sel.Query == nil {
		l.indent = true
	}
	if err := l.Add(item); err != nil {
		l.out.Flush()
		return err
	}
	return l.out.Flush()
}

// SelectColumns returns the columns named by fields, in their order, each shown in the
// table. A field no column prints (a nested value, a field of the API the table leaves
// out) gets a column that prints it from the item's JSON: a string as its text, anything
// else as compact JSON.
func SelectColumns[T any](cols []Column[T], fields []string) []Column[T] {
	out := make([]Column[T], 0, len(fields))
	for _, name := range fields {
		found := false
		for _, c := range cols {
			if c.Name == name {
				c.Table = true
				out = append(out, c)
				found = true
				break
			}
		}
		if !found {
			out = append(out, Column[T]{Name: name, Table: true, Value: jsonFieldValue[T](name)})
		}
	}
	return out
}

// jsonFieldValue prints the field name of an item from the item's JSON.
func jsonFieldValue[T any](name string) func(*T) string {
	return func(item *T) string {
		b, err := json.Marshal(item)
		if err != nil {
			return ""
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(b, &m) != nil {
			return ""
		}
		raw, ok := m[name]
		if !ok || string(raw) == "null" {
			return ""
		}
		var s string
		if raw[0] == '"' && json.Unmarshal(raw, &s) == nil {
			return s
		}
		return string(raw)
	}
}

// itemEncoder writes an item's JSON as the unselected output would.
type itemEncoder[T any] struct {
	appendFn func([]byte, *T) []byte
	buf      bytes.Buffer
	enc      *json.Encoder
}

func newItemEncoder[T any](appendFn func([]byte, *T) []byte) *itemEncoder[T] {
	e := &itemEncoder[T]{appendFn: appendFn}
	e.enc = json.NewEncoder(&e.buf)
	e.enc.SetEscapeHTML(false)
	return e
}

// encode returns the item's JSON, valid until the next call.
func (e *itemEncoder[T]) encode(item *T) ([]byte, error) {
	e.buf.Reset()
	if e.appendFn != nil {
		e.buf.Write(e.appendFn(e.buf.AvailableBuffer(), item))
		return e.buf.Bytes(), nil
	}
	if err := e.enc.Encode(item); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(e.buf.Bytes(), []byte("\n")), nil
}

// selectedList writes items with a Selection applied, in JSON (an array), JSON Lines, or,
// with a query, the query's results.
type selectedList[T any] struct {
	out    *bufio.Writer
	format Format
	sel    *Selection
	enc    *itemEncoder[T]
	n      int
	obj    bytes.Buffer // the selected object
	indent bool         // indent the selected object (one item in JSON)
	closed bool
	halted bool // the query called halt: nothing more is printed
}

func (l *selectedList[T]) Count() int { return l.n }

func (l *selectedList[T]) Add(item *T) error {
	l.n++
	if l.halted {
		return nil
	}
	b, err := l.enc.encode(item)
	if err != nil {
		return err
	}
	if l.sel.Fields != nil {
		if b, err = l.pick(b); err != nil {
			return err
		}
	}
	if l.sel.Query != nil {
		return l.query(b)
	}
	if l.indent {
		var ind bytes.Buffer
		if err := json.Indent(&ind, b, "", "  "); err != nil {
			return err
		}
		b = ind.Bytes()
	}
	if l.format == JSON {
		if l.n == 1 {
			l.out.WriteString("[\n")
		} else {
			l.out.WriteString(",\n")
		}
		_, err = l.out.Write(b)
		return err
	}
	l.out.Write(b)
	return l.out.WriteByte('\n')
}

// pick returns the object b with only the selected fields, in their order.
func (l *selectedList[T]) pick(b []byte) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("--json: the item is not a JSON object: %w", err)
	}
	l.obj.Reset()
	l.obj.WriteByte('{')
	for i, name := range l.sel.Fields {
		if i > 0 {
			l.obj.WriteByte(',')
		}
		k, _ := json.Marshal(name)
		l.obj.Write(k)
		l.obj.WriteByte(':')
		if raw, ok := m[name]; ok {
			l.obj.Write(raw)
		} else {
			l.obj.WriteString("null")
		}
	}
	l.obj.WriteByte('}')
	return l.obj.Bytes(), nil
}

// query runs the query on the JSON b and prints each result on a line.
func (l *selectedList[T]) query(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // ids and numbers printed as they came
	var v any
	if err := dec.Decode(&v); err != nil {
		return err
	}
	iter := l.sel.Query.RunWithContext(context.Background(), v)
	for {
		r, ok := iter.Next()
		if !ok {
			return nil
		}
		if err, isErr := r.(error); isErr {
			var halt *gojq.HaltError
			if errors.As(err, &halt) && halt.Value() == nil {
				l.halted = true
				return nil
			}
			return fmt.Errorf("--jq: item %d: %w", l.n, err)
		}
		if s, isString := r.(string); isString {
			l.out.WriteString(s)
		} else {
			j, err := gojq.Marshal(r)
			if err != nil {
				return fmt.Errorf("--jq: item %d: %w", l.n, err)
			}
			l.out.Write(j)
		}
		if err := l.out.WriteByte('\n'); err != nil {
			return err
		}
	}
}

func (l *selectedList[T]) Close() error {
	if l.closed {
		return nil
	}
	l.closed = true
	if l.format == JSON && l.sel.Query == nil {
		s := "\n]\n"
		if l.n == 0 {
			s = "[]\n"
		}
		l.out.WriteString(s)
	}
	return l.out.Flush()
}

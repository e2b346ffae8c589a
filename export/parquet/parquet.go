// Package parquet is the export sink that writes each table to Apache Parquet files, laid out
// for DuckDB, Spark and Trino: parquet:DIR as an export target.
//
// # Layout
//
// Every table is a directory holding one file, part-0.parquet. A per-form table (one whose
// Form is set: a form's wide table and its parts) is Hive-partitioned by its form:
//
//	DIR/form_VS/form=VS/part-0.parquet   the wide table of form VS
//	DIR/record_values/part-0.parquet     a table of the whole study (long, raw, reference)
//	DIR/_imednet_ledger.json             the ledger
//
// The partition value is the form key, its bytes other than ASCII letters, digits, '-', '_'
// and '.' written %XX as Hive does. A reader globs a table's directory: in DuckDB,
// read_parquet('DIR/form_VS/*/*.parquet', hive_partitioning = true) reads a form with its form
// column, read_parquet('DIR/form_*/*/*.parquet', hive_partitioning = true, union_by_name =
// true) every form's wide table at once, and read_parquet('DIR/record_values/*.parquet') a
// study table; Spark and Trino read the same directories as partitioned tables. Temporary
// files are hidden (.part-0.parquet.tmp) and do not match *.parquet.
//
// # Types
//
// Every column is OPTIONAL (NULL is a null), with these types:
//
//	text       BYTE_ARRAY, STRING
//	integer    INT64
//	real       DOUBLE
//	boolean    BOOLEAN
//	date       INT32, DATE
//	timestamp  INT64, TIMESTAMP(isAdjustedToUTC = true, MICROS); finer fractions are truncated
//	json       BYTE_ARRAY, JSON
//
// Columns are in the table's order. Files are compressed with Snappy, in row groups of about a
// million values (at least 1,024 rows), so that writing holds one row group in memory, not the
// table: about 130 MB at most for a table of 200 columns, less for narrower ones.
//
// # Updates
//
// Rows are upserted by the table's key: see package [filesink] for how files are merged,
// replaced atomically and kept consistent with the ledger, and for the directory's lock.
package parquet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"time"
	"unsafe"

	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/export/filesink"
	pq "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/encoding"
	"github.com/parquet-go/parquet-go/format"
)

// Open opens (creating it if needed) the directory dir as a Parquet sink.
func Open(dir string) (*filesink.Sink, error) {
	return filesink.Open(dir, Format{}, "parquet")
}

// OpenTarget opens the sink of an export target parquet:DIR: Open(t.Location). It has the
// shape every sink package's OpenTarget has (see [export.Target]).
func OpenTarget(ctx context.Context, t export.Target) (*filesink.Sink, error) {
	return Open(t.Location)
}

// Format is the Parquet [filesink.Format].
type Format struct{}

// File returns the table's file: NAME/form=FORM/part-0.parquet for a per-form table,
// NAME/part-0.parquet for the others.
func (Format) File(t export.Table) string {
	if t.Form == "" {
		return t.Name + "/part-0.parquet"
	}
	return t.Name + "/form=" + EscapePartition(t.Form) + "/part-0.parquet"
}

// EscapePartition returns a Hive partition value: s with its bytes other than ASCII letters,
// digits, '-', '_' and '.' (and a leading '.') written %XX.
func EscapePartition(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' && i > 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// leaf returns the Parquet node of a column type.
func leaf(t export.ColumnType) pq.Node {
	var n pq.Node
	switch t {
	case export.ColumnText:
		n = pq.String()
	case export.ColumnInteger:
		n = pq.Int(64)
	case export.ColumnReal:
		n = pq.Leaf(pq.DoubleType)
	case export.ColumnBoolean:
		n = pq.Leaf(pq.BooleanType)
	case export.ColumnDate:
		n = pq.Date()
	case export.ColumnTimestamp:
		n = pq.Timestamp(pq.Microsecond)
	case export.ColumnJSON:
		n = pq.JSON()
	}
	return pq.Optional(n)
}

// group is a group node whose fields keep the table's column order (pq.Group sorts them by
// name).
type group []pq.Field

type field struct {
	pq.Node
	name string
}

func (f field) Name() string                           { return f.name }
func (f field) Value(base reflect.Value) reflect.Value { return reflect.Value{} }

func (g group) ID() int                        { return 0 }
func (g group) String() string                 { return "group" }
func (g group) Type() pq.Type                  { return pq.Group{}.Type() }
func (g group) Optional() bool                 { return false }
func (g group) Repeated() bool                 { return false }
func (g group) Required() bool                 { return true }
func (g group) Leaf() bool                     { return false }
func (g group) Fields() []pq.Field             { return g }
func (g group) Encoding() encoding.Encoding    { return nil }
func (g group) Compression() compress.Codec    { return nil }
func (g group) GoType() reflect.Type           { return reflect.TypeFor[map[string]any]() }
func schemaOf(cols []export.Column) *pq.Schema { return pq.NewSchema("row", groupOf(cols)) }

func groupOf(cols []export.Column) group {
	g := make(group, len(cols))
	for i, c := range cols {
		g[i] = field{Node: leaf(c.Type), name: c.Name}
	}
	return g
}

// valuesPerRowGroup bounds the values of a row group, which the writer holds in memory.
var valuesPerRowGroup int64 = 1 << 20

// pageBuffers bounds the page buffers of a file's columns together: a wide table gets smaller
// pages than the default of 256 KiB per column.
const pageBuffers = 16 << 20

// batchRows is the number of rows handed to the Parquet writer at once.
const batchRows = 256

// NewWriter starts a Parquet file.
func (Format) NewWriter(w io.Writer, cols []export.Column) (filesink.Writer, error) {
	perGroup := max(valuesPerRowGroup/int64(len(cols)), 1024)
	pageBuffer := min(max(pageBuffers/len(cols), 16<<10), pq.DefaultPageBufferSize)
	pw := pq.NewWriter(w,
		schemaOf(cols),
		pq.PageBufferSize(pageBuffer),
		pq.Compression(&pq.Snappy),
		pq.MaxRowsPerRowGroup(perGroup),
		pq.CreatedBy("imednet-go", "", ""),
	)
	return &writer{w: pw, cols: cols, batch: make([]pq.Row, 0, batchRows)}, nil
}

type writer struct {
	w     *pq.Writer
	cols  []export.Column
	batch []pq.Row
	spare []pq.Row // rows of earlier batches, reused
}

func bytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// Write converts a row to Parquet values; rows go to the file by batches.
func (w *writer) Write(row export.Row) error {
	var r pq.Row
	if n := len(w.batch); n < len(w.spare) {
		r = w.spare[n][:0]
	} else {
		r = make(pq.Row, 0, len(w.cols))
	}
	for i, v := range row {
		var pv pq.Value
		if v == nil {
			r = append(r, pq.Value{}.Level(0, 0, i))
			continue
		}
		switch w.cols[i].Type {
		case export.ColumnText:
			pv = pq.ByteArrayValue(bytesOf(v.(string)))
		case export.ColumnInteger:
			pv = pq.Int64Value(v.(int64))
		case export.ColumnReal:
			pv = pq.DoubleValue(v.(float64))
		case export.ColumnBoolean:
			pv = pq.BooleanValue(v.(bool))
		case export.ColumnDate:
			pv = pq.Int32Value(daysOf(v.(time.Time)))
		case export.ColumnTimestamp:
			pv = pq.Int64Value(v.(time.Time).UnixMicro())
		case export.ColumnJSON:
			pv = pq.ByteArrayValue(v.(json.RawMessage))
		}
		r = append(r, pv.Level(0, 1, i))
	}
	w.batch = append(w.batch, r)
	if len(w.batch) == cap(w.batch) {
		return w.flush()
	}
	return nil
}

func (w *writer) flush() error {
	if len(w.batch) == 0 {
		return nil
	}
	_, err := w.w.WriteRows(w.batch)
	if len(w.spare) < len(w.batch) {
		w.spare = w.batch[:len(w.batch):len(w.batch)]
		w.batch = make([]pq.Row, 0, batchRows)
	} else {
		w.batch = w.batch[:0]
	}
	for i := range w.spare {
		clear(w.spare[i]) // drop references to the rows' values
	}
	return err
}

// Close writes the last rows and the file's footer.
func (w *writer) Close() error {
	if err := w.flush(); err != nil {
		return err
	}
	return w.w.Close()
}

// daysOf returns the days from 1970-01-01 to the date of t in UTC.
func daysOf(t time.Time) int32 {
	y, m, d := t.UTC().Date()
	return int32(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// NewReader reads a Parquet file of flat optional or required columns of the types the sink
// writes (and INT32, FLOAT and TIMESTAMP in milliseconds or nanoseconds).
func (Format) NewReader(f *os.File, prepared []export.Column) (filesink.Reader, error) {
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	file, err := pq.OpenFile(f, info.Size())
	if err != nil {
		return nil, err
	}
	r := &reader{file: file}
	for _, fld := range file.Schema().Fields() {
		if !fld.Leaf() || fld.Repeated() {
			return nil, fmt.Errorf("column %q is not a flat column", fld.Name())
		}
		typ, unit, err := columnType(fld)
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", fld.Name(), err)
		}
		r.cols = append(r.cols, export.Column{Name: fld.Name(), Type: typ})
		r.units = append(r.units, unit)
	}
	return r, nil
}

// columnType returns the column type of a Parquet leaf, and for timestamps the nanoseconds in
// a unit.
func columnType(n pq.Node) (export.ColumnType, int64, error) {
	t := n.Type()
	var logical format.LogicalTypeValue
	if lt := t.LogicalType(); lt != nil {
		logical = lt.Value
	}
	switch t.Kind() {
	case pq.ByteArray:
		if _, ok := logical.(*format.JsonType); ok {
			return export.ColumnJSON, 0, nil
		}
		return export.ColumnText, 0, nil
	case pq.Int32:
		if _, ok := logical.(*format.DateType); ok {
			return export.ColumnDate, 0, nil
		}
		return export.ColumnInteger, 0, nil
	case pq.Int64:
		if ts, ok := logical.(*format.TimestampType); ok {
			switch ts.Unit.Value.(type) {
			case *format.MilliSeconds:
				return export.ColumnTimestamp, 1e6, nil
			case *format.MicroSeconds:
				return export.ColumnTimestamp, 1e3, nil
			case *format.NanoSeconds:
				return export.ColumnTimestamp, 1, nil
			}
		}
		return export.ColumnInteger, 0, nil
	case pq.Double, pq.Float:
		return export.ColumnReal, 0, nil
	case pq.Boolean:
		return export.ColumnBoolean, 0, nil
	}
	return 0, 0, fmt.Errorf("unsupported Parquet type %v", t)
}

type reader struct {
	file  *pq.File
	cols  []export.Column
	units []int64
	group int     // the next row group
	rows  pq.Rows // of the current row group
	buf   []pq.Row
	n, i  int // rows in buf, the next one
}

// Columns returns the file's columns.
func (r *reader) Columns() []export.Column { return r.cols }

// Read reads the next row.
func (r *reader) Read(dst export.Row) error {
	for r.i == r.n {
		if r.rows == nil {
			groups := r.file.RowGroups()
			if r.group == len(groups) {
				return io.EOF
			}
			r.rows = groups[r.group].Rows()
			r.group++
			if r.buf == nil {
				r.buf = make([]pq.Row, batchRows)
			}
		}
		n, err := r.rows.ReadRows(r.buf)
		r.n, r.i = n, 0
		if errors.Is(err, io.EOF) {
			r.rows.Close()
			r.rows = nil
		} else if err != nil {
			return err
		}
	}
	row := r.buf[r.i]
	r.i++
	clear(dst)
	for _, v := range row {
		c := v.Column()
		if c < 0 || c >= len(dst) {
			return fmt.Errorf("value of column %d in a file of %d columns", c, len(dst))
		}
		if v.IsNull() {
			continue
		}
		switch r.cols[c].Type {
		case export.ColumnText:
			dst[c] = string(v.ByteArray())
		case export.ColumnJSON:
			dst[c] = json.RawMessage(append([]byte(nil), v.ByteArray()...))
		case export.ColumnInteger:
			if v.Kind() == pq.Int32 {
				dst[c] = int64(v.Int32())
			} else {
				dst[c] = v.Int64()
			}
		case export.ColumnReal:
			if v.Kind() == pq.Float {
				dst[c] = float64(v.Float())
			} else {
				dst[c] = v.Double()
			}
		case export.ColumnBoolean:
			dst[c] = v.Boolean()
		case export.ColumnDate:
			dst[c] = time.Unix(int64(v.Int32())*86400, 0).UTC()
		case export.ColumnTimestamp:
			unit := r.units[c]
			n := v.Int64()
			sec, frac := n/(1e9/unit), n%(1e9/unit)
			if frac < 0 {
				sec, frac = sec-1, frac+1e9/unit
			}
			dst[c] = time.Unix(sec, frac*unit).UTC()
		}
	}
	return nil
}

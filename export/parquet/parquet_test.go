package parquet_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/export/filesink/filesinktest"
	"github.com/imednet/imednet-go/export/parquet"
	pq "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// wantLogical is the physical and logical type of each column type in a file.
var wantLogical = map[export.ColumnType]struct {
	kind    pq.Kind
	logical string
}{
	export.ColumnText:      {pq.ByteArray, "STRING"},
	export.ColumnInteger:   {pq.Int64, "INT(64,true)"},
	export.ColumnReal:      {pq.Double, ""},
	export.ColumnBoolean:   {pq.Boolean, ""},
	export.ColumnDate:      {pq.Int32, "DATE"},
	export.ColumnTimestamp: {pq.Int64, "TIMESTAMP(isAdjustedToUTC=true,unit=MICROS)"},
	export.ColumnJSON:      {pq.ByteArray, "JSON"},
}

// readParquet reads a file with parquet-go's reader, checks that each column of a known type
// has the expected Parquet types, and converts the values to the columns' Go types.
func readParquet(t testing.TB, path string, cols []export.Column) ([]string, []export.Row) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	file, err := pq.OpenFile(f, info.Size())
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	types := map[string]export.ColumnType{}
	for _, c := range cols {
		types[c.Name] = c.Type
	}
	var names []string
	var colTypes []export.ColumnType
	for _, fld := range file.Schema().Fields() {
		names = append(names, fld.Name())
		typ, ok := types[fld.Name()]
		if !ok {
			// Not among the expected columns: the type its Parquet types say.
			logical := ""
			if lt := fld.Type().LogicalType(); lt != nil {
				logical = lt.String()
			}
			for ct, w := range wantLogical {
				if w.kind == fld.Type().Kind() && w.logical == logical {
					typ = ct
				}
			}
		}
		colTypes = append(colTypes, typ)
		if !fld.Optional() {
			t.Errorf("%s: column %q is not optional", path, fld.Name())
		}
		want := wantLogical[typ]
		logical := ""
		if lt := fld.Type().LogicalType(); lt != nil {
			logical = lt.String()
		}
		if ok && (fld.Type().Kind() != want.kind || logical != want.logical) {
			t.Errorf("%s: column %q of type %v is %v %q, want %v %q", path, fld.Name(), typ, fld.Type().Kind(), logical, want.kind, want.logical)
		}
	}
	reader := pq.NewReader(file)
	defer reader.Close()
	var rows []export.Row
	buf := make([]pq.Row, 64)
	for {
		n, err := reader.ReadRows(buf)
		for _, prow := range buf[:n] {
			row := make(export.Row, len(names))
			for _, v := range prow {
				c := v.Column()
				if v.IsNull() {
					continue
				}
				switch colTypes[c] {
				case export.ColumnText:
					row[c] = string(v.ByteArray())
				case export.ColumnInteger:
					row[c] = v.Int64()
				case export.ColumnReal:
					row[c] = v.Double()
				case export.ColumnBoolean:
					row[c] = v.Boolean()
				case export.ColumnDate:
					row[c] = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(v.Int32()))
				case export.ColumnTimestamp:
					row[c] = time.UnixMicro(v.Int64()).UTC()
				case export.ColumnJSON:
					row[c] = json.RawMessage(append([]byte(nil), v.ByteArray()...))
				}
			}
			rows = append(rows, row)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	if int64(len(rows)) != file.NumRows() {
		t.Errorf("%s: read %d rows, the footer says %d", path, len(rows), file.NumRows())
	}
	return names, rows
}

var suite = filesinktest.Suite{
	Open: parquet.Open,
	Read: readParquet,
	Expect: func(typ export.ColumnType, v any) any {
		if typ == export.ColumnTimestamp {
			return v.(time.Time).Truncate(time.Microsecond)
		}
		return v
	},
}

func TestSink(t *testing.T) { filesinktest.Run(t, suite) }

// TestLayout checks the Hive-partitioned layout and the partition value escaping.
func TestLayout(t *testing.T) {
	dir := t.TempDir()
	sink, err := parquet.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	cols := []export.Column{{Name: "recordId", Type: export.ColumnInteger}}
	tables := []export.Table{
		{Name: "records_VS", Form: "VS", Columns: cols, Key: []string{"recordId"}},
		{Name: "long_AE 2", Form: "AE 2/x=y", Columns: cols, Key: []string{"recordId"}},
		{Name: "subjects", Columns: cols, Key: []string{"recordId"}},
	}
	ctx := context.Background()
	if err := sink.Prepare(ctx, tables); err != nil {
		t.Fatal(err)
	}
	for _, tbl := range tables {
		if err := sink.Write(ctx, tbl.Name, []export.Row{{int64(1)}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := sink.Close(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"records_VS/form=VS/part-0.parquet", "long_AE 2/form=AE%202%2Fx%3Dy/part-0.parquet", "subjects/part-0.parquet"} {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(want))); err != nil {
			t.Errorf("no %s: %v", want, err)
		}
	}
	if got := parquet.EscapePartition(".a%b"); got != "%2Ea%25b" {
		t.Errorf("EscapePartition = %q", got)
	}
}

// TestRowGroups checks a file of several row groups (a wide table) reads back whole and in
// order.
func TestRowGroups(t *testing.T) {
	defer parquet.SetValuesPerRowGroup(50 * 1024)() // 1,024 rows per row group
	tbl := filesinktest.WideTable(50)
	dir := t.TempDir()
	sink, err := parquet.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := sink.Prepare(ctx, []export.Table{tbl}); err != nil {
		t.Fatal(err)
	}
	const rows = 3_500
	for i := 0; i < rows; i += 1000 {
		var batch []export.Row
		for j := i; j < min(i+1000, rows); j++ {
			batch = append(batch, filesinktest.WideRow(tbl, j))
		}
		if err := sink.Write(ctx, tbl.Name, batch); err != nil {
			t.Fatal(err)
		}
	}
	path := sink.Path(tbl.Name)
	if err := sink.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	info, _ := f.Stat()
	file, err := pq.OpenFile(f, info.Size())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(file.RowGroups()); n != 4 {
		t.Errorf("%d row groups, want 4", n)
	}
	if meta := file.Metadata(); !strings.HasPrefix(meta.CreatedBy, "imednet-go") {
		t.Errorf("created by %q", meta.CreatedBy)
	}
	for _, rg := range file.Metadata().RowGroups {
		for _, cc := range rg.Columns {
			if cc.MetaData.Codec != format.Snappy {
				t.Fatalf("column %v compressed with %v", cc.MetaData.PathInSchema, cc.MetaData.Codec)
			}
		}
	}
	_, got := readParquet(t, path, tbl.Columns)
	if len(got) != rows {
		t.Fatalf("%d rows, want %d", len(got), rows)
	}
	for i, row := range got {
		want := filesinktest.WideRow(tbl, i)
		for j, c := range tbl.Columns {
			if !filesinktest.EqualValue(c.Type, row[j], want[j]) {
				t.Fatalf("row %d, column %s: %v, want %v", i, c.Name, row[j], want[j])
			}
		}
	}
}

func BenchmarkSink50kRows60Cols(b *testing.B) {
	filesinktest.Benchmark(b, parquet.Open, 50_000, 60)
}

func BenchmarkUpsert50kRows60Cols(b *testing.B) {
	filesinktest.BenchmarkUpsert(b, parquet.Open, 50_000, 60)
}

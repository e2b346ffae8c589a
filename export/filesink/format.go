package filesink

import (
	"io"
	"os"

	"github.com/imednet/imednet-go/export"
)

// Format is a file format of a [Sink]: where a table's file lies and how its rows are written
// and read back. The sink does everything else (staging, merging, renaming, the ledger).
type Format interface {
	// File returns the path of a table's file relative to the sink's directory, with slashes,
	// such as "subjects.csv" or "records_VS/form=VS/part-0.parquet". The table's name has been
	// checked by [CheckName].
	File(t export.Table) string
	// NewWriter starts a new file with the given columns on w (a file opened for writing).
	NewWriter(w io.Writer, cols []export.Column) (Writer, error)
	// NewReader reads a file of the format written earlier. prepared holds the columns of the
	// table in this run, for formats that do not record the types of their columns: a column of
	// the file that prepared also names is read with that type.
	NewReader(f *os.File, prepared []export.Column) (Reader, error)
}

// Writer writes the rows of one file.
type Writer interface {
	// Write writes a row with one valid value per column (see [CheckValue]). The writer may
	// keep the row's values only until Write returns.
	Write(row export.Row) error
	// Close finishes the file (its footer, buffers); it does not close the underlying file.
	Close() error
}

// Reader reads the rows of one file.
type Reader interface {
	// Columns returns the file's columns in order.
	Columns() []export.Column
	// Read reads the next row into dst, which has one element per column, and returns io.EOF
	// after the last row.
	Read(dst export.Row) error
}

package cmdutil

import (
	"io"

	"github.com/imednet/imednet-go/internal/cli/output"
)

// BOM is the UTF-8 byte order mark that --bom writes before CSV output: Excel reads a CSV file
// without it in the system's legacy code page, which garbles accented and CJK text.
const BOM = "\ufeff"

// ApplyBOM makes the output start with BOM when --bom is given; --bom without -o csv is a
// usage error. The root command calls it before any command runs.
func (f *Factory) ApplyBOM() error {
	if !f.Flags.BOM {
		return nil
	}
	if format, err := f.Format(); err != nil || format != output.CSV || f.Flags.Output == "" {
		return UsageErrorf("--bom is for CSV output: add -o csv")
	}
	f.IO.Out = &bomWriter{w: f.IO.Out}
	return nil
}

// bomWriter writes BOM before the first bytes written through it.
type bomWriter struct {
	w       io.Writer
	written bool
}

func (b *bomWriter) Write(p []byte) (int, error) {
	if !b.written && len(p) > 0 {
		b.written = true
		if _, err := io.WriteString(b.w, BOM); err != nil {
			return 0, err
		}
	}
	return b.w.Write(p)
}

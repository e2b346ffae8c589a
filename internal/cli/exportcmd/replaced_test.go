package exportcmd_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/export/sqlite"
	"github.com/imednet/imednet-go/internal/cli/exportcmd"
)

// replacing is a SQLite sink that claims to have altered one value per write to records_raw,
// as a sink that cannot store some characters (PostgreSQL) reports through export.Replacer.
type replacing struct {
	*sqlite.Sink
	n *atomic.Int64
}

func (r replacing) Write(ctx context.Context, table string, rows []export.Row) error {
	err := r.Sink.Write(ctx, table, rows)
	if err == nil && table == export.RawTable {
		r.n.Add(1)
	}
	return err
}

func (r replacing) Replaced() int64 { return r.n.Load() }

// TestReplacedValuesAreReported: when the sink altered values, the command says how many,
// counting only this run's.
func TestReplacedValuesAreReported(t *testing.T) {
	exportcmd.AddTarget(t, "replacing", func(ctx context.Context, target export.Target) (export.Sink, error) {
		s, err := sqlite.Open(target.Location)
		if err != nil {
			return nil, err
		}
		n := &atomic.Int64{}
		n.Store(5) // counted before this run: not the run's
		return replacing{Sink: s, n: n}, nil
	})
	srv := newSandbox(t)
	dir := t.TempDir()
	r := run(t, srv, false, "--sandbox", "export", "--forms", "AE,VS", "--to", "replacing:"+filepath.Join(dir, "r.db"))
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.errOut)
	}
	// Each form's records fit in one write to records_raw here: two forms, two values.
	if !strings.Contains(r.errOut, "Note: 2 values held characters the target cannot store") {
		t.Errorf("stderr %q: want a note on the 2 values replaced in this run", r.errOut)
	}
	r = run(t, srv, false, "--sandbox", "export", "--forms", "AE", "--to", "sqlite:"+filepath.Join(dir, "plain.db"))
	if r.code != 0 || strings.Contains(r.errOut, "Note:") {
		t.Errorf("a sink that replaces nothing: exit %d, stderr %q", r.code, r.errOut)
	}
}

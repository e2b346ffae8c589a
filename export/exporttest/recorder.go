package exporttest

import (
	"context"
	"slices"
	"sync"

	"github.com/imednet/imednet-go/export"
)

// Recorder is a sink that keeps in memory what runs prepare and write, and no ledger (every
// run starts afresh): a stand-in target for tests and benchmarks of the engine itself, or a
// recording to replay into another sink. It is safe for concurrent use.
type Recorder struct {
	mu     sync.Mutex
	tables []export.Table
	writes []Written
}

// Written is one Write call a Recorder received.
type Written struct {
	Table string
	Rows  []export.Row
}

var _ export.Sink = (*Recorder)(nil)

// Prepare records the tables.
func (r *Recorder) Prepare(_ context.Context, tables []export.Table) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tables = append(r.tables, tables...)
	return nil
}

// Write records the rows (the slice is copied; the rows themselves are kept as given).
func (r *Recorder) Write(_ context.Context, table string, rows []export.Row) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.writes = append(r.writes, Written{table, slices.Clone(rows)})
	return nil
}

// Tables returns the tables prepared so far, in order.
func (r *Recorder) Tables() []export.Table {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.tables)
}

// Writes returns the Write calls received so far, in order.
func (r *Recorder) Writes() []Written {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.writes)
}

// LoadLedger returns an empty ledger.
func (r *Recorder) LoadLedger(context.Context) (*export.Ledger, error) { return &export.Ledger{}, nil }

// SaveForm keeps nothing.
func (r *Recorder) SaveForm(context.Context, export.FormState) error { return nil }

// SaveRun keeps nothing.
func (r *Recorder) SaveRun(context.Context, export.RunState) error { return nil }

// Close does nothing.
func (r *Recorder) Close() error { return nil }

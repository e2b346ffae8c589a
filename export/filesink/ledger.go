package filesink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/imednet/imednet-go/export"
)

// ledgerVersion is the version of the ledger file's layout.
const ledgerVersion = 1

// ledgerJSON is the layout of the ledger file.
type ledgerJSON struct {
	Version int        `json:"version"`
	Forms   []formJSON `json:"forms"` // by form key
	Runs    []runJSON  `json:"runs"`  // oldest first
	// Tables are the reference listings' high-water marks, by table; absent from the files
	// of earlier versions, which read as no marks (the next sync lists those tables whole).
	Tables []tableJSON `json:"tables,omitempty"`
	// Shape is the target's shape (export.Shape.Meta); absent from the files of earlier
	// versions, which read as no shape recorded.
	Shape map[string]string `json:"shape,omitempty"`
	// Dictionaries are the versions of the study's dictionary runs saw, oldest first; absent
	// from the files of earlier versions, which read as none seen.
	Dictionaries []dictionaryJSON `json:"dictionaries,omitempty"`
}

type dictionaryJSON struct {
	Version     int             `json:"version"`
	FirstSeen   time.Time       `json:"firstSeen,omitzero"`
	RunID       string          `json:"runId,omitempty"`
	Fingerprint string          `json:"fingerprint"`
	Dictionary  json.RawMessage `json:"dictionary"`
}

type tableJSON struct {
	Table    string    `json:"table"`
	Mark     time.Time `json:"mark,omitzero"`
	Refused  string    `json:"refused,omitempty"`
	RunID    string    `json:"runId,omitempty"`
	Finished time.Time `json:"finished,omitzero"`
}

type formJSON struct {
	FormKey   string        `json:"formKey"`
	Status    export.Status `json:"status"`
	Records   int64         `json:"records"`
	Error     string        `json:"error,omitempty"`
	Started   time.Time     `json:"started,omitzero"`
	Finished  time.Time     `json:"finished,omitzero"`
	Watermark time.Time     `json:"watermark,omitzero"`
	RunID     string        `json:"runId,omitempty"`
}

type runJSON struct {
	ID          string    `json:"id"`
	Study       string    `json:"study"`
	Mode        string    `json:"mode"`
	Started     time.Time `json:"started,omitzero"`
	Finished    time.Time `json:"finished,omitzero"`
	Forms       int       `json:"forms"`
	FailedForms int       `json:"failedForms"`
	Records     int64     `json:"records"`
	Error       string    `json:"error,omitempty"`
}

// loadLedger reads the ledger file into s.ledger once, with s.ledgerMu held.
func (s *Sink) loadLedger() error {
	if s.ledger != nil {
		return nil
	}
	path := filepath.Join(s.dir, LedgerFile)
	l := &export.Ledger{Forms: map[string]export.FormState{}, Tables: map[string]export.TableState{}}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		s.ledger = l
		return nil
	}
	if err != nil {
		return s.errorf("ledger: %w", err)
	}
	var lj ledgerJSON
	if err := json.Unmarshal(data, &lj); err != nil {
		return s.errorf("ledger %s: %w", path, err)
	}
	if lj.Version != ledgerVersion {
		return s.errorf("ledger %s: version %d, want %d", path, lj.Version, ledgerVersion)
	}
	for _, f := range lj.Forms {
		l.Forms[f.FormKey] = export.FormState{
			FormKey: f.FormKey, Status: f.Status, Records: f.Records, Error: f.Error,
			Started: f.Started, Finished: f.Finished, Watermark: f.Watermark, RunID: f.RunID,
		}
	}
	for _, r := range lj.Runs {
		l.Runs = append(l.Runs, export.RunState(r))
	}
	for _, t := range lj.Tables {
		l.Tables[t.Table] = export.TableState(t)
	}
	if l.Shape, err = export.ShapeFromMeta(lj.Shape); err != nil {
		return s.errorf("ledger %s: %w", path, err)
	}
	for _, d := range lj.Dictionaries {
		l.Dictionaries = append(l.Dictionaries, export.DictionaryVersion(d))
	}
	s.ledger = l
	return nil
}

// saveLedger writes s.ledger to the ledger file atomically, with s.ledgerMu held.
func (s *Sink) saveLedger() error {
	lj := ledgerJSON{Version: ledgerVersion, Forms: []formJSON{}, Runs: []runJSON{}}
	for _, k := range slices.Sorted(maps.Keys(s.ledger.Forms)) {
		f := s.ledger.Forms[k]
		lj.Forms = append(lj.Forms, formJSON{
			FormKey: f.FormKey, Status: f.Status, Records: f.Records, Error: f.Error,
			Started: f.Started, Finished: f.Finished, Watermark: f.Watermark, RunID: f.RunID,
		})
	}
	for _, r := range s.ledger.Runs {
		lj.Runs = append(lj.Runs, runJSON(r))
	}
	for _, k := range slices.Sorted(maps.Keys(s.ledger.Tables)) {
		lj.Tables = append(lj.Tables, tableJSON(s.ledger.Tables[k]))
	}
	if s.ledger.Shape != nil {
		lj.Shape = s.ledger.Shape.Meta()
	}
	for _, d := range s.ledger.Dictionaries {
		lj.Dictionaries = append(lj.Dictionaries, dictionaryJSON(d))
	}
	data, err := json.MarshalIndent(lj, "", "  ")
	if err != nil {
		return s.errorf("ledger: %w", err)
	}
	if err := WriteFileAtomic(filepath.Join(s.dir, LedgerFile), append(data, '\n')); err != nil {
		return s.errorf("ledger: %w", err)
	}
	return nil
}

// WriteFileAtomic writes data to a temporary file next to path (mode 0600), syncs it and
// renames it to path, so that path holds either its old content or data, never a part.
func WriteFileAtomic(path string, data []byte) error {
	tmpPath := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	f, err := os.OpenFile(tmpPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmpPath, path)
	}
	if err != nil {
		os.Remove(tmpPath)
		return err
	}
	return syncDir(filepath.Dir(path))
}

// updateLedger reads the ledger file, applies change to s.ledger and writes the file back,
// all under the ledger's lock, so that concurrent updates neither interleave nor lose one
// another's changes.
func (s *Sink) updateLedger(change func()) error {
	s.ledgerMu.Lock()
	defer s.ledgerMu.Unlock()
	if err := s.loadLedger(); err != nil {
		return err
	}
	change()
	return s.saveLedger()
}

// LoadLedger returns a copy of the ledger saved in the directory, or an empty ledger.
func (s *Sink) LoadLedger(ctx context.Context) (*export.Ledger, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.isClosed() {
		return nil, ErrClosed
	}
	s.ledgerMu.Lock()
	defer s.ledgerMu.Unlock()
	if err := s.loadLedger(); err != nil {
		return nil, err
	}
	l := &export.Ledger{Forms: maps.Clone(s.ledger.Forms), Runs: slices.Clone(s.ledger.Runs), Tables: maps.Clone(s.ledger.Tables),
		Dictionaries: slices.Clone(s.ledger.Dictionaries)}
	if s.ledger.Shape != nil {
		sh := *s.ledger.Shape
		l.Shape = &sh
	}
	return l, nil
}

// SaveShape records the target's shape in the ledger file.
func (s *Sink) SaveShape(ctx context.Context, sh export.Shape) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.isClosed() {
		return ErrClosed
	}
	return s.updateLedger(func() { s.ledger.Shape = &sh })
}

// SaveDictionaryVersion records a version of the study's dictionary in the ledger file.
func (s *Sink) SaveDictionaryVersion(ctx context.Context, v export.DictionaryVersion) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.isClosed() {
		return ErrClosed
	}
	return s.updateLedger(func() { s.ledger.Dictionaries = append(s.ledger.Dictionaries, v) })
}

// Rebuild removes the files of every table an export wrote into the directory (see
// export.IsExportTable; a table's file, or its directory in a format that partitions it)
// and the ledger, and forgets the tables prepared so far: the directory is then as a new
// target. Other files stay.
func (s *Sink) Rebuild(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	for _, t := range s.tables {
		t.mu.Lock()
		t.removeSpool()
		t.mu.Unlock()
	}
	clear(s.tables)
	// Where the format puts a table: a file named after it with a suffix (x.csv), or a
	// directory named after it (x/form=KEY/part-0.parquet).
	const probe = "t"
	first, _, nested := strings.Cut(s.format.File(export.Table{Name: probe}), "/")
	suffix := strings.TrimPrefix(first, probe)
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return s.errorf("rebuild: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		var table string
		switch {
		case nested && e.IsDir():
			table = name
		case !nested && !e.IsDir() && strings.HasSuffix(name, suffix):
			table = strings.TrimSuffix(name, suffix)
		default:
			continue
		}
		if table == "" || table[0] == '.' || table[0] == '_' || !export.IsExportTable(table) {
			continue
		}
		if err := os.RemoveAll(filepath.Join(s.dir, name)); err != nil {
			return s.errorf("rebuild: %w", err)
		}
	}
	s.ledgerMu.Lock()
	defer s.ledgerMu.Unlock()
	if err := os.Remove(filepath.Join(s.dir, LedgerFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return s.errorf("rebuild: %w", err)
	}
	s.ledger = nil
	if err := syncDir(s.dir); err != nil {
		return s.errorf("rebuild: %w", err)
	}
	return nil
}

var (
	_ export.ShapeLedger      = (*Sink)(nil)
	_ export.Rebuilder        = (*Sink)(nil)
	_ export.DictionaryLedger = (*Sink)(nil)
)

// SaveForm commits the tables of the form (those whose Form is f.FormKey), syncs the rows
// spooled for the other tables, then records the form's state in the ledger file.
func (s *Sink) SaveForm(ctx context.Context, f export.FormState) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if f.FormKey == "" {
		return s.errorf("ledger: a form state without a form key")
	}
	if s.isClosed() {
		return ErrClosed
	}
	if err := s.commitTables(func(t *table) bool { return t.def.Form == f.FormKey }); err != nil {
		return err
	}
	if err := s.syncSpools(); err != nil {
		return err
	}
	if err := s.updateLedger(func() { s.ledger.Forms[f.FormKey] = f }); err != nil {
		return fmt.Errorf("%w (form %s)", err, f.FormKey)
	}
	return nil
}

// SaveRun commits every table, then records the run in the ledger file, replacing the record
// with the same ID.
func (s *Sink) SaveRun(ctx context.Context, r export.RunState) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if r.ID == "" {
		return s.errorf("ledger: a run without an ID")
	}
	if s.isClosed() {
		return ErrClosed
	}
	if err := s.commitTables(func(*table) bool { return true }); err != nil {
		return err
	}
	return s.updateLedger(func() {
		if i := slices.IndexFunc(s.ledger.Runs, func(x export.RunState) bool { return x.ID == r.ID }); i >= 0 {
			s.ledger.Runs[i] = r
		} else {
			s.ledger.Runs = append(s.ledger.Runs, r)
		}
	})
}

// SaveTable makes the rows spooled so far durable (as SaveForm does for the tables shared by
// every form), then records a reference listing's state in the ledger file, replacing its
// earlier state.
func (s *Sink) SaveTable(ctx context.Context, t export.TableState) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if t.Table == "" {
		return s.errorf("ledger: a table state without a table")
	}
	if s.isClosed() {
		return ErrClosed
	}
	if err := s.syncSpools(); err != nil {
		return err
	}
	if err := s.updateLedger(func() { s.ledger.Tables[t.Table] = t }); err != nil {
		return fmt.Errorf("%w (table %s)", err, t.Table)
	}
	return nil
}

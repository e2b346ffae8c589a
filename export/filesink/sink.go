// Package filesink is the machinery shared by the export sinks that write a directory of files
// (export/parquet, export/csv, export/jsonl): a [Sink] that implements [export.Sink] for any
// [Format].
//
// # Files
//
// Each table is one file, at the path its [Format] gives. A file is never written in place:
// the sink writes a temporary file in the same directory (named ".NAME.tmp", which readers that
// look for *.csv, *.jsonl or *.parquet do not match, and which Spark and Hive ignore as hidden)
// and renames it over the old one once complete and synced, so a reader sees either the old
// file or the new one, and a crash leaves the old file intact.
//
// # Upserts
//
// Rows given to Write are appended to a spool file of their table in the hidden staging
// directory, and the hashes of their keys kept in memory. When the table is committed, its file
// is rewritten: the rows of the existing file whose key was written since the last commit are
// dropped, the others kept in order, then the spooled rows are appended, each key once, with its
// last row. Memory is bounded by the keys written since the last commit (16 bytes of hash and 8
// of position each, plus the map's overhead), never by the table's rows.
//
// # Commits, crashes and the ledger
//
// A table is committed when the ledger records the state of its form (SaveForm, for the tables
// whose Form is the form's key), when a run is recorded (SaveRun: every table), and at Close
// (every table). Each commit rewrites the table's whole file, so a table shared by all forms
// (Form "") is rewritten only by SaveRun and Close, and a form's own tables about once a run.
//
// Before the ledger is written, SaveForm also syncs every spool file to disk, so the rows that
// the ledger counts are either in the files or in the spool. After a crash the files are those
// of the last commits, whole; the next Open of the directory merges the spools left behind
// (every whole batch) into the files before anything else, so nothing written by Write before
// the crash is lost (batches written after the last sync may be lost with the machine's power,
// not with the process).
//
// # Schema changes
//
// A table's file has the columns of the table as prepared, then any column that the existing
// file has and the prepared table lacks (data is never dropped). Old rows get NULL in new
// columns. A column whose type changed takes its new type when every old value converts to it
// (see [Convert]), and becomes text otherwise, so that no value is lost.
//
// # The ledger
//
// The ledger is the JSON file _imednet_ledger.json in the directory, rewritten atomically on
// each SaveForm and SaveRun.
//
// # The directory
//
// Files are created readable and writable by their owner only (0600), directories 0700. An
// open sink holds the lock file .imednet.lock in the directory, which names its process, host
// and start time, so that two exports never write the same directory at once: a second Open
// fails with an *[export.LockedError] naming the holder. A lock left behind by a process that
// was killed is taken over ([Sink.TookOver]). The sink's staging files live in
// .imednet-staging.
package filesink

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/export/internal/lockfile"
)

// File names in the sink's directory.
const (
	LedgerFile = "_imednet_ledger.json" // the ledger
	LockFile   = ".imednet.lock"        // held while a sink is open
	StagingDir = ".imednet-staging"     // spool files of the open sink
)

// ErrClosed is returned by the methods of a closed sink.
var ErrClosed = errors.New("filesink: sink is closed")

// Sink is an [export.Sink] that writes each table to a file of a [Format] in a directory. It
// is safe for concurrent use; Write may be called concurrently for different tables.
type Sink struct {
	dir     string
	format  Format
	name    string // the format's name in errors, such as "csv"
	lock    *lockfile.Lock
	staging string

	mu     sync.RWMutex
	tables map[string]*table
	closed bool
	seeds  *keyHasher // the seeds of the tables' key hashes

	ledgerMu sync.Mutex
	ledger   *export.Ledger // nil until loaded
}

// table is a prepared table and the rows written to it since its last commit.
type table struct {
	mu      sync.Mutex
	def     export.Table
	key     []int  // indexes of the key's columns in def.Columns
	path    string // the table's file
	spool   *os.File
	size    int64             // bytes in the spool
	rows    int64             // rows in the spool
	keys    map[keyHash]int64 // key -> sequence number of its last row in the spool
	kh      *keyHasher
	dirty   bool // the spool has writes not yet synced
	checked bool // the file exists with the table's columns since the last commit
	buf     []byte
	closed  bool
}

// Open opens (creating it if needed) the directory dir as a sink writing files of format f.
// name names the format in errors ("csv", "jsonl", "parquet"). The directory is locked until
// Close.
func Open(dir string, f Format, name string) (*Sink, error) {
	if dir == "" {
		return nil, fmt.Errorf("%s sink: empty directory name", name)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("%s sink: %w", name, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("%s sink: %w", name, err)
	}
	lock, err := lockfile.Acquire(filepath.Join(abs, LockFile), name+":"+abs)
	if err != nil {
		return nil, err
	}
	s := &Sink{dir: abs, format: f, name: name, lock: lock, staging: filepath.Join(abs, StagingDir), tables: map[string]*table{}, seeds: newKeyHasher()}
	if err := os.Mkdir(s.staging, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		lock.Release()
		return nil, s.errorf("%w", err)
	}
	if err := s.recover(); err != nil {
		lock.Release()
		return nil, err
	}
	return s, nil
}

func (s *Sink) newTable(def export.Table, key []int, path string) *table {
	return &table{def: def, key: key, path: path, keys: map[keyHash]int64{}, kh: &keyHasher{seeds: s.seeds.seeds}}
}

// TookOver returns the holder of a lock on the directory that a process left behind when it
// ended without releasing it, which Open took over; nil when the directory was free.
func (s *Sink) TookOver() *export.LockHolder { return s.lock.TookOver() }

// Dir returns the sink's directory, absolute.
func (s *Sink) Dir() string { return s.dir }

// Path returns the absolute path of a prepared table's file, "" for an unknown table.
func (s *Sink) Path(table string) string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if t := s.tables[table]; t != nil {
		return t.path
	}
	return ""
}

func (s *Sink) errorf(format string, args ...any) error {
	return fmt.Errorf(s.name+" sink: "+format, args...)
}

// CheckName reports whether name can be a table's name in a file sink: not empty, at most 200
// bytes, valid UTF-8 without control characters, slashes, backslashes or the characters that
// Windows forbids in file names, and not starting with a dot or an underscore (kept for the
// sink's own files).
func CheckName(name string) error {
	if name == "" {
		return errors.New("empty table name")
	}
	if len(name) > 200 {
		return fmt.Errorf("table name %q is longer than 200 bytes", truncate(name, 40))
	}
	if name[0] == '.' || name[0] == '_' {
		return fmt.Errorf("table name %q starts with %q", name, name[0])
	}
	if !utf8.ValidString(name) {
		return fmt.Errorf("table name %q is not valid UTF-8", name)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(`/\:*?"<>|`, r) {
			return fmt.Errorf("table name %q contains %q", name, r)
		}
	}
	return nil
}

func (s *Sink) checkTable(t export.Table) ([]int, error) {
	if err := CheckName(t.Name); err != nil {
		return nil, err
	}
	if len(t.Columns) == 0 {
		return nil, fmt.Errorf("table %q has no columns", t.Name)
	}
	index := make(map[string]int, len(t.Columns))
	for i, c := range t.Columns {
		if c.Name == "" {
			return nil, fmt.Errorf("table %q: column %d has no name", t.Name, i+1)
		}
		if _, dup := index[c.Name]; dup {
			return nil, fmt.Errorf("table %q: column %q appears twice", t.Name, c.Name)
		}
		if c.Type < export.ColumnText || c.Type > export.ColumnJSON {
			return nil, fmt.Errorf("table %q: column %q has unknown type %v", t.Name, c.Name, c.Type)
		}
		index[c.Name] = i
	}
	if len(t.Key) == 0 {
		return nil, fmt.Errorf("table %q has no key", t.Name)
	}
	key := make([]int, len(t.Key))
	for i, k := range t.Key {
		j, ok := index[k]
		if !ok {
			return nil, fmt.Errorf("table %q: key column %q is not a column", t.Name, k)
		}
		key[i] = j
	}
	return key, nil
}

// Prepare declares the tables of a run. A table prepared again (in a later run of the same
// sink) with other columns has its rows so far committed first. Files are created or given
// their new columns when their table is first committed.
func (s *Sink) Prepare(ctx context.Context, tables []export.Table) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	keys := make([][]int, len(tables))
	paths := make(map[string]string, len(tables))
	for i, t := range tables {
		key, err := s.checkTable(t)
		if err != nil {
			return s.errorf("%w", err)
		}
		if _, dup := paths[t.Name]; dup {
			return s.errorf("table %q is prepared twice", t.Name)
		}
		keys[i] = key
		rel := s.format.File(t)
		path := filepath.Join(s.dir, filepath.FromSlash(rel))
		if !strings.HasPrefix(path, s.dir+string(filepath.Separator)) {
			return s.errorf("table %q: file %q lies outside the directory", t.Name, rel)
		}
		paths[t.Name] = path
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	for i, t := range tables {
		t.Columns = append([]export.Column(nil), t.Columns...)
		t.Key = append([]string(nil), t.Key...)
		old := s.tables[t.Name]
		if old == nil {
			s.tables[t.Name] = s.newTable(t, keys[i], paths[t.Name])
			continue
		}
		old.mu.Lock()
		err := s.commit(old)
		if err == nil {
			old.def, old.key, old.path, old.checked = t, keys[i], paths[t.Name], false
		}
		old.mu.Unlock()
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *Sink) table(name string) (*table, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, ErrClosed
	}
	t := s.tables[name]
	if t == nil {
		return nil, s.errorf("table %q was not prepared", name)
	}
	return t, nil
}

// Write adds rows to a table, all or none: they are checked, then spooled; they reach the
// table's file at its next commit. Of several rows with the same key, the last wins.
func (s *Sink) Write(ctx context.Context, name string, rows []export.Row) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	t, err := s.table(name)
	if err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return ErrClosed
	}
	cols := t.def.Columns
	buf := newFrame(t.buf)
	for i, row := range rows {
		if len(row) != len(cols) {
			return s.errorf("table %q, row %d of the batch: %d values for %d columns", name, i+1, len(row), len(cols))
		}
		for j, v := range row {
			if err := CheckValue(v, cols[j].Type); err != nil {
				return s.errorf("table %q, row %d of the batch, column %q: %w", name, i+1, cols[j].Name, err)
			}
		}
		for _, j := range t.key {
			if row[j] == nil {
				return s.errorf("table %q, row %d of the batch: key column %q is NULL", name, i+1, cols[j].Name)
			}
		}
		buf = appendRow(buf, row)
	}
	t.buf = buf
	if len(rows) == 0 {
		return nil
	}
	if t.spool == nil {
		if err := s.createSpool(t); err != nil {
			return s.errorf("table %q: %w", name, err)
		}
	}
	frame := sealFrame(buf)
	if _, err := t.spool.Write(frame); err != nil {
		// Drop the part that was written, so that the batch is all or nothing.
		if terr := t.spool.Truncate(t.size); terr != nil {
			err = errors.Join(err, terr)
		} else if _, serr := t.spool.Seek(t.size, io.SeekStart); serr != nil {
			err = errors.Join(err, serr)
		}
		return s.errorf("table %q: spooling rows: %w", name, err)
	}
	t.size += int64(len(frame))
	t.dirty = true
	for _, row := range rows {
		t.keys[t.kh.key(row, t.key)] = t.rows
		t.rows++
	}
	if cap(t.buf) > 4<<20 {
		t.buf = nil // do not keep a huge batch's buffer
	}
	return nil
}

// spoolHeader is the first frame of a spool file: what the sink needs to commit its rows after
// a crash.
type spoolHeader struct {
	Format string       `json:"format"` // the sink's format name
	File   string       `json:"file"`   // the table's file, relative to the directory, with slashes
	Table  export.Table `json:"table"`
}

// createSpool creates the table's spool file with its header.
func (s *Sink) createSpool(t *table) error {
	f, err := os.CreateTemp(s.staging, "*.spool")
	if err != nil {
		return err
	}
	rel, err := filepath.Rel(s.dir, t.path)
	if err == nil {
		var hdr []byte
		hdr, err = json.Marshal(spoolHeader{Format: s.name, File: filepath.ToSlash(rel), Table: t.def})
		if err == nil {
			frame := sealFrame(append(newFrame(nil), hdr...))
			if _, err = f.Write(frame); err == nil {
				t.spool, t.size, t.dirty = f, int64(len(frame)), true
				return nil
			}
		}
	}
	f.Close()
	os.Remove(f.Name())
	return err
}

// removeSpool closes and removes the table's spool file, once its rows are committed.
func (t *table) removeSpool() error {
	if t.spool == nil {
		return nil
	}
	name := t.spool.Name()
	err := t.spool.Close()
	if rerr := os.Remove(name); err == nil {
		err = rerr
	}
	t.spool, t.size, t.dirty = nil, 0, false
	return err
}

// recover commits the spool files left in the staging directory by a sink that was never
// closed, oldest first, and removes them.
func (s *Sink) recover() error {
	entries, err := os.ReadDir(s.staging)
	if err != nil {
		return s.errorf("%w", err)
	}
	type spool struct {
		path string
		mod  time.Time
	}
	var spools []spool
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".spool") {
			info, err := e.Info()
			if err != nil {
				return s.errorf("%w", err)
			}
			spools = append(spools, spool{filepath.Join(s.staging, e.Name()), info.ModTime()})
		}
	}
	slices.SortStableFunc(spools, func(a, b spool) int { return a.mod.Compare(b.mod) })
	for _, sp := range spools {
		if err := s.recoverSpool(sp.path); err != nil {
			return s.errorf("recovering the rows of an interrupted run from %s: %w", sp.path, err)
		}
	}
	return nil
}

func (s *Sink) recoverSpool(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fr := &frameReader{r: bufio.NewReader(f)}
	payload, err := fr.next()
	if err != nil {
		// Torn before its header was whole: it holds no rows.
		f.Close()
		return os.Remove(path)
	}
	var hdr spoolHeader
	if err := json.Unmarshal(payload, &hdr); err != nil {
		return fmt.Errorf("header: %w", err)
	}
	if hdr.Format != s.name {
		return fmt.Errorf("it was written by a %s sink, this is a %s sink", hdr.Format, s.name)
	}
	key, err := s.checkTable(hdr.Table)
	if err != nil {
		return err
	}
	full := filepath.Join(s.dir, filepath.FromSlash(hdr.File))
	if !strings.HasPrefix(full, s.dir+string(filepath.Separator)) {
		return fmt.Errorf("file %q lies outside the directory", hdr.File)
	}
	t := s.newTable(hdr.Table, key, full)
	row := make(export.Row, len(hdr.Table.Columns))
	for {
		p, err := fr.next()
		if err != nil {
			break
		}
		for p = stable(p); len(p) > 0; {
			if p, err = decodeRow(p, row); err != nil {
				return err
			}
			t.keys[t.kh.key(row, t.key)] = t.rows
			t.rows++
		}
	}
	if t.rows == 0 {
		f.Close()
		return os.Remove(path)
	}
	t.spool = f
	t.size = fr.off
	if err := s.commit(t); err != nil {
		return err
	}
	return nil
}

// commit merges a table's spooled rows into its file, with t.mu held.
func (s *Sink) commit(t *table) (err error) {
	if t.rows == 0 && t.checked {
		return nil
	}
	defer func() {
		if err != nil {
			err = s.errorf("table %q: %s: %w", t.def.Name, t.path, err)
		}
	}()
	var oldFile *os.File
	var oldCols []export.Column
	switch f, err := os.Open(t.path); {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return err
	default:
		defer f.Close()
		old, err := s.format.NewReader(f, t.def.Columns)
		if err != nil {
			return fmt.Errorf("reading the existing file: %w", err)
		}
		oldCols = old.Columns()
		if len(oldCols) > 0 {
			oldFile = f
		} else if t.rows == 0 {
			// An empty table in a format that names its columns in its rows (JSON Lines).
			t.checked = true
			return nil
		}
	}

	// The columns of the new file: the table's, then those that only the old file has.
	out := slices.Clone(t.def.Columns)
	for _, oc := range oldCols {
		if indexOf(out, oc.Name) < 0 {
			out = append(out, oc)
		}
	}
	if oldFile != nil {
		if t.rows == 0 && slices.Equal(oldCols, out) {
			t.checked = true
			return nil
		}
		for _, j := range t.key {
			if indexOf(oldCols, out[j].Name) < 0 {
				return fmt.Errorf("the existing file lacks the key column %q", out[j].Name)
			}
		}
	}
	if err := os.MkdirAll(filepath.Dir(t.path), 0o700); err != nil {
		return err
	}
	tmpPath := filepath.Join(filepath.Dir(t.path), "."+filepath.Base(t.path)+".tmp")
	for {
		err := s.rewrite(t, tmpPath, oldFile, out)
		var w *widenError
		if !errors.As(err, &w) {
			if err != nil {
				os.Remove(tmpPath)
				return err
			}
			break
		}
		// An old value does not convert to the column's new type: the column becomes text.
		out[w.column].Type = export.ColumnText
	}
	if oldFile != nil {
		oldFile.Close() // before the rename, which Windows refuses over an open file
	}
	if err := os.Rename(tmpPath, t.path); err != nil {
		os.Remove(tmpPath)
		return err
	}
	if err := syncDir(filepath.Dir(t.path)); err != nil {
		return err
	}
	t.rows, t.checked = 0, true
	t.keys = map[keyHash]int64{}
	return t.removeSpool()
}

// widenError reports that a value does not convert to its column's type in the new file.
type widenError struct{ column int }

func (*widenError) Error() string { return "a column needs the text type" }

// rewrite writes the table's new file to tmpPath: the rows of the old file (if any) whose key
// was not spooled, then the spooled rows, each key once, its last row.
func (s *Sink) rewrite(t *table, tmpPath string, oldFile *os.File, out []export.Column) (err error) {
	tmp, err := os.OpenFile(tmpPath, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
	}()
	w, err := s.format.NewWriter(tmp, out)
	if err != nil {
		return err
	}
	row := make(export.Row, len(out))
	convert := func(v any, from export.ColumnType, j int) (any, error) {
		c, err := Convert(v, from, out[j].Type)
		if err != nil {
			return nil, &widenError{j}
		}
		return c, nil
	}
	if oldFile != nil {
		if _, err := oldFile.Seek(0, io.SeekStart); err != nil {
			return err
		}
		old, err := s.format.NewReader(oldFile, t.def.Columns)
		if err != nil {
			return fmt.Errorf("reading the existing file: %w", err)
		}
		oldCols := old.Columns()
		src := make([]int, len(out))
		for j, c := range out {
			src[j] = indexOf(oldCols, c.Name)
		}
		oldRow := make(export.Row, len(oldCols))
		for n := 1; ; n++ {
			if err := old.Read(oldRow); err == io.EOF {
				break
			} else if err != nil {
				return fmt.Errorf("reading the existing file, row %d: %w", n, err)
			}
			for j, i := range src {
				row[j] = nil
				if i >= 0 {
					if row[j], err = convert(oldRow[i], oldCols[i].Type, j); err != nil {
						return err
					}
				}
			}
			if len(t.keys) > 0 {
				if _, ok := t.keys[t.kh.key(row, t.key)]; ok {
					continue
				}
			}
			if err := w.Write(row); err != nil {
				return err
			}
		}
	}
	if t.rows > 0 {
		if _, err := t.spool.Seek(0, io.SeekStart); err != nil {
			return err
		}
		fr := &frameReader{r: bufio.NewReaderSize(io.LimitReader(t.spool, t.size), 256<<10)}
		if _, err := fr.next(); err != nil { // the header
			return fmt.Errorf("spool file %s: %w", t.spool.Name(), errCorruptSpool)
		}
		clear(row)
		spooled := row[:len(t.def.Columns)]
		seq := int64(0)
		for seq < t.rows {
			p, err := fr.next()
			if err != nil {
				return fmt.Errorf("spool file %s: %d rows of %d: %w", t.spool.Name(), seq, t.rows, errCorruptSpool)
			}
			for p = stable(p); len(p) > 0 && seq < t.rows; {
				if p, err = decodeRow(p, spooled); err != nil {
					return fmt.Errorf("spool file %s, row %d: %w", t.spool.Name(), seq+1, err)
				}
				if t.keys[t.kh.key(spooled, t.key)] == seq {
					for j, c := range t.def.Columns {
						if out[j].Type != c.Type {
							if spooled[j], err = convert(spooled[j], c.Type, j); err != nil {
								return err
							}
						}
					}
					if err := w.Write(row); err != nil {
						return err
					}
				}
				seq++
			}
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	return tmp.Sync()
}

// indexOf returns the index of the column called name, or -1.
func indexOf(cols []export.Column, name string) int {
	return slices.IndexFunc(cols, func(c export.Column) bool { return c.Name == name })
}

func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// commitTables commits the prepared tables for which match is true, all of them even when one
// fails.
func (s *Sink) commitTables(match func(*table) bool) error {
	s.mu.RLock()
	ts := make([]*table, 0, len(s.tables))
	for _, t := range s.tables {
		ts = append(ts, t)
	}
	s.mu.RUnlock()
	var errs []error
	for _, t := range ts {
		t.mu.Lock()
		if !t.closed && match(t) {
			if err := s.commit(t); err != nil {
				errs = append(errs, err)
			}
		}
		t.mu.Unlock()
	}
	return errors.Join(errs...)
}

// Commit merges the rows written so far to every table into its file. SaveRun and Close do it;
// a caller may do it in between.
func (s *Sink) Commit(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.isClosed() {
		return ErrClosed
	}
	return s.commitTables(func(*table) bool { return true })
}

// syncSpools syncs the spool files that have writes not yet on disk.
func (s *Sink) syncSpools() error {
	s.mu.RLock()
	ts := make([]*table, 0, len(s.tables))
	for _, t := range s.tables {
		ts = append(ts, t)
	}
	s.mu.RUnlock()
	for _, t := range ts {
		t.mu.Lock()
		var err error
		if t.spool != nil && t.dirty {
			if err = t.spool.Sync(); err == nil {
				t.dirty = false
			}
		}
		t.mu.Unlock()
		if err != nil {
			return s.errorf("table %q: syncing its spool: %w", t.def.Name, err)
		}
	}
	return nil
}

func (s *Sink) isClosed() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.closed
}

// Close commits every table, then releases the directory. A sink is closed once; later calls
// return ErrClosed.
func (s *Sink) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	s.closed = true
	s.mu.Unlock()
	var errs []error
	for _, t := range s.tables {
		t.mu.Lock()
		if err := s.commit(t); err != nil {
			errs = append(errs, err)
		}
		t.closed = true
		if t.spool != nil {
			// Not committed: the spool stays for the next Open to recover.
			t.spool.Close()
			t.spool = nil
		}
		t.keys = nil
		t.mu.Unlock()
	}
	if len(errs) == 0 {
		if err := os.Remove(s.staging); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, s.errorf("%w", err))
		}
	}
	if err := s.lock.Release(); err != nil {
		errs = append(errs, s.errorf("%w", err))
	}
	return errors.Join(errs...)
}

var _ export.Sink = (*Sink)(nil)
var _ export.TableLedger = (*Sink)(nil)
var _ export.LockTaker = (*Sink)(nil)

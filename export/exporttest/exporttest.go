// Package exporttest tests export sinks end to end: the scenarios of the export engine (export,
// sync, resume, faults, failed forms, records only, blank values stored as NULL) that every
// sink must pass, run through export.Run against a small study of the test server (package
// imednettest) and checked by reading the sink's tables back with a reader independent of the
// sink.
//
// A sink's tests describe the sink with a Harness and call Run. The package imports no sink,
// so that every sink's tests can import it.
package exporttest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/imednettest"
)

// Study is the key of the study that the scenarios export.
const Study = imednettest.DemoStudyKey

// Target is one export target of a scenario, chosen by the suite: each scenario exports into
// several targets and compares them.
type Target struct {
	// Dir is an empty directory of the target's own, removed when the test ends: a file sink
	// writes into it, an embedded database keeps its file in it.
	Dir string
	// Name is unique to the target, even across runs of the tests: lower-case ASCII letters,
	// digits and underscores, starting with a letter, at most 40 bytes. A database server's
	// sink can use it as the name of a schema or database.
	Name string
	// Study is the study key of the export.
	Study string
	// Reference is true for a target that the scenario compares the others with (a clean or
	// fresh export). A harness may open it differently from the others (through another
	// write path, for example), so that the comparison covers both ways.
	Reference bool
}

// Harness describes the sink under test.
type Harness struct {
	// Open opens a target as a sink: the first time it creates the target, later it opens
	// the same target again (the suite closes every sink it opened before it opens its target
	// again or reads it, but for the Lock scenario, which opens a target a second time while
	// it is open and wants the *export.LockedError of the sink's own Open). It returns the
	// sink's error when the sink cannot be opened, and removes whatever the target holds
	// outside Target.Dir when t ends.
	Open func(t *testing.T, tg Target) (export.Sink, error)
	// Dump reads every table of a target with a reader independent of the sink, the ledger's
	// tables (named _imednet_...) excepted: the rows of each table by its name, each row as
	// one line of text, sorted. A line must show every value of the row, in a form that tells
	// apart the values the sink tells apart (its type too, where the sink keeps one), so that
	// two targets holding the same data give equal dumps and targets with different data do
	// not; it may name the columns. It is called with no sink of the target open.
	Dump func(t *testing.T, tg Target) map[string][]string
	// RecordIDs reads the recordId column of a table of the target (a form's wide table or
	// records_raw), one element per row. It is called with no sink of the target open.
	RecordIDs func(t *testing.T, tg Target, table string) []int64
}

// Run runs every scenario against the sink, each as a subtest, in parallel with each other.
// First it exports a small generated study into a reference target, which the scenarios that
// do not change the study compare their targets with (the study is the same on every server).
func Run(t *testing.T, h Harness) {
	if h.Open == nil || h.Dump == nil || h.RecordIDs == nil {
		t.Fatal("exporttest: the harness lacks Open, Dump or RecordIDs")
	}
	ref := newReference(t, h)
	t.Run("Export", func(t *testing.T) { t.Parallel(); testExport(t, h, ref) })
	t.Run("Sync", func(t *testing.T) { t.Parallel(); testSync(t, h) })
	t.Run("ResumeAfterCancel", func(t *testing.T) { t.Parallel(); testResumeAfterCancel(t, h, ref) })
	t.Run("Faults", func(t *testing.T) { t.Parallel(); testFaults(t, h, ref) })
	t.Run("FailedForm", func(t *testing.T) { t.Parallel(); testFailedForm(t, h, ref) })
	t.Run("RecordsOnly", func(t *testing.T) { t.Parallel(); testRecordsOnly(t, h, ref) })
	t.Run("BlankIsNull", func(t *testing.T) { t.Parallel(); testBlankIsNull(t, h, ref) })
	t.Run("IncrementalTables", func(t *testing.T) { t.Parallel(); testIncrementalTables(t, h) })
	t.Run("RefusedFilter", func(t *testing.T) { t.Parallel(); testRefusedFilter(t, h) })
	t.Run("Lock", func(t *testing.T) { t.Parallel(); testLock(t, h, ref) })
	t.Run("Shape", func(t *testing.T) { t.Parallel(); testShape(t, h, ref) })
	t.Run("Names", func(t *testing.T) { t.Parallel(); testNames(t, h, ref) })
	t.Run("Decoded", func(t *testing.T) { t.Parallel(); testDecoded(t, h) })
}

// reference is a clean export of smallStudy in both layouts, with what the run reported.
type reference struct {
	srv    *imednettest.Server
	c      *imednet.Client
	tg     Target
	opts   export.Options // without OnEvent
	sum    *export.Summary
	events []export.Event
	dump   map[string][]string // the target's tables after the run
}

// newReference exports smallStudy into a new reference target of t.
func newReference(t *testing.T, h Harness) *reference {
	t.Helper()
	r := &reference{srv: newServer(t), tg: target(t, "clean", true)}
	r.c = newClient(t, r.srv)
	r.opts = export.Options{Layout: export.Both, PageSize: 7, BatchSize: 10}
	opts := r.opts
	opts.OnEvent = func(e export.Event) { r.events = append(r.events, e) }
	r.sum = mustRun(t, h, r.tg, r.c, opts)
	r.dump = h.Dump(t, r.tg)
	return r
}

// wide returns the reference's tables that an export in the wide layout alone writes.
func (r *reference) wide() map[string][]string {
	out := maps.Clone(r.dump)
	delete(out, export.LongTable)
	return out
}

// smallStudy is the study of the scenarios: every form of the catalogue (some without
// records, the site form's records without subjects) but few subjects, so that the scenarios
// are quick, with deleted records, queries, codings and users.
var smallStudy = imednettest.StudyConfig{
	Key: Study, Sites: 2, Subjects: 3, RecordsPerSubject: 10, Users: 3, QueryFraction: 0.2, DeletedFraction: 0.1,
}

// newServer returns a test server with smallStudy.
func newServer(t *testing.T, opts ...imednettest.Option) *imednettest.Server {
	t.Helper()
	srv, err := imednettest.New(append([]imednettest.Option{imednettest.WithStudy(smallStudy)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// newClient returns a client of srv that does not retry (unless opts say otherwise).
func newClient(t *testing.T, srv *imednettest.Server, opts ...imednet.Option) *imednet.Client {
	t.Helper()
	c, err := srv.Client(append([]imednet.Option{imednet.WithMaxRetries(0)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// target returns a new target for the test, its name starting with role.
func target(t *testing.T, role string, reference bool) Target {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	return Target{Dir: t.TempDir(), Name: "x" + role + "_" + hex.EncodeToString(b), Study: Study, Reference: reference}
}

// open opens the target, failing t when it cannot.
func open(t *testing.T, h Harness, tg Target) export.Sink {
	t.Helper()
	sink, err := h.Open(t, tg)
	if err != nil {
		t.Fatalf("opening %s: %v", tg.Name, err)
	}
	return sink
}

// run opens the target, runs the engine into it and closes the sink, returning the run's
// summary and error (the error of Close when the run succeeded).
func run(ctx context.Context, t *testing.T, h Harness, tg Target, c *imednet.Client, opts export.Options) (*export.Summary, error) {
	t.Helper()
	sink := open(t, h, tg)
	sum, err := export.Run(ctx, c, tg.Study, sink, opts)
	if cerr := sink.Close(); err == nil && cerr != nil {
		t.Fatalf("closing the sink: %v", cerr)
	}
	return sum, err
}

// mustRun is run for a run that must succeed.
func mustRun(t *testing.T, h Harness, tg Target, c *imednet.Client, opts export.Options) *export.Summary {
	t.Helper()
	sum, err := run(context.Background(), t, h, tg, c, opts)
	if err != nil {
		t.Fatalf("%s into %s: %v", opts.Mode, tg.Name, err)
	}
	return sum
}

// ledger reads the target's ledger.
func ledger(t *testing.T, h Harness, tg Target) *export.Ledger {
	t.Helper()
	sink := open(t, h, tg)
	defer sink.Close()
	l, err := sink.LoadLedger(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// clean exports the study into a new reference target with opts and returns the target's
// dump, for a scenario that changed the study.
func clean(t *testing.T, h Harness, c *imednet.Client, opts export.Options) map[string][]string {
	t.Helper()
	tg := target(t, "clean", true)
	mustRun(t, h, tg, c, opts)
	return h.Dump(t, tg)
}

// SameTables fails t unless two dumps hold the same tables with the same rows, naming the
// first row that differs in each table.
func SameTables(t testing.TB, got, want map[string][]string) {
	t.Helper()
	if len(want) == 0 {
		t.Error("the expected dump holds no table")
	}
	for _, name := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[name]; !ok {
			t.Errorf("table %s is not expected", name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(want)) {
		g, ok := got[name]
		if !ok {
			t.Errorf("table %s is missing", name)
			continue
		}
		w := want[name]
		if len(g) != len(w) {
			t.Errorf("table %s: %d rows, want %d", name, len(g), len(w))
		}
		for i := range min(len(g), len(w)) {
			if g[i] != w[i] {
				t.Errorf("table %s: row %d:\n got %s\nwant %s", name, i, g[i], w[i])
				break
			}
		}
	}
}

// recordTables returns the tables of a dump that a records-only run writes.
func recordTables(d map[string][]string) map[string][]string {
	out := map[string][]string{}
	for name, rows := range d {
		if strings.HasPrefix(name, export.WideTablePrefix) || name == export.RawTable || name == export.ColumnsTable ||
			name == export.LongTable || name == "forms" || name == "variables" {
			out[name] = rows
		}
	}
	return out
}

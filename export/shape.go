package export

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// LayoutVersion is the version of the layout of the tables an export writes: their names,
// their columns and the columns' types and meanings. It is part of every target's [Shape]:
// a release that changes the layout so that a target written before would read wrongly (a
// renamed column, a new meaning) raises it, and runs into a target of another version are
// refused until it is rebuilt (Options.Full). Readers of targets (package report) check it.
const LayoutVersion = 1

// Shape is what of a run's options shapes the target's tables: which tables there are and
// what their columns are called. A target records the shape of the run that created it
// (SQL targets in their _imednet_meta table, file targets in their ledger), and a later run
// whose shape differs is refused with a *[ShapeError] rather than mixing two shapes in one
// table (code-named and label-named columns side by side, a wide target half long).
//
// Options that only choose what a run fetches are not shape: Forms (a run may do some forms
// now and others later, into the same tables), RecordsOnly (the reference tables already in
// the target stay as they are), Full, Mode, and the tuning options (Concurrency, RateLimit,
// BatchSize, PageSize, Overlap).
type Shape struct {
	// LayoutVersion is the version of the tables' layout: [LayoutVersion] for a run of this
	// package.
	LayoutVersion int
	Layout        Layout // the record tables: wide, long or both
	Labels        bool   // the wide tables' variable columns are named after the labels
	Names         Names  // how tables and columns are named: NamesAPI or NamesSnake
	// A future option that changes the tables' content or names belongs here too, with a
	// key of its own in [Shape.Meta], so that targets written without it read as its zero
	// value: for example Dictionary, choice values decoded through the vendor's dictionary
	// files instead of the codes the API sends.
}

// Shape returns the shape a run with these options gives its target: the layout (Wide when
// empty), the labels, the names (NamesAPI when empty) and [LayoutVersion].
func (o Options) Shape() Shape {
	l := o.Layout
	if l == "" {
		l = Wide
	}
	n := o.Names
	if n == "" {
		n = NamesAPI
	}
	return Shape{LayoutVersion: LayoutVersion, Layout: l, Labels: o.Labels, Names: n}
}

// The keys of a shape in name/value form ([Shape.Meta]).
const (
	metaLayoutVersion = "layoutVersion"
	metaLayout        = "layout"
	metaLabels        = "labels"
	metaNames         = "names"
)

// Meta returns the shape as names and values, as the SQL sinks keep it in their
// _imednet_meta table (name text, value text): layoutVersion "1", layout "wide", labels
// "false", names "api".
func (s Shape) Meta() map[string]string {
	return map[string]string{
		metaLayoutVersion: strconv.Itoa(s.LayoutVersion),
		metaLayout:        string(s.Layout),
		metaLabels:        strconv.FormatBool(s.Labels),
		metaNames:         string(s.Names),
	}
}

// ShapeFromMeta reads a shape written by [Shape.Meta] from names and values that may hold
// others too. It returns nil when they hold no shape (no layoutVersion: a target created
// before targets recorded their shape, or a new one), and an error naming the value that
// does not read.
func ShapeFromMeta(meta map[string]string) (*Shape, error) {
	v, ok := meta[metaLayoutVersion]
	if !ok {
		return nil, nil
	}
	var s Shape
	var err error
	if s.LayoutVersion, err = strconv.Atoi(strings.TrimSpace(v)); err != nil {
		return nil, fmt.Errorf("export: the target's %s %q is not a number", metaLayoutVersion, v)
	}
	if s.Layout, err = ParseLayout(meta[metaLayout]); err != nil {
		return nil, fmt.Errorf("export: the target's recorded shape: %w", err)
	}
	if l := meta[metaLabels]; l != "" {
		if s.Labels, err = strconv.ParseBool(l); err != nil {
			return nil, fmt.Errorf("export: the target's %s %q is not true or false", metaLabels, l)
		}
	}
	s.Names = NamesAPI // the names of targets that record none
	if n := meta[metaNames]; n != "" {
		if s.Names, err = ParseNames(n); err != nil {
			return nil, fmt.Errorf("export: the target's recorded shape: %w", err)
		}
	}
	return &s, nil
}

// ErrShape is matched (errors.Is) by the *[ShapeError] of a run refused because its options
// would change the shape of the target.
var ErrShape = errors.New("export: the run would change the target's shape")

// ShapeError is the error of a run whose options would change the [Shape] the target
// records. The run wrote nothing. Options.Full rebuilds the target with the new shape (see
// [Rebuilder]); a new target takes any shape.
type ShapeError struct {
	Option    string // the option that differs: "layout version", "layout", "labels" or "names"
	Stored    string // its value in the target
	Requested string // its value in the run
}

// Error names the option, both values and the ways out.
func (e *ShapeError) Error() string {
	return fmt.Sprintf("export: option %s: the target holds %q, this run asks for %q; a target keeps the shape it was created with "+
		"(rerun with --full to rebuild it with the new options, dropping the tables earlier runs wrote, or write to a new target)",
		e.Option, e.Stored, e.Requested)
}

// Is reports whether target is ErrShape.
func (e *ShapeError) Is(target error) bool { return target == ErrShape }

// differ returns a *ShapeError for the first option in which the requested shape differs
// from the stored one, or nil when they are the same.
func (s Shape) differ(requested Shape) *ShapeError {
	switch {
	case s.LayoutVersion != requested.LayoutVersion:
		return &ShapeError{Option: "layout version", Stored: strconv.Itoa(s.LayoutVersion), Requested: strconv.Itoa(requested.LayoutVersion)}
	case s.Layout != requested.Layout:
		return &ShapeError{Option: "layout", Stored: string(s.Layout), Requested: string(requested.Layout)}
	case s.Labels != requested.Labels:
		return &ShapeError{Option: "labels", Stored: strconv.FormatBool(s.Labels), Requested: strconv.FormatBool(requested.Labels)}
	case s.Names != requested.Names:
		return &ShapeError{Option: "names", Stored: string(s.Names), Requested: string(requested.Names)}
	}
	return nil
}

// ShapeLedger is implemented by sinks that record their target's [Shape] (every sink of this
// module does): LoadLedger returns it in Ledger.Shape, and SaveShape records it, replacing
// the one recorded. The engine records the shape of the first run into a target and refuses
// later runs of another shape; a sink without it takes any run.
type ShapeLedger interface {
	SaveShape(ctx context.Context, s Shape) error
}

// Rebuilder is implemented by sinks that can empty their target for a run of another shape
// with Options.Full (every sink of this module does). Rebuild drops every table an export
// wrote into the target (those for which [IsExportTable] is true, ledger included) and
// leaves anything else; afterwards the target is as new, and LoadLedger returns an empty
// ledger.
type Rebuilder interface {
	Rebuild(ctx context.Context) error
}

// IsExportTable reports whether a table of a target, by its name, is one an export writes:
// a reference table, records_raw, record_values, wide_columns, a form's wide table (or part),
// whose name starts with [WideTablePrefix], or a table of the ledger (starting with
// "_imednet_"). A user's own tables in a target should be named otherwise, so that a
// rebuild leaves them.
func IsExportTable(name string) bool {
	if strings.HasPrefix(name, WideTablePrefix) || strings.HasPrefix(name, "_imednet_") {
		return true
	}
	return commonTableNames()[strings.ToLower(name)]
}

// shapeAdoption says which options of a run take the target's shape: those a sync leaves
// at their zero value.
type shapeAdoption struct{ layout, labels, names bool }

// settleShape checks the run's shape against the target's, before the run writes anything.
// A sync takes the target's layout, labels and names where its options leave them empty. A run of
// another shape is refused with a *ShapeError, or with Options.Full rebuilds the target, and
// then gets a new ledger. A target that records no shape records the run's. It returns the
// ledger the run goes on with.
func (e *engine) settleShape(ctx context.Context, ledger *Ledger) (*Ledger, error) {
	sl, keeps := e.sink.(ShapeLedger)
	if !keeps {
		return ledger, nil
	}
	if stored := ledger.Shape; stored != nil {
		if e.adopt.layout {
			e.opts.Layout = stored.Layout
		}
		if e.adopt.labels {
			e.opts.Labels = stored.Labels
		}
		if e.adopt.names {
			e.opts.Names = stored.Names
		}
		serr := stored.differ(e.opts.Shape())
		if serr == nil {
			// Recorded again: a shape the sink told from a target that recorded none
			// becomes the target's record.
			if err := sl.SaveShape(ctx, e.opts.Shape()); err != nil {
				return nil, fmt.Errorf("export: save the target's shape: %w", err)
			}
			return ledger, nil
		}
		rb, ok := e.sink.(Rebuilder)
		if !e.opts.Full || !ok {
			return nil, serr
		}
		if err := rb.Rebuild(ctx); err != nil {
			return nil, fmt.Errorf("export: rebuild the target for option %s %q: %w", serr.Option, serr.Requested, err)
		}
		ledger = &Ledger{} // the rebuilt target's: empty
	}
	if err := sl.SaveShape(ctx, e.opts.Shape()); err != nil {
		return nil, fmt.Errorf("export: save the target's shape: %w", err)
	}
	return ledger, nil
}

// LegacyShape is the shape of a target that exports wrote before targets recorded their
// shape, as a database sink tells it from its tables: wide when wide_columns has rows, long
// when record_values exists (wide when neither), and labels when most of the variables'
// columns listed in wide_columns (variables) are named otherwise than their variable
// (labelled). Such a target is of layout version 1 and has the API's names.
func LegacyShape(wide, long bool, variables, labelled int64) *Shape {
	s := &Shape{LayoutVersion: 1, Layout: Wide, Names: NamesAPI}
	if long {
		s.Layout = Long
		if wide {
			s.Layout = Both
		}
	}
	s.Labels = variables > 0 && 2*labelled > variables
	return s
}

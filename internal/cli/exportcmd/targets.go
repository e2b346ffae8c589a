package exportcmd

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/export/csv"
	"github.com/imednet/imednet-go/export/jsonl"
	"github.com/imednet/imednet-go/export/parquet"
	"github.com/imednet/imednet-go/export/postgres"
	"github.com/imednet/imednet-go/export/sqlite"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
)

// target is one kind of --to: a sink package and how the command line names it.
type target struct {
	scheme   string   // what precedes the colon, in lower case
	aliases  []string // other spellings of the scheme
	location string   // what follows "scheme:" in the help: FILE, DIR, or //... for a URL
	name     string   // the format, for the commands' short help: "SQLite"
	about    string   // one line for the help, after scheme:location
	// suffixes make a bare --to path (without a scheme) ending in one of them this target.
	suffixes []string
	// defaultLocation, on one entry, is the location of --to when the flag is not given,
	// <study> standing for the study key.
	defaultLocation string
	// shared says how several studies share one target written without {study}:
	// sharedSchema (each study in its own schema), sharedPartition (each in DIR/study=KEY),
	// or "" (they cannot: the location needs {study}).
	shared string
	open   func(context.Context, export.Target) (export.Sink, error)
}

// targets are the targets of export and sync, in the order the help lists them. The help
// texts, the errors listing the known targets and the reading of --to derive from it: a new
// sink is one line here (its package exports OpenTarget, see export.Target).
var targets = []target{
	{scheme: "sqlite", aliases: []string{"sqlite3"}, location: "FILE", name: "SQLite",
		about: "a SQLite database file, created 0600", suffixes: []string{".db", ".sqlite", ".sqlite3"},
		defaultLocation: "<study>.db", open: opener(sqlite.OpenTarget)},
	{scheme: "postgres", aliases: []string{"postgresql"}, location: "//...", name: "PostgreSQL",
		about: "a PostgreSQL database, one schema per study (?schema=NAME chooses it)", shared: sharedSchema, open: opener(postgres.OpenTarget)},
	{scheme: "parquet", location: "DIR", name: "Parquet",
		about: "Parquet files, Hive-partitioned by form (DIR/<table>/form=KEY/part-N.parquet)", shared: sharedPartition, open: opener(parquet.OpenTarget)},
	{scheme: "csv", location: "DIR", name: "CSV", about: "one CSV file per table", open: opener(csv.OpenTarget)},
	{scheme: "jsonl", location: "DIR", name: "JSON Lines", about: "one JSON Lines file per table", open: opener(jsonl.OpenTarget)},
}

// How several studies share one target written without {study} (target.shared).
const (
	sharedSchema    = "schema"    // a schema per study
	sharedPartition = "partition" // a directory per study, DIR/study=KEY
)

// opener turns a sink package's OpenTarget, which returns the package's own sink type, into
// the table's opener.
func opener[S export.Sink](open func(context.Context, export.Target) (S, error)) func(context.Context, export.Target) (export.Sink, error) {
	return func(ctx context.Context, t export.Target) (export.Sink, error) {
		s, err := open(ctx, t)
		if err != nil {
			return nil, err // not a nil *Sink in a non-nil Sink
		}
		return s, nil
	}
}

// usage returns how the help writes the target: sqlite:FILE, postgres://...
func (e *target) usage() string { return e.scheme + ":" + e.location }

// defaultTo returns --to when the flag is not given: sqlite:<study>.db.
func defaultTo(study string) string {
	for _, e := range targets {
		if e.defaultLocation != "" {
			return e.scheme + ":" + strings.ReplaceAll(e.defaultLocation, "<study>", study)
		}
	}
	panic("exportcmd: no target has a default location")
}

// parseTarget reads --to for the study and returns the target with its entry of the table.
// A bare path (no scheme) is the target whose suffixes it ends in.
func parseTarget(to, study string) (export.Target, *target, error) {
	t, err := export.ParseTarget(to, study)
	if err != nil {
		return t, nil, cmdutil.Usage(fmt.Errorf("--to: %w; want %s", err, joinOr(usages())))
	}
	if t.Scheme == "" {
		for i := range targets {
			e := &targets[i]
			if slices.ContainsFunc(e.suffixes, func(s string) bool { return strings.HasSuffix(strings.ToLower(t.Location), s) }) {
				t.Scheme = e.scheme
				return t, e, nil
			}
		}
		return t, nil, cmdutil.UsageErrorf("--to: %q has no scheme: want %s", to, joinOr(usages()))
	}
	for i := range targets {
		if e := &targets[i]; e.scheme == t.Scheme || slices.Contains(e.aliases, t.Scheme) {
			return t, e, nil
		}
	}
	return t, nil, cmdutil.UsageErrorf("--to: unknown target %q (known: %s)", t.Scheme, strings.Join(schemes(), ", "))
}

// schemes returns the schemes of the table, in its order.
func schemes() []string {
	var out []string
	for _, e := range targets {
		out = append(out, e.scheme)
	}
	return out
}

// usages returns how the help writes each target: sqlite:FILE, postgres://..., ...
func usages() []string {
	var out []string
	for i := range targets {
		out = append(out, targets[i].usage())
	}
	return out
}

// joinOr joins words as a sentence does: "a, b or c".
func joinOr(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// toFlagHelp is the help of --to.
func toFlagHelp() string {
	return "the target: " + joinOr(usages()) + " (default " + defaultTo("<study>") + ")"
}

// shortHelp is the short help of export.
func shortHelp() string {
	var names []string
	for _, e := range targets {
		names = append(names, e.name)
	}
	return "Export a whole study into " + joinOr(names)
}

// targetsHelp lists the targets for the long help: one line each, and a second one for the
// other ways of writing it.
func targetsHelp() string {
	var b strings.Builder
	b.WriteString("Targets (--to):\n")
	for i := range targets {
		e := &targets[i]
		about := e.about
		if e.defaultLocation != "" {
			about += " (the default: " + defaultTo("<study>") + ")"
		}
		fmt.Fprintf(&b, "  %-16s  %s\n", e.usage(), about)
		var also []string
		for _, a := range e.aliases {
			also = append(also, a+":"+e.location)
		}
		if len(e.suffixes) > 0 {
			also = append(also, e.location+" alone when it ends in "+joinOr(e.suffixes))
		}
		if len(also) > 0 {
			fmt.Fprintf(&b, "  %-16s  also written %s\n", "", joinOr(also))
		}
	}
	return b.String()
}

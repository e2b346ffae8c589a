package export

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Target is a parsed target of an export, as the command line's --to gives it:
// sqlite:FILE, postgres://..., parquet:DIR, csv:DIR or jsonl:DIR.
type Target struct {
	Scheme string // in lower case: "sqlite", "postgres", "parquet", "csv", "jsonl", ...
	// Location is what follows "scheme:": a file or a directory. For a URL scheme (postgres://
	// and postgresql://) it is the whole URL.
	Location string
	Study    string // the study being exported, for sinks that name things after it
}

// String returns the target as it was written, such as "sqlite:DEMO.db".
func (t Target) String() string {
	if strings.Contains(t.Location, "://") {
		return t.Location
	}
	return t.Scheme + ":" + t.Location
}

// Opener opens a Sink for a target. Sink packages register one per scheme with
// [RegisterTarget], typically in an init function:
//
//	func init() { export.RegisterTarget("sqlite", func(ctx context.Context, t export.Target) (export.Sink, error) { ... }) }
type Opener func(ctx context.Context, t Target) (Sink, error)

var (
	openersMu sync.RWMutex
	openers   = map[string]Opener{}
)

// aliases are other spellings of schemes.
var aliases = map[string]string{"postgresql": "postgres", "sqlite3": "sqlite"}

// RegisterTarget makes the sinks of a scheme available to [OpenTarget]. It panics when the
// scheme is empty, not lower case letters and digits, or registered twice, as
// database/sql.Register does.
func RegisterTarget(scheme string, open Opener) {
	if scheme == "" || strings.Trim(scheme, "abcdefghijklmnopqrstuvwxyz0123456789") != "" || open == nil {
		panic("export: RegisterTarget: invalid scheme " + scheme)
	}
	openersMu.Lock()
	defer openersMu.Unlock()
	if _, dup := openers[scheme]; dup {
		panic("export: RegisterTarget: scheme " + scheme + " registered twice")
	}
	openers[scheme] = open
}

// TargetSchemes returns the registered schemes, sorted.
func TargetSchemes() []string {
	openersMu.RLock()
	defer openersMu.RUnlock()
	var out []string
	for s := range openers {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// ParseTarget reads a target: "scheme:location", or a URL "postgres://..." (kept whole as the
// location). A bare path ending in .db, .sqlite or .sqlite3 is a SQLite file. The scheme
// need not be registered.
func ParseTarget(s, study string) (Target, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Target{}, fmt.Errorf("export: the target is empty: want sqlite:FILE, postgres://..., parquet:DIR, csv:DIR or jsonl:DIR")
	}
	scheme, rest, ok := strings.Cut(s, ":")
	if !ok || scheme == "" || strings.ContainsAny(scheme, `/\. `) {
		l := strings.ToLower(s)
		if strings.HasSuffix(l, ".db") || strings.HasSuffix(l, ".sqlite") || strings.HasSuffix(l, ".sqlite3") {
			return Target{Scheme: "sqlite", Location: s, Study: study}, nil
		}
		return Target{}, fmt.Errorf("export: target %q has no scheme: want sqlite:FILE, postgres://..., parquet:DIR, csv:DIR or jsonl:DIR", s)
	}
	scheme = strings.ToLower(scheme)
	if a, ok := aliases[scheme]; ok {
		scheme = a
	}
	if strings.TrimSpace(strings.TrimPrefix(rest, "//")) == "" {
		return Target{}, fmt.Errorf("export: target %q: the %s location is empty", s, scheme)
	}
	t := Target{Scheme: scheme, Location: rest, Study: study}
	if strings.HasPrefix(rest, "//") && scheme == "postgres" {
		t.Location = s
	}
	return t, nil
}

// OpenTarget parses a target and opens a Sink for it with the Opener registered for its
// scheme. The packages of the sinks register themselves when imported (export/sqlite for
// sqlite:, and so on), so a program imports those it offers.
func OpenTarget(ctx context.Context, target, study string) (Sink, error) {
	t, err := ParseTarget(target, study)
	if err != nil {
		return nil, err
	}
	openersMu.RLock()
	open := openers[t.Scheme]
	openersMu.RUnlock()
	if open == nil {
		known := TargetSchemes()
		return nil, fmt.Errorf("export: target %q: unknown scheme %q (known: %s)", target, t.Scheme, strings.Join(known, ", "))
	}
	return open(ctx, t)
}

package export

import (
	"fmt"
	"net/url"
	"strings"
)

// Target is the target of an export as the command line's --to writes it: "scheme:LOCATION",
// such as sqlite:DEMO.db, csv:out or postgres://user@host/db. [ParseTarget] reads one.
//
// Every sink package opens its own targets with a function of the same shape,
//
//	func OpenTarget(ctx context.Context, t export.Target) (*Sink, error)
//
// beside its Open, which takes the sink's own arguments: sqlite.OpenTarget opens the file at
// t.Location, postgres.OpenTarget the database of the URL t.Scheme:t.Location for the study
// t.Study, parquet.OpenTarget, csv.OpenTarget and jsonl.OpenTarget the directory at
// t.Location. OpenTarget does not check t.Scheme: the caller has chosen the sink for it (the
// command line's table of targets maps each scheme to a sink).
type Target struct {
	// Scheme is what precedes the first colon, in lower case ("sqlite", "postgresql", ...);
	// empty for a bare location that names no scheme (out/DEMO.db).
	Scheme string
	// Location is what follows "scheme:": a file, a directory, or for a URL the rest of it
	// after the scheme's colon (//user@host/db?sslmode=require).
	Location string
	Study    string // the study being exported, for sinks that name things after it
}

// String returns the target as written, with its scheme in lower case and, when it is a URL,
// without its password: "sqlite:DEMO.db", "postgres://etl:xxxxx@host/db".
func (t Target) String() string {
	if t.Scheme == "" {
		return t.Location
	}
	s := t.Scheme + ":" + t.Location
	if !strings.HasPrefix(t.Location, "//") {
		return s
	}
	u, err := url.Parse(s)
	if err != nil {
		return t.Scheme + "://..." // a URL that does not parse may still hold a password
	}
	return u.Redacted()
}

// ParseTarget reads a target written "scheme:location", where the scheme (folded to lower
// case) holds no '/', '\', '.' or space. A URL such as postgres://host/db is the scheme
// postgres with the location //host/db. A string without a scheme, such as the path
// out/DEMO.db, gives a Target whose Scheme is empty: what it names is the caller's choice
// (the command line takes a path ending in .db as a SQLite file).
//
// ParseTarget knows no scheme in particular: it fails only on an empty target or an empty
// location after the scheme.
func ParseTarget(s, study string) (Target, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Target{}, fmt.Errorf("export: the target is empty")
	}
	scheme, rest, ok := strings.Cut(s, ":")
	if !ok || scheme == "" || strings.ContainsAny(scheme, `/\. `) {
		return Target{Location: s, Study: study}, nil
	}
	scheme = strings.ToLower(scheme)
	if strings.TrimSpace(strings.TrimPrefix(rest, "//")) == "" {
		return Target{}, fmt.Errorf("export: target %q: nothing follows %q", s, scheme+":")
	}
	return Target{Scheme: scheme, Location: rest, Study: study}, nil
}

// StudyPlaceholder, in a target's location, stands for the key of the study being exported,
// so that one target written for several studies gives each its own place:
// sqlite:out/{study}.db, csv:out/{study}, postgres://host/db?schema=edc_{study}.
const StudyPlaceholder = "{study}"

// PerStudy reports whether the target's location holds [StudyPlaceholder].
func (t Target) PerStudy() bool { return strings.Contains(t.Location, StudyPlaceholder) }

// ForStudy returns the target of one study: t with Study set to the key and every
// [StudyPlaceholder] of its location replaced by it (escaped as a URL path segment in a URL
// location). A key that would not stay one path element (empty, ".", "..", or holding a
// slash, a backslash or a NUL) is refused when the location is a path with the placeholder.
func (t Target) ForStudy(study string) (Target, error) {
	t.Study = study
	if !t.PerStudy() {
		return t, nil
	}
	key := study
	if strings.HasPrefix(t.Location, "//") {
		key = url.PathEscape(study)
	} else if study == "" || study == "." || study == ".." || strings.ContainsAny(study, "/\\\x00") {
		return t, fmt.Errorf("export: study key %q cannot name a file or directory in %q", study, t.Location)
	}
	t.Location = strings.ReplaceAll(t.Location, StudyPlaceholder, key)
	return t, nil
}

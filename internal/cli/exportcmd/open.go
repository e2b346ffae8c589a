package exportcmd

import (
	"context"
	"fmt"

	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
)

// ParseTarget reads a target as --to does, through the same table of targets (schemes,
// aliases, bare paths by their suffix), without opening it. The target's Scheme is its
// entry's own (an alias such as postgresql becomes postgres); a target no entry knows is a
// usage error. Other commands that name export targets (report --from) read them with it.
func ParseTarget(to, study string) (export.Target, error) {
	t, e, err := parseTarget(to, study)
	if err != nil {
		return t, err
	}
	if e.scheme != "postgres" { // a postgres URL keeps its scheme, which is part of the URL
		t.Scheme = e.scheme
	}
	return t, nil
}

// OpenTarget reads a target as --to does and opens its sink for the study.
func OpenTarget(ctx context.Context, to, study string) (export.Sink, export.Target, error) {
	t, e, err := parseTarget(to, study)
	if err != nil {
		return nil, t, err
	}
	s, err := e.open(ctx, t)
	return s, t, err
}

// StudyTargets reads a target written for several studies as --to of a run of several
// studies reads it ({study} where each key goes, a PostgreSQL schema per study, Parquet
// partitions; empty for sqlite:{study}.db) and returns each study's target.
func StudyTargets(to string, studies []string) ([]export.Target, error) {
	base, e, err := manyTarget(to)
	if err != nil {
		return nil, err
	}
	if e.scheme != "postgres" { // as ParseTarget: a postgres URL keeps its own scheme
		base.Scheme = e.scheme
	}
	targets := make([]export.Target, len(studies))
	for i, key := range studies {
		if targets[i], err = base.ForStudy(key); err != nil {
			return nil, cmdutil.Usage(fmt.Errorf("--to: %w", err))
		}
	}
	return targets, nil
}

// DefaultTarget is the target of --to when the flag is not given: sqlite:<study>.db.
func DefaultTarget(study string) string { return defaultTo(study) }

package exportcmd

import (
	"context"
	"slices"
	"testing"

	"github.com/imednet/imednet-go/export"
)

// AddTarget adds the scheme to the table of targets (or replaces its entry) until the test
// ends, so that --to SCHEME:FILE opens open's sink: the package's tests use it for sinks
// that fail or block on purpose.
func AddTarget(t testing.TB, scheme string, open func(context.Context, export.Target) (export.Sink, error)) {
	saved := targets
	targets = slices.DeleteFunc(slices.Clone(targets), func(e target) bool { return e.scheme == scheme })
	targets = append(targets, target{scheme: scheme, location: "FILE", name: scheme, about: "a test's sink", open: open})
	t.Cleanup(func() { targets = saved })
}

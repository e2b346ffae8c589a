//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package lockfile

import "github.com/imednet/imednet-go/export"

// stalePossible reports whether a lock file naming h is stale: without flock only one left by
// this host (h is of another host: the test does not apply).
func stalePossible(export.LockHolder) bool { return false }

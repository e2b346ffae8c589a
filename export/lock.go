package export

import (
	"fmt"
	"time"
)

// LockHolder is the process that holds a target's lock: a run of export or sync writing into
// it. Its fields are zero when the holder could not be told (it was still writing them).
type LockHolder struct {
	PID     int       `json:"pid"`
	Host    string    `json:"host"`
	Started time.Time `json:"started"` // when it took the lock
}

// String describes the holder, such as "pid 4242 on host etl-1, since 2026-12-05 21:30:00
// UTC"; "an unknown process" when nothing is known of it.
func (h LockHolder) String() string {
	if h.PID == 0 && h.Host == "" {
		return "an unknown process"
	}
	s := fmt.Sprintf("pid %d on host %s", h.PID, h.Host)
	if !h.Started.IsZero() {
		s += ", since " + h.Started.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	return s
}

// LockedError is the error of opening a sink whose target another sink holds open: a second
// export or sync into the same SQLite file, PostgreSQL schema or directory while the first
// runs. Every sink of this module locks its target from Open to Close, so that two runs never
// interleave their writes and ledgers. Match it with errors.As.
type LockedError struct {
	Target string     // the target, as the sink names it: a file, a directory, a schema
	Holder LockHolder // the run that holds it
}

// Error names the target and the holder, and what to do.
func (e *LockedError) Error() string {
	return fmt.Sprintf("export: %s is in use by another export or sync (%s): wait for it to finish, or write to another target",
		e.Target, e.Holder)
}

// LockTaker is implemented by sinks that lock their target. TookOver returns the holder of a
// lock that a process left behind when it ended without releasing it (it was killed, or its
// machine stopped) and that the sink's Open took over, or nil when the lock was free. A
// command tells the user: the run it took over from did not finish, and the next export
// resumes it.
type LockTaker interface {
	TookOver() *LockHolder
}

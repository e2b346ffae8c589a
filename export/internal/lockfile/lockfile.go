// Package lockfile locks an export target for one run at a time: a lock file that holds the
// holder's process id, host and start time as JSON, so that a second run refused the lock
// can say who holds it.
//
// On Linux, macOS and the BSDs the lock is an exclusive flock(2) on the file, which the
// kernel releases when its process ends however it ends: a lock file left behind by a killed
// process is free, and the next Acquire takes it over, reporting the previous holder
// (Lock.TookOver). Elsewhere the file is created exclusively (O_EXCL); a file left by a
// process of this host that no longer runs is taken over the same way, and so is one that
// names no holder and is more than a minute old (a crash before its holder reached the
// disk); one left by another host is not (it may still run).
//
// Release removes the file. Acquire checks, once it holds the lock, that the file it locked
// is still the one at the path (not one removed meanwhile), so removing it is safe.
package lockfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/imednet/imednet-go/export"
)

// Lock is a lock file held by this process.
type Lock struct {
	f        *os.File
	path     string
	tookOver *export.LockHolder
}

// Acquire takes the lock file at path for the target (named in errors), creating it (0600)
// when it does not exist. When another run holds it, Acquire fails at once with an
// *export.LockedError naming target and the holder.
func Acquire(path, target string) (*Lock, error) {
	host, _ := os.Hostname()
	me := export.LockHolder{PID: os.Getpid(), Host: host, Started: time.Now().UTC().Truncate(time.Second)}
	l, err := acquire(path, target, me)
	if err != nil {
		return nil, err
	}
	return l, nil
}

// TookOver returns the holder of a lock left behind by a process that ended without
// releasing it, which Acquire took over; nil when the lock was free.
func (l *Lock) TookOver() *export.LockHolder { return l.tookOver }

// Path returns the lock file's path.
func (l *Lock) Path() string { return l.path }

// Release removes the lock file and releases the lock. It is safe to call more than once.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	// Removed while still held, so that no other process takes the lock of a file that is
	// then removed under it.
	err := os.Remove(l.path)
	if errors.Is(err, os.ErrNotExist) {
		err = nil
	}
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	if err != nil {
		return fmt.Errorf("releasing the lock %s: %w", l.path, err)
	}
	return nil
}

// encode is the holder as the lock file holds it.
func encode(h export.LockHolder) []byte {
	b, _ := json.Marshal(h)
	return append(b, '\n')
}

// decode reads a holder from a lock file's content; ok is false when it holds none (empty,
// or not yet whole).
func decode(b []byte) (h export.LockHolder, ok bool) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || json.Unmarshal(b, &h) != nil || (h.PID == 0 && h.Host == "") {
		return export.LockHolder{}, false
	}
	return h, true
}

// readHolder reads the holder of a lock file held by another process, waiting briefly for a
// holder that has just taken the lock to write itself.
func readHolder(path string) export.LockHolder {
	for range 10 {
		b, err := os.ReadFile(path)
		if err == nil {
			if h, ok := decode(b); ok {
				return h
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return export.LockHolder{}
}

// writeHolder writes the holder into the held lock file. It is not synced to disk: the
// holder only informs (the lock itself is the kernel's), and a file a crash left empty is
// taken over all the same, without naming whom it was taken from.
func writeHolder(f *os.File, h export.LockHolder) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.WriteAt(encode(h), 0)
	return err
}

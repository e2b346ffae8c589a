//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package lockfile

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/imednet/imednet-go/export"
)

func acquire(path, target string, me export.LockHolder) (*Lock, error) {
	var tookOver *export.LockHolder
	for range 100 {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			if err := writeHolder(f, me); err != nil {
				f.Close()
				os.Remove(path)
				return nil, fmt.Errorf("locking %s: %w", target, err)
			}
			return &Lock{f: f, path: path, tookOver: tookOver}, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("locking %s: %w", target, err)
		}
		h := readHolder(path)
		switch {
		case h.PID == 0:
			// No holder written: one that is taking the lock now, or a file a crash left
			// empty, which is old.
			if info, err := os.Stat(path); err != nil || time.Since(info.ModTime()) < time.Minute {
				return nil, &export.LockedError{Target: target, Holder: h}
			}
		case h.Host != me.Host || h.PID == me.PID || alive(h.PID):
			return nil, &export.LockedError{Target: target, Holder: h}
		}
		// Left by a process of this host that no longer runs, or by a crash.
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("locking %s: taking over the lock of %s: %w", target, h, err)
		}
		tookOver = &h
	}
	return nil, fmt.Errorf("locking %s: the lock file %s keeps being replaced", target, path)
}

// alive reports whether a process with the id runs (on Windows, FindProcess fails for a
// process that does not).
func alive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	p.Release()
	return true
}

//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package lockfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"

	"github.com/imednet/imednet-go/export"
)

func acquire(path, target string, me export.LockHolder) (*Lock, error) {
	for range 100 {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("locking %s: %w", target, err)
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			f.Close()
			if errors.Is(err, syscall.EWOULDBLOCK) {
				return nil, &export.LockedError{Target: target, Holder: readHolder(path)}
			}
			return nil, fmt.Errorf("locking %s: %w", target, err)
		}
		// The holder before us may have removed the file between our open and our lock: then
		// we hold a file no one else sees, and must lock the one at the path.
		held, err1 := f.Stat()
		now, err2 := os.Stat(path)
		if err1 != nil || err2 != nil || !os.SameFile(held, now) {
			f.Close()
			continue
		}
		l := &Lock{f: f, path: path}
		// A holder still written in the file was left by a process that ended without
		// releasing the lock (the kernel released it).
		if b, err := io.ReadAll(f); err == nil {
			if h, ok := decode(b); ok {
				l.tookOver = &h
			}
		}
		if err := writeHolder(f, me); err != nil {
			l.Release()
			return nil, fmt.Errorf("locking %s: %w", target, err)
		}
		return l, nil
	}
	return nil, fmt.Errorf("locking %s: the lock file %s keeps being replaced", target, path)
}

//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package filesink

import (
	"errors"
	"os"
	"syscall"
)

// lockDir opens and locks the lock file, failing at once when another sink holds it.
func lockDir(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, errors.New("the directory is in use by another export (it holds " + LockFile + ")")
		}
		return nil, err
	}
	return f, nil
}

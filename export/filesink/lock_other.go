//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package filesink

import "os"

// lockDir opens the lock file. Where flock is not available the directory is not locked.
func lockDir(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
}

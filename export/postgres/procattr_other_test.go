//go:build !linux

package postgres

import (
	"errors"
	"syscall"
)

// procAttr runs a PostgreSQL program as the current user: switching to the cluster's owner is
// only done on Linux.
func procAttr(cred *credential, server bool) (*syscall.SysProcAttr, error) {
	if cred != nil {
		return nil, errors.New("the tests start a PostgreSQL server as root only on Linux: run them as another user or set IMEDNET_TEST_POSTGRES")
	}
	return nil, nil
}

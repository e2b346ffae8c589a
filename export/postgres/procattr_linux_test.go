package postgres

import "syscall"

// procAttr runs a PostgreSQL program as the cluster's owner (nil: as the current user); a
// server also gets SIGQUIT, PostgreSQL's immediate shutdown, when the test binary dies.
func procAttr(cred *credential, server bool) (*syscall.SysProcAttr, error) {
	a := &syscall.SysProcAttr{}
	if cred != nil {
		a.Credential = &syscall.Credential{Uid: uint32(cred.uid), Gid: uint32(cred.gid)}
	}
	if server {
		a.Pdeathsig = syscall.SIGQUIT
	}
	return a, nil
}

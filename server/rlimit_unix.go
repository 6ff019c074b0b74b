//go:build unix

package server

import "syscall"

// openFileLimit is the process's limit on open files (the soft
// RLIMIT_NOFILE, which Go raises to the hard one at start).
func openFileLimit() (uint64, bool) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 0, false
	}
	return r.Cur, true
}

//go:build unix

package doctor

import (
	"io/fs"
	"syscall"

	"golang.org/x/sys/unix"
)

// access asks the kernel whether this process's effective user may use
// path as mode says (access(2) with AT_EACCESS): it accounts for groups,
// ACLs, read-only mounts and root, and changes nothing.
func access(path string, mode uint32) error {
	return unix.Faccessat(unix.AT_FDCWD, path, mode, unix.AT_EACCESS)
}

// fileOwner returns the uid owning the file described by fi.
func fileOwner(fi fs.FileInfo) (uid int, known bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}

//go:build unix

package tls

import (
	"io/fs"
	"syscall"
)

// fileOwner returns the uid owning the file described by fi.
func fileOwner(fi fs.FileInfo) (uid int, known bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}

//go:build linux

package static

import (
	"io/fs"
	"syscall"
	"time"
)

// fileVersion identifies one version of one file: which file (device and
// inode) and its state (size, type and permissions, modification and
// status-change times, the latter moving on every write, chmod, chown and
// rename).
type fileVersion struct {
	dev, ino     uint64
	size         int64
	mode         uint32
	mtime, ctime syscall.Timespec
}

// versionOf returns fi's version; false for anything but a regular file.
func versionOf(fi fs.FileInfo) (fileVersion, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || !fi.Mode().IsRegular() {
		return fileVersion{}, false
	}
	return fileVersion{
		dev: uint64(st.Dev), ino: uint64(st.Ino), size: st.Size, mode: uint32(st.Mode),
		mtime: st.Mtim, ctime: st.Ctim,
	}, true
}

// changed is the later of the modification and status-change times.
func (v fileVersion) changed() time.Time {
	m, c := time.Unix(v.mtime.Unix()), time.Unix(v.ctime.Unix())
	if m.After(c) {
		return m
	}
	return c
}

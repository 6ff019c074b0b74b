//go:build linux

package static

import (
	"io/fs"
	"os"
	"runtime"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
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

// lstatVersion returns the version of name in dir without following a final
// symbolic link: one fstatat(2), with no allocation. Unlike os.Root.Lstat it
// would follow a symbolic link in the middle of name, even out of the
// folder; that is harmless here, as it only ever confirms a cache entry: a
// match needs the device and inode of the very file the entry was read from
// through the Root, so a name that now leads anywhere else misses and is
// served (or refused) by the Root as usual. requestName never lets ".."
// through.
func lstatVersion(dir *os.File, name string) (fileVersion, bool) {
	var st unix.Stat_t
	err := unix.Fstatat(int(dir.Fd()), name, &st, unix.AT_SYMLINK_NOFOLLOW)
	for err == unix.EINTR {
		err = unix.Fstatat(int(dir.Fd()), name, &st, unix.AT_SYMLINK_NOFOLLOW)
	}
	runtime.KeepAlive(dir) // its descriptor must stay open until here
	if err != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		return fileVersion{}, false
	}
	return fileVersion{
		dev: st.Dev, ino: st.Ino, size: st.Size, mode: st.Mode,
		mtime: syscall.Timespec(st.Mtim), ctime: syscall.Timespec(st.Ctim),
	}, true
}

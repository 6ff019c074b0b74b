//go:build unix

package auth

import (
	"os"
	"syscall"
)

// lockDir takes an exclusive flock on dir for the read-modify-write of a
// file in it. The file itself cannot carry the lock: it is replaced by a
// rename, so a second writer would lock the new inode while the first still
// holds the old one. Locking the folder leaves nothing behind on disk, and
// the kernel drops the lock if the process dies.
func lockDir(dir string) (unlock func(), err error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil // closing releases the lock
}

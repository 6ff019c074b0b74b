//go:build !unix

package atomicfile

import "io/fs"

// fileOwner returns -1 and -1: files have no Unix owner here.
func fileOwner(fs.FileInfo) (uid, gid int) { return -1, -1 }

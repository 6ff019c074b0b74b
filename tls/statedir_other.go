//go:build !unix

package tls

import "io/fs"

// fileOwner reports that ownership is unknown: without Unix uids the state
// directory's mode is left as the system made it.
func fileOwner(fs.FileInfo) (uid int, known bool) { return 0, false }

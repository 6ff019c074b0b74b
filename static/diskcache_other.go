//go:build !linux

package static

import (
	"io/fs"
	"os"
	"time"
)

// fileVersion is empty where the file system's identity of a file is not
// at hand: nothing is cached there.
type fileVersion struct{}

// versionOf reports that nothing can be cached.
func versionOf(fs.FileInfo) (fileVersion, bool) { return fileVersion{}, false }

// changed is never reached: versionOf reports false.
func (fileVersion) changed() time.Time { return time.Time{} }

// lstatVersion reports that nothing can be confirmed: nothing is cached.
func lstatVersion(*os.File, string) (fileVersion, bool) { return fileVersion{}, false }

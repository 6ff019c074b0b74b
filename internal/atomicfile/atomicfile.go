// Package atomicfile replaces files so that a reader sees the old content or
// the new, never a part, and a failure or a crash leaves the old file as it
// was.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// WriteFile replaces the file at path with data, mode perm (exactly: the
// umask does not apply). The data is written to a temporary file in the same
// directory, synced, and renamed over path; then the directory is synced,
// so the rename survives a power cut. On any failure the temporary file is
// removed and path is left as it was.
//
// The temporary file's name starts with "." followed by path's base name, so
// ls and //go:embed skip one left behind by a killed process.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return Options{}.WriteFile(path, data, perm)
}

// Options changes how a file is replaced. The zero value does what the
// package's WriteFile does.
type Options struct {
	// KeepOwner gives the new file the owner and group of the file it
	// replaces, where they differ from the writer's (a root process editing
	// a file someone else owns). It has no effect when path does not exist
	// yet or on systems without Unix owners. Changing the owner needs the
	// privilege to: without it the write fails and the old file stays.
	KeepOwner bool

	// TempPrefix starts the name of the temporary file, for callers that
	// find and remove the files a killed run left behind. Empty means "."
	// followed by path's base name and ".tmp-". It must not hold a path
	// separator.
	TempPrefix string
}

// WriteFile replaces the file at path with data as the package's WriteFile
// does, with the changes o asks for.
func (o Options) WriteFile(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	uid, gid := -1, -1
	if o.KeepOwner {
		if fi, err := os.Stat(path); err == nil {
			uid, gid = fileOwner(fi)
		}
	}
	prefix := o.TempPrefix
	if prefix == "" {
		prefix = "." + filepath.Base(path) + ".tmp-"
	}
	f, err := os.CreateTemp(dir, prefix+"*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op once renamed
	if err := fill(f, data, perm, uid, gid); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	// The new file is in place whatever happens now: an error here would
	// only tell the caller it failed when it did not. Some file systems
	// cannot sync a directory at all.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// fill sets the mode and, for uid >= 0, the owner of the open temporary
// file f before writing data to it and syncing it.
func fill(f *os.File, data []byte, perm os.FileMode, uid, gid int) error {
	if err := f.Chmod(perm); err != nil {
		return err
	}
	if uid >= 0 {
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		if u, g := fileOwner(fi); u != uid || g != gid {
			if err := f.Chown(uid, gid); err != nil {
				return fmt.Errorf("keeping the file's owner: %w", err)
			}
		}
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	return f.Sync()
}

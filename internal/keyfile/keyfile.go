// Package keyfile keeps a random secret key in a file of the state
// directory, so that what it signs or encrypts (device cookies, session
// cookies) outlives the process: restarts and upgrades keep browsers
// signed in, and servers given the same file share them.
package keyfile

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/dashbox/dashbox/internal/atomicfile"
	"github.com/dashbox/dashbox/internal/patherr"
)

// Load returns the size-byte key kept in the file at path, creating the
// file (mode 0600) with a new random key when it is missing. A file that
// does not hold exactly size bytes (emptied by a full disk, truncated) is
// replaced by a new key, and replaced says so: the only loss is that
// browsers sign in once more. what names the key in errors, such as
// "session key".
func Load(path string, size int, what string) (key []byte, replaced bool, err error) {
	key, err = os.ReadFile(path)
	if err == nil && len(key) == size {
		return key, false, nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, false, fmt.Errorf("reading the %s %s: %w", what, path, patherr.Cause(err))
	}
	replaced = err == nil
	key = make([]byte, size)
	rand.Read(key)
	if err := atomicfile.WriteFile(path, key, 0o600); err != nil {
		return nil, false, fmt.Errorf("writing the %s %s: %w", what, path, patherr.Cause(err))
	}
	return key, replaced, nil
}

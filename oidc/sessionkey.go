package oidc

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/dashbox/dashbox/internal/atomicfile"
)

// SessionKeySize is the length of the key that encrypts session cookies.
const SessionKeySize = 32

// LoadSessionKey returns the key kept in the file at path (in the state
// directory: session.key), creating the file (mode 0600) with a new random
// key when it is missing. A file that does not hold exactly SessionKeySize
// bytes is replaced by a new key; replaced says so: every user then signs
// in once more.
//
// A key that outlives the process keeps users signed in across restarts
// and upgrades, and several servers given the same file share sessions.
func LoadSessionKey(path string) (key []byte, replaced bool, err error) {
	key, err = os.ReadFile(path)
	if err == nil && len(key) == SessionKeySize {
		return key, false, nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, false, fmt.Errorf("reading the session key %s: %w", path, unwrapPathError(err))
	}
	replaced = err == nil
	key = make([]byte, SessionKeySize)
	rand.Read(key)
	if err := atomicfile.WriteFile(path, key, 0o600); err != nil {
		return nil, false, fmt.Errorf("writing the session key %s: %w", path, unwrapPathError(err))
	}
	return key, replaced, nil
}

// unwrapPathError drops the *fs.PathError around err: the messages name
// the file already.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

package oidc

import "github.com/dashbox/dashbox/internal/keyfile"

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
	return keyfile.Load(path, SessionKeySize, "session key")
}

package tls

import (
	"errors"
	"io/fs"
	"os"

	"github.com/dashbox/dashbox/internal/osuser"
	"github.com/dashbox/dashbox/internal/patherr"
)

// stateDirMode is the mode of the state directory and every directory in it:
// it holds the local CA's private key, so no one but dashbox's user may list
// or enter it.
const stateDirMode fs.FileMode = 0o700

// CheckStateDir makes sure dir can hold dashbox's certificates and local CA:
// it creates dir (mode 0700, with parents) if missing, and proves it is
// writable by creating and removing a file in it. A directory owned by the
// current user whose mode lets others in is tightened to 0700, because it
// holds private keys; one owned by someone else that others may write to is
// refused, because they could swap the CA under dashbox. The error is a
// *StateDirError, one line saying what to do.
func CheckStateDir(dir string) error {
	if dir == "" {
		return stateDirError(dir, "no state directory given")
	}
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, stateDirMode); err != nil {
			return stateDirError(dir, "cannot create state directory %s as user %s: %v: create it with owner %s and mode 0700, or use another directory",
				dir, currentUser(), unwrapPathError(err), currentUserName())
		}
		fi, err = os.Stat(dir)
		if err != nil {
			return stateDirError(dir, "cannot use state directory %s: %v: use another directory", dir, unwrapPathError(err))
		}
	case err != nil:
		return stateDirError(dir, "cannot use state directory %s as user %s: %v: fix the permissions of its parent directories or use another directory",
			dir, currentUser(), unwrapPathError(err))
	}
	if !fi.IsDir() {
		return stateDirError(dir, "state directory %s is a file, not a directory: move the file away or use another directory", dir)
	}

	if fi.Mode().Perm()&0o077 != 0 {
		owner, known := fileOwner(fi)
		switch {
		case known && owner == os.Geteuid():
			if err := os.Chmod(dir, stateDirMode); err != nil {
				return stateDirError(dir, "cannot restrict state directory %s to mode 0700: %v: chmod it yourself or use another directory", dir, unwrapPathError(err))
			}
		case known && fi.Mode().Perm()&0o022 != 0:
			return stateDirError(dir, "state directory %s is writable by other users than its owner (mode %04o): chmod 0700 it and chown it to user %s, or use another directory",
				dir, fi.Mode().Perm(), currentUserName())
		}
	}

	probe, err := os.CreateTemp(dir, ".dashbox-write-test-*")
	if err != nil {
		return stateDirError(dir, "state directory %s is not writable by user %s: fix its ownership or use another directory", dir, currentUser())
	}
	name := probe.Name()
	closeErr := probe.Close()
	if err := os.Remove(name); err != nil {
		return stateDirError(dir, "state directory %s does not let user %s remove files: fix its ownership or use another directory", dir, currentUser())
	}
	if closeErr != nil {
		return stateDirError(dir, "cannot write to state directory %s: %v: check the file system (full? read-only?) or use another directory", dir, closeErr)
	}
	return nil
}

// currentUser describes the user dashbox runs as, like "nobody (uid 65534)",
// because permission errors are fixed with chown and the user must be named.
var currentUser = osuser.Describe

// currentUserName is that user's name (or uid), for a chown command line.
var currentUserName = osuser.Name

// unwrapPathError drops the path from err when the message already names it.
var unwrapPathError = patherr.Cause

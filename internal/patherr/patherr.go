// Package patherr shortens the errors of file operations for messages that
// already name the file.
package patherr

import "io/fs"

// Cause returns what went wrong in err without the operation and path a
// *fs.PathError repeats ("permission denied" rather than "open
// /etc/dashbox/htpasswd: permission denied"), for a message that names the
// path itself. Only an err that is a *fs.PathError is shortened: one
// wrapped in another error keeps its context, and its path may be another
// file (a temporary one) that the message does not name.
func Cause(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

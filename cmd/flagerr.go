package cmd

import (
	"errors"
	"fmt"

	"github.com/dashbox/dashbox/server"
	"github.com/dashbox/dashbox/static"
	dashtls "github.com/dashbox/dashbox/tls"
)

// The packages' errors say what failed and why, in terms of the thing (the
// state directory, the listen address, a domain); only this command knows
// which flag set it. The helpers here add the flag where the user has to
// act, so that dashbox's messages name it.

// forFlag prefixes err with the flag whose value it is about:
// "--state-dir: state directory /x is not writable by user nobody: ...".
// A nil err stays nil.
func forFlag(flag string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", flag, err)
}

// namedValue is an error about one value (server.AddrError,
// dashtls.ValueError): it can say its sentence with the value called by
// another name.
type namedValue interface {
	error
	Named(name string) string
}

// valueFlagError says err with the value called by its flag (`invalid
// --domain "a b": ...`, `cannot read --acme-ca-root /x: ...`), or, for an
// error about something else, prefixes it with the flag.
func valueFlagError(flag string, err error) error {
	if nv := namedValue(nil); errors.As(err, &nv) {
		return errors.New(nv.Named(flag))
	}
	return forFlag(flag, err)
}

// usageFlagError is valueFlagError for a value refused before anything
// ran: exit status 2.
func usageFlagError(flag string, err error) error {
	return usageError{valueFlagError(flag, err).Error()}
}

// listenError names the flag of the listener server.Listen could not bind.
func listenError(err error) error {
	var le *server.ListenError
	switch {
	case errors.As(err, &le):
		flag := "--https-addr"
		if le.Redirect {
			flag = "--http-addr"
		}
		return valueFlagError(flag, err)
	case errors.Is(err, server.ErrSameAddr):
		return forFlag("--https-addr and --http-addr", err)
	}
	return err
}

// serveError names --shutdown-timeout when the drain outlived it.
func serveError(err error) error {
	if errors.Is(err, server.ErrShutdownTimeout) {
		return forFlag("--shutdown-timeout", err)
	}
	return err
}

// stateDirError names --state-dir when the state directory is the problem.
func stateDirError(err error) error {
	if sde := (*dashtls.StateDirError)(nil); errors.As(err, &sde) {
		return forFlag("--state-dir", err)
	}
	return err
}

// keyPairError names --tls-cert or --tls-key when one of the files cannot
// be read; the other errors (a key that does not match, an expired
// certificate) are about the pair and name both files already.
func keyPairError(err error, certFile, keyFile string) error {
	var ve *dashtls.ValueError
	switch {
	case !errors.As(err, &ve):
		return err
	case ve.Value == certFile:
		return forFlag("--tls-cert", err)
	case ve.Value == keyFile:
		return forFlag("--tls-key", err)
	}
	return err
}

// staticDirError names --static-dir when the operator's folder is the
// problem (static.New's other errors are about the built-in assets).
func staticDirError(err error) error {
	if de := (*static.DirError)(nil); errors.As(err, &de) {
		return forFlag("--static-dir", err)
	}
	return err
}

package main

import (
	"errors"
	"fmt"

	"github.com/dashbox/dashbox/server"
)

// The packages' errors say what failed and why, in terms of the thing (the
// state directory, the listen address); only this command knows which flag
// set it. The helpers here add the flag where the user has to act.

// forFlag prefixes err with the flag whose value it is about:
// "--state-dir: state directory /x is not writable by user nobody: ...".
// A nil err stays nil.
func forFlag(flag string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", flag, err)
}

// listenError names the flag of the listener server.Listen could not bind.
func listenError(err error) error {
	var le *server.ListenError
	var ae *server.AddrError
	switch {
	case errors.As(err, &le) && errors.As(err, &ae):
		return errors.New(ae.Named(addrFlag(le.Redirect)))
	case errors.As(err, &le):
		return forFlag(addrFlag(le.Redirect), err)
	case errors.Is(err, server.ErrSameAddr):
		return forFlag("--https-addr and --http-addr", err)
	}
	return err
}

// addrFlag is the flag of the HTTPS listener or of the redirect one.
func addrFlag(redirect bool) string {
	if redirect {
		return "--http-addr"
	}
	return "--https-addr"
}

// addrUsageError is server.ValidateAddr's error in terms of flag: exit
// status 2, `invalid --https-addr "8443": give host:port, ...`.
func addrUsageError(flag string, err error) error {
	if ae := (*server.AddrError)(nil); errors.As(err, &ae) {
		return usageError{ae.Named(flag)}
	}
	return usageError{forFlag(flag, err).Error()}
}

// serveError names --shutdown-timeout when the drain outlived it.
func serveError(err error) error {
	if errors.Is(err, server.ErrShutdownTimeout) {
		return forFlag("--shutdown-timeout", err)
	}
	return err
}

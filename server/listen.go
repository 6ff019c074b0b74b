package server

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"syscall"
)

// AddrError is a listen address that is not of the form host:port. Its
// message calls the value "listen address"; a caller that knows it by
// another name (a command-line flag) gets the same sentence with Named.
type AddrError struct {
	// Addr is the address as given.
	Addr string
	// Reason says what is wrong with it and how to write it.
	Reason string
}

func (e *AddrError) Error() string { return e.Named("listen address") }

// Named is the message with the address called name, e.g.
// `invalid --https-addr "8443": give host:port, ...`.
func (e *AddrError) Named(name string) string {
	return fmt.Sprintf("invalid %s %q: %s", name, e.Addr, e.Reason)
}

// ValidateAddr checks a listen address such as ":443", "127.0.0.1:8443" or
// "[::1]:8443" without binding it. Its error is an *AddrError.
func ValidateAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return &AddrError{addr, "give host:port, such as :443 or 127.0.0.1:8443"}
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return &AddrError{addr, "the port must be a number from 0 to 65535"}
	}
	if host != "" && net.ParseIP(host) == nil && !isHostName(host) {
		return &AddrError{addr, fmt.Sprintf("%q is neither an IP address nor a host name", host)}
	}
	return nil
}

// ListenError is a listener Listen could not bind. It says which listener,
// so that a caller can tell the user which setting to change.
type ListenError struct {
	// Redirect is true for the HTTP redirect listener, false for the HTTPS
	// one.
	Redirect bool
	// Addr is the address that could not be bound.
	Addr string
	// Err is the cause: an *AddrError, or the error from binding.
	Err error
	msg string
}

func (e *ListenError) Error() string { return e.msg }

func (e *ListenError) Unwrap() error { return e.Err }

// listen binds a TCP listener and turns the errors users actually hit into one
// line that says what to do; redirect tells which listener it is.
func listen(redirect bool, addr string) (net.Listener, error) {
	what := "HTTPS"
	if redirect {
		what = "the HTTP redirect"
	}
	fail := func(err error, format string, args ...any) (net.Listener, error) {
		return nil, &ListenError{Redirect: redirect, Addr: addr, Err: err, msg: fmt.Sprintf(format, args...)}
	}
	if err := ValidateAddr(addr); err != nil {
		return fail(err, "%s", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln, nil
	}
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return fail(err, "cannot listen on %s for %s: the address is already in use; stop the program using it (see: ss -ltnp) or choose another address", addr, what)
	case errors.Is(err, syscall.EACCES) && portOf(addr) < 1024:
		return fail(err, "cannot listen on %s for %s: permission denied; ports below 1024 need root or CAP_NET_BIND_SERVICE (sudo setcap cap_net_bind_service=+ep /path/to/dashbox), or choose a port above 1023", addr, what)
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return fail(err, "cannot listen on %s for %s: this machine has no such address; use one of its own addresses, or leave the host empty to listen on all", addr, what)
	}
	return fail(err, "cannot listen on %s for %s: %v", addr, what, err)
}

// isHostName reports whether s is made only of letters, digits, hyphens and
// dots, with labels of 1 to 63 characters: the shape of a DNS name.
func isHostName(s string) bool {
	if len(s) == 0 || len(s) > 253 {
		return false
	}
	label := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if label == 0 {
				return false
			}
			label = 0
			continue
		case c == '-' && label == 0:
			return false
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_':
		default:
			return false
		}
		label++
		if label > 63 {
			return false
		}
	}
	return true
}

package server

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"syscall"
)

// ValidateAddr checks a listen address such as ":443", "127.0.0.1:8443" or
// "[::1]:8443" without binding it. flag names the option for the message.
func ValidateAddr(flag, addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("invalid %s %q: give host:port, such as :443 or 127.0.0.1:8443", flag, addr)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("invalid %s %q: the port must be a number from 0 to 65535", flag, addr)
	}
	if host != "" && net.ParseIP(host) == nil && !isHostName(host) {
		return fmt.Errorf("invalid %s %q: %q is neither an IP address nor a host name", flag, addr, host)
	}
	return nil
}

// listen binds a TCP listener and turns the errors users actually hit into one
// line that says what to do.
func listen(flag, addr string) (net.Listener, error) {
	if err := ValidateAddr(flag, addr); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln, nil
	}
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return nil, fmt.Errorf("cannot listen on %s (%s): the address is already in use; stop the program using it (see: ss -ltnp) or choose another %s", addr, flag, flag)
	case errors.Is(err, syscall.EACCES) && portOf(addr) < 1024:
		return nil, fmt.Errorf("cannot listen on %s (%s): permission denied; ports below 1024 need root or CAP_NET_BIND_SERVICE (sudo setcap cap_net_bind_service=+ep /path/to/dashbox), or choose a port above 1023 with %s", addr, flag, flag)
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return nil, fmt.Errorf("cannot listen on %s (%s): this machine has no such address; use one of its own addresses, or leave the host empty to listen on all", addr, flag)
	}
	return nil, fmt.Errorf("cannot listen on %s (%s): %w", addr, flag, err)
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

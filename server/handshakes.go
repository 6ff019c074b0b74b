package server

import (
	"crypto/tls"
	"strings"
)

// observeHandshakes returns a copy of cfg that calls on after each TLS
// handshake that succeeds, with the version negotiated. crypto/tls calls
// VerifyConnection at the end of every server handshake, client
// certificate or not, so it sees each success; failures reach on through
// net/http's error log (handshakeFailed), since only net/http sees them.
func observeHandshakes(cfg *tls.Config, on func(version uint16, ok bool)) *tls.Config {
	if on == nil {
		return cfg
	}
	c := cfg.Clone()
	verify := c.VerifyConnection
	c.VerifyConnection = func(cs tls.ConnectionState) error {
		if verify != nil {
			if err := verify(cs); err != nil {
				on(cs.Version, false)
				return err
			}
		}
		on(cs.Version, true)
		return nil
	}
	return c
}

// handshakeFailed reports whether a line of net/http's error log is about a
// failed TLS handshake.
func handshakeFailed(msg string) bool {
	return strings.HasPrefix(msg, "http: TLS handshake error")
}

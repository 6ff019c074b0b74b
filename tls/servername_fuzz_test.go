package tls

import (
	cryptotls "crypto/tls"
	"log/slog"
	"net"
	"slices"
	"strings"
	"testing"
)

// FuzzServerName feeds the handshake's certificate choice the two things a
// TLS client chooses freely: the server name (SNI) and the ALPN list. It
// must never panic, must refuse acme-tls/1 without ACME, and must serve a
// name dashbox serves, in any letter case, with a certificate valid for it.
func FuzzServerName(f *testing.F) {
	for _, seed := range []struct{ sni, alpn string }{
		{"localhost", "h2,http/1.1"},
		{"LocalHost", "http/1.1"},
		{"127.0.0.1", ""},
		{"::1", "h2"},
		{"", "acme-tls/1"},
		{"localhost", "acme-tls/1"},
		{"localhost.", "h2"},
		{"a..", ""},
		{"*.localhost", ""},
		{"xn--bcher-kva.example", ""},
		{"bücher.example", ""},
		{strings.Repeat("a.", 200), "h2"},
		{"local\x00host", "h2,\x00"},
	} {
		f.Add(seed.sni, seed.alpn)
	}
	// Discarding logs keeps certmagic from building a debug entry for
	// every call, and memory flat over millions of them.
	m := mustNewManager(f, Config{Logger: slog.New(slog.DiscardHandler)}, managerOptions{hostname: noHostname})
	f.Fuzz(func(t *testing.T, sni, alpn string) {
		var protos []string
		if alpn != "" {
			protos = strings.Split(alpn, ",")
		}
		hello := &cryptotls.ClientHelloInfo{ServerName: sni, SupportedProtos: protos, Conn: loopbackConn{}}
		cert, err := m.getCertificate(hello)
		if (cert == nil) == (err == nil) {
			t.Fatalf("SNI %q ALPN %q: certificate %v with error %v", sni, protos, cert != nil, err)
		}
		if slices.Contains(protos, acmeTLSProto) {
			if err != errNoACMETLS {
				t.Fatalf("SNI %q ALPN %q: acme-tls/1 without ACME got %v", sni, protos, err)
			}
			return
		}
		name := serverName(sni)
		if strings.ToLower(name) != name {
			t.Fatalf("serverName(%q) = %q is not lower case", sni, name)
		}
		if !strings.HasSuffix(sni, ".") && slices.Contains(m.Names(), name) {
			if err != nil {
				t.Fatalf("served name %q (SNI %q): %v", name, sni, err)
			}
			if err := cert.Leaf.VerifyHostname(name); err != nil {
				t.Fatalf("SNI %q got a certificate not valid for %s: %v", sni, name, err)
			}
		}
		m.PubliclyTrusted(sni)
	})
}

// loopbackConn stands for the connection of a handshake from
// 127.0.0.1:50000 to 127.0.0.1:443; certmagic reads only its addresses.
type loopbackConn struct{ net.Conn }

func (loopbackConn) LocalAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 443}
}

func (loopbackConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 50000}
}

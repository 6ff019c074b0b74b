package tls

import (
	cryptotls "crypto/tls"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/testenv"
)

// Without ACME, acme-tls/1 is neither offered nor answered: a handshake
// asking for it fails, as often as a client likes, without a warning or
// error in the log (the log would otherwise be a client's to flood).
func TestManagerRefusesACMETLSWithoutACME(t *testing.T) {
	logs, logger := jsonLogger(t)
	m := mustNewManager(t, Config{Logger: logger}, managerOptions{hostname: noHostname})
	cfg := m.TLSConfig()
	if slices.Contains(cfg.NextProtos, acmeTLSProto) || !slices.Equal(cfg.NextProtos, httpProtos) {
		t.Errorf("NextProtos = %q, want %q", cfg.NextProtos, httpProtos)
	}
	srv := startTLSServer(t, "tcp4", cfg)
	roots := rootPool(t, m.CA())

	for i := range 20 {
		for _, c := range []struct {
			sni    string
			protos []string
		}{
			{"localhost", []string{acmeTLSProto}},
			{"localhost", []string{acmeTLSProto, "h2"}},
			{"localhost", []string{"h2", acmeTLSProto}},
			{"dash.example.com", []string{acmeTLSProto}},
			{"", []string{acmeTLSProto, "http/1.1"}},
			{"unknown.example.com", []string{"h2"}}, // unknown SNI, not ACME
		} {
			_, hello, err := srv.dial(t, &cryptotls.Config{ServerName: c.sni, NextProtos: c.protos, InsecureSkipVerify: true})
			if err == nil || hello.err == nil {
				t.Fatalf("SNI %q ALPN %q: handshake succeeded", c.sni, c.protos)
			}
			if i == 0 && len(c.protos) > 1 && slices.Contains(c.protos, acmeTLSProto) && !strings.Contains(hello.err.Error(), errNoACMETLS.Error()) {
				t.Errorf("SNI %q ALPN %q: server error %v, want %v", c.sni, c.protos, hello.err, errNoACMETLS)
			}
		}
	}
	// Browsers are served as before.
	state, hello, err := srv.dial(t, &cryptotls.Config{ServerName: "localhost", NextProtos: []string{"h2", "http/1.1"}, RootCAs: roots})
	if err != nil || state.NegotiatedProtocol != "h2" {
		t.Fatalf("browser handshake: %v (server: %v), protocol %q", err, hello.err, state.NegotiatedProtocol)
	}
	if w := warnLines(t, logs.String()); len(w) > 0 {
		t.Errorf("hostile handshakes logged at warn or error: %v", w)
	}
}

// The refusal is decided before certmagic sees the handshake.
func TestGetCertificateRefusesACMETLS(t *testing.T) {
	m := mustNewManager(t, Config{}, managerOptions{hostname: noHostname})
	for _, protos := range [][]string{{acmeTLSProto}, {"h2", acmeTLSProto}} {
		cert, err := m.getCertificate(&cryptotls.ClientHelloInfo{ServerName: "localhost", SupportedProtos: protos})
		if cert != nil || err != errNoACMETLS {
			t.Errorf("ALPN %q: got %v, %v; want %v", protos, cert, err, errNoACMETLS)
		}
	}
	if cert, err := m.getCertificate(&cryptotls.ClientHelloInfo{ServerName: "LocalHost", SupportedProtos: []string{"h2"}}); err != nil || cert == nil {
		t.Errorf("localhost with h2: %v", err)
	}
}

// newACMEManager manages dash.internal with an ACME CA nothing listens on:
// every order fails at once and is retried an hour later.
func newACMEManager(t *testing.T, challenges []string) (*Manager, *testenv.SyncBuffer) {
	t.Helper()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	caURL := "https://" + closed.Addr().String() + "/dir"
	closed.Close()
	logs, logger := jsonLogger(t)
	m := mustNewManager(t, Config{
		Domains: []string{"dash.internal"},
		Logger:  logger,
		ACME: &ACMEConfig{CA: caURL, HTTPSAddr: listenLoopback(t).Addr().String(),
			HTTPAddr: listenLoopback(t).Addr().String(), Challenges: challenges},
		Tuning: Tuning{RetryIntervals: []time.Duration{time.Hour}},
	}, managerOptions{hostname: noHostname})
	return m, logs
}

// With ACME but TLS-ALPN-01 turned off, acme-tls/1 is refused as without
// ACME.
func TestManagerRefusesACMETLSWhenChallengeOff(t *testing.T) {
	m, _ := newACMEManager(t, []string{ChallengeHTTP01})
	if p := m.TLSConfig().NextProtos; slices.Contains(p, acmeTLSProto) {
		t.Errorf("NextProtos = %q offers %s with TLS-ALPN-01 off", p, acmeTLSProto)
	}
	if _, err := m.getCertificate(&cryptotls.ClientHelloInfo{ServerName: "dash.internal", SupportedProtos: []string{acmeTLSProto}}); err != errNoACMETLS {
		t.Errorf("acme-tls/1 for the ACME name: %v, want %v", err, errNoACMETLS)
	}
}

// With TLS-ALPN-01 on, only a challenge handshake for a name the ACME CA
// validates reaches certmagic; certmagic's error for one with no challenge
// pending is logged once per client a minute, then at debug level.
func TestManagerACMETLSWithChallenge(t *testing.T) {
	m, logs := newACMEManager(t, nil)
	cfg := m.TLSConfig()
	if !slices.Contains(cfg.NextProtos, acmeTLSProto) || cfg.NextProtos[0] != "h2" {
		t.Errorf("NextProtos = %q, want h2 first and %s", cfg.NextProtos, acmeTLSProto)
	}
	for _, sni := range []string{"localhost", "unknown.example.com", ""} {
		if _, err := m.getCertificate(&cryptotls.ClientHelloInfo{ServerName: sni, SupportedProtos: []string{acmeTLSProto}}); err != errNoACMETLS {
			t.Errorf("acme-tls/1 for %q: %v, want %v", sni, err, errNoACMETLS)
		}
	}
	if _, err := m.getCertificate(&cryptotls.ClientHelloInfo{ServerName: "dash.internal", SupportedProtos: []string{acmeTLSProto, "h2"}}); err != errNoACMETLS {
		t.Errorf("acme-tls/1 among others: %v, want %v", err, errNoACMETLS)
	}

	srv := startTLSServer(t, "tcp4", cfg)
	const n = 10
	for range n {
		_, hello, err := srv.dial(t, &cryptotls.Config{ServerName: "dash.internal", NextProtos: []string{acmeTLSProto}, InsecureSkipVerify: true})
		if err == nil {
			t.Fatal("challenge handshake with no challenge pending succeeded")
		}
		if hello.err == nil || strings.Contains(hello.err.Error(), errNoACMETLS.Error()) {
			t.Fatalf("server error %v: the handshake did not reach certmagic", hello.err)
		}
	}
	levels := map[string]int{}
	for _, l := range jsonLines(t, logs.String()) {
		if l["msg"] == "tls-alpn challenge" {
			levels[l["level"].(string)]++
		}
	}
	if levels["ERROR"] != 1 || levels["DEBUG"] != n-1 {
		t.Errorf("'tls-alpn challenge' logged %v; want 1 ERROR, then %d DEBUG", levels, n-1)
	}
}

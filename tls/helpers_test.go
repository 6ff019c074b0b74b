package tls

import (
	"context"
	cryptotls "crypto/tls"
	"crypto/x509"
	"errors"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/testenv"
)

// testLogger returns a debug-level logger whose output is shown only if the
// test fails. It buffers instead of writing to t, because certmagic may log
// from its goroutines after the test function returned.
func testLogger(tb testing.TB) *slog.Logger {
	tb.Helper()
	buf := &testenv.SyncBuffer{}
	tb.Cleanup(func() {
		if tb.Failed() {
			tb.Logf("log:\n%s", buf.String())
		}
	})
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// mustNewManager starts a Manager on a fresh state directory (unless cfg
// names one) and closes it when the test ends.
func mustNewManager(tb testing.TB, cfg Config, opts managerOptions) *Manager {
	tb.Helper()
	if cfg.StateDir == "" {
		cfg.StateDir = tb.TempDir()
	}
	if cfg.Logger == nil {
		cfg.Logger = testLogger(tb)
	}
	m, err := newManager(context.Background(), cfg, opts)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	tb.Cleanup(m.Close)
	return m
}

// rootPool holds only the local CA's root, so verification proves the
// chain leads there and nowhere else.
func rootPool(tb testing.TB, ca *LocalCA) *x509.CertPool {
	tb.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca.RootPEM()) {
		tb.Fatal("RootPEM holds no certificate")
	}
	return pool
}

// serverHello is what the server side saw of one handshake.
type serverHello struct {
	serverName string // SNI sent by the client ("" if none)
	err        error
}

// tlsServer accepts connections on a loopback listener and completes the TLS
// handshake with cfg, reporting each one on hellos.
type tlsServer struct {
	addr   string
	hellos chan serverHello
}

// startTLSServer listens on network ("tcp4" or "tcp6") loopback, port 0.
// The listener and its goroutine end with the test.
func startTLSServer(tb testing.TB, network string, cfg *cryptotls.Config) *tlsServer {
	tb.Helper()
	host := "127.0.0.1"
	if network == "tcp6" {
		host = "::1"
	}
	ln, err := net.Listen(network, net.JoinHostPort(host, "0"))
	if err != nil {
		tb.Fatalf("listen: %v", err)
	}
	s := &tlsServer{addr: ln.Addr().String(), hellos: make(chan serverHello, 100)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			tc := cryptotls.Server(conn, cfg)
			_ = tc.SetDeadline(time.Now().Add(10 * time.Second))
			err = tc.Handshake()
			select {
			case s.hellos <- serverHello{serverName: tc.ConnectionState().ServerName, err: err}:
			default:
			}
			tc.Close()
		}
	}()
	tb.Cleanup(func() {
		ln.Close()
		<-done
	})
	return s
}

// dial completes a client handshake with cfg against s and returns what the
// client saw, plus what the server saw.
func (s *tlsServer) dial(tb testing.TB, cfg *cryptotls.Config) (cryptotls.ConnectionState, serverHello, error) {
	tb.Helper()
	d := &net.Dialer{Timeout: 10 * time.Second}
	conn, err := cryptotls.DialWithDialer(d, "tcp", s.addr, cfg)
	var state cryptotls.ConnectionState
	if err == nil {
		state = conn.ConnectionState()
		conn.Close()
	}
	select {
	case h := <-s.hellos:
		return state, h, err
	case <-time.After(10 * time.Second):
		tb.Fatal("server did not report the handshake")
		return state, serverHello{}, errors.New("unreachable")
	}
}

// hasIPv6Loopback reports whether ::1 can be listened on.
func hasIPv6Loopback() bool {
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/testenv"
)

// testTLS returns a server config with a throwaway certificate for
// 127.0.0.1, and a client trusting only it.
func testTLS(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, NextProtos: []string{"h2", "http/1.1"}},
		&tls.Config{RootCAs: pool}
}

// startServer serves h on free loopback ports until the test ends.
func startServer(t *testing.T, h http.Handler, cfg Config) (*Listeners, *http.Client, func() error) {
	t.Helper()
	ln, err := Listen("127.0.0.1:0", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srvTLS, cliTLS := testTLS(t)
	cfg.TLSConfig, cfg.Handler = srvTLS, h
	ctx, cancel := context.WithCancel(context.Background())
	serving := make(chan struct{})
	cfg.OnServing = func() { close(serving) }
	done := make(chan error, 1)
	go func() { done <- ln.Serve(ctx, cfg) }()
	<-serving
	var once sync.Once
	var serveErr error
	stop := func() error {
		once.Do(func() { cancel(); serveErr = <-done })
		return serveErr
	}
	t.Cleanup(func() { stop() })
	client := &http.Client{
		Transport:     &http.Transport{TLSClientConfig: cliTLS, ForceAttemptHTTP2: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	t.Cleanup(client.CloseIdleConnections)
	return ln, client, stop
}

func TestServeRedirectsHTTPToHTTPS(t *testing.T) {
	ln, client, _ := startServer(t, http.NotFoundHandler(), Config{})
	resp, err := client.Get("http://" + ln.HTTPAddr().String() + "/apps/app1?a=b")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := "https://127.0.0.1:" + portString(ln.HTTPSAddr()) + "/apps/app1?a=b"
	if resp.StatusCode != 308 || resp.Header.Get("Location") != want {
		t.Fatalf("got %d %q, want 308 %q", resp.StatusCode, resp.Header.Get("Location"), want)
	}
}

func TestServeHTTP2(t *testing.T) {
	ln, client, _ := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Proto)
	}), Config{})
	resp, err := client.Get("https://" + ln.HTTPSAddr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.ProtoMajor != 2 {
		t.Fatalf("proto = %s, want HTTP/2", resp.Proto)
	}
}

func TestGracefulShutdownLetsInFlightRequestFinish(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	ln, client, stop := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		io.WriteString(w, "finished")
	}), Config{ShutdownTimeout: time.Minute})

	type result struct {
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := client.Get("https://" + ln.HTTPSAddr().String() + "/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- result{string(b), err}
	}()
	<-started
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()

	// New connections are refused once the listener is closed; wait for that
	// by polling dial, which fails as soon as Shutdown closed the socket.
	for {
		c, err := net.Dial("tcp", ln.HTTPSAddr().String())
		if err != nil {
			break
		}
		c.Close()
	}
	close(release)
	r := <-got
	if r.err != nil || r.body != "finished" {
		t.Fatalf("in-flight request: body %q, err %v", r.body, r.err)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("Serve returned %v, want nil after a clean drain", err)
	}
}

func TestShutdownTimeoutReportsError(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	defer close(release)
	ln, client, stop := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}), Config{ShutdownTimeout: 50 * time.Millisecond})
	go func() {
		resp, err := client.Get("https://" + ln.HTTPSAddr().String() + "/hang")
		if err == nil {
			resp.Body.Close()
		}
	}()
	<-started
	err := stop()
	if !errors.Is(err, ErrShutdownTimeout) || !strings.Contains(err.Error(), "raise the shutdown timeout") {
		t.Fatalf("err = %v, want ErrShutdownTimeout saying to raise the shutdown timeout", err)
	}
}

func TestTLSHandshakeErrorsLoggedAtDebug(t *testing.T) {
	var logs testenv.SyncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ln, _, stop := startServer(t, http.NotFoundHandler(), Config{Logger: logger})
	// A scanner speaking plain HTTP to the TLS port, five times: one line
	// (a client's repeated errors are logged once a minute).
	for range 5 {
		c, err := net.Dial("tcp", ln.HTTPSAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(c, "GET / HTTP/1.0\r\n\r\n")
		io.ReadAll(c)
		c.Close()
	}
	stop()
	out := logs.String()
	if n := strings.Count(out, "TLS handshake error"); n != 1 {
		t.Fatalf("%d handshake error lines for 5 failed handshakes from one address, want 1: %s", n, out)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "TLS handshake error") && !strings.Contains(line, "level=DEBUG") {
			t.Errorf("handshake error not at debug level: %s", line)
		}
	}
}

func TestListenErrors(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	tests := []struct {
		name, https, http, want string
	}{
		{"address in use", taken.Addr().String(), "", "already in use"},
		{"http address in use", "127.0.0.1:0", taken.Addr().String(), "for the HTTP redirect: the address is already in use"},
		{"same address twice", "127.0.0.1:8443", "127.0.0.1:8443", "different ports"},
		{"no port", "localhost", "", "host:port"},
		{"port out of range", ":70000", "", "0 to 65535"},
		{"bad host", "exa mple:443", "", "neither an IP address nor a host name"},
		{"foreign address", "192.0.2.1:0", "", "no such address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := Listen(tt.https, tt.http)
			if err == nil {
				ln.Close()
				t.Fatal("Listen succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err = %q, want one line containing %q", err, tt.want)
			}
			// The caller must be able to tell which listener failed, to
			// name the setting to change.
			var le *ListenError
			switch {
			case tt.https == tt.http:
				if !errors.Is(err, ErrSameAddr) {
					t.Errorf("err = %v, want ErrSameAddr", err)
				}
			case !errors.As(err, &le):
				t.Errorf("err = %#v, want a *ListenError", err)
			case le.Redirect != (tt.http != ""):
				t.Errorf("ListenError.Redirect = %v for %q", le.Redirect, err)
			}
		})
	}
}

func portString(a net.Addr) string {
	_, p, _ := net.SplitHostPort(a.String())
	return p
}

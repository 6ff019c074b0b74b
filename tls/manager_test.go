package tls

import (
	"context"
	cryptotls "crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/certmagic"
)

// Manager tests do not run in parallel: certmagic keeps process-wide state
// keyed by name (its job queue dedups "renew_localhost" across caches, and
// handshakes loading the same name wait on each other), which two managers
// serving localhost at once would share.

func TestManagerServesEveryName(t *testing.T) {
	m := mustNewManager(t, Config{Domains: []string{"Dash.Example.com", "10.1.2.3"}}, managerOptions{
		hostname: func() (string, error) { return "Box-1", nil },
	})
	want := []string{"localhost", "127.0.0.1", "::1", "dash.example.com", "10.1.2.3", "box-1"}
	if got := m.Names(); !slices.Equal(got, want) {
		t.Fatalf("Names() = %v, want %v", got, want)
	}

	roots := rootPool(t, m.CA())
	srv4 := startTLSServer(t, "tcp4", m.TLSConfig())
	tests := []struct {
		name       string
		serverName string // what the client verifies (and sends as SNI unless an IP)
		wantSNI    string // what the server must see
		wantErr    string
	}{
		{name: "localhost", serverName: "localhost", wantSNI: "localhost"},
		{name: "ip without SNI", serverName: "127.0.0.1", wantSNI: ""},
		{name: "host name", serverName: "box-1", wantSNI: "box-1"},
		{name: "domain", serverName: "dash.example.com", wantSNI: "dash.example.com"},
		{name: "domain in upper case", serverName: "DASH.example.com", wantSNI: "DASH.example.com"},
		{name: "name not served", serverName: "other.example.com", wantErr: "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state, hello, err := srv4.dial(t, &cryptotls.Config{ServerName: tt.serverName, RootCAs: roots})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("handshake err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("handshake failed: %v (server: %v)", err, hello.err)
			}
			if hello.serverName != tt.wantSNI {
				t.Errorf("server saw SNI %q, want %q", hello.serverName, tt.wantSNI)
			}
			if len(state.VerifiedChains) == 0 {
				t.Error("no verified chain")
			}
		})
	}

	t.Run("ipv6 loopback without SNI", func(t *testing.T) {
		if !hasIPv6Loopback() {
			t.Skip("no IPv6 loopback on this machine")
		}
		srv6 := startTLSServer(t, "tcp6", m.TLSConfig())
		_, hello, err := srv6.dial(t, &cryptotls.Config{ServerName: "::1", RootCAs: roots})
		if err != nil {
			t.Fatalf("handshake failed: %v (server: %v)", err, hello.err)
		}
		if hello.serverName != "" {
			t.Errorf("client sent SNI %q for an IP", hello.serverName)
		}
	})
}

// Clients without SNI on an address that has no certificate (a LAN address
// not given as --domain) get the default name's certificate: a name
// mismatch the browser explains, not a handshake failure. A test can only
// reach loopback, so the local-IP match is defeated with a manager that
// serves no loopback certificate for 127.0.0.1.
func TestManagerDefaultServerName(t *testing.T) {
	if got := defaultServerName([]string{"localhost", "127.0.0.1", "::1", "10.0.0.1", "dash.example.com", "box"}); got != "dash.example.com" {
		t.Errorf("defaultServerName = %q, want the first DNS domain", got)
	}
	if got := defaultServerName([]string{"localhost", "127.0.0.1", "::1", "box"}); got != "box" {
		t.Errorf("defaultServerName = %q, want the host name", got)
	}
	if got := defaultServerName([]string{"localhost", "127.0.0.1", "::1"}); got != "localhost" {
		t.Errorf("defaultServerName = %q, want localhost", got)
	}

	m := mustNewManager(t, Config{Domains: []string{"dash.example.com"}}, managerOptions{})
	m.cache.RemoveManaged([]certmagic.SubjectIssuer{{Subject: "127.0.0.1", IssuerKey: m.CA().IssuerKey()}})
	srv := startTLSServer(t, "tcp4", m.TLSConfig())
	// No SNI (the client dials an IP); skip the name check to see which
	// certificate the server picked, then verify it ourselves.
	state, hello, err := srv.dial(t, &cryptotls.Config{ServerName: "127.0.0.1", InsecureSkipVerify: true})
	if err != nil {
		t.Fatalf("handshake without SNI failed: %v (server: %v)", err, hello.err)
	}
	if hello.serverName != "" {
		t.Fatalf("client sent SNI %q", hello.serverName)
	}
	leaf := state.PeerCertificates[0]
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "dash.example.com", Roots: rootPool(t, m.CA())}); err != nil {
		t.Errorf("without SNI on an address with no certificate, got %v, want the dash.example.com certificate: %v", leaf.DNSNames, err)
	}
}

func TestManagerProtocolPolicy(t *testing.T) {
	m := mustNewManager(t, Config{}, managerOptions{})
	srv := startTLSServer(t, "tcp4", m.TLSConfig())
	roots := rootPool(t, m.CA())
	client := func(edit func(*cryptotls.Config)) *cryptotls.Config {
		c := &cryptotls.Config{ServerName: "localhost", RootCAs: roots}
		edit(c)
		return c
	}
	cbcOnly := []uint16{
		cryptotls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
		cryptotls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
		cryptotls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
		cryptotls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
		cryptotls.TLS_RSA_WITH_AES_128_GCM_SHA256, // RSA key exchange: no forward secrecy
	}
	tests := []struct {
		name      string
		client    *cryptotls.Config
		wantErr   string // in the server's handshake error: why it refused
		wantVer   uint16
		wantProto string
		wantCurve cryptotls.CurveID // checked if set
	}{
		{name: "TLS 1.0 refused", client: client(func(c *cryptotls.Config) { c.MinVersion, c.MaxVersion = cryptotls.VersionTLS10, cryptotls.VersionTLS10 }), wantErr: "unsupported versions"},
		{name: "TLS 1.1 refused", client: client(func(c *cryptotls.Config) { c.MinVersion, c.MaxVersion = cryptotls.VersionTLS10, cryptotls.VersionTLS11 }), wantErr: "unsupported versions"},
		{name: "TLS 1.2 with CBC or RSA key exchange only refused", client: client(func(c *cryptotls.Config) {
			c.MaxVersion, c.CipherSuites = cryptotls.VersionTLS12, cbcOnly
		}), wantErr: "no cipher suite supported"},
		{name: "TLS 1.2 ECDHE-ECDSA-AES128-GCM", client: client(func(c *cryptotls.Config) {
			c.MaxVersion, c.CipherSuites = cryptotls.VersionTLS12, []uint16{cryptotls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}
		}), wantVer: cryptotls.VersionTLS12},
		{name: "TLS 1.2 ECDHE-ECDSA-CHACHA20", client: client(func(c *cryptotls.Config) {
			c.MaxVersion, c.CipherSuites = cryptotls.VersionTLS12, []uint16{cryptotls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}
		}), wantVer: cryptotls.VersionTLS12},
		{name: "TLS 1.2 with P-256 only", client: client(func(c *cryptotls.Config) {
			c.MaxVersion, c.CurvePreferences = cryptotls.VersionTLS12, []cryptotls.CurveID{cryptotls.CurveP256}
		}), wantVer: cryptotls.VersionTLS12},
		{name: "TLS 1.2 with P-521 only refused", client: client(func(c *cryptotls.Config) {
			c.MaxVersion, c.CurvePreferences = cryptotls.VersionTLS12, []cryptotls.CurveID{cryptotls.CurveP521}
		}), wantErr: "no cipher suite supported"}, // ECDHE suites need a shared curve
		{name: "TLS 1.3 with post-quantum key exchange", client: client(func(*cryptotls.Config) {}), wantVer: cryptotls.VersionTLS13, wantCurve: cryptotls.X25519MLKEM768},
		{name: "ALPN h2 preferred", client: client(func(c *cryptotls.Config) { c.NextProtos = []string{"h2", "http/1.1"} }), wantVer: cryptotls.VersionTLS13, wantProto: "h2"},
		{name: "ALPN http/1.1", client: client(func(c *cryptotls.Config) { c.NextProtos = []string{"http/1.1"} }), wantVer: cryptotls.VersionTLS13, wantProto: "http/1.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state, hello, err := srv.dial(t, tt.client)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("handshake succeeded with %s %s, want refusal",
						cryptotls.VersionName(state.Version), cryptotls.CipherSuiteName(state.CipherSuite))
				}
				if hello.err == nil || !strings.Contains(hello.err.Error(), tt.wantErr) {
					t.Errorf("server refused with %v, want %q", hello.err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("handshake failed: %v (server: %v)", err, hello.err)
			}
			if state.Version != tt.wantVer {
				t.Errorf("version %s, want %s", cryptotls.VersionName(state.Version), cryptotls.VersionName(tt.wantVer))
			}
			if tt.wantCurve != 0 && state.CurveID != tt.wantCurve {
				t.Errorf("key exchange %v, want %v", state.CurveID, tt.wantCurve)
			}
			if state.NegotiatedProtocol != tt.wantProto {
				t.Errorf("ALPN %q, want %q", state.NegotiatedProtocol, tt.wantProto)
			}
		})
	}

	t.Run("config", func(t *testing.T) {
		cfg := m.TLSConfig()
		// acme-tls/1 only with ACME's TLS-ALPN-01 (TestManagerACMETLSWithChallenge).
		if !slices.Equal(cfg.NextProtos, []string{"h2", "http/1.1"}) {
			t.Errorf("NextProtos = %v", cfg.NextProtos)
		}
		for _, id := range cfg.CipherSuites {
			name := cryptotls.CipherSuiteName(id)
			if !strings.HasPrefix(name, "TLS_ECDHE_") || !(strings.Contains(name, "_GCM_") || strings.Contains(name, "CHACHA20_POLY1305")) {
				t.Errorf("cipher suite %s is not ECDHE with AEAD", name)
			}
		}
		cfg.NextProtos[0] = "changed"
		if m.TLSConfig().NextProtos[0] != "h2" {
			t.Error("changing one TLSConfig() result changed the next")
		}
	})
}

// A real net/http server on TLSConfig speaks HTTP/2 to a verifying client.
func TestManagerHTTP2(t *testing.T) {
	m := mustNewManager(t, Config{}, managerOptions{})
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{
		TLSConfig: m.TLSConfig(),
		Handler: m.HTTPChallengeHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, r.Proto)
		})),
	}
	done := make(chan error, 1)
	go func() { done <- srv.ServeTLS(ln, "", "") }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("ServeTLS: %v", err)
		}
	})

	transport := &http.Transport{TLSClientConfig: &cryptotls.Config{RootCAs: rootPool(t, m.CA())}, ForceAttemptHTTP2: true}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: 10 * time.Second}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	for _, host := range []string{"localhost", "127.0.0.1"} {
		resp, err := client.Get("https://" + net.JoinHostPort(host, port) + "/")
		if err != nil {
			t.Fatalf("GET via %s: %v", host, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.Proto != "HTTP/2.0" || string(body) != "HTTP/2.0" {
			t.Errorf("via %s: response %s, handler saw %s; want HTTP/2.0", host, resp.Proto, body)
		}
	}
}

func TestManagerLeafCertificates(t *testing.T) {
	before := time.Now()
	m := mustNewManager(t, Config{Domains: []string{"dash.example.com"}}, managerOptions{
		hostname: func() (string, error) { return "", nil }, // no host name: it is skipped
	})
	if got, want := m.Names(), []string{"localhost", "127.0.0.1", "::1", "dash.example.com"}; !slices.Equal(got, want) {
		t.Errorf("Names() = %v, want %v", got, want)
	}
	srv := startTLSServer(t, "tcp4", m.TLSConfig())
	root := parsePEMCert(t, m.CA().RootPEM())
	for _, name := range []string{"localhost", "127.0.0.1", "dash.example.com"} {
		state, hello, err := srv.dial(t, &cryptotls.Config{ServerName: name, RootCAs: rootPool(t, m.CA())})
		if err != nil {
			t.Fatalf("%s: %v (server: %v)", name, err, hello.err)
		}
		leaf := state.PeerCertificates[0]
		var sans []string
		sans = append(sans, leaf.DNSNames...)
		for _, ip := range leaf.IPAddresses {
			sans = append(sans, ip.String())
		}
		if !slices.Equal(sans, []string{name}) {
			t.Errorf("%s: leaf SANs %v, want exactly [%s]", name, sans, name)
		}
		if life := leaf.NotAfter.Sub(leaf.NotBefore); life != DefaultLeafLifetime+backdate {
			t.Errorf("%s: leaf valid for %v, want %v (+%v backdating)", name, life, DefaultLeafLifetime, backdate)
		}
		if leaf.NotBefore.After(before) {
			t.Errorf("%s: NotBefore %v not backdated", name, leaf.NotBefore)
		}
		if !slices.Equal(leaf.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}) || leaf.IsCA {
			t.Errorf("%s: ExtKeyUsage %v IsCA %v, want server auth leaf", name, leaf.ExtKeyUsage, leaf.IsCA)
		}
		if err := leaf.CheckSignatureFrom(root); err != nil {
			t.Errorf("%s: leaf not signed by the root: %v", name, err)
		}
		if len(state.PeerCertificates) != 1 {
			t.Errorf("%s: server sent %d certificates, want the leaf only", name, len(state.PeerCertificates))
		}
	}
	// certmagic keeps them in the state directory, under the CA's key.
	for _, name := range []string{"localhost", "127.0.0.1", "::1"} {
		key := certmagic.StorageKeys.SiteCert(m.CA().IssuerKey(), name)
		if _, err := os.Stat(filepath.Join(filepath.Dir(filepath.Dir(m.CA().RootPath())), filepath.FromSlash(key))); err != nil {
			t.Errorf("certificate for %s not stored: %v", name, err)
		}
	}
}

// A restart loads the stored CA and certificates and issues nothing.
func TestManagerRestartReusesCertificates(t *testing.T) {
	state := t.TempDir()
	var firstCA *LocalCA
	first := mustNewManager(t, Config{StateDir: state}, managerOptions{prepareCA: func(ca *LocalCA) { firstCA = ca }})
	if n := firstCA.issued.Load(); n != int64(len(first.Names())) {
		t.Fatalf("first start issued %d certificates for %d names", n, len(first.Names()))
	}
	firstSerial := servedSerial(t, first, "localhost")
	first.Close()

	var secondCA *LocalCA
	second := mustNewManager(t, Config{StateDir: state}, managerOptions{prepareCA: func(ca *LocalCA) { secondCA = ca }})
	if n := secondCA.issued.Load(); n != 0 {
		t.Errorf("restart issued %d certificates, want 0", n)
	}
	if second.CA().Fingerprint() != first.CA().Fingerprint() {
		t.Error("restart made a new CA")
	}
	if got := servedSerial(t, second, "localhost"); got != firstSerial {
		t.Errorf("restart serves serial %s, first start served %s", got, firstSerial)
	}
}

// A stored certificate due for renewal (dashbox was stopped for longer than
// the renewal window) is renewed before New returns, with no network.
func TestManagerRenewsDueCertificateAtStart(t *testing.T) {
	state := t.TempDir()
	first := mustNewManager(t, Config{StateDir: state}, managerOptions{prepareCA: func(ca *LocalCA) { ca.validity = dueValidity }})
	oldSerial := servedSerial(t, first, "localhost")
	first.Close()

	var ca *LocalCA
	second := mustNewManager(t, Config{StateDir: state}, managerOptions{prepareCA: func(c *LocalCA) { ca = c }})
	if n := ca.issued.Load(); n != int64(len(second.Names())) {
		t.Errorf("restart renewed %d certificates, want all %d", n, len(second.Names()))
	}
	if servedSerial(t, second, "localhost") == oldSerial {
		t.Error("restart still serves the certificate due for renewal")
	}
}

// While serving, certmagic's maintenance renews certificates that enter
// their renewal window and swaps them in for new handshakes.
func TestManagerRenewsWhileServing(t *testing.T) {
	var mu sync.Mutex
	issuedBefore := map[string]bool{}
	renewed := make(chan string, 64)
	m := mustNewManager(t, Config{}, managerOptions{
		hostname: func() (string, error) { return "box", nil },
		// Check every 20ms instead of certmagic's 10 minutes.
		renewCheckInterval: 20 * time.Millisecond,
		prepareCA: func(ca *LocalCA) {
			// Each name's first certificate is already in its renewal
			// window; the renewed one is ordinary.
			ca.validity = func(now time.Time, names []string) (time.Time, time.Time) {
				key := strings.Join(names, ",")
				mu.Lock()
				defer mu.Unlock()
				if !issuedBefore[key] {
					issuedBefore[key] = true
					return dueValidity(now, names)
				}
				return defaultValidity(now, names)
			}
		},
		onEvent: func(_ context.Context, event string, data map[string]any) error {
			if event == "cert_obtained" && data["renewal"] == true {
				select {
				case renewed <- data["identifier"].(string):
				default:
				}
			}
			return nil
		},
	})

	deadline := time.After(30 * time.Second)
	pending := map[string]bool{}
	for _, n := range m.Names() {
		pending[n] = true
	}
	for len(pending) > 0 {
		select {
		case name := <-renewed:
			delete(pending, name)
		case <-deadline:
			t.Fatalf("not renewed within 30s: %v", pending)
		}
	}

	// The renewal event comes just before certmagic reloads the renewed
	// certificate into its cache; wait for the swap (there is no event).
	fresh := func() bool {
		for _, name := range m.Names() {
			certs := m.cache.AllMatchingCertificates(name)
			if len(certs) != 1 || time.Until(certs[0].Leaf.NotAfter) < 24*time.Hour {
				return false
			}
		}
		return true
	}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !fresh() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatal("renewed certificates not in the cache within 30s")
		}
	}
	srv := startTLSServer(t, "tcp4", m.TLSConfig())
	state, hello, err := srv.dial(t, &cryptotls.Config{ServerName: "localhost", RootCAs: rootPool(t, m.CA())})
	if err != nil {
		t.Fatalf("handshake after renewal: %v (server: %v)", err, hello.err)
	}
	if left := time.Until(state.PeerCertificates[0].NotAfter); left < DefaultLeafLifetime-time.Hour {
		t.Errorf("served certificate has %v left; want the renewed one (%v)", left, DefaultLeafLifetime)
	}
}

// dueValidity makes certificates that are valid now but already inside
// certmagic's renewal window (the last third of their life).
func dueValidity(now time.Time, _ []string) (time.Time, time.Time) {
	return now.Add(-3 * time.Hour), now.Add(time.Hour)
}

// servedSerial is the serial of the certificate served for name.
func servedSerial(tb testing.TB, m *Manager, name string) string {
	tb.Helper()
	srv := startTLSServer(tb, "tcp4", m.TLSConfig())
	state, hello, err := srv.dial(tb, &cryptotls.Config{ServerName: name, RootCAs: rootPool(tb, m.CA())})
	if err != nil {
		tb.Fatalf("handshake for %s: %v (server: %v)", name, err, hello.err)
	}
	return state.PeerCertificates[0].SerialNumber.String()
}

// After the CA is replaced (both files deleted, as the damaged-CA error
// suggests), the old CA's stored leaves are not served: browsers trusting
// the new root would reject them. New issues fresh ones from the new root.
func TestManagerNewCAReissuesLeaves(t *testing.T) {
	state := t.TempDir()
	first := mustNewManager(t, Config{StateDir: state}, managerOptions{})
	oldFingerprint := first.CA().Fingerprint()
	first.Close()
	remove(t, filepath.Join(state, "ca", "root.crt"))
	remove(t, filepath.Join(state, "ca", "root.key"))

	var ca *LocalCA
	second := mustNewManager(t, Config{StateDir: state}, managerOptions{prepareCA: func(c *LocalCA) { ca = c }})
	if second.CA().Fingerprint() == oldFingerprint {
		t.Fatal("no new CA")
	}
	if n := ca.issued.Load(); n != int64(len(second.Names())) {
		t.Errorf("new CA issued %d certificates, want %d", n, len(second.Names()))
	}
	srv := startTLSServer(t, "tcp4", second.TLSConfig())
	if _, hello, err := srv.dial(t, &cryptotls.Config{ServerName: "localhost", RootCAs: rootPool(t, second.CA())}); err != nil {
		t.Errorf("leaf does not verify against the new root: %v (server: %v)", err, hello.err)
	}
}

// Tuning.LocalLeafLifetime makes local-CA leaves of that lifetime, which
// certmagic renews when a third of it is left.
func TestTuningLocalLeafLifetime(t *testing.T) {
	const life = 3 * time.Second
	m := mustNewManager(t, Config{Tuning: Tuning{LocalLeafLifetime: life, RenewCheckInterval: 50 * time.Millisecond}}, managerOptions{})
	srv := startTLSServer(t, "tcp4", m.TLSConfig())
	leaf := func() *x509.Certificate {
		state, hello, err := srv.dial(t, &cryptotls.Config{ServerName: "localhost", RootCAs: rootPool(t, m.CA())})
		if err != nil {
			t.Fatalf("handshake: %v (server: %v)", err, hello.err)
		}
		return state.PeerCertificates[0]
	}
	first := leaf()
	if got := first.NotAfter.Sub(first.NotBefore); got != life {
		t.Fatalf("leaf valid for %s, want %s", got, life)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		next := leaf()
		if next.SerialNumber.Cmp(first.SerialNumber) != 0 {
			if renewedAt := next.NotBefore.Sub(first.NotBefore); renewedAt < life/2 || renewedAt > life {
				t.Errorf("renewed %s after issuance; want at two thirds of %s", renewedAt, life)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the %s leaf was not renewed within 10 s", life)
		}
		time.Sleep(50 * time.Millisecond) // polling certmagic's maintenance
	}
}

package tls

import (
	cryptotls "crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/certmagic"

	"github.com/dashbox/dashbox/internal/testpki"
)

func TestACMERefusal(t *testing.T) {
	const private = "https://ca.corp.example/acme/acme/directory"
	tests := []struct {
		ca, name string
		want     string // substring of the reason; "" means sent to the CA
	}{
		{LetsEncryptProduction, "dash.example.com", ""},
		{LetsEncryptProduction, "xn--bcher-kva.de", ""},
		{LetsEncryptStaging, "a.b.github.io", ""},
		{LetsEncryptProduction, "localhost", "localhost"},
		{LetsEncryptProduction, "app.localhost", "localhost"},
		{LetsEncryptProduction, "10.0.0.5", "IP addresses"},
		{LetsEncryptProduction, "203.0.113.9", "IP addresses"},
		{LetsEncryptProduction, "2001:db8::1", "IP addresses"},
		{LetsEncryptProduction, "box", "single-label"},
		{LetsEncryptProduction, "dash.local", "internal"},
		{LetsEncryptProduction, "dash.internal", "internal"},
		{LetsEncryptProduction, "dash.home.arpa", "internal"},
		{LetsEncryptProduction, "dash.lan", ".lan, which is not a public top-level domain"},
		{LetsEncryptProduction, "dash.corp", ".corp"},
		{LetsEncryptProduction, "dash.test", ".test"},
		{LetsEncryptProduction, "co.uk", "public suffix"},
		// A private CA is asked for internal names: they are what it is for.
		{private, "dash.internal", ""},
		{private, "box", ""},
		{private, "dash.test", ""},
		{private, "10.0.0.5", "IP addresses"},
		{private, "localhost", "localhost"},
	}
	for _, tt := range tests {
		got := acmeRefusal(tt.ca, tt.name)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("acmeRefusal(%s, %s) = %q, want %q", tt.ca, tt.name, got, tt.want)
		}
	}
}

func TestValidateACMEDirectory(t *testing.T) {
	for url, want := range map[string]string{
		"https://ca.corp.example/acme/acme/directory": "",
		"https://127.0.0.1:14000/dir":                 "",
		"http://ca.corp.example/directory":            "served over https://",
		"ca.corp.example/directory":                   "give the URL",
		"https://":                                    "give the URL",
		"https://user:pw@ca.corp.example/dir":         "give the URL",
		"::":                                          "give the URL",
	} {
		err := ValidateACMEDirectory(url)
		if (want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), want)) {
			t.Errorf("ValidateACMEDirectory(%q) = %v, want %q", url, err, want)
		}
	}
}

func TestLoadCARoots(t *testing.T) {
	pki := newTestPKI(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "root.pem")
	testpki.ReplaceFile(t, good, testpki.CertPEM(pki.root.Cert))
	if data, err := LoadCARoots(good); err != nil || len(data) == 0 {
		t.Errorf("LoadCARoots(good) = %d bytes, %v", len(data), err)
	}
	garbage := filepath.Join(dir, "garbage.pem")
	testpki.ReplaceFile(t, garbage, []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	for file, want := range map[string]string{
		filepath.Join(dir, "missing.pem"): "cannot read ACME CA root file",
		dir:                               "cannot read ACME CA root file",
		garbage:                           "does not parse",
		filepath.Join(dir, "empty.pem"):   "holds no PEM certificate",
	} {
		if strings.HasSuffix(file, "empty.pem") {
			testpki.ReplaceFile(t, file, []byte("nothing here\n"))
		}
		_, err := LoadCARoots(file)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("LoadCARoots(%s) = %v, want %q", filepath.Base(file), err, want)
		}
		// A caller can name the file its own way (package cmd: the flag).
		var ve *ValueError
		if !errors.As(err, &ve) || ve.Value != file || !strings.Contains(ve.Named("--root"), "--root "+file) {
			t.Errorf("LoadCARoots(%s) = %#v, want a *ValueError for the file", filepath.Base(file), err)
		}
	}
}

// The retry schedule starts at a minute (never a tight loop), never
// shrinks, and repeats its last interval forever.
func TestBackoff(t *testing.T) {
	prev := time.Duration(0)
	for i := range 30 {
		d := backoff(nil, i)
		if d < time.Minute || d < prev {
			t.Fatalf("attempt %d waits %v after %v", i, d, prev)
		}
		prev = d
	}
	if backoff(nil, 1000) != DefaultRetryIntervals[len(DefaultRetryIntervals)-1] {
		t.Error("the last interval does not repeat")
	}
	short := []time.Duration{time.Millisecond, 2 * time.Millisecond}
	if backoff(short, 0) != time.Millisecond || backoff(short, 5) != 2*time.Millisecond {
		t.Error("tuned intervals not used")
	}
}

// With ACME, the --domain names a CA will sign go to it, in the background;
// every other name stays on the local CA and is served at once. While the
// CA cannot be reached, the failure is recorded with its reason and the
// next attempt, and those names fail the handshake cleanly.
func TestManagerIssuerPolicy(t *testing.T) {
	// A CA address nothing listens on: every attempt fails at once.
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	caURL := "https://" + closed.Addr().String() + "/dir"
	closed.Close()
	httpsLn := listenLoopback(t)
	httpLn := listenLoopback(t)

	m := mustNewManager(t, Config{
		Domains: []string{"dash.internal", "10.1.2.3", "Box"},
		ACME:    &ACMEConfig{CA: caURL, HTTPSAddr: httpsLn.Addr().String(), HTTPAddr: httpLn.Addr().String()},
		Tuning:  Tuning{RetryIntervals: []time.Duration{time.Hour}},
	}, managerOptions{hostname: func() (string, error) { return "box", nil }})

	for name, wantACME := range map[string]bool{
		"dash.internal": true, "box": true, // a private CA signs internal names
		"10.1.2.3": false, "localhost": false, "127.0.0.1": false, "::1": false,
	} {
		if got := m.configFor(name) == m.acme; got != wantACME {
			t.Errorf("%s on ACME = %v, want %v", name, got, wantACME)
		}
		if got := m.PubliclyTrusted(strings.ToUpper(name)); got != wantACME {
			t.Errorf("PubliclyTrusted(%s) = %v, want %v", name, got, wantACME)
		}
	}

	// The failure is recorded, with when the next attempt is due.
	var s CertStatus
	deadline := time.Now().Add(10 * time.Second)
	for {
		s, _ = m.status.get("dash.internal")
		if s.Error != "" || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond) // polling the recorded state
	}
	if !strings.Contains(s.Error, "connection refused") || s.ErrorAt.IsZero() || time.Until(s.NextAttempt) < 50*time.Minute {
		t.Errorf("status while the CA is down = %+v", s)
	}
	if m.acmeIssuer.TestCA != caURL {
		t.Errorf("retries go to %s, want the private CA itself", m.acmeIssuer.TestCA)
	}
	if s.Issuer != "ACME "+caURL || !s.NotAfter.IsZero() || !s.PubliclyTrusted {
		t.Errorf("status of the pending name = %+v", s)
	}
	if s, _ := m.status.get("10.1.2.3"); s.Issuer != IssuerLocalCA || s.NotAfter.IsZero() || s.Error != "" {
		t.Errorf("status of a local name = %+v", s)
	}

	srv := startTLSServer(t, "tcp4", m.TLSConfig())
	if _, hello, err := srv.dial(t, &cryptotls.Config{ServerName: "localhost", RootCAs: rootPool(t, m.CA())}); err != nil {
		t.Errorf("localhost while the CA is down: %v (server: %v)", err, hello.err)
	}
	if _, hello, err := srv.dial(t, &cryptotls.Config{ServerName: "dash.internal", InsecureSkipVerify: true}); err == nil {
		t.Error("handshake for a name without a certificate yet succeeded")
	} else if hello.err == nil || !strings.Contains(hello.err.Error(), "no certificate") {
		t.Errorf("server side of the failed handshake: %v", hello.err)
	}

	// The status file has the same.
	report, err := ReadStatus(filepath.Dir(m.CA().dir))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range report.Certificates {
		names = append(names, c.Name)
		if c.Name == "dash.internal" && !strings.Contains(c.Error, "connection refused") {
			t.Errorf("status file: %+v", c)
		}
	}
	if !slices.Equal(names, m.Names()) || report.PID != os.Getpid() {
		t.Errorf("status file lists %v (pid %d), want %v", names, report.PID, m.Names())
	}
}

// HTTP-01 answers come before the redirect; everything else reaches it.
func TestHTTPChallengeHandler(t *testing.T) {
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusPermanentRedirect) })

	local := mustNewManager(t, Config{}, managerOptions{})
	if h := local.HTTPChallengeHandler(next); h == nil {
		t.Fatal("nil handler")
	}

	m := mustNewManager(t, Config{
		Domains: []string{"dash.internal"},
		ACME:    &ACMEConfig{CA: "https://127.0.0.1:1/dir", HTTPSAddr: listenLoopback(t).Addr().String(), HTTPAddr: listenLoopback(t).Addr().String()},
		Tuning:  Tuning{RetryIntervals: []time.Duration{time.Hour}},
	}, managerOptions{})
	for _, path := range []string{"/", "/.well-known/acme-challenge/unknown-token"} {
		w := httptest.NewRecorder()
		m.HTTPChallengeHandler(next).ServeHTTP(w, httptest.NewRequest("GET", "http://dash.internal"+path, nil))
		if w.Code != http.StatusPermanentRedirect {
			t.Errorf("%s: %d, want the redirect", path, w.Code)
		}
	}
}

// listenLoopback holds a loopback port for the test, standing in for
// dashbox's listeners.
func listenLoopback(tb testing.TB) net.Listener {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ln.Close() })
	return ln
}

func TestReadStatus(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadStatus(dir); !errors.Is(err, ErrNoStatus) || !strings.Contains(err.Error(), "no dashbox has served with this state directory yet") {
		t.Errorf("missing: %v", err)
	}
	testpki.ReplaceFile(t, filepath.Join(dir, StatusFileName), []byte("{"))
	if _, err := ReadStatus(dir); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("damaged: %v", err)
	}

	m := mustNewManager(t, Config{StateDir: dir}, managerOptions{hostname: func() (string, error) { return "", nil }})
	report, err := ReadStatus(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Certificates) != 3 || time.Since(report.Updated) > time.Minute {
		t.Fatalf("report = %+v", report)
	}
	for _, c := range report.Certificates {
		served := m.cache.AllMatchingCertificates(c.Name)
		if c.Issuer != IssuerLocalCA || len(served) != 1 || !c.NotAfter.Equal(served[0].Leaf.NotAfter) || c.Error != "" {
			t.Errorf("%+v (served %d)", c, len(served))
		}
	}
	// Written atomically: no temporary files left behind.
	leftovers, _ := filepath.Glob(filepath.Join(dir, "."+StatusFileName+".tmp-*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

// The ACME issuer answers on dashbox's own listeners only, agrees to the
// terms (documented), and retries against the same CA unless that CA is
// Let's Encrypt production, whose retries go to staging first.
func TestACMEIssuerSettings(t *testing.T) {
	tests := []struct {
		name              string
		cfg               ACMEConfig
		wantCA, wantTest  string
		wantHost          string
		wantHTTP, wantTLS int
		noHTTP, noTLSALPN bool
	}{
		{name: "Let's Encrypt production on all addresses",
			cfg:    ACMEConfig{HTTPSAddr: "[::]:443", HTTPAddr: "[::]:80", Email: "ops@example.com"},
			wantCA: LetsEncryptProduction, wantTest: LetsEncryptStaging, wantHost: "", wantHTTP: 80, wantTLS: 443},
		{name: "staging",
			cfg:    ACMEConfig{CA: LetsEncryptStaging, HTTPSAddr: "0.0.0.0:443", HTTPAddr: "0.0.0.0:80"},
			wantCA: LetsEncryptStaging, wantTest: LetsEncryptStaging, wantHTTP: 80, wantTLS: 443},
		{name: "private CA on one address, never Let's Encrypt staging",
			cfg:    ACMEConfig{CA: "https://ca.corp.example/acme/dir", HTTPSAddr: "10.0.0.5:443", HTTPAddr: "10.0.0.5:80"},
			wantCA: "https://ca.corp.example/acme/dir", wantTest: "https://ca.corp.example/acme/dir", wantHost: "10.0.0.5", wantHTTP: 80, wantTLS: 443},
		{name: "no plain-HTTP listener: TLS-ALPN-01 only",
			cfg:    ACMEConfig{HTTPSAddr: "[::]:443"},
			wantCA: LetsEncryptProduction, wantTest: LetsEncryptStaging, wantTLS: 443, noHTTP: true},
		{name: "HTTP-01 only",
			cfg:    ACMEConfig{HTTPSAddr: "[::]:443", HTTPAddr: "[::]:80", Challenges: []string{ChallengeHTTP01}},
			wantCA: LetsEncryptProduction, wantTest: LetsEncryptStaging, wantHTTP: 80, wantTLS: 443, noTLSALPN: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &Manager{cache: certmagic.NewCache(certmagic.CacheOptions{
				GetConfigForCert: func(certmagic.Certificate) (*certmagic.Config, error) { return nil, nil },
			}), logger: testLogger(t)}
			defer m.cache.Stop()
			managed, obtainer, iss, err := m.newACMEConfigs(&tt.cfg, certmagic.Config{Storage: &certmagic.FileStorage{Path: t.TempDir()}})
			if err != nil {
				t.Fatal(err)
			}
			if iss.CA != tt.wantCA || iss.TestCA != tt.wantTest {
				t.Errorf("CA %s, test CA %s; want %s, %s", iss.CA, iss.TestCA, tt.wantCA, tt.wantTest)
			}
			if !iss.Agreed || iss.Email != tt.cfg.Email {
				t.Errorf("agreed %v, email %q", iss.Agreed, iss.Email)
			}
			if iss.ListenHost != tt.wantHost || iss.AltTLSALPNPort != tt.wantTLS || (!tt.noHTTP && iss.AltHTTPPort != tt.wantHTTP) {
				t.Errorf("challenges answered at host %q, HTTP port %d, TLS port %d", iss.ListenHost, iss.AltHTTPPort, iss.AltTLSALPNPort)
			}
			if iss.DisableHTTPChallenge != tt.noHTTP || iss.DisableTLSALPNChallenge != tt.noTLSALPN {
				t.Errorf("HTTP-01 off %v, TLS-ALPN-01 off %v", iss.DisableHTTPChallenge, iss.DisableTLSALPNChallenge)
			}
			if managed.OnDemand != nil || obtainer.OnDemand != nil {
				t.Error("on-demand TLS is on")
			}
			if p, ok := obtainer.Issuers[0].(promptless); !ok || p.ACMEIssuer != iss || managed.Issuers[0] != iss {
				t.Errorf("issuers %T, %T", managed.Issuers[0], obtainer.Issuers[0])
			}
		})
	}

	m := &Manager{cache: certmagic.NewCache(certmagic.CacheOptions{
		GetConfigForCert: func(certmagic.Certificate) (*certmagic.Config, error) { return nil, nil },
	}), logger: testLogger(t)}
	defer m.cache.Stop()
	if _, _, _, err := m.newACMEConfigs(&ACMEConfig{HTTPSAddr: "[::]:443", Challenges: []string{ChallengeHTTP01}}, certmagic.Config{}); err == nil {
		t.Error("HTTP-01 only without a plain-HTTP listener was accepted")
	}
}

// A damaged certificate in the state directory is reported with what to
// do: certmagic would otherwise consider it obtained, forever.
func TestManagerReportsDamagedACMECertificate(t *testing.T) {
	state := t.TempDir()
	caURL := "https://127.0.0.1:1/dir" // never reached: the files exist
	site := filepath.Join(state, "certificates", "127.0.0.1-1-dir", "dash.internal")
	if err := os.MkdirAll(site, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"dash.internal.crt", "dash.internal.key", "dash.internal.json"} {
		testpki.ReplaceFile(t, filepath.Join(site, f), []byte("damaged"))
	}
	m := mustNewManager(t, Config{
		StateDir: state,
		Domains:  []string{"dash.internal"},
		ACME:     &ACMEConfig{CA: caURL, HTTPSAddr: listenLoopback(t).Addr().String()},
		Tuning:   Tuning{RetryIntervals: []time.Duration{time.Hour}},
	}, managerOptions{})
	var s CertStatus
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(s.Error, "delete ") && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond) // polling the recorded state
		s, _ = m.status.get("dash.internal")
	}
	if !strings.Contains(s.Error, "cannot be used") || !strings.Contains(s.Error, "delete "+site+" to obtain a new one") {
		t.Errorf("status = %+v", s)
	}
}

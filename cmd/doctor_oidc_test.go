package cmd

import (
	"crypto/tls"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/dashbox/dashbox/internal/oidctest"
	"github.com/dashbox/dashbox/internal/testpki"
)

// TestDoctorOIDC runs dashbox doctor against a real OpenID provider
// (internal/oidctest, zitadel's op) on loopback, behind HTTPS signed by a
// company root given as --oidc-issuer-ca, with the local CA (air-gapped:
// the provider is still checked). A good set-up passes; a --domain whose
// redirect URL the client lacks, an issuer without --oidc-issuer-ca and an
// issuer that is down each FAIL with what to change.
func TestDoctorOIDC(t *testing.T) {
	dir := t.TempDir()
	ca := testpki.NewRoot(t, "Corp Root")
	chain, key, _ := ca.Issue(t, testpki.Leaf{Names: []string{"127.0.0.1"}})
	pair, err := tls.X509KeyPair(chain, key)
	if err != nil {
		t.Fatal(err)
	}
	p := oidctest.Start(t, oidctest.Options{TLS: &tls.Config{Certificates: []tls.Certificate{pair}}})
	caFile := filepath.Join(dir, "corp-root.pem")
	secret := filepath.Join(dir, "client-secret")
	if err := os.WriteFile(caFile, testpki.CertPEM(ca.Cert), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(secret, []byte(p.ClientSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(freePort(t))
	registered := "https://dash.test:" + port + "/auth/callback"
	p.AddRedirectURI(registered, "")
	args := func(domain string, extra ...string) []string {
		return append([]string{"--acme=false", "--domain", domain, "--https-addr", "127.0.0.1:" + port, "--http-addr", "",
			"--state-dir", filepath.Join(t.TempDir(), "state"),
			"--oidc-issuer", p.Issuer, "--oidc-client-id", p.ClientID, "--oidc-client-secret-file", secret}, extra...)
	}
	issuerCheck := "OIDC issuer " + p.Issuer

	t.Run("good set-up", func(t *testing.T) {
		out, err := runDoctorCLI(t, args("dash.test", "--oidc-issuer-ca", caFile)...)
		if err != nil {
			t.Fatalf("doctor: %v\n%s", err, out)
		}
		for _, check := range []string{issuerCheck, "OIDC signing keys " + p.Issuer + "/keys", "OIDC redirect URL " + registered,
			"file of --oidc-client-secret-file", "file of --oidc-issuer-ca"} {
			if line := doctorLine(t, out, check); !strings.HasPrefix(line, "OK ") {
				t.Errorf("want OK: %s", line)
			}
		}
		if line := doctorLine(t, out, "network"); !strings.Contains(line, "air-gapped") {
			t.Errorf("the local CA is not air-gapped: %s", line)
		}
	})

	t.Run("unregistered redirect URL", func(t *testing.T) {
		out, err := runDoctorCLI(t, args("other.test", "--oidc-issuer-ca", caFile)...)
		if exitCode(err) != 1 {
			t.Errorf("doctor: %v, want exit 1", err)
		}
		unknown := "https://other.test:" + port + "/auth/callback"
		line := doctorLine(t, out, "OIDC redirect URL "+unknown)
		for _, want := range []string{"FAIL ", "redirect URL " + unknown + " is not registered for client " + p.ClientID + " at the provider",
			"fix: register " + unknown + " as a redirect URI of client " + p.ClientID} {
			if !strings.Contains(line, want) {
				t.Errorf("lacks %q: %s", want, line)
			}
		}
		if line := doctorLine(t, out, issuerCheck); !strings.HasPrefix(line, "OK ") {
			t.Errorf("want OK: %s", line)
		}
	})

	t.Run("issuer CA not given", func(t *testing.T) {
		out, err := runDoctorCLI(t, args("dash.test")...)
		if exitCode(err) != 1 {
			t.Errorf("doctor: %v, want exit 1", err)
		}
		line := doctorLine(t, out, issuerCheck)
		if !strings.HasPrefix(line, "FAIL ") || !strings.Contains(line, "does not trust") || !strings.Contains(line, "fix: give the root certificate (PEM) of the provider's certificate authority with --oidc-issuer-ca") {
			t.Errorf("want a FAIL naming --oidc-issuer-ca: %s", line)
		}
	})

	t.Run("issuer down", func(t *testing.T) {
		p.Stop()
		out, err := runDoctorCLI(t, args("dash.test", "--oidc-issuer-ca", caFile)...)
		if exitCode(err) != 1 {
			t.Errorf("doctor: %v, want exit 1", err)
		}
		line := doctorLine(t, out, issuerCheck)
		if !strings.HasPrefix(line, "FAIL ") || !strings.Contains(line, "unreachable") || !strings.Contains(line, "that the provider runs") {
			t.Errorf("want a FAIL saying unreachable: %s", line)
		}
		if line := doctorLine(t, out, "OIDC redirect URL "+registered); !strings.HasPrefix(line, "WARN ") {
			t.Errorf("want WARN (not checked): %s", line)
		}
	})
}

// TestDoctorRedirectURLs: the redirect URLs doctor checks are those the
// sign-in handler sends, https://<Host users open>/auth/callback.
func TestDoctorRedirectURLs(t *testing.T) {
	for _, tc := range []struct {
		addr    string
		domains listFlag
		proxy   listFlag
		want    string
	}{
		{":443", listFlag{"dash.example.com", "*.example.com"}, nil, "https://dash.example.com/auth/callback"},
		{":8443", listFlag{"dash.example.com"}, nil, "https://dash.example.com:8443/auth/callback"},
		{":8443", listFlag{"dash.example.com"}, listFlag{"10.0.0.5"}, "https://dash.example.com/auth/callback"},
		{"127.0.0.1:8443", nil, nil, "https://127.0.0.1:8443/auth/callback"},
		{":443", nil, nil, ""},
	} {
		urls, why := redirectURLs(&serveConfig{httpsAddr: tc.addr, domains: tc.domains, proxyProtocol: tc.proxy})
		if got := strings.Join(urls, " "); got != tc.want || (got == "" && why == "") {
			t.Errorf("%s %v %v: %q (%s), want %q", tc.addr, tc.domains, tc.proxy, got, why, tc.want)
		}
	}
}

package tls

import (
	cryptotls "crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/testpki"
)

func TestLoadKeyPair(t *testing.T) {
	pki := newTestPKI(t)
	tests := []struct {
		name string
		// prepare writes the files into dir and returns their paths.
		prepare func(t *testing.T, dir string) (certFile, keyFile string)
		wantErr []string // all in the error; nil means success
	}{
		{
			name: "chain and key",
			prepare: func(t *testing.T, dir string) (string, string) {
				c, k, _ := pki.inter.WritePair(t, dir, testpki.Leaf{Names: []string{"dash.corp.example"}})
				return c, k
			},
		},
		{
			name: "chain and key in one file",
			prepare: func(t *testing.T, dir string) (string, string) {
				chain, key, _ := pki.inter.Issue(t, testpki.Leaf{Names: []string{"dash.corp.example"}})
				both := filepath.Join(dir, "both.pem")
				testpki.ReplaceFile(t, both, append(key, chain...))
				return both, both
			},
		},
		{
			name: "key of another certificate",
			prepare: func(t *testing.T, dir string) (string, string) {
				c, _, _ := pki.inter.WritePair(t, dir, testpki.Leaf{Names: []string{"dash.corp.example"}})
				_, otherKey, _ := pki.inter.Issue(t, testpki.Leaf{Names: []string{"other.corp.example"}})
				k := filepath.Join(dir, "other.key")
				testpki.ReplaceFile(t, k, otherKey)
				return c, k
			},
			wantErr: []string{"does not match the certificate", "other.key"},
		},
		{
			name: "expired",
			prepare: func(t *testing.T, dir string) (string, string) {
				c, k, _ := pki.inter.WritePair(t, dir, testpki.Leaf{Names: []string{"dash.corp.example"},
					NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-time.Hour)})
				return c, k
			},
			wantErr: []string{"expired on", "renew it and replace the file"},
		},
		{
			name: "not yet valid",
			prepare: func(t *testing.T, dir string) (string, string) {
				c, k, _ := pki.inter.WritePair(t, dir, testpki.Leaf{Names: []string{"dash.corp.example"},
					NotBefore: time.Now().Add(time.Hour), NotAfter: time.Now().Add(48 * time.Hour)})
				return c, k
			},
			wantErr: []string{"not valid before", "clock"},
		},
		{
			name: "missing certificate file",
			prepare: func(t *testing.T, dir string) (string, string) {
				_, k, _ := pki.inter.WritePair(t, dir, testpki.Leaf{Names: []string{"dash.corp.example"}})
				return filepath.Join(dir, "nope.pem"), k
			},
			wantErr: []string{"cannot read certificate file", "nope.pem", "no such file"},
		},
		{
			name: "missing key file",
			prepare: func(t *testing.T, dir string) (string, string) {
				c, _, _ := pki.inter.WritePair(t, dir, testpki.Leaf{Names: []string{"dash.corp.example"}})
				return c, filepath.Join(dir, "nope.key")
			},
			wantErr: []string{"cannot read key file", "nope.key"},
		},
		{
			name: "certificate file is a directory",
			prepare: func(t *testing.T, dir string) (string, string) {
				_, k, _ := pki.inter.WritePair(t, dir, testpki.Leaf{Names: []string{"dash.corp.example"}})
				return dir, k
			},
			wantErr: []string{"cannot read certificate file"},
		},
		{
			name: "no PEM in the certificate file",
			prepare: func(t *testing.T, dir string) (string, string) {
				_, k, _ := pki.inter.WritePair(t, dir, testpki.Leaf{Names: []string{"dash.corp.example"}})
				c := filepath.Join(dir, "garbage.pem")
				testpki.ReplaceFile(t, c, []byte("not a certificate\n"))
				return c, k
			},
			wantErr: []string{"holds no PEM certificate"},
		},
		{
			name: "no key in the key file",
			prepare: func(t *testing.T, dir string) (string, string) {
				c, _, _ := pki.inter.WritePair(t, dir, testpki.Leaf{Names: []string{"dash.corp.example"}})
				return c, c
			},
			wantErr: []string{"holds no PEM private key"},
		},
		{
			name: "chain out of order",
			prepare: func(t *testing.T, dir string) (string, string) {
				_, key, leaf := pki.inter.Issue(t, testpki.Leaf{Names: []string{"dash.corp.example"}})
				c, k := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
				// leaf, then the root instead of the intermediate
				testpki.ReplaceFile(t, c, append(testpki.CertPEM(leaf), testpki.CertPEM(pki.root.Cert)...))
				testpki.ReplaceFile(t, k, key)
				return c, k
			},
			wantErr: []string{"not a chain", "Test Root", "did not issue"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			certFile, keyFile := tt.prepare(t, t.TempDir())
			kp, err := LoadKeyPair(certFile, keyFile)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("LoadKeyPair: %v", err)
				}
				if !slices.Equal(kp.Names(), []string{"dash.corp.example"}) {
					t.Errorf("Names() = %v", kp.Names())
				}
				if len(kp.Warnings) != 0 {
					t.Errorf("warnings for a good pair: %v", kp.Warnings)
				}
				return
			}
			if err == nil {
				t.Fatal("LoadKeyPair accepted the files")
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestLoadKeyPairWarnings(t *testing.T) {
	pki := newTestPKI(t)
	dir := t.TempDir()
	c, k, _ := pki.root.WritePair(t, dir, testpki.Leaf{Names: []string{"dash.corp.example"}})
	if err := os.Chmod(k, 0o644); err != nil {
		t.Fatal(err)
	}
	kp, err := LoadKeyPair(c, k)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(kp.Warnings, "\n")
	for _, want := range []string{"no intermediate certificate", "readable by every user"} {
		if !strings.Contains(all, want) {
			t.Errorf("warnings %q lack %q", all, want)
		}
	}
}

func TestKeyPairCovers(t *testing.T) {
	pki := newTestPKI(t)
	dir := t.TempDir()
	c, k, _ := pki.inter.WritePair(t, dir, testpki.Leaf{Names: []string{"*.corp.example", "10.0.0.5"}})
	kp, err := LoadKeyPair(c, k)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{
		"dash.corp.example": true, "corp.example": false, "a.b.corp.example": false,
		"10.0.0.5": true, "10.0.0.6": false, "": false,
	} {
		if got := kp.Covers(name); got != want {
			t.Errorf("Covers(%q) = %v, want %v", name, got, want)
		}
	}
	if err := kp.CheckCovers([]string{"Dash.Corp.Example", "10.0.0.5"}); err != nil {
		t.Errorf("CheckCovers: %v", err)
	}
	err = kp.CheckCovers([]string{"dash.corp.example", "other.example.com"})
	if err == nil || !strings.Contains(err.Error(), "domain other.example.com is not covered") || !strings.Contains(err.Error(), "*.corp.example, 10.0.0.5") {
		t.Errorf("CheckCovers error = %v", err)
	}
}

// The administrator's certificate serves the names it covers; the local CA
// keeps serving localhost and the loopback addresses; other names fail.
func TestManagerServesCertificateFiles(t *testing.T) {
	pki := newTestPKI(t)
	dir := t.TempDir()
	certFile, keyFile, leaf := pki.inter.WritePair(t, dir, testpki.Leaf{Names: []string{"dash.corp.example", "www.corp.example"}})
	m := mustNewManager(t, Config{
		Domains: []string{"dash.corp.example"},
		Files:   &FilesConfig{CertFile: certFile, KeyFile: keyFile},
	}, managerOptions{hostname: func() (string, error) { return "box", nil }})
	srv := startTLSServer(t, "tcp4", m.TLSConfig())

	for _, name := range []string{"dash.corp.example", "www.corp.example"} {
		state, hello, err := srv.dial(t, &cryptotls.Config{ServerName: name, RootCAs: pki.root.Pool()})
		if err != nil {
			t.Fatalf("%s: %v (server: %v)", name, err, hello.err)
		}
		if got := state.PeerCertificates[0]; !got.Equal(leaf) {
			t.Errorf("%s: served %v, want the file's certificate", name, got.DNSNames)
		}
		if len(state.PeerCertificates) != 2 {
			t.Errorf("%s: served %d certificates, want leaf and intermediate", name, len(state.PeerCertificates))
		}
		if !m.PubliclyTrusted(name) {
			t.Errorf("PubliclyTrusted(%s) = false", name)
		}
	}
	for _, name := range []string{"localhost", "127.0.0.1", "box"} {
		if _, hello, err := srv.dial(t, &cryptotls.Config{ServerName: name, RootCAs: rootPool(t, m.CA())}); err != nil {
			t.Errorf("%s from the local CA: %v (server: %v)", name, err, hello.err)
		}
		if m.PubliclyTrusted(name) {
			t.Errorf("PubliclyTrusted(%s) = true for a local-CA name", name)
		}
	}
	if _, _, err := srv.dial(t, &cryptotls.Config{ServerName: "stranger.example.com", InsecureSkipVerify: true}); err == nil {
		t.Error("handshake for a name nobody serves succeeded")
	}

	status := map[string]CertStatus{}
	for _, s := range m.Status() {
		status[s.Name] = s
	}
	for _, name := range []string{"dash.corp.example", "www.corp.example"} {
		s := status[name]
		if s.Issuer != "file "+certFile || !s.NotAfter.Equal(leaf.NotAfter) || !s.PubliclyTrusted || s.Error != "" {
			t.Errorf("status of %s = %+v", name, s)
		}
	}
	if s := status["localhost"]; s.Issuer != IssuerLocalCA || s.NotAfter.IsZero() || s.PubliclyTrusted {
		t.Errorf("status of localhost = %+v", s)
	}
}

// A replacement dropped in place is served to the next handshake; a broken
// one is logged and recorded, and the previous certificate stays.
func TestManagerReloadsCertificateFiles(t *testing.T) {
	pki := newTestPKI(t)
	dir := t.TempDir()
	certFile, keyFile, first := pki.inter.WritePair(t, dir, testpki.Leaf{Names: []string{"dash.corp.example"}})
	m := mustNewManager(t, Config{
		Domains: []string{"dash.corp.example"},
		Files:   &FilesConfig{CertFile: certFile, KeyFile: keyFile},
		Tuning:  Tuning{FilePollInterval: 10 * time.Millisecond},
	}, managerOptions{})
	srv := startTLSServer(t, "tcp4", m.TLSConfig())
	served := func() *x509.Certificate {
		state, hello, err := srv.dial(t, &cryptotls.Config{ServerName: "dash.corp.example", RootCAs: pki.root.Pool()})
		if err != nil {
			t.Fatalf("handshake: %v (server: %v)", err, hello.err)
		}
		return state.PeerCertificates[0]
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(5 * time.Millisecond) // polling the server, not synchronising with it
		}
	}
	statusOf := func() CertStatus {
		for _, s := range m.Status() {
			if s.Name == "dash.corp.example" {
				return s
			}
		}
		t.Fatal("no status for dash.corp.example")
		return CertStatus{}
	}

	// Renewed: written in place by the polling reload.
	_, _, second := pki.inter.WritePair(t, dir, testpki.Leaf{Names: []string{"dash.corp.example"}, NotAfter: time.Now().Add(20 * time.Hour)})
	waitFor("the renewed certificate", func() bool { return served().Equal(second) })
	if s := statusOf(); !s.NotAfter.Equal(second.NotAfter) || s.Error != "" {
		t.Errorf("status after renewal = %+v", s)
	}

	broken := []struct {
		name    string
		replace func()
		wantErr string
	}{
		{"key of another certificate", func() {
			_, otherKey, _ := pki.inter.Issue(t, testpki.Leaf{Names: []string{"dash.corp.example"}})
			testpki.ReplaceFile(t, keyFile, otherKey)
		}, "does not match"},
		{"garbage", func() { testpki.ReplaceFile(t, certFile, []byte("oops")) }, "no PEM certificate"},
		{"no longer covers the domain", func() {
			c, k, _ := pki.inter.Issue(t, testpki.Leaf{Names: []string{"other.corp.example"}})
			testpki.ReplaceFile(t, certFile, c)
			testpki.ReplaceFile(t, keyFile, k)
		}, "not covered"},
		{"expired", func() {
			c, k, _ := pki.inter.Issue(t, testpki.Leaf{Names: []string{"dash.corp.example"}, NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-time.Hour)})
			testpki.ReplaceFile(t, certFile, c)
			testpki.ReplaceFile(t, keyFile, k)
		}, "expired"},
	}
	for _, b := range broken {
		t.Run(b.name, func(t *testing.T) {
			b.replace()
			err := m.ReloadFiles() // as on SIGHUP
			if err == nil || !strings.Contains(err.Error(), b.wantErr) {
				t.Fatalf("ReloadFiles = %v, want %q", err, b.wantErr)
			}
			if !served().Equal(second) {
				t.Error("a broken replacement replaced the served certificate")
			}
			if s := statusOf(); !strings.Contains(s.Error, b.wantErr) || !s.NotAfter.Equal(second.NotAfter) {
				t.Errorf("status = %+v", s)
			}
		})
	}

	// Fixed again: served, error cleared.
	_, _, third := pki.inter.WritePair(t, dir, testpki.Leaf{Names: []string{"dash.corp.example"}, NotAfter: time.Now().Add(22 * time.Hour)})
	waitFor("the fixed certificate", func() bool { return served().Equal(third) })
	waitFor("the error to clear", func() bool { return statusOf().Error == "" })
	if first.Equal(third) {
		t.Fatal("test PKI issued the same certificate twice")
	}
}

func TestNewRefusesBadCertificateFiles(t *testing.T) {
	pki := newTestPKI(t)
	dir := t.TempDir()
	certFile, keyFile, _ := pki.inter.WritePair(t, dir, testpki.Leaf{Names: []string{"dash.corp.example"}})
	state := t.TempDir()
	_, err := New(t.Context(), Config{
		StateDir: state,
		Domains:  []string{"other.corp.example"},
		Files:    &FilesConfig{CertFile: certFile, KeyFile: keyFile},
	})
	if err == nil || !strings.Contains(err.Error(), "not covered") {
		t.Fatalf("New = %v, want a coverage error", err)
	}
	// Refused before anything was written: no CA, no status.
	if entries, _ := os.ReadDir(state); len(entries) != 0 {
		t.Errorf("state directory not empty after refusal: %v", entries)
	}

	_, err = New(t.Context(), Config{StateDir: t.TempDir(), Files: &FilesConfig{CertFile: certFile, KeyFile: keyFile}, ACME: &ACMEConfig{HTTPSAddr: "127.0.0.1:1"}})
	if err == nil || !strings.Contains(err.Error(), "exclude each other") {
		t.Errorf("files and ACME: %v", err)
	}
}

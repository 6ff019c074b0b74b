package cmd

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/testpki"
	"github.com/dashbox/dashbox/server"
	dashtls "github.com/dashbox/dashbox/tls"
)

// TestServeBadCertificateFlags: each wrong certificate flag, or wrong
// combination, is refused before anything binds or is written, with one
// line saying what to do.
func TestServeBadCertificateFlags(t *testing.T) {
	ca := testpki.NewRoot(t, "Corp Root")
	files := t.TempDir()
	good, goodKey, _ := ca.WritePair(t, files, testpki.Leaf{Names: []string{"dash.corp.example"}})
	expiredDir := t.TempDir()
	expired, expiredKey, _ := ca.WritePair(t, expiredDir, testpki.Leaf{Names: []string{"dash.corp.example"}, NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-time.Hour)})
	otherDir := t.TempDir()
	_, otherKey, _ := ca.WritePair(t, otherDir, testpki.Leaf{Names: []string{"dash.corp.example"}})
	root := filepath.Join(files, "root.pem")
	testpki.ReplaceFile(t, root, testpki.CertPEM(ca.Cert))
	notPEM := filepath.Join(files, "notpem.txt")
	testpki.ReplaceFile(t, notPEM, []byte("hello\n"))

	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantCode int
		want     string
	}{
		{"certificate without key", []string{"--tls-cert", good}, nil, 2, "--tls-cert and --tls-key go together"},
		{"key without certificate", []string{"--tls-key", goodKey}, nil, 2, "--tls-cert and --tls-key go together"},
		{"key of another certificate", []string{"--tls-cert", good, "--tls-key", otherKey}, nil, 1, "does not match the certificate"},
		{"expired certificate", []string{"--tls-cert", expired, "--tls-key", expiredKey}, nil, 1, "expired on"},
		{"missing certificate file", []string{"--tls-cert", filepath.Join(files, "nope.pem"), "--tls-key", goodKey}, nil, 1, "cannot read certificate file"},
		{"missing key file", []string{"--tls-cert", good, "--tls-key", filepath.Join(files, "nope.key")}, nil, 1, "cannot read key file"},
		{"domain the certificate does not cover", []string{"--tls-cert", good, "--tls-key", goodKey, "--domain", "www.corp.example"}, nil, 1, "--domain www.corp.example is not covered"},
		{"files with ACME flags", []string{"--tls-cert", good, "--tls-key", goodKey, "--acme-staging"}, nil, 2, "--acme-staging does not apply with --tls-cert"},
		{"files with --email from the environment", []string{"--tls-cert", good, "--tls-key", goodKey}, map[string]string{"DASHBOX_EMAIL": "ops@example.com"}, 2, "--email does not apply with --tls-cert"},
		{"staging and another CA", []string{"--domain", "dash.example.com", "--acme-staging", "--acme-ca", "https://ca.corp.example/dir"}, nil, 2, "give one of them"},
		{"CA root without CA", []string{"--domain", "dash.example.com", "--acme-ca-root", root}, nil, 2, "--acme-ca-root is the root of an --acme-ca"},
		{"CA URL over http", []string{"--domain", "dash.corp.example", "--acme-ca", "http://ca.corp.example/dir"}, nil, 2, "https://"},
		{"CA URL not a URL", []string{"--domain", "dash.corp.example", "--acme-ca", "ca.corp.example"}, nil, 2, "invalid --acme-ca"},
		{"CA root missing", []string{"--domain", "dash.corp.example", "--acme-ca", "https://ca.corp.example/dir", "--acme-ca-root", filepath.Join(files, "nope.pem")}, nil, 1, "cannot read --acme-ca-root"},
		{"CA root not PEM", []string{"--domain", "dash.corp.example", "--acme-ca", "https://ca.corp.example/dir", "--acme-ca-root", notPEM}, nil, 1, "holds no PEM certificate"},
		{"bad email", []string{"--domain", "dash.example.com", "--email", "ops at example"}, nil, 2, "invalid --email"},
		{"email with a display name", []string{"--domain", "dash.example.com", "--email", "Ops <ops@example.com>"}, nil, 2, "invalid --email"},
		{"ACME flags with ACME off", []string{"--domain", "dash.example.com", "--acme=false", "--acme-staging"}, nil, 2, "--acme=false turns off"},
		{"ACME flags without a domain", []string{"--acme-staging"}, nil, 2, "--acme-staging needs a --domain"},
		{"bad boolean in the environment", nil, map[string]string{"DASHBOX_ACME_STAGING": "maybe"}, 2, "DASHBOX_ACME_STAGING"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state := filepath.Join(t.TempDir(), "state") // must not be created
			args := append([]string{"dashbox", "serve", "--https-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--state-dir", state}, tt.args...)
			getenv := func(k string) string { return tt.env[k] }
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), args, getenv, &stdout, &stderr)
			if err == nil {
				t.Fatal("run succeeded")
			}
			if code := exitCode(err); code != tt.wantCode {
				t.Errorf("exit code %d, want %d (%v)", code, tt.wantCode, err)
			}
			if msg := err.Error(); !strings.Contains(msg, tt.want) || strings.Contains(msg, "\n") {
				t.Errorf("error %q: want one line containing %q", msg, tt.want)
			}
			if _, err := os.Stat(state); err == nil {
				t.Error("the state directory was created")
			}
		})
	}
}

// TestServeCertificateFlagsChooseTheIssuer: what each combination of flags
// (and their DASHBOX_* variables) asks the tls package for.
func TestServeCertificateFlagsChooseTheIssuer(t *testing.T) {
	ca := testpki.NewRoot(t, "Corp Root")
	files := t.TempDir()
	certFile, keyFile, _ := ca.WritePair(t, files, testpki.Leaf{Names: []string{"dash.corp.example"}})
	root := filepath.Join(files, "root.pem")
	testpki.ReplaceFile(t, root, testpki.CertPEM(ca.Cert))
	ln, err := server.Listen("127.0.0.1:0", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()

	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		check func(t *testing.T, c dashtls.Config, cfg *serveConfig)
	}{
		{"no domain: local CA only", nil, nil, func(t *testing.T, c dashtls.Config, _ *serveConfig) {
			if c.ACME != nil || c.Files != nil {
				t.Errorf("ACME %+v, files %+v", c.ACME, c.Files)
			}
		}},
		{"domain: Let's Encrypt production", []string{"--domain", "dash.example.com", "--email", "ops@example.com"}, nil, func(t *testing.T, c dashtls.Config, _ *serveConfig) {
			if c.ACME == nil || c.ACME.CA != "" || c.ACME.Email != "ops@example.com" {
				t.Fatalf("ACME = %+v", c.ACME)
			}
			if c.ACME.HTTPSAddr != ln.HTTPSAddr().String() || c.ACME.HTTPAddr != ln.HTTPAddr().String() {
				t.Errorf("challenge addresses %s, %s; listeners %s, %s", c.ACME.HTTPSAddr, c.ACME.HTTPAddr, ln.HTTPSAddr(), ln.HTTPAddr())
			}
		}},
		{"staging from the environment", nil, map[string]string{"DASHBOX_DOMAIN": "dash.example.com", "DASHBOX_ACME_STAGING": "true"}, func(t *testing.T, c dashtls.Config, cfg *serveConfig) {
			if c.ACME == nil || c.ACME.CA != dashtls.LetsEncryptStaging {
				t.Fatalf("ACME = %+v", c.ACME)
			}
			if words := unitWords(t, cfg); !strings.Contains(strings.Join(words, " "), "--acme-staging=true") {
				t.Errorf("explicit flags for the service unit: %v", words)
			}
		}},
		{"private CA with its root", []string{"--domain", "dash.corp.example", "--acme-ca", "https://ca.corp.example/acme/dir", "--acme-ca-root", root}, nil, func(t *testing.T, c dashtls.Config, _ *serveConfig) {
			if c.ACME == nil || c.ACME.CA != "https://ca.corp.example/acme/dir" || !bytes.Equal(c.ACME.RootsPEM, testpki.CertPEM(ca.Cert)) {
				t.Fatalf("ACME = %+v", c.ACME)
			}
		}},
		{"ACME off", []string{"--domain", "dash.example.com", "--acme=false"}, nil, func(t *testing.T, c dashtls.Config, _ *serveConfig) {
			if c.ACME != nil {
				t.Errorf("ACME = %+v", c.ACME)
			}
		}},
		{"certificate files", []string{"--domain", "dash.corp.example", "--tls-cert", certFile, "--tls-key", keyFile}, nil, func(t *testing.T, c dashtls.Config, _ *serveConfig) {
			if c.ACME != nil || c.Files == nil || c.Files.CertFile != certFile || c.Files.KeyFile != keyFile {
				t.Errorf("ACME %+v, files %+v", c.ACME, c.Files)
			}
		}},
		{"HSTS off from the environment", nil, map[string]string{"DASHBOX_HSTS": "false"}, func(t *testing.T, _ dashtls.Config, cfg *serveConfig) {
			if cfg.hsts {
				t.Error("hsts still on")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == "HOME" {
					return t.TempDir()
				}
				return tt.env[k]
			}
			cfg, err := parseServe(tt.args, getenv, &bytes.Buffer{})
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, cfg.tlsConfig(ln, nil), cfg)
		})
	}
}

func TestServeHelpListsCertificateFlags(t *testing.T) {
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"dashbox", "serve", "--help"}, noEnv, &stdout, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"-acme ", "-acme-staging", "-acme-ca ", "-acme-ca-root", "-email", "-tls-cert", "-tls-key", "-hsts",
		"Subscriber Agreement", "try --acme-staging first", "dashbox certs"} {
		if help := strings.Join(strings.Fields(stdout.String()), " "); !strings.Contains(strings.ToLower(help), strings.ToLower(want)) {
			t.Errorf("serve --help lacks %q", want)
		}
	}
	stdout.Reset()
	if err := run(context.Background(), []string{"dashbox", "--help"}, noEnv, &stdout, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "certs ") {
		t.Error("dashbox --help does not list certs")
	}
}

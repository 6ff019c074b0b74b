package cmd

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dashbox/dashbox/service"
)

// TestServeBadDNS01Flags: each wrong DNS-01 or EAB flag, or combination,
// is refused before anything binds or is written, with one line saying
// what to do.
func TestServeBadDNS01Flags(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "tsig.key")
	out, err := exec.Command("tsig-keygen", "-a", "hmac-sha256", "dashbox-acme").Output()
	if err != nil {
		t.Fatalf("tsig-keygen (Debian's bind9-utils): %v", err)
	}
	writeTestFile(t, key, out)
	eab := filepath.Join(dir, "eab.key")
	writeTestFile(t, eab, []byte("zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W\n"))
	notKey := filepath.Join(dir, "not.key")
	writeTestFile(t, notKey, []byte("secret\n"))

	dns := []string{"--acme-dns-server", "ns1.example.com:53", "--acme-dns-tsig-key", key}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{"wildcard without DNS-01", []string{"--domain", "*.dash.example.com"}, 2, `invalid --domain "*.dash.example.com": a wildcard can only be proven with DNS-01: give --acme-dns-server and --acme-dns-tsig-key`},
		{"bad wildcard with DNS-01", append([]string{"--domain", "*.*.example.com"}, dns...), 2, "one * as the whole first label"},
		{"server without key", []string{"--domain", "dash.example.com", "--acme-dns-server", "ns1.example.com"}, 2, "--acme-dns-server needs --acme-dns-tsig-key"},
		{"key without server", []string{"--domain", "dash.example.com", "--acme-dns-tsig-key", key}, 2, "--acme-dns-tsig-key needs --acme-dns-server"},
		{"zone without server", []string{"--domain", "dash.example.com", "--acme-dns-zone", "example.com"}, 2, "--acme-dns-zone needs --acme-dns-server"},
		{"unreadable key file", []string{"--domain", "dash.example.com", "--acme-dns-server", "ns1.example.com", "--acme-dns-tsig-key", filepath.Join(dir, "nope.key")}, 1, "--acme-dns-tsig-key: TSIG key file " + filepath.Join(dir, "nope.key") + " cannot be read: no such file or directory"},
		{"not a key file", []string{"--domain", "dash.example.com", "--acme-dns-server", "ns1.example.com", "--acme-dns-tsig-key", notKey}, 1, `expected "key", found "secret"`},
		{"bad server", append([]string{"--domain", "dash.example.com"}, "--acme-dns-server", "ns1.example.com:99999", "--acme-dns-tsig-key", key), 2, "invalid --acme-dns-server"},
		{"bad zone", append([]string{"--domain", "dash.example.com", "--acme-dns-zone", "exa mple.com"}, dns...), 2, "invalid --acme-dns-zone"},
		{"DNS-01 without a domain", dns, 2, "--acme-dns-server needs a --domain"},
		{"DNS-01 with ACME off", append([]string{"--domain", "dash.example.com", "--acme=false"}, dns...), 2, "--acme=false turns off"},
		{"kid without key", []string{"--domain", "dash.example.com", "--acme-eab-kid", "kid-1"}, 2, "--acme-eab-kid and --acme-eab-hmac-key go together"},
		{"EAB key too short", []string{"--domain", "dash.example.com", "--acme-eab-kid", "kid-1", "--acme-eab-hmac-key", notKey}, 1, "--acme-eab-hmac-key " + notKey + " holds a key of 4 bytes, too short"},
		{"EAB key missing", []string{"--domain", "dash.example.com", "--acme-eab-kid", "kid-1", "--acme-eab-hmac-key", filepath.Join(dir, "nope")}, 1, "cannot read --acme-eab-hmac-key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state := filepath.Join(t.TempDir(), "state") // must not be created
			args := append([]string{"dashbox", "serve", "--https-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--state-dir", state}, tt.args...)
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), args, noEnv, &stdout, &stderr)
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
	// And the good ones pass validation, the port defaulting to 53.
	cfg, err := parseServe([]string{"--domain", "*.dash.example.com", "--acme-dns-server", "ns1.example.com", "--acme-dns-tsig-key", key, "--acme-eab-kid", "kid-1", "--acme-eab-hmac-key", eab}, noEnv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.dnsServer != "ns1.example.com:53" || cfg.dnsKey.Name != "dashbox-acme." || cfg.eabKey == "" {
		t.Errorf("parsed %+v", cfg.acmeExtraConfig)
	}
}

// TestServiceUnitLoadsDNS01Keys: 'service install' hands the TSIG and EAB
// key files to the service with LoadCredential=, never on the command line.
func TestServiceUnitLoadsDNS01Keys(t *testing.T) {
	cfg, err := parseServeFlags([]string{"--domain", "*.dash.example.com", "--acme-dns-server", "ns1.example.com:53",
		"--acme-dns-tsig-key", "/etc/dashbox/tsig.key", "--acme-eab-kid", "kid-1", "--acme-eab-hmac-key", "/etc/dashbox/eab.key"}, noEnv, io.Discard, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := cfg.serviceServe()
	if err != nil {
		t.Fatal(err)
	}
	unit, err := service.Unit(service.Config{BinaryPath: "/usr/local/bin/dashbox", Serve: s})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"\nLoadCredential=acme-dns-tsig-key:/etc/dashbox/tsig.key\n",
		"\nLoadCredential=acme-eab-hmac-key:/etc/dashbox/eab.key\n",
		"--acme-dns-tsig-key=%d/acme-dns-tsig-key",
		"--acme-eab-hmac-key=%d/acme-eab-hmac-key",
		"--acme-dns-server=ns1.example.com:53",
		"--acme-eab-kid=kid-1",
	} {
		if !strings.Contains(unit, want) {
			t.Errorf("the unit lacks %q:\n%s", want, unit)
		}
	}
}

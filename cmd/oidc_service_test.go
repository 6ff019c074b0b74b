package cmd

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dashbox/dashbox/internal/testpki"
)

// TestServiceUnitSingleSignOn: 'service unit' (what 'service install'
// writes) carries the --oidc-* flags into ExecStart=, loads the client
// secret and the issuer's CA as systemd credentials (LoadCredential=, the
// originals staying root's alone), relative paths made absolute, and the
// secret itself is nowhere in the unit. Read back from ExecStart=, the
// flags configure serve as they were given. The folder is in $HOME: the
// service refuses files under /tmp, where any user may put files.
func TestServiceUnitSingleSignOn(t *testing.T) {
	dir := homeTempDir(t)
	const secret = "s3cr3t-client-secret-value"
	if err := os.WriteFile("client-secret", []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("corp-root.pem", testpki.CertPEM(testpki.NewRoot(t, "Corp Root").Cert), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--oidc-issuer", "https://login.example.com/realms/staff", "--oidc-client-id", "dashbox",
		"--oidc-client-secret-file", "client-secret", "--oidc-issuer-ca", "corp-root.pem", "--oidc-scope", "offline_access",
		"--oidc-allow-group", "finance", "--oidc-dashboard-groups", "app3=finance,ops", "--oidc-dashboard-groups", "app7=ops",
		"--oidc-session-lifetime", "8h"}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), append([]string{"dashbox", "service", "unit"}, args...), noEnv, &out, &errOut); err != nil {
		t.Fatalf("service unit: %v\n%s", err, errOut.String())
	}
	unit := out.String()
	var execStart string
	for _, line := range strings.Split(unit, "\n") {
		if s, ok := strings.CutPrefix(line, "ExecStart="); ok {
			execStart = s
		}
	}
	for _, want := range []string{
		" --oidc-issuer=https://login.example.com/realms/staff",
		" --oidc-client-id=dashbox",
		" --oidc-client-secret-file=%d/oidc-client-secret",
		" --oidc-issuer-ca=%d/oidc-issuer-ca",
		" --oidc-scope=offline_access",
		" --oidc-allow-group=finance",
		" --oidc-session-lifetime=8h0m0s",
	} {
		if !strings.Contains(execStart, want) {
			t.Errorf("ExecStart= lacks %q: %s", want, execStart)
		}
	}
	for _, want := range []string{
		"\nLoadCredential=oidc-client-secret:" + filepath.Join(dir, "client-secret") + "\n",
		"\nLoadCredential=oidc-issuer-ca:" + filepath.Join(dir, "corp-root.pem") + "\n",
	} {
		if !strings.Contains(unit, want) {
			t.Errorf("the unit lacks %q:\n%s", strings.TrimSpace(want), unit)
		}
	}
	if strings.Contains(unit, secret) {
		t.Errorf("the client secret is in the unit:\n%s", unit)
	}

	// ExecStart='s words, read by serve as the service will, with the
	// credentials copied as systemd does to $CREDENTIALS_DIRECTORY (%d).
	creds := filepath.Join(dir, "credentials")
	if err := os.Mkdir(creds, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(unit, "\n") {
		if load, ok := strings.CutPrefix(line, "LoadCredential="); ok {
			name, source, _ := strings.Cut(load, ":")
			if err := os.WriteFile(filepath.Join(creds, name), readBytes(t, source), 0o400); err != nil {
				t.Fatal(err)
			}
		}
	}
	words := strings.Fields(execStart)
	if len(words) < 2 || words[1] != "serve" {
		t.Fatalf("ExecStart= is %q, want the binary and serve", execStart)
	}
	for i, w := range words {
		words[i] = strings.ReplaceAll(w, "%d/", creds+"/")
	}
	back, err := parseServeFlags(words[2:], noEnv, io.Discard, nil)
	if err != nil {
		t.Fatalf("serve refuses the unit's arguments: %v", err)
	}
	if err := back.validateOIDC(); err != nil {
		t.Fatalf("serve refuses the unit's --oidc-* flags: %v", err)
	}
	o := back.oidc
	wantGroups := map[string][]string{"/apps/app3": {"finance", "ops"}, "/apps/app7": {"ops"}}
	if o.issuer != "https://login.example.com/realms/staff" || o.clientID != "dashbox" || o.secret != secret ||
		!reflect.DeepEqual([]string(o.scopes), []string{"offline_access"}) || !reflect.DeepEqual([]string(o.allowGroups), []string{"finance"}) ||
		!reflect.DeepEqual(o.groups, wantGroups) || o.sessionLifetime.String() != "8h0m0s" {
		t.Errorf("read back from the unit, serve has issuer %q, client %q, secret read %v, scopes %q, groups allowed %q, dashboards' groups %v, lifetime %s",
			o.issuer, o.clientID, o.secret == secret, o.scopes, o.allowGroups, o.groups, o.sessionLifetime)
	}

	// The secret itself is no flag: nothing puts it on a command line.
	out.Reset()
	err = run(context.Background(), []string{"dashbox", "service", "unit", "--oidc-client-secret=" + secret}, noEnv, &out, &errOut)
	if err == nil || out.Len() > 0 {
		t.Errorf("service unit --oidc-client-secret=...: err %v, output %q; want it refused", err, out.String())
	}
}

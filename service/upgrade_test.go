//go:build linux

package service

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNewBinaryMustRun: Upgrade refuses a binary whose `version` fails or is
// not dashbox's, and one whose `serve --check` refuses the installed flags,
// with the binary's own message (here scripts stand in for binaries: only
// what they print and their exit status matter).
func TestNewBinaryMustRun(t *testing.T) {
	dir := t.TempDir()
	script := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ctx := context.Background()
	good := script("good", `[ "$1" = version ] && { echo "dashbox v9.9.9"; echo "commit x"; exit 0; }
[ "$1" = serve ] && [ "$STATE_DIRECTORY" = /var/lib/dashbox ] && [ "$2" = --domain=a.test ] && [ "$3" = --check ] && exit 0
echo "unexpected: $*" >&2; exit 3`)
	if v, err := binaryVersion(ctx, good); err != nil || v != "v9.9.9" {
		t.Errorf("version: %q, %v; want v9.9.9", v, err)
	}
	cfg := Config{}.withDefaults()
	if err := serveCheck(ctx, cfg, good, []string{"--domain=a.test"}); err != nil {
		t.Errorf("serve --check with the installed flags: %v", err)
	}
	bad := script("bad", `[ "$1" = version ] && { echo "something else 1.0"; exit 0; }
echo "--tls-cert: cannot read /etc/dashbox/cert.pem: permission denied" >&2; exit 1`)
	if _, err := binaryVersion(ctx, bad); err == nil || !strings.Contains(err.Error(), "not a dashbox version") {
		t.Errorf("version of another program: %v", err)
	}
	if err := serveCheck(ctx, cfg, bad, nil); err == nil || !strings.Contains(err.Error(), "--tls-cert: cannot read") {
		t.Errorf("serve --check failing: %v, want its message", err)
	}
	crash := script("crash", `exit 1`)
	if _, err := binaryVersion(ctx, crash); err == nil {
		t.Error("a binary whose version fails was accepted")
	}
}

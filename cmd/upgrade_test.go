package cmd

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestServiceUpgradeCommandLine: the usage mistakes of upgrade and rollback
// exit 2 with one line, and --help prints the usage.
func TestServiceUpgradeCommandLine(t *testing.T) {
	for _, args := range [][]string{
		{"service", "upgrade"},
		{"service", "upgrade", "a", "b"},
		{"service", "upgrade", "--timeout=0s", "a"},
		{"service", "rollback", "x"},
		{"service", "upgrade", "--no-such-flag", "a"},
	} {
		err := run(context.Background(), append([]string{"dashbox"}, args...), noEnv, &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || exitCode(err) != 2 || strings.Contains(err.Error(), "\n") {
			t.Errorf("dashbox %s: %v (exit %d), want a one-line usage error", strings.Join(args, " "), err, exitCode(err))
		}
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"dashbox", "service", "upgrade", "--help"}, noEnv, &out, &bytes.Buffer{}); err != nil || !strings.Contains(out.String(), "--sha256sums") && !strings.Contains(out.String(), "-sha256sums") {
		t.Errorf("service upgrade --help: %v\n%s", err, out.String())
	}
}

// TestInstalledHealthAddr: upgrade probes the installed HTTPS listener over
// loopback when it listens on every address, and asks for its first name.
func TestInstalledHealthAddr(t *testing.T) {
	for _, tt := range []struct {
		args       []string
		addr, name string
	}{
		{nil, "127.0.0.1:443", "localhost"},
		{[]string{"--domain=dash.example.com", "--https-addr=:8443"}, "127.0.0.1:8443", "dash.example.com"},
		{[]string{"--https-addr=[::]:9443"}, "[::1]:9443", "localhost"},
		{[]string{"--https-addr=10.1.2.3:443"}, "10.1.2.3:443", "localhost"},
	} {
		addr, name := installedHealthAddr(tt.args)
		if addr != tt.addr || name != tt.name {
			t.Errorf("%q: %s %s, want %s %s", tt.args, addr, name, tt.addr, tt.name)
		}
	}
}

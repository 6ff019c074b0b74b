package cmd

import (
	"bytes"
	"context"
	"runtime"
	"strings"
	"testing"
)

func TestHelpAndVersion(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"--help"}, []string{"serve", "service", "ca", "version", "DASHBOX_HTTPS_ADDR"}},
		{[]string{"help", "serve"}, []string{"-https-addr", "-http-addr", "-domain", "-state-dir", "-static-dir", "-access-log", "-log-format", "-log-level", "-shutdown-timeout", "-max-connections"}},
		{[]string{"serve", "--help"}, []string{"-https-addr", "(default \":443\")"}},
		{[]string{"ca", "-h"}, []string{"-state-dir", "update-ca-certificates"}},
		{[]string{"service", "--help"}, []string{"install", "uninstall", "--purge", "status"}},
		{[]string{"version"}, []string{"dashbox ", "commit ", "built ", runtime.Version()}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if err := run(context.Background(), append([]string{"dashbox"}, tt.args...), noEnv, &stdout, &stderr); err != nil {
				t.Fatalf("run: %v", err)
			}
			if n := strings.Count(stdout.String(), "Usage:"); n != 1 && tt.args[0] != "version" {
				t.Errorf("help printed %d times", n)
			}
			for _, w := range tt.want {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout.String())
				}
			}
		})
	}
}

func TestUnknownCommand(t *testing.T) {
	err := run(context.Background(), []string{"dashbox", "srve"}, noEnv, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), "dashbox --help") {
		t.Fatalf("err = %v (exit %d)", err, exitCode(err))
	}
	err = run(context.Background(), []string{"dashbox"}, noEnv, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || exitCode(err) != 2 {
		t.Fatalf("no command: err = %v", err)
	}
}

// TestEnvironmentBacksEveryFlag: DASHBOX_* variables set flags, the command
// line wins, and lists come comma-separated.
func TestEnvironmentBacksEveryFlag(t *testing.T) {
	env := map[string]string{
		"DASHBOX_HTTPS_ADDR":       "127.0.0.1:9443",
		"DASHBOX_HTTP_ADDR":        "127.0.0.1:9080",
		"DASHBOX_DOMAIN":           "a.example.com, b.example.com",
		"DASHBOX_LOG_LEVEL":        "debug",
		"DASHBOX_SHUTDOWN_TIMEOUT": "3s",
		"DASHBOX_MAX_CONNECTIONS":  "100",
		"HOME":                     "/home/someone",
	}
	getenv := func(k string) string { return env[k] }
	cfg, err := parseServe([]string{"--http-addr", "127.0.0.1:7080"}, getenv, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.httpsAddr != "127.0.0.1:9443" || cfg.httpAddr != "127.0.0.1:7080" || cfg.logLevel != "debug" ||
		cfg.shutdownTimeout.String() != "3s" || cfg.maxConnections != 100 || strings.Join(cfg.domains, " ") != "a.example.com b.example.com" {
		t.Fatalf("got %+v", cfg)
	}
	want := "--domain=a.example.com --domain=b.example.com --http-addr=127.0.0.1:7080 --https-addr=127.0.0.1:9443 --log-level=debug --max-connections=100 --shutdown-timeout=3s"
	if got := strings.Join(unitWords(t, cfg), " "); got != want {
		t.Errorf("explicit flags:\n got %s\nwant %s", got, want)
	}
	if _, err := parseServe(nil, func(k string) string {
		return map[string]string{"DASHBOX_SHUTDOWN_TIMEOUT": "soon", "HOME": "/h"}[k]
	}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "DASHBOX_SHUTDOWN_TIMEOUT") {
		t.Errorf("bad environment value: err = %v", err)
	}
}

func TestDefaultStateDir(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if got := defaultStateDir(env(map[string]string{"STATE_DIRECTORY": "/var/lib/dashbox:/var/lib/other"})); got != "/var/lib/dashbox" {
		t.Errorf("under systemd: %q", got)
	}
	if got := defaultAccessLog(env(map[string]string{"LOGS_DIRECTORY": "/var/log/dashbox"})); got != "/var/log/dashbox/access.log" {
		t.Errorf("access log under systemd: %q", got)
	}
	if got := defaultAccessLog(env(nil)); got != "-" {
		t.Errorf("access log elsewhere: %q", got)
	}
}

// unitWords are the serve arguments 'service install' writes into the unit
// for cfg, as --name=value.
func unitWords(t *testing.T, cfg *serveConfig) []string {
	t.Helper()
	s, err := cfg.serviceServe()
	if err != nil {
		t.Fatal(err)
	}
	var words []string
	for _, a := range s.Args {
		words = append(words, "--"+a.Flag+"="+a.Value)
	}
	return words
}

package cmd

import (
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
)

// TestMetricsFlags: --metrics-public needs --allow or --auth-file, and a
// bad or taken --metrics-addr fails start-up with a line naming the flag.
func TestMetricsFlags(t *testing.T) {
	_, err := parseServe([]string{"--metrics-public"}, noEnv, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--metrics-public") || !strings.Contains(err.Error(), "--allow") {
		t.Errorf("--metrics-public alone: %v, want a refusal naming --allow", err)
	}
	if _, err := parseServe([]string{"--metrics-public", "--allow", "127.0.0.1"}, noEnv, io.Discard); err != nil {
		t.Errorf("--metrics-public --allow: %v", err)
	}
	if _, err := parseServe([]string{"--metrics-addr", "nonsense"}, noEnv, io.Discard); err == nil || !strings.Contains(err.Error(), "--metrics-addr") {
		t.Errorf("bad --metrics-addr: %v, want an error naming it", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	err = run(t.Context(), []string{"dashbox", "serve", "--https-addr", "127.0.0.1:0", "--http-addr", "", "--state-dir", t.TempDir(), "--metrics-addr", l.Addr().String()}, noEnv, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--metrics-addr") {
		t.Errorf("taken --metrics-addr: %v, want an error naming it", err)
	}
}

// TestMetricsPublic: with --metrics-public, /metrics on the HTTPS port is
// behind --allow: served to allowed clients, 403 to others.
func TestMetricsPublic(t *testing.T) {
	d := mustStart(t, "--metrics-public", "--allow", "127.0.0.1")
	resp, body := d.get(t, "/metrics")
	if resp.StatusCode != 200 || !strings.Contains(string(body), "dashbox_http_requests_in_flight 1") {
		t.Fatalf("GET /metrics from an allowed client: %d %.200s", resp.StatusCode, body)
	}
	d2 := mustStart(t, "--metrics-public", "--allow", "192.0.2.0/24")
	if resp, _ := d2.get(t, "/metrics"); resp.StatusCode != 403 {
		t.Fatalf("GET /metrics from outside --allow: %d, want 403", resp.StatusCode)
	}
	d3 := mustStart(t)
	if resp, _ := d3.get(t, "/metrics"); resp.StatusCode != 404 {
		t.Fatalf("GET /metrics without --metrics-public: %d, want 404", resp.StatusCode)
	}
}

// TestMetricsLoginRefused: with --auth-file, a wrong password is counted
// as a failed login, and /metrics on the HTTPS port (--metrics-public)
// needs the login.
func TestMetricsLoginRefused(t *testing.T) {
	file := writeHtpasswd(t, filepath.Join(t.TempDir(), "htpasswd"), "ann", "right")
	d := mustStart(t, "--auth-file", file, "--metrics-public", "--metrics-addr", "127.0.0.1:0")
	maddr := d.metricsAddr(t)
	if got := status(t, d.client, d.url("/metrics"), "", ""); got != 401 {
		t.Fatalf("/metrics on HTTPS without a login: %d, want 401", got)
	}
	if got := status(t, d.client, d.url("/"), "ann", "wrong"); got != 401 {
		t.Fatalf("wrong password: %d, want 401", got)
	}
	if got := status(t, d.client, d.url("/metrics"), "ann", "right"); got != 200 {
		t.Fatalf("/metrics on HTTPS with a login: %d, want 200", got)
	}
	if out := scrape(t, maddr); !strings.Contains(out, "\ndashbox_login_refused_total{reason=\"failed\"} 1\n") {
		t.Fatalf("the failed login is not counted:\n%s", grepLines(out, "login"))
	}
}

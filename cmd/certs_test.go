package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	dashtls "github.com/dashbox/dashbox/tls"
)

// TestCertsReadsTheStateOfARunningServer: 'dashbox certs' shows, from the
// state directory alone, what the running server serves.
func TestCertsReadsTheStateOfARunningServer(t *testing.T) {
	d := mustStart(t)
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"dashbox", "certs", "--state-dir", d.stateDir}, noEnv, &stdout, &stderr); err != nil {
		t.Fatalf("certs: %v", err)
	}
	out := stdout.String()
	for _, want := range []string{"NAME", "ISSUER", "EXPIRES", "LAST ERROR", "localhost", "127.0.0.1", "::1", dashtls.IssuerLocalCA, "(in 6 days)", "by dashbox serve (pid "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	stdout.Reset()
	if err := run(context.Background(), []string{"dashbox", "certs", "--json"}, func(k string) string {
		return map[string]string{"DASHBOX_STATE_DIR": d.stateDir}[k]
	}, &stdout, &stderr); err != nil {
		t.Fatalf("certs --json: %v", err)
	}
	var report dashtls.StatusReport
	if err := json.Unmarshal(stdout.Bytes(), &report); err != nil {
		t.Fatalf("certs --json printed %q: %v", stdout.String(), err)
	}
	if len(report.Certificates) < 3 || report.Certificates[0].Name != "localhost" || report.Certificates[0].NotAfter.IsZero() {
		t.Errorf("report = %+v", report)
	}
}

func TestCertsWithoutState(t *testing.T) {
	state := t.TempDir()
	err := run(context.Background(), []string{"dashbox", "certs", "--state-dir", state}, noEnv, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), "start 'dashbox serve --state-dir "+state) {
		t.Errorf("err = %v", err)
	}
}

func TestPrintCerts(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	report := &dashtls.StatusReport{Updated: now.Add(-time.Minute), PID: 42, Certificates: []dashtls.CertStatus{
		{Name: "dash.example.com", Issuer: "Let's Encrypt", NotAfter: now.Add(89 * 24 * time.Hour)},
		{Name: "www.example.com", Issuer: "Let's Encrypt", Error: "connection refused", ErrorAt: now.Add(-time.Minute), NextAttempt: now.Add(4 * time.Minute)},
		{Name: "old.example.com", Issuer: "file /etc/ssl/old.pem", NotAfter: now.Add(-2 * time.Hour)},
		{Name: "localhost", Issuer: dashtls.IssuerLocalCA, NotAfter: now.Add(90 * time.Minute)},
	}}
	var out bytes.Buffer
	if err := printCerts(&out, report, now); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"dash.example.com  Let's Encrypt          2026-05-29 12:00 UTC (in 89 days)",
		"none yet",
		"2026-03-01 11:59 UTC: connection refused (next attempt in 4 minutes)",
		"2026-03-01 10:00 UTC (EXPIRED)",
		"(in 90 minutes)",
		"recorded 2026-03-01 11:59:00 UTC by dashbox serve (pid 42)",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

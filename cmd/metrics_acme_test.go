package cmd

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	dashtls "github.com/dashbox/dashbox/tls"
)

// TestMetricsACMEAttempts: with the ACME CA (Pebble) down at first, the
// failed obtain attempts are counted, then the one that succeeds once it
// is up, and the certificate it issued gets its not-after gauge.
func TestMetricsACMEAttempts(t *testing.T) {
	p := newPebble(t, pebbleOptions{}) // DNS up, CA not yet
	useTLSTuning(t, dashtls.Tuning{}, nil)
	d := mustStart(t, append(p.dashboxArgs("dash.test"), "--metrics-addr", "127.0.0.1:0")...)
	maddr := d.metricsAddr(t)
	waitLogEvent(t, d, "a failed attempt", 1, func(ev map[string]any) bool {
		return ev["msg"] == "certificate problem" && ev["name"] == "dash.test"
	})
	p.start(t)
	waitCertificate(t, d, "dash.test")

	out := scrape(t, maddr)
	value := func(series string) int {
		m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\d+)$`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no %s in the exposition", series)
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	if n := value(`dashbox_acme_attempts_total{kind="obtain",outcome="failure"}`); n < 1 {
		t.Errorf("failed obtain attempts: %d, want at least 1 (the CA was down)", n)
	}
	if n := value(`dashbox_acme_attempts_total{kind="obtain",outcome="success"}`); n != 1 {
		t.Errorf("successful obtain attempts: %d, want 1", n)
	}
	if !regexp.MustCompile(`(?m)^dashbox_tls_certificate_not_after_seconds\{name="dash\.test",issuer="ACME [^"]+"\} \d+$`).MatchString(out) {
		t.Errorf("no not-after for dash.test's ACME certificate in:\n%s", grepLines(out, "not_after"))
	}
}

// grepLines returns the lines of s containing sub.
func grepLines(s, sub string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

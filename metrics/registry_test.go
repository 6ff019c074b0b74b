package metrics

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// exposition is what a scrape of r returns.
func exposition(t *testing.T, r *Registry) string {
	t.Helper()
	w := httptest.NewRecorder()
	r.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	if w.Code != http.StatusOK {
		t.Fatalf("GET /metrics: status %d", w.Code)
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Fatalf("Content-Type %q, want the text exposition format's", ct)
	}
	return w.Body.String()
}

func filled(t *testing.T) *Registry {
	r := New(BuildInfo{Version: "v1.2.3", Commit: "abc"})
	r.RequestStarted()
	r.RequestDone("/apps/app0", "GET", 200, 1234, 3*time.Millisecond)
	r.RequestStarted()
	r.RequestDone("unmatched", "BREW", 404, 10, time.Millisecond)
	r.RequestStarted() // still in flight
	r.TLSHandshake(0x0304, true)
	r.TLSHandshake(0, false)
	r.ACMEAttempt(false, nil)
	r.ACMEAttempt(true, errors.New("boom"))
	r.LoginRefused("failed")
	r.LoginRefused("blocked")
	r.Callback("/apps/app9", "powers", 200*time.Microsecond, nil)
	r.Callback("/apps/app9", "powers", time.Millisecond, errors.New("bad input"))
	r.SetCertificates(func() []Certificate {
		return []Certificate{
			{Name: "dash.example.com", Issuer: "Let's Encrypt", NotAfter: time.Unix(1900000000, 0)},
			{Name: "pending.example.com", Issuer: "Let's Encrypt"}, // none yet: no sample
		}
	})
	return r
}

// TestExposition checks the series an operator's queries and the example
// alerts rely on, with their label values.
func TestExposition(t *testing.T) {
	out := exposition(t, filled(t))
	for _, want := range []string{
		`dashbox_build_info{version="v1.2.3",commit="abc",goversion="go`,
		`dashbox_http_requests_total{route="/apps/app0",method="GET",status_class="2xx"} 1`,
		`dashbox_http_requests_total{route="unmatched",method="other",status_class="4xx"} 1`,
		`dashbox_http_response_size_bytes_total{route="/apps/app0",method="GET",status_class="2xx"} 1234`,
		`dashbox_http_request_duration_seconds_bucket{route="/apps/app0",method="GET",status_class="2xx",le="0.005"} 1`,
		`dashbox_http_request_duration_seconds_bucket{route="/apps/app0",method="GET",status_class="2xx",le="0.0025"} 0`,
		`dashbox_http_request_duration_seconds_count{route="/apps/app0",method="GET",status_class="2xx"} 1`,
		`dashbox_http_requests_in_flight 1`,
		`dashbox_tls_handshakes_total{outcome="success",version="1.3"} 1`,
		`dashbox_tls_handshakes_total{outcome="failure",version="unknown"} 1`,
		`dashbox_acme_attempts_total{kind="obtain",outcome="success"} 1`,
		`dashbox_acme_attempts_total{kind="renew",outcome="failure"} 1`,
		`dashbox_acme_attempts_total{kind="renew",outcome="success"} 0`,
		`dashbox_login_refused_total{reason="failed"} 1`,
		`dashbox_login_refused_total{reason="blocked"} 1`,
		`dashbox_login_refused_total{reason="busy"} 0`,
		`dashbox_callback_duration_seconds_count{dashboard="/apps/app9",callback="powers"} 2`,
		`dashbox_callback_errors_total{dashboard="/apps/app9",callback="powers"} 1`,
		`dashbox_tls_certificate_not_after_seconds{name="dash.example.com",issuer="Let's Encrypt"} 1900000000`,
		"\ngo_goroutines ",
		"\nprocess_resident_memory_bytes ",
		"# TYPE dashbox_http_requests_total counter",
		"# TYPE dashbox_http_request_duration_seconds histogram",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the exposition lacks %s", want)
		}
	}
	if strings.Contains(out, "pending.example.com") {
		t.Error("a name with no certificate yet has a not-after sample")
	}
	if strings.Contains(out, "vmrange") {
		t.Error("the exposition has VictoriaMetrics vmrange buckets, which histogram_quantile does not read")
	}
}

// TestPromtoolCheckMetrics: Prometheus' own linter accepts the exposition.
func TestPromtoolCheckMetrics(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatalf("promtool not found (Debian's prometheus package; make test-deps): %v", err)
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(exposition(t, filled(t)))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("promtool check metrics: %v\n%s", err, out.String())
	}
}

// TestRequestSeriesBounded: even a caller passing raw paths as routes
// cannot grow the series past maxRequestSeries.
func TestRequestSeriesBounded(t *testing.T) {
	r := New(BuildInfo{})
	for i := range maxRequestSeries + 500 {
		r.RequestDone("/x/"+strings.Repeat("a", i%7)+string(rune('a'+i%26))+time.Duration(i).String(), "GET", 200, 0, 0)
	}
	n := strings.Count(exposition(t, r), "dashbox_http_requests_total{")
	if n > maxRequestSeries+1 {
		t.Fatalf("%d request series, want at most %d", n, maxRequestSeries+1)
	}
	if !strings.Contains(exposition(t, r), `dashbox_http_requests_total{route="other",method="GET",status_class="2xx"} 500`) {
		t.Error("the requests past the bound are not counted under route other")
	}
}

func TestQuote(t *testing.T) {
	if got := quote("a\"b\\c\nd"); got != `"a\"b\\c\nd"` {
		t.Fatalf("quote = %s", got)
	}
}

// BenchmarkRequestDone is what a request pays for its metrics.
func BenchmarkRequestDone(b *testing.B) {
	r := New(BuildInfo{})
	b.ReportAllocs()
	for b.Loop() {
		r.RequestStarted()
		r.RequestDone("/static/*", "GET", 200, 1024, time.Millisecond)
	}
}

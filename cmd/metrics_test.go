package cmd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// metricsAddr is the address dashbox logged for --metrics-addr.
func (d *dashbox) metricsAddr(t *testing.T) string {
	t.Helper()
	line, err := d.logs.waitFor(`"msg":"serving metrics"`, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ev struct{ Addr string }
	if err := json.Unmarshal([]byte(line), &ev); err != nil || ev.Addr == "" {
		t.Fatalf("no address in %s (%v)", line, err)
	}
	return ev.Addr
}

// scrape fetches /metrics from --metrics-addr.
func scrape(t *testing.T, addr string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /metrics: %d %v", resp.StatusCode, err)
	}
	return string(body)
}

// prometheus is a Prometheus server the test started.
type prometheus struct{ addr string }

// startPrometheus runs Debian's prometheus on a free loopback port,
// scraping target every second, with a temporary data folder; the test's
// cleanup stops it.
func startPrometheus(t *testing.T, target string) *prometheus {
	t.Helper()
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Fatalf("prometheus not found (Debian's prometheus package; make test-deps): %v", err)
	}
	dir := t.TempDir()
	cfg := fmt.Sprintf("global: {scrape_interval: 1s, evaluation_interval: 1s}\nscrape_configs:\n  - job_name: dashbox\n    static_configs: [{targets: ['%s']}]\n", target)
	if err := os.WriteFile(filepath.Join(dir, "prom.yml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	// Pick a free port; if another process takes it before Prometheus
	// binds, Prometheus exits and the next port is tried.
	for attempt := 0; attempt < 3; attempt++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		var logs bytes.Buffer
		cmd := exec.Command(bin, "--config.file="+filepath.Join(dir, "prom.yml"),
			"--storage.tsdb.path="+filepath.Join(dir, fmt.Sprint("data", attempt)),
			"--web.listen-address="+addr)
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		stop := func() {
			cmd.Process.Kill()
			<-exited
		}
		p := &prometheus{addr: addr}
		deadline := time.Now().Add(60 * time.Second)
		for time.Now().Before(deadline) {
			select {
			case <-exited:
				goto retry
			case <-time.After(200 * time.Millisecond):
			}
			// up is 1 once the first scrape of dashbox has succeeded.
			if v, ok := p.queryValue(t, `up{job="dashbox"}`); ok && v == 1 {
				t.Cleanup(stop)
				return p
			}
		}
		stop()
		t.Fatalf("prometheus did not scrape dashbox within a minute; its log:\n%s", logs.String())
	retry:
		t.Logf("prometheus exited (port taken?), trying another port; its log:\n%s", logs.String())
	}
	t.Fatal("prometheus did not start")
	return nil
}

// queryValue runs an instant PromQL query and returns the single result's
// value; ok is false when the query returns no (or several) series, or
// Prometheus does not answer yet.
func (p *prometheus) queryValue(t *testing.T, q string) (float64, bool) {
	t.Helper()
	resp, err := http.Get("http://" + p.addr + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		return 0, false
	}
	defer resp.Body.Close()
	var r struct {
		Status string
		Error  string
		Data   struct {
			Result []struct {
				Value [2]any
			}
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || r.Status != "success" {
		if r.Error != "" {
			t.Fatalf("query %s: %s", q, r.Error)
		}
		return 0, false
	}
	if len(r.Data.Result) != 1 {
		return 0, false
	}
	s, _ := r.Data.Result[0].Value[1].(string)
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil
}

// waitValue polls q until it returns want, for at most 30 s (several
// scrapes).
func (p *prometheus) waitValue(t *testing.T, q string, want float64) {
	t.Helper()
	var last float64
	var ok bool
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		if last, ok = p.queryValue(t, q); ok && last == want {
			return
		}
	}
	t.Fatalf("%s = %v (result: %v), want %v", q, last, ok, want)
}

// TestMetricsPrometheus: a real Prometheus scrapes --metrics-addr while the
// test sends requests, and PromQL finds what was sent: the request counts
// by route pattern, a quantile of the duration histogram, the served
// certificate's expiry, the TLS handshakes. promtool accepts the exposition,
// and a thousand random paths add no series.
func TestMetricsPrometheus(t *testing.T) {
	d := mustStart(t, "--metrics-addr", "127.0.0.1:0")
	maddr := d.metricsAddr(t)
	prom := startPrometheus(t, maddr)

	const pages, callbacks = 7, 3
	for range pages {
		if resp, _ := d.get(t, "/apps/app0"); resp.StatusCode != 200 {
			t.Fatalf("GET /apps/app0: %d", resp.StatusCode)
		}
	}
	for range callbacks {
		resp, err := d.client.Post(d.url("/apps/app9/callback/powers"), "application/x-www-form-urlencoded", strings.NewReader("x=7"))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("callback: %d", resp.StatusCode)
		}
	}
	resp, _ := d.get(t, "/healthz")
	served := resp.TLS.PeerCertificates[0]

	prom.waitValue(t, `dashbox_http_requests_total{route="/apps/app0",method="GET",status_class="2xx"}`, pages)
	prom.waitValue(t, `dashbox_http_requests_total{route="/apps/app9/callback/{name}",method="POST",status_class="2xx"}`, callbacks)
	prom.waitValue(t, `dashbox_callback_duration_seconds_count{dashboard="/apps/app9",callback="powers"}`, callbacks)
	q, ok := prom.queryValue(t, `histogram_quantile(0.5, sum by (le) (dashbox_http_request_duration_seconds_bucket{route="/apps/app0"}))`)
	if !ok || math.IsNaN(q) || q <= 0 || q > 60 {
		t.Errorf("median page duration by histogram_quantile: %v (ok %v), want a time within the buckets", q, ok)
	}
	prom.waitValue(t, `dashbox_tls_certificate_not_after_seconds{name="127.0.0.1",issuer="dashbox local CA"}`, float64(served.NotAfter.Unix()))
	if v, ok := prom.queryValue(t, `sum(dashbox_tls_handshakes_total{outcome="success"})`); !ok || v < 1 {
		t.Errorf("successful TLS handshakes: %v (ok %v), want at least 1", v, ok)
	}
	if v, ok := prom.queryValue(t, `count(dashbox_build_info{goversion=~"go.+"})`); !ok || v != 1 {
		t.Errorf("dashbox_build_info: %v (ok %v)", v, ok)
	}

	// A client that does not trust the certificate fails its handshake,
	// and the failure is counted.
	failures := func() string {
		return regexp.MustCompile(`(?m)^dashbox_tls_handshakes_total\{outcome="failure",version="unknown"\} (\d+)`).FindStringSubmatch(scrape(t, maddr))[1]
	}
	before := failures()
	if _, err := http.Get(d.url("/healthz")); err == nil {
		t.Fatal("a client without dashbox's root got through the handshake")
	}
	for deadline := time.Now().Add(10 * time.Second); failures() == before; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("failed handshakes still %s after a failed handshake", before)
		}
	}

	// promtool's linter accepts the exposition of a running dashbox.
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatalf("promtool not found: %v", err)
	}
	check := exec.Command(promtool, "check", "metrics")
	check.Stdin = strings.NewReader(scrape(t, maddr))
	if out, err := check.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}

	// No label takes a value from the client: a thousand random paths
	// (and methods) add at most the series of the unmatched route.
	seriesBefore := requestSeries(scrape(t, maddr))
	for i := range 1000 {
		method := "GET"
		if i%10 == 0 {
			method = fmt.Sprintf("X%d", rand.Uint32())
		}
		req, _ := http.NewRequest(method, d.url(fmt.Sprintf("/%x/%x?%x", rand.Uint64(), rand.Uint64(), rand.Uint64())), nil)
		resp, err := d.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	after := requestSeries(scrape(t, maddr))
	var added []string
	for s := range after {
		if !seriesBefore[s] {
			added = append(added, s)
		}
	}
	if len(added) > 2 {
		t.Fatalf("1,000 random paths added %d request series, want at most 2 (unmatched GET and other): %v", len(added), added)
	}
	for s := range after {
		if !strings.Contains(s, `route="/`) && !strings.Contains(s, `route="unmatched"`) {
			t.Errorf("a request series with a route that is not a pattern: %s", s)
		}
	}
	t.Logf("%d request series after 1,000 random paths (%d before)", len(after), len(seriesBefore))
}

var requestSeriesLine = regexp.MustCompile(`(?m)^dashbox_http_requests_total\{[^}]*\}`)

// requestSeries are the label sets of dashbox_http_requests_total.
func requestSeries(exposition string) map[string]bool {
	m := map[string]bool{}
	for _, s := range requestSeriesLine.FindAllString(exposition, -1) {
		m[s] = true
	}
	return m
}

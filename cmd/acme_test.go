package cmd

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	dashtls "github.com/dashbox/dashbox/tls"
)

// The ACME tests run dashbox against Pebble, Let's Encrypt's ACME test
// server, through dashbox's real listeners: Pebble validates HTTP-01 on the
// port of dashbox's redirect listener and TLS-ALPN-01 on its HTTPS port.

// useTLSTuning shortens background schedules for the dashbox the test
// starts next (the ACME retry schedule defaults to a few hundred
// milliseconds; production waits a minute and more) and, if challenges is
// not nil, limits the ACME challenges.
func useTLSTuning(t *testing.T, tuning dashtls.Tuning, challenges []string) {
	t.Helper()
	if tuning.RetryIntervals == nil {
		tuning.RetryIntervals = []time.Duration{300 * time.Millisecond, 600 * time.Millisecond, time.Second}
	}
	oldTuning, oldChallenges := tlsTuning, acmeChallenges
	tlsTuning, acmeChallenges = tuning, challenges
	t.Cleanup(func() { tlsTuning, acmeChallenges = oldTuning, oldChallenges })
}

func TestACMEHTTP01(t *testing.T) {
	p := startPebble(t, pebbleOptions{})
	useTLSTuning(t, dashtls.Tuning{}, []string{dashtls.ChallengeHTTP01})
	d := mustStart(t, p.dashboxArgs("dash.test")...)
	waitCertificate(t, d, "dash.test")
	roots := p.roots(t)
	leaf := servedLeaf(t, d, "dash.test", roots)

	// Pebble fetched the challenge from dashbox's own plain-HTTP listener,
	// where the redirect answers everything else.
	if !regexp.MustCompile(`"GET /\.well-known/acme-challenge/[A-Za-z0-9_-]+ HTTP/1\.1" 200 `).MatchString(d.stdout.String()) {
		t.Errorf("access log shows no answered HTTP-01 challenge:\n%s", d.stdout)
	}
	resp, _ := getURL(t, d.client, "http://"+d.httpAddr+"/.well-known/acme-challenge/not-a-token")
	if resp.StatusCode != http.StatusPermanentRedirect {
		t.Errorf("an unknown challenge path got %d, want the redirect", resp.StatusCode)
	}
	checkCertificateState(t, d, p, leaf)

	t.Run("restart reuses the certificate", func(t *testing.T) {
		orders := p.newOrders()
		d.client.CloseIdleConnections() // or shutdown waits a second for it
		if err := d.stop(); err != nil {
			t.Fatalf("stop: %v", err)
		}
		again := mustStart(t, append(p.dashboxArgs("dash.test"), "--state-dir", d.stateDir)...)
		// Served at once, from the state directory, with no new order.
		if got := servedLeaf(t, again, "dash.test", roots); got.SerialNumber.Cmp(leaf.SerialNumber) != 0 {
			t.Errorf("restart serves serial %s, want the stored %s", got.SerialNumber, leaf.SerialNumber)
		}
		if n := p.newOrders() - orders; n != 0 {
			t.Errorf("restart sent %d new orders to the CA", n)
		}
	})
}

// TLS-ALPN-01 alone: no plain-HTTP listener at all.
func TestACMETLSALPN01(t *testing.T) {
	p := startPebble(t, pebbleOptions{})
	useTLSTuning(t, dashtls.Tuning{}, nil)
	d := mustStart(t, append(p.dashboxArgs("dash.test"), "--http-addr", "")...)
	waitCertificate(t, d, "dash.test")
	leaf := servedLeaf(t, d, "dash.test", p.roots(t))
	if !strings.Contains(d.logs.String(), `"msg":"served key authentication certificate"`) || !strings.Contains(d.logs.String(), `"challenge":"tls-alpn-01"`) {
		t.Errorf("dashbox's HTTPS listener did not answer TLS-ALPN-01:\n%s", d.logs)
	}
	if leaf.NotAfter.Sub(leaf.NotBefore) < 80*24*time.Hour {
		t.Errorf("leaf valid %v, want Pebble's 90 days", leaf.NotAfter.Sub(leaf.NotBefore))
	}

	t.Run("unconfigured name gets nothing", func(t *testing.T) {
		orders := p.newOrders()
		for _, protos := range [][]string{{"h2", "http/1.1"}, {"acme-tls/1"}} {
			conn, err := tls.Dial("tcp", d.httpsAddr, &tls.Config{ServerName: "stranger.test", NextProtos: protos, InsecureSkipVerify: true})
			if err == nil {
				conn.Close()
				t.Errorf("handshake for stranger.test with ALPN %v succeeded", protos)
			} else if !strings.Contains(err.Error(), "internal error") {
				t.Errorf("handshake for stranger.test failed with %v, want a clean TLS alert", err)
			}
		}
		if n := p.newOrders() - orders; n != 0 {
			t.Errorf("a stranger's SNI caused %d new orders", n)
		}
		if strings.Contains(d.logs.String(), `"identifier":"stranger.test"`) {
			t.Error("dashbox tried to get a certificate for stranger.test")
		}
		if _, err := os.Stat(filepath.Join(d.stateDir, "certificates", acmeStorageKey(p), "stranger.test")); err == nil {
			t.Error("a certificate for stranger.test was stored")
		}
	})
}

// With the CA down at the first attempt, dashbox logs why, retries with
// backoff, keeps serving the redirect and static files, and gets its
// certificate once the CA is up; with Pebble rejecting half of the good
// nonces, as Let's Encrypt occasionally does.
func TestACMEOutageAndBadNonces(t *testing.T) {
	p := newPebble(t, pebbleOptions{nonceReject: 50}) // DNS up, CA not yet
	useTLSTuning(t, dashtls.Tuning{}, nil)
	d := mustStart(t, append(p.dashboxArgs("dash.test"), "--log-level", "debug")...)

	isFailure := func(ev map[string]any) bool {
		return ev["msg"] == "certificate problem" && ev["name"] == "dash.test" && strings.Contains(str(ev["error"]), "connection refused")
	}
	first := waitLogEvent(t, d, "the first failed attempt", 1, isFailure)
	if first["retry_in"] == nil {
		t.Errorf("failure logged without the next attempt: %v", first)
	}
	second := waitLogEvent(t, d, "a retry", 2, isFailure)
	if gap := logTime(t, second).Sub(logTime(t, first)); gap < 250*time.Millisecond {
		t.Errorf("retried %v after the failure: no backoff", gap)
	}

	// Everything but dash.test is served meanwhile, and after.
	var served, failed atomic.Int64
	var lastErr atomic.Value
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(20 * time.Millisecond) // request pacing
		defer tick.Stop()
		for {
			for _, check := range []func() error{
				func() error {
					return expectStatus(d.client, "http://"+d.httpAddr+"/apps/app1", http.StatusPermanentRedirect)
				},
				func() error { return expectStatus(d.client, d.localhostURL("/static/css/dashbox.css"), http.StatusOK) },
			} {
				if err := check(); err != nil {
					failed.Add(1)
					lastErr.Store(err.Error())
				} else {
					served.Add(1)
				}
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()

	p.start(t)
	waitCertificate(t, d, "dash.test")
	close(stop)
	<-done
	if failed.Load() != 0 || served.Load() == 0 {
		t.Errorf("while the certificate was pending: %d requests served, %d failed (last: %v)", served.Load(), failed.Load(), lastErr.Load())
	}
	servedLeaf(t, d, "dash.test", p.roots(t))
	if !strings.Contains(d.logs.String(), "server rejected our nonce; retrying") {
		t.Error("Pebble rejected no nonce: the test proved nothing about bad nonces")
	}
}

// A certificate close to expiry (Pebble issues 10-second certificates
// here) is renewed while serving, and a client loop running across
// renewals sees no failed request.
func TestACMERenewsWhileServing(t *testing.T) {
	p := startPebble(t, pebbleOptions{validity: 10 * time.Second})
	useTLSTuning(t, dashtls.Tuning{RenewCheckInterval: 250 * time.Millisecond}, nil)
	d := mustStart(t, p.dashboxArgs("dash.test")...)
	waitCertificate(t, d, "dash.test")
	roots := p.roots(t)

	client := nameClient(t, d, "dash.test", roots)
	client.Transport.(*http.Transport).DisableKeepAlives = true // a handshake per request
	serials := map[string]bool{}
	var requests, failures, afterRenewal int
	var lastErr error
	tick := time.NewTicker(20 * time.Millisecond) // request pacing
	defer tick.Stop()
	deadline := time.After(40 * time.Second)
	for afterRenewal < 20 {
		requests++
		resp, err := client.Get("https://dash.test/healthz")
		if err != nil {
			failures++
			lastErr = err
		} else {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				failures++
			}
			serials[resp.TLS.PeerCertificates[0].SerialNumber.String()] = true
		}
		if len(serials) > 1 {
			afterRenewal++
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("no renewal within 40s: %d requests, serials %v", requests, serials)
		}
	}
	if failures != 0 {
		t.Errorf("%d of %d requests failed across the renewal (last: %v)", failures, requests, lastErr)
	}
	renewals := 0
	for _, line := range scanLines(d.logs.String()) {
		if strings.Contains(line, `"msg":"certificate","name":"dash.test"`) && strings.Contains(line, `"expires_in"`) {
			renewals++
		}
	}
	if renewals < 2 {
		t.Errorf("the renewal was not logged with the new expiry (%d certificate lines)", renewals)
	}
}

// checkCertificateState: the certificate, its key and the ACME account are
// in the state directory, and its issuer and expiry are in the log,
// /healthz?details=1, and 'dashbox certs'; HSTS goes with it, not with
// localhost.
func checkCertificateState(t *testing.T, d *dashbox, p *pebble, leaf *x509.Certificate) {
	t.Helper()
	stored := filepath.Join(d.stateDir, "certificates", acmeStorageKey(p), "dash.test")
	for _, f := range []string{"dash.test.crt", "dash.test.key", "dash.test.json"} {
		if _, err := os.Stat(filepath.Join(stored, f)); err != nil {
			t.Errorf("not in the state directory: %v", err)
		}
	}
	if _, err := os.Stat(filepath.Join(d.stateDir, "acme", acmeStorageKey(p))); err != nil {
		t.Errorf("ACME account not in the state directory: %v", err)
	}

	resp, body := getURL(t, d.client, d.localhostURL("/healthz?details=1"))
	var health struct {
		Status       string
		Certificates []dashtls.CertStatus
	}
	if err := json.Unmarshal(body, &health); err != nil || resp.StatusCode != 200 || health.Status != "ok" {
		t.Fatalf("/healthz?details=1: %d %s (%v)", resp.StatusCode, body, err)
	}
	var found bool
	for _, c := range health.Certificates {
		if c.Name == "dash.test" {
			found = true
			if c.Issuer != "ACME "+p.directoryURL() || !c.NotAfter.Equal(leaf.NotAfter) || c.Error != "" || !c.PubliclyTrusted {
				t.Errorf("/healthz details for dash.test: %+v", c)
			}
		}
	}
	if !found {
		t.Errorf("/healthz details lack dash.test: %s", body)
	}

	var out bytes.Buffer
	if err := run(context.Background(), []string{"dashbox", "certs", "--state-dir", d.stateDir}, noEnv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`dash\.test +ACME https://127\.0\.0\.1:\d+/dir +` + regexp.QuoteMeta(leaf.NotAfter.UTC().Format("2006-01-02 15:04 MST")) + ` \(in 8\d days\) +-`).MatchString(out.String()) {
		t.Errorf("dashbox certs:\n%s", out.String())
	}

	client := nameClient(t, d, "dash.test", p.roots(t))
	defer client.CloseIdleConnections()
	resp, err := client.Get("https://dash.test/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Strict-Transport-Security"); got != "max-age=31536000" {
		t.Errorf("HSTS with the ACME certificate: %q", got)
	}
	resp, _ = getURL(t, d.client, d.localhostURL("/"))
	if got := resp.Header.Get("Strict-Transport-Security"); got != "" {
		t.Errorf("HSTS with the local CA's certificate for localhost: %q", got)
	}
}

// acmeStorageKey is certmagic's folder name for Pebble's directory URL.
func acmeStorageKey(p *pebble) string {
	return strings.ReplaceAll(p.listen, ":", "-") + "-dir"
}

// waitCertificate waits until dashbox logs that name has a certificate.
func waitCertificate(t *testing.T, d *dashbox, name string) {
	t.Helper()
	waitLogEvent(t, d, "a certificate for "+name, 1, func(ev map[string]any) bool {
		return ev["msg"] == "certificate" && ev["name"] == name && ev["expires_in"] != nil
	})
}

// waitLogEvent waits for the nth JSON log line that match accepts, for at
// most 30 seconds, and returns it.
func waitLogEvent(t *testing.T, d *dashbox, what string, nth int, match func(map[string]any) bool) map[string]any {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		d.logs.mu.Lock()
		text, changed := d.logs.buf.String(), d.logs.changed
		d.logs.mu.Unlock()
		seen := 0
		for _, line := range scanLines(text) {
			var ev map[string]any
			if json.Unmarshal([]byte(line), &ev) == nil && match(ev) {
				if seen++; seen == nth {
					return ev
				}
			}
		}
		select {
		case <-changed:
		case <-timeout:
			t.Fatalf("timed out waiting for %s; log:\n%s", what, text)
		}
	}
}

func logTime(t *testing.T, ev map[string]any) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339Nano, str(ev["time"]))
	if err != nil {
		t.Fatalf("log time %v: %v", ev["time"], err)
	}
	return at
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// nameClient is a client that reaches dashbox as name (which resolves
// nowhere outside the test) and trusts only roots. Its connections close
// before dashbox stops, so that shutdown does not wait for them.
func nameClient(t *testing.T, d *dashbox, name string, roots *x509.CertPool) *http.Client {
	_, port, _ := net.SplitHostPort(d.httpsAddr)
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots, ServerName: name},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, "127.0.0.1:"+port)
		},
		ForceAttemptHTTP2: true,
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// servedLeaf connects as name and returns the leaf served, after checking
// that the chain verifies against roots.
func servedLeaf(t *testing.T, d *dashbox, name string, roots *x509.CertPool) *x509.Certificate {
	t.Helper()
	conn, err := tls.Dial("tcp", d.httpsAddr, &tls.Config{ServerName: name, RootCAs: roots})
	if err != nil {
		t.Fatalf("handshake for %s verifying against the CA's root: %v", name, err)
	}
	defer conn.Close()
	state := conn.ConnectionState()
	if len(state.VerifiedChains) == 0 {
		t.Fatalf("%s: no verified chain", name)
	}
	return state.PeerCertificates[0]
}

func expectStatus(c *http.Client, url string, want int) error {
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		return &statusError{url: url, got: resp.StatusCode}
	}
	return nil
}

type statusError struct {
	url string
	got int
}

func (e *statusError) Error() string { return e.url + ": status " + strconv.Itoa(e.got) }

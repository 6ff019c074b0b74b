package cmd

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/haproxytest"
	"github.com/dashbox/dashbox/internal/loadgen"
	"github.com/dashbox/dashbox/internal/pgtest"
	"github.com/dashbox/dashbox/pages/demo"
)

// testChildEnv, set in a process's environment, makes the test binary run
// as dashbox (runTestChild) instead of running tests: a real process, as
// a cluster member is, with the test knobs that the production binary has
// no flag for.
const testChildEnv = "TEST_DASHBOX_CHILD"

// The knobs a child reads from its environment (durations).
const (
	childHealthIntervalEnv = "TEST_DASHBOX_CHILD_HEALTH_INTERVAL" // storageHealthInterval
	childRetryEnv          = "TEST_DASHBOX_CHILD_ACME_RETRY"      // tlsTuning.RetryIntervals
	childLeafLifetimeEnv   = "TEST_DASHBOX_CHILD_LEAF_LIFETIME"   // tlsTuning.LocalLeafLifetime
	childRenewCheckEnv     = "TEST_DASHBOX_CHILD_RENEW_CHECK"     // tlsTuning.RenewCheckInterval
)

// runTestChild runs dashbox with os.Args, as cmd/dashbox does, with the
// knobs the parent test set, and exits.
func runTestChild() {
	if d, err := time.ParseDuration(os.Getenv(childHealthIntervalEnv)); err == nil {
		storageHealthInterval = d
	}
	if d, err := time.ParseDuration(os.Getenv(childRetryEnv)); err == nil {
		tlsTuning.RetryIntervals = []time.Duration{d}
	}
	if d, err := time.ParseDuration(os.Getenv(childLeafLifetimeEnv)); err == nil {
		tlsTuning.LocalLeafLifetime = d
	}
	if d, err := time.ParseDuration(os.Getenv(childRenewCheckEnv)); err == nil {
		tlsTuning.RenewCheckInterval = d
	}
	Main(Options{Dashboards: demo.Dashboards()})
	os.Exit(0)
}

// testChildBinary is the running test binary, to start as runTestChild.
func testChildBinary(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return self
}

// Schedules of TestClusterDatabaseOutage's instances (production: a ping
// every 15 s, week-long local leaves, certmagic's maintenance every 10 min).
const (
	outageHealthInterval = 250 * time.Millisecond
	outageLeafLifetime   = 30 * time.Second // renewed 20 s after issuance
	outageRenewCheck     = 500 * time.Millisecond
)

// storageHealth is the "storage" entry of /healthz?details=1 with
// --storage.
type storageHealth struct {
	Backend   string    `json:"backend"`
	Database  string    `json:"database"`
	Reachable bool      `json:"reachable"`
	Since     time.Time `json:"since"`
	Error     string    `json:"error"`
}

// healthDetails asks addr for /healthz?details=1 and returns the status
// code, the "status" field and the storage's state.
func healthDetails(client *http.Client, addr string) (int, string, storageHealth, error) {
	resp, err := client.Get("https://" + addr + "/healthz?details=1")
	if err != nil {
		return 0, "", storageHealth{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return resp.StatusCode, "", storageHealth{}, err
	}
	var answer struct {
		Status  string        `json:"status"`
		Storage storageHealth `json:"storage"`
	}
	if err := json.Unmarshal(body, &answer); err != nil {
		return resp.StatusCode, "", storageHealth{}, fmt.Errorf("%v: %s", err, body)
	}
	return resp.StatusCode, answer.Status, answer.Storage, nil
}

// TestClusterDatabaseOutage: three dashbox processes behind HAProxy (TCP,
// PROXY protocol v2, health checks on /healthz) on one PostgreSQL, with a
// load generator sending requests through HAProxy all along (HTTP/1.1 and
// HTTP/2, kept-alive and new connections, each verifying the local CA's
// chain). PostgreSQL crashes (pg_ctl stop -m immediate) across the moment
// the local CA's leaves fall due for renewal, and is started again; later
// it is stopped cleanly for a few seconds and started again. Throughout:
// no request fails, every /healthz answers 200, details=1 shows the storage
// unreachable with the error while it is and reachable again within a few
// health intervals after, and each instance logs each outage once when it
// starts and once when it ends, however many requests it served meanwhile.
// Certificate work resumes after the outages: the renewal that fell due
// during the crash happens once the database is back, before the old
// leaves expire, and all three instances serve the one renewed leaf; an
// ACME order for dash.test that could not complete before (its challenge
// ports were closed, and during the outages it could not take its lock)
// completes through the shared storage once the ports open.
func TestClusterDatabaseOutage(t *testing.T) {
	pg := pgtest.New(t)
	url := pg.NewDatabase(t, "outage")
	st := postgresStore(t, url)

	// Pebble validates on ports where no balancer listens until the
	// outages are over: until then, every order fails.
	p := startPebble(t, pebbleOptions{})
	const n = 3
	https, plain := make([]string, n), make([]string, n)
	for i := range n {
		ip := fmt.Sprintf("127.0.0.%d", 2+i)
		https[i] = net.JoinHostPort(ip, strconv.Itoa(freePortOn(t, ip)))
		plain[i] = net.JoinHostPort(ip, strconv.Itoa(freePortOn(t, ip)))
	}
	env := []string{testChildEnv + "=1", childHealthIntervalEnv + "=" + outageHealthInterval.String(), childRetryEnv + "=1s",
		childLeafLifetimeEnv + "=" + outageLeafLifetime.String(), childRenewCheckEnv + "=" + outageRenewCheck.String()}
	members := startClusterProcessesOf(t, testChildBinary(t), env, n, st, func(i int) []string {
		return []string{"--https-addr", https[i], "--http-addr", plain[i], "--proxy-protocol", "127.0.0.1",
			"--acme-ca", p.directoryURL(), "--acme-ca-root", p.rootFile, "--domain", "dash.test"}
	})
	t.Cleanup(func() {
		if t.Failed() || os.Getenv("DEBUGLOG") != "" {
			for i, m := range members {
				t.Logf("instance %d log:\n%s", i, m.logs)
			}
		}
	})
	lb := haproxytest.Start(t, haproxytest.Options{Servers: https, ProxyProtocol: true, HealthCheck: true})
	lb.WaitUp(t, 30*time.Second)

	roots := st.rootPool(t)
	// Details come only to loopback clients that connect directly (not
	// from the balancer's address, which must send a PROXY header).
	direct := clusterClient("127.0.0.12", roots, "localhost", nil)
	direct.Timeout = 5 * time.Second
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.12")}, Timeout: 5 * time.Second}
	leafOf := func(i int) *x509.Certificate {
		t.Helper()
		c, err := tls.DialWithDialer(dialer, "tcp", members[i].httpsAddr, &tls.Config{RootCAs: roots, ServerName: "localhost"})
		if err != nil {
			t.Fatalf("instance %d: TLS handshake for localhost: %v", i, err)
		}
		defer c.Close()
		return c.ConnectionState().PeerCertificates[0]
	}
	waitStorage := func(what string, within time.Duration, want func(storageHealth) bool) time.Duration {
		t.Helper()
		start := time.Now()
		for i, m := range members {
			for {
				code, status, h, err := healthDetails(direct, m.httpsAddr)
				if err != nil || code != 200 || status != "ok" {
					t.Fatalf("instance %d: /healthz?details=1 while waiting for %s: %d %q %v", i, what, code, status, err)
				}
				if want(h) {
					break
				}
				if time.Since(start) > within {
					t.Fatalf("instance %d: details show no %s within %s: %+v", i, what, within, h)
				}
				time.Sleep(20 * time.Millisecond) // polling other processes
			}
		}
		return time.Since(start)
	}
	waitStorage("reachable storage at start", 10*time.Second, func(h storageHealth) bool { return h.Reachable })

	first := leafOf(0)
	if life := first.NotAfter.Sub(first.NotBefore); life != outageLeafLifetime {
		t.Fatalf("the local CA's leaf is valid for %s; the test knob asked for %s", life, outageLeafLifetime)
	}
	for i := 1; i < n; i++ {
		if leafOf(i).SerialNumber.Cmp(first.SerialNumber) != 0 {
			t.Fatalf("instance %d serves another localhost leaf than instance 0: the storage is not shared", i)
		}
	}
	// certmagic renews when a third of the lifetime is left.
	due := first.NotAfter.Add(-outageLeafLifetime / 3)

	gen := loadgen.Start(roots, lb.Addr, "https://localhost/healthz")
	stopped := false
	defer func() {
		if !stopped {
			gen.Stop()
		}
	}()
	waitRequests := func(min int) {
		t.Helper()
		poll(t, fmt.Sprintf("%d requests through HAProxy", min), func() bool { return gen.Snapshot().Sent >= min })
	}
	waitRequests(200)

	type outageFigures struct {
		name         string
		length       time.Duration
		sent, failed int
		back         time.Duration
	}
	var figures []outageFigures
	var renewedAfter, renewedBeforeExpiry time.Duration
	for round, outage := range []struct {
		name string
		stop func(testing.TB)
		// begin and end say when the outage begins and when the
		// database is started again.
		begin, end func() time.Time
	}{
		{"crashed (pg_ctl stop -m immediate)", pg.Crash,
			func() time.Time { return due.Add(-3 * time.Second) }, func() time.Time { return due.Add(3 * time.Second) }},
		{"stopped (pg_ctl stop -m fast)", pg.Stop,
			time.Now, func() time.Time { return time.Now().Add(5 * time.Second) }},
	} {
		if begin := outage.begin(); time.Now().Before(begin) {
			// Load goes on meanwhile: this is the time before the outage.
			time.Sleep(time.Until(begin)) // a schedule, not a synchronisation
		}
		before := gen.Snapshot()
		logLines := make([]int, n)
		for i, m := range members {
			logLines[i] = len(scanLines(m.logs.String()))
		}
		began := time.Now()
		end := outage.end()
		outage.stop(t)
		waitStorage("unreachable storage", 5*time.Second, func(h storageHealth) bool {
			return !h.Reachable && h.Error != "" && h.Backend == "postgres" && !h.Since.Before(began.Add(-time.Second))
		})
		// The outage lasts: /healthz stays 200 (waitStorage fails the
		// test otherwise) and requests go on.
		for time.Now().Before(end) {
			waitStorage("unreachable storage", time.Second, func(h storageHealth) bool { return !h.Reachable })
			time.Sleep(100 * time.Millisecond) // the outage's length, not a synchronisation
		}
		if round == 0 {
			// The renewal fell due during the outage and could not
			// happen: every instance still serves the first leaf.
			for i := range n {
				if leafOf(i).SerialNumber.Cmp(first.SerialNumber) != 0 {
					t.Fatalf("instance %d renewed its leaf while the database was down: the outage did not cover the renewal", i)
				}
			}
		}
		pg.Start(t)
		restarted := time.Now()
		back := waitStorage("the storage reachable again", 10*outageHealthInterval+5*time.Second, func(h storageHealth) bool {
			return h.Reachable && h.Error == "" && h.Since.After(restarted.Add(-time.Second))
		})
		if round == 0 {
			// The renewal resumes: one new leaf, issued after the
			// database came back and before the first one expired,
			// served by every instance.
			var renewed *x509.Certificate
			for i := range n {
				for {
					leaf := leafOf(i)
					if leaf.SerialNumber.Cmp(first.SerialNumber) != 0 {
						if renewed == nil {
							renewed = leaf
						} else if leaf.SerialNumber.Cmp(renewed.SerialNumber) != 0 {
							t.Errorf("instance %d serves leaf %s, instance 0 %s: want the one renewal from the shared storage", i, leaf.SerialNumber, renewed.SerialNumber)
						}
						break
					}
					if time.Now().After(first.NotAfter) {
						t.Fatalf("instance %d still serves the leaf that expired at %s, %s after the database came back",
							i, first.NotAfter.Format(time.TimeOnly), time.Since(restarted).Round(time.Millisecond))
					}
					time.Sleep(50 * time.Millisecond) // polling other processes
				}
			}
			renewedAfter, renewedBeforeExpiry = time.Since(restarted), time.Until(first.NotAfter)
			if renewed.NotBefore.Before(restarted.Truncate(time.Second)) {
				t.Errorf("the renewed leaf was issued at %s, before the database came back at %s", renewed.NotBefore, restarted)
			}
		}
		during := gen.Snapshot()
		figures = append(figures, outageFigures{outage.name, restarted.Sub(began), during.Sent - before.Sent, during.Failed - before.Failed, back})
		if during.Sent-before.Sent < 100 {
			t.Errorf("outage %d: only %d requests went through HAProxy: the load generator stalled", round, during.Sent-before.Sent)
		}

		// Each instance said once that the database was gone and once
		// that it was back; the lines it wrote meanwhile do not grow with
		// the requests it served.
		for i, m := range members {
			lines := scanLines(m.logs.String())[logLines[i]:]
			var down, still, up, other int
			for _, line := range lines {
				switch {
				case strings.Contains(line, `"msg":"storage database unreachable;`):
					down++
					if !strings.Contains(line, `"error":`) {
						t.Errorf("instance %d: the outage's log line has no error: %s", i, line)
					}
				case strings.Contains(line, `"msg":"storage database still unreachable;`):
					still++
				case strings.Contains(line, `"msg":"storage database reachable again;`):
					up++
				case strings.Contains(line, `"logger":"certmagic`), strings.Contains(line, `"msg":"certificate`):
					// Certificate work retried on its own schedule (ACME
					// every second, renewal checks every 500 ms here,
					// minutes in production): it grows with the outage's
					// length, not with the requests served.
				default:
					other++
				}
			}
			if down != 1 || still != 0 || up != 1 {
				t.Errorf("instance %d, outage %d: %d 'unreachable', %d 'still unreachable', %d 'reachable again' lines; want 1, 0, 1:\n%s",
					i, round, down, still, up, strings.Join(lines, "\n"))
			}
			if sent := during.Sent - before.Sent; other > 5 || len(lines) > sent/4 {
				t.Errorf("instance %d wrote %d log lines during outage %d, %d of them not certificate work, for %d requests through HAProxy: the log grows with the requests:\n%s",
					i, len(lines), round, other, sent, strings.Join(lines, "\n"))
			}
		}
		waitRequests(during.Sent + 200)
	}

	// The ACME order resumes: the balancers on Pebble's validation ports
	// open, and the order for dash.test, retried once a second by every
	// instance, now completes through the storage (its lock, the shared
	// ACME account and challenge answers, the certificate).
	resumed := time.Now()
	haproxytest.Start(t, haproxytest.Options{Addr: "127.0.0.1:" + strconv.Itoa(p.httpPort), Servers: plain, ProxyProtocol: true, TCPCheck: true})
	haproxytest.Start(t, haproxytest.Options{Addr: "127.0.0.1:" + strconv.Itoa(p.tlsPort), Servers: https, ProxyProtocol: true, HealthCheck: true})
	pebbleRoots := p.roots(t)
	serials := map[string]bool{}
	for i, m := range members {
		poll(t, fmt.Sprintf("instance %d to serve Pebble's certificate for dash.test after the outages", i), func() bool {
			c, err := tls.DialWithDialer(dialer, "tcp", m.httpsAddr, &tls.Config{RootCAs: pebbleRoots, ServerName: "dash.test"})
			if err != nil {
				return false
			}
			defer c.Close()
			serials[c.ConnectionState().PeerCertificates[0].SerialNumber.String()] = true
			return true
		})
	}
	obtained := time.Since(resumed)
	if len(serials) != 1 {
		t.Errorf("the instances serve %d certificates for dash.test; want one, from the shared storage", len(serials))
	}

	waitRequests(gen.Snapshot().Sent + 200)
	total := gen.Stop()
	stopped = true
	for _, f := range figures {
		t.Logf("PostgreSQL %s for %s: %d requests through HAProxy meanwhile, %d failed; details showed it reachable again %s after it was started",
			f.name, f.length.Round(100*time.Millisecond), f.sent, f.failed, f.back.Round(10*time.Millisecond))
	}
	t.Logf("the renewal due during the crash: served by all %d instances %s after the database came back, %s before the old leaf expired",
		n, renewedAfter.Round(10*time.Millisecond), renewedBeforeExpiry.Round(100*time.Millisecond))
	t.Logf("dash.test obtained and served by all %d instances %s after the challenge ports opened", n, obtained.Round(100*time.Millisecond))
	t.Logf("whole run: %s", total)
	if total.Failed != 0 {
		t.Errorf("%d of %d requests through HAProxy failed across the outages: %v", total.Failed, total.Sent, total.Errors)
	}
}

package cmd

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
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

// outageHealthInterval is how often the cluster's instances ping the
// database in TestClusterDatabaseOutage (production: every 15 s).
const outageHealthInterval = 250 * time.Millisecond

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
// HTTP/2, kept-alive and new connections). PostgreSQL is stopped for a few
// seconds, then started; later it crashes (no clean shutdown) and is
// started again. Throughout: no request fails, every /healthz answers 200,
// details=1 shows the storage unreachable with the error while it is, and
// reachable again within a few health intervals after; each instance logs
// each outage once when it starts and once when it ends, however many
// requests it served meanwhile. Then certificate work that needs the
// storage resumes: an ACME order for dash.test, failing until then (its
// challenges could not be answered, and during the outages it could not
// even take its lock), completes through the shared storage, and all three
// instances serve the one certificate.
func TestClusterDatabaseOutage(t *testing.T) {
	pg := pgtest.New(t)
	url := pg.NewDatabase(t, "outage")
	var mu sync.Mutex
	dirs := map[int]string{}
	st := clusterStore{
		stateDir: func(i int) string {
			mu.Lock()
			defer mu.Unlock()
			if dirs[i] == "" {
				dirs[i] = t.TempDir()
			}
			return dirs[i]
		},
		args:   []string{"--storage", url},
		caArgs: []string{"--storage", url},
	}

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
	env := []string{testChildEnv + "=1", childHealthIntervalEnv + "=" + outageHealthInterval.String(), childRetryEnv + "=1s"}
	members := startClusterProcessesOf(t, testChildBinary(t), env, n, st, func(i int) []string {
		return []string{"--https-addr", https[i], "--http-addr", plain[i], "--proxy-protocol", "127.0.0.1",
			"--acme-ca", p.directoryURL(), "--acme-ca-root", p.rootFile, "--domain", "dash.test"}
	})
	lb := haproxytest.Start(t, haproxytest.Options{Servers: https, ProxyProtocol: true, HealthCheck: true})
	lb.WaitUp(t, 30*time.Second)

	roots := st.rootPool(t)
	// Details come only to loopback clients that connect directly.
	direct := clusterClient("127.0.0.12", roots, "localhost", nil)
	direct.Timeout = 5 * time.Second
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

	const outageLength = 5 * time.Second
	type outageFigures struct {
		name         string
		sent, failed int
		back         time.Duration
	}
	var figures []outageFigures
	for round, outage := range []struct {
		name string
		stop func(testing.TB)
	}{{"stopped (pg_ctl stop -m fast)", pg.Stop}, {"crashed (pg_ctl stop -m immediate)", pg.Crash}} {
		before := gen.Snapshot()
		logLines := make([]int, n)
		for i, m := range members {
			logLines[i] = len(scanLines(m.logs.String()))
		}
		began := time.Now()
		outage.stop(t)
		waitStorage("unreachable storage", 5*time.Second, func(h storageHealth) bool {
			return !h.Reachable && h.Error != "" && h.Backend == "postgres" && !h.Since.Before(began.Add(-time.Second))
		})
		// The outage lasts: /healthz stays 200 (waitStorage fails the
		// test otherwise) and requests go on.
		for time.Since(began) < outageLength {
			waitStorage("unreachable storage", time.Second, func(h storageHealth) bool { return !h.Reachable })
			time.Sleep(100 * time.Millisecond) // the outage's length, not a synchronisation
		}
		pg.Start(t)
		restarted := time.Now()
		back := waitStorage("the storage reachable again", 10*outageHealthInterval+5*time.Second, func(h storageHealth) bool {
			return h.Reachable && h.Error == "" && h.Since.After(restarted.Add(-time.Second))
		})
		during := gen.Snapshot()
		figures = append(figures, outageFigures{outage.name, during.Sent - before.Sent, during.Failed - before.Failed, back})
		if during.Sent-before.Sent < 100 {
			t.Errorf("outage %d: only %d requests went through HAProxy: the load generator stalled", round, during.Sent-before.Sent)
		}

		// Each instance said once that the database was gone and once
		// that it was back; the lines it wrote meanwhile do not grow with
		// the requests it served.
		for i, m := range members {
			lines := scanLines(m.logs.String())[logLines[i]:]
			var down, still, up int
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
				}
			}
			if down != 1 || still != 0 || up != 1 {
				t.Errorf("instance %d, outage %d: %d 'unreachable', %d 'still unreachable', %d 'reachable again' lines; want 1, 0, 1:\n%s",
					i, round, down, still, up, strings.Join(lines, "\n"))
			}
			// The ACME retries (one a second) and their lock and storage
			// errors account for the lines: a few dozen, not one per
			// request.
			if len(lines) > 100 {
				t.Errorf("instance %d wrote %d log lines during outage %d (%d requests through HAProxy):\n%s",
					i, len(lines), round, during.Sent-before.Sent, strings.Join(lines, "\n"))
			}
		}
		waitRequests(during.Sent + 200)
	}

	// Certificate work resumes: the balancers on Pebble's validation
	// ports open, and the order for dash.test, retried once a second by
	// every instance, now completes through the storage (its lock, the
	// shared ACME account and challenge answers, the certificate).
	resumed := time.Now()
	haproxytest.Start(t, haproxytest.Options{Addr: "127.0.0.1:" + strconv.Itoa(p.httpPort), Servers: plain, ProxyProtocol: true, TCPCheck: true})
	haproxytest.Start(t, haproxytest.Options{Addr: "127.0.0.1:" + strconv.Itoa(p.tlsPort), Servers: https, ProxyProtocol: true, HealthCheck: true})
	pebbleRoots := p.roots(t)
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.12")}, Timeout: 5 * time.Second}
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
			f.name, outageLength, f.sent, f.failed, f.back.Round(10*time.Millisecond))
	}
	t.Logf("whole run: %s", total)
	t.Logf("dash.test obtained and served by all %d instances %s after the challenge ports opened", n, obtained.Round(100*time.Millisecond))
	if total.Failed != 0 {
		t.Errorf("%d of %d requests through HAProxy failed across the outages: %v", total.Failed, total.Sent, total.Errors)
	}
	if t.Failed() {
		for i, m := range members {
			t.Logf("instance %d log:\n%s", i, m.logs)
		}
	}
}

package cmd

// The attack suite (issue 12): the real dashbox binary, started as a user
// starts it, attacked over loopback while a well-behaved client keeps
// loading pages. Each attack runs against its own fresh process, so that
// the process's peak RSS (VmHWM) and CPU time are the attack's own. Every
// attack is bounded in count and in time, and the process is killed when
// its attack ends, so an attack that runs away on an unfixed binary costs
// the machine no more than its bound.
//
// DASHBOX_ATTACK_BINARY=path attacks that binary instead of the one the
// other tests build (for before/after comparisons); DASHBOX_ATTACK_REPORT=
// path writes the figures as JSON besides the Markdown table in the log.

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dashbox/dashbox/auth"
)

// Targets every row of the table must meet (issue 12).
const (
	// maxAttackRSS is the peak resident memory dashbox may reach under any
	// attack.
	maxAttackRSS = 256 << 20
	// maxPasswordChecks is how many passwords one address may have checked
	// a minute.
	maxPasswordChecks = 10
	// maxErrorBody bounds the body of an answer to hostile input.
	maxErrorBody = 64 << 10
)

// attackSpec is one row of the table: how to start the server and how to
// attack it.
type attackSpec struct {
	name string
	// args and env are added to dashbox's command line and environment.
	args, env []string
	// login starts dashbox with --auth-file and gives the good client the
	// valid credentials; the good client then connects from the
	// attacker's address (an office behind one NAT), not goodAddr.
	login bool
	// bound is the most the attack may take; its run must return by then.
	bound time.Duration
	run   func(t *testing.T, ctx context.Context, tgt *attackTarget, row *attackRow)
}

// attackTarget is a server under attack, as the attacks and the good client
// see it.
type attackTarget struct {
	// server is "dashbox" or "nginx".
	server string
	// addr is the HTTPS listener, 127.0.0.1:port.
	addr string
	// roots trusts the server's certificate.
	roots *tls.Config
	// pid is the process measured (nginx: its worker).
	pid int
	// exited is closed when the server process ends.
	exited <-chan struct{}
	// logTail returns the last lines the server logged, for failures.
	logTail func() string
	// logged counts the server's log lines by message (dashbox only).
	logged func(msg string) int
	// goodPaths are what the good client loads.
	goodPaths []string
	// user and password are valid credentials, when a login is needed.
	user, password string
}

func (tgt *attackTarget) url(path string) string { return "https://" + tgt.addr + path }

// tlsConfig is a fresh client configuration trusting the server, offering
// protos by ALPN.
func (tgt *attackTarget) tlsConfig(protos ...string) *tls.Config {
	c := tgt.roots.Clone()
	c.NextProtos = protos
	// For tls.Client on a raw connection; verified against the IP SAN.
	c.ServerName, _, _ = net.SplitHostPort(tgt.addr)
	return c
}

// client is an HTTP client for attacks: HTTP/2 when h2, else HTTP/1.1,
// keeping connections alive, with a per-request timeout.
func (tgt *attackTarget) client(h2 bool, timeout time.Duration) *http.Client {
	tr := &http.Transport{TLSClientConfig: tgt.tlsConfig(), ForceAttemptHTTP2: h2, MaxIdleConnsPerHost: 64,
		DisableCompression: true}
	if !h2 {
		tr.TLSClientConfig.NextProtos = []string{"http/1.1"}
		tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	}
	return &http.Client{Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// alive reports whether the server process still runs.
func (tgt *attackTarget) alive() bool {
	select {
	case <-tgt.exited:
		return false
	default:
		return true
	}
}

// attackRow is one attack's figures, as the table and the JSON report give
// them.
type attackRow struct {
	Attack string `json:"attack"`
	Server string `json:"server"`
	// Size says how big the attack was, in words; Requests, Connections
	// and Bytes are its counts (what was sent, whatever the answer).
	Size        string `json:"size"`
	Requests    int64  `json:"requests"`
	Connections int64  `json:"connections"`
	Bytes       int64  `json:"bytes_sent"`
	// PeakRSSMiB is the server's VmHWM after the attack (the process is
	// fresh, so it is the attack's peak); SampledRSSMiB the highest VmRSS
	// sampled during it.
	PeakRSSMiB    float64 `json:"peak_rss_mib"`
	SampledRSSMiB float64 `json:"sampled_rss_mib"`
	PeakFDs       int     `json:"peak_fds"`
	// CPUSeconds is the server's utime+stime during the attack.
	CPUSeconds float64 `json:"cpu_seconds"`
	Seconds    float64 `json:"seconds"`
	// Good* are the well-behaved client's figures during the attack.
	GoodRequests int     `json:"good_requests"`
	GoodErrors   int     `json:"good_errors"`
	GoodP99Ms    float64 `json:"good_p99_ms"`
	// Outcome counts what the attacker saw: statuses, closes, errors.
	Outcome  map[string]int64 `json:"outcome"`
	Failures []string         `json:"failures,omitempty"`
	// MoreFailures counts the failures past the first maxFailures, which
	// are neither kept nor logged.
	MoreFailures int `json:"more_failures,omitempty"`

	// informative rows log their failures instead of failing the test:
	// another server's figures for comparison.
	informative bool

	mu sync.Mutex
}

// count adds n to an outcome.
func (r *attackRow) count(outcome string, n int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.Outcome == nil {
		r.Outcome = map[string]int64{}
	}
	r.Outcome[outcome] += n
}

func (r *attackRow) outcome(name string) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.Outcome[name]
}

// maxFailures is how many distinct failures a row keeps and logs: an
// unfixed binary fails the same way hundreds of times.
const maxFailures = 20

// errorf fails the test and keeps the message for the report. Repeated
// messages are kept once; past maxFailures they are only counted.
func (r *attackRow) errorf(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	r.mu.Lock()
	log := false
	switch {
	case slices.Contains(r.Failures, msg):
	case len(r.Failures) < maxFailures:
		r.Failures = append(r.Failures, msg)
		log = true
	default:
		r.MoreFailures++
	}
	r.mu.Unlock()
	switch {
	case r.informative:
		if log {
			t.Log("target missed: " + msg)
		}
	case log:
		t.Error(msg)
	default:
		t.Fail()
	}
}

// attackReport collects the rows of one run.
type attackReport struct {
	Binary string `json:"binary"`
	Date   string `json:"date"`
	CPUs   int    `json:"cpus"`
	// LoadAvg is /proc/loadavg at the start and the end: the figures
	// of a busy machine are not those of an idle one.
	LoadAvg []string     `json:"loadavg"`
	Rows    []*attackRow `json:"rows"`
	mu      sync.Mutex
}

func (rep *attackReport) add(r *attackRow) {
	rep.mu.Lock()
	defer rep.mu.Unlock()
	rep.Rows = append(rep.Rows, r)
}

// markdown is the table docs/security.md shows.
func (rep *attackReport) markdown() string {
	var b strings.Builder
	b.WriteString("| attack | server | size | peak RSS | CPU s | good client p99 | good client errors | failures |\n")
	b.WriteString("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |\n")
	for _, r := range rep.Rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %.1f MiB | %.2f | %.0f ms | %d of %d | %d |\n", r.Attack, r.Server, r.Size,
			r.PeakRSSMiB, r.CPUSeconds, r.GoodP99Ms, r.GoodErrors, r.GoodRequests, len(r.Failures)+r.MoreFailures)
	}
	return b.String()
}

// finish logs the table and writes the JSON report when
// DASHBOX_ATTACK_REPORT names a file.
func (rep *attackReport) finish(t *testing.T) {
	rep.LoadAvg = append(rep.LoadAvg, loadAvg())
	t.Logf("attack table (%s, load average %s):\n%s", rep.Binary, strings.Join(rep.LoadAvg, " -> "), rep.markdown())
	for _, r := range rep.Rows {
		t.Logf("%s: %s; outcome %v", r.Attack, r.Size, r.Outcome)
	}
	path := os.Getenv("DASHBOX_ATTACK_REPORT")
	if path == "" {
		return
	}
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		t.Fatalf("writing the attack report: %v", err)
	}
}

// attackBinary is $DASHBOX_ATTACK_BINARY, else the binary the other
// process tests use.
func attackBinary(t *testing.T) string {
	if bin := os.Getenv("DASHBOX_ATTACK_BINARY"); bin != "" {
		abs, err := filepath.Abs(bin)
		if err != nil {
			t.Fatal(err)
		}
		return abs
	}
	return mustBinary(t)
}

// The good client's credentials under --auth-file.
const (
	attackUser     = "alice"
	attackPassword = "correct horse battery staple"
)

// startDashboxTarget starts bin serving on a free loopback port with a fresh
// state directory, the access log off (the attacks would fill a pipe with
// it), and waits until it serves. The test's cleanup kills it.
func startDashboxTarget(t *testing.T, bin string, spec attackSpec) *attackTarget {
	t.Helper()
	state := t.TempDir()
	args := []string{"serve", "--https-addr", "127.0.0.1:0", "--http-addr", "", "--log-format", "json",
		"--state-dir", state, "--access-log", "off"}
	tgt := &attackTarget{server: "dashbox", goodPaths: []string{"/healthz", "/apps/app0"}}
	if spec.login {
		file := filepath.Join(t.TempDir(), "htpasswd")
		// auth.MinCost (10), the lowest cost dashbox passwd accepts: a
		// check takes tens of milliseconds, slow enough next to the
		// burst's arrival that an unfixed limiter lets most of the 600
		// through, where dashbox passwd's default 12 (a quarter of a
		// second each) would hold an unfixed binary for minutes on two
		// cores.
		if _, err := auth.SetPassword(file, attackUser, []byte(attackPassword), auth.MinCost); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--auth-file", file)
		tgt.user, tgt.password = attackUser, attackPassword
	}
	args = append(args, spec.args...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append([]string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir()}, spec.env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	serving := make(chan string, 1)
	tail := &logTail{max: 40}
	msgs := &msgCounts{n: map[string]int{}}
	go func() {
		defer close(exited)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			tail.add(line)
			var ev struct{ Msg string }
			if json.Unmarshal([]byte(line), &ev) == nil {
				msgs.add(ev.Msg)
			}
			if !sent && strings.Contains(line, `"msg":"serving"`) {
				serving <- line
				sent = true
			}
		}
		io.Copy(io.Discard, stderr)
		cmd.Wait()
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	tgt.pid, tgt.exited, tgt.logTail, tgt.logged = cmd.Process.Pid, exited, tail.String, msgs.get
	select {
	case line := <-serving:
		var ev struct{ HTTPS string }
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatal(err)
		}
		tgt.addr = ev.HTTPS
	case <-exited:
		t.Fatalf("dashbox exited before serving:\n%s", tail.String())
	case <-time.After(time.Minute):
		t.Fatalf("dashbox did not serve within a minute:\n%s", tail.String())
	}
	tgt.roots = &tls.Config{RootCAs: mustRootPool(t, state)}
	return tgt
}

// logTail keeps the last lines of a log.
type logTail struct {
	mu    sync.Mutex
	max   int
	lines []string
}

func (l *logTail) add(line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.lines) == l.max {
		l.lines = l.lines[1:]
	}
	l.lines = append(l.lines, line)
}

func (l *logTail) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// msgCounts counts log lines by message.
type msgCounts struct {
	mu sync.Mutex
	n  map[string]int
}

func (m *msgCounts) add(msg string) { m.mu.Lock(); m.n[msg]++; m.mu.Unlock() }

func (m *msgCounts) get(msg string) int { m.mu.Lock(); defer m.mu.Unlock(); return m.n[msg] }

// procStats are a process's figures from /proc.
type procStats struct {
	rss, hwm int64 // bytes
	cpu      float64
	fds      int
}

// clockTicks is USER_HZ, 100 on every Linux architecture Go supports.
const clockTicks = 100

func readProc(pid int) (procStats, error) {
	var s procStats
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		name, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		kb, _ := strconv.ParseInt(f[0], 10, 64)
		switch name {
		case "VmRSS":
			s.rss = kb << 10
		case "VmHWM":
			s.hwm = kb << 10
		}
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, err
	}
	// The command name may hold spaces: fields count from after its ')'.
	i := strings.LastIndexByte(string(stat), ')')
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return s, fmt.Errorf("short /proc/%d/stat", pid)
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	s.cpu = float64(utime+stime) / clockTicks
	if fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid)); err == nil {
		s.fds = len(fds)
	}
	return s, nil
}

// sampler records the highest VmRSS and open-file count of pid until
// stopped.
type sampler struct {
	maxRSS int64
	maxFDs int
	stop   chan struct{}
	done   chan struct{}
}

func startSampler(pid int) *sampler {
	s := &sampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			if p, err := readProc(pid); err == nil {
				s.maxRSS = max(s.maxRSS, p.rss)
				s.maxFDs = max(s.maxFDs, p.fds)
			}
			select {
			case <-s.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

func (s *sampler) finish() { close(s.stop); <-s.done }

// goodAddr is the good client's own address, the attacker's being
// 127.0.0.1: limits per client address (a share of the connection cap) are
// meant to spare other clients, not the attacker's neighbours.
var goodAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}

// goodClient is a well-behaved visitor: it keeps loading the target's good
// paths, each on a new connection (a newcomer, who needs a free connection
// slot and a TLS handshake), about 20 times a second, from goodAddr unless
// sameAddr.
type goodClient struct {
	tgt      *attackTarget
	sameAddr bool
	// jar keeps cookies across its connections, as a browser does.
	jar  http.CookieJar
	mu   sync.Mutex
	lats []time.Duration
	errs []string
	n    int
}

// goodTimeout is how long one page load may take before it counts as
// failed: a person gives up sooner.
const goodTimeout = 10 * time.Second

func (g *goodClient) run(ctx context.Context) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; i++ {
		path := g.tgt.goodPaths[i%len(g.tgt.goodPaths)]
		start := time.Now()
		err := g.load(ctx, path)
		if ctx.Err() != nil {
			return // the attack ended during the request: not the server's fault
		}
		g.mu.Lock()
		g.n++
		g.lats = append(g.lats, time.Since(start))
		if err != nil {
			g.errs = append(g.errs, fmt.Sprintf("%s after %v: %v", path, time.Since(start).Round(time.Millisecond), err))
		}
		g.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// load fetches path once on a fresh connection and wants a 200.
func (g *goodClient) load(ctx context.Context, path string) error {
	tr := &http.Transport{TLSClientConfig: g.tgt.tlsConfig(), ForceAttemptHTTP2: true, DisableKeepAlives: true}
	if !g.sameAddr {
		tr.DialContext = (&net.Dialer{LocalAddr: goodAddr}).DialContext
	}
	defer tr.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(ctx, goodTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", g.tgt.url(path), nil)
	if err != nil {
		return err
	}
	if g.tgt.user != "" {
		req.SetBasicAuth(g.tgt.user, g.tgt.password)
	}
	c := &http.Client{Transport: tr, Jar: g.jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return fmt.Errorf("reading the body: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %s", resp.Status)
	}
	return nil
}

// p99 is the 99th percentile of the latencies, in milliseconds.
func p99(lats []time.Duration) float64 {
	if len(lats) == 0 {
		return 0
	}
	s := slices.Clone(lats)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(math.Ceil(0.99*float64(len(s)))) - 1
	return float64(s[i]) / float64(time.Millisecond)
}

// measure runs one attack against tgt with the good client alongside, and
// fills in the row's figures and the checks every attack shares.
func measure(t *testing.T, spec attackSpec, tgt *attackTarget, row *attackRow) {
	t.Helper()
	// The good client must be able to load its pages before the attack,
	// and under --auth-file this is the login that "already succeeded".
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	g0 := &goodClient{tgt: tgt, sameAddr: spec.login, jar: jar}
	for _, p := range tgt.goodPaths {
		if err := g0.load(context.Background(), p); err != nil {
			t.Fatalf("before the attack: %v\n%s", err, tgt.logTail())
		}
	}
	before, err := readProc(tgt.pid)
	if err != nil {
		t.Fatal(err)
	}
	smp := startSampler(tgt.pid)
	ctx, cancel := context.WithTimeout(context.Background(), spec.bound)
	defer cancel()
	goodCtx, stopGood := context.WithCancel(ctx)
	g := &goodClient{tgt: tgt, sameAddr: spec.login, jar: jar}
	goodDone := make(chan struct{})
	go func() { defer close(goodDone); g.run(goodCtx) }()

	start := time.Now()
	spec.run(t, ctx, tgt, row)
	row.Seconds = time.Since(start).Seconds()
	stopGood()
	<-goodDone
	smp.finish()
	if row.Seconds > spec.bound.Seconds()+5 {
		row.errorf(t, "the attack took %.1f s, past its bound of %v", row.Seconds, spec.bound)
	}

	if !tgt.alive() {
		row.errorf(t, "%s died during the attack:\n%s", tgt.server, tgt.logTail())
		return
	}
	after, err := readProc(tgt.pid)
	if err != nil {
		t.Fatal(err)
	}
	row.PeakRSSMiB = float64(after.hwm) / (1 << 20)
	row.SampledRSSMiB = float64(smp.maxRSS) / (1 << 20)
	row.PeakFDs = smp.maxFDs
	row.CPUSeconds = after.cpu - before.cpu
	row.GoodRequests, row.GoodErrors, row.GoodP99Ms = g.n, len(g.errs), p99(g.lats)
	if after.hwm > maxAttackRSS {
		row.errorf(t, "%s's peak RSS reached %.0f MiB, past %d MiB", tgt.server, row.PeakRSSMiB, maxAttackRSS>>20)
	}
	if len(g.errs) > 0 {
		row.errorf(t, "the good client had %d failed requests of %d, such as: %s", len(g.errs), g.n,
			strings.Join(g.errs[:min(3, len(g.errs))], "; "))
	}
	if g.n == 0 {
		row.errorf(t, "the good client made no request during the attack")
	}
}

// dashboxAttacks are the rows of the table, in its order.
var dashboxAttacks = []attackSpec{
	deepJSONAttack,
	manyRangesAttack,
	slowlorisAttack,
	slowReadAttack,
	rapidResetAttack,
	continuationAttack,
	loginAttack,
	connFloodAttack,
}

// TestAttack runs every attack against the real binary. It fails where a
// defence is missing, and logs the attack table either way.
func TestAttack(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the figures come from /proc")
	}
	bin := attackBinary(t)
	rep := &attackReport{Binary: bin, Date: time.Now().UTC().Format(time.RFC3339), CPUs: runtime.NumCPU(), LoadAvg: []string{loadAvg()}}
	for _, spec := range dashboxAttacks {
		t.Run(spec.name, func(t *testing.T) {
			row := &attackRow{Attack: spec.name, Server: "dashbox"}
			rep.add(row)
			tgt := startDashboxTarget(t, bin, spec)
			measure(t, spec, tgt, row)
		})
	}
	rep.finish(t)
}

// loadAvg is the machine's load average over 1, 5 and 15 minutes.
func loadAvg() string {
	data, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(data))
	return strings.Join(f[:min(3, len(f))], " ")
}

// dialTLS opens a TLS connection to tgt offering protos, bounded by ctx.
func dialTLS(ctx context.Context, tgt *attackTarget, protos ...string) (*tls.Conn, error) {
	d := &tls.Dialer{Config: tgt.tlsConfig(protos...)}
	c, err := d.DialContext(ctx, "tcp", tgt.addr)
	if err != nil {
		return nil, err
	}
	return c.(*tls.Conn), nil
}

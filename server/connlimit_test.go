package server

import (
	"bufio"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/testenv"
)

// fakeClock is a settable time source for the limiter.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// idleEvents receives a value each time a test server's connection goes
// idle: the server records that after the client may have read the
// response.
var idleEvents = make(chan struct{}, 1000)

// limitedServer serves plain HTTP on a loopback listener capped at max, and
// reports each connection the server has closed on the returned channel.
func limitedServer(t *testing.T, max, perAddr int, logger *slog.Logger) (*connLimiter, *fakeClock, <-chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	l := newConnLimiter(ln, "test", max, logger)
	l.perAddr = perAddr
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l.now = clock.now
	closed := make(chan struct{}, 100)
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }),
		ConnState: func(c net.Conn, s http.ConnState) {
			l.ConnState(c, s)
			switch s {
			case http.StateClosed:
				closed <- struct{}{}
			case http.StateIdle:
				select {
				case idleEvents <- struct{}{}:
				default:
				}
			}
		},
		ReadHeaderTimeout: time.Minute,
	}
	done := make(chan struct{})
	go func() { srv.Serve(l); close(done) }()
	t.Cleanup(func() { srv.Close(); <-done })
	return l, clock, closed
}

// client is a raw keep-alive HTTP/1.1 connection.
type client struct {
	net.Conn
	r *bufio.Reader
}

func dial(t *testing.T, l *connLimiter, from string) *client {
	t.Helper()
	c, err := tryDial(t, l, from)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func tryDial(t *testing.T, l *connLimiter, from string) (*client, error) {
	d := net.Dialer{Timeout: 5 * time.Second}
	if from != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(from)}
	}
	c, err := d.Dial("tcp", l.Addr().String())
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { c.Close() })
	return &client{c, bufio.NewReader(c)}, nil
}

// refused asserts that a new connection is closed promptly by the server
// without an answer: the reset may even reach the dial.
func refused(t *testing.T, l *connLimiter, from, what string) {
	t.Helper()
	c, err := tryDial(t, l, from)
	if err != nil {
		if !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("%s: dial: %v, want success or a reset", what, err)
		}
		return
	}
	c.closedByServer(t, what)
}

// get sends one request and returns the response's status, or an error
// when the server closed the connection.
func (c *client) get() (int, error) {
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: test\r\n\r\n"); err != nil {
		return 0, err
	}
	resp, err := http.ReadResponse(c.r, nil)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// mustGet asserts that a request on c gets 200.
func (c *client) mustGet(t *testing.T, what string) {
	t.Helper()
	if status, err := c.get(); err != nil || status != 200 {
		t.Fatalf("%s: status %d, err %v; want 200", what, status, err)
	}
}

// closedByServer asserts that the server closes c promptly without
// answering: a read ends with EOF or a reset, not the deadline.
func (c *client) closedByServer(t *testing.T, what string) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := c.r.ReadByte()
	if err == nil {
		t.Fatalf("%s: read byte %q, want the connection closed", what, n)
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("%s: still open after 10 s, want it closed at once", what)
	}
}

func (l *connLimiter) count() int { l.mu.Lock(); defer l.mu.Unlock(); return len(l.open) }

// TestConnLimitRefusesPastCap: with N connections open, the next ones are
// closed at once; the N keep working; when one closes, a new one gets in.
func TestConnLimitRefusesPastCap(t *testing.T) {
	const max, extra = 4, 3
	l, _, closed := limitedServer(t, max, 0, nil)
	var first []*client
	for range max {
		c := dial(t, l, "")
		c.mustGet(t, "connection within the cap")
		first = append(first, c)
	}
	for range extra {
		refused(t, l, "", "connection past the cap")
	}
	for _, c := range first {
		c.mustGet(t, "connection within the cap, after the flood")
	}
	first[0].Close()
	<-closed // the server has freed its slot
	if n := l.count(); n != max-1 {
		t.Fatalf("%d connections counted, want %d", n, max-1)
	}
	dial(t, l, "").mustGet(t, "new connection after one closed")
}

// TestConnLimitPerAddress: one address gets no more than its share; another
// address still gets in.
func TestConnLimitPerAddress(t *testing.T) {
	l, _, _ := limitedServer(t, 10, 2, nil)
	for range 2 {
		dial(t, l, "127.0.0.1").mustGet(t, "within the per-address cap")
	}
	refused(t, l, "127.0.0.1", "past the per-address cap")
	dial(t, l, "127.0.0.2").mustGet(t, "another address")
}

// TestConnLimitClosesIdleNearCap: from 3/4 of the cap, keep-alive
// connections idle for 5 s and connections that sent nothing for 5 s are
// closed; busy and recent ones are not.
func TestConnLimitClosesIdleNearCap(t *testing.T) {
	l, clock, _ := limitedServer(t, 8, 0, nil) // pressure from 6 open
	// Connects, never sends a request. The server accepts in order, so it
	// has this one once it answers the next.
	silent := dial(t, l, "")
	for len(idleEvents) > 0 {
		<-idleEvents
	}
	var old []*client
	for range 3 {
		c := dial(t, l, "")
		c.mustGet(t, "keep-alive")
		old = append(old, c)
	}
	for range 3 {
		<-idleEvents
	}
	clock.add(6 * time.Second)
	// Below the pressure mark nothing is closed, however long idle.
	recent := dial(t, l, "")
	recent.mustGet(t, "keep-alive, recent")
	for _, c := range old {
		c.mustGet(t, "old keep-alive below the pressure mark")
	}
	for range 4 { // recent and the old ones are idle from now on
		<-idleEvents
	}
	clock.add(6 * time.Second)
	recent.mustGet(t, "keep-alive, recent") // idle again, from now
	// The 6th connection reaches the mark: the sweep closes the three
	// keep-alives idle since 6 s and the silent one, not the recent one.
	dial(t, l, "")
	dial(t, l, "").mustGet(t, "the connection after the sweep")
	for _, c := range old {
		c.closedByServer(t, "keep-alive idle for 6 s near the cap")
	}
	silent.closedByServer(t, "silent connection near the cap")
	recent.mustGet(t, "keep-alive idle for 0 s near the cap")
}

// TestConnLimitLogsRefusalsOncePerMinute: a flood gets one log line at
// once and then one a minute, each with the number refused since the last.
func TestConnLimitLogsRefusalsOncePerMinute(t *testing.T) {
	var log testenv.SyncBuffer
	l, clock, _ := limitedServer(t, 1, 0, slog.New(slog.NewTextHandler(&log, nil)))
	first := dial(t, l, "")
	first.mustGet(t, "the one connection")
	for range 3 {
		refused(t, l, "", "past the cap")
	}
	if n := strings.Count(log.String(), "refusing connections"); n != 1 {
		t.Fatalf("%d log lines for 3 refusals within a minute, want 1:\n%s", n, log.String())
	}
	if !strings.Contains(log.String(), "refused=1 ") {
		t.Errorf("first line does not count 1 refusal:\n%s", log.String())
	}
	clock.add(61 * time.Second)
	first.mustGet(t, "the one connection, busy") // not idle: the sweep keeps it
	refused(t, l, "", "past the cap, a minute later")
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], "refused=3 ") {
		t.Fatalf("after a minute, want a second line counting the 3 refused since the first:\n%s", log.String())
	}
}

// TestConnLimitStateThroughTLS: the hook finds the limiter's connection
// under a *tls.Conn, which is what an HTTPS server reports.
func TestConnLimitStateThroughTLS(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := newConnLimiter(ln, "test", 2, slog.New(slog.DiscardHandler))
	defer l.Close()
	go func() {
		if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
			defer c.Close()
			io.Copy(io.Discard, c)
		}
	}()
	c, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	l.ConnState(tls.Server(c, &tls.Config{}), http.StateIdle)
	if s := http.ConnState(c.(*limitedConn).state.Load()); s != http.StateIdle {
		t.Fatalf("state %v, want idle", s)
	}
}

func TestAddrKey(t *testing.T) {
	for _, tc := range []struct{ addr, want string }{
		{"192.0.2.7:443", "192.0.2.7/32"},
		{"[::ffff:192.0.2.7]:443", "192.0.2.7/32"},
		{"[2001:db8:1:2:3:4:5:6]:443", "2001:db8:1:2::/64"},
	} {
		a, _ := net.ResolveTCPAddr("tcp", tc.addr)
		if got := addrKey(a).String(); got != tc.want {
			t.Errorf("addrKey(%s) = %s, want %s", tc.addr, got, tc.want)
		}
	}
}

// TestServeConnectionCap: through Serve, over TLS and HTTP/2, a flood of
// silent connections from one address past its share is reset at once and
// logged, while a client's open connection keeps being served.
func TestServeConnectionCap(t *testing.T) {
	var logs testenv.SyncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	ln, client, _ := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Proto)
	}), Config{MaxConnections: 8, Logger: logger}) // 4 per address
	url := "https://" + ln.HTTPSAddr().String() + "/"
	getOK := func(what string) {
		t.Helper()
		resp, err := client.Get(url)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != "HTTP/2.0" {
			t.Fatalf("%s: %d %q, want 200 over HTTP/2", what, resp.StatusCode, body)
		}
	}
	getOK("before the flood")
	const flood = 10
	conns := make([]net.Conn, flood)
	for i := range conns {
		c, err := net.Dial("tcp", ln.HTTPSAddr().String())
		if err != nil {
			if errors.Is(err, syscall.ECONNRESET) && i >= 3 {
				continue // reset before the dial returned
			}
			t.Fatal(err)
		}
		defer c.Close()
		conns[i] = c
	}
	// The client holds one slot, the first 3 silent connections the rest
	// of the address's 4; the server accepts in order.
	for i, c := range conns[3:] {
		if c == nil {
			continue
		}
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("flood connection %d: read %v, want it reset at once", i+3, err)
		}
	}
	getOK("during the flood")
	if out := logs.String(); !strings.Contains(out, "refusing connections past the cap") || !strings.Contains(out, "listener=https") {
		t.Errorf("the refusals were not logged:\n%s", out)
	}
}

// TestServeWarnsAboutOpenFileLimit: a cap the open-file limit cannot hold
// is logged at start.
func TestServeWarnsAboutOpenFileLimit(t *testing.T) {
	if _, ok := openFileLimit(); !ok {
		t.Skip("no open-file limit here")
	}
	var logs testenv.SyncBuffer
	_, _, stop := startServer(t, http.NotFoundHandler(), Config{MaxConnections: 1 << 40, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	stop()
	if !strings.Contains(logs.String(), "open-file limit is below") {
		t.Errorf("no warning for a cap of 2^40 connections:\n%s", logs.String())
	}
}

// TestConnLimitClosesIdleNearAddressShare: an address near its share has
// its own idle connections closed sooner, and no one else's.
func TestConnLimitClosesIdleNearAddressShare(t *testing.T) {
	l, clock, _ := limitedServer(t, 100, 4, nil) // address pressure from 3 open
	for len(idleEvents) > 0 {
		<-idleEvents
	}
	other := dial(t, l, "127.0.0.2")
	other.mustGet(t, "another address")
	var own []*client
	for range 2 {
		c := dial(t, l, "127.0.0.1")
		c.mustGet(t, "keep-alive")
		own = append(own, c)
	}
	for range 3 {
		<-idleEvents
	}
	clock.add(6 * time.Second)
	dial(t, l, "127.0.0.1").mustGet(t, "third of the address: 2 open, below the mark")
	dial(t, l, "127.0.0.1").mustGet(t, "fourth of the address, after the sweep")
	for _, c := range own {
		c.closedByServer(t, "the address's keep-alive idle for 6 s")
	}
	other.mustGet(t, "another address's keep-alive idle for 6 s")
}

// BenchmarkConnState is what the limiter adds to each HTTP/1.1 request:
// the server reports the connection active, then idle again.
func BenchmarkConnState(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	l := newConnLimiter(ln, "bench", DefaultMaxConnections, slog.New(slog.DiscardHandler))
	defer l.Close()
	go func() {
		if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
			defer c.Close()
			io.Copy(io.Discard, c)
		}
	}()
	c, err := l.Accept()
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	tc := tls.Server(c, &tls.Config{})
	b.ReportAllocs()
	for b.Loop() {
		l.ConnState(tc, http.StateActive)
		l.ConnState(tc, http.StateIdle)
	}
}

// Package haproxytest runs a real HAProxy (Debian's haproxy 2.6) in TCP
// mode in front of servers a test started, for tests of dashbox behind a
// load balancer. Only tests import it.
package haproxytest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Options describe the balancer.
type Options struct {
	// Servers are the backends' host:port addresses, balanced round robin.
	Servers []string

	// ProxyProtocol sends a PROXY protocol v2 header ahead of every
	// connection to a backend (HAProxy's send-proxy-v2), health checks
	// included.
	ProxyProtocol bool

	// HealthCheck checks each backend with GET /healthz over TLS (SNI
	// localhost, without verifying its certificate) every 500 ms; a backend that fails is
	// taken out of the rotation.
	HealthCheck bool

	// TCPCheck checks each backend by connecting to it every 500 ms (for
	// backends that are not HTTPS, such as the HTTP listener).
	TCPCheck bool

	// Source is the address HAProxy connects to the backends from; empty
	// means 127.0.0.1.
	Source string

	// Addr is the frontend's address; empty means a free port on
	// 127.0.0.1.
	Addr string

	// Binary is the haproxy binary; empty means "haproxy" on $PATH, else
	// /usr/sbin/haproxy.
	Binary string
}

// HAProxy is a running haproxy.
type HAProxy struct {
	// Addr is the frontend's address (127.0.0.1:port): clients connect
	// here.
	Addr string
	// Config is the configuration file it runs with.
	Config string

	dir    string
	cmd    *exec.Cmd
	stderr *lockedBuffer
	done   chan struct{}
}

// Start starts haproxy on a free port of 127.0.0.1 and stops it when the
// test ends. It fails the test if haproxy is missing or will not start.
func Start(tb testing.TB, opts Options) *HAProxy {
	tb.Helper()
	bin := opts.Binary
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("haproxy"); err != nil {
			bin = "/usr/sbin/haproxy"
		}
	}
	if _, err := os.Stat(bin); err != nil {
		tb.Fatalf("haproxy not found (%v): install Debian's haproxy package (make test-deps)", err)
	}
	source := opts.Source
	if source == "" {
		source = "127.0.0.1"
	}
	dir := tb.TempDir()
	var lastErr error
	// A port found free may be taken before haproxy binds it: retry.
	for range 5 {
		addr := opts.Addr
		if addr == "" {
			addr = freeAddr(tb)
		}
		h := &HAProxy{dir: dir, Addr: addr, Config: filepath.Join(dir, "haproxy.cfg")}
		if err := os.WriteFile(h.Config, []byte(h.config(opts, source)), 0o600); err != nil {
			tb.Fatal(err)
		}
		if lastErr = h.start(bin); lastErr == nil {
			tb.Cleanup(h.Stop)
			return h
		}
	}
	tb.Fatalf("haproxy did not start: %v", lastErr)
	return nil
}

// config writes the configuration file's text.
func (h *HAProxy) config(opts Options, source string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `global
  maxconn 2000
  stats socket %s mode 600 level admin
defaults
  mode tcp
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  # A connection refused by a dead backend is tried again on another.
  retries 3
  option redispatch
frontend fe
  bind %s
  default_backend dashbox
backend dashbox
  balance roundrobin
  source %s
`, h.socket(), h.Addr, source)
	if opts.HealthCheck {
		b.WriteString("  option httpchk GET /healthz\n  http-check expect status 200\n")
	}
	for i, s := range opts.Servers {
		fmt.Fprintf(&b, "  server s%d %s", i, s)
		if opts.ProxyProtocol {
			b.WriteString(" send-proxy-v2")
		}
		switch {
		case opts.HealthCheck:
			// A check without SNI gets dashbox's default certificate,
			// the first --domain's, which an ACME CA has not issued
			// yet while the first order runs: every instance would be
			// DOWN just when the CA's TLS-ALPN-01 validation comes.
			// localhost always has one, from the local CA.
			b.WriteString(" check check-ssl check-sni localhost verify none inter 500ms fall 2 rise 1")
		case opts.TCPCheck:
			b.WriteString(" check inter 500ms fall 2 rise 1")
		}
		b.WriteString("\n")
	}
	return b.String()
}

func (h *HAProxy) socket() string { return filepath.Join(h.dir, "admin.sock") }

// start runs haproxy in the foreground and waits until its stats socket
// answers, or it exits.
func (h *HAProxy) start(bin string) error {
	os.Remove(h.socket())
	h.stderr = &lockedBuffer{}
	h.cmd = exec.Command(bin, "-f", h.Config, "-db")
	h.cmd.Stdout, h.cmd.Stderr = h.stderr, h.stderr
	if err := h.cmd.Start(); err != nil {
		return err
	}
	h.done = make(chan struct{})
	go func() { h.cmd.Wait(); close(h.done) }()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-h.done:
			return fmt.Errorf("haproxy exited: %s", h.stderr)
		default:
		}
		if _, err := h.command("show info"); err == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond) // polling an outside process
	}
	h.Stop()
	return errors.New("haproxy's stats socket did not answer within 15 s")
}

// Stop stops haproxy (SIGTERM, then SIGKILL after 5 s) and waits for it.
// It may be called more than once.
func (h *HAProxy) Stop() {
	if h.cmd == nil || h.cmd.Process == nil {
		return
	}
	select {
	case <-h.done:
		return
	default:
	}
	h.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-h.done:
	case <-time.After(5 * time.Second):
		h.cmd.Process.Kill()
		<-h.done
	}
}

// command sends one command to the stats socket and returns the answer.
func (h *HAProxy) command(cmd string) (string, error) {
	c, err := net.DialTimeout("unix", h.socket(), time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte(cmd + "\n")); err != nil {
		return "", err
	}
	var b bytes.Buffer
	_, err = b.ReadFrom(c)
	return b.String(), err
}

// ServerStatus returns each backend server's status as HAProxy sees it
// ("UP", "DOWN", "no check", ...), by name (s0, s1, ...).
func (h *HAProxy) ServerStatus() (map[string]string, error) {
	out, err := h.command("show stat")
	if err != nil {
		return nil, err
	}
	status := map[string]string{}
	col := -1
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Split(sc.Text(), ",")
		if strings.HasPrefix(sc.Text(), "# ") {
			for i, name := range f {
				if name == "status" {
					col = i
				}
			}
			continue
		}
		if col < 0 || len(f) <= col || f[0] != "dashbox" || f[1] == "BACKEND" {
			continue
		}
		status[f[1]] = f[col]
	}
	if col < 0 {
		return nil, fmt.Errorf("no status column in haproxy's stats: %q", out)
	}
	return status, nil
}

// WaitUp waits until every backend server is UP, for at most timeout.
func (h *HAProxy) WaitUp(tb testing.TB, timeout time.Duration) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	var last map[string]string
	for {
		st, err := h.ServerStatus()
		up := err == nil && len(st) > 0
		for _, s := range st {
			up = up && strings.HasPrefix(s, "UP")
		}
		if up {
			return
		}
		last = st
		if time.Now().After(deadline) {
			tb.Fatalf("haproxy's backends not all UP after %s: %v (%v)\nhaproxy output:\n%s", timeout, last, err, h.stderr)
		}
		time.Sleep(50 * time.Millisecond) // polling an outside process
	}
}

// freeAddr returns a 127.0.0.1 address whose port was free a moment ago.
func freeAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// lockedBuffer is haproxy's output, written by exec's goroutine and read
// by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

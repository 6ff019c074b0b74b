package cmd

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dashbox/dashbox/pages/demo"
)

// dashbox is a running 'dashbox serve', started through run() in-process.
type dashbox struct {
	httpsAddr string // 127.0.0.1:port
	httpAddr  string
	stateDir  string
	roots     *x509.CertPool // only dashbox's local root
	client    *http.Client   // trusts only roots, does not follow redirects
	logs      *lineBuffer
	stdout    *lineBuffer
	stop      func() error // cancels run's context, returns run's error
}

// mustStart runs 'dashbox serve' on free loopback ports with a temporary
// state directory (unless args set one) and waits until it logs "serving".
func mustStart(tb testing.TB, args ...string) *dashbox {
	tb.Helper()
	d := &dashbox{logs: newLineBuffer(), stdout: newLineBuffer()}
	full := []string{"dashbox", "serve", "--https-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--log-format", "json"}
	if !hasFlag(args, "--state-dir") {
		d.stateDir = tb.TempDir()
		full = append(full, "--state-dir", d.stateDir)
	}
	full = append(full, args...)
	for i, a := range full {
		if a == "--state-dir" {
			d.stateDir = full[i+1]
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	// done is closed once run has returned runErr: both waitFor and stop
	// may wait for it, whichever comes first.
	done := make(chan struct{})
	var runErr error
	go func() { runErr = run(ctx, full, noEnv, d.stdout, d.logs); close(done) }()
	d.stop = func() error {
		cancel()
		<-done
		return runErr
	}
	tb.Cleanup(func() { d.stop() })

	line, err := d.logs.waitFor(`"msg":"serving"`, done)
	if err != nil {
		select {
		case <-done:
			err = fmt.Errorf("%v: %v", err, runErr)
		default:
		}
		tb.Fatalf("dashbox did not start: %v\nlogs:\n%s", err, d.logs)
	}
	var ev struct{ HTTPS, HTTP string }
	if err := json.Unmarshal([]byte(line), &ev); err != nil {
		tb.Fatal(err)
	}
	d.httpsAddr, d.httpAddr = ev.HTTPS, ev.HTTP
	d.roots = mustRootPool(tb, d.stateDir)
	d.client = &http.Client{
		Transport:     &http.Transport{TLSClientConfig: &tls.Config{RootCAs: d.roots}, ForceAttemptHTTP2: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
	tb.Cleanup(d.client.CloseIdleConnections)
	return d
}

func (d *dashbox) url(path string) string { return "https://" + d.httpsAddr + path }

// localhostURL addresses the server by name instead of IP.
func (d *dashbox) localhostURL(path string) string {
	_, port, _ := net.SplitHostPort(d.httpsAddr)
	return "https://localhost:" + port + path
}

func (d *dashbox) get(tb testing.TB, path string, header ...string) (*http.Response, []byte) {
	tb.Helper()
	req, err := http.NewRequest("GET", d.url(path), nil)
	if err != nil {
		tb.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := d.client.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp, body
}

// mustRootPool reads the root as 'dashbox ca' prints it.
func mustRootPool(tb testing.TB, stateDir string) *x509.CertPool {
	tb.Helper()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"dashbox", "ca", "--state-dir", stateDir}, noEnv, &out, &errOut); err != nil {
		tb.Fatalf("dashbox ca: %v", err)
	}
	block, _ := pem.Decode(out.Bytes())
	if block == nil {
		tb.Fatalf("dashbox ca printed no PEM: %q", out.String())
	}
	root, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		tb.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(root)
	return pool
}

func noEnv(string) string { return "" }

func hasFlag(args []string, name string) bool {
	for _, a := range args {
		if a == name || strings.HasPrefix(a, name+"=") {
			return true
		}
	}
	return false
}

// lineBuffer collects output and lets a test wait for a line without sleeping.
type lineBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func newLineBuffer() *lineBuffer { return &lineBuffer{changed: make(chan struct{})} }

func (l *lineBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	close(l.changed)
	l.changed = make(chan struct{})
	return len(p), nil
}

func (l *lineBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// waitFor returns the first line containing s. It gives up when done is
// closed (the program ended) or after a generous minute.
func (l *lineBuffer) waitFor(s string, done <-chan struct{}) (string, error) {
	timeout := time.After(time.Minute)
	for {
		l.mu.Lock()
		for _, line := range strings.Split(l.buf.String(), "\n") {
			if strings.Contains(line, s) {
				l.mu.Unlock()
				return line, nil
			}
		}
		changed := l.changed
		l.mu.Unlock()
		select {
		case <-changed:
		case <-done:
			return "", fmt.Errorf("run returned before %q", s)
		case <-timeout:
			return "", errors.New("timed out waiting for " + s)
		}
	}
}

// run runs the command line as cmd/dashbox does, with the demo's dashboards.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return Run(ctx, Options{Dashboards: demo.Dashboards()}, args, getenv, stdout, stderr)
}

// builtBinary builds the dashbox binary once for tests that need a real
// process (signals, other users), unless $DASHBOX_TEST_BINARY names one.
var builtBinary = sync.OnceValues(func() (string, error) {
	if bin := os.Getenv("DASHBOX_TEST_BINARY"); bin != "" {
		return bin, nil // built beforehand, e.g. by make test-offline
	}
	dir, err := os.MkdirTemp("", "dashbox-bin-")
	if err != nil {
		return "", err
	}
	binDir = dir
	bin := filepath.Join(dir, "dashbox")
	out, err := exec.Command("go", "build", "-o", bin, "./dashbox").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

func mustBinary(tb testing.TB) string {
	tb.Helper()
	bin, err := builtBinary()
	if err != nil {
		tb.Fatal(err)
	}
	return bin
}

// binDir is the temporary folder of the built binary, removed after the tests.
var binDir string

func TestMain(m *testing.M) {
	if os.Getenv(testChildEnv) != "" {
		runTestChild() // a dashbox process with test knobs; exits
	}
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// scanLines returns the non-empty lines of s.
func scanLines(s string) []string {
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if t := strings.TrimSpace(sc.Text()); t != "" {
			lines = append(lines, t)
		}
	}
	return lines
}

package cmd

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/testenv"

	"github.com/dashbox/dashbox/internal/testpki"
)

// pebbleVersion must match PEBBLE_VERSION in the Makefile.
const pebbleVersion = "v2.10.3"

// pebbleBinDir finds Pebble and pebble-challtestsrv: where the Makefile put
// them (DASHBOX_PEBBLE_BIN_DIR), else the same cache folder. Missing tools
// fail the test, saying how to get them: a skipped ACME test would hide
// that ACME is untested.
func pebbleBinDir(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("DASHBOX_PEBBLE_BIN_DIR")
	if dir == "" {
		cache := os.Getenv("XDG_CACHE_HOME")
		if cache == "" {
			cache = filepath.Join(os.Getenv("HOME"), ".cache")
		}
		dir = filepath.Join(cache, "dashbox-test", "pebble-"+pebbleVersion)
	}
	for _, bin := range []string{"pebble", "pebble-challtestsrv"} {
		if _, err := os.Stat(filepath.Join(dir, bin)); err != nil {
			tb.Fatalf("%s not found in %s: run 'make test-pebble' (it installs Pebble %s with go install), or set DASHBOX_PEBBLE_BIN_DIR to where pebble and pebble-challtestsrv are",
				bin, dir, pebbleVersion)
		}
	}
	return dir
}

// pebbleOptions configure one Pebble run.
type pebbleOptions struct {
	// nonceReject is the percentage of good nonces Pebble rejects as bad;
	// ACME clients must retry. Zero turns rejection off.
	nonceReject int
	// validity of the certificates Pebble issues; zero means Pebble's
	// default of 90 days.
	validity time.Duration
	// dnsServer, when set, is the DNS server Pebble resolves through
	// (such as a BIND for DNS-01) instead of pebble-challtestsrv.
	dnsServer string
	// eabKeys, when not empty, makes External Account Binding required,
	// with these key IDs and HMAC keys (base64url).
	eabKeys map[string]string
}

// pebble is Pebble, Let's Encrypt's ACME test server, with
// pebble-challtestsrv as its DNS server (every name is 127.0.0.1), on free
// loopback ports. Pebble validates challenges on httpPort and tlsPort,
// where the test runs dashbox's listeners.
type pebble struct {
	binDir, dir string
	opts        pebbleOptions

	listen, mgmt, dns string // addresses
	httpPort, tlsPort int

	apiCA    *testpki.CA // signs Pebble's own HTTPS certificate
	rootFile string      // apiCA's root, for --acme-ca-root

	cmd *exec.Cmd
	log *lineBuffer // Pebble's output, across restarts
}

// newPebble configures Pebble and starts its DNS server; start starts
// Pebble itself. Both stop when the test ends.
func newPebble(t *testing.T, opts pebbleOptions) *pebble {
	t.Helper()
	p := &pebble{binDir: pebbleBinDir(t), dir: t.TempDir(), opts: opts, log: newLineBuffer()}
	p.listen = "127.0.0.1:" + strconv.Itoa(freePort(t))
	p.mgmt = "127.0.0.1:" + strconv.Itoa(freePort(t))
	p.dns = "127.0.0.1:" + strconv.Itoa(testenv.FreeDNSPort(t))
	p.httpPort, p.tlsPort = freePort(t), freePort(t)

	p.apiCA = testpki.NewRoot(t, "Pebble API test root")
	certPEM, keyPEM, _ := p.apiCA.Issue(t, testpki.Leaf{Names: []string{"localhost", "127.0.0.1"}})
	writeTestFile(t, filepath.Join(p.dir, "cert.pem"), certPEM)
	writeTestFile(t, filepath.Join(p.dir, "key.pem"), keyPEM)
	p.rootFile = filepath.Join(p.dir, "api-root.pem")
	writeTestFile(t, p.rootFile, testpki.CertPEM(p.apiCA.Cert))

	validity := 0
	if opts.validity > 0 {
		validity = int(opts.validity / time.Second)
	}
	cfg := map[string]any{"pebble": map[string]any{
		"listenAddress":                  p.listen,
		"managementListenAddress":        p.mgmt,
		"certificate":                    filepath.Join(p.dir, "cert.pem"),
		"privateKey":                     filepath.Join(p.dir, "key.pem"),
		"httpPort":                       p.httpPort,
		"tlsPort":                        p.tlsPort,
		"ocspResponderURL":               "",
		"externalAccountBindingRequired": len(opts.eabKeys) > 0,
		"externalAccountMACKeys":         opts.eabKeys,
		"retryAfter":                     map[string]int{"authz": 0, "order": 0},
		"keyAlgorithm":                   "ecdsa",
		"profiles":                       map[string]any{"default": map[string]any{"description": "default", "validityPeriod": validity}},
	}}
	data, _ := json.Marshal(cfg)
	writeTestFile(t, filepath.Join(p.dir, "pebble.json"), data)
	if opts.dnsServer != "" {
		p.dns = opts.dnsServer
		return p
	}

	// DNS first: Pebble resolves the test domain through it. The empty
	// addresses keep challtestsrv off the challenge ports it takes by
	// default; no AAAA answer, or Pebble would dial ::1 first.
	dnsCmd := exec.Command(filepath.Join(p.binDir, "pebble-challtestsrv"),
		"-dnsserver", p.dns, "-management", "127.0.0.1:"+strconv.Itoa(freePort(t)),
		"-http01", "", "-https01", "", "-tlsalpn01", "", "-doh", "",
		"-defaultIPv4", "127.0.0.1", "-defaultIPv6", "")
	dnsCmd.Stdout, dnsCmd.Stderr = p.log, p.log
	startProcess(t, dnsCmd)
	resolver := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, p.dns)
	}}
	poll(t, "pebble-challtestsrv to answer DNS", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		addrs, err := resolver.LookupHost(ctx, "dash.test")
		return err == nil && len(addrs) > 0 && addrs[0] == "127.0.0.1"
	})
	return p
}

// startPebble starts a configured Pebble and waits until its ACME
// directory answers.
func startPebble(t *testing.T, opts pebbleOptions) *pebble {
	t.Helper()
	p := newPebble(t, opts)
	p.start(t)
	return p
}

func (p *pebble) start(t *testing.T) {
	t.Helper()
	cmd := exec.Command(filepath.Join(p.binDir, "pebble"), "-config", filepath.Join(p.dir, "pebble.json"), "-dnsserver", p.dns)
	cmd.Env = []string{
		"PEBBLE_VA_NOSLEEP=1", // validate at once, not after up to 5 s
		"PEBBLE_WFE_NONCEREJECT=" + strconv.Itoa(p.opts.nonceReject),
		"PEBBLE_AUTHZREUSE=0", // every order validates again
	}
	cmd.Stdout, cmd.Stderr = p.log, p.log
	startProcess(t, cmd)
	p.cmd = cmd
	client := p.apiClient()
	poll(t, "Pebble's ACME directory", func() bool {
		resp, err := client.Get(p.directoryURL())
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
}

// stop kills Pebble (its state is in memory: a new start is a new CA).
func (p *pebble) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Kill()
	p.cmd.Wait()
}

func (p *pebble) directoryURL() string { return "https://" + p.listen + "/dir" }

// dashboxArgs are serve's flags for a dashbox that Pebble validates: its
// listeners on Pebble's challenge ports, Pebble as --acme-ca.
func (p *pebble) dashboxArgs(domains ...string) []string {
	args := []string{
		"--https-addr", "127.0.0.1:" + strconv.Itoa(p.tlsPort),
		"--http-addr", "127.0.0.1:" + strconv.Itoa(p.httpPort),
		"--acme-ca", p.directoryURL(), "--acme-ca-root", p.rootFile,
	}
	for _, d := range domains {
		args = append(args, "--domain", d)
	}
	return args
}

func (p *pebble) apiClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: p.apiCA.Pool()}},
		Timeout:   5 * time.Second,
	}
}

// newOrders counts the new-order requests Pebble received so far, from
// its log ("POST /order-plz -> calling handler()"), rejected ones included.
func (p *pebble) newOrders() int {
	return strings.Count(p.log.String(), "POST /order-plz -> calling handler()")
}

// roots returns the root of the certificates this Pebble run issues (a new
// one each run): what the served chains must verify against.
func (p *pebble) roots(t *testing.T) *x509.CertPool {
	t.Helper()
	resp, err := p.apiClient().Get("https://" + p.mgmt + "/roots/0")
	if err != nil {
		t.Fatalf("Pebble root: %v", err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatalf("Pebble root: no PEM in %q", data)
	}
	root, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(root)
	return pool
}

// startProcess starts cmd and kills it when the test ends.
func startProcess(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", cmd.Path, err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
}

// poll checks cond until it holds, for at most 20 seconds.
func poll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond) // polling an outside process, not synchronising with it
	}
}

// freePort returns a TCP port free on 127.0.0.1, never one handed out
// before to this test binary.
func freePort(t *testing.T) int {
	t.Helper()
	return testenv.FreePort(t, "127.0.0.1")
}

func writeTestFile(t *testing.T, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(name, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

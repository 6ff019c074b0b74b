package cmd

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/haproxytest"
	"github.com/dashbox/dashbox/internal/pgtest"
)

// Several dashbox instances behind HAProxy, sharing one certmagic storage
// (a state directory they all use, as on a shared file system). Each runs
// in-process on its own loopback address, 127.0.0.2, .3, .4, ...

// clusterInstance is one started member of a cluster.
type clusterInstance struct {
	*dashbox
	accessLog string
}

// clusterStore is the storage a test cluster shares.
type clusterStore struct {
	// stateDir is instance i's state directory.
	stateDir func(i int) string
	// args are serve's flags that name the storage.
	args []string
	// caArgs make 'dashbox ca' print the shared root.
	caArgs []string
}

// clusterStores are the storages the cluster tests run on: a state
// directory every instance uses (as on a shared file system), and
// PostgreSQL (--storage) with a state directory per instance.
var clusterStores = []struct {
	name string
	make func(t *testing.T) clusterStore
}{
	{"statedir", func(t *testing.T) clusterStore {
		dir := t.TempDir()
		return clusterStore{stateDir: func(int) string { return dir }, caArgs: []string{"--state-dir", dir}}
	}},
	{"postgres", func(t *testing.T) clusterStore {
		return postgresStore(t, pgtest.New(t).NewDatabase(t, "cluster"))
	}},
}

// postgresStore shares the database at url; each instance has a state
// directory of its own.
func postgresStore(t *testing.T, url string) clusterStore {
	var mu sync.Mutex
	dirs := map[int]string{}
	return clusterStore{
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
}

// forEachClusterStore runs test once per cluster storage.
func forEachClusterStore(t *testing.T, test func(t *testing.T, st clusterStore)) {
	for _, cs := range clusterStores {
		t.Run(cs.name, func(t *testing.T) { test(t, cs.make(t)) })
	}
}

// rootPool reads the shared root as 'dashbox ca' prints it.
func (st clusterStore) rootPool(t *testing.T) *x509.CertPool {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), append([]string{"dashbox", "ca"}, st.caArgs...), noEnv, &out, &errOut); err != nil {
		t.Fatalf("dashbox ca: %v\n%s", err, errOut.String())
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(out.Bytes()) {
		t.Fatalf("dashbox ca printed no PEM: %q", out.String())
	}
	return pool
}

// startCluster starts n instances at the same moment on st, all with args,
// instance i on 127.0.0.(2+i) with its own access log, and waits until
// every one serves.
func startCluster(t *testing.T, n int, st clusterStore, args ...string) []*clusterInstance {
	return startClusterWith(t, n, st, func(int) []string { return args })
}

// startClusterWith is startCluster with each instance's own arguments.
func startClusterWith(t *testing.T, n int, st clusterStore, args func(i int) []string) []*clusterInstance {
	t.Helper()
	logDir := t.TempDir()
	type started struct {
		line string
		err  error
	}
	members := make([]*clusterInstance, n)
	results := make([]chan started, n)
	for i := range n {
		ip := fmt.Sprintf("127.0.0.%d", 2+i)
		m := &clusterInstance{
			dashbox:   &dashbox{logs: newLineBuffer(), stdout: newLineBuffer(), stateDir: st.stateDir(i)},
			accessLog: filepath.Join(logDir, fmt.Sprintf("access-%d.log", i)),
		}
		full := append([]string{"dashbox", "serve", "--https-addr", ip + ":0", "--http-addr", ip + ":0",
			"--log-format", "json", "--state-dir", st.stateDir(i), "--access-log", m.accessLog}, append(st.args, args(i)...)...)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		var runErr error
		go func() { runErr = run(ctx, full, noEnv, m.stdout, m.logs); close(done) }()
		m.stop = func() error { cancel(); <-done; return runErr }
		t.Cleanup(func() { m.stop() })
		results[i] = make(chan started, 1)
		go func() {
			line, err := m.logs.waitFor(`"msg":"serving"`, done)
			results[i] <- started{line, err}
		}()
		members[i] = m
	}
	for i, m := range members {
		r := <-results[i]
		if r.err != nil {
			t.Fatalf("instance %d did not start: %v\nlogs:\n%s", i, r.err, m.logs)
		}
		var ev struct{ HTTPS, HTTP string }
		if err := json.Unmarshal([]byte(r.line), &ev); err != nil {
			t.Fatal(err)
		}
		m.httpsAddr, m.httpAddr = ev.HTTPS, ev.HTTP
	}
	return members
}

// proxyV2Header is the PROXY protocol v2 header HAProxy would send for a
// client at src.
func proxyV2Header(src, dst netip.AddrPort) []byte {
	var b bytes.Buffer
	b.WriteString("\r\n\r\n\x00\r\nQUIT\n\x21\x11")
	binary.Write(&b, binary.BigEndian, uint16(12))
	s, d := src.Addr().As4(), dst.Addr().As4()
	b.Write(s[:])
	b.Write(d[:])
	binary.Write(&b, binary.BigEndian, src.Port())
	binary.Write(&b, binary.BigEndian, dst.Port())
	return b.Bytes()
}

// clusterClient returns an HTTPS client whose connections come from the
// loopback address ip, trusting roots, one connection per request.
func clusterClient(ip string, roots *x509.CertPool, serverName string, sessions tls.ClientSessionCache) *http.Client {
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	return &http.Client{
		Transport: &http.Transport{
			DialContext:       dialer.DialContext,
			TLSClientConfig:   &tls.Config{RootCAs: roots, ServerName: serverName, ClientSessionCache: sessions},
			DisableKeepAlives: true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
}

// TestClusterBehindHAProxy: three instances behind HAProxy in TCP mode
// with PROXY protocol v2 and health checks on /healthz. Requests reach
// every instance, each access log records the client's own address (not
// HAProxy's), all instances chain to one root; a PROXY header from an
// address not listed is refused, and so is a listed balancer's connection
// without one.
func TestClusterBehindHAProxy(t *testing.T) {
	forEachClusterStore(t, testClusterBehindHAProxy)
}

func testClusterBehindHAProxy(t *testing.T, st clusterStore) {
	members := startCluster(t, 3, st, "--acme=false", "--proxy-protocol", "127.0.0.1")
	var servers []string
	for _, m := range members {
		servers = append(servers, m.httpsAddr)
	}
	lb := haproxytest.Start(t, haproxytest.Options{Servers: servers, ProxyProtocol: true, HealthCheck: true})
	lb.WaitUp(t, 30*time.Second)

	roots := st.rootPool(t)
	client := clusterClient("127.0.0.9", roots, "localhost", nil)
	for i := range 6 {
		resp, err := client.Get("https://" + lb.Addr + "/healthz")
		if err != nil {
			t.Fatalf("request %d through HAProxy: %v", i, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d through HAProxy: %s", i, resp.Status)
		}
	}
	// Round robin: two requests each. Health checks come from HAProxy's
	// own address (127.0.0.1); the client's from 127.0.0.9.
	for i, m := range members {
		poll(t, fmt.Sprintf("instance %d's access log to show the client", i), func() bool {
			return clientLines(m.accessLog, "127.0.0.9") >= 2
		})
	}

	// The client verified every instance's chain against the one root in
	// the shared storage. A connection from the listed balancer's address
	// without a PROXY header is closed.
	for i, m := range members {
		c, err := tls.Dial("tcp", m.httpsAddr, &tls.Config{RootCAs: roots, ServerName: "localhost"})
		if err == nil {
			c.Close()
			t.Errorf("instance %d: a connection from the listed balancer without a PROXY header was served", i)
		}
	}

	// From an address not listed: a header is refused, none is fine.
	header := proxyV2Header(netip.MustParseAddrPort("203.0.113.5:1234"), netip.MustParseAddrPort(members[0].httpsAddr))
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.10")}, Timeout: 5 * time.Second}
	raw, err := dialer.Dial("tcp", members[0].httpsAddr)
	if err != nil {
		t.Fatal(err)
	}
	raw.Write(header)
	tc := tls.Client(raw, &tls.Config{RootCAs: roots, ServerName: "localhost"})
	tc.SetDeadline(time.Now().Add(10 * time.Second))
	if err := tc.Handshake(); err == nil {
		t.Error("a PROXY header from 127.0.0.10, not listed, was accepted")
	}
	tc.Close()
	direct := clusterClient("127.0.0.10", roots, "localhost", nil)
	resp, err := direct.Get("https://" + members[0].httpsAddr + "/healthz")
	if err != nil {
		t.Fatalf("a direct client without a header: %v", err)
	}
	resp.Body.Close()
	poll(t, "the direct client in the access log", func() bool {
		return clientLines(members[0].accessLog, "127.0.0.10") >= 1
	})
	if got := members[0].logs.String(); !strings.Contains(got, "PROXY protocol header refused") {
		t.Errorf("instance 0 did not log the refused header:\n%s", got)
	}

	// A session ticket from one instance resumes on the others.
	sessions := tls.NewLRUClientSessionCache(8)
	for i, m := range members {
		c, err := (&tls.Dialer{NetDialer: dialer, Config: &tls.Config{RootCAs: roots, ServerName: "localhost", ClientSessionCache: sessions}}).Dial("tcp", m.httpsAddr)
		if err != nil {
			t.Fatal(err)
		}
		tc := c.(*tls.Conn)
		// A request and its response carry the TLS 1.3 ticket over.
		tc.SetDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(tc, "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
		io.Copy(io.Discard, tc)
		resumed := tc.ConnectionState().DidResume
		tc.Close()
		if i > 0 && !resumed {
			t.Errorf("instance %d did not resume the session instance %d's ticket opened", i, i-1)
		}
	}
}

// clientLines counts the lines of an access log (combined format) of
// requests from ip.
func clientLines(accessLog, ip string) int {
	data, _ := os.ReadFile(accessLog)
	n := 0
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, ip+" - ") {
			n++
		}
	}
	return n
}

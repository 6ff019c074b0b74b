package cmd

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/testenv"

	"github.com/dashbox/dashbox/internal/haproxytest"
)

// freePortOn returns a TCP port free on the loopback address ip, never
// one handed out before to this test binary.
func freePortOn(t *testing.T, ip string) int {
	t.Helper()
	return testenv.FreePort(t, ip)
}

// TestClusterOneACMEOrder: three instances started at the same moment on
// one storage, behind HAProxy (PROXY protocol v2) on the ports Pebble
// validates, place exactly one ACME order for their name, wherever
// Pebble's validation lands, and all serve the same certificate.
func TestClusterOneACMEOrder(t *testing.T) {
	for _, n := range []int{1, 3} {
		t.Run(fmt.Sprintf("%d_of_them", n), func(t *testing.T) {
			forEachClusterStore(t, func(t *testing.T, st clusterStore) { testClusterOrders(t, st, n) })
		})
	}
}

func testClusterOrders(t *testing.T, st clusterStore, n int) {
	p := startPebble(t, pebbleOptions{})
	https, http := make([]string, n), make([]string, n)
	for i := range n {
		ip := fmt.Sprintf("127.0.0.%d", 2+i)
		https[i] = net.JoinHostPort(ip, strconv.Itoa(freePortOn(t, ip)))
		http[i] = net.JoinHostPort(ip, strconv.Itoa(freePortOn(t, ip)))
	}
	// The balancer first: the instances order at once.
	haproxytest.Start(t, haproxytest.Options{Addr: "127.0.0.1:" + strconv.Itoa(p.httpPort), Servers: http, ProxyProtocol: true})
	haproxytest.Start(t, haproxytest.Options{Addr: "127.0.0.1:" + strconv.Itoa(p.tlsPort), Servers: https, ProxyProtocol: true})

	// Real processes: in-process instances would share certmagic's
	// in-memory challenge answers, and never need the storage's.
	members := startClusterProcesses(t, n, st, func(i int) []string {
		return []string{"--https-addr", https[i], "--http-addr", http[i], "--proxy-protocol", "127.0.0.1",
			"--acme-ca", p.directoryURL(), "--acme-ca-root", p.rootFile, "--domain", "dash.test"}
	})
	roots := p.roots(t)
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.12")}, Timeout: 5 * time.Second}
	serials := make([]string, n)
	for i, m := range members {
		poll(t, fmt.Sprintf("instance %d to serve Pebble's certificate for dash.test", i), func() bool {
			c, err := tls.DialWithDialer(dialer, "tcp", m.httpsAddr, &tls.Config{RootCAs: roots, ServerName: "dash.test"})
			if err != nil {
				return false
			}
			defer c.Close()
			serials[i] = c.ConnectionState().PeerCertificates[0].SerialNumber.String()
			return true
		})
	}
	if orders := p.newOrders(); orders != 1 {
		t.Errorf("Pebble received %d orders for dash.test from %d instances; want exactly 1", orders, n)
	}
	for i := range n {
		if serials[i] != serials[0] {
			t.Errorf("instance %d serves serial %s, instance 0 %s: want one certificate", i, serials[i], serials[0])
		}
	}
	if t.Failed() {
		for i, m := range members {
			t.Logf("instance %d log:\n%s", i, m.logs)
		}
	}
}

// clusterProcess is one instance of a cluster run as the dashbox binary.
type clusterProcess struct {
	cmd       *exec.Cmd
	logs      *lineBuffer
	done      chan struct{}
	httpsAddr string
}

// startClusterProcesses starts n dashbox processes at the same moment on
// one state directory, instance i with args(i), and waits until each
// serves. They are killed when the test ends.
func startClusterProcesses(t *testing.T, n int, st clusterStore, args func(i int) []string) []*clusterProcess {
	t.Helper()
	return startClusterProcessesOf(t, mustBinary(t), nil, n, st, args)
}

// startClusterProcessesOf is startClusterProcesses with the binary bin and
// env added to the processes' environment.
func startClusterProcessesOf(t *testing.T, bin string, env []string, n int, st clusterStore, args func(i int) []string) []*clusterProcess {
	t.Helper()
	home := t.TempDir()
	ps := make([]*clusterProcess, n)
	for i := range n {
		full := append([]string{"serve", "--log-format", "json", "--state-dir", st.stateDir(i), "--access-log", "off"}, append(st.args, args(i)...)...)
		p := &clusterProcess{cmd: exec.Command(bin, full...), logs: newLineBuffer(), done: make(chan struct{})}
		p.cmd.Env = append([]string{"PATH=/usr/bin:/bin", "HOME=" + home}, env...)
		p.cmd.Stderr = p.logs
		if err := p.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { p.cmd.Wait(); close(p.done) }()
		t.Cleanup(func() { p.kill(syscall.SIGTERM) })
		ps[i] = p
	}
	for i, p := range ps {
		line, err := p.logs.waitFor(`"msg":"serving"`, p.done)
		if err != nil {
			t.Fatalf("instance %d did not start: %v\n%s", i, err, p.logs)
		}
		var ev struct{ HTTPS string }
		json.Unmarshal([]byte(line), &ev)
		p.httpsAddr = ev.HTTPS
	}
	return ps
}

// kill sends sig and waits for the process to end (SIGKILL after 15 s).
func (p *clusterProcess) kill(sig syscall.Signal) {
	p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// TestClusterLostLockHolder: the instance holding a name's order lock is
// killed (SIGKILL) in the middle of the order; the other instance
// completes it once the dead holder's lock lapses. The challenge ports open only after the kill, so the
// holder cannot have finished.
func TestClusterLostLockHolder(t *testing.T) {
	forEachClusterStore(t, testClusterLostLockHolder)
}

func testClusterLostLockHolder(t *testing.T, st clusterStore) {
	p := startPebble(t, pebbleOptions{})
	// Two instances on a state directory: with three, the two survivors
	// may both take over the dead holder's lock file at the same moment
	// (certmagic's FileStorage takes over a stale lock without an atomic
	// step), both order, and each one's challenge answer overwrites the
	// other's in the storage. PostgreSQL's leased locks have no such race.
	n := 3
	if st.args == nil {
		n = 2
	}
	https, http := make([]string, n), make([]string, n)
	for i := range n {
		ip := fmt.Sprintf("127.0.0.%d", 2+i)
		https[i] = net.JoinHostPort(ip, strconv.Itoa(freePortOn(t, ip)))
		http[i] = net.JoinHostPort(ip, strconv.Itoa(freePortOn(t, ip)))
	}
	members := startClusterProcesses(t, n, st, func(i int) []string {
		return []string{"--https-addr", https[i], "--http-addr", http[i], "--proxy-protocol", "127.0.0.1",
			"--acme-ca", p.directoryURL(), "--acme-ca-root", p.rootFile, "--domain", "dash.test"}
	})
	holder := -1
	poll(t, "an instance to start solving the order's challenge", func() bool {
		for i, m := range members {
			if strings.Contains(m.logs.String(), `"msg":"trying to solve challenge"`) {
				holder = i
				return true
			}
		}
		return false
	})
	members[holder].kill(syscall.SIGKILL)
	killed := time.Now()
	haproxytest.Start(t, haproxytest.Options{Addr: "127.0.0.1:" + strconv.Itoa(p.httpPort), Servers: http, ProxyProtocol: true, TCPCheck: true})
	haproxytest.Start(t, haproxytest.Options{Addr: "127.0.0.1:" + strconv.Itoa(p.tlsPort), Servers: https, ProxyProtocol: true, HealthCheck: true})

	roots := p.roots(t)
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.12")}, Timeout: 5 * time.Second}
	serials := map[string]bool{}
	// A dead holder's lock lapses after one lease on PostgreSQL (20 s,
	// however long a lease certmagic asked for), after 10 s in a state
	// directory (stale file locks); the order then takes a few seconds.
	deadline := time.Now().Add(90 * time.Second)
	for i, m := range members {
		if i == holder {
			continue
		}
		for {
			c, err := tls.DialWithDialer(dialer, "tcp", m.httpsAddr, &tls.Config{RootCAs: roots, ServerName: "dash.test"})
			if err == nil {
				serials[c.ConnectionState().PeerCertificates[0].SerialNumber.String()] = true
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				for j, m := range members {
					t.Logf("instance %d (holder %d) log:\n%s", j, holder, m.logs)
				}
				t.Fatalf("instance %d serves no certificate for dash.test 120 s after the lock holder died", i)
			}
			time.Sleep(50 * time.Millisecond) // polling other processes
		}
	}
	delay := time.Since(killed)
	t.Logf("the order completed %s after its lock holder was killed (%d orders in Pebble's log)", delay.Round(100*time.Millisecond), p.newOrders())
	// The dead holder's order is abandoned; the survivor's succeeds at
	// its first attempt.
	if orders := p.newOrders(); orders != 2 {
		t.Errorf("Pebble received %d orders; want 2 (the dead holder's, then the survivor's)", orders)
	}
	if strings.Contains(members[holder].logs.String(), `"msg":"certificate obtained successfully","logger":"certmagic.obtain","identifier":"dash.test"`) {
		t.Errorf("the killed holder had finished its order: the test did not kill it mid-order\n%s", members[holder].logs)
	}
}

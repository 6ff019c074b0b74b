package tls

import (
	cryptotls "crypto/tls"
	"errors"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/testenv"
)

// The local CA mode must work on an air-gapped machine: this runs New and
// real handshakes in a child process inside a fresh network namespace,
// where only loopback exists. Any attempt by certmagic to reach the network
// (OCSP, ARI, ...) would fail there, and fail New.
func TestNewWorksWithoutNetwork(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, "-test.run=^TestOfflineHelperProcess$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "DASHBOX_OFFLINE_HELPER=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
	if os.Geteuid() != 0 {
		// Unprivileged: a user namespace grants the right to make the
		// network namespace (like `unshare -rn`).
		cmd.SysProcAttr.Cloneflags |= syscall.CLONE_NEWUSER
		cmd.SysProcAttr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}}
		cmd.SysProcAttr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}}
	}
	out, err := cmd.CombinedOutput()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Skipf("cannot start a process in a new network namespace here: %v", err)
	}
	if err != nil || !strings.Contains(string(out), "--- PASS: TestOfflineHelperProcess") {
		t.Fatalf("offline run failed: %v\n%s", err, out)
	}
}

// TestOfflineHelperProcess is the child of TestNewWorksWithoutNetwork.
func TestOfflineHelperProcess(t *testing.T) {
	if os.Getenv("DASHBOX_OFFLINE_HELPER") == "" {
		t.Skip("helper process for TestNewWorksWithoutNetwork")
	}
	testenv.BringLoopbackUp(t)
	ifaces, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, iface := range ifaces {
		if iface.Flags&net.FlagLoopback == 0 {
			t.Fatalf("interface %s in the namespace: the test would not prove anything", iface.Name)
		}
	}
	// TEST-NET-1 (RFC 5737): never routed; here there is no route at all.
	if conn, err := net.DialTimeout("tcp", "192.0.2.1:443", time.Second); err == nil {
		conn.Close()
		t.Fatal("reached a non-loopback address: the namespace has a network")
	}

	m := mustNewManager(t, Config{Domains: []string{"dash.example.com"}}, managerOptions{})
	roots := rootPool(t, m.CA())
	srv := startTLSServer(t, "tcp4", m.TLSConfig())
	for _, name := range []string{"localhost", "127.0.0.1", "dash.example.com"} {
		if _, hello, err := srv.dial(t, &cryptotls.Config{ServerName: name, RootCAs: roots}); err != nil {
			t.Errorf("%s: %v (server: %v)", name, err, hello.err)
		}
	}
	if hasIPv6Loopback() {
		srv6 := startTLSServer(t, "tcp6", m.TLSConfig())
		if _, hello, err := srv6.dial(t, &cryptotls.Config{ServerName: "::1", RootCAs: roots}); err != nil {
			t.Errorf("::1: %v (server: %v)", err, hello.err)
		}
	}
}

//go:build linux

package cmd

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/loadgen"
)

// activatedServe starts the built binary as systemd would under the socket
// units: the HTTPS socket passed as fd 3 named "https", LISTEN_PID its own
// (set by the shell it execs from, since the PID is known only then).
func activatedServe(t *testing.T, bin string, ln *net.TCPListener, state string) *exec.Cmd {
	t.Helper()
	f, err := ln.File()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command("/bin/sh", "-c", `LISTEN_PID=$$ LISTEN_FDS=1 LISTEN_FDNAMES=https exec "$0" serve --https-addr=127.0.0.1:1 --http-addr= --state-dir="$1" --access-log=off --log-format=json`, bin, state)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir()}
	cmd.ExtraFiles = []*os.File{f}
	if testing.Verbose() {
		cmd.Stderr = os.Stderr
	} else {
		cmd.Stderr = nil
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd
}

// TestActivatedRestartLosesNothing is what systemctl restart does through
// the socket units, without systemd: one process serves the passed socket
// under load, is stopped with SIGTERM and drains, and a second one takes the
// same socket. No request fails: connections made in between wait in the
// backlog, kept-alive and HTTP/2 ones are closed cleanly (GOAWAY) and
// retried by the client.
func TestActivatedRestartLosesNothing(t *testing.T) {
	bin := mustBinary(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close() // systemd's copy: it outlives every process
	ln := l.(*net.TCPListener)
	state := t.TempDir()
	first := activatedServe(t, bin, ln, state)
	roots := mustRootPoolWait(t, ln.Addr().String(), state)
	url := "https://localhost/healthz"
	waitServing(t, roots, ln.Addr().String(), url)

	g := loadgen.Start(roots, ln.Addr().String(), url)
	time.Sleep(500 * time.Millisecond) // load before the switch
	began := time.Now()
	first.Process.Signal(syscall.SIGTERM)
	if err := first.Wait(); err != nil {
		t.Errorf("the first process did not exit cleanly: %v", err)
	}
	drained := time.Since(began)
	activatedServe(t, bin, ln, state)
	waitServing(t, roots, ln.Addr().String(), url)
	t.Logf("the first process drained and exited in %s; the second answered %s after SIGTERM", drained.Round(time.Millisecond), time.Since(began).Round(time.Millisecond))
	time.Sleep(500 * time.Millisecond) // load after the switch
	r := g.Stop()
	t.Logf("restart through a passed socket: %s", r)
	if r.Failed > 0 || r.Sent < 50 {
		t.Errorf("%s; first errors:\n%s", r, strings.Join(r.Errors, "\n"))
	}
}

// mustRootPoolWait waits until the process serves TLS, so that it has
// made its local CA, and returns the CA's root.
func mustRootPoolWait(t *testing.T, addr, state string) *x509.CertPool {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
		if err == nil {
			c.Close()
			return mustRootPool(t, state)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no TLS on %s after 30 s: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitServing polls url until it answers.
func waitServing(t *testing.T, roots *x509.CertPool, addr, url string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		g := loadgen.Start(roots, addr, url)
		time.Sleep(20 * time.Millisecond)
		if r := g.Stop(); r.Sent > 0 && r.Failed == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not answer", url)
		}
	}
}

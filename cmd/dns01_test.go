package cmd

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/testbind"
	"github.com/dashbox/dashbox/internal/testenv"
	dashtls "github.com/dashbox/dashbox/tls"
	"golang.org/x/sys/unix"
)

// The DNS-01 tests need port 53 and a resolv.conf naming this test's BIND:
// certmagic finds the zone and its name servers through the system's
// resolver, and checks at each name server that the TXT record is there
// before Pebble is told to look. So the test binary runs itself again in a
// network and mount namespace of its own (unshare -n -m: nothing but a
// loopback interface, and a resolv.conf bind-mounted over /etc/resolv.conf
// that no other process sees), where BIND, Pebble and dashbox all run.
// inNetnsEnv marks the run inside; the outer test only relays the result.

const inNetnsEnv = "DASHBOX_TEST_IN_NETNS"

// inOwnNetns runs the calling test again inside new network and mount
// namespaces, and reports whether the caller is already there (and should
// do the work). Outside, it fails the test if the inner run fails.
func inOwnNetns(t *testing.T) bool {
	t.Helper()
	if os.Getenv(inNetnsEnv) != "" {
		testenv.BringLoopbackUp(t)
		resolv := filepath.Join(t.TempDir(), "resolv.conf")
		writeTestFile(t, resolv, []byte("nameserver 127.0.0.1\n"))
		if err := os.Chmod(resolv, 0o644); err != nil {
			t.Fatal(err)
		}
		// unshare(1) made every mount private: this one stays in here.
		if err := unix.Mount(resolv, "/etc/resolv.conf", "", unix.MS_BIND, ""); err != nil {
			t.Fatalf("bind-mount resolv.conf: %v", err)
		}
		return true
	}
	if os.Geteuid() != 0 {
		t.Fatal("the DNS-01 tests make a network namespace, which needs root (go test runs as root in CI)")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Fatalf("unshare (util-linux) not found: %v", err)
	}
	args := []string{"-n", "-m", "--propagation", "private", os.Args[0], "-test.run", "^" + t.Name() + "$", "-test.v", "-test.timeout", "150s"}
	cmd := exec.Command(unshare, args...)
	cmd.Env = append(os.Environ(), inNetnsEnv+"=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err = cmd.Run()
	if err != nil || !strings.Contains(out.String(), "--- PASS: "+t.Name()) {
		t.Fatalf("%s in its own network namespace: %v\n%s", t.Name(), err, out.String())
	}
	if testing.Verbose() {
		t.Logf("in its own network namespace (%s):\n%s", time.Since(start).Round(time.Millisecond), out.String())
	}
	return false
}

// TestDNS01 obtains certificates for a name and its wildcard with DNS-01
// through RFC 2136 updates to a real BIND, with HTTP-01 and TLS-ALPN-01
// impossible (nothing listens where Pebble would connect), and checks that
// the TXT records are gone afterwards; then each way the DNS server can
// refuse fails with its own message and leaves no record behind.
func TestDNS01(t *testing.T) {
	if !inOwnNetns(t) {
		return
	}
	bind := testbind.Start(t, testbind.Options{Addr: "127.0.0.1:53", Zone: "dash.test"})
	p := startPebble(t, pebbleOptions{dnsServer: "127.0.0.1:53"})
	useTLSTuning(t, dashtls.Tuning{}, nil)
	old := dns01PropagationTimeout
	dns01PropagationTimeout = 20 * time.Second
	t.Cleanup(func() { dns01PropagationTimeout = old })
	const challenge = "_acme-challenge.dash.test"

	// dashboxArgs without the listeners on Pebble's challenge ports:
	// mustStart's are on free ports Pebble does not know.
	args := func(keyFile string, server string, domains ...string) []string {
		a := []string{"--acme-ca", p.directoryURL(), "--acme-ca-root", p.rootFile,
			"--acme-dns-server", server, "--acme-dns-tsig-key", keyFile}
		for _, d := range domains {
			a = append(a, "--domain", d)
		}
		return a
	}

	t.Run("name and wildcard", func(t *testing.T) {
		d := mustStart(t, args(bind.KeyFile, bind.Addr, "dash.test", "*.dash.test")...)
		waitCertificate(t, d, "dash.test")
		waitCertificate(t, d, "*.dash.test")
		roots := p.roots(t)
		if leaf := servedLeaf(t, d, "dash.test", roots); leaf.DNSNames[0] != "dash.test" {
			t.Errorf("dash.test served a certificate for %v", leaf.DNSNames)
		}
		// Any name under the wildcard gets the wildcard certificate.
		if leaf := servedLeaf(t, d, "anything.dash.test", roots); leaf.DNSNames[0] != "*.dash.test" {
			t.Errorf("anything.dash.test served a certificate for %v", leaf.DNSNames)
		}
		if strings.Contains(p.log.String(), "http-01") || strings.Contains(p.log.String(), "tls-alpn-01") {
			t.Errorf("Pebble tried another challenge:\n%s", p.log)
		}
		if txt := bind.TXT(t, challenge); len(txt) != 0 {
			t.Errorf("TXT records left behind after issuance: %q", txt)
		}
	})

	// Each failure: dashbox keeps serving (mustStart saw "serving"), logs
	// the cause, and the zone holds no challenge record.
	failure := func(t *testing.T, keyFile, server, want string) {
		t.Helper()
		d := mustStart(t, args(keyFile, server, "fail.dash.test")...)
		ev := waitLogEvent(t, d, "the failure "+want, 1, func(ev map[string]any) bool {
			return ev["msg"] == "certificate problem" && ev["name"] == "fail.dash.test"
		})
		if msg := str(ev["error"]); !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		} else {
			t.Log(msg)
		}
		if resp, _ := d.get(t, "/healthz"); resp.StatusCode != 200 {
			t.Errorf("/healthz: %d while the certificate fails", resp.StatusCode)
		}
		if txt := bind.TXT(t, "_acme-challenge.fail.dash.test"); len(txt) != 0 {
			t.Errorf("TXT records left behind: %q", txt)
		}
	}
	t.Run("wrong secret", func(t *testing.T) {
		key, err := os.ReadFile(bind.KeyFile)
		if err != nil {
			t.Fatal(err)
		}
		wrong := filepath.Join(t.TempDir(), "wrong.key")
		i := bytes.Index(key, []byte(`secret "`)) + len(`secret "`)
		copy(key[i:], "AAAAAAAA")
		writeTestFile(t, wrong, key)
		failure(t, wrong, bind.Addr, "(BADSIG)")
	})
	t.Run("key not allowed", func(t *testing.T) {
		failure(t, bind.OtherKeyFile, bind.Addr, "(REFUSED)")
	})
	t.Run("server stopped", func(t *testing.T) {
		stopped := testbind.Start(t, testbind.Options{Zone: "dash.test"})
		stopped.Stop()
		failure(t, stopped.KeyFile, stopped.Addr, "no answer")
	})

	// The order fails after the record was added (Pebble looks in another
	// server, where it is not): the record is removed all the same.
	t.Run("order fails, record removed", func(t *testing.T) {
		elsewhere := testbind.Start(t, testbind.Options{Zone: "dash.test"})
		p2 := startPebble(t, pebbleOptions{dnsServer: elsewhere.Addr})
		a := args(bind.KeyFile, bind.Addr, "dash.test")
		a[1], a[3] = p2.directoryURL(), p2.rootFile
		d := mustStart(t, a...)
		ev := waitLogEvent(t, d, "the failed order", 1, func(ev map[string]any) bool {
			return ev["msg"] == "certificate problem" && ev["name"] == "dash.test"
		})
		if msg := str(ev["error"]); !strings.Contains(msg, "TXT") {
			t.Errorf("error %q does not say the CA found no TXT record", msg)
		} else {
			t.Log(msg)
		}
		d.stop()
		if txt := bind.TXT(t, challenge); len(txt) != 0 {
			t.Errorf("TXT records left behind after a failed order: %q", txt)
		}
	})
}

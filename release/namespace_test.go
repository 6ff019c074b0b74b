//go:build airgap && linux

package main

import (
	"net"
	"path/filepath"
	"testing"
)

// mustOnlyLoopback fails unless loopback is the only interface: anywhere
// else the test would prove nothing.
func mustOnlyLoopback(t *testing.T) {
	t.Helper()
	ifaces, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, iface := range ifaces {
		if iface.Flags&net.FlagLoopback == 0 {
			t.Fatalf("interface %s in the namespace: the test would not prove anything", iface.Name)
		}
	}
}

// probeConnects makes the three kinds of connect calls the trace checker
// must tell apart: loopback TCP, a Unix socket in dir, and UDP to a
// TEST-NET-1 address (RFC 5737), which sends no packet and here has no
// route at all.
func probeConnects(t *testing.T, dir string) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.Close()

	sock := filepath.Join(dir, "probe.sock")
	ul, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ul.Close()
	uc, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	uc.Close()

	if c, err := net.Dial("udp4", "192.0.2.1:53"); err == nil {
		c.Close()
	}
}

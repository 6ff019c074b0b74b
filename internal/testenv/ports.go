package testenv

import (
	"fmt"
	"net"
	"sync"
	"testing"
)

// handedOut holds the ports this process's tests were given: a port is
// free again once its probe closes, and the kernel may hand it to the next
// probe before the first test's server binds it.
var handedOut = struct {
	sync.Mutex
	ports map[int]bool
}{ports: map[int]bool{}}

// claim reports whether port was not handed out before, and records it.
func claim(port int) bool {
	handedOut.Lock()
	defer handedOut.Unlock()
	if handedOut.ports[port] {
		return false
	}
	handedOut.ports[port] = true
	return true
}

// FreePort returns a TCP port free on the address ip, never one it
// returned before in this process.
func FreePort(tb testing.TB, ip string) int {
	tb.Helper()
	for range 50 {
		ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
		if err != nil {
			tb.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if claim(port) {
			return port
		}
	}
	tb.Fatalf("no TCP port free on %s that was not handed out already", ip)
	return 0
}

// FreeDNSPort returns a port free on 127.0.0.1 for both UDP and TCP, as a
// DNS server listens on both, never one returned before in this process.
func FreeDNSPort(tb testing.TB) int {
	tb.Helper()
	for range 50 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			tb.Fatal(err)
		}
		port := pc.LocalAddr().(*net.UDPAddr).Port
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		pc.Close()
		if err == nil {
			ln.Close()
			if claim(port) {
				return port
			}
		}
	}
	tb.Fatal("no port free for both UDP and TCP")
	return 0
}

package testenv

import (
	"fmt"
	"net"
	"testing"
)

// FreeDNSPort returns a port free on 127.0.0.1 for both UDP and TCP, as a
// DNS server listens on both.
func FreeDNSPort(tb testing.TB) int {
	tb.Helper()
	for range 20 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			tb.Fatal(err)
		}
		port := pc.LocalAddr().(*net.UDPAddr).Port
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		pc.Close()
		if err == nil {
			ln.Close()
			return port
		}
	}
	tb.Fatal("no port free for both UDP and TCP")
	return 0
}

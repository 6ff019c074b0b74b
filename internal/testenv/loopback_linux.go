// Package testenv holds helpers for tests that build their own environment,
// such as a network namespace with nothing but loopback. It is imported only
// by _test.go files and the test helpers under internal/.
package testenv

import (
	"testing"

	"golang.org/x/sys/unix"
)

// BringLoopbackUp sets lo up, as `ip link set lo up` does: a new network
// namespace starts with it down.
func BringLoopbackUp(tb testing.TB) {
	tb.Helper()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		tb.Fatal(err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		tb.Fatal(err)
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		tb.Fatalf("get lo flags: %v", err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		tb.Fatalf("set lo up: %v", err)
	}
}

//go:build linux

package server

import (
	"errors"
	"net"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// passSockets puts listening sockets on descriptors start, start+1, ... as
// systemd would, and returns their addresses.
func passSockets(t *testing.T, start, n int) []string {
	t.Helper()
	var addrs []string
	for i := 0; i < n; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		f, err := ln.(*net.TCPListener).File()
		if err != nil {
			t.Fatal(err)
		}
		if err := syscall.Dup3(int(f.Fd()), start+i, 0); err != nil {
			t.Fatal(err)
		}
		f.Close()
		addrs = append(addrs, ln.Addr().String())
		ln.Close()
	}
	return addrs
}

func activationEnv(vars map[string]string) (func(string) string, func(string) error, map[string]bool) {
	unset := map[string]bool{}
	return func(k string) string {
			if unset[k] {
				return ""
			}
			return vars[k]
		}, func(k string) error {
			unset[k] = true
			return nil
		}, unset
}

// TestActivatedByName: the sockets named https and http are used whatever
// their order, and the variables are unset.
func TestActivatedByName(t *testing.T) {
	const start = 200
	addrs := passSockets(t, start, 2)
	getenv, unsetenv, unset := activationEnv(map[string]string{
		"LISTEN_PID": "42", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "http:https",
	})
	l, err := activated(getenv, unsetenv, 42, start)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if !l.Activated() || l.HTTPSAddr().String() != addrs[1] || l.HTTPAddr().String() != addrs[0] {
		t.Errorf("https %v http %v, want %s and %s", l.HTTPSAddr(), l.HTTPAddr(), addrs[1], addrs[0])
	}
	for _, v := range []string{"LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"} {
		if !unset[v] {
			t.Errorf("%s not unset", v)
		}
	}
	// The listener accepts: the descriptor was a live socket.
	c, err := net.Dial("tcp", addrs[1])
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}

// TestActivatedHTTPSOnly: a socket unit without the redirect passes one.
func TestActivatedHTTPSOnly(t *testing.T) {
	const start = 210
	passSockets(t, start, 1)
	getenv, unsetenv, _ := activationEnv(map[string]string{"LISTEN_PID": "7", "LISTEN_FDS": "1", "LISTEN_FDNAMES": "https"})
	l, err := activated(getenv, unsetenv, 7, start)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if l.HTTPAddr() != nil {
		t.Errorf("an HTTP listener out of nowhere: %v", l.HTTPAddr())
	}
}

// TestActivatedRefuses: no activation, another process's, and sockets
// without an https name.
func TestActivatedRefuses(t *testing.T) {
	for _, tt := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"none", map[string]string{}, ErrNoActivation.Error()},
		{"another process", map[string]string{"LISTEN_PID": "1", "LISTEN_FDS": "1"}, ErrNoActivation.Error()},
		{"bad count", map[string]string{"LISTEN_PID": "9", "LISTEN_FDS": "x"}, "not a count"},
		{"no https", map[string]string{"LISTEN_PID": "9", "LISTEN_FDS": "1", "LISTEN_FDNAMES": "http"}, "FileDescriptorName=https"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			const start = 220
			if n, _ := strconv.Atoi(tt.env["LISTEN_FDS"]); n > 0 {
				passSockets(t, start, n)
			}
			getenv, unsetenv, _ := activationEnv(tt.env)
			_, err := activated(getenv, unsetenv, 9, start)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
			if tt.want == ErrNoActivation.Error() && !errors.Is(err, ErrNoActivation) {
				t.Errorf("%v is not ErrNoActivation", err)
			}
		})
	}
}

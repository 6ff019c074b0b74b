package server

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
)

// Socket activation: under a systemd .socket unit, PID 1 binds the ports
// and hands the listening sockets to the service, so that a restart or an
// upgrade never closes them: connections that arrive while no process
// accepts wait in the kernel's backlog. The service needs no privilege to
// bind ports below 1024.
//
// The protocol (sd_listen_fds(3)) is a few lines, written here rather than
// taken from go-systemd's activation package: LISTEN_PID must be this
// process, LISTEN_FDS counts the descriptors from 3 on, LISTEN_FDNAMES names
// them (FileDescriptorName= in the socket unit), and the variables are
// unset so that a child process does not take the sockets for its own.
// go-systemd's Files(true) would unset them as well, but a caller needs the
// names and the listeners together and a clear error when one is missing,
// and dashbox already speaks sd_notify without a library.

// Names of the sockets in dashbox's socket unit (FileDescriptorName=).
const (
	// ActivationHTTPS names the HTTPS listener.
	ActivationHTTPS = "https"
	// ActivationHTTP names the HTTP redirect listener.
	ActivationHTTP = "http"
)

// listenFDsStart is the first descriptor systemd passes (SD_LISTEN_FDS_START).
const listenFDsStart = 3

// ErrNoActivation is returned by Activated when the process was not
// started with sockets from systemd.
var ErrNoActivation = errors.New("no sockets passed by systemd (LISTEN_FDS)")

// Activated returns the listeners systemd passed to this process: the one
// named "https", and the one named "http" when there is one. Without names
// (a socket unit without FileDescriptorName=) the first is HTTPS and the
// second HTTP. It returns ErrNoActivation when no sockets were passed, so
// that serve binds its own; any other error means sockets were passed but
// cannot be used. It unsets LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES, and
// closes the passed descriptors it does not use.
func Activated() (*Listeners, error) {
	return activated(os.Getenv, os.Unsetenv, os.Getpid(), listenFDsStart)
}

// activated is Activated with its inputs injected; start is the first
// descriptor (3, but for tests).
func activated(getenv func(string) string, unsetenv func(string) error, pid, start int) (*Listeners, error) {
	pidVar, fdsVar, namesVar := getenv("LISTEN_PID"), getenv("LISTEN_FDS"), getenv("LISTEN_FDNAMES")
	if fdsVar == "" {
		return nil, ErrNoActivation
	}
	for _, v := range []string{"LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"} {
		unsetenv(v)
	}
	if p, err := strconv.Atoi(pidVar); err != nil || p != pid {
		// Meant for another process (a parent that did not unset them).
		return nil, ErrNoActivation
	}
	n, err := strconv.Atoi(fdsVar)
	if err != nil || n < 1 || n > 64 {
		return nil, fmt.Errorf("socket activation: LISTEN_FDS=%q is not a count of sockets", fdsVar)
	}
	var names []string
	if namesVar != "" {
		names = strings.Split(namesVar, ":")
	}
	files := make([]*os.File, n)
	for i := range files {
		name := ""
		if i < len(names) {
			name = names[i]
		}
		files[i] = os.NewFile(uintptr(start+i), name)
	}
	// net.FileListener duplicates the descriptor: the originals are closed
	// whatever happens.
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	pick := func(name string, index int) *os.File {
		for i, f := range files {
			if i < len(names) && names[i] == name {
				return f
			}
		}
		if index < len(files) && !namedOurs(names) {
			return files[index]
		}
		return nil
	}
	httpsFile, httpFile := pick(ActivationHTTPS, 0), pick(ActivationHTTP, 1)
	if httpsFile == nil {
		return nil, fmt.Errorf("socket activation: systemd passed %d sockets named %q but none named %q: set FileDescriptorName=%s on the HTTPS ListenStream= of the socket unit", n, namesVar, ActivationHTTPS, ActivationHTTPS)
	}
	l := &Listeners{activated: true}
	if l.https, err = fileListener(httpsFile, "HTTPS"); err != nil {
		return nil, err
	}
	if httpFile != nil {
		if l.http, err = fileListener(httpFile, "the HTTP redirect"); err != nil {
			l.https.Close()
			return nil, err
		}
	}
	return l, nil
}

// namedOurs reports whether the names include one of dashbox's, in which
// case sockets are chosen by name only.
func namedOurs(names []string) bool {
	for _, n := range names {
		if n == ActivationHTTPS || n == ActivationHTTP {
			return true
		}
	}
	return false
}

// fileListener makes a TCP listener of a passed descriptor.
func fileListener(f *os.File, what string) (net.Listener, error) {
	ln, err := net.FileListener(f)
	if err != nil {
		return nil, fmt.Errorf("socket activation: the socket passed for %s is not a listening socket: %v", what, err)
	}
	if _, ok := ln.Addr().(*net.TCPAddr); !ok {
		ln.Close()
		return nil, fmt.Errorf("socket activation: the socket passed for %s is %s, not TCP: use ListenStream= with a port or an address and port", what, ln.Addr().Network())
	}
	return ln, nil
}

// Activated reports whether the listeners came from systemd (socket
// activation) rather than Listen.
func (l *Listeners) Activated() bool { return l.activated }

// Package pprofserve serves Go's profiles (net/http/pprof) on a loopback
// address, for the profiling builds of dashbox and of the bench's file
// server: both import it only from a file built with `-tags pprof`, which
// reads the address from DASHBOX_PPROF_ADDR (README: Performance,
// Profiles). Ordinary builds do not link it: runtime/pprof and its handlers
// cost about 300 KiB of binary and some idle memory, and a profiling
// endpoint has no place in a production server.
package pprofserve

import (
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// AddrEnv names the environment variable with the address to serve on.
const AddrEnv = "DASHBOX_PPROF_ADDR"

// CheckAddr accepts only a literal loopback address with a port: profiles
// and traces show what the program holds (request paths, the command line)
// and must not leave the machine. A host name is refused too, since what it
// resolves to is not known here.
func CheckAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%s=%q is not host:port: use %s=127.0.0.1:6060", AddrEnv, addr, AddrEnv)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%s=%q is not a loopback address: profiles must not leave this machine; use %s=127.0.0.1:6060", AddrEnv, addr, AddrEnv)
	}
	return nil
}

// Serve checks addr, listens on it and serves Mux in the background, for the
// rest of the process's life. The listener is bound when Serve returns, so
// the profiles can be fetched as soon as the program answers its own
// requests.
func Serve(addr string) error {
	if err := CheckAddr(addr); err != nil {
		return err
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("%s: %v: choose another port", AddrEnv, err)
	}
	srv := &http.Server{Handler: Mux(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(l)
	return nil
}

// Mux serves the profiles under /debug/pprof/ on a mux of its own.
// Importing net/http/pprof also registers them on http.DefaultServeMux,
// which neither program serves.
func Mux() *http.ServeMux {
	mux := http.NewServeMux()
	// Index serves the index and every named profile (heap, goroutine,
	// allocs, block, mutex, threadcreate) below it.
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

//go:build pprof

// Profiling, for measuring only: a dashbox built with `-tags pprof` serves
// net/http/pprof's handlers on DASHBOX_PPROF_ADDR while `dashbox serve`
// runs. The ordinary build has none of this: runtime/pprof and the handlers
// cost about 300 KiB of binary and some idle memory, and a profiling
// endpoint has no place in a production server. dashbox-bench -pprof uses
// it to profile dashbox under exactly the benchmark's load:
//
//	CGO_ENABLED=0 go build -trimpath -tags pprof -o bin/dashbox-pprof ./cmd/dashbox
//	DASHBOX_PPROF_ADDR=127.0.0.1:6060 bin/dashbox-pprof serve ...
//	go tool pprof -top http://127.0.0.1:6060/debug/pprof/profile?seconds=10

package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"time"
)

// pprofAddrEnv names the profiling address. It is read here, not through
// serve's flags, so that ordinary builds have no such flag either.
const pprofAddrEnv = "DASHBOX_PPROF_ADDR"

// init starts the profiling listener before run() starts serving, so that
// once dashbox answers HTTPS its profiles can be fetched too. Only `serve`
// gets one: the other commands end within moments, and a `dashbox ca` run
// beside a serving dashbox would find the address taken. An address that is
// not loopback, or one that cannot be listened on, ends dashbox with one
// line saying what to do: a profiling build asked to profile must not run
// unprofiled unnoticed, nor expose its memory's contents to the network.
func init() {
	addr := os.Getenv(pprofAddrEnv)
	if addr == "" || len(os.Args) < 2 || os.Args[1] != "serve" {
		return
	}
	if err := checkPprofAddr(addr); err != nil {
		fmt.Fprintf(os.Stderr, "dashbox: %v\n", err)
		os.Exit(2) // a mistake in what dashbox was given, as a bad flag is
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "dashbox: %s: %v: choose another port\n", pprofAddrEnv, err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: pprofMux(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(l)
}

// checkPprofAddr accepts only a literal loopback address with a port:
// profiles and traces show what the program holds (request paths, the
// command line) and must not leave the machine. A host name is refused
// too, since what it resolves to is not known here.
func checkPprofAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%s=%q is not host:port: use %s=127.0.0.1:6060", pprofAddrEnv, addr, pprofAddrEnv)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%s=%q is not a loopback address: profiles must not leave this machine; use %s=127.0.0.1:6060", pprofAddrEnv, addr, pprofAddrEnv)
	}
	return nil
}

// pprofMux serves the profiles under /debug/pprof/ on a mux of its own.
// Importing net/http/pprof also registers them on http.DefaultServeMux,
// which dashbox never serves.
func pprofMux() *http.ServeMux {
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

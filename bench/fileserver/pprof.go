//go:build pprof

// Profiling for dashbox-bench -pprof, as in dashbox: built with
// `-tags pprof`, bench-fileserver serves net/http/pprof's handlers on
// DASHBOX_PPROF_ADDR (loopback only). Behind a tag, so that the plain
// build stays "Go's defaults and nothing else" and its idle memory and
// start-up figures do not carry runtime/pprof.
//
//	go build -tags pprof -o bin/bench-fileserver-pprof ./bench/fileserver

package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"time"
)

const pprofAddrEnv = "DASHBOX_PPROF_ADDR"

// init listens before the file server starts, so that the profiles can be
// fetched once it answers; a bad or taken address ends the program.
func init() {
	addr := os.Getenv(pprofAddrEnv)
	if addr == "" {
		return
	}
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		fmt.Fprintf(os.Stderr, "bench-fileserver: %s=%q is not a loopback host:port: use %s=127.0.0.1:6060\n", pprofAddrEnv, addr, pprofAddrEnv)
		os.Exit(2)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench-fileserver: %s: %v\n", pprofAddrEnv, err)
		os.Exit(1)
	}
	// A mux of its own: the file server's handler is not DefaultServeMux
	// either, but the profiles should not depend on that.
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(l)
}

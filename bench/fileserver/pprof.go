//go:build pprof

// Profiling for dashbox-bench -pprof, as in dashbox: built with
// `-tags pprof`, bench-fileserver serves Go's profiles on
// DASHBOX_PPROF_ADDR (loopback only). Behind a tag, so that the plain
// build stays "Go's defaults and nothing else" and its idle memory and
// start-up figures do not carry runtime/pprof.
//
//	go build -tags pprof -o bin/bench-fileserver-pprof ./bench/fileserver

package main

import (
	"fmt"
	"os"

	"github.com/dashbox/dashbox/internal/pprofserve"
)

// init listens before the file server starts, so that the profiles can be
// fetched once it answers; a bad or taken address ends the program.
func init() {
	addr := os.Getenv(pprofserve.AddrEnv)
	if addr == "" {
		return
	}
	if err := pprofserve.Serve(addr); err != nil {
		fmt.Fprintf(os.Stderr, "bench-fileserver: %v\n", err)
		os.Exit(2)
	}
}

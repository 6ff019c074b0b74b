//go:build pprof

// Profiling, for measuring only: a dashbox built with `-tags pprof` serves
// Go's profiles on DASHBOX_PPROF_ADDR (a loopback address) while
// `dashbox serve` runs; dashbox-bench -pprof uses it to profile dashbox
// under exactly the benchmark's load. The ordinary build has none of this
// (see internal/pprofserve):
//
//	CGO_ENABLED=0 go build -trimpath -tags pprof -o bin/dashbox-pprof ./cmd/dashbox
//	DASHBOX_PPROF_ADDR=127.0.0.1:6060 bin/dashbox-pprof serve ...
//	go tool pprof -top http://127.0.0.1:6060/debug/pprof/profile?seconds=10

package main

import (
	"fmt"
	"os"

	"github.com/dashbox/dashbox/internal/pprofserve"
)

// init starts the profiling listener before run() starts serving, so that
// once dashbox answers HTTPS its profiles can be fetched too. Only `serve`
// gets one: the other commands end within moments, and a `dashbox ca` run
// beside a serving dashbox would find the address taken. An address that is
// not loopback, or one that cannot be listened on, ends dashbox with one
// line saying what to do: a profiling build asked to profile must not run
// unprofiled unnoticed, nor expose its memory's contents to the network.
func init() {
	addr := os.Getenv(pprofserve.AddrEnv)
	if addr == "" || len(os.Args) < 2 || os.Args[1] != "serve" {
		return
	}
	if err := pprofserve.CheckAddr(addr); err != nil {
		fmt.Fprintf(os.Stderr, "dashbox: %v\n", err)
		os.Exit(2) // a mistake in what dashbox was given, as a bad flag is
	}
	if err := pprofserve.Serve(addr); err != nil {
		fmt.Fprintf(os.Stderr, "dashbox: %v\n", err)
		os.Exit(1)
	}
}

// Command dashbox-bench measures dashbox against nginx, Caddy and a plain Go
// net/http file server on one machine, the figures of issue 7: static files
// over HTTPS keep-alive (1 KiB and 1 MiB), full TLS handshakes, HTTP/2, idle
// memory, start-up time, and dashbox's own dashboard pages. `make bench`
// installs what it needs and runs it.
//
// Every server gets core 1 (taskset; GOMAXPROCS=1 for the Go servers, one
// nginx worker), every load generator core 0. The capacity figure is
// server-core µs per request: the busy time of core 1 from /proc/stat over a
// run divided by the requests served, which stays fair where one client
// core cannot saturate one server core. Each figure is the median of three
// runs. All servers serve the same files with the same ECDSA P-256
// certificate. All traffic stays on loopback, every run is bounded in time
// (and the handshake client in count), and every server started is stopped
// on every way out.
//
// With -pprof DIR it also takes CPU profiles where a target is missed and
// the question is why: dashbox and the Go file server, built with
// `-tags pprof`, then serve Go's profiling handlers on the loopback address
// in DASHBOX_PPROF_ADDR (ordinary builds have no such code), and during the
// first measured run of every figure dashbox-bench fetches
// /debug/pprof/profile for the run's steady state (its length less a
// second) into DIR/<server>-<figure>.pprof. Read one with
// `go tool pprof -top -nodecount=30 DIR/dashbox-static_1k.pprof`. Profiling
// costs the servers CPU, so such a run's figures are not for comparison;
// its results go to DIR unless -out is given.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	if err := run(ctx, os.Args, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "dashbox-bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args[1:], stderr)
	if err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return err
	}
	if err := pinToLoadCPU(args); err != nil {
		return err
	}
	h, err := newHarness(cfg, stdout, stderr)
	if err != nil {
		return err
	}
	return h.run(ctx)
}

// pinToLoadCPU makes this program (and so the handshake client, which runs
// inside it) run on the load generator's core only, by re-executing itself
// under taskset when it is not pinned yet. The re-executed program also
// runs at nice -20 (as root; elsewhere nice warns and goes on), and so do
// the servers and load generators it starts: other programs on a shared
// machine then take far less of the two cores while a figure is measured.
// Every server gets the same priority, so the comparison stays fair.
func pinToLoadCPU(args []string) error {
	if _, err := readCPU(serverCPU); err != nil {
		return err
	}
	if allowedCPUs() == fmt.Sprint(loadCPU) {
		return nil
	}
	taskset, err := lookPath("taskset")
	if err != nil {
		return fmt.Errorf("taskset not found: install util-linux")
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	argv := append([]string{"taskset", "-c", fmt.Sprint(loadCPU), self}, args[1:]...)
	if nice, err := lookPath("nice"); err == nil {
		argv = append([]string{"nice", "-n", "-20"}, argv...)
		taskset = nice
	}
	return syscall.Exec(taskset, argv, os.Environ())
}

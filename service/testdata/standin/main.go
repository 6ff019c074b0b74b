// Command standin stands in for `dashbox serve` in the service package's
// container test (TestSystemdInContainer), so that the unit, its sandbox and
// Install, Uninstall, Control and Status are tested in a real systemd on their
// own, apart from the server.
//
// Like serve it takes the sockets systemd passes (socket activation, the
// fds named https and http) or else listens on --https-addr and --http-addr, tells systemd it is
// ready with service.Notify once both listeners are bound, and stops on
// SIGTERM. Unlike serve it speaks no HTTP: every connection gets one line,
// "standin pid=<pid> uid=<uid> state=<ok|error>", where state says whether
// it could write to its state directory.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/dashbox/dashbox/service"
)

func main() {
	if len(os.Args) < 2 || os.Args[1] != "serve" {
		fmt.Fprintln(os.Stderr, "usage: standin serve [--https-addr=ADDR] [--http-addr=ADDR]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	httpsAddr := fs.String("https-addr", ":443", "first listener")
	httpAddr := fs.String("http-addr", ":80", "second listener")
	fs.Parse(os.Args[2:])

	state := "ok"
	if err := os.WriteFile(filepath.Join(os.Getenv("STATE_DIRECTORY"), "standin"), []byte("ok\n"), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, "standin: state directory:", err)
		state = "error"
	}
	greeting := fmt.Sprintf("standin pid=%d uid=%d state=%s\n", os.Getpid(), os.Getuid(), state)

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, os.Interrupt)
	for _, ln := range listeners(*httpsAddr, *httpAddr) {
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				c.Write([]byte(greeting))
				c.Close()
			}
		}()
	}
	if err := service.Notify("READY=1"); err != nil {
		fmt.Fprintln(os.Stderr, "standin:", err)
	}
	<-stop
	service.Notify("STOPPING=1")
}

// listeners are the sockets systemd passed (LISTEN_FDS, named by
// LISTEN_FDNAMES), or else the addresses bound here.
func listeners(addrs ...string) []net.Listener {
	var lns []net.Listener
	if n, _ := strconv.Atoi(os.Getenv("LISTEN_FDS")); n > 0 && os.Getenv("LISTEN_PID") == strconv.Itoa(os.Getpid()) {
		names := strings.Split(os.Getenv("LISTEN_FDNAMES"), ":")
		for i := 0; i < n; i++ {
			if i >= len(names) || (names[i] != "https" && names[i] != "http") {
				fmt.Fprintf(os.Stderr, "standin: passed socket %d is named %q, not https or http\n", i, names)
				os.Exit(1)
			}
			ln, err := net.FileListener(os.NewFile(uintptr(3+i), names[i]))
			if err != nil {
				fmt.Fprintln(os.Stderr, "standin:", err)
				os.Exit(1)
			}
			lns = append(lns, ln)
		}
		return lns
	}
	for _, addr := range addrs {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "standin:", err)
			os.Exit(1)
		}
		lns = append(lns, ln)
	}
	return lns
}

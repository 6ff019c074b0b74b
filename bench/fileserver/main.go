// Command bench-fileserver is the "plain Go net/http file server" column of
// `make bench`: http.FileServer over TLS with Go's defaults and nothing else
// (no access log, no extra headers, no timeouts), so the comparison shows
// what dashbox's own work costs on top of the standard library.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "bench-fileserver:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("bench-fileserver", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8443", "`address` to listen on")
	root := fs.String("root", ".", "`directory` to serve at /")
	cert := fs.String("cert", "", "certificate chain `file` (PEM)")
	key := fs.String("key", "", "private key `file` (PEM)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cert == "" || *key == "" {
		return errors.New("give --cert and --key")
	}
	srv := &http.Server{Addr: *addr, Handler: http.FileServer(http.Dir(*root))}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		srv.Shutdown(context.Background())
	}()
	if err := srv.ListenAndServeTLS(*cert, *key); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Command dashbox serves dashboards over HTTPS from one binary: TLS with its
// own local CA, Let's Encrypt or an admin's files, the HTTP-to-HTTPS redirect,
// embedded static files and the dashboard pages.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "dashbox: %v\n", err)
		os.Exit(exitCode(err))
	}
}

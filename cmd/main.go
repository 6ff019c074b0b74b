// Package cmd is dashbox's command line: serve, service, ca, certs, passwd,
// version and licenses, with every flag and the wiring of the packages
// behind them. cmd/dashbox builds it with the demo dashboards; another Go
// module builds the same command line around its own:
//
//	func main() {
//		cmd.Main(cmd.Options{Dashboards: []pages.Dashboard{sales}})
//	}
//
// docs/dashboards.md walks through it, and examples/hello is such a module.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/dashbox/dashbox/pages"
)

// Options are what a binary built on dashbox's command line brings of its
// own.
type Options struct {
	// Dashboards are what `serve` serves, at their paths and in this order
	// on the home page. At least one is required; pages.New checks each
	// (paths, titles, callbacks) when serve starts.
	Dashboards []pages.Dashboard
}

// ErrNoDashboards is Run's error when Options holds no dashboard.
var ErrNoDashboards = errors.New("no dashboards: Options.Dashboards must hold at least one")

func (o Options) validate() error {
	if len(o.Dashboards) == 0 {
		return ErrNoDashboards
	}
	return nil
}

// Main runs the command line with os.Args and the environment, stops on
// SIGINT or SIGTERM, and exits: 0 on success, 2 for a mistake in the
// command line, 1 for anything else, printing the error as one line.
func Main(opts Options) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := Run(ctx, opts, os.Args, os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "dashbox: %v\n", err)
		os.Exit(exitCode(err))
	}
}

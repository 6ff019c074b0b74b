// Command precompress writes the brotli and gzip siblings of the static
// package's text assets (see package precompress for the naming rules).
// `go generate ./static` runs it; make does that before go build, after
// copying the npm assets into static/assets/vendor:
//
//	go run ./internal/cmd/precompress -dir assets   (from static/)
//
// It prints one summary line and exits non-zero with a one-line error when a
// file cannot be read or written.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/dashbox/dashbox/static/internal/precompress"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fl := flag.NewFlagSet("precompress", flag.ContinueOnError)
	dir := fl.String("dir", "assets", "asset `folder` whose text files get .br and .gz siblings")
	fl.SetOutput(stdout)
	if err := fl.Parse(args); err != nil {
		return fmt.Errorf("precompress: %w", err)
	}
	if fl.NArg() > 0 {
		return fmt.Errorf("precompress: unexpected argument %q: the only input is -dir", fl.Arg(0))
	}
	fi, err := os.Stat(*dir)
	if err != nil || !fi.IsDir() {
		return fmt.Errorf("precompress: %s is not a folder: run from static/ or pass -dir static/assets", *dir)
	}
	rep, err := precompress.Dir(*dir)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "precompress:", rep)
	return nil
}

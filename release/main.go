// Command release builds dashbox's release archives: for each platform a
// static binary (no cgo, -trimpath, version stamped) packed with the README,
// the manuals (docs/*.md), the LICENSE and the third-party notices, plus a
// SHA256SUMS file. `make release` runs it from the repository root after make generate:
//
//	go run ./release -out dist -version v1.2.0 -date 2026-11-27T07:51:00+00:00 \
//		-ldflags '-s -w -X github.com/dashbox/dashbox/cmd.version=...' linux/amd64 linux/arm64 windows/amd64 darwin/arm64
//
// Two runs from the same commit with the same Go version give byte-identical
// archives: every time stamp in them is -date (the commit time), owners are
// 0, entries are sorted, and nothing depends on the clock, the checkout's
// path or the build cache.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	var opts options
	var date string
	fl := flag.NewFlagSet("release", flag.ContinueOnError)
	fl.SetOutput(stdout)
	fl.StringVar(&opts.root, "root", ".", "repository `folder`: README.md, docs/*.md, LICENSE, the generated notices and the package to build")
	fl.StringVar(&opts.out, "out", "dist", "`folder` for the archives and SHA256SUMS")
	fl.StringVar(&opts.version, "version", "", "`version` in the archive names, such as v1.2.0 (make: git describe)")
	fl.StringVar(&date, "date", "", "commit `time` (RFC 3339) stamped on every archive entry (make: git log -1 --format=%cI)")
	fl.StringVar(&opts.ldflags, "ldflags", "", "go build -ldflags, which stamp version, commit and build date (make: $(LDFLAGS))")
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	var err error
	if opts.date, err = time.Parse(time.RFC3339, date); err != nil {
		return fmt.Errorf("-date %q is not an RFC 3339 time: release from a git checkout, where make takes the commit's time", date)
	}
	if opts.platforms, err = parsePlatforms(fl.Args()); err != nil {
		return err
	}
	arts, err := release(ctx, opts)
	if err != nil {
		return err
	}
	printSizes(stdout, arts)
	return nil
}

// parsePlatforms reads GOOS/GOARCH arguments.
func parsePlatforms(args []string) ([]platform, error) {
	if len(args) == 0 {
		return nil, errors.New("no platform given: name at least one GOOS/GOARCH, such as linux/amd64")
	}
	var ps []platform
	seen := map[platform]bool{}
	for _, a := range args {
		goos, goarch, ok := strings.Cut(a, "/")
		if !ok || goos == "" || goarch == "" || strings.Contains(goarch, "/") {
			return nil, fmt.Errorf("platform %q: want GOOS/GOARCH, such as linux/amd64", a)
		}
		p := platform{goos, goarch}
		if !seen[p] {
			seen[p] = true
			ps = append(ps, p)
		}
	}
	return ps, nil
}

// printSizes reports what was built, for the release section of docs/development.md.
func printSizes(w io.Writer, arts []artifact) {
	fmt.Fprintf(w, "%-15s %10s %10s  %s\n", "platform", "binary", "archive", "file")
	for _, a := range arts {
		fmt.Fprintf(w, "%-15s %10s %10s  %s\n", a.platform, mib(a.binarySize), mib(a.archiveSize), a.archive)
	}
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

package cmd

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// Set by the Makefile with -ldflags "-X github.com/dashbox/dashbox/cmd.version=..."
// (and .commit, .buildDate). A plain `go build` or `go install` leaves them
// empty, and buildInfo falls back to what the Go toolchain recorded.
var (
	version   string
	commit    string
	buildDate string
)

// buildInfo returns the version, commit and build date of this binary.
func buildInfo() (v, c, d string) {
	v, c, d = version, commit, buildDate
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch {
			case s.Key == "vcs.revision" && c == "":
				c = s.Value
			case s.Key == "vcs.time" && d == "":
				d = s.Value
			}
		}
	}
	if v == "" {
		v = "devel"
	}
	if c == "" {
		c = "unknown"
	}
	if d == "" {
		d = "unknown"
	}
	return v, c, d
}

func runVersion(args []string, stdout io.Writer) error {
	if len(args) > 0 && args[0] != "--help" && args[0] != "-h" {
		return usageError{fmt.Sprintf("unexpected argument %q: dashbox version takes none", args[0])}
	}
	v, c, d := buildInfo()
	fmt.Fprintf(stdout, "dashbox %s\ncommit %s\nbuilt %s\n%s %s/%s\n", v, c, d, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}

// Command gennotices writes the third-party notices that package notices
// embeds: the licence and notice files of the Go toolchain, of every Go
// module compiled into dashbox on any release platform, and of every npm
// package in package-lock.json that is not a development dependency.
// `go generate ./notices` runs it; make does that after npm and before
// go build:
//
//	go run ./internal/cmd/gennotices -out thirdparty/THIRD_PARTY_NOTICES.txt -node-modules DIR   (from notices/)
//
// make installs the npm packages outside the clone (see its vendor target)
// and passes that folder through $DASHBOX_NODE_MODULES.
//
// The output depends only on go.mod, package-lock.json and the Go version,
// never on the clock or the machine, so release builds stay reproducible. A
// component without any licence file is an error, not a silent gap.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/dashbox/dashbox/internal/atomicfile"
)

// releasePlatforms are the systems `make release` builds for. The notices
// cover the union of their dependencies, so one file serves every archive;
// the release tool checks each binary against it.
const releasePlatforms = "linux/amd64,linux/arm64,windows/amd64,darwin/arm64"

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "gennotices:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fl := flag.NewFlagSet("gennotices", flag.ContinueOnError)
	out := fl.String("out", "thirdparty/THIRD_PARTY_NOTICES.txt", "`file` to write")
	pkg := fl.String("pkg", "github.com/dashbox/dashbox/cmd/dashbox", "`package` whose dependencies are listed")
	platforms := fl.String("platforms", releasePlatforms, "comma-separated GOOS/GOARCH `list` whose dependencies are covered")
	root := fl.String("root", "", "`folder` with package-lock.json (default: the main module's root)")
	nodeModules := fl.String("node-modules", "", "`folder` npm ci installed package-lock.json into (default: node_modules in -root)")
	fl.SetOutput(stdout)
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q: see -h", fl.Arg(0))
	}
	if *root == "" {
		dir, err := goCmd(nil, "list", "-m", "-f", "{{.Dir}}")
		if err != nil {
			return err
		}
		*root = strings.TrimSpace(dir)
	}
	if *nodeModules == "" {
		*nodeModules = filepath.Join(*root, "node_modules")
	}

	var comps []component
	goc, err := goToolchain()
	if err != nil {
		return err
	}
	comps = append(comps, goc)
	mods, err := goModules(*pkg, strings.Split(*platforms, ","))
	if err != nil {
		return err
	}
	comps = append(comps, mods...)
	npm, err := npmPackages(*root, *nodeModules)
	if err != nil {
		return err
	}
	comps = append(comps, npm...)

	var buf bytes.Buffer
	render(&buf, comps)
	changed, err := writeIfChanged(*out, buf.Bytes())
	if err != nil {
		return err
	}
	state := "up to date"
	if changed {
		state = "written"
	}
	fmt.Fprintf(stdout, "gennotices: %s %s: Go, %d modules, %d npm packages, %d KiB\n",
		*out, state, len(mods), len(npm), buf.Len()/1024)
	return nil
}

// writeIfChanged writes data to name through a temporary file and a rename,
// so an interrupted run never leaves a truncated file to embed; an identical
// file is left alone.
func writeIfChanged(name string, data []byte) (bool, error) {
	if old, err := os.ReadFile(name); err == nil && bytes.Equal(old, data) {
		return false, nil
	}
	// atomicfile's temporary name starts with a dot, which keeps a leftover
	// out of //go:embed.
	if err := atomicfile.WriteFile(name, data, 0o644); err != nil {
		return false, err
	}
	return true, nil
}

// Package notices carries the licences and notices of the third-party
// software compiled into dashbox: the Go standard library, every Go module
// and the browser libraries served from the binary (ECharts). Licences such
// as BSD, MIT and Apache-2.0 (with ECharts' NOTICE) require them to travel
// with every copy of the binary; 'dashbox licenses' prints them and every
// release archive holds them as THIRD_PARTY_NOTICES.txt.
//
// The text is generated at build time from the module cache and
// node_modules (see internal/cmd/gennotices), never committed.
package notices

import (
	"embed"
	"errors"
	"io/fs"
	"runtime/debug"
	"strings"
)

// The generator writes thirdparty/THIRD_PARTY_NOTICES.txt. make runs it
// after npm ci and before go build, with $DASHBOX_NODE_MODULES naming the
// folder npm installed into (outside the clone).
//go:generate go run ./internal/cmd/gennotices -out thirdparty/THIRD_PARTY_NOTICES.txt -node-modules=$DASHBOX_NODE_MODULES

// embedded is the thirdparty folder: its committed README (which keeps the
// pattern valid in a fresh clone) and, after go generate, the notices.
//
//go:embed thirdparty
var embedded embed.FS

// FileName is the name of the notices file, in the source tree and in the
// release archives.
const FileName = "THIRD_PARTY_NOTICES.txt"

// ErrNotGenerated is returned by Text in a binary built without running the
// generator first, such as one from a plain go build or go install.
var ErrNotGenerated = errors.New("this dashbox was built without its third-party notices (a plain go build or go install): build it with make, which generates them")

// Text returns the notices: an index of the components, then the text of
// every licence and notice file each one ships, in a stable order.
func Text() ([]byte, error) {
	b, err := fs.ReadFile(embedded, "thirdparty/"+FileName)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotGenerated
	}
	return b, err
}

// Uncovered returns what the build info of a binary lists that text holds no
// notice for: the Go toolchain as "go1.x.y" and each module as
// "path version". An empty result means every Go component compiled into
// that binary has its licence in text.
//
// It catches notices generated for other dependencies than the binary was
// built with, such as after a go.mod change without go generate.
func Uncovered(text []byte, bi *debug.BuildInfo) []string {
	s := string(text)
	var missing []string
	if !strings.Contains(s, "\n"+GoHeading(bi.GoVersion)) {
		missing = append(missing, bi.GoVersion)
	}
	for _, dep := range bi.Deps {
		if !strings.Contains(s, "\n"+ModuleHeading(dep.Path, dep.Version)) {
			missing = append(missing, dep.Path+" "+dep.Version)
		}
	}
	return missing
}

// GoHeading starts the title line of each file of the Go toolchain's
// licence in the notices.
func GoHeading(goVersion string) string {
	return "Go " + goVersion + " (standard library and runtime): "
}

// ModuleHeading starts the title line of each licence file of a Go module
// in the notices.
func ModuleHeading(path, version string) string {
	return path + " " + version + " (Go module): "
}

// NPMHeading starts the title line of each licence file of an npm package
// in the notices.
func NPMHeading(name, version string) string {
	return name + " " + version + " (npm package): "
}

package main

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/dashbox/dashbox/internal/atomicfile"
	"github.com/dashbox/dashbox/notices"
)

// options configures one release.
type options struct {
	// root is the repository: README.md, docs/*.md, LICENSE, the generated
	// notices and ./cmd/dashbox are read from it.
	root string
	// out receives the archives and SHA256SUMS; created if missing.
	out string
	// version names the archives (dashbox_<version>_<os>_<arch>.tar.gz).
	// It must not be empty nor contain path separators or spaces.
	version string
	// ldflags are passed to go build; they stamp version, commit and
	// build date into the binary.
	ldflags string
	// date is stamped on every archive entry: the commit's time, so that
	// rebuilding the same commit gives the same bytes.
	date time.Time
	// platforms are built in order.
	platforms []platform
	// env is added to go build's environment (tests set GOCACHE).
	env []string
}

// platform is a GOOS/GOARCH pair.
type platform struct{ goos, goarch string }

func (p platform) String() string { return p.goos + "/" + p.goarch }

// exe is the binary's file name on the platform.
func (p platform) exe() string {
	if p.goos == "windows" {
		return "dashbox.exe"
	}
	return "dashbox"
}

// artifact is one archive written.
type artifact struct {
	platform    platform
	archive     string // path
	binarySize  int64
	archiveSize int64
}

// release builds every platform's binary, packs each into an archive in
// opts.out and writes SHA256SUMS over the archives. Each file is written
// under a temporary name and renamed, so an interrupted release leaves no
// truncated archive behind; SHA256SUMS comes last.
func release(ctx context.Context, opts options) ([]artifact, error) {
	if opts.version == "" || strings.ContainsAny(opts.version, `/\ `) {
		return nil, fmt.Errorf("version %q cannot name an archive: give one without spaces or slashes", opts.version)
	}
	var docs []archiveFile
	for _, name := range []string{"LICENSE", "README.md", filepath.Join("notices", "thirdparty", notices.FileName)} {
		data, err := os.ReadFile(filepath.Join(opts.root, name))
		if errors.Is(err, fs.ErrNotExist) && strings.HasSuffix(name, notices.FileName) {
			return nil, fmt.Errorf("%s is missing: run make generate first (make release does)", name)
		}
		if err != nil {
			return nil, err
		}
		docs = append(docs, archiveFile{name: filepath.Base(name), mode: 0o644, data: data})
	}
	noticeText := docs[2].data
	// The manuals beside the README, for whoever has only the archive
	// (an air-gapped server): docs/*.md, in a docs/ folder of their own.
	manuals, err := filepath.Glob(filepath.Join(opts.root, "docs", "*.md"))
	if err != nil {
		return nil, err
	}
	for _, m := range manuals {
		data, err := os.ReadFile(m)
		if err != nil {
			return nil, err
		}
		docs = append(docs, archiveFile{name: "docs/" + filepath.Base(m), mode: 0o644, data: data})
	}

	if err := os.MkdirAll(opts.out, 0o755); err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp(opts.out, ".build-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)

	var arts []artifact
	sums := map[string][]byte{}
	for _, p := range opts.platforms {
		bin := filepath.Join(work, p.goos+"_"+p.goarch, p.exe())
		if err := goBuild(ctx, opts, p, bin); err != nil {
			return nil, err
		}
		if err := checkBinary(bin, noticeText); err != nil {
			return nil, err
		}
		data, err := os.ReadFile(bin)
		if err != nil {
			return nil, err
		}
		stem := "dashbox_" + opts.version + "_" + p.goos + "_" + p.goarch
		files := append([]archiveFile{{name: p.exe(), mode: 0o755, data: data}}, docs...)
		var buf bytes.Buffer
		name := stem + ".tar.gz"
		if p.goos == "windows" {
			name = stem + ".zip"
			err = writeZip(&buf, stem, opts.date, files)
		} else {
			err = writeTarGz(&buf, stem, opts.date, files)
		}
		if err != nil {
			return nil, err
		}
		path := filepath.Join(opts.out, name)
		if err := atomicfile.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			return nil, err
		}
		sums[name] = buf.Bytes()
		arts = append(arts, artifact{platform: p, archive: path, binarySize: int64(len(data)), archiveSize: int64(buf.Len())})
	}
	if err := atomicfile.WriteFile(filepath.Join(opts.out, "SHA256SUMS"), sha256Sums(sums), 0o644); err != nil {
		return nil, err
	}
	return arts, nil
}

// goBuild builds ./cmd/dashbox for p: static (CGO_ENABLED=0, so the binary
// runs on any Linux without a matching libc), with -trimpath (no path of
// the build machine inside), and with the baseline instruction sets, so a
// GOAMD64 or GOARM64 in the environment cannot make one build differ from
// another.
func goBuild(ctx context.Context, opts options, p platform, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", opts.ldflags, "-o", out, "./cmd/dashbox")
	cmd.Dir = opts.root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+p.goos, "GOARCH="+p.goarch, "GOAMD64=v1", "GOARM64=v8.0")
	cmd.Env = append(cmd.Env, opts.env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build for %s: %v\n%s", p, err, out)
	}
	return nil
}

// checkBinary reads the build info of a binary and refuses it unless it is
// static and path-free (an environment such as GOFLAGS could have undone
// what goBuild asks for), or if it holds a Go component the notices have no
// licence for: shipping it would break that component's licence.
func checkBinary(bin string, noticeText []byte) error {
	bi, err := buildinfo.ReadFile(bin)
	if err != nil {
		return fmt.Errorf("reading the build info of %s: %v", bin, err)
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	if settings["CGO_ENABLED"] != "0" || settings["-trimpath"] != "true" {
		return fmt.Errorf("%s was built with CGO_ENABLED=%q and -trimpath=%q: check GOFLAGS in your environment", bin, settings["CGO_ENABLED"], settings["-trimpath"])
	}
	if missing := notices.Uncovered(noticeText, bi); len(missing) > 0 {
		return fmt.Errorf("the third-party notices lack %s: run make generate (go generate ./notices) and release again", strings.Join(missing, ", "))
	}
	return nil
}

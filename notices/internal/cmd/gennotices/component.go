package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/dashbox/dashbox/notices"
)

// component is one piece of third-party software and its licence files.
type component struct {
	heading string // notices.GoHeading, ModuleHeading or NPMHeading
	name    string // for the index
	version string
	kind    string // index section: "go" or "npm"
	note    string // for the index, such as the platforms a module is on
	files   []licenseFile
}

// licenseFile is one licence or notice file, by its path inside the
// component (slash-separated).
type licenseFile struct {
	name string
	text []byte
}

// goToolchain is the Go standard library and runtime, compiled into every
// binary; its LICENSE and PATENTS files sit at GOROOT.
func goToolchain() (component, error) {
	out, err := goCmd(nil, "env", "GOVERSION", "GOROOT")
	if err != nil {
		return component{}, err
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		return component{}, fmt.Errorf("go env GOVERSION GOROOT printed %q", out)
	}
	version, goroot := lines[0], lines[1]
	files, err := licenseFiles(goroot)
	if err != nil {
		return component{}, err
	}
	if len(files) == 0 {
		return component{}, fmt.Errorf("no LICENSE file in GOROOT %s: the Go installation is incomplete", goroot)
	}
	return component{heading: notices.GoHeading(version), name: "Go (standard library and runtime)", version: version, kind: "go", files: files}, nil
}

// goModules lists the modules whose packages pkg imports, directly or not,
// when built for each platform, with their licence files from the module
// cache.
func goModules(pkg string, platforms []string) ([]component, error) {
	type module struct{ path, version, dir string }
	onPlatforms := map[module][]string{}
	for _, p := range platforms {
		goos, goarch, ok := strings.Cut(p, "/")
		if !ok {
			return nil, fmt.Errorf("platform %q: want GOOS/GOARCH such as linux/amd64", p)
		}
		// Release builds use CGO_ENABLED=0: list what they compile.
		env := []string{"GOOS=" + goos, "GOARCH=" + goarch, "CGO_ENABLED=0"}
		out, err := goCmd(env, "list", "-deps", "-f",
			"{{with .Module}}{{if not .Main}}{{.Path}}\t{{.Version}}\t{{.Dir}}{{end}}{{end}}", pkg)
		if err != nil {
			return nil, err
		}
		for _, line := range strings.Split(out, "\n") {
			f := strings.Split(line, "\t")
			if len(f) != 3 {
				continue // a standard library or main-module package
			}
			m := module{f[0], f[1], f[2]}
			if m.dir == "" {
				return nil, fmt.Errorf("module %s %s is not in the module cache: run go mod download", m.path, m.version)
			}
			if ps := onPlatforms[m]; len(ps) == 0 || ps[len(ps)-1] != p {
				onPlatforms[m] = append(ps, p)
			}
		}
	}
	var comps []component
	for m, ps := range onPlatforms {
		files, err := licenseFiles(m.dir)
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("Go module %s %s has no licence file at its root (%s): dashbox cannot ship it without one", m.path, m.version, m.dir)
		}
		c := component{heading: notices.ModuleHeading(m.path, m.version), name: m.path, version: m.version, kind: "go", files: files}
		if len(ps) < len(platforms) {
			c.note = "only on " + strings.Join(ps, ", ")
		}
		comps = append(comps, c)
	}
	sort.Slice(comps, func(i, j int) bool { return comps[i].name < comps[j].name })
	return comps, nil
}

// npmPackages lists the packages package-lock.json in root installs for
// production (everything not marked dev), with their licence files from
// nodeModules, where npm ci installed that lock. All of them count: a
// bundle such as echarts.min.js carries zrender and tslib inside it. No
// package-lock.json means no npm packages; a lock whose packages are not
// installed is an error, since their licences would be missing.
func npmPackages(root, nodeModules string) ([]component, error) {
	data, err := os.ReadFile(filepath.Join(root, "package-lock.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var lock struct {
		LockfileVersion int `json:"lockfileVersion"`
		Packages        map[string]struct {
			Version string `json:"version"`
			Dev     bool   `json:"dev"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(data, &lock); err != nil {
		return nil, fmt.Errorf("package-lock.json: %v", err)
	}
	if lock.LockfileVersion < 2 {
		return nil, fmt.Errorf("package-lock.json has lockfileVersion %d: regenerate it with npm 7 or later", lock.LockfileVersion)
	}
	keys := make([]string, 0, len(lock.Packages))
	for key := range lock.Packages {
		keys = append(keys, key)
	}
	sort.Strings(keys) // the same error first on every run
	var comps []component
	for _, key := range keys {
		p := lock.Packages[key]
		// "" is the project itself; nested installs look like
		// node_modules/a/node_modules/b.
		i := strings.LastIndex(key, "node_modules/")
		if i < 0 || p.Dev {
			continue
		}
		name := key[i+len("node_modules/"):]
		dir := filepath.Join(nodeModules, filepath.FromSlash(strings.TrimPrefix(key, "node_modules/")))
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("npm package %s is not installed in %s: run make, whose vendor step runs npm ci (if its cache was removed, delete static/assets/vendor too)", name, nodeModules)
		}
		files, err := licenseFiles(dir)
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("npm package %s %s has no licence file (%s): dashbox cannot ship it without one", name, p.Version, dir)
		}
		comps = append(comps, component{heading: notices.NPMHeading(name, p.Version), name: name, version: p.Version, kind: "npm", files: files})
	}
	sort.Slice(comps, func(i, j int) bool {
		if comps[i].name != comps[j].name {
			return comps[i].name < comps[j].name
		}
		return comps[i].version < comps[j].version
	})
	return comps, nil
}

// licenseFiles reads the licence and notice files at the root of dir (such
// as LICENSE, LICENSE.txt, COPYING, NOTICE, PATENTS, COPYRIGHT,
// CopyrightNotice.txt) and in a licenses/ folder there, where projects such
// as ECharts keep the licences of code they embed.
func licenseFiles(dir string) ([]licenseFile, error) {
	var files []licenseFile
	add := func(rel string) error {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return err
		}
		files = append(files, licenseFile{name: rel, text: b})
		return nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		switch {
		case e.Type().IsRegular() && isLicenseName(e.Name()):
			if err := add(e.Name()); err != nil {
				return nil, err
			}
		case e.IsDir() && strings.EqualFold(e.Name(), "licenses"):
			sub, err := os.ReadDir(filepath.Join(dir, e.Name()))
			if err != nil {
				return nil, err
			}
			for _, s := range sub {
				if s.Type().IsRegular() {
					if err := add(path.Join(e.Name(), s.Name())); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	// ReadDir sorts by name; keep LICENSE first within a component.
	slices.SortStableFunc(files, func(a, b licenseFile) int { return rank(a.name) - rank(b.name) })
	return files, nil
}

var licensePrefixes = []string{"licen", "copying", "notice", "copyright", "patents", "unlicense"}

func isLicenseName(name string) bool {
	lower := strings.ToLower(name)
	for _, p := range licensePrefixes {
		if strings.HasPrefix(lower, p) {
			return true
		}
	}
	return false
}

// rank orders a component's files: its licence first, then its notices,
// then the rest (patents, copyright lists, licences of code it embeds).
func rank(name string) int {
	lower := strings.ToLower(name)
	switch {
	case strings.Contains(lower, "/"):
		return 3
	case strings.HasPrefix(lower, "licen") || strings.HasPrefix(lower, "copying"):
		return 0
	case strings.HasPrefix(lower, "notice"):
		return 1
	}
	return 2
}

// goCmd runs the go command with extra environment and returns its stdout.
func goCmd(env []string, args ...string) (string, error) {
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go %s %s: %v: %s", strings.Join(env, " "), strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

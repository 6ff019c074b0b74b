package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dashbox/dashbox/notices"
)

// writeTree creates files (slash-separated names) under dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLicenseFiles(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(t *testing.T, dir string)
		want    string // file names in order
	}{
		{
			name: "Go module with patents grant",
			prepare: func(t *testing.T, dir string) {
				writeTree(t, dir, map[string]string{"PATENTS": "p", "LICENSE": "l", "go.mod": "m", "README.md": "r"})
			},
			want: "LICENSE PATENTS",
		},
		{
			name: "ECharts: licence, notice, embedded licences last",
			prepare: func(t *testing.T, dir string) {
				writeTree(t, dir, map[string]string{"LICENSE": "l", "NOTICE": "n", "licenses/LICENSE-d3": "d3", "lib/x.js": "x"})
			},
			want: "LICENSE NOTICE licenses/LICENSE-d3",
		},
		{
			name: "other spellings",
			prepare: func(t *testing.T, dir string) {
				writeTree(t, dir, map[string]string{"COPYING": "c", "LICENCE.md": "l", "CopyrightNotice.txt": "n", "UNLICENSE": "u"})
			},
			want: "COPYING LICENCE.md CopyrightNotice.txt UNLICENSE",
		},
		{
			name: "a folder named like a licence is not a file",
			prepare: func(t *testing.T, dir string) {
				writeTree(t, dir, map[string]string{"LICENSE.d/x": "x", "license.txt": "l"})
			},
			want: "license.txt",
		},
		{
			name: "none",
			prepare: func(t *testing.T, dir string) {
				writeTree(t, dir, map[string]string{"README.md": "r", "main.go": "package main"})
			},
			want: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.prepare(t, dir)
			files, err := licenseFiles(dir)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, f := range files {
				names = append(names, f.name)
			}
			if got := strings.Join(names, " "); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

const testLock = `{
  "name": "dashbox-assets",
  "lockfileVersion": 3,
  "packages": {
    "": {"name": "dashbox-assets", "dependencies": {"echarts": "5.6.0"}},
    "node_modules/echarts": {"version": "5.6.0", "license": "Apache-2.0"},
    "node_modules/zrender": {"version": "5.6.1", "license": "BSD-3-Clause"},
    "node_modules/zrender/node_modules/tslib": {"version": "2.3.0", "license": "0BSD"},
    "node_modules/eslint": {"version": "9.0.0", "dev": true}
  }
}`

func TestNPMPackages(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(t *testing.T, root, nm string)
		want    string // headings and files
		err     string
	}{
		{
			name: "production packages, nested too; dev ones left out",
			prepare: func(t *testing.T, root, nm string) {
				writeTree(t, root, map[string]string{"package-lock.json": testLock})
				writeTree(t, nm, map[string]string{
					"echarts/LICENSE": "A", "echarts/NOTICE": "N", "zrender/LICENSE": "B",
					"zrender/node_modules/tslib/LICENSE.txt": "0",
				})
			},
			want: "echarts 5.6.0 (npm package): LICENSE NOTICE|tslib 2.3.0 (npm package): LICENSE.txt|zrender 5.6.1 (npm package): LICENSE",
		},
		{
			name:    "no lock, no npm packages",
			prepare: func(t *testing.T, root, nm string) {},
		},
		{
			name: "not installed",
			prepare: func(t *testing.T, root, nm string) {
				writeTree(t, root, map[string]string{"package-lock.json": testLock})
				writeTree(t, nm, map[string]string{"echarts/LICENSE": "A"})
			},
			err: "npm package zrender is not installed",
		},
		{
			name: "installed without a licence",
			prepare: func(t *testing.T, root, nm string) {
				writeTree(t, root, map[string]string{"package-lock.json": testLock})
				writeTree(t, nm, map[string]string{"echarts/LICENSE": "A", "zrender/index.js": "x", "zrender/node_modules/tslib/LICENSE.txt": "0"})
			},
			err: "npm package zrender 5.6.1 has no licence file",
		},
		{
			name: "npm 6 lock",
			prepare: func(t *testing.T, root, nm string) {
				writeTree(t, root, map[string]string{"package-lock.json": `{"lockfileVersion": 1, "dependencies": {}}`})
			},
			err: "lockfileVersion 1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			nm := filepath.Join(t.TempDir(), "node_modules")
			tt.prepare(t, root, nm)
			comps, err := npmPackages(root, nm)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range comps {
				s := c.heading
				for i, f := range c.files {
					if i > 0 {
						s += " "
					}
					s += f.name
				}
				got = append(got, s)
			}
			if g := strings.Join(got, "|"); g != tt.want {
				t.Errorf("got  %s\nwant %s", g, tt.want)
			}
		})
	}
}

// TestRun generates the notices of dashbox itself: the Go toolchain and
// modules from the real module cache, npm packages from a stand-in install.
// A second run changes nothing.
func TestRun(t *testing.T) {
	root, nm := t.TempDir(), filepath.Join(t.TempDir(), "node_modules")
	writeTree(t, root, map[string]string{"package-lock.json": testLock})
	writeTree(t, nm, map[string]string{
		"echarts/LICENSE": "Apache License 2.0", "echarts/NOTICE": "Apache ECharts\nCopyright 2017-2024 The Apache Software Foundation",
		"zrender/LICENSE": "BSD", "zrender/node_modules/tslib/LICENSE.txt": "0BSD",
	})
	out := filepath.Join(t.TempDir(), "NOTICES.txt")
	args := []string{"-out", out, "-root", root, "-node-modules", nm}
	var stdout bytes.Buffer
	if err := run(args, &stdout); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "written") {
		t.Errorf("first run: %s", stdout.String())
	}
	text, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	s := string(text)
	for _, want := range []string{
		"\nGo go1.", // the toolchain
		"\n" + notices.ModuleHeading("github.com/caddyserver/certmagic", "v0.25.6") + "LICENSE.txt\n",
		"\n" + notices.ModuleHeading("github.com/go-chi/chi/v5", "v5.5.0") + "LICENSE\n",
		"\n" + notices.ModuleHeading("golang.org/x/crypto", "v0.57.0") + "PATENTS\n",
		"\n" + notices.NPMHeading("echarts", "5.6.0") + "NOTICE\n" + rule + "\n\nApache ECharts\nCopyright",
		"\n  github.com/kardianos/service ",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("notices lack %q", want)
		}
	}
	if strings.Contains(s, "chromedp") {
		t.Error("a test-only module (chromedp) is in the notices: only what dashbox compiles belongs there")
	}

	stdout.Reset()
	if err := run(args, &stdout); err != nil {
		t.Fatal(err)
	}
	again, _ := os.ReadFile(out)
	if !strings.Contains(stdout.String(), "up to date") || !bytes.Equal(text, again) {
		t.Errorf("second run: %s (same bytes: %v)", stdout.String(), bytes.Equal(text, again))
	}
}

func TestRunErrors(t *testing.T) {
	out := filepath.Join(t.TempDir(), "n.txt")
	for _, args := range [][]string{
		{"-out", out, "-platforms", "linux"},
		{"-out", out, "stray"},
	} {
		if err := run(args, &bytes.Buffer{}); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a failed run wrote the file")
	}
}

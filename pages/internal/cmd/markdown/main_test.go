package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "page.md"), filepath.Join(dir, "page.html")
	if err := os.WriteFile(in, []byte("# Hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, []byte("stale"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	if err := run([]string{"-in", in, "-out", out}, &stdout); err != nil {
		t.Fatal(err)
	}
	if html, err := os.ReadFile(out); err != nil || string(html) != "<h1>Hello</h1>\n" {
		t.Errorf("wrote %q, %v", html, err)
	}
	if !strings.HasPrefix(stdout.String(), "markdown: "+in+" -> "+out) {
		t.Errorf("output %q", stdout.String())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("%d files in the folder, want the input and the output only", len(entries))
	}
}

func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "page.md")
	if err := os.WriteFile(in, []byte("# Hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-in", in}, "both -in (the Markdown file) and -out (the HTML file) are required"},
		{[]string{"-in", filepath.Join(dir, "missing.md"), "-out", filepath.Join(dir, "x.html")}, "missing.md: no such file"},
		{[]string{"-in", in, "-out", filepath.Join(dir, "no", "such", "x.html")}, "no such file or directory"},
		{[]string{"-in", in, "-out", "x.html", "extra"}, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		err := run(tt.args, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("run(%q) = %v, want one line containing %q", tt.args, err, tt.want)
		}
	}
}

package static

import (
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoEscape: nothing outside the embedded assets and the --static-dir
// folder is ever sent, whatever the request path.
func TestNoEscape(t *testing.T) {
	const secret = "TOP-SECRET-CONTENT"
	tests := []struct {
		name    string
		target  string
		prepare func(t *testing.T, dir string) // dir is --static-dir; its parent holds "secret"
		want    []int                          // any of these
	}{
		{"dot dot", "/static/../secret", nil, []int{404}},
		{"dot dot to the module", "/static/../go.mod", nil, []int{404}},
		{"deep dot dot", "/static/css/../../secret", nil, []int{404}},
		{"encoded dot dot", "/static/%2e%2e/secret", nil, []int{404}},
		{"encoded dot dot, upper case", "/static/%2E%2E/secret", nil, []int{404}},
		{"encoded slash", "/static/..%2fsecret", nil, []int{400}},
		{"encoded slash, upper case", "/static/..%2Fsecret", nil, []int{400}},
		{"encoded backslash", "/static/..%5csecret", nil, []int{400}},
		{"raw backslash", `/static/a\b`, nil, []int{400}},
		{"raw backslash after dot dot", `/static/..\secret`, nil, []int{400, 404}},
		{"NUL", "/static/a%00b", nil, []int{400}},
		{"NUL after a real name", "/static/a.txt%00.css", func(t *testing.T, dir string) { writeFile(t, dir, "a.txt", "x") }, []int{400}},
		{"control byte", "/static/a%0ab", nil, []int{400}},
		{"double slash", "/static//etc/passwd", nil, []int{404}},
		{"dot segment", "/static/./a.txt", func(t *testing.T, dir string) { writeFile(t, dir, "a.txt", "x") }, []int{404}},
		{"symlink to /etc/passwd", "/static/passwd", func(t *testing.T, dir string) {
			symlink(t, "/etc/passwd", filepath.Join(dir, "passwd"))
		}, []int{404}},
		{"symlink to the secret", "/static/s", func(t *testing.T, dir string) {
			symlink(t, filepath.Join(dir, "..", "secret"), filepath.Join(dir, "s"))
		}, []int{404}},
		{"relative symlink out", "/static/rel", func(t *testing.T, dir string) {
			symlink(t, "../secret", filepath.Join(dir, "rel"))
		}, []int{404}},
		{"symlinked folder out", "/static/etc/passwd", func(t *testing.T, dir string) {
			symlink(t, "/etc", filepath.Join(dir, "etc"))
		}, []int{404}},
		{"a directory", "/static/sub", func(t *testing.T, dir string) { writeFile(t, dir, "sub/f.txt", "x") }, []int{404}},
		{"a directory with a slash", "/static/sub/", func(t *testing.T, dir string) { writeFile(t, dir, "sub/f.txt", "x") }, []int{404}},
		{"an embedded directory", "/static/css", nil, []int{404}},
		{"an embedded directory with a slash", "/static/css/", nil, []int{404}},
		{"the root", "/static/", nil, []int{404}},
		{"the root without a slash", "/static", nil, []int{404}},
		{"another prefix", "/statics/a.txt", func(t *testing.T, dir string) { writeFile(t, dir, "a.txt", "x") }, []int{404}},
		{"hidden file", "/static/.env", func(t *testing.T, dir string) { writeFile(t, dir, ".env", secret) }, []int{404}},
		{"hidden folder", "/static/.git/config", func(t *testing.T, dir string) { writeFile(t, dir, ".git/config", secret) }, []int{404}},
		{"hidden file in a folder", "/static/sub/.htpasswd", func(t *testing.T, dir string) { writeFile(t, dir, "sub/.htpasswd", secret) }, []int{404}},
		{"very long name", "/static/" + strings.Repeat("a", 5000), nil, []int{404}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := t.TempDir()
			writeFile(t, parent, "secret", secret)
			dir := filepath.Join(parent, "static")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if tt.prepare != nil {
				tt.prepare(t, dir)
			}
			h := mustHandler(t, testAssets(t), Options{Dir: dir})
			r := httptest.NewRequest("GET", "/", nil)
			// Parse the target as net/http's server does: no dot
			// segments removed, so the handler sees what a client sent.
			u, err := url.ParseRequestURI(tt.target)
			if err != nil {
				t.Fatalf("parsing %q: %v", tt.target, err)
			}
			r.RequestURI, r.URL = tt.target, u
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			ok := false
			for _, code := range tt.want {
				ok = ok || w.Code == code
			}
			if !ok {
				t.Errorf("GET %s = %d, want one of %v", tt.target, w.Code, tt.want)
			}
			body := w.Body.String()
			if strings.Contains(body, secret) || strings.Contains(body, "root:") || strings.Contains(body, "<a href") {
				t.Errorf("GET %s leaked %q", tt.target, body)
			}
			if w.Header().Get("Cache-Control") != "" {
				t.Errorf("GET %s: an error with Cache-Control %q", tt.target, w.Header().Get("Cache-Control"))
			}
		})
	}
}

// TestSymlinkInside: links that stay in the folder work, as with nginx.
func TestSymlinkInside(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "releases/v2/app.txt", "v2")
	symlink(t, "releases/v2", filepath.Join(dir, "current"))
	h := mustHandler(t, testAssets(t), Options{Dir: dir})
	if w := get(h, "GET", "/static/current/app.txt"); w.Code != 200 || w.Body.String() != "v2" {
		t.Errorf("GET through an inside link = %d %q", w.Code, w.Body.String())
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

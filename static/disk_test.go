package static

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestStaticDir(t *testing.T) {
	dir := t.TempDir()
	kib := strings.Repeat("0123456789abcdef", 64) // 1 KiB
	writeFile(t, dir, "report.txt", kib)
	writeFile(t, dir, "img/logo.svg", "<svg/>")
	writeFile(t, dir, "downloads/data.bin", "\x00\x01")
	writeFile(t, dir, "downloads/data.weirdext", "?")
	mtime := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(dir, "report.txt"), mtime, mtime); err != nil {
		t.Fatal(err)
	}
	h := mustHandler(t, testAssets(t), Options{Dir: dir})

	t.Run("served with cache headers, uncompressed", func(t *testing.T) {
		before := time.Now()
		w := get(h, "GET", "/static/report.txt", "Accept-Encoding: br, gzip")
		after := time.Now()
		if w.Code != 200 || w.Body.String() != kib {
			t.Fatalf("status %d, %d bytes", w.Code, w.Body.Len())
		}
		hdr := w.Header()
		if got := hdr.Get("Cache-Control"); got != "public, max-age=2592000" {
			t.Errorf("Cache-Control = %q", got)
		}
		checkExpires(t, w, before, after, 30*24*time.Hour)
		if got := hdr.Get("Last-Modified"); got != mtime.Format(http.TimeFormat) {
			t.Errorf("Last-Modified = %q, want %q", got, mtime.Format(http.TimeFormat))
		}
		if got := hdr.Get("Content-Type"); got != "text/plain; charset=utf-8" {
			t.Errorf("Content-Type = %q", got)
		}
		if got := hdr.Get("Content-Encoding"); got != "" {
			t.Errorf("Content-Encoding = %q; disk files are sent as they are", got)
		}
		if got := hdr.Get("Vary"); got != "" {
			t.Errorf("Vary = %q; disk files do not vary", got)
		}
		if got := hdr.Get("Content-Length"); got != "1024" {
			t.Errorf("Content-Length = %q", got)
		}
		etag := hdr.Get("ETag")
		if !strings.HasPrefix(etag, `"`) || strings.HasPrefix(etag, "W/") {
			t.Errorf("ETag = %q, want a strong tag", etag)
		}

		// Revalidation by either validator.
		for _, cond := range []string{"If-None-Match: " + etag, "If-Modified-Since: " + mtime.Format(http.TimeFormat)} {
			if w := get(h, "GET", "/static/report.txt", cond); w.Code != 304 || w.Body.Len() != 0 {
				t.Errorf("%s: status %d, %d bytes; want 304", cond, w.Code, w.Body.Len())
			}
		}
		if w := get(h, "GET", "/static/report.txt", "If-Modified-Since: "+mtime.Add(-time.Hour).Format(http.TimeFormat)); w.Code != 200 {
			t.Errorf("older If-Modified-Since: status %d, want 200", w.Code)
		}

		// A rewritten file gets a new tag.
		later := mtime.Add(time.Second)
		if err := os.Chtimes(filepath.Join(dir, "report.txt"), later, later); err != nil {
			t.Fatal(err)
		}
		if w := get(h, "GET", "/static/report.txt", "If-None-Match: "+etag); w.Code != 200 {
			t.Errorf("after touch: status %d, want 200", w.Code)
		}
	})

	t.Run("range", func(t *testing.T) {
		w := get(h, "GET", "/static/report.txt", "Range: bytes=16-31")
		if w.Code != 206 || w.Body.String() != kib[16:32] {
			t.Fatalf("status %d, body %q", w.Code, w.Body.String())
		}
		if got := w.Header().Get("Content-Range"); got != "bytes 16-31/1024" {
			t.Errorf("Content-Range = %q", got)
		}
	})

	t.Run("head", func(t *testing.T) {
		w := get(h, "HEAD", "/static/report.txt")
		if w.Code != 200 || w.Body.Len() != 0 || w.Header().Get("Content-Length") != "1024" {
			t.Errorf("HEAD: status %d, %d body bytes, Content-Length %q", w.Code, w.Body.Len(), w.Header().Get("Content-Length"))
		}
	})

	t.Run("content types", func(t *testing.T) {
		for target, want := range map[string]string{
			"/static/img/logo.svg":            "image/svg+xml",
			"/static/downloads/data.bin":      "application/octet-stream",
			"/static/downloads/data.weirdext": "application/octet-stream",
		} {
			if got := get(h, "GET", target).Header().Get("Content-Type"); got != want {
				t.Errorf("%s: Content-Type %q, want %q", target, got, want)
			}
		}
	})

	t.Run("files added later are served", func(t *testing.T) {
		if w := get(h, "GET", "/static/new.txt"); w.Code != 404 {
			t.Fatalf("before: %d", w.Code)
		}
		writeFile(t, dir, "new.txt", "fresh")
		if w := get(h, "GET", "/static/new.txt"); w.Code != 200 || w.Body.String() != "fresh" {
			t.Errorf("after: %d %q", w.Code, w.Body.String())
		}
	})

	t.Run("URL knows embedded assets only", func(t *testing.T) {
		if _, err := h.URL("report.txt"); err == nil {
			t.Error("URL(report.txt) = nil error; disk files have no fingerprint")
		}
	})
}

func TestEmbeddedWinsOverStaticDir(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "css/site.css", "operator's replacement")
	writeFile(t, dir, "css/extra.css", "operator's addition")
	h := mustHandler(t, testAssets(t), Options{Dir: dir})
	u, _ := h.URL("css/site.css")
	for _, target := range []string{"/static/css/site.css", u, "/static/css/site.0123456789ab.css"} {
		if w := get(h, "GET", target); w.Body.String() != testCSS {
			t.Errorf("GET %s = %q, want the embedded stylesheet", target, w.Body.String())
		}
	}
	if w := get(h, "GET", "/static/css/extra.css"); w.Body.String() != "operator's addition" {
		t.Errorf("GET extra.css = %d %q, want the disk file", w.Code, w.Body.String())
	}
}

// TestStaticDirReplaced: deployments that swap the whole folder are picked
// up without a restart, within the once-a-second check.
func TestStaticDirReplaced(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "static")
	writeFile(t, dir, "a.txt", "old")
	logger, logs := logBuffer()
	h := mustHandler(t, testAssets(t), Options{Dir: dir, Logger: logger})
	now := time.Unix(1_800_000_000, 0)
	h.now = func() time.Time { return now }

	if w := get(h, "GET", "/static/a.txt"); w.Body.String() != "old" {
		t.Fatalf("before: %q", w.Body.String())
	}
	if err := os.Rename(dir, filepath.Join(parent, "static.old")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "a.txt", "new")
	if w := get(h, "GET", "/static/a.txt"); w.Body.String() != "old" {
		t.Errorf("same second: %q, want the old folder until the next check", w.Body.String())
	}
	now = now.Add(time.Second)
	if w := get(h, "GET", "/static/a.txt"); w.Body.String() != "new" {
		t.Errorf("a second later: %d %q, want the new folder", w.Code, w.Body.String())
	}
	if !strings.Contains(logs.String(), "replaced") {
		t.Errorf("want a log line about the replaced folder, got %q", logs.String())
	}

	// Gone entirely: 404s, no crash, and it comes back when recreated.
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Second)
	if w := get(h, "GET", "/static/a.txt"); w.Code != 404 {
		t.Errorf("folder removed: %d, want 404", w.Code)
	}
	writeFile(t, dir, "a.txt", "again")
	now = now.Add(time.Second)
	if w := get(h, "GET", "/static/a.txt"); w.Body.String() != "again" {
		t.Errorf("folder recreated: %d %q", w.Code, w.Body.String())
	}
}

func TestValidateDir(t *testing.T) {
	tmp := t.TempDir()
	file := writeFile(t, tmp, "file.txt", "x")
	missing := filepath.Join(tmp, "missing")
	tests := []struct {
		name, dir, want string
	}{
		{"a folder", tmp, ""},
		{"missing", missing, "static dir " + missing + " does not exist: create it, or serve without a static dir"},
		{"a file", file, "static dir " + file + " is not a directory: give a folder"},
		{"below a file", filepath.Join(file, "sub"), "static dir " + filepath.Join(file, "sub") + " cannot be used (not a directory): fix it, or serve without a static dir"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateDir(tt.dir)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("ValidateDir = %q, want %q", got, tt.want)
			}
			// New reports the same problem.
			_, err = newHandler(testAssets(t), Options{Dir: tt.dir})
			got = ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("New = %q, want %q", got, tt.want)
			}
			// The caller tells the user which setting to change.
			if de := (*DirError)(nil); tt.want != "" && (!errors.As(err, &de) || de.Dir != tt.dir) {
				t.Errorf("New = %#v, want a *DirError for %q", err, tt.dir)
			}
		})
	}
}

// TestConcurrent gives the race detector (make test runs -race) embedded,
// compressed, disk and per-second cache traffic at once.
func TestConcurrent(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.txt", "disk")
	h := mustHandler(t, testAssets(t), Options{Dir: dir})
	var mu sync.Mutex
	now := time.Unix(1_800_000_000, 0)
	h.now = func() time.Time { mu.Lock(); defer mu.Unlock(); now = now.Add(100 * time.Millisecond); return now }
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				target := []string{"/static/css/site.css", "/static/a.txt", "/static/tiny.txt"}[(g+i)%3]
				w := get(h, "GET", target, "Accept-Encoding: br")
				if w.Code != 200 {
					t.Errorf("%s: %d", target, w.Code)
					return
				}
				if _, err := strconv.Atoi(w.Header().Get("Content-Length")); err != nil {
					t.Errorf("%s: Content-Length %q", target, w.Header().Get("Content-Length"))
					return
				}
			}
		})
	}
	wg.Wait()
}

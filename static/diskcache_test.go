//go:build linux

package static

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// cachedHandler serves dir with a clock a minute ahead, so that files just
// written count as settled and are cached.
func cachedHandler(t *testing.T, dir string) *Handler {
	t.Helper()
	h := mustHandler(t, testAssets(t), Options{Dir: dir})
	h.now = func() time.Time { return time.Now().Add(time.Minute) }
	return h
}

func cached(h *Handler, name string) bool {
	h.disk.cache.mu.RLock()
	defer h.disk.cache.mu.RUnlock()
	return h.disk.cache.entries[name] != nil
}

func wantBody(t *testing.T, h *Handler, target string, status int, body string) {
	t.Helper()
	w := get(h, "GET", target)
	if w.Code != status || w.Body.String() != body {
		t.Fatalf("GET %s = %d %q, want %d %q", target, w.Code, w.Body.String(), status, body)
	}
}

func TestDiskCacheSeesEveryChange(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, path string) // applied after the first, cached, response
		status int
		body   string
	}{
		{"rewritten in place, same size", func(t *testing.T, p string) { writeFile(t, dir, filepath.Base(p), "BBBB") }, 200, "BBBB"},
		{"rewritten, other size", func(t *testing.T, p string) { writeFile(t, dir, filepath.Base(p), "longer") }, 200, "longer"},
		{"replaced by rename", func(t *testing.T, p string) {
			writeFile(t, dir, "next.tmp", "CCCC")
			if err := os.Rename(filepath.Join(dir, "next.tmp"), p); err != nil {
				t.Fatal(err)
			}
		}, 200, "CCCC"},
		{"only touched", func(t *testing.T, p string) {
			later := time.Now().Add(time.Hour)
			if err := os.Chtimes(p, later, later); err != nil {
				t.Fatal(err)
			}
		}, 200, "AAAA"},
		{"deleted", func(t *testing.T, p string) {
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
		}, 404, "Not Found\n"},
		{"replaced by a directory", func(t *testing.T, p string) {
			os.Remove(p)
			if err := os.Mkdir(p, 0o755); err != nil {
				t.Fatal(err)
			}
		}, 404, "Not Found\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := strings.ReplaceAll(tc.name, " ", "-") + ".txt"
			path := writeFile(t, dir, name, "AAAA")
			h := cachedHandler(t, dir)
			wantBody(t, h, "/static/"+name, 200, "AAAA")
			if !cached(h, name) {
				t.Fatal("a small settled file was not cached")
			}
			etag := get(h, "GET", "/static/"+name).Header().Get("ETag")
			tc.change(t, path)
			wantBody(t, h, "/static/"+name, tc.status, tc.body)
			if tc.status == 200 {
				if got := get(h, "GET", "/static/"+name).Header().Get("ETag"); got == etag {
					t.Errorf("ETag %s unchanged after the change", got)
				}
			}
		})
	}
}

func TestDiskCacheVersionChangesOnChmod(t *testing.T) {
	// Permissions are part of the version, so a file made unreadable is
	// opened again (and refused: TestPermissionDenied) rather than served
	// from memory.
	path := writeFile(t, t.TempDir(), "secret.txt", "x")
	before, _ := os.Lstat(path)
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Lstat(path)
	v1, ok1 := versionOf(before)
	v2, ok2 := versionOf(after)
	if !ok1 || !ok2 || v1 == v2 {
		t.Errorf("version before and after chmod: %+v (%v), %+v (%v); want two different versions", v1, ok1, v2, ok2)
	}
}

func TestDiskCacheLeavesOut(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "big.bin", strings.Repeat("b", maxCachedFile+1))
	writeFile(t, dir, "target.txt", "via link")
	if err := os.Symlink("target.txt", filepath.Join(dir, "link.txt")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "fresh.txt", "just written")

	h := cachedHandler(t, dir)
	wantBody(t, h, "/static/big.bin", 200, strings.Repeat("b", maxCachedFile+1))
	wantBody(t, h, "/static/link.txt", 200, "via link")
	if cached(h, "big.bin") || cached(h, "link.txt") {
		t.Error("a file over the size limit or a symbolic link was cached")
	}
	// Through the link, a change of the target is seen.
	writeFile(t, dir, "target.txt", "changed!")
	wantBody(t, h, "/static/link.txt", 200, "changed!")

	// With the real clock the file was written just now: not settled.
	h.now = time.Now
	wantBody(t, h, "/static/fresh.txt", 200, "just written")
	if cached(h, "fresh.txt") {
		t.Error("a file changed within settleTime was cached")
	}
}

func TestDiskCacheIsBounded(t *testing.T) {
	dir := t.TempDir()
	content := strings.Repeat("z", maxCachedFile)
	n := maxCacheBytes/maxCachedFile + 3
	for i := range n {
		writeFile(t, dir, fmt.Sprintf("f%03d.txt", i), content)
	}
	h := cachedHandler(t, dir)
	for i := range n {
		name := fmt.Sprintf("f%03d.txt", i)
		w := get(h, "GET", "/static/"+name)
		if w.Code != 200 || w.Body.Len() != len(content) {
			t.Fatalf("%s: %d, %d bytes", name, w.Code, w.Body.Len())
		}
	}
	if got := h.disk.cache.bytes; got > maxCacheBytes {
		t.Errorf("cache holds %d bytes, more than %d", got, maxCacheBytes)
	}
	if got := len(h.disk.cache.entries); got != maxCacheBytes/maxCachedFile {
		t.Errorf("%d entries, want %d", got, maxCacheBytes/maxCachedFile)
	}
}

// TestDiskCacheNoEscapeThroughSymlinks: the cache's per-request check
// follows symbolic links in the middle of a name (one fstatat), so a
// cached file whose folder, or the file itself, is swapped for a link to
// another place must still never serve what lies outside the folder.
func TestDiskCacheNoEscapeThroughSymlinks(t *testing.T) {
	outside := t.TempDir()
	writeFile(t, outside, "x.txt", "OUTSIDE")
	if err := os.MkdirAll(filepath.Join(outside, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, outside, "sub/x.txt", "OUTSIDE")

	dir := t.TempDir()
	writeFile(t, dir, "x.txt", "INSIDE")
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "sub/x.txt", "INSIDE")
	h := cachedHandler(t, dir)
	for _, name := range []string{"x.txt", "sub/x.txt"} {
		wantBody(t, h, "/static/"+name, 200, "INSIDE")
		if !cached(h, name) {
			t.Fatalf("%s was not cached", name)
		}
	}
	// The file swapped for a link out, and the folder too.
	if err := os.Remove(filepath.Join(dir, "x.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "x.txt"), filepath.Join(dir, "x.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "sub"), filepath.Join(dir, "sub.old")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "sub"), filepath.Join(dir, "sub")); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"x.txt", "sub/x.txt"} {
		w := get(h, "GET", "/static/"+name)
		if w.Code == 200 || strings.Contains(w.Body.String(), "SIDE") {
			t.Errorf("GET %s after its path was linked out of the folder = %d %q, want a refusal", name, w.Code, w.Body.String())
		}
	}
}

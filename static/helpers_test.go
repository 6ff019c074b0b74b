package static

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/andybalholm/brotli"

	"github.com/dashbox/dashbox/static/internal/assetname"
	"github.com/dashbox/dashbox/static/internal/precompress"
)

// Test assets: big enough text to compress well, a tiny one that does not,
// and binary ones.
var (
	testCSS  = strings.Repeat(".dashboard { display: grid; gap: 1rem; color: var(--text); }\n", 40)
	testJS   = strings.Repeat("function f(a, b) { return a + b; }\n", 60)
	testTiny = "x"
	testPNG  = "\x89PNG\r\n\x1a\n" + strings.Repeat("\x00\x01\x02", 50)
)

// testAssets returns a file system laid out like the embedded one after
// `go generate`: assets plus their compressed siblings.
func testAssets(t testing.TB) fstest.MapFS {
	t.Helper()
	fsys := fstest.MapFS{}
	add := func(name, content string) {
		fsys[name] = &fstest.MapFile{Data: []byte(content)}
		if !assetname.Compressible(name) {
			return
		}
		fp := assetname.Fingerprint([]byte(content))
		for _, c := range assetname.Codings {
			z := precompress.Compress(c, []byte(content))
			if len(z) >= len(content) {
				z = nil // the generator's "not worth it" marker
			}
			fsys[assetname.SiblingName(name, fp, c)] = &fstest.MapFile{Data: z}
		}
	}
	add("css/site.css", testCSS)
	add("vendor/lib/app.min.js", testJS)
	add("tiny.txt", testTiny)
	add("img/logo.png", testPNG)
	add("LICENSE", "license text")
	add("data/points.json", `{"x": [1, 2, 3]}`)
	add("fonts/a.woff2", "wOF2 binary")
	add("js/app.js.map", `{"version":3}`)
	return fsys
}

// mustHandler builds a handler over fsys and fails the test on error.
func mustHandler(t testing.TB, fsys fs.FS, opts Options) *Handler {
	t.Helper()
	h, err := newHandler(fsys, opts)
	if err != nil {
		t.Fatalf("newHandler: %v", err)
	}
	return h
}

// get sends a request with optional headers ("Name: value") through h.
func get(h http.Handler, method, target string, headers ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, nil)
	for _, hv := range headers {
		k, v, _ := strings.Cut(hv, ":")
		r.Header.Add(k, strings.TrimSpace(v))
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// decodeBody undoes the response's Content-Encoding.
func decodeBody(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	var r io.Reader = bytes.NewReader(w.Body.Bytes())
	switch enc := w.Header().Get("Content-Encoding"); enc {
	case "":
	case "br":
		r = brotli.NewReader(r)
	case "gzip":
		gr, err := gzip.NewReader(r)
		if err != nil {
			t.Fatalf("gzip body: %v", err)
		}
		r = gr
	default:
		t.Fatalf("unexpected Content-Encoding %q", enc)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decoding %s body: %v", w.Header().Get("Content-Encoding"), err)
	}
	return string(b)
}

// checkExpires asserts that the Expires header is ttl after the request,
// to the second.
func checkExpires(t *testing.T, w *httptest.ResponseRecorder, before, after time.Time, ttl time.Duration) {
	t.Helper()
	exp, err := http.ParseTime(w.Header().Get("Expires"))
	if err != nil {
		t.Fatalf("Expires %q: %v", w.Header().Get("Expires"), err)
	}
	lo := before.Add(ttl).Truncate(time.Second)
	hi := after.Add(ttl)
	if exp.Before(lo) || exp.After(hi) {
		t.Errorf("Expires = %v, want within a second of %v", exp, before.Add(ttl))
	}
}

// writeFile writes content to dir/name, creating folders.
func writeFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// logBuffer returns a logger writing text records into the returned buffer.
func logBuffer() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), &buf
}

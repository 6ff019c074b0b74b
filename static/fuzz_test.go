package static

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/dashbox/dashbox/internal/byteranges"
)

// FuzzStaticPath: whatever path a request names, the handler never panics
// and never sends a byte from outside the embedded assets and the
// --static-dir folder; what it sends with 200 is one of the files it holds.
func FuzzStaticPath(f *testing.F) {
	for _, seed := range []string{
		"/static/css/site.css", "/static/a.txt", "/static/sub/b.txt", "/static/out", "/static/../secret",
		"/static/%2e%2e/secret", "/static/..%2fsecret", "/static/sub/../../secret", "/static//etc/passwd",
		"/static/./a.txt", "/static/.hidden", "/static/sub/", "/static/a.txt%00.css", `/static/..\secret`,
		"/static/css/site." + strings.Repeat("0", 12) + ".css", "/static/vendor/lib/app.min.js",
		"/static/%c0%ae%c0%ae/secret", "/static/out/x", "/static/sub/%2e%2e/%2e%2e/secret",
	} {
		f.Add(seed)
	}
	const secret = "TOP-SECRET-CONTENT"
	parent := f.TempDir()
	writeFile(f, parent, "secret", secret)
	dir := filepath.Join(parent, "static")
	writeFile(f, dir, "a.txt", "file a")
	writeFile(f, dir, "sub/b.txt", "file b")
	writeFile(f, dir, ".hidden", secret)
	if err := os.Symlink("../secret", filepath.Join(dir, "out")); err != nil {
		f.Fatal(err)
	}
	assets := testAssets(f)
	served := map[string]bool{"file a": true, "file b": true}
	for _, file := range assets {
		served[string(file.Data)] = true
	}
	h := mustHandler(f, assets, Options{Dir: dir})
	f.Fuzz(func(t *testing.T, target string) {
		// Parse the target as net/http's server does; what it refuses
		// never reaches the handler.
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n")))
		if err != nil || req.URL.Path != "" && !strings.HasPrefix(req.URL.Path, "/") {
			return
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		body := w.Body.String()
		if strings.Contains(body, secret) {
			t.Fatalf("GET %q leaked the secret (status %d)", target, w.Code)
		}
		switch w.Code {
		case 200:
			if !served[body] {
				t.Fatalf("GET %q = 200 with a body that is no file of the handler's: %.80q", target, body)
			}
		case 400, 404:
		default:
			t.Fatalf("GET %q = %d, want 200, 400 or 404", target, w.Code)
		}
	})
}

// FuzzRange: any Range header on an embedded asset and a --static-dir
// file gets 200 (the whole file), 206 (the ranges asked for, at most 16,
// each with the bytes its Content-Range names) or 416, and a body at most
// the file's size plus the multipart framing of 16 parts.
func FuzzRange(f *testing.F) {
	for _, seed := range []string{
		"bytes=0-9", "bytes=-5", "bytes=100-", "bytes=0-0,2-2,4-4", "bytes=99999-", "bytes=0-1,0-1,0-1",
		ranges(16), ranges(17), ranges(1000), "bytes=", "bytes=-", "bytes=5-1", "bytes=0-18446744073709551616",
		"bits=0-1", "bytes=0-9, 20-29", "bytes= 0-1 ,,, 3-4", "bytes=-0", "bytes=0--1",
	} {
		f.Add(seed)
	}
	dir := f.TempDir()
	writeFile(f, dir, "big.css", testCSS)
	h := mustHandler(f, testAssets(f), Options{Dir: dir})
	content := testCSS
	maxBody := len(content) + byteranges.Max*256
	f.Fuzz(func(t *testing.T, rng string) {
		for _, target := range []string{"/static/css/site.css", "/static/big.css"} {
			r := httptest.NewRequest("GET", target, nil)
			r.Header.Set("Range", rng)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			body := w.Body.Bytes()
			if len(body) > maxBody {
				t.Fatalf("Range %q on %s: %d-byte body, want at most %d", rng, target, len(body), maxBody)
			}
			switch w.Code {
			case 200:
				if string(body) != content {
					t.Fatalf("Range %q on %s: 200 without the whole file", rng, target)
				}
			case 206:
				checkPartial(t, rng, w, content)
			case 416:
				// ServeContent names the size only when the ranges
				// are well formed but miss the file.
				if got, want := w.Header().Get("Content-Range"), "bytes */"+strconv.Itoa(len(content)); got != want && got != "" {
					t.Fatalf("Range %q: 416 with Content-Range %q, want %q or none", rng, got, want)
				}
			default:
				t.Fatalf("Range %q on %s = %d, want 200, 206 or 416", rng, target, w.Code)
			}
		}
	})
}

// checkPartial checks a 206: each part holds the bytes its Content-Range
// names, and there are at most byteranges.Max parts.
func checkPartial(t *testing.T, rng string, w *httptest.ResponseRecorder, content string) {
	t.Helper()
	check := func(contentRange string, part []byte) {
		var first, last, size int
		if _, err := fmt.Sscanf(contentRange, "bytes %d-%d/%d", &first, &last, &size); err != nil ||
			size != len(content) || first < 0 || first > last || last >= size {
			t.Fatalf("Range %q: Content-Range %q for a %d-byte file", rng, contentRange, len(content))
		}
		if !bytes.Equal(part, []byte(content[first:last+1])) {
			t.Fatalf("Range %q: part %q does not hold its bytes", rng, contentRange)
		}
	}
	mt, params, err := mime.ParseMediaType(w.Header().Get("Content-Type"))
	if err != nil || mt != "multipart/byteranges" {
		check(w.Header().Get("Content-Range"), w.Body.Bytes())
		return
	}
	mr := multipart.NewReader(w.Body, params["boundary"])
	parts := 0
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("Range %q: multipart body: %v", rng, err)
		}
		data, err := io.ReadAll(p)
		if err != nil {
			t.Fatalf("Range %q: multipart part: %v", rng, err)
		}
		check(p.Header.Get("Content-Range"), data)
		parts++
	}
	if parts == 0 || parts > byteranges.Max {
		t.Fatalf("Range %q: %d parts, want 1 to %d", rng, parts, byteranges.Max)
	}
}

package static

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dashbox/dashbox/static/internal/assetname"
)

// TestEmbeddedAssets checks the real embedded files the pages link to.
func TestEmbeddedAssets(t *testing.T) {
	h, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, urlPattern, contentType, mustContain string
	}{
		{"css/dashbox.css", `^/static/css/dashbox\.[0-9a-f]{12}\.css$`, "text/css; charset=utf-8", "prefers-color-scheme: dark"},
		{"favicon.svg", `^/static/favicon\.[0-9a-f]{12}\.svg$`, "image/svg+xml", "<svg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := h.URL(tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if !regexp.MustCompile(tt.urlPattern).MatchString(u) {
				t.Errorf("URL = %q, want match for %s", u, tt.urlPattern)
			}
			for _, target := range []string{u, Prefix + tt.name} {
				w := get(h, "GET", target, "Accept-Encoding: gzip, deflate, br, zstd")
				if w.Code != http.StatusOK {
					t.Fatalf("GET %s = %d", target, w.Code)
				}
				if ct := w.Header().Get("Content-Type"); ct != tt.contentType {
					t.Errorf("GET %s Content-Type = %q, want %q", target, ct, tt.contentType)
				}
				if body := decodeBody(t, w); !strings.Contains(body, tt.mustContain) {
					t.Errorf("GET %s body lacks %q", target, tt.mustContain)
				}
			}
		})
	}
}

func TestHeaders(t *testing.T) {
	h := mustHandler(t, testAssets(t), Options{})
	tests := []struct {
		target, contentType string
		vary                bool
		body                string
	}{
		{"/static/css/site.css", "text/css; charset=utf-8", true, testCSS},
		{"/static/vendor/lib/app.min.js", "text/javascript; charset=utf-8", true, testJS},
		{"/static/data/points.json", "application/json", true, `{"x": [1, 2, 3]}`},
		{"/static/js/app.js.map", "application/json", true, `{"version":3}`},
		{"/static/tiny.txt", "text/plain; charset=utf-8", true, testTiny},
		{"/static/img/logo.png", "image/png", false, testPNG},
		{"/static/fonts/a.woff2", "font/woff2", false, "wOF2 binary"},
		{"/static/LICENSE", "application/octet-stream", false, "license text"},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			before := time.Now()
			w := get(h, "GET", tt.target)
			after := time.Now()
			if w.Code != http.StatusOK {
				t.Fatalf("status %d", w.Code)
			}
			hdr := w.Header()
			if got := hdr.Get("Cache-Control"); got != "public, max-age=2592000" {
				t.Errorf("Cache-Control = %q", got)
			}
			checkExpires(t, w, before, after, 30*24*time.Hour)
			wantETag := `"` + assetname.Fingerprint([]byte(tt.body)) + `"`
			if got := hdr.Get("ETag"); got != wantETag {
				t.Errorf("ETag = %q, want %q", got, wantETag)
			}
			if got := hdr.Get("Content-Type"); got != tt.contentType {
				t.Errorf("Content-Type = %q, want %q", got, tt.contentType)
			}
			if got := hdr.Get("Vary") == "Accept-Encoding"; got != tt.vary {
				t.Errorf("Vary = %q, want Accept-Encoding: %v", hdr.Get("Vary"), tt.vary)
			}
			if got := hdr.Get("Content-Length"); got != strconv.Itoa(len(tt.body)) {
				t.Errorf("Content-Length = %q, want %d", got, len(tt.body))
			}
			if hdr.Get("Content-Encoding") != "" || w.Body.String() != tt.body {
				t.Errorf("want the identity body without Content-Encoding")
			}
			if hdr.Get("Last-Modified") != "" {
				t.Errorf("Last-Modified = %q; embedded files have no real time", hdr.Get("Last-Modified"))
			}
		})
	}
}

func TestConditional(t *testing.T) {
	h := mustHandler(t, testAssets(t), Options{})
	fp := assetname.Fingerprint([]byte(testCSS))
	etag, brETag := `"`+fp+`"`, `"`+fp+`-br"`
	tests := []struct {
		name    string
		headers []string
		want    int
	}{
		{"exact", []string{"If-None-Match: " + etag}, 304},
		{"in a list", []string{`If-None-Match: "nope", ` + etag + `, "other"`}, 304},
		{"star", []string{"If-None-Match: *"}, 304},
		{"weak form matches (weak comparison)", []string{"If-None-Match: W/" + etag}, 304},
		{"other tag", []string{`If-None-Match: "0123456789ab"`}, 200},
		{"brotli tag with brotli accepted", []string{"If-None-Match: " + brETag, "Accept-Encoding: br"}, 304},
		{"identity tag when brotli will be sent", []string{"If-None-Match: " + etag, "Accept-Encoding: br"}, 200},
		{"brotli tag when identity will be sent", []string{"If-None-Match: " + brETag}, 200},
		{"If-Match mismatch", []string{`If-Match: "0123456789ab"`}, 412},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, method := range []string{"GET", "HEAD"} {
				w := get(h, method, "/static/css/site.css", tt.headers...)
				if w.Code != tt.want {
					t.Fatalf("%s: status %d, want %d", method, w.Code, tt.want)
				}
				if tt.want != 304 {
					continue
				}
				hdr := w.Header()
				if w.Body.Len() != 0 || hdr.Get("Content-Length") != "" || hdr.Get("Content-Encoding") != "" {
					t.Errorf("%s 304: body %d bytes, Content-Length %q, Content-Encoding %q; want none",
						method, w.Body.Len(), hdr.Get("Content-Length"), hdr.Get("Content-Encoding"))
				}
				if hdr.Get("ETag") == "" || hdr.Get("Cache-Control") == "" || hdr.Get("Expires") == "" || hdr.Get("Vary") == "" {
					t.Errorf("%s 304 must keep ETag, Cache-Control, Expires and Vary: %v", method, hdr)
				}
			}
		})
	}
}

func TestRange(t *testing.T) {
	h := mustHandler(t, testAssets(t), Options{})
	n := len(testCSS)
	tests := []struct {
		name, rng    string
		extra        []string
		want         int
		contentRange string
		body         string
	}{
		{"first ten bytes", "bytes=0-9", nil, 206, "bytes 0-9/" + strconv.Itoa(n), testCSS[:10]},
		{"suffix", "bytes=-5", nil, 206, "bytes " + strconv.Itoa(n-5) + "-" + strconv.Itoa(n-1) + "/" + strconv.Itoa(n), testCSS[n-5:]},
		{"open end", "bytes=100-", nil, 206, "bytes 100-" + strconv.Itoa(n-1) + "/" + strconv.Itoa(n), testCSS[100:]},
		// Range is served from identity even when brotli is accepted.
		{"with brotli accepted", "bytes=0-9", []string{"Accept-Encoding: br, gzip"}, 206, "bytes 0-9/" + strconv.Itoa(n), testCSS[:10]},
		{"If-Range with the current tag", "bytes=0-9", []string{`If-Range: "` + assetname.Fingerprint([]byte(testCSS)) + `"`}, 206, "bytes 0-9/" + strconv.Itoa(n), testCSS[:10]},
		{"If-Range with an old tag sends everything", "bytes=0-9", []string{`If-Range: "0123456789ab"`}, 200, "", testCSS},
		{"beyond the end", "bytes=99999-", nil, 416, "bytes */" + strconv.Itoa(n), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := get(h, "GET", "/static/css/site.css", append([]string{"Range: " + tt.rng}, tt.extra...)...)
			if w.Code != tt.want {
				t.Fatalf("status %d, want %d", w.Code, tt.want)
			}
			if got := w.Header().Get("Content-Range"); got != tt.contentRange {
				t.Errorf("Content-Range = %q, want %q", got, tt.contentRange)
			}
			if enc := w.Header().Get("Content-Encoding"); enc != "" {
				t.Errorf("Content-Encoding = %q, want identity for Range requests", enc)
			}
			if w.Header().Get("Vary") != "Accept-Encoding" {
				t.Errorf("Vary = %q, want Accept-Encoding", w.Header().Get("Vary"))
			}
			if tt.want != 416 && w.Body.String() != tt.body {
				t.Errorf("body = %q, want %q", w.Body.String(), tt.body)
			}
		})
	}
}

func TestCompression(t *testing.T) {
	h := mustHandler(t, testAssets(t), Options{})
	fp := assetname.Fingerprint([]byte(testCSS))
	tests := []struct {
		acceptEncoding []string // header lines; nil = no header
		want           string   // Content-Encoding
	}{
		{nil, ""},
		{[]string{""}, ""},
		{[]string{"br"}, "br"},
		{[]string{"gzip"}, "gzip"},
		{[]string{"gzip, deflate, br, zstd"}, "br"}, // browsers: brotli wins the tie
		{[]string{"gzip, deflate", "br"}, "br"},     // two header lines
		{[]string{"BR"}, "br"},
		{[]string{"x-gzip"}, "gzip"},
		{[]string{"deflate, zstd"}, ""},
		{[]string{"br;q=0, gzip"}, "gzip"},
		{[]string{"br; q=0, gzip ;q=0"}, ""},
		{[]string{"gzip;q=1, br;q=0.5"}, "gzip"},
		{[]string{"gzip;q=0.8, br;q=0.9"}, "br"},
		{[]string{"gzip;q=0.5, br;q=0.500"}, "br"},
		{[]string{"br;q=0.001"}, "br"},
		{[]string{"br;q=0.0, gzip;q=0.00"}, ""},
		{[]string{"*"}, "br"},
		{[]string{"*;q=0"}, ""},
		{[]string{"*;q=0.5, br;q=0"}, "gzip"},
		{[]string{"identity, gzip;q=0.5"}, ""},
		{[]string{"identity;q=0.5, gzip"}, "gzip"},
		{[]string{"identity;q=0"}, ""}, // refused everything: identity anyway
		{[]string{"br;q=1.5"}, ""},     // malformed weights refuse
		{[]string{"br;q=abc, gzip"}, "gzip"},
		{[]string{"br;level=5;q=0.7, gzip;q=0.6"}, "br"},
	}
	for _, tt := range tests {
		name := strings.Join(tt.acceptEncoding, " | ")
		if tt.acceptEncoding == nil {
			name = "no header"
		}
		t.Run(name, func(t *testing.T) {
			var headers []string
			for _, v := range tt.acceptEncoding {
				headers = append(headers, "Accept-Encoding: "+v)
			}
			for _, method := range []string{"GET", "HEAD"} {
				w := get(h, method, "/static/css/site.css", headers...)
				hdr := w.Header()
				if w.Code != 200 {
					t.Fatalf("%s: status %d", method, w.Code)
				}
				if got := hdr.Get("Content-Encoding"); got != tt.want {
					t.Fatalf("%s: Content-Encoding = %q, want %q", method, got, tt.want)
				}
				if hdr.Get("Vary") != "Accept-Encoding" {
					t.Errorf("%s: Vary = %q", method, hdr.Get("Vary"))
				}
				wantETag := `"` + fp + map[string]string{"": "", "br": "-br", "gzip": "-gz"}[tt.want] + `"`
				if got := hdr.Get("ETag"); got != wantETag {
					t.Errorf("%s: ETag = %q, want %q", method, got, wantETag)
				}
				if method == "HEAD" {
					if w.Body.Len() != 0 {
						t.Errorf("HEAD sent a body")
					}
					continue
				}
				if got := hdr.Get("Content-Length"); got != strconv.Itoa(w.Body.Len()) {
					t.Errorf("Content-Length = %q, body has %d bytes", got, w.Body.Len())
				}
				if tt.want != "" && w.Body.Len() >= len(testCSS) {
					t.Errorf("compressed body %d bytes, not smaller than %d", w.Body.Len(), len(testCSS))
				}
				if got := decodeBody(t, w); got != testCSS {
					t.Errorf("decoded body differs from the asset")
				}
			}
		})
	}
}

// TestVariantsKeptOnlyWhenSmaller: a tiny text asset gets no compressed
// body, but still Vary, since the asset type varies by Accept-Encoding.
func TestVariantsKeptOnlyWhenSmaller(t *testing.T) {
	fsys := testAssets(t)
	// A sibling that is not smaller than its asset, as an older generator
	// might have written: ignored.
	fsys["tiny.txt."+assetname.Fingerprint([]byte(testTiny))+".br"].Data = []byte("xxxxxxxx")
	h := mustHandler(t, fsys, Options{})
	w := get(h, "GET", "/static/tiny.txt", "Accept-Encoding: br, gzip")
	if enc := w.Header().Get("Content-Encoding"); enc != "" || w.Body.String() != testTiny {
		t.Errorf("Content-Encoding %q, body %q; want identity %q", enc, w.Body.String(), testTiny)
	}
	if w.Header().Get("Vary") != "Accept-Encoding" {
		t.Errorf("Vary = %q", w.Header().Get("Vary"))
	}
}

// TestStaleAndMissingSiblings: a build without `go generate` (or after an
// edit) serves identity, never an old compressed body, and says so once per
// cause: missing siblings at start, stale ones on the asset's first use (only
// then is its content hashed).
func TestStaleAndMissingSiblings(t *testing.T) {
	fsys := testAssets(t)
	// css/site.css edited after the last go generate: its siblings carry
	// the old fingerprint.
	fsys["css/site.css"].Data = []byte(testCSS + "/* edited */\n")
	// app.min.js built without go generate: no siblings at all.
	for name := range fsys {
		if strings.HasPrefix(name, "vendor/lib/app.min.js.") {
			delete(fsys, name)
		}
	}
	logger, logs := logBuffer()
	h := mustHandler(t, fsys, Options{Logger: logger})
	atStart := logs.String()
	if strings.Count(atStart, "level=WARN") != 1 || !strings.Contains(atStart, "go generate ./static") ||
		!strings.Contains(atStart, "vendor/lib/app.min.js") || strings.Contains(atStart, "css/site.css") {
		t.Errorf("at start, want one warning naming the asset without siblings and the fix, got:\n%s", atStart)
	}
	for range 2 {
		for _, target := range []string{"/static/css/site.css", "/static/vendor/lib/app.min.js"} {
			w := get(h, "GET", target, "Accept-Encoding: br, gzip")
			if enc := w.Header().Get("Content-Encoding"); enc != "" {
				t.Errorf("%s: Content-Encoding %q, want identity", target, enc)
			}
		}
	}
	if w := get(h, "GET", "/static/css/site.css"); !strings.HasSuffix(w.Body.String(), "/* edited */\n") {
		t.Error("want the edited content")
	}
	onUse := strings.TrimPrefix(logs.String(), atStart)
	if strings.Count(onUse, "level=WARN") != 1 || !strings.Contains(onUse, "go generate ./static") ||
		!strings.Contains(onUse, "css/site.css") {
		t.Errorf("on first use, want one warning naming the asset with stale siblings and the fix, got:\n%s", onUse)
	}
	// Siblings are not assets of their own.
	for name := range testAssets(t) {
		if _, _, _, ok := assetname.ParseSiblingName(name); ok {
			if w := get(h, "GET", Prefix+name); w.Code != 404 {
				t.Errorf("GET sibling %s = %d, want 404", name, w.Code)
			}
		}
	}
}

func TestFingerprintedURLs(t *testing.T) {
	h := mustHandler(t, testAssets(t), Options{})
	fp := assetname.Fingerprint([]byte(testCSS))
	u, err := h.URL("css/site.css")
	if err != nil {
		t.Fatal(err)
	}
	if want := "/static/css/site." + fp + ".css"; u != want {
		t.Fatalf("URL = %q, want %q", u, want)
	}
	licenseURL, _ := h.URL("LICENSE")
	jsURL, _ := h.URL("vendor/lib/app.min.js")
	if !strings.HasPrefix(jsURL, "/static/vendor/lib/app.min.") || !strings.HasSuffix(jsURL, ".js") {
		t.Errorf("URL(app.min.js) = %q", jsURL)
	}
	year := "public, max-age=31536000, immutable"
	month := "public, max-age=2592000"
	tests := []struct {
		name, target  string
		want          int
		cacheControl  string
		ttl           time.Duration
		body          string
		encodingsWork bool
	}{
		{"current fingerprint", u, 200, year, 365 * 24 * time.Hour, testCSS, true},
		{"current fingerprint, extensionless", licenseURL, 200, year, 365 * 24 * time.Hour, "license text", false},
		{"current fingerprint, two dots", jsURL, 200, year, 365 * 24 * time.Hour, testJS, true},
		{"plain name", "/static/css/site.css", 200, month, 30 * 24 * time.Hour, testCSS, true},
		{"an old build's fingerprint", "/static/css/site.0123456789ab.css", 200, month, 30 * 24 * time.Hour, testCSS, true},
		{"an old build's fingerprint, extensionless", "/static/LICENSE.0123456789ab", 200, month, 30 * 24 * time.Hour, "license text", false},
		{"upper-case hex is no fingerprint", "/static/css/site." + strings.ToUpper(fp) + ".css", 404, "", 0, "", false},
		{"fingerprint in the wrong place", "/static/css/site.css." + fp, 404, "", 0, "", false},
		{"fingerprint of an unknown asset", "/static/css/nope." + fp + ".css", 404, "", 0, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := time.Now()
			w := get(h, "GET", tt.target, "Accept-Encoding: br")
			after := time.Now()
			if w.Code != tt.want {
				t.Fatalf("GET %s = %d, want %d", tt.target, w.Code, tt.want)
			}
			if tt.want != 200 {
				if cc := w.Header().Get("Cache-Control"); cc != "" {
					t.Errorf("error response has Cache-Control %q", cc)
				}
				return
			}
			if got := w.Header().Get("Cache-Control"); got != tt.cacheControl {
				t.Errorf("Cache-Control = %q, want %q", got, tt.cacheControl)
			}
			checkExpires(t, w, before, after, tt.ttl)
			if got := decodeBody(t, w); got != tt.body {
				t.Errorf("body differs")
			}
			if tt.encodingsWork && w.Header().Get("Content-Encoding") != "br" {
				t.Errorf("Content-Encoding = %q, want br", w.Header().Get("Content-Encoding"))
			}
		})
	}
}

func TestURLUnknown(t *testing.T) {
	h := mustHandler(t, testAssets(t), Options{})
	for _, name := range []string{"nope.css", "/css/site.css", "css/site.css.br", "css", "css/", "",
		"css/site.css." + assetname.Fingerprint([]byte(testCSS)) + ".br"} {
		u, err := h.URL(name)
		if err == nil {
			t.Errorf("URL(%q) = %q, want an error", name, u)
		} else if strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "css/dashbox.css") {
			t.Errorf("URL(%q) error %q: want one line with an example name", name, err)
		}
	}
}

func TestMethods(t *testing.T) {
	h := mustHandler(t, testAssets(t), Options{})
	for _, method := range []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND"} {
		for _, target := range []string{"/static/css/site.css", "/static/nope"} {
			w := get(h, method, target)
			if w.Code != http.StatusMethodNotAllowed {
				t.Errorf("%s %s = %d, want 405", method, target, w.Code)
			}
			if got := w.Header().Get("Allow"); got != "GET, HEAD" {
				t.Errorf("%s %s: Allow = %q", method, target, got)
			}
		}
	}
}

// TestOverHTTP runs the handler behind a real server, as the lead's router
// mounts it, and checks what reaches a client on the wire.
func TestOverHTTP(t *testing.T) {
	h := mustHandler(t, testAssets(t), Options{})
	mux := http.NewServeMux()
	mux.Handle(Prefix, h)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for _, method := range []string{"GET", "HEAD"} {
		req, _ := http.NewRequest(method, srv.URL+"/static/css/site.css", nil)
		req.Header.Set("Accept-Encoding", "br") // set by hand: the client will not decode it
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "br" {
			t.Fatalf("%s: %d %q", method, resp.StatusCode, resp.Header.Get("Content-Encoding"))
		}
		want := len(testAssets(t)["css/site.css."+assetname.Fingerprint([]byte(testCSS))+".br"].Data)
		if resp.ContentLength != int64(want) {
			t.Errorf("%s: Content-Length %d, want %d", method, resp.ContentLength, want)
		}
		if method == "GET" && len(body) != want {
			t.Errorf("GET: got %d body bytes, want %d", len(body), want)
		}
		if method == "HEAD" && len(body) != 0 {
			t.Errorf("HEAD: got a body")
		}
	}
}

// TestContentReadOnFirstUse: New reads no asset's content, and a request
// reads only what it asks for, so embedded files nobody asks for (ECharts in
// a server that only serves /healthz) cost no memory.
func TestContentReadOnFirstUse(t *testing.T) {
	fsys := &readCountingFS{FS: testAssets(t), read: map[string]int{}}
	h := mustHandler(t, fsys, Options{})
	if len(fsys.read) != 0 {
		t.Fatalf("New read asset content: %v", fsys.read)
	}
	if w := get(h, "GET", "/static/css/site.css"); w.Code != 200 || w.Body.String() != testCSS {
		t.Fatalf("GET site.css = %d", w.Code)
	}
	for name := range fsys.read {
		if !strings.HasPrefix(name, "css/site.css") {
			t.Errorf("serving css/site.css read %s too", name)
		}
	}
}

// readCountingFS counts the bytes read from each file of an fs.FS whose
// files are io.ReaderAt, as embed.FS's are.
type readCountingFS struct {
	fs.FS
	mu   sync.Mutex
	read map[string]int
}

func (c *readCountingFS) Open(name string) (fs.File, error) {
	f, err := c.FS.Open(name)
	if err != nil {
		return nil, err
	}
	if _, ok := f.(io.ReaderAt); !ok {
		return f, nil // directories
	}
	return &readCountingFile{File: f, name: name, fsys: c}, nil
}

type readCountingFile struct {
	fs.File
	name string
	fsys *readCountingFS
}

func (f *readCountingFile) count(n int) {
	f.fsys.mu.Lock()
	defer f.fsys.mu.Unlock()
	f.fsys.read[f.name] += n
}

func (f *readCountingFile) Read(b []byte) (int, error) {
	n, err := f.File.Read(b)
	f.count(n)
	return n, err
}

func (f *readCountingFile) ReadAt(b []byte, off int64) (int, error) {
	n, err := f.File.(io.ReaderAt).ReadAt(b, off)
	f.count(n)
	return n, err
}

// TestFirstUseConcurrent: requests and URL calls racing on assets nobody has
// used yet all get the same, complete answer (go test -race checks the
// rest).
func TestFirstUseConcurrent(t *testing.T) {
	h := mustHandler(t, testAssets(t), Options{})
	want := "/static/vendor/lib/app.min." + assetname.Fingerprint([]byte(testJS)) + ".js"
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			switch g % 3 {
			case 0:
				if u, err := h.URL("vendor/lib/app.min.js"); err != nil || u != want {
					t.Errorf("URL = %q, %v; want %q", u, err, want)
				}
			case 1:
				if w := get(h, "GET", want); w.Code != 200 || w.Body.String() != testJS {
					t.Errorf("GET %s = %d or a wrong body", want, w.Code)
				}
			case 2:
				if w := get(h, "GET", "/static/vendor/lib/app.min.js"); w.Code != 200 || w.Body.String() != testJS {
					t.Errorf("GET plain name = %d or a wrong body", w.Code)
				}
			}
		})
	}
	wg.Wait()
}

package static

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/dashbox/dashbox/static/internal/assetname"
)

// discardWriter is the cheapest ResponseWriter: it keeps one header map for
// all iterations, so benchmarks measure the handler, not a recorder.
type discardWriter struct {
	h      http.Header
	status int
	n      int
	buf    [32 << 10]byte
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(status int)      { w.status = status }
func (w *discardWriter) Write(b []byte) (int, error) { w.n += len(b); return len(b), nil }

// ReadFrom copies through one reused buffer, as net/http's response does
// with its pooled ones, so a benchmark does not count a copy buffer the
// real server would not allocate.
func (w *discardWriter) ReadFrom(r io.Reader) (int64, error) {
	var n int64
	for {
		m, err := r.Read(w.buf[:])
		n += int64(m)
		w.n += m
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

func benchServe(b *testing.B, h http.Handler, target string, wantStatus int, headers ...string) {
	b.Helper()
	r := httptest.NewRequest("GET", target, nil)
	for _, hv := range headers {
		k, v, _ := strings.Cut(hv, ":")
		r.Header.Add(k, strings.TrimSpace(v))
	}
	w := &discardWriter{h: http.Header{}}
	h.ServeHTTP(w, r)
	if w.status != wantStatus && !(wantStatus == 200 && w.status == 0) {
		b.Fatalf("GET %s = %d, want %d", target, w.status, wantStatus)
	}
	b.SetBytes(int64(w.n))
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		w.n = 0
		h.ServeHTTP(w, r)
	}
}

func realHandler(b *testing.B, opts Options) *Handler {
	b.Helper()
	h, err := New(opts)
	if err != nil {
		b.Fatal(err)
	}
	return h
}

// BenchmarkEmbedded is the hot path: a page's stylesheet.
func BenchmarkEmbedded(b *testing.B) {
	h := realHandler(b, Options{})
	u, _ := h.URL("css/dashbox.css")
	etag := `"` + h.assets["css/dashbox.css"].fingerprint + `-br"`
	browser := "Accept-Encoding: gzip, deflate, br, zstd"
	b.Run("identity", func(b *testing.B) { benchServe(b, h, "/static/css/dashbox.css", 200) })
	b.Run("identity-fingerprinted", func(b *testing.B) { benchServe(b, h, u, 200) })
	b.Run("br", func(b *testing.B) { benchServe(b, h, u, 200, browser) })
	b.Run("304", func(b *testing.B) { benchServe(b, h, u, 304, browser, "If-None-Match: "+etag) })
	b.Run("404", func(b *testing.B) { benchServe(b, h, "/static/css/nope.css", 404) })
}

func BenchmarkDisk(b *testing.B) {
	dir := b.TempDir()
	writeFile(b, dir, "1k.bin", strings.Repeat("x", 1<<10))
	writeFile(b, dir, "1m.bin", strings.Repeat("x", 1<<20))
	h := realHandler(b, Options{Dir: dir})
	// Just written, so not settled yet: these read from disk.
	b.Run("1KiB", func(b *testing.B) { benchServe(b, h, "/static/1k.bin", 200) })
	b.Run("1MiB", func(b *testing.B) { benchServe(b, h, "/static/1m.bin", 200) })
	// As on a server whose files were deployed more than settleTime ago.
	settled := realHandler(b, Options{Dir: dir})
	settled.now = func() time.Time { return time.Now().Add(time.Minute) }
	b.Run("1KiB-cached", func(b *testing.B) { benchServe(b, settled, "/static/1k.bin", 200) })
	b.Run("304", func(b *testing.B) {
		r := httptest.NewRecorder()
		h.ServeHTTP(r, httptest.NewRequest("GET", "/static/1k.bin", nil))
		benchServe(b, h, "/static/1k.bin", 304, "If-None-Match: "+r.Header().Get("ETag"))
	})
}

// BenchmarkOverHTTP measures whole requests on a loopback keep-alive
// connection (plain HTTP, without TLS's cost). `make bench` holds the real
// thing, over HTTPS, against nginx.
func BenchmarkOverHTTP(b *testing.B) {
	dir := b.TempDir()
	writeFile(b, dir, "1k.bin", strings.Repeat("x", 1<<10))
	writeFile(b, dir, "1m.bin", strings.Repeat("x", 1<<20))
	h := realHandler(b, Options{Dir: dir})
	srv := httptest.NewServer(h)
	b.Cleanup(srv.Close)
	client := srv.Client()
	u, _ := h.URL("css/dashbox.css")
	for _, c := range []struct{ name, path, ae string }{
		{"embedded-br", u, "br"},
		{"disk-1KiB", "/static/1k.bin", ""},
		{"disk-1MiB", "/static/1m.bin", ""},
	} {
		b.Run(c.name, func(b *testing.B) {
			req, _ := http.NewRequest("GET", srv.URL+c.path, nil)
			if c.ae != "" {
				req.Header.Set("Accept-Encoding", c.ae)
			}
			b.ReportAllocs()
			var n int64
			for b.Loop() {
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				n, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatal(resp.Status)
				}
			}
			b.SetBytes(n)
		})
	}
}

// BenchmarkNew is the start-up cost: indexing the assets. Their content is
// read and hashed on first use, so the size of what is embedded hardly
// matters here.
func BenchmarkNew(b *testing.B) {
	b.Run("embedded", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := New(Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	// As after `make` with ECharts vendored: a 1 MiB script and its
	// siblings (their bytes do not matter to New).
	js := strings.Repeat("var a=function(t){return t*2};", (1<<20)/31)
	fp := assetname.Fingerprint([]byte(js))
	fsys := fstest.MapFS{
		"vendor/echarts/echarts.min.js":               {Data: []byte(js)},
		"vendor/echarts/echarts.min.js." + fp + ".br": {Data: []byte(js[:300<<10])},
		"vendor/echarts/echarts.min.js." + fp + ".gz": {Data: []byte(js[:340<<10])},
	}
	b.Run("with-1MiB-script", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := newHandler(fsys, Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

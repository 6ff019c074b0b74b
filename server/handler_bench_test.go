package server_test

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dashbox/dashbox/metrics"
	"github.com/dashbox/dashbox/pages"
	"github.com/dashbox/dashbox/pages/demo"
	"github.com/dashbox/dashbox/server"
	"github.com/dashbox/dashbox/static"
)

// benchWriter is the cheapest ResponseWriter: one header map for all
// iterations, so the benchmarks measure dashbox's handler and middleware,
// not a recorder. ReadFrom copies through one reused buffer, as net/http's
// response does with its pooled ones.
type benchWriter struct {
	h      http.Header
	status int
	n      int
	buf    [32 << 10]byte
}

func (w *benchWriter) Header() http.Header { return w.h }
func (w *benchWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}
func (w *benchWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.n += len(b)
	return len(b), nil
}
func (w *benchWriter) ReadFrom(r io.Reader) (int64, error) {
	var n int64
	for {
		m, err := r.Read(w.buf[:])
		n += int64(m)
		w.Write(w.buf[:m])
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// benchHandler is dashbox's HTTPS handler as `dashbox serve` builds it:
// the embedded assets plus a --static-dir holding a 1 KiB and a 1 MiB
// file, every dashboard, HSTS on, and the access log in a file (or off).
func benchHandler(b *testing.B, accessLog bool, opts ...func(*server.Deps)) http.Handler {
	b.Helper()
	dir := b.TempDir()
	// Dated an hour ahead, the files never count as settled, so the static
	// handler never keeps them in memory: these cases measure the path
	// from disk. (static's BenchmarkDisk/1KiB-cached measures the other.)
	future := time.Now().Add(time.Hour)
	for name, size := range map[string]int{"1k.bin": 1 << 10, "1m.bin": 1 << 20} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(strings.Repeat("x", size)), 0o644); err != nil {
			b.Fatal(err)
		}
		if err := os.Chtimes(path, future, future); err != nil {
			b.Fatal(err)
		}
	}
	assets, err := static.New(static.Options{Dir: dir})
	if err != nil {
		b.Fatal(err)
	}
	pg, err := pages.New(pages.Options{AssetURL: assets.URL, Dashboards: demo.Dashboards()})
	if err != nil {
		b.Fatalf("%v (the pages need the npm assets: run make generate, or make bench)", err)
	}
	deps := server.Deps{Static: assets, Pages: pg, HSTS: func(*http.Request) bool { return true }}
	if accessLog {
		l, err := server.OpenLogFile(filepath.Join(b.TempDir(), "access.log"), nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { l.Close() })
		deps.AccessLog = l
	}
	for _, o := range opts {
		o(&deps)
	}
	return server.NewHandler(deps)
}

// benchRequest serves req through h once to check the status, then
// b.N times, reporting allocations and the bytes of one response.
func benchRequest(b *testing.B, h http.Handler, newReq func() *http.Request, wantStatus int) {
	b.Helper()
	w := &benchWriter{h: http.Header{}}
	h.ServeHTTP(w, newReq())
	if w.status != wantStatus {
		b.Fatalf("status %d, want %d", w.status, wantStatus)
	}
	b.SetBytes(int64(w.n))
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		w.status, w.n = 0, 0
		h.ServeHTTP(w, newReq())
	}
}

// get returns a request maker for a browser-like GET over TLS. The request
// is built once and reused: making it is the client's cost, not the
// server's.
func get(target string, header ...string) func() *http.Request {
	r := httptest.NewRequest("GET", target, nil)
	r.TLS = &tls.ConnectionState{ServerName: "dash.example.com"}
	r.RemoteAddr = "192.0.2.7:51234"
	r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) bench")
	for _, hv := range header {
		k, v, _ := strings.Cut(hv, ":")
		r.Header.Set(k, strings.TrimSpace(v))
	}
	return func() *http.Request { return r }
}

const browserEncodings = "Accept-Encoding: gzip, deflate, br, zstd"

// BenchmarkHandler is a whole HTTPS request as the server's handler sees
// it, every middleware included (access log to a file, security headers,
// HSTS, recovery, routing): the static hot paths, a dashboard page and a
// callback. Compare with BenchmarkHandlerNoAccessLog for what the log
// costs.
func BenchmarkHandler(b *testing.B) {
	h := benchHandler(b, true)
	benchHandlerCases(b, h)
}

// BenchmarkHandlerMetrics is BenchmarkHandler with the request metrics on
// (--metrics-addr): what they cost a request is the difference.
func BenchmarkHandlerMetrics(b *testing.B) {
	h := benchHandler(b, true, func(d *server.Deps) { d.Observer = metrics.New(metrics.BuildInfo{}) })
	benchHandlerCases(b, h)
}

// BenchmarkHandlerNoAccessLog is BenchmarkHandler with --access-log off.
func BenchmarkHandlerNoAccessLog(b *testing.B) {
	h := benchHandler(b, false)
	b.Run("static-disk-1KiB", func(b *testing.B) { benchRequest(b, h, get("/static/1k.bin"), 200) })
	b.Run("page-app0", func(b *testing.B) { benchRequest(b, h, get("/apps/app0", browserEncodings), 200) })
}

func benchHandlerCases(b *testing.B, h http.Handler) {
	// The fingerprinted stylesheet a page links to, and its ETag.
	w := httptest.NewRecorder()
	h.ServeHTTP(w, get("/")())
	css := regexpFind(w.Body.String(), `/static/css/dashbox\.[0-9a-f]+\.css`)
	if css == "" {
		b.Fatal("the home page links no fingerprinted stylesheet")
	}
	w = httptest.NewRecorder()
	h.ServeHTTP(w, get(css, browserEncodings)())
	etag := w.Header().Get("ETag")

	b.Run("static-disk-1KiB", func(b *testing.B) { benchRequest(b, h, get("/static/1k.bin"), 200) })
	b.Run("static-disk-1MiB", func(b *testing.B) { benchRequest(b, h, get("/static/1m.bin"), 200) })
	b.Run("static-embedded-br", func(b *testing.B) { benchRequest(b, h, get(css, browserEncodings), 200) })
	b.Run("static-embedded-304", func(b *testing.B) {
		benchRequest(b, h, get(css, browserEncodings, "If-None-Match: "+etag), 304)
	})
	b.Run("page-home", func(b *testing.B) { benchRequest(b, h, get("/", browserEncodings), 200) })
	b.Run("page-app0", func(b *testing.B) { benchRequest(b, h, get("/apps/app0", browserEncodings), 200) })
	b.Run("page-app0-identity", func(b *testing.B) { benchRequest(b, h, get("/apps/app0"), 200) })
	b.Run("callback-app9", func(b *testing.B) {
		// A callback reads its body, so each request needs a fresh one.
		const body = "x=7"
		tlsState := &tls.ConnectionState{ServerName: "dash.example.com"}
		benchRequest(b, h, func() *http.Request {
			r := httptest.NewRequest("POST", "/apps/app9/callback/powers", strings.NewReader(body))
			r.TLS = tlsState
			r.RemoteAddr = "192.0.2.7:51234"
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=UTF-8")
			r.Header.Set("Accept", "application/json")
			return r
		}, 200)
	})
	b.Run("not-found", func(b *testing.B) { benchRequest(b, h, get("/nope", browserEncodings), 404) })
}

func regexpFind(s, expr string) string { return regexp.MustCompile(expr).FindString(s) }

// BenchmarkFreshGoroutine serves each request on a goroutine of its own, as
// net/http's HTTP/2 server does for every stream: a new goroutine starts on
// a small stack, and a handler chain deep enough to outgrow it pays for
// copying the stack on every request (HTTP/1.1 serves a connection's
// requests on one goroutine, whose stack grows once).
func BenchmarkFreshGoroutine(b *testing.B) {
	h := benchHandler(b, true)
	for _, c := range []struct{ name, target string }{
		{"static-disk-1KiB", "/static/1k.bin"},
		{"page-app0", "/apps/app0"},
	} {
		b.Run(c.name, func(b *testing.B) {
			newReq := get(c.target, browserEncodings)
			w := &benchWriter{h: http.Header{}}
			done := make(chan struct{})
			b.ReportAllocs()
			for b.Loop() {
				go func() {
					clear(w.h)
					w.status, w.n = 0, 0
					h.ServeHTTP(w, newReq())
					done <- struct{}{}
				}()
				<-done
			}
			if w.status != http.StatusOK {
				b.Fatalf("status %d", w.status)
			}
		})
	}
}

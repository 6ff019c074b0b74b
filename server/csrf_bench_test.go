package server

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkRefuseCrossSite is what the cross-site check adds to every
// page and callback request, apart from the rest of the handler: "bare" is
// the handler alone, the others the same handler behind RefuseCrossSite,
// for a page (GET), a dashboard's own callback (POST, Sec-Fetch-Site
// same-origin), an older browser's (POST, Origin only, parsed), a script's
// (POST, no browser headers) and another site's (refused).
func BenchmarkRefuseCrossSite(b *testing.B) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	checked := RefuseCrossSite(ok)
	req := func(method string, header ...string) *http.Request {
		r := httptest.NewRequest(method, "https://dash.example/apps/app9/callback/powers", nil)
		for i := 0; i+1 < len(header); i += 2 {
			r.Header.Set(header[i], header[i+1])
		}
		return r
	}
	for _, c := range []struct {
		name string
		h    http.Handler
		r    *http.Request
		want int
	}{
		{"bare", ok, req("POST"), 204},
		{"GET", checked, req("GET", "Sec-Fetch-Site", "same-origin"), 204},
		{"POST-same-origin", checked, req("POST", "Sec-Fetch-Site", "same-origin", "Origin", "https://dash.example"), 204},
		{"POST-origin-only", checked, req("POST", "Origin", "https://dash.example"), 204},
		{"POST-no-browser-headers", checked, req("POST"), 204},
		{"POST-cross-site", checked, req("POST", "Sec-Fetch-Site", "cross-site"), 403},
	} {
		b.Run(c.name, func(b *testing.B) {
			w := httptest.NewRecorder()
			c.h.ServeHTTP(w, c.r)
			if w.Code != c.want {
				b.Fatalf("status %d, want %d", w.Code, c.want)
			}
			nop := &nopWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				c.h.ServeHTTP(nop, c.r)
			}
		})
	}
}

// nopWriter discards the response, so that the benchmark measures the check.
type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) WriteHeader(int)             {}
func (w *nopWriter) Write(b []byte) (int, error) { return len(b), nil }

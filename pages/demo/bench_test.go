package demo

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/dashbox/dashbox/pages/internal/eventtest"
)

// Benchmarks of what a visitor waits for: a page (rendered once, so this
// is the cost of writing it) and a callback (a Go call and a JSON
// encoding), plus start-up and the two ways of turning a chart into JSON.

func benchGet(b *testing.B, path string, header ...string) {
	_, h := mustPages(b)
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}

func BenchmarkHomePage(b *testing.B)      { benchGet(b, "/") }
func BenchmarkChartPage(b *testing.B)     { benchGet(b, "/apps/app7") }
func BenchmarkChartPageGzip(b *testing.B) { benchGet(b, "/apps/app7", "Accept-Encoding", "gzip, br") }

func benchCallback(b *testing.B, path string, form url.Values) {
	_, h := mustPages(b)
	body := form.Encode()
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code, rec.Body)
		}
	}
}

// BenchmarkCallbackText is the cheapest callback: app9's five powers.
func BenchmarkCallbackText(b *testing.B) {
	benchCallback(b, "/apps/app9/callback/powers", form("x", "7"))
}

// BenchmarkCallbackChart is a chart callback: app7's 142 bubbles of a year.
func BenchmarkCallbackChart(b *testing.B) {
	benchCallback(b, "/apps/app7/callback/year", form("year-slider", "1977"))
}

// BenchmarkCallbackTablePage renders a page of app17's table.
func BenchmarkCallbackTablePage(b *testing.B) {
	benchCallback(b, "/apps/app17/callback/page", form("paged.page", "42"))
}

// BenchmarkCallbackRejectDeep is issue 12's attack on app13: a 60 KB form
// whose hover event is 9,999 nested arrays, refused with a 400 before it
// is decoded (it took 4.5 s of CPU and answered 200 MB before).
func BenchmarkCallbackRejectDeep(b *testing.B) {
	_, h := mustPages(b)
	body := form("basic-interactions.hover", eventtest.DeepJSON(9_999)).Encode()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/apps/app13/callback/hover-data", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 400 {
			b.Fatal(rec.Code, rec.Body)
		}
	}
}

// BenchmarkNew is dashbox's start-up share when dashboards are built in
// New: data sets, 18 dashboards rendered and compressed.
func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		mustPages(b)
	}
}

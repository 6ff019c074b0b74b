package demo

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// TestPageConditionalRequests: a pre-rendered page answers what a browser,
// a cache or a download tool may send as static's assets do (the same
// http.ServeContent, Range cap and Accept-Encoding reading), keeping its
// no-cache policy and its Vary on every answer but errors.
func TestPageConditionalRequests(t *testing.T) {
	p, _ := mustPages(t)
	home := p.Home()
	do := func(method string, header ...string) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest(method, "/", nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		rec := httptest.NewRecorder()
		home.ServeHTTP(rec, req)
		// (ServeContent's errors, such as 416, drop the caching headers.)
		if rec.Code < 400 && (rec.Header().Get("Cache-Control") != "no-cache" || rec.Header().Get("Vary") != "Accept-Encoding") {
			t.Errorf("%s %v: Cache-Control %q, Vary %q", method, header, rec.Header().Get("Cache-Control"), rec.Header().Get("Vary"))
		}
		return rec
	}
	plain := do("GET")
	zipped := do("GET", "Accept-Encoding", "gzip")
	if plain.Code != 200 || zipped.Code != 200 || zipped.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("GET: %d, with gzip: %d %q", plain.Code, zipped.Code, zipped.Header().Get("Content-Encoding"))
	}
	etag, gzETag := plain.Header().Get("Etag"), zipped.Header().Get("Etag")
	if !strings.HasPrefix(etag, `"`) || !strings.HasPrefix(gzETag, `"`) || etag == gzETag {
		t.Fatalf("ETags %q and %q, want two strong ETags", etag, gzETag)
	}
	page := plain.Body.String()

	t.Run("negotiation", func(t *testing.T) {
		for ae, want := range map[string]string{
			"x-gzip": "gzip", "*": "gzip", "gzip;q=0": "", "identity, gzip;q=0.5": "", "br": "", "": "",
		} {
			if got := do("GET", "Accept-Encoding", ae).Header().Get("Content-Encoding"); got != want {
				t.Errorf("Accept-Encoding %q: Content-Encoding %q, want %q", ae, got, want)
			}
		}
	})
	t.Run("If-None-Match", func(t *testing.T) {
		for _, tc := range []struct{ ae, inm string }{
			{"", etag}, {"gzip", gzETag}, {"", `"other", ` + etag}, {"gzip", "*"}, {"gzip", "W/" + gzETag},
		} {
			rec := do("GET", "Accept-Encoding", tc.ae, "If-None-Match", tc.inm)
			if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 || rec.Header().Get("Etag") == "" {
				t.Errorf("If-None-Match %s with %q: %d, %d bytes, ETag %q", tc.inm, tc.ae, rec.Code, rec.Body.Len(), rec.Header().Get("Etag"))
			}
		}
		// The identity ETag names other bytes than the gzip ones.
		if rec := do("GET", "Accept-Encoding", "gzip", "If-None-Match", etag); rec.Code != 200 {
			t.Errorf("gzip asked with the identity ETag: %d, want 200", rec.Code)
		}
	})
	t.Run("HEAD", func(t *testing.T) {
		for _, ae := range []string{"", "gzip"} {
			want := plain
			if ae != "" {
				want = zipped
			}
			rec := do("HEAD", "Accept-Encoding", ae)
			if rec.Code != 200 || rec.Body.Len() != 0 || rec.Header().Get("Content-Length") != strconv.Itoa(want.Body.Len()) {
				t.Errorf("HEAD with %q: %d, %d bytes, Content-Length %q, want %d", ae, rec.Code, rec.Body.Len(), rec.Header().Get("Content-Length"), want.Body.Len())
			}
		}
	})
	// Ranges are of the identity bytes whatever the client accepts, at most
	// 16 of them, as for assets.
	t.Run("Range", func(t *testing.T) {
		rec := do("GET", "Accept-Encoding", "gzip", "Range", "bytes=0-9")
		if rec.Code != http.StatusPartialContent || rec.Body.String() != page[:10] || rec.Header().Get("Content-Encoding") != "" ||
			rec.Header().Get("Content-Range") != fmt.Sprintf("bytes 0-9/%d", len(page)) || rec.Header().Get("Etag") != etag {
			t.Errorf("Range 0-9: %d %q, headers %v", rec.Code, rec.Body.String(), rec.Header())
		}
		if rec := do("GET", "Range", "bytes=-0"); rec.Code != http.StatusRequestedRangeNotSatisfiable {
			t.Errorf("Range -0: %d, want 416", rec.Code)
		}
		many := "bytes=0-0" + strings.Repeat(",0-0", 16)
		if rec := do("GET", "Accept-Encoding", "gzip", "Range", many); rec.Code != 200 || rec.Body.Len() != zipped.Body.Len() {
			t.Errorf("17 ranges: %d with %d bytes, want the whole page", rec.Code, rec.Body.Len())
		}
		if rec := do("GET", "Range", "bytes=0-9", "If-Range", gzETag); rec.Code != 200 || rec.Body.String() != page {
			t.Errorf("If-Range with another representation's ETag: %d, want the whole page", rec.Code)
		}
	})
}

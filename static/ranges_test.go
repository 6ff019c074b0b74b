package static

import (
	"fmt"
	"mime"
	"mime/multipart"
	"strings"
	"testing"
)

// ranges returns a Range value of n one-byte ranges: bytes=0-0,2-2,...
func ranges(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf("%d-%d", 2*i, 2*i)
	}
	return "bytes=" + strings.Join(parts, ",")
}

// TestRangeCap: up to 16 ranges are served as a multipart 206; more are
// served as if there were no Range header, 200 with the whole file (nginx's
// max_ranges), from embedded assets and --static-dir files alike.
func TestRangeCap(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "big.css", testCSS)
	h := mustHandler(t, testAssets(t), Options{Dir: dir})
	for _, target := range []string{"/static/css/site.css", "/static/big.css"} {
		for _, tc := range []struct {
			n    int
			want int
		}{{1, 206}, {16, 206}, {17, 200}, {1000, 200}} {
			t.Run(fmt.Sprintf("%s/%d", target, tc.n), func(t *testing.T) {
				w := get(h, "GET", target, "Range: "+ranges(tc.n), "Accept-Encoding: gzip")
				if w.Code != tc.want {
					t.Fatalf("status %d, want %d", w.Code, tc.want)
				}
				switch {
				case tc.want == 200:
					if got := decodeBody(t, w); got != testCSS {
						t.Errorf("body is not the whole file (%d bytes of %d)", len(got), len(testCSS))
					}
					if w.Header().Get("Content-Range") != "" {
						t.Errorf("Content-Range %q on a 200", w.Header().Get("Content-Range"))
					}
				case tc.n == 1:
					if w.Body.String() != testCSS[:1] {
						t.Errorf("body %q, want %q", w.Body.String(), testCSS[:1])
					}
				default:
					mt, params, err := mime.ParseMediaType(w.Header().Get("Content-Type"))
					if err != nil || mt != "multipart/byteranges" {
						t.Fatalf("Content-Type %q, want multipart/byteranges", w.Header().Get("Content-Type"))
					}
					mr := multipart.NewReader(w.Body, params["boundary"])
					parts := 0
					for ; ; parts++ {
						if _, err := mr.NextPart(); err != nil {
							break
						}
					}
					if parts != tc.n {
						t.Errorf("%d parts, want %d", parts, tc.n)
					}
				}
			})
		}
	}
}

// TestZeroSuffixRange: "bytes=-0" asks for no byte, which is unsatisfiable
// (RFC 9110 section 14.1.1): 416 with the size alone, or the other ranges
// when there are some, never ServeContent's 206 "bytes n-(n-1)/n".
func TestZeroSuffixRange(t *testing.T) {
	h := mustHandler(t, testAssets(t), Options{})
	size := fmt.Sprint(len(testCSS))
	for _, tc := range []struct {
		rng          string
		want         int
		contentRange string
	}{
		{"bytes=-0", 416, "bytes */" + size},
		{"bytes= - 00", 416, "bytes */" + size},
		{"bytes=-+0", 416, "bytes */" + size},
		{"bytes=-0,0-1", 206, "bytes 0-1/" + size},
		{"bytes=0-0", 206, "bytes 0-0/" + size},
		{"bytes=10-0", 416, ""}, // not a suffix: an invalid range, as before
	} {
		w := get(h, "GET", "/static/css/site.css", "Range: "+tc.rng)
		if w.Code != tc.want || w.Header().Get("Content-Range") != tc.contentRange {
			t.Errorf("Range %q = %d %q, want %d %q", tc.rng, w.Code, w.Header().Get("Content-Range"), tc.want, tc.contentRange)
		}
	}
}

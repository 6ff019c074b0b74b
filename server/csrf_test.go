package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRefuseCrossSite(t *testing.T) {
	h := RefuseCrossSite(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	for _, tc := range []struct {
		name, method string
		header       map[string]string
		want         int
	}{
		{"POST same-origin", "POST", map[string]string{"Sec-Fetch-Site": "same-origin"}, 204},
		{"POST cross-site", "POST", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"POST same-site (another host of the domain)", "POST", map[string]string{"Sec-Fetch-Site": "same-site"}, 403},
		{"POST typed URL", "POST", map[string]string{"Sec-Fetch-Site": "none"}, 204},
		{"POST old browser, other Origin", "POST", map[string]string{"Origin": "https://evil.example"}, 403},
		{"POST old browser, own Origin", "POST", map[string]string{"Origin": "https://dash.example"}, 204},
		{"POST curl (no browser headers)", "POST", nil, 204},
		{"PUT cross-site", "PUT", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"DELETE cross-site", "DELETE", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"GET cross-site (a link)", "GET", map[string]string{"Sec-Fetch-Site": "cross-site"}, 204},
		{"HEAD cross-site", "HEAD", map[string]string{"Sec-Fetch-Site": "cross-site"}, 204},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, "https://dash.example/apps/app1/callback/update", strings.NewReader("x=1"))
			for k, v := range tc.header {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tc.want {
				t.Fatalf("status %d, want %d (%s)", w.Code, tc.want, w.Body)
			}
			if w.Code == 403 && !strings.Contains(w.Body.String(), "another site") {
				t.Errorf("the refusal does not say why: %q", w.Body)
			}
		})
	}
}

package server

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestSecurityHeaders(t *testing.T) {
	for _, hsts := range []bool{false, true} {
		w := httptest.NewRecorder()
		SecurityHeaders(hsts)(http.NotFoundHandler()).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		h := w.Header()
		for k, v := range map[string]string{
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "same-origin",
			"X-Frame-Options":         "DENY",
			"Content-Security-Policy": ContentSecurityPolicy,
		} {
			if got := h.Get(k); got != v {
				t.Errorf("hsts=%v: %s = %q, want %q", hsts, k, got, v)
			}
		}
		if got := h.Get("Strict-Transport-Security"); (got != "") != hsts {
			t.Errorf("hsts=%v: Strict-Transport-Security = %q", hsts, got)
		}
	}
}

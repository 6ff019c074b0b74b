package server

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestRedirectHandler(t *testing.T) {
	tests := []struct {
		name      string
		httpsPort int
		host      string
		target    string // request-target
		method    string
		wantCode  int
		wantLoc   string
	}{
		{"keeps path and query", 443, "dash.example.com", "/apps/app3?year=2007&x=1", "GET", 308, "https://dash.example.com/apps/app3?year=2007&x=1"},
		{"drops the http port", 443, "dash.example.com:80", "/", "GET", 308, "https://dash.example.com/"},
		{"adds a non-standard https port", 8443, "localhost:8080", "/static/a.css", "GET", 308, "https://localhost:8443/static/a.css"},
		{"ipv4", 8443, "127.0.0.1:8080", "/", "GET", 308, "https://127.0.0.1:8443/"},
		{"ipv6", 443, "[::1]:80", "/x", "GET", 308, "https://[::1]/x"},
		{"post stays a post (308)", 443, "a.example", "/form", "POST", 308, "https://a.example/form"},
		{"encoded path kept as sent", 443, "a.example", "/a%20b/%2e%2e", "GET", 308, "https://a.example/a%20b/%2e%2e"},
		{"host is lower-cased", 443, "Dash.Example.COM", "/", "GET", 308, "https://dash.example.com/"},
		{"empty host", 443, "", "/", "GET", 400, ""},
		{"host with a slash", 443, "evil.com/x", "/", "GET", 400, ""},
		{"host with userinfo", 443, "user@evil.com", "/", "GET", 400, ""},
		{"bare ipv6 without brackets", 443, "::1", "/", "GET", 400, ""},
		{"bad port", 443, "a.example:http", "/", "GET", 400, ""},
		{"leading hyphen label", 443, "-a.example", "/", "GET", 400, ""},
		{"asterisk target", 443, "a.example", "*", "OPTIONS", 400, ""},
		{"double slash stays a path", 443, "a.example", "//evil.com/x", "GET", 308, "https://a.example//evil.com/x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.target, nil)
			r.Host = tt.host
			w := httptest.NewRecorder()
			NewRedirectHandler(tt.httpsPort).ServeHTTP(w, r)
			if w.Code != tt.wantCode {
				t.Fatalf("status = %d, want %d", w.Code, tt.wantCode)
			}
			if got := w.Header().Get("Location"); got != tt.wantLoc {
				t.Errorf("Location = %q, want %q", got, tt.wantLoc)
			}
		})
	}
}

func BenchmarkRedirect(b *testing.B) {
	h := NewRedirectHandler(443)
	r := httptest.NewRequest("GET", "http://dash.example.com/apps/app1?x=1", nil)
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		w.HeaderMap = http.Header{}
		h.ServeHTTP(w, r)
	}
}

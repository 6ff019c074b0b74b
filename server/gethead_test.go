package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-chi/chi/v5"
)

func TestGetHead(t *testing.T) {
	r := chi.NewRouter()
	r.Use(GetHead)
	r.Get("/page", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Method", r.Method)
		io.WriteString(w, "page body")
	})
	r.Get("/own", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "get") })
	r.Head("/own", func(w http.ResponseWriter, r *http.Request) { w.Header().Set("X-Own-Head", "yes") })
	r.Post("/form", func(w http.ResponseWriter, r *http.Request) {})

	tests := []struct {
		method, target string
		want           int
		header, value  string
	}{
		{"HEAD", "/page", 200, "X-Method", "HEAD"}, // GET's handler, seeing HEAD
		{"HEAD", "/own", 200, "X-Own-Head", "yes"}, // a HEAD route wins
		{"HEAD", "/form", 405, "", ""},             // no GET route: no HEAD either
		{"HEAD", "/nope", 404, "", ""},             // unknown path
		{"GET", "/page", 200, "X-Method", "GET"},   // GET untouched
		{"POST", "/page", 405, "", ""},             // other methods untouched
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest(tt.method, tt.target, nil))
		if w.Code != tt.want {
			t.Errorf("%s %s = %d, want %d", tt.method, tt.target, w.Code, tt.want)
		}
		if tt.header != "" && w.Header().Get(tt.header) != tt.value {
			t.Errorf("%s %s: %s = %q, want %q", tt.method, tt.target, tt.header, w.Header().Get(tt.header), tt.value)
		}
	}
}

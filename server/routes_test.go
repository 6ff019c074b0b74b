package server

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

// fakePages is a home page, one dashboard with a callback, and a 404 page.
type fakePages struct{}

func text(status int, body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		w.Write([]byte(body))
	})
}

func (fakePages) Home() http.Handler     { return text(200, "home") }
func (fakePages) NotFound() http.Handler { return text(404, "not found, see app0") }
func (fakePages) Dashboards(add func(method, pattern string, h http.Handler)) {
	add("GET", "/apps/app0", text(200, "app0"))
	add("POST", "/apps/app0/callback/x", text(200, "{}"))
}

// TestRoutesAccess: /healthz is public; the static files need an allowed
// network; everything else needs an allowed network and a login, the 404 and
// 405 answers included, however the path is spelled.
func TestRoutesAccess(t *testing.T) {
	h := NewHandler(Deps{
		Static:          text(200, "css"),
		Pages:           fakePages{},
		Users:           &fakeUsers{},
		AllowedNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
	})
	const in, out = "127.0.0.1:5555", "127.0.0.2:5555"
	tests := []struct {
		method, target, from string
		login                bool
		want                 int
	}{
		{"GET", "/healthz", out, false, 200},
		{"GET", "/%68ealthz", out, false, 403},
		{"GET", "/static/css/x.css", in, false, 200},
		{"GET", "/static/css/x.css", out, false, 403},
		{"HEAD", "/static/css/x.css", out, false, 403},
		{"POST", "/static/css/x.css", in, false, 200}, // the static handler's to refuse
		{"GET", "/static/a%20b.css", in, false, 200},
		{"GET", "/", in, false, 401},
		{"HEAD", "/", in, false, 401},
		{"GET", "/", in, true, 200},
		{"GET", "/", out, true, 403},
		{"GET", "/apps/app0", in, false, 401},
		{"GET", "/apps/app0", in, true, 200},
		{"POST", "/apps/app0/callback/x", in, false, 401},
		{"POST", "/apps/app0/callback/x", in, true, 200},
		{"GET", "/nope", in, false, 401},
		{"GET", "/nope", in, true, 404},
		{"GET", "/nope", out, false, 403},
		{"GET", "/%73tatic/css/x.css", in, false, 401},
		{"DELETE", "/apps/app0", in, false, 401},
		{"DELETE", "/apps/app0", in, true, 405},
	}
	for _, tt := range tests {
		r := tlsRequest(tt.method, tt.target, tt.from)
		if tt.login {
			r.SetBasicAuth("ann", "right")
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tt.want {
			t.Errorf("%s %s from %s (login %v): %d, want %d", tt.method, tt.target, tt.from, tt.login, w.Code, tt.want)
		}
	}
}

// TestRoutesWithoutAccessControl: without Users and AllowedNetworks every
// route answers everyone, with no challenge.
func TestRoutesWithoutAccessControl(t *testing.T) {
	h := NewHandler(Deps{Static: text(200, "css"), Pages: fakePages{}})
	for target, want := range map[string]int{"/": 200, "/apps/app0": 200, "/static/x": 200, "/healthz": 200, "/nope": 404} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, tlsRequest("GET", target, "192.0.2.7:1"))
		if w.Code != want || w.Header().Get("WWW-Authenticate") != "" {
			t.Errorf("%s: %d (WWW-Authenticate %q), want %d", target, w.Code, w.Header().Get("WWW-Authenticate"), want)
		}
	}
}

// TestHTTPHandlerAllow: on plain HTTP, clients outside the allowed networks
// get 403 instead of the redirect, but for /healthz; nobody is asked for a
// password there.
func TestHTTPHandlerAllow(t *testing.T) {
	h := NewHTTPHandler(443, nil, nil, []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")})
	for _, tt := range []struct {
		target, from string
		want         int
	}{
		{"/apps/app0", "127.0.0.1:1", 308},
		{"/apps/app0", "127.0.0.2:1", 403},
		{"/healthz", "127.0.0.2:1", 308},
		{"/%68ealthz", "127.0.0.2:1", 403},
	} {
		r := httptest.NewRequest("GET", "http://dash.test"+tt.target, nil)
		r.RemoteAddr = tt.from
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tt.want || w.Header().Get("WWW-Authenticate") != "" {
			t.Errorf("%s from %s: %d (WWW-Authenticate %q), want %d", tt.target, tt.from, w.Code, w.Header().Get("WWW-Authenticate"), tt.want)
		}
	}
}

package server

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

// FuzzRedirectHost: whatever Host header and request target a plain-HTTP
// request has, the redirect is a 400, or a 308 to https on the HTTPS port
// of the very host the request named (its Host header, or the host of an
// absolute-form target, which net/http puts there), never to another.
func FuzzRedirectHost(f *testing.F) {
	for _, seed := range [][2]string{
		{"dash.example.com", "/apps/app3?year=2007"}, {"dash.example.com:80", "/"}, {"[::1]:80", "/x"},
		{"127.0.0.1:8080", "/"}, {"Dash.Example.COM.", "/"}, {"", "/"}, {"evil.com/x", "/"}, {"user@evil.com", "/"},
		{"::1", "/"}, {"a.example:http", "/"}, {"-a.example", "/"}, {"a.example", "*"}, {"a.example", "//evil.com/x"},
		{"a.example", "http://evil.com/x"}, {"a.example", "/a?b#c"}, {"[::ffff:1.2.3.4]", "/"}, {"a..b", "/"},
		{"a.example:99999", "/"}, {"[fe80::1%25eth0]:80", "/"}, {"a.example\\@evil.com", "/"}, {"a.example:", "/"},
	} {
		f.Add(seed[0], seed[1])
	}
	h := NewRedirectHandler(8443)
	f.Fuzz(func(t *testing.T, host, target string) {
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n")))
		if err != nil {
			return // net/http answers 400 before any handler
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		loc := w.Header().Get("Location")
		switch w.Code {
		case http.StatusBadRequest:
			if loc != "" {
				t.Fatalf("400 with Location %q", loc)
			}
			return
		case http.StatusPermanentRedirect:
		default:
			t.Fatalf("Host %q, target %q: status %d, want 308 or 400", r.Host, target, w.Code)
		}
		// The path and query are the client's own, passed on as sent
		// (a browser copes with what it sent); what must hold is the
		// part before them: the scheme, and the host and port alone.
		rest, ok := strings.CutPrefix(loc, "https://")
		authority, _, hasPath := strings.Cut(rest, "/")
		if !ok || !hasPath {
			t.Fatalf("Host %q, target %q: Location %q is not https://host:8443/...", r.Host, target, loc)
		}
		u, err := url.Parse("https://" + authority + "/")
		if err != nil || u.User != nil || u.Port() != "8443" || u.Host != authority {
			t.Fatalf("Host %q, target %q: Location %q: authority %q is not host:8443 (%v)", r.Host, target, loc, authority, err)
		}
		for _, c := range []byte(loc) {
			if c <= ' ' || c == 0x7f {
				t.Fatalf("Host %q, target %q: Location %q holds a blank or control byte", r.Host, target, loc)
			}
		}
		if asked := hostOf(r.Host); !sameHost(u.Hostname(), asked) {
			t.Fatalf("Host %q, target %q: redirect to host %q (Location %q), want %q", r.Host, target, u.Hostname(), loc, asked)
		}
	})
}

// hostOf is the host name of a Host header, without port or brackets:
// the test's own reading, independent of requestHost's.
func hostOf(h string) string {
	if rest, ok := strings.CutPrefix(h, "["); ok {
		name, _, _ := strings.Cut(rest, "]")
		return name
	}
	if strings.Count(h, ":") == 1 {
		h, _, _ = strings.Cut(h, ":")
	}
	return h
}

// sameHost compares host names case-insensitively, ignoring a final dot,
// and IP addresses by value.
func sameHost(a, b string) bool {
	if x, err := netip.ParseAddr(a); err == nil {
		y, err := netip.ParseAddr(b)
		return err == nil && x == y
	}
	return strings.EqualFold(strings.TrimSuffix(a, "."), strings.TrimSuffix(b, "."))
}

package server

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestParseNetwork(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"10.0.0.0/8", "10.0.0.0/8"},
		{"10.1.2.3/8", "10.0.0.0/8"},
		{"192.0.2.7", "192.0.2.7/32"},
		{" 192.0.2.7 ", "192.0.2.7/32"},
		{"2001:db8::/32", "2001:db8::/32"},
		{"2001:db8::1", "2001:db8::1/128"},
		{"::ffff:10.0.0.0/104", "10.0.0.0/8"},
		{"::ffff:192.0.2.7", "192.0.2.7/32"},
		{"0.0.0.0/0", "0.0.0.0/0"},
		{"::/0", "::/0"},
	} {
		p, err := ParseNetwork(tt.in)
		if err != nil || p.String() != tt.want {
			t.Errorf("ParseNetwork(%q) = %v, %v; want %s", tt.in, p, err, tt.want)
		}
	}
	for _, in := range []string{"", "10.0.0.0/33", "example.com", "10.0.0", "fe80::1%eth0", "::ffff:0:0/95", "10.0.0.0/8,"} {
		if _, err := ParseNetwork(in); err == nil || !strings.Contains(err.Error(), "give one such as") && !strings.Contains(err.Error(), "IPv4 network instead") {
			t.Errorf("ParseNetwork(%q): %v, want an error saying what to give", in, err)
		}
	}
}

func TestAllowNetworks(t *testing.T) {
	nets := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("2001:db8::/32")}
	h := AllowNetworks(nets)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("in")) }))
	for _, tt := range []struct {
		remote string
		want   int
	}{
		{"127.0.0.1:1234", 200},
		{"127.0.0.2:1234", 403},
		{"[::ffff:127.0.0.1]:1234", 200},
		{"[::ffff:127.0.0.2]:1234", 403},
		{"[2001:db8:1::9]:1234", 200},
		{"[2001:db9::9]:1234", 403},
		{"[::1]:1234", 403},
		{"garbage", 403},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.remote
		r.Header.Set("X-Forwarded-For", "127.0.0.1") // never believed
		r.Header.Set("X-Real-IP", "127.0.0.1")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tt.want {
			t.Errorf("from %s: %d, want %d", tt.remote, w.Code, tt.want)
		}
		if w.Code == 403 && w.Body.Len() > 20 {
			t.Errorf("403 body %q: keep it short", w.Body.String())
		}
	}
	// No networks: everyone.
	next := http.NotFoundHandler()
	if got := AllowNetworks(nil)(next); got == nil {
		t.Error("AllowNetworks(nil) returned nil")
	}
}

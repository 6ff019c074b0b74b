package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// FuzzDeviceCookie: any device cookie a client sends is parsed without a
// panic, and accepted only if it is exactly the value the server issued
// for that user at its issue time, within 30 days.
func FuzzDeviceCookie(f *testing.F) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	d := newDeviceCookies([]byte("fuzz key"), func() time.Time { return now })
	valid := d.value("ann", now.Add(-time.Hour).Unix())
	for _, seed := range [][2]string{
		{"ann", valid},
		{"bob", valid},
		{"ann", valid + "x"},
		{"ann", strings.Replace(valid, ".", "..", 1)},
		{"ann", d.value("ann", now.Add(-31*24*time.Hour).Unix())},
		{"ann", d.value("ann", now.Add(time.Hour).Unix())},
		{"", d.value("", now.Unix())},
		{"ann", "YW5u.-1.AAAA"},
		{"ann", "YW5u.99999999999999999999.AAAA"},
		{"w\x00r", d.value("w\x00r", now.Unix())},
		{"ann", ""},
		{"ann", "\"" + valid + "\""},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, user, value string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Cookie", DeviceCookie+"="+value)
		id, renew := d.device(r, user)
		if id == "" {
			if !renew {
				t.Fatal("no device, and no new cookie to issue")
			}
			return
		}
		c, _ := r.Cookie(DeviceCookie)
		var issued int64
		for i, part := range strings.Split(id, ".") {
			if i == 1 {
				for _, ch := range part {
					if ch < '0' || ch > '9' {
						t.Fatalf("accepted %q: issue time %q", id, part)
					}
					issued = issued*10 + int64(ch-'0')
				}
			}
		}
		if id != c.Value || id != d.value(user, issued) {
			t.Fatalf("accepted %q for %q, not the value issued (%q)", id, user, d.value(user, issued))
		}
		if age := now.Sub(time.Unix(issued, 0)); age >= DeviceCookieMaxAge || age < -time.Minute {
			t.Fatalf("accepted %q issued %s ago", id, age)
		}
	})
}

// TestDeviceCookieHeader: the Set-Cookie line is one a browser keeps as a
// __Host- cookie.
func TestDeviceCookieHeader(t *testing.T) {
	now := time.Unix(1767322800, 0)
	d := newDeviceCookies([]byte("k"), func() time.Time { return now })
	w := httptest.NewRecorder()
	d.set(w, "ann")
	got := w.Header().Get("Set-Cookie")
	want := DeviceCookie + "=YW5u.1767322800."
	if !strings.HasPrefix(got, want) || !strings.HasSuffix(got, "; Path=/; Max-Age=2592000; HttpOnly; Secure; SameSite=Strict") {
		t.Errorf("Set-Cookie %q", got)
	}
	w = httptest.NewRecorder()
	d.set(w, strings.Repeat("a", maxDeviceUser+1))
	if w.Header().Get("Set-Cookie") != "" {
		t.Error("a cookie for a name longer than maxDeviceUser")
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: DeviceCookie, Value: strings.TrimPrefix(strings.Split(got, ";")[0], DeviceCookie+"=")})
	if id, renew := d.device(r, "ann"); id == "" || renew {
		t.Errorf("the cookie just issued: device %q, renew %v", id, renew)
	}
}

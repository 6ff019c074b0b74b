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
		renew := d.renew(r, user)
		id := d.device(r, user)
		if id == "" {
			return
		}
		issued, age, ok := d.parse(id, user)
		if !ok || id != findDeviceCookie(r) || id != d.value(user, issued) {
			t.Fatalf("accepted %q for %q, not the value issued (%q)", id, user, d.value(user, issued))
		}
		if renew != (age >= deviceCookieRenew) {
			t.Fatalf("cookie %q, %s old: renew %v", id, age, renew)
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
	if id, renew := d.device(r, "ann"), d.renew(r, "ann"); id == "" || renew {
		t.Errorf("the cookie just issued: device %q, renew %v", id, renew)
	}
	// Issued within the minute: the same line, signed once.
	now = now.Add(59 * time.Second)
	w2 := httptest.NewRecorder()
	d.set(w2, "ann")
	if w2.Header().Get("Set-Cookie") != got {
		t.Errorf("within the minute: %q, want %q again", w2.Header().Get("Set-Cookie"), got)
	}
	// Among other cookies, quoted, or under a longer name.
	for _, tt := range []struct {
		header string
		want   bool
	}{
		{"a=b; " + strings.Split(got, ";")[0] + "; c=d", true},
		{"a=b;" + strings.Split(got, ";")[0], true},
		{"x" + strings.Split(got, ";")[0], false},
		{strings.Replace(strings.Split(got, ";")[0], "=", `="`, 1) + `"`, false},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Cookie", tt.header)
		if id := d.device(r, "ann"); (id != "") != tt.want {
			t.Errorf("Cookie: %s: device %q", tt.header, id)
		}
	}
}

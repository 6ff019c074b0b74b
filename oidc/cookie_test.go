package oidc

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestSessionCookieRefused: a tampered, expired or foreign session cookie
// (sealed with another key, or another cookie's value under this name)
// is no session: the user signs in again, never gets in.
func TestSessionCookieRefused(t *testing.T) {
	now := time.Now()
	newSignIn := func(key string) *SignIn {
		s, err := New(Config{Issuer: "http://127.0.0.1:1", ClientID: "c", ClientSecret: "s", SessionKey: []byte(key), Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := newSignIn("0123456789abcdef0123456789abcdef")
	sealed := func(s *SignIn, name string, sess *session) string {
		v, err := s.seal.seal(name, sess)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	good := &session{ID: "x", Subject: "u1", User: "ann@example.com", End: now.Add(time.Hour).Unix(), Check: now.Add(time.Hour).Unix()}
	user := func(value string) (string, bool) {
		r := httptest.NewRequest("GET", "https://dash.example/", nil)
		r.AddCookie(&http.Cookie{Name: SessionCookie, Value: value})
		u, _, ok := s.User(httptest.NewRecorder(), r)
		return u, ok
	}
	if u, ok := user(sealed(s, SessionCookie, good)); !ok || u != "ann@example.com" {
		t.Fatalf("a valid session is refused: %q %v", u, ok)
	}
	v := []byte(sealed(s, SessionCookie, good))
	v[len(v)/2] ^= 1
	expired := *good
	expired.End = now.Add(-time.Second).Unix()
	for name, value := range map[string]string{
		"tampered":               string(v),
		"expired":                sealed(s, SessionCookie, &expired),
		"sealed with other key":  sealed(newSignIn("another key, another server!!!!!"), SessionCookie, good),
		"another cookie's value": sealed(s, signInCookie, good),
		"garbage":                "not-a-cookie",
		"empty":                  "",
	} {
		if u, ok := user(value); ok {
			t.Errorf("%s cookie: signed in as %q", name, u)
		}
	}
}

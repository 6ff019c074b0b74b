package oidc_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/dashbox/dashbox/internal/oidctest"
	"github.com/dashbox/dashbox/oidc"
)

// TestSignInRefused: sign-ins that are not what this browser started, or
// whose ID token is not the provider's for dashbox and for this sign-in,
// are refused with a page that says so (400), no session cookie, and the
// reason in the log: a wrong state, a replayed code, a bad nonce, an ID
// token from another issuer, for another audience, or signed with a key
// the provider never published. The provider is a real one (zitadel's op
// package), and each refusal's control is a sign-in that works.
func TestSignInRefused(t *testing.T) {
	x := startRP(t, oidctest.Options{Users: []oidctest.User{
		{ID: "u-ann", Username: "ann", Password: "ann-pw", Email: "ann@example.com", Groups: []string{"finance"}},
	}}, oidc.Config{})

	// refused asks for the callback cb with c and checks the refusal.
	refused := func(t *testing.T, c *http.Client, cb string, page, logged string) {
		t.Helper()
		before := len(x.logs.String())
		resp, body := get(t, c, cb)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, page) || !strings.Contains(body, "Sign-in failed") {
			t.Errorf("the callback answers %s %q, want 400 and a page saying %q", resp.Status, body, page)
		}
		if v := sessionSet(resp); v != "" {
			t.Errorf("the refused callback sets a session cookie")
		}
		if got := x.logs.String()[before:]; !strings.Contains(got, logged) {
			t.Errorf("the log does not say %q: %s", logged, got)
		}
	}

	t.Run("control", func(t *testing.T) {
		x.signIn(t, x.browser(t), "ann", "ann-pw")
	})

	t.Run("wrong state", func(t *testing.T) {
		c := x.browser(t)
		cb := x.p.Authorize(t, c, x.srv.URL+"/report", "ann", "ann-pw")
		q := cb.Query()
		q.Set("state", "forged-"+q.Get("state"))
		forged := *cb
		forged.RawQuery = q.Encode()
		refused(t, c, forged.String(), "does not match the one this browser started", "sign-in refused: wrong state")
		x.mustBeOut(t, c)
	})

	t.Run("no sign-in started in this browser", func(t *testing.T) {
		// A callback URL another browser was sent to (a login CSRF):
		// this one has no sign-in cookie.
		cb := x.p.Authorize(t, x.browser(t), x.srv.URL+"/report", "ann", "ann-pw")
		other := x.browser(t)
		refused(t, other, cb.String(), "not started in this browser", "no sign-in in progress")
		x.mustBeOut(t, other)
	})

	t.Run("replayed code", func(t *testing.T) {
		c := x.browser(t)
		cb := x.p.Authorize(t, c, x.srv.URL+"/report", "ann", "ann-pw")
		// What an attacker who saw the callback URL and the sign-in
		// cookie has: both, replayed from another browser after the
		// user's own sign-in went through.
		srvURL, _ := url.Parse(x.srv.URL)
		stolen := x.browser(t)
		stolen.Jar.SetCookies(srvURL, c.Jar.Cookies(srvURL))
		resp, _ := get(t, c, cb.String())
		if resp.StatusCode != http.StatusFound || sessionSet(resp) == "" {
			t.Fatalf("the user's own sign-in answers %s without a session", resp.Status)
		}
		x.mustBeIn(t, c, "ann@example.com")
		refused(t, stolen, cb.String(), "a code used twice", "sign-in refused: the code was not accepted")
		x.mustBeOut(t, stolen)
		// The same browser again: its sign-in cookie is spent; its
		// session goes on.
		refused(t, c, cb.String(), "not started in this browser", "no sign-in in progress")
		x.mustBeIn(t, c, "ann@example.com")
	})

	for _, tc := range []struct {
		name         string
		hook         func(claims map[string]any) bool
		page, logged string
	}{
		{"bad nonce", func(c map[string]any) bool { c["nonce"] = "another-sign-in"; return false },
			"not for this sign-in", "sign-in refused: wrong nonce"},
		{"no nonce", func(c map[string]any) bool { delete(c, "nonce"); return false },
			"not for this sign-in", "sign-in refused: wrong nonce"},
		{"another issuer", func(c map[string]any) bool { c["iss"] = "https://login.attacker.example"; return false },
			"could not be verified", "issued by a different provider"},
		{"another audience", func(c map[string]any) bool { c["aud"] = []string{"another-client"}; return false },
			"could not be verified", "expected audience"},
		{"a key the provider never published", func(c map[string]any) bool { return true },
			"could not be verified", "failed to verify"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := x.browser(t)
			cb := x.p.Authorize(t, c, x.srv.URL+"/report", "ann", "ann-pw")
			x.p.SetIDTokenHook(tc.hook)
			defer x.p.SetIDTokenHook(nil)
			refused(t, c, cb.String(), tc.page, tc.logged)
			x.mustBeOut(t, c)
		})
	}

	t.Run("control after the refusals", func(t *testing.T) {
		x.signIn(t, x.browser(t), "ann", "ann-pw")
	})
}

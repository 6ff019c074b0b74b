package oidctest

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Authorize plays a browser without JavaScript through a sign-in: it asks
// the relying party for start with c (which must have a cookie jar), which
// sends it to the provider; there it fills in the login form as username
// (unless the provider's session signs it in at once), and returns the
// URL the provider sends it back to, the relying party's callback with
// code and state, without asking for it. The test then asks for it as it
// is, or changed. The cookies the relying party set on the way (its
// sign-in in progress) are in c's jar.
func (p *Provider) Authorize(tb testing.TB, c *http.Client, start, username, password string) *url.URL {
	tb.Helper()
	if c.Jar == nil {
		tb.Fatal("oidctest: Authorize needs a client with a cookie jar")
	}
	// Follow redirects within the provider; stop at the first one out of
	// it: the way back to the relying party.
	cc := *c
	cc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return http.ErrUseLastResponse
		}
		if !strings.HasPrefix(req.URL.String(), p.Issuer+"/") {
			return http.ErrUseLastResponse
		}
		return nil
	}
	back := func(resp *http.Response) *url.URL {
		tb.Helper()
		loc, err := resp.Location()
		if err != nil || strings.HasPrefix(loc.String(), p.Issuer+"/") {
			tb.Fatalf("oidctest: expected a redirect back to the relying party, got %s %v (%v)", resp.Status, loc, err)
		}
		return loc
	}
	resp, err := cc.Get(start)
	if err != nil {
		tb.Fatalf("oidctest: starting the sign-in at %s: %v", start, err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if !strings.HasPrefix(resp.Request.URL.String(), p.Issuer+"/") {
		tb.Fatalf("oidctest: %s did not send the client to the provider: %s %q", start, resp.Status, body)
	}
	if resp.StatusCode == http.StatusFound || resp.StatusCode == http.StatusSeeOther {
		return back(resp) // signed in at once by the provider's session
	}
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/login" {
		tb.Fatalf("oidctest: the provider answered %s at %s, want its login form: %q", resp.Status, resp.Request.URL, body)
	}
	resp, err = cc.PostForm(p.Issuer+"/login", url.Values{
		"id": {resp.Request.URL.Query().Get("id")}, "username": {username}, "password": {password},
	})
	if err != nil {
		tb.Fatalf("oidctest: posting the login form: %v", err)
	}
	body, _ = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
		tb.Fatalf("oidctest: the login form answered %s: %q", resp.Status, body)
	}
	return back(resp)
}

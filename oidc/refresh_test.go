package oidc_test

import (
	"strings"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/oidctest"
	"github.com/dashbox/dashbox/oidc"
)

var refreshUsers = []oidctest.User{
	{ID: "u-ann", Username: "ann", Password: "ann-pw", Email: "ann@example.com", Groups: []string{"finance"}},
	{ID: "u-bob", Username: "bob", Password: "bob-pw", Email: "bob@example.com", Groups: []string{"ops"}},
}

// TestSessionRefresh: a session asks the provider again, with its refresh
// token, once the tokens it was given expire (access tokens of 5 minutes
// here; the relying party's clock is moved, the provider's is real), gets
// a new cookie, and is not refreshed again until the new tokens expire.
// When the provider refuses the refresh (the user was disabled), the next
// page sends the user to sign in again and the cookie is dropped.
func TestSessionRefresh(t *testing.T) {
	x := startRP(t, oidctest.Options{Users: refreshUsers, AccessTokenLifetime: 5 * time.Minute},
		oidc.Config{Scopes: []string{"offline_access"}})
	c := x.browser(t)
	x.signIn(t, c, "ann", "ann-pw")
	if n := x.p.Refreshes(); n != 1 {
		t.Fatalf("signing in with offline_access issued %d refresh tokens, want 1", n)
	}

	x.advance(4 * time.Minute)
	if resp := x.mustBeIn(t, c, "ann@example.com"); sessionSet(resp) != "" || x.p.Refreshes() != 1 {
		t.Errorf("before the tokens expire: %d refreshes, cookie renewed %v; want none", x.p.Refreshes()-1, sessionSet(resp) != "")
	}

	x.advance(2 * time.Minute)
	if resp := x.mustBeIn(t, c, "ann@example.com [finance]"); sessionSet(resp) == "" || x.p.Refreshes() != 2 {
		t.Errorf("after the tokens expired: %d refreshes, cookie renewed %v; want one refresh and a new cookie", x.p.Refreshes()-1, sessionSet(resp) != "")
	}
	if resp := x.mustBeIn(t, c, "ann@example.com"); sessionSet(resp) != "" || x.p.Refreshes() != 2 {
		t.Errorf("the request after the refresh refreshed again (%d refreshes in all, cookie renewed %v)", x.p.Refreshes()-1, sessionSet(resp) != "")
	}
	x.advance(6 * time.Minute)
	x.mustBeIn(t, c, "ann@example.com")
	if n := x.p.Refreshes(); n != 3 {
		t.Errorf("the refreshed tokens expired too: %d refreshes in all, want 2", n-1)
	}

	x.p.RefuseRefresh(true)
	x.advance(6 * time.Minute)
	before := len(x.logs.String())
	if resp := x.mustBeOut(t, c); !sessionCleared(resp) {
		t.Error("a refused refresh does not drop the session cookie")
	}
	if logs := x.logs.String()[before:]; !strings.Contains(logs, "the identity provider refused to refresh it") {
		t.Errorf("the log does not say the provider ended the session: %s", logs)
	}
	x.mustBeOut(t, c)

	x.p.RefuseRefresh(false)
	x.signIn(t, c, "ann", "ann-pw")
}

// TestProviderKeyRotation: the provider replaces its signing key (its key
// set then lists only the new one). New sign-ins still verify, dashbox
// fetching the key set again for the new key, and so do the ID tokens of
// refreshed sessions; sessions signed in before go on.
func TestProviderKeyRotation(t *testing.T) {
	x := startRP(t, oidctest.Options{Users: refreshUsers, AccessTokenLifetime: 5 * time.Minute},
		oidc.Config{Scopes: []string{"offline_access"}})
	ann := x.browser(t)
	x.signIn(t, ann, "ann", "ann-pw")

	x.p.RotateKey()
	x.mustBeIn(t, ann, "ann@example.com")
	bob := x.browser(t)
	x.signIn(t, bob, "bob", "bob-pw")

	x.p.RotateKey()
	x.advance(6 * time.Minute)
	refreshes := x.p.Refreshes()
	if resp := x.mustBeIn(t, ann, "ann@example.com"); sessionSet(resp) == "" || x.p.Refreshes() != refreshes+1 {
		t.Errorf("ann's session after a second rotation: %d refreshes, cookie renewed %v; want a refresh whose ID token verifies\nlogs:\n%s", x.p.Refreshes()-refreshes, sessionSet(resp) != "", x.logs)
	}
	x.signIn(t, x.browser(t), "ann", "ann-pw")
}

// TestSessionRefreshProviderDown: a session due for a refresh while the
// provider is down goes on (users keep working through the provider's
// outage), is asked again a minute later rather than at every request, and
// the log says why.
func TestSessionRefreshProviderDown(t *testing.T) {
	x := startRP(t, oidctest.Options{Users: refreshUsers, AccessTokenLifetime: 5 * time.Minute},
		oidc.Config{Scopes: []string{"offline_access"}})
	c := x.browser(t)
	x.signIn(t, c, "ann", "ann-pw")
	x.p.Stop()
	x.advance(6 * time.Minute)
	before := len(x.logs.String())
	if resp := x.mustBeIn(t, c, "ann@example.com [finance]"); sessionSet(resp) == "" {
		t.Error("a refresh that could not reach the provider set no cookie with the next try's time")
	}
	logs := x.logs.String()[before:]
	if strings.Count(logs, "the identity provider is unreachable; the session goes on") != 1 {
		t.Errorf("the log does not say the refresh failed and the session goes on: %s", logs)
	}
	x.mustBeIn(t, c, "ann@example.com")
	x.advance(30 * time.Second)
	x.mustBeIn(t, c, "ann@example.com")
	if n := strings.Count(x.logs.String()[before:], "session refresh failed"); n != 1 {
		t.Errorf("within a minute of the failed refresh the provider was asked %d times, want once", n)
	}
}

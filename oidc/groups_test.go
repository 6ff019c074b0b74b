package oidc_test

import (
	"testing"

	"github.com/dashbox/dashbox/internal/oidctest"
	"github.com/dashbox/dashbox/oidc"
)

// TestGroupsClaim: the user's groups come from the claim the operator
// named, once each, and from no other claim: a provider whose "groups"
// claim means something else (or that lets users edit it) does not make
// its values dashbox groups when the operator chose "roles".
func TestGroupsClaim(t *testing.T) {
	x := startRP(t, oidctest.Options{GroupsClaim: "roles", Users: []oidctest.User{
		{ID: "u-ann", Username: "ann", Password: "ann-pw", Email: "ann@example.com", Groups: []string{"finance"}},
	}}, oidc.Config{GroupsClaim: "roles"})
	x.p.SetIDTokenHook(func(c map[string]any) bool {
		c["groups"] = []string{"admins"}
		c["Groups"] = []string{"ops"}
		return false
	})
	c := x.browser(t)
	x.signIn(t, c, "ann", "ann-pw")
	x.mustBeIn(t, c, "ann@example.com [finance]")
}

package server

import "net/http"

// crossSite refuses cross-site requests of the methods that change or
// compute something (every method but GET, HEAD and OPTIONS): net/http's
// CrossOriginProtection, which reads Sec-Fetch-Site (sent by every browser
// since 2023) and, from older browsers, compares Origin with Host.
// Requests with neither header (curl, scripts, monitors) carry no cookies
// or saved passwords a browser adds on its own, and pass.
var crossSite = func() *http.CrossOriginProtection {
	c := http.NewCrossOriginProtection()
	c.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "403 Forbidden: a request from another site is refused; use dashbox's own pages", http.StatusForbidden)
	}))
	return c
}()

// RefuseCrossSite answers 403 to a POST (or any other method but GET, HEAD
// and OPTIONS) another site's page makes a browser send: a browser adds the
// session cookie, or the saved Basic credentials, to such requests on its
// own, so a page elsewhere could otherwise run dashboards' callbacks in a
// signed-in user's name (cross-site request forgery). SameSite=Lax keeps
// the session cookie off most of them already; this check does not depend
// on it, and covers Basic authentication too.
func RefuseCrossSite(next http.Handler) http.Handler {
	return crossSite.Handler(next)
}

package server

import "net/http"

// StrictTransportSecurity sends HSTSValue on responses for which
// publiclyTrusted says the connection's certificate is publicly trusted.
// The decision is per request because one dashbox serves a Let's Encrypt
// certificate for its domain and a local-CA one for localhost: HSTS on
// localhost would make browsers refuse plain HTTP for every other
// development server on that machine, and HSTS on a local-CA name would
// lock users out once the name moved to a server they had not trusted.
func StrictTransportSecurity(publiclyTrusted func(r *http.Request) bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.TLS != nil && publiclyTrusted(r) {
				w.Header()["Strict-Transport-Security"] = hstsValue // shared; see securityheaders.go
			}
			next.ServeHTTP(w, r)
		})
	}
}

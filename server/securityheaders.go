package server

import "net/http"

// ContentSecurityPolicy allows scripts, styles, fonts and fetches only from
// dashbox's own origin: no inline script, no eval, no CDN. Images may also be
// data: URLs (ECharts exports charts that way). Nothing may frame the pages.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// HSTSValue is sent when the certificate is publicly trusted: one year, the
// minimum browsers' preload lists accept. It must never be sent with a
// certificate from the local CA, or a browser that once accepted the local
// root could lock users out when the name later moves to another server.
const HSTSValue = "max-age=31536000"

// Header values every response shares. The middleware stores these slices
// in the response's header map instead of calling Header().Set, which would
// canonicalize each name and allocate a one-element slice per header per
// request. Sharing is safe: net/http and middleware only replace or append
// to header slices (append to a full slice copies it), never write into
// them.
var (
	nosniffValue    = []string{"nosniff"}
	sameOriginValue = []string{"same-origin"}
	denyValue       = []string{"DENY"}
	cspValue        = []string{ContentSecurityPolicy}
	hstsValue       = []string{HSTSValue}
)

// SecurityHeaders sets the headers every HTTPS response carries. hsts turns
// on Strict-Transport-Security.
func SecurityHeaders(hsts bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h["X-Content-Type-Options"] = nosniffValue
			// same-origin: internal dashboard URLs never leak to other sites
			// through Referer, while dashbox's own log still sees them.
			h["Referrer-Policy"] = sameOriginValue
			h["X-Frame-Options"] = denyValue
			h["Content-Security-Policy"] = cspValue
			h["Cross-Origin-Opener-Policy"] = sameOriginValue
			if hsts {
				h["Strict-Transport-Security"] = hstsValue
			}
			next.ServeHTTP(w, r)
		})
	}
}

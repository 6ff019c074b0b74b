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

// SecurityHeaders sets the headers every HTTPS response carries. hsts turns
// on Strict-Transport-Security.
func SecurityHeaders(hsts bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("X-Content-Type-Options", "nosniff")
			// same-origin: internal dashboard URLs never leak to other sites
			// through Referer, while dashbox's own log still sees them.
			h.Set("Referrer-Policy", "same-origin")
			h.Set("X-Frame-Options", "DENY")
			h.Set("Content-Security-Policy", ContentSecurityPolicy)
			h.Set("Cross-Origin-Opener-Policy", "same-origin")
			if hsts {
				h.Set("Strict-Transport-Security", HSTSValue)
			}
			next.ServeHTTP(w, r)
		})
	}
}

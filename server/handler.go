package server

import (
	"io"
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// Pages is what the route surface needs from the pages package.
type Pages interface {
	// Home serves "/".
	Home() http.Handler
	// NotFound serves every path no route matches.
	NotFound() http.Handler
	// Dashboards registers the dashboards' pages and callbacks through
	// add, which is chi's Router.Method.
	Dashboards(add func(method, pattern string, h http.Handler))
}

// Deps are the parts the HTTPS handler is built from; cmd/dashbox wires them.
type Deps struct {
	// Static serves "/static/*" (the static package's Handler).
	Static http.Handler
	// Pages renders the HTML pages.
	Pages Pages
	// AccessLog receives one combined-format line per request; nil turns the
	// access log off.
	AccessLog io.Writer
	// Logger receives errors, such as recovered panics.
	Logger *slog.Logger
	// HSTS reports whether a response to r may carry
	// Strict-Transport-Security: only when r's connection was served a
	// publicly trusted certificate. It is asked per request, since one
	// server serves both kinds (a Let's Encrypt certificate for its domain,
	// a local-CA one for localhost). Nil never sends HSTS.
	HSTS func(r *http.Request) bool
	// HealthDetails returns what /healthz?details=1 adds to its answer for
	// clients on the loopback interface, such as each certificate's state.
	// Nil adds nothing.
	HealthDetails func() map[string]any
}

// NewHandler builds the HTTPS handler: the routes of routes.go behind the
// middleware every response passes through. Outermost first: the access log
// (so it sees the final status, including a recovered panic's 500), the
// security headers and HSTS, then panic recovery.
func NewHandler(d Deps) http.Handler {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	r := chi.NewRouter()
	r.Use(AccessLog(d.AccessLog))
	r.Use(SecurityHeaders(false))
	if d.HSTS != nil {
		r.Use(StrictTransportSecurity(d.HSTS))
	}
	r.Use(Recoverer(d.Logger))
	r.Use(middleware.GetHead)
	addRoutes(r, d)
	return r
}

// NewHTTPHandler builds the plain-HTTP handler: the redirect to HTTPS, with
// challenge (the ACME HTTP-01 hook, which must see requests before the
// redirect does) in front of it when not nil, all behind the access log.
func NewHTTPHandler(httpsPort int, accessLog io.Writer, challenge func(http.Handler) http.Handler) http.Handler {
	var h http.Handler = NewRedirectHandler(httpsPort)
	if challenge != nil {
		h = challenge(h)
	}
	return AccessLog(accessLog)(h)
}

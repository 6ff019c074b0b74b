package server

import (
	"io"
	"log/slog"
	"net/http"
	"net/netip"
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

// Deps are the parts the HTTPS handler is built from; the command line (package cmd) wires them.
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
	// Users, when not nil, are who may see the dashboards: every page and
	// callback then needs HTTP Basic authentication (BasicAuth); /healthz
	// and /static/ stay public, since they hold no data.
	Users Authenticator
	// LoginLimiter slows down password guessing per client address when
	// Users is set; nil does not limit.
	LoginLimiter LoginLimiter
	// DeviceKey signs the device cookies that exempt browsers which logged
	// in before from their address's block (BasicAuthConfig.DeviceKey);
	// nil makes a key that ends with the process.
	DeviceKey []byte
	// SignIn, when not nil, signs users in with single sign-on
	// (OpenID Connect): every page and callback then needs a session
	// (RequireSignIn), and SignIn's own pages (its callback, /logout) are
	// served; /healthz and /static/ stay public. It replaces Users: set
	// one of them.
	SignIn SignIn
	// DashboardGroups, with SignIn, says which groups may open which
	// dashboards: by dashboard path ("/apps/app3"), the groups of which a
	// user must be in one. Others get 403, and the home page lists only
	// what the user may open (when Pages is a HomeFilter). Dashboards not
	// listed are open to every signed-in user.
	DashboardGroups map[string][]string
	// AllowedNetworks, when not empty, are the only client networks
	// served anything but /healthz; other clients get 403 (AllowNetworks).
	AllowedNetworks []netip.Prefix
	// Observer, when not nil, is told about every request: its route
	// pattern, method, status, size and duration (ObserveRequests).
	Observer RequestObserver
	// Metrics, when not nil, is served at /metrics behind the same checks
	// as the dashboards (AllowedNetworks, Users): for operators who ask for
	// metrics on the HTTPS port. Nil serves no /metrics.
	Metrics http.Handler
	// OnLoginRefused, when not nil, is told of each login refused, with
	// the reason: LoginFailed, LoginBlocked or LoginBusy.
	OnLoginRefused func(reason string)
}

// NewHandler builds the HTTPS handler: the routes of routes.go behind the
// middleware every response passes through. Outermost first: the request
// observer (metrics), when there is one; the access log
// (so it sees the final status, including a recovered panic's 500), the
// security headers and HSTS, then panic recovery. The access checks
// (AllowedNetworks, Users) come after it, per route: routes.go says which
// routes each applies to.
func NewHandler(d Deps) http.Handler {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	login := noMiddleware
	if d.SignIn != nil {
		login = RequireSignIn(d.SignIn)
	} else if d.Users != nil {
		login = NewBasicAuth(BasicAuthConfig{Users: d.Users, Limiter: d.LoginLimiter, Logger: d.Logger, DeviceKey: d.DeviceKey, OnRefused: d.OnLoginRefused})
	}
	h := Recoverer(d.Logger)(routes(d, AllowNetworks(d.AllowedNetworks), login))
	if d.HSTS != nil {
		h = StrictTransportSecurity(d.HSTS)(h)
	}
	return ObserveRequests(d.Observer)(AccessLog(d.AccessLog)(SecurityHeaders(false)(h)))
}

// noMiddleware is the middleware that adds nothing.
func noMiddleware(next http.Handler) http.Handler { return next }

// NewHTTPHandler builds the plain-HTTP handler: the redirect to HTTPS, with
// challenge (the ACME HTTP-01 hook, which must see requests before the
// redirect does) in front of it when not nil, all behind the access log.
// Clients outside allowed (when not empty) get 403 instead of the redirect,
// except for /healthz, which HTTPS serves to everyone; ACME challenges
// reach the hook from anywhere, as the CA's validation must.
func NewHTTPHandler(httpsPort int, accessLog io.Writer, challenge func(http.Handler) http.Handler, allowed []netip.Prefix) http.Handler {
	var h http.Handler = NewRedirectHandler(httpsPort)
	if len(allowed) > 0 {
		redirect, restricted := h, AllowNetworks(allowed)(h)
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/healthz" && r.URL.RawPath == "" {
				redirect.ServeHTTP(w, r)
				return
			}
			restricted.ServeHTTP(w, r)
		})
	}
	if challenge != nil {
		h = challenge(h)
	}
	return AccessLog(accessLog)(h)
}

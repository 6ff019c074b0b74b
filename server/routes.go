package server

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
)

// routes maps dashbox's entire HTTPS route surface. Everything a client can
// reach is listed here, in three rings: /healthz for everyone; the static
// files for clients of the allowed networks (allow, --allow); everything
// else, including the answers to unknown paths and methods, for those
// clients once logged in (login: --auth-file, or single sign-on, whose own
// pages need no session), cross-site POSTs refused. The router decides which ring
// a request is in, so no path spelling can slip past a check.
func routes(d Deps, allow, login func(http.Handler) http.Handler) http.Handler {
	r := chi.NewRouter()
	if d.Observer != nil {
		r.Use(recordRoute)
	}
	r.Use(GetHead)
	// Load balancers and monitors check it from anywhere; it holds no data.
	r.Get("/healthz", handleHealthz(d.HealthDetails))
	r.Group(func(r chi.Router) {
		r.Use(allow)
		// Browsers add cookies and saved passwords to other sites'
		// requests on their own: no POST from another site.
		r.Use(RefuseCrossSite)
		if d.SignIn != nil {
			// The provider's redirect back, /logout: no session
			// needed (it is being made, or ended).
			d.SignIn.Routes(r.Method)
		}
		r.Group(func(r chi.Router) {
			r.Use(login)
			home := d.Pages.Home()
			groups := dashboardGroups(d.DashboardGroups)
			if f, ok := d.Pages.(HomeFilter); ok && d.SignIn != nil && len(groups) > 0 {
				home = groups.home(f)
			}
			r.Get("/", home.ServeHTTP)
			if d.Metrics != nil {
				r.Get("/metrics", d.Metrics.ServeHTTP)
			}
			// The dashboards (the demo's are /apps/app0 to /apps/app17,
			// listed in pages/demo/registry.go): each page, and its
			// callbacks at <page>/callback/<name>; those of groups
			// only for their members.
			add := r.Method
			if d.SignIn != nil && len(groups) > 0 {
				add = func(method, pattern string, h http.Handler) { r.Method(method, pattern, groups.guard(pattern, h)) }
			}
			d.Pages.Dashboards(add)
		})
	})
	// The 404 page shows the dashboards' names.
	r.NotFound(allow(login(d.Pages.NotFound())).ServeHTTP)
	r.MethodNotAllowed(allow(login(handleMethodNotAllowed())).ServeHTTP)

	// Stylesheets, scripts and fonts hold no data either: no login. They
	// are most of the requests (each page pulls several), so they skip the
	// router: chi's per-request context and tree walk cost about 1 µs and
	// 700 bytes of garbage (BenchmarkHandler), and on a fresh goroutine,
	// as HTTP/2 serves each request, its recursion grew the stack past its
	// first 8 KiB, several µs of stack copying (BenchmarkFreshGoroutine:
	// 20 to 12 µs; net/http's HTTP/2 writer still grows it later). The test is chi's own
	// for a route "/static/*": on the path as the client spelled it
	// (RawPath when it has escapes), so "/%73tatic/" stays the router's, as
	// before; every method is the static handler's, which refuses anything
	// but a plain name and GET or HEAD.
	static := allow(d.Static)
	if d.Observer != nil {
		static = routeLabel("/static/*", static)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		path := req.URL.RawPath
		if path == "" {
			path = req.URL.Path
		}
		if strings.HasPrefix(path, "/static/") {
			static.ServeHTTP(w, req)
			return
		}
		r.ServeHTTP(w, req)
	})
}

func handleMethodNotAllowed() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "405 Method Not Allowed", http.StatusMethodNotAllowed)
	}
}

package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// addRoutes maps dashbox's entire HTTPS route surface. Everything a client can
// reach is listed here, in three rings: /healthz for everyone; the static
// files for clients of the allowed networks (allow, --allow); everything
// else, including the answers to unknown paths and methods, for those
// clients once logged in (login, --auth-file). The router decides which ring
// a request is in, so no path spelling can slip past a check.
func addRoutes(r chi.Router, d Deps, allow, login func(http.Handler) http.Handler) {
	// Load balancers and monitors check it from anywhere; it holds no data.
	r.Get("/healthz", handleHealthz(d.HealthDetails))
	r.Group(func(r chi.Router) {
		r.Use(allow)
		// Stylesheets, scripts and fonts hold no data either: no login.
		r.Handle("/static/*", d.Static)
		r.Group(func(r chi.Router) {
			r.Use(login)
			r.Get("/", d.Pages.Home().ServeHTTP)
			// The dashboards, /apps/app0 to /apps/app17 (pages/registry.go
			// lists them): each page, and its callbacks at
			// <page>/callback/<name> for GET and POST.
			d.Pages.Dashboards(r.Method)
		})
	})
	// The 404 page shows the dashboards' names.
	r.NotFound(allow(login(d.Pages.NotFound())).ServeHTTP)
	r.MethodNotAllowed(allow(login(handleMethodNotAllowed())).ServeHTTP)
}

func handleMethodNotAllowed() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "405 Method Not Allowed", http.StatusMethodNotAllowed)
	}
}

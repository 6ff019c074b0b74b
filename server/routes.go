package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// addRoutes maps dashbox's entire HTTPS route surface. Everything a client can
// reach is listed here.
func addRoutes(r chi.Router, d Deps) {
	r.Get("/healthz", handleHealthz(d.HealthDetails))
	r.Handle("/static/*", d.Static)
	r.Get("/", d.Pages.Home().ServeHTTP)
	// The dashboards, /apps/app0 to /apps/app17 (pages/registry.go lists
	// them): each page, and its callbacks at <page>/callback/<name> for GET
	// and POST.
	d.Pages.Dashboards(r.Method)

	r.NotFound(d.Pages.NotFound().ServeHTTP)
	r.MethodNotAllowed(handleMethodNotAllowed())
}

func handleMethodNotAllowed() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "405 Method Not Allowed", http.StatusMethodNotAllowed)
	}
}

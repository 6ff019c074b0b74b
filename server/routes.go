package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// addRoutes maps dashbox's entire HTTPS route surface. Everything a client can
// reach is listed here.
func addRoutes(r chi.Router, d Deps) {
	r.Get("/healthz", handleHealthz())
	r.Handle("/static/*", d.Static)
	r.Get("/", d.Pages.Home().ServeHTTP)

	r.NotFound(d.Pages.NotFound().ServeHTTP)
	r.MethodNotAllowed(handleMethodNotAllowed())
}

// handleHealthz answers load balancers and systemd: 200 while the server
// serves. It stays cheap and allocation-free.
func handleHealthz() http.HandlerFunc {
	body := []byte("{\"status\":\"ok\"}\n")
	return func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", "no-store")
		w.Write(body)
	}
}

func handleMethodNotAllowed() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "405 Method Not Allowed", http.StatusMethodNotAllowed)
	}
}

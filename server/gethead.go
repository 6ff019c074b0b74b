package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// GetHead routes a HEAD request to the GET handler of its path when the
// route has no HEAD handler of its own, as RFC 9110 asks (HEAD is GET
// without the body; net/http drops the body). Mount it with Use on the chi
// router, after the middleware that must see the request as HEAD.
//
// It does what chi's middleware.GetHead does. That package is not imported
// because it imports net/http/pprof, which registers profiling handlers on
// http.DefaultServeMux and adds about 300 KiB of code to the binary.
func GetHead(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			if rctx := chi.RouteContext(r.Context()); rctx != nil {
				routePath := rctx.RoutePath
				if routePath == "" {
					routePath = r.URL.Path
					if r.URL.RawPath != "" {
						routePath = r.URL.RawPath
					}
				}
				if !rctx.Routes.Match(chi.NewRouteContext(), http.MethodHead, routePath) {
					rctx.RouteMethod = http.MethodGet
					rctx.RoutePath = routePath
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

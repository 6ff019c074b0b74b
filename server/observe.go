package server

import (
	"io"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
)

// UnmatchedRoute is the route ObserveRequests reports for requests no route
// matched (404s, and methods no route takes): one value for every unknown
// path, so a client cannot mint new label values.
const UnmatchedRoute = "unmatched"

// RequestObserver is told about every HTTPS request, for metrics. The
// metrics package's Registry is one; the server knows nothing of how it
// counts.
type RequestObserver interface {
	// RequestStarted is called as a request enters the handler.
	RequestStarted()
	// RequestDone is called once its response is complete: route is the
	// pattern of the route that served it (such as "/apps/app0" or
	// "/static/*"; UnmatchedRoute when none did), never the path the client
	// sent; method is the client's, unchecked; status 200 when the handler
	// set none; bytes the body bytes written.
	RequestDone(route, method string, status int, bytes int64, took time.Duration)
}

// ObserveRequests reports each request to o when its response is complete.
// The route comes from the router (recordRoute), through the response
// writer this middleware allocates: no context copy per request. A nil o
// adds nothing.
func ObserveRequests(o RequestObserver) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if o == nil {
			return next
		}
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			start := time.Now()
			o.RequestStarted()
			ow := &observedWriter{ResponseWriter: rw}
			defer func() {
				route := ow.route
				if route == "" {
					route = UnmatchedRoute
				}
				status := ow.status
				if status == 0 {
					status = http.StatusOK
				}
				o.RequestDone(route, r.Method, status, ow.bytes, time.Since(start))
			}()
			next.ServeHTTP(ow, r)
		})
	}
}

// recordRoute is the router's first middleware when requests are observed:
// once the route has served, chi's context holds its full pattern. It is
// read in a defer, so a route that panics (Recoverer answers 500 outside the
// router) is still counted as itself.
func recordRoute(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if rc := chi.RouteContext(r.Context()); rc != nil {
				setRoute(w, rc.RoutePattern())
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// routeLabel marks the requests h serves as served by the route pattern,
// for routes that skip the router (the static files).
func routeLabel(pattern string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setRoute(w, pattern)
		h.ServeHTTP(w, r)
	})
}

// setRoute records the route pattern on the observedWriter w is or wraps.
func setRoute(w http.ResponseWriter, pattern string) {
	for {
		switch t := w.(type) {
		case *observedWriter:
			t.route = pattern
			return
		case interface{ Unwrap() http.ResponseWriter }:
			w = t.Unwrap()
		default:
			return // not observed
		}
	}
}

// observedWriter records what RequestDone reports. Unwrap lets
// http.ResponseController, and setLogUser, reach past it.
type observedWriter struct {
	http.ResponseWriter
	route  string
	status int
	bytes  int64
}

func (w *observedWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *observedWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// ReadFrom keeps io.Copy's fast path (sendfile on plain connections).
func (w *observedWriter) ReadFrom(src io.Reader) (int64, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := io.Copy(w.ResponseWriter, src)
	w.bytes += n
	return n, err
}

func (w *observedWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *observedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

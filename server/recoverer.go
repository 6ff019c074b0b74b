package server

import (
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
)

// Recoverer turns a panic in a handler into a 500 response and an error log
// entry with the stack, so one bad request never takes the server down.
// http.ErrAbortHandler is re-panicked: it is net/http's way to abort a
// response on purpose.
func Recoverer(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					panic(v)
				}
				logger.Error("panic while serving a request",
					"method", r.Method, "uri", r.RequestURI, "panic", v, "stack", string(debug.Stack()))
				if sw, ok := w.(*statusWriter); ok && sw.status != 0 {
					return // headers are gone; the client sees a cut response
				}
				w.Header().Set("Connection", "close")
				http.Error(w, "500 Internal Server Error", http.StatusInternalServerError)
			}()
			next.ServeHTTP(w, r)
		})
	}
}

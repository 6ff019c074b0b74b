package metrics

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"
)

// Handler serves the metrics in Prometheus' text exposition format, to GET
// and HEAD. Each scrape renders into a pooled buffer, so a slow scraper
// holds no lock.
func (r *Registry) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "405 Method Not Allowed", http.StatusMethodNotAllowed)
			return
		}
		buf := scrapePool.Get().(*bytes.Buffer)
		defer scrapePool.Put(buf)
		buf.Reset()
		r.WritePrometheus(buf)
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if req.Method == http.MethodHead {
			return
		}
		w.Write(buf.Bytes())
	})
}

var scrapePool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Serve serves /metrics (and nothing else: other paths get 404) on ln
// until ctx ends, then closes ln. Prometheus scrapes are small and quick,
// so the timeouts are short; it returns nil when ctx ended it.
func (r *Registry) Serve(ctx context.Context, ln net.Listener) error {
	mux := http.NewServeMux()
	mux.Handle("/metrics", r.Handler())
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
	}
	stop := context.AfterFunc(ctx, func() { srv.Close() })
	defer stop()
	err := srv.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

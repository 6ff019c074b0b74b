package server

import (
	"context"
	"log"
	"log/slog"
	"strings"
)

// newErrorLog returns the *log.Logger that net/http writes its own errors to,
// forwarding them to slog. TLS handshake failures ("http: TLS handshake error
// from ...") come from scanners, expired client caches and port probes by the
// thousand on any public server; they go to debug level so that warnings stay
// worth reading.
func newErrorLog(logger *slog.Logger) *log.Logger {
	return log.New(errorLogWriter{logger}, "", 0)
}

type errorLogWriter struct{ logger *slog.Logger }

func (w errorLogWriter) Write(p []byte) (int, error) {
	msg := strings.TrimSpace(string(p))
	level := slog.LevelWarn
	if strings.HasPrefix(msg, "http: TLS handshake error") ||
		strings.Contains(msg, "http2: server: error reading preface") ||
		strings.HasPrefix(msg, "http: URL query contains semicolon") {
		level = slog.LevelDebug
	}
	w.logger.Log(context.Background(), level, msg, "source", "net/http")
	return len(p), nil
}

package server

import (
	"context"
	"log"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/dashbox/dashbox/internal/logthrottle"
)

// Repeated client errors: one line per client address and minute.
const (
	// clientErrorWindow is the window in which each address gets one
	// line (see logthrottle.Throttle).
	clientErrorWindow = time.Minute
	// maxClientErrorAddrs bounds the table of addresses logged in the
	// current window (about 100 KiB); errors of further addresses in the
	// same window are only counted.
	maxClientErrorAddrs = 1024
)

// newErrorLog returns the *log.Logger that net/http writes its own errors to,
// forwarding them to slog. TLS handshake failures ("http: TLS handshake error
// from ...") come from scanners, expired client caches and port probes by the
// thousand on any public server; they go to debug level so that warnings stay
// worth reading. A client that fails its handshakes over and over gets one
// line a minute, not one per handshake: the rest are counted, and the count
// is logged when the minute is over.
//
// onHandshake, when not nil, is told of each failed TLS handshake.
func newErrorLog(logger *slog.Logger, onHandshake func(version uint16, ok bool)) *log.Logger {
	w := newErrorLogWriter(logger)
	w.onHandshake = onHandshake
	return log.New(w, "", 0)
}

func newErrorLogWriter(logger *slog.Logger) *errorLogWriter {
	return &errorLogWriter{logger: logger, now: time.Now, throttle: logthrottle.New(clientErrorWindow, maxClientErrorAddrs)}
}

type errorLogWriter struct {
	logger   *slog.Logger
	now      func() time.Time
	throttle *logthrottle.Throttle // keyed by client address
	// onHandshake is told of failed TLS handshakes; nil is not.
	onHandshake func(version uint16, ok bool)
}

func (w *errorLogWriter) Write(p []byte) (int, error) {
	msg := strings.TrimSpace(string(p))
	if w.onHandshake != nil && handshakeFailed(msg) {
		w.onHandshake(0, false)
	}
	level := slog.LevelWarn
	if strings.HasPrefix(msg, "http: TLS handshake error") ||
		strings.Contains(msg, "http2: server: error reading preface") ||
		strings.HasPrefix(msg, "http: URL query contains semicolon") {
		level = slog.LevelDebug
	}
	if addr, ok := clientErrorAddr(msg); ok {
		first, ended := w.throttle.Event(w.now(), addr)
		if ended.Suppressed > 0 {
			w.logger.Log(context.Background(), level, "repeated client errors not logged (one line per client address a minute)",
				"source", "net/http", "errors", ended.Suppressed, "repeating_clients", ended.Keys,
				"since", ended.Start.Format(time.RFC3339))
		}
		if !first {
			return len(p), nil
		}
	}
	w.logger.Log(context.Background(), level, msg, "source", "net/http")
	return len(p), nil
}

// clientErrorAddr returns the client address (without its port) of a
// net/http error about one client's connection: "http: TLS handshake error
// from 192.0.2.7:51234: EOF", "http2: server: error reading preface from
// client [2001:db8::1]:443: ...".
func clientErrorAddr(msg string) (string, bool) {
	var rest string
	switch {
	case strings.HasPrefix(msg, "http: TLS handshake error from "):
		rest = msg[len("http: TLS handshake error from "):]
	case strings.HasPrefix(msg, "http2: server: error reading preface from client "):
		rest = msg[len("http2: server: error reading preface from client "):]
	default:
		return "", false
	}
	hostport, _, _ := strings.Cut(rest, ": ")
	host, _, err := net.SplitHostPort(hostport)
	if err != nil || host == "" {
		return "", false
	}
	return host, true
}

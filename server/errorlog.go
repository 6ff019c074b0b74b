package server

import (
	"context"
	"log"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"
)

// Repeated client errors: one line per client address and minute.
const (
	// clientErrorWindow is how long an address's repeated errors stay
	// quiet after the one that was logged.
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
func newErrorLog(logger *slog.Logger) *log.Logger {
	return log.New(newErrorLogWriter(logger), "", 0)
}

func newErrorLogWriter(logger *slog.Logger) *errorLogWriter {
	return &errorLogWriter{logger: logger, now: time.Now, seen: make(map[string]int)}
}

type errorLogWriter struct {
	logger *slog.Logger
	now    func() time.Time

	mu          sync.Mutex
	windowStart time.Time
	seen        map[string]int // client address -> errors not logged in this window
	suppressed  int            // errors not logged in this window, in all
}

func (w *errorLogWriter) Write(p []byte) (int, error) {
	msg := strings.TrimSpace(string(p))
	level := slog.LevelWarn
	if strings.HasPrefix(msg, "http: TLS handshake error") ||
		strings.Contains(msg, "http2: server: error reading preface") ||
		strings.HasPrefix(msg, "http: URL query contains semicolon") {
		level = slog.LevelDebug
	}
	if addr, ok := clientErrorAddr(msg); ok && !w.first(addr, level) {
		return len(p), nil
	}
	w.logger.Log(context.Background(), level, msg, "source", "net/http")
	return len(p), nil
}

// first reports whether addr's error is the first of its window, to be
// logged; otherwise it counts it. A new window first logs the count of the
// last one's.
func (w *errorLogWriter) first(addr string, level slog.Level) bool {
	now := w.now()
	w.mu.Lock()
	defer w.mu.Unlock()
	if now.Sub(w.windowStart) >= clientErrorWindow {
		if w.suppressed > 0 {
			clients := 0
			for _, n := range w.seen {
				if n > 0 {
					clients++
				}
			}
			w.logger.Log(context.Background(), level, "repeated client errors not logged (one line per client address a minute)",
				"source", "net/http", "errors", w.suppressed, "repeating_clients", clients,
				"since", w.windowStart.Format(time.RFC3339))
		}
		w.windowStart = now
		clear(w.seen)
		w.suppressed = 0
	}
	if n, ok := w.seen[addr]; ok {
		w.seen[addr] = n + 1
		w.suppressed++
		return false
	}
	if len(w.seen) >= maxClientErrorAddrs {
		w.suppressed++
		return false
	}
	w.seen[addr] = 0
	return true
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

package tls

import (
	"net"
	"time"

	"github.com/dashbox/dashbox/internal/logthrottle"
	"go.uber.org/zap/zapcore"
)

// handshakeMessages are certmagic's warnings and errors that a TLS client
// can cause at will, one per handshake: an acme-tls/1 handshake for a name
// with no pending challenge, and a handshake refused by an event handler.
// They are kept at their level once per client per throttleWindow and
// logged at debug level in between, so a client cannot flood the log.
var handshakeMessages = map[string]bool{
	"tls-alpn challenge":                     true,
	"TLS handshake aborted by event handler": true,
}

const (
	// throttleWindow is how long repeats from one client are demoted.
	throttleWindow = time.Minute

	// throttleMaxClients bounds the memory the throttle keeps. Past it,
	// new clients are demoted too until the window ends: the log has
	// already said what is going on.
	throttleMaxClients = 4096
)

// demote returns the level to log a certmagic entry at, now: debug for a
// handshake message from a client already logged in the throttle's window,
// the entry's own level otherwise.
func demote(throttle *logthrottle.Throttle, now time.Time, entry zapcore.Entry, fields []zapcore.Field) (zapcore.Level, bool) {
	if entry.Level < zapcore.WarnLevel || !handshakeMessages[entry.Message] {
		return entry.Level, false
	}
	client := ""
	for _, f := range fields {
		if f.Type == zapcore.StringType && (f.Key == "remote_addr" || f.Key == "remote") {
			client = f.String
			break
		}
	}
	// The port is dropped so that reconnecting does not start afresh.
	if host, _, err := net.SplitHostPort(client); err == nil {
		client = host
	}
	if first, _ := throttle.Event(now, client); first {
		return entry.Level, false
	}
	return zapcore.DebugLevel, true
}

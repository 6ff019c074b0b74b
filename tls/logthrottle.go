package tls

import (
	"net"
	"sync"
	"time"

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
	// new clients are demoted too until entries expire: the log has
	// already said what is going on.
	throttleMaxClients = 4096
)

// clientThrottle remembers when each client's last handshake message was
// logged at its own level.
type clientThrottle struct {
	mu        sync.Mutex
	last      map[string]time.Time
	nextSweep time.Time
	now       func() time.Time
}

func newClientThrottle() *clientThrottle {
	return &clientThrottle{last: map[string]time.Time{}, now: time.Now}
}

// allow reports whether a message caused by client (a host, or host:port
// whose port is dropped so that reconnecting does not reset the window)
// may be logged at its own level now, and if so starts its window.
func (t *clientThrottle) allow(client string) bool {
	if host, _, err := net.SplitHostPort(client); err == nil {
		client = host
	}
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if last, ok := t.last[client]; ok && now.Sub(last) < throttleWindow {
		return false
	}
	if len(t.last) >= throttleMaxClients {
		if now.Before(t.nextSweep) {
			return false
		}
		// At most one sweep a second: a flood from many addresses
		// costs a map scan now and then, not one per handshake.
		t.nextSweep = now.Add(time.Second)
		for c, last := range t.last {
			if now.Sub(last) >= throttleWindow {
				delete(t.last, c)
			}
		}
		if len(t.last) >= throttleMaxClients {
			return false
		}
	}
	t.last[client] = now
	return true
}

// demote returns the level to log a certmagic entry at: debug for a
// handshake message from a client already logged within the window, the
// entry's own level otherwise.
func (t *clientThrottle) demote(entry zapcore.Entry, fields []zapcore.Field) (zapcore.Level, bool) {
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
	if t.allow(client) {
		return entry.Level, false
	}
	return zapcore.DebugLevel, true
}

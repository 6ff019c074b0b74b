package server

import (
	"net/http"
	"time"
)

// newConnGrace bounds the first step of a drain: how long after being
// accepted connections that have not sent their first request yet (TLS
// handshake under way, request in flight) may take to send it before
// http.Server.Shutdown begins.
//
// Why: net/http drops a request it reads after Shutdown began, closing the
// connection without an answer (server.go: `if c.server.shuttingDown()
// { return }` after readRequest). A client that made a new connection for
// that request sees EOF and, as nothing tells it the request was not
// handled, does not retry. On a kept-alive connection clients do retry an
// idempotent request, as they must after any idle close. So the drain first
// stops accepting (the listeners close; under socket activation systemd
// keeps the socket, and new connections wait in its backlog for the next
// process), lets the accepted connections deliver their first request, and
// only then shuts down: idle keep-alive connections close, HTTP/2 clients
// get GOAWAY, and in-flight requests finish.
const newConnGrace = 2 * time.Second

// newConnPoll is how often the drain looks whether new connections are left.
const newConnPoll = 5 * time.Millisecond

// stopAccepting closes the limiters' listeners and waits until none of their
// connections is still waiting for its first request, for at most grace.
// The http.Servers go on serving the connections they have.
func stopAccepting(limiters []*connLimiter, grace time.Duration) {
	for _, l := range limiters {
		l.Listener.Close()
	}
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) {
		waiting := 0
		for _, l := range limiters {
			waiting += l.countNew(grace)
		}
		if waiting == 0 {
			return
		}
		time.Sleep(newConnPoll)
	}
}

// countNew is the number of open connections accepted less than grace ago
// that have not sent a request. One older than that is a client that
// connected and says nothing (a browser's speculative preconnect, a
// scanner): it does not hold the drain any longer.
func (l *connLimiter) countNew(grace time.Duration) int {
	young := l.now().Add(-grace).UnixNano()
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for c := range l.open {
		if http.ConnState(c.state.Load()) == http.StateNew && c.since.Load() > young {
			n++
		}
	}
	return n
}

package server

import (
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dashbox/dashbox/internal/logthrottle"
)

// DefaultMaxConnections is the default cap on simultaneous connections per
// listener. A browser holds one HTTP/2 connection, or up to six HTTP/1.1
// ones, to a site, so 4096 serves several hundred browsers at once. An idle
// keep-alive TLS connection costs dashbox about 36 KiB of RSS (goroutine
// stack, buffers, TLS state; measured with 1000), one that has sent nothing
// about 7 KiB, so a full HTTPS listener stays near 150 MiB, under the
// default soft memory limit, and the file descriptors it needs fit the
// limits Go raises itself to at start (the hard RLIMIT_NOFILE, 524288 on
// systemd machines; the unit sets 1048576).
const DefaultMaxConnections = 4096

// Connection-limit tuning. Near the cap (from 3/4 of it), connections that
// are not working for a client are closed sooner, so that a flood of
// connections that send nothing, or keep-alives nobody uses, make room for
// clients with requests.
const (
	// pressureIdleTimeout replaces IdleTimeout (2 minutes) near the cap: a
	// keep-alive connection idle this long is closed. Browsers open a new
	// connection without an error when they find one closed while idle.
	pressureIdleTimeout = 5 * time.Second
	// pressureNewTimeout replaces ReadHeaderTimeout (10 s) near the cap for
	// a connection that has not yet finished its TLS handshake and first
	// request's headers.
	pressureNewTimeout = 5 * time.Second
	// sweepInterval is how often, at most, the open connections are scanned
	// for ones to close near the cap: a scan of 4096 connections takes tens
	// of microseconds, and a flood must not make one per accept.
	sweepInterval = 100 * time.Millisecond
	// connRefusalLogInterval is how often, at most, refused connections are
	// logged: a flood must not flood the log too.
	connRefusalLogInterval = time.Minute
)

// connLimiter is a net.Listener that caps simultaneous connections, in all
// and per client address, and closes connections that do nothing when a
// cap is near: any address's near the total cap, one address's own near
// its share. A connection past a cap is accepted and closed at once with
// a reset (SO_LINGER 0): it costs no file descriptor beyond that moment, no
// TIME_WAIT state, and the kernel's accept backlog keeps draining, so a
// flood cannot keep clients with a free slot waiting behind it.
//
// Its ConnState method must be the http.Server's ConnState hook: it learns
// from it which connections are idle (between requests) or new (handshake
// and first request not done yet).
type connLimiter struct {
	net.Listener
	name    string // "https" or "http", for the log
	max     int    // open connections in all
	perAddr int    // open connections per client address (an IPv6 /64 counts as one); 0 = no cap
	// balancers are PROXY protocol sources: their connections carry many
	// clients, so they are not capped per address (only in all).
	balancers []netip.Prefix
	logger    *slog.Logger
	now       func() time.Time

	mu        sync.Mutex
	open      map[*limitedConn]struct{}
	byAddr    map[netip.Prefix]int
	lastSweep time.Time
	refusals  *logthrottle.Throttle // of logRefusalsLocked
	refused   int                   // since the last line, at the total cap
	refusedIP int                   // since the last line, at the per-address cap
}

// newConnLimiter caps ln at max open connections (max >= 1), each client
// address at max/2 of them. One address, or one IPv6 /64 (what a single
// customer of most providers gets), cannot take the whole listener; the
// half that is left stays for everybody else, while an office of several
// hundred browsers behind one NAT address still fits.
func newConnLimiter(ln net.Listener, name string, max int, logger *slog.Logger) *connLimiter {
	if max < 1 {
		max = 1
	}
	return &connLimiter{
		Listener: ln,
		name:     name,
		max:      max,
		perAddr:  (max + 1) / 2,
		logger:   logger,
		now:      time.Now,
		open:     make(map[*limitedConn]struct{}),
		byAddr:   make(map[netip.Prefix]int),
		refusals: logthrottle.New(connRefusalLogInterval, 1),
	}
}

// limitedConn is a connection the limiter counts until it is closed.
type limitedConn struct {
	net.Conn
	l   *connLimiter
	key netip.Prefix // client address or /64; invalid for non-IP addresses

	// state and since are atomics so that the ConnState hook, called
	// twice per HTTP/1.1 request, takes no lock: since is set before
	// state, so a sweep that sees a state sees at least its start.
	state atomic.Int32 // an http.ConnState
	since atomic.Int64 // Unix nanoseconds when the connection last went new or idle

	counted bool // still in l.open; guarded by l.mu
}

// Close closes the connection and frees its slot.
func (c *limitedConn) Close() error {
	c.l.mu.Lock()
	c.l.removeLocked(c)
	c.l.mu.Unlock()
	return c.Conn.Close()
}

// Accept returns the next connection within the caps; connections past a
// cap are closed here and never reach the server.
func (l *connLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if lc := l.admit(c); lc != nil {
			return lc, nil
		}
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetLinger(0) // reset: no TIME_WAIT for a refused connection
		}
		c.Close()
	}
}

// admit counts c in, or returns nil when a cap refuses it. Near the cap it
// first closes connections that do nothing.
func (l *connLimiter) admit(c net.Conn) *limitedConn {
	key := addrKey(c.RemoteAddr())
	if len(l.balancers) > 0 && prefixesContain(l.balancers, c.RemoteAddr()) {
		key = netip.Prefix{}
	}
	now := l.now()
	l.mu.Lock()
	var victims []*limitedConn
	if now.Sub(l.lastSweep) >= sweepInterval {
		switch {
		case len(l.open) >= l.pressure():
			l.lastSweep = now
			victims = l.sweepLocked(now, netip.Prefix{})
		case key.IsValid() && l.perAddr > 0 && l.byAddr[key] >= l.perAddr-l.perAddr/4:
			// One address near its share: its own connections only.
			l.lastSweep = now
			victims = l.sweepLocked(now, key)
		}
	}
	var lc *limitedConn
	switch {
	case len(l.open) >= l.max:
		l.refused++
		l.logRefusalsLocked(now)
	case key.IsValid() && l.perAddr > 0 && l.byAddr[key] >= l.perAddr:
		l.refusedIP++
		l.logRefusalsLocked(now)
	default:
		lc = &limitedConn{Conn: c, l: l, key: key, counted: true}
		lc.since.Store(now.UnixNano())
		lc.state.Store(int32(http.StateNew))
		l.open[lc] = struct{}{}
		if key.IsValid() {
			l.byAddr[key]++
		}
	}
	l.mu.Unlock()
	// Closing the underlying connection ends the server's goroutine for it
	// (its read fails); its own Close later finds the slot already freed.
	for _, v := range victims {
		v.Conn.Close()
	}
	return lc
}

// pressure is the number of open connections from which the limiter closes
// connections that do nothing: 3/4 of the cap.
func (l *connLimiter) pressure() int { return l.max - l.max/4 }

// sweepLocked frees the slots of idle connections unused for
// pressureIdleTimeout and of new ones without a request after
// pressureNewTimeout, of every address or of key's only, and returns them
// for the caller to close outside the lock.
func (l *connLimiter) sweepLocked(now time.Time, key netip.Prefix) []*limitedConn {
	var victims []*limitedConn
	for c := range l.open {
		if key.IsValid() && c.key != key {
			continue
		}
		state := http.ConnState(c.state.Load())
		age := time.Duration(now.UnixNano() - c.since.Load())
		if (state == http.StateIdle && age >= pressureIdleTimeout) ||
			(state == http.StateNew && age >= pressureNewTimeout) {
			victims = append(victims, c)
		}
	}
	for _, c := range victims {
		l.removeLocked(c)
	}
	return victims
}

// removeLocked frees c's slot, once.
func (l *connLimiter) removeLocked(c *limitedConn) {
	if !c.counted {
		return
	}
	c.counted = false
	delete(l.open, c)
	if c.key.IsValid() {
		if n := l.byAddr[c.key] - 1; n > 0 {
			l.byAddr[c.key] = n
		} else {
			delete(l.byAddr, c.key)
		}
	}
}

// logRefusalsLocked logs the refusals counted since the last such line, at
// most once per connRefusalLogInterval. A flood gets its first line at once;
// later lines carry the number refused in between.
func (l *connLimiter) logRefusalsLocked(now time.Time) {
	if first, _ := l.refusals.Event(now, ""); !first {
		return
	}
	l.logger.Warn("refusing connections past the cap (at most one such line a minute)",
		"listener", l.name, "refused", l.refused, "refused_per_address", l.refusedIP,
		"max_connections", l.max, "max_per_address", l.perAddr, "open", len(l.open))
	l.refused, l.refusedIP = 0, 0
}

// ConnState is the http.Server ConnState hook that tells the limiter what
// each connection is doing.
func (l *connLimiter) ConnState(c net.Conn, state http.ConnState) {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	if pc, ok := c.(*proxyConn); ok {
		c = pc.Conn
	}
	lc, ok := c.(*limitedConn)
	if !ok || lc.l != l {
		return
	}
	if state == http.StateIdle {
		lc.since.Store(l.now().UnixNano())
	}
	lc.state.Store(int32(state))
}

// addrKey is what the per-address cap counts by: the IPv4 address, or the
// IPv6 /64, of a TCP peer. Other addresses are not capped per address.
func addrKey(a net.Addr) netip.Prefix {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return netip.Prefix{}
	}
	ip, ok := netip.AddrFromSlice(ta.IP)
	if !ok {
		return netip.Prefix{}
	}
	ip = ip.Unmap()
	bits := 32
	if ip.Is6() {
		bits = 64
	}
	p, _ := ip.Prefix(bits)
	return p
}

package auth

import (
	"container/list"
	"net/netip"
	"sync"
	"time"
)

// Defaults of LimiterConfig.
const (
	// DefaultFailures failed logins a minute are more than a person
	// mistyping makes, and far too few to guess a password.
	DefaultFailures = 10
	// DefaultWindow is the span failed logins are counted over.
	DefaultWindow = time.Minute
	// DefaultClients is how many clients a Limiter remembers at most:
	// about 300 bytes each with 10 failures (BenchmarkLimiterReserve), a few
	// MB in all.
	DefaultClients = 10000
)

// wideNetworks are the IPv6 networks wider than a /64 that failures are
// also counted by, each allowed factor times Failures: a /56 is what an ISP
// usually delegates to one home, a /48 to one site or customer. One /64
// alone (10 failures) can never block its /56 (40) or /48 (160), so a
// neighbour cannot lock others out; but an attacker who owns a /48 and
// guesses from its 65,536 /64s gets 160 guesses a minute, not 655,360, and
// once the /48 is blocked, new /64s from it are refused without taking a
// place in the table.
var wideNetworks = [...]struct{ bits, factor int }{{56, 4}, {48, 16}}

// inFlightWait is the wait reported to a client whose attempts are all
// still being checked: how long that takes is not known, and checks are
// short (a bcrypt check is a quarter of a second).
const inFlightWait = time.Second

// LimiterConfig configures a Limiter; zero fields take the defaults.
type LimiterConfig struct {
	// Failures is how many failed logins a client may have within Window,
	// counting the attempts still being checked; once it has had that many,
	// it is refused until the oldest of them is Window old. Zero means
	// DefaultFailures.
	Failures int

	// Window is the span failed logins are counted over: a sliding
	// window, so that no burst at a window's edge doubles the rate. Zero
	// means DefaultWindow.
	Window time.Duration

	// Clients bounds the memory: at most that many clients (addresses,
	// networks and devices) are remembered, each with at most its limit of
	// failure times. When the table is full, a client that is not blocked
	// and has nothing in flight is forgotten to make room, the one whose
	// last failure is oldest first; blocked clients are kept, so a flood of
	// new addresses cannot make the limiter forget a block. If every
	// remembered client is blocked or in flight, a new client is refused
	// until one of them is not: a guesser with more addresses than that gets
	// no more than Clients times Failures guesses a window in all. Zero
	// means DefaultClients.
	Clients int

	// Now replaces time.Now, for tests.
	Now func() time.Time
}

// Limiter counts login attempts per client and tells when a client has to
// wait. An attempt is counted from before its password is checked
// (Reserve) until the check ends: a failure then stays counted for Window,
// a success is forgotten. So a client sending many guesses at once gets no
// more checked than one sending them one by one, and a user who logs in
// never waits, however many requests the browser sends.
//
// A client is an IPv4 address, or an IPv6 /64 network (one machine usually
// has a whole /64 to itself, and counting its addresses one by one would let
// it guess 2^64 times as fast) together with the wider networks of
// wideNetworks; or, instead of the address, a device: a browser that proved
// with a signed cookie that it logged in as the user before, whose attempts
// the server counts apart so that others' failures at its address do not
// lock it out.
//
// A Limiter is safe for concurrent use.
type Limiter struct {
	cfg LimiterConfig

	mu      sync.Mutex
	clients map[clientKey]*client
	open    *list.List // of *client not blocked, least recently failed first
	held    *list.List // of *client blocked when last placed, least recently failed first
}

// clientKey is what attempts are counted by: a network, or a device.
type clientKey struct {
	network netip.Prefix // zero for a device
	device  string
}

// client is one client's attempts.
type client struct {
	key   clientKey
	limit int
	// failures are the times (Unix nanoseconds) of its failed logins within
	// the window, oldest first; never more than limit.
	failures []int64
	// inFlight is how many of its attempts are being checked.
	inFlight int
	// touched is when it was created or last failed: the lists' order.
	touched int64
	held    bool // in Limiter.held rather than Limiter.open
	elem    *list.Element
}

// NewLimiter returns a Limiter configured by cfg.
func NewLimiter(cfg LimiterConfig) *Limiter {
	if cfg.Failures <= 0 {
		cfg.Failures = DefaultFailures
	}
	if cfg.Window <= 0 {
		cfg.Window = DefaultWindow
	}
	if cfg.Clients <= 0 {
		cfg.Clients = DefaultClients
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Limiter{cfg: cfg, clients: map[clientKey]*client{}, open: list.New(), held: list.New()}
}

// keyLimit is a key and the number of attempts allowed under it.
type keyLimit struct {
	key   clientKey
	limit int
}

// keys are what an attempt from addr, or from device when it is not "", is
// counted by. An IPv4-mapped IPv6 address counts as its IPv4 address.
func (l *Limiter) keys(addr netip.Addr, device string) (ks [1 + len(wideNetworks)]keyLimit, n int) {
	if device != "" {
		ks[0] = keyLimit{clientKey{device: device}, l.cfg.Failures}
		return ks, 1
	}
	addr = addr.Unmap().WithZone("")
	if !addr.Is6() {
		ks[0] = keyLimit{clientKey{network: netip.PrefixFrom(addr, addr.BitLen())}, l.cfg.Failures}
		return ks, 1
	}
	p, _ := addr.Prefix(64)
	ks[0] = keyLimit{clientKey{network: p}, l.cfg.Failures}
	for i, w := range wideNetworks {
		p, _ := addr.Prefix(w.bits)
		ks[1+i] = keyLimit{clientKey{network: p}, w.factor * l.cfg.Failures}
	}
	return ks, 1 + len(wideNetworks)
}

// Reserve asks to check one password from addr, or from device when it is
// not "" (then the address does not count). If the client may try now, wait
// is zero and the attempt counts as in flight until done is called, with
// failed telling whether the password was wrong; done returns how long the
// client must then wait (zero if it may try again at once). Call done
// exactly once, with failed false also when the password was not checked
// after all. Otherwise done is nil and wait is how long the client must
// wait: its failures and attempts in flight reached the limit, or (rarely)
// the table is full of blocked clients.
func (l *Limiter) Reserve(addr netip.Addr, device string) (done func(failed bool) time.Duration, wait time.Duration) {
	ks, n := l.keys(addr, device)
	now := l.cfg.Now().UnixNano()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.forgetExpired(now)
	var cs [len(ks)]*client
	missing := 0
	for i := range n {
		c := l.clients[ks[i].key]
		if c == nil {
			missing++
			continue
		}
		cs[i] = c
		if w := l.wait(c, now); w > 0 {
			wait = max(wait, w)
		} else if len(c.failures)+c.inFlight >= c.limit {
			wait = max(wait, inFlightWait)
		}
	}
	if wait > 0 {
		return nil, wait
	}
	if !l.makeRoom(missing, now) {
		return nil, l.fullWait(now)
	}
	for i := range n {
		if cs[i] == nil {
			c := &client{key: ks[i].key, limit: ks[i].limit, touched: now}
			c.elem = l.open.PushBack(c)
			l.clients[c.key] = c
			cs[i] = c
		}
		cs[i].inFlight++
	}
	finished := false
	return func(failed bool) time.Duration {
		now := l.cfg.Now().UnixNano()
		l.mu.Lock()
		defer l.mu.Unlock()
		if finished {
			return 0
		}
		finished = true
		var wait time.Duration
		for _, c := range cs[:n] {
			l.finish(c, failed, now)
			if l.clients[c.key] == c {
				wait = max(wait, l.wait(c, now))
			}
		}
		return wait
	}, 0
}

// Blocked reports how long a client (addr, or device when it is not "")
// has to wait before a login attempt of it is checked, counting its
// failures only, not its attempts in flight; zero means it may try now.
// It records nothing: it is for credentials verified before, which cost no
// check but must still be refused while the client is blocked (else a
// blocked guesser would learn when a guess is a password someone uses).
func (l *Limiter) Blocked(addr netip.Addr, device string) time.Duration {
	ks, n := l.keys(addr, device)
	now := l.cfg.Now().UnixNano()
	l.mu.Lock()
	defer l.mu.Unlock()
	var wait time.Duration
	for _, k := range ks[:n] {
		if c := l.clients[k.key]; c != nil {
			wait = max(wait, l.wait(c, now))
		}
	}
	return wait
}

// finish ends one attempt of c in flight.
func (l *Limiter) finish(c *client, failed bool, now int64) {
	c.inFlight--
	if !failed {
		if c.inFlight == 0 && len(c.failures) == 0 {
			l.forget(c)
		}
		return
	}
	c.drop(now - int64(l.cfg.Window))
	if len(c.failures) == c.limit {
		// Cannot happen through Reserve, which admits no more attempts
		// than the limit; keep the newest failures all the same.
		c.failures = append(c.failures[:0], c.failures[1:]...)
	}
	c.failures = append(c.failures, now)
	c.touched = now
	blocked := len(c.failures) >= c.limit
	if blocked == c.held {
		if blocked {
			l.held.MoveToBack(c.elem)
		} else {
			l.open.MoveToBack(c.elem)
		}
		return
	}
	l.listOf(c).Remove(c.elem)
	c.held = blocked
	c.elem = l.listOf(c).PushBack(c)
}

// listOf is the list c is in.
func (l *Limiter) listOf(c *client) *list.List {
	if c.held {
		return l.held
	}
	return l.open
}

// forget removes c from the table.
func (l *Limiter) forget(c *client) {
	l.listOf(c).Remove(c.elem)
	delete(l.clients, c.key)
}

// wait is how long c has to wait at now because of its failures.
func (l *Limiter) wait(c *client, now int64) time.Duration {
	c.drop(now - int64(l.cfg.Window))
	if len(c.failures) < c.limit {
		return 0
	}
	return time.Duration(c.failures[len(c.failures)-c.limit] + int64(l.cfg.Window) - now)
}

// drop forgets the failures at or before cutoff.
func (c *client) drop(cutoff int64) {
	n := 0
	for n < len(c.failures) && c.failures[n] <= cutoff {
		n++
	}
	if n > 0 {
		c.failures = append(c.failures[:0], c.failures[n:]...)
	}
}

// forgetExpired forgets the clients that have not failed within the window
// and have nothing in flight. Both lists are in order of the last failure,
// so the walk stops at the first client touched within the window; clients
// in flight are stepped over (there are at most as many as requests being
// served).
func (l *Limiter) forgetExpired(now int64) {
	cutoff := now - int64(l.cfg.Window)
	for _, ls := range [...]*list.List{l.open, l.held} {
		for e := ls.Front(); e != nil; {
			c := e.Value.(*client)
			if c.touched > cutoff {
				break
			}
			e = e.Next()
			if c.inFlight == 0 {
				l.forget(c)
			}
		}
	}
}

// heldScan is how many blocked clients makeRoom looks at for one whose
// block has ended: the front ones, whose last failure is oldest, end first.
const heldScan = 8

// makeRoom forgets clients until n new ones fit, and reports whether they
// do: the least recently failed of those not blocked and not in flight
// first, then blocked ones whose block has ended by now. A client still
// blocked is never forgotten.
func (l *Limiter) makeRoom(n int, now int64) bool {
	for len(l.clients)+n > l.cfg.Clients {
		if !l.evictOne(now) {
			return false
		}
	}
	return true
}

func (l *Limiter) evictOne(now int64) bool {
	for e := l.open.Front(); e != nil; e = e.Next() {
		if c := e.Value.(*client); c.inFlight == 0 {
			l.forget(c)
			return true
		}
	}
	i := 0
	for e := l.held.Front(); e != nil && i < heldScan; e, i = e.Next(), i+1 {
		if c := e.Value.(*client); c.inFlight == 0 && l.wait(c, now) == 0 {
			l.forget(c)
			return true
		}
	}
	return false
}

// fullWait is how long a client refused for a full table waits: until the
// block that ends first (roughly) ends, at least inFlightWait.
func (l *Limiter) fullWait(now int64) time.Duration {
	wait := inFlightWait
	if e := l.held.Front(); e != nil {
		wait = max(wait, l.wait(e.Value.(*client), now))
	}
	return wait
}

// Clients reports how many clients (addresses, networks and devices) the
// limiter remembers.
func (l *Limiter) Clients() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.clients)
}

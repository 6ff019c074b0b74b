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
	// about 350 bytes each (BenchmarkLimiterFailed), 3.5 MB in all.
	DefaultClients = 10000
)

// LimiterConfig configures a Limiter; zero fields take the defaults.
type LimiterConfig struct {
	// Failures is how many failed logins a client may have within Window;
	// once it has had that many, it is refused until the oldest of them is
	// Window old. Zero means DefaultFailures.
	Failures int

	// Window is the span failed logins are counted over: a sliding
	// window, so that no burst at a window's edge doubles the rate. Zero
	// means DefaultWindow.
	Window time.Duration

	// Clients bounds the memory: when that many clients have failed within
	// the window and another fails, the one whose last failure is oldest is
	// forgotten, so a scanner with many addresses cannot make the limiter
	// grow without bound. Zero means DefaultClients.
	Clients int

	// Now replaces time.Now, for tests.
	Now func() time.Time
}

// Limiter counts failed logins per client and tells when a client has to
// wait. Only failures count: a user who logs in never waits, however many
// requests the browser sends.
//
// A client is an IPv4 address, or an IPv6 /64 network: one machine usually
// has a whole /64 to itself, and counting its addresses one by one would let
// it guess 2^64 times as fast.
//
// A Limiter is safe for concurrent use.
type Limiter struct {
	cfg LimiterConfig

	mu      sync.Mutex
	clients map[netip.Addr]*list.Element // of *failures
	order   *list.List                   // least recently failed first
}

// failures are one client's failed logins within the window, oldest first.
type failures struct {
	client netip.Addr
	times  []time.Time
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
	return &Limiter{cfg: cfg, clients: map[netip.Addr]*list.Element{}, order: list.New()}
}

// Blocked reports how long addr has to wait before its next login attempt
// is considered; zero means it may try now.
func (l *Limiter) Blocked(addr netip.Addr) time.Duration {
	now := l.cfg.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.clients[clientKey(addr)]
	if !ok {
		return 0
	}
	return l.wait(e.Value.(*failures), now)
}

// Failed records a failed login from addr and reports how long it now has
// to wait: zero while it has failed fewer than Failures times in the window.
func (l *Limiter) Failed(addr netip.Addr) time.Duration {
	now := l.cfg.Now()
	key := clientKey(addr)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.forgetExpired(now)
	e, ok := l.clients[key]
	if ok {
		l.order.MoveToBack(e)
	} else {
		if l.order.Len() >= l.cfg.Clients {
			oldest := l.order.Front()
			delete(l.clients, oldest.Value.(*failures).client)
			l.order.Remove(oldest)
		}
		e = l.order.PushBack(&failures{client: key, times: make([]time.Time, 0, l.cfg.Failures)})
		l.clients[key] = e
	}
	f := e.Value.(*failures)
	f.drop(now.Add(-l.cfg.Window))
	if len(f.times) == l.cfg.Failures {
		// Already blocked (a caller that did not ask Blocked first): keep
		// the newest failures.
		f.times = append(f.times[:0], f.times[1:]...)
	}
	f.times = append(f.times, now)
	return l.wait(f, now)
}

// wait is how long f's client has to wait at now.
func (l *Limiter) wait(f *failures, now time.Time) time.Duration {
	f.drop(now.Add(-l.cfg.Window))
	if len(f.times) < l.cfg.Failures {
		return 0
	}
	return f.times[0].Add(l.cfg.Window).Sub(now)
}

// drop forgets the failures at or before cutoff.
func (f *failures) drop(cutoff time.Time) {
	n := 0
	for n < len(f.times) && !f.times[n].After(cutoff) {
		n++
	}
	if n > 0 {
		f.times = append(f.times[:0], f.times[n:]...)
	}
}

// forgetExpired forgets the clients whose last failure is out of the window:
// they are at the front, since the list is kept in order of last failure.
func (l *Limiter) forgetExpired(now time.Time) {
	cutoff := now.Add(-l.cfg.Window)
	for e := l.order.Front(); e != nil; e = l.order.Front() {
		f := e.Value.(*failures)
		if len(f.times) > 0 && f.times[len(f.times)-1].After(cutoff) {
			return
		}
		delete(l.clients, f.client)
		l.order.Remove(e)
	}
}

// Clients reports how many clients the limiter remembers.
func (l *Limiter) Clients() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.order.Len()
}

// clientKey is what failures are counted by: the IPv4 address (an
// IPv4-mapped IPv6 address counts as the IPv4 one), or the IPv6 /64.
func clientKey(addr netip.Addr) netip.Addr {
	addr = addr.Unmap()
	if addr.Is6() {
		p, err := addr.WithZone("").Prefix(64)
		if err == nil {
			return p.Addr()
		}
	}
	return addr
}

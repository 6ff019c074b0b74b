package auth

import (
	"net/netip"
	"testing"
	"time"
)

// clock is a settable time for the limiter.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock                   { return &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }
func addr(s string) netip.Addr           { return netip.MustParseAddr(s) }
func failN(l *Limiter, a netip.Addr, n int) {
	for range n {
		l.Failed(a)
	}
}

func TestLimiterBlocksTheEleventh(t *testing.T) {
	c := newClock()
	l := NewLimiter(LimiterConfig{Now: c.now})
	a, b := addr("192.0.2.1"), addr("192.0.2.2")
	for i := 1; i <= 10; i++ {
		if w := l.Blocked(a); w != 0 {
			t.Fatalf("attempt %d blocked for %s", i, w)
		}
		w := l.Failed(a)
		if (i < 10) != (w == 0) {
			t.Fatalf("failure %d: wait %s", i, w)
		}
		c.advance(time.Second)
	}
	// The 11th, within the minute: blocked until the first failure is a
	// minute old.
	if w := l.Blocked(a); w != 50*time.Second {
		t.Errorf("11th attempt: wait %s, want 50s", w)
	}
	if w := l.Blocked(b); w != 0 {
		t.Errorf("another address waits %s", w)
	}
	c.advance(50 * time.Second)
	if w := l.Blocked(a); w != 0 {
		t.Errorf("a minute after the first failure: still waits %s", w)
	}
	// One failure expired: one more try, then blocked again.
	if w := l.Failed(a); w != time.Second {
		t.Errorf("failing again: wait %s, want 1s (until the second failure expires)", w)
	}
}

func TestLimiterSlidingWindow(t *testing.T) {
	c := newClock()
	l := NewLimiter(LimiterConfig{Now: c.now})
	a := addr("192.0.2.1")
	// 9 failures at the end of one minute, then more at the start of the
	// next: a fixed window would allow 19 in two seconds.
	failN(l, a, 9)
	c.advance(59 * time.Second)
	if w := l.Failed(a); w != time.Second {
		t.Errorf("10th failure: wait %s, want 1s", w)
	}
	c.advance(2 * time.Second)
	if w := l.Blocked(a); w != 0 {
		t.Errorf("the 9 old failures expired: still waits %s", w)
	}
}

func TestLimiterClients(t *testing.T) {
	c := newClock()
	l := NewLimiter(LimiterConfig{Failures: 2, Now: c.now})
	// An IPv6 /64 is one client; an IPv4-mapped address is its IPv4 one.
	l.Failed(addr("2001:db8:1:2::1"))
	if w := l.Failed(addr("2001:db8:1:2:ffff::9")); w == 0 {
		t.Error("two addresses of one /64 count apart")
	}
	if w := l.Blocked(addr("2001:db8:1:3::1")); w != 0 {
		t.Error("another /64 is blocked")
	}
	l.Failed(addr("::ffff:192.0.2.1"))
	if w := l.Failed(addr("192.0.2.1")); w == 0 {
		t.Error("an IPv4-mapped address counts apart from its IPv4 address")
	}
	if w := l.Blocked(addr("fe80::1%eth0")); w != 0 {
		t.Error("a zoned address is blocked")
	}
}

func TestLimiterBoundedMemory(t *testing.T) {
	c := newClock()
	l := NewLimiter(LimiterConfig{Failures: 3, Clients: 100, Now: c.now})
	victim := addr("198.51.100.7")
	failN(l, victim, 3)
	// A scanner fails from many addresses.
	for i := range 1000 {
		l.Failed(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}))
	}
	if n := l.Clients(); n != 100 {
		t.Errorf("%d clients remembered, want the bound 100", n)
	}
	// Clients out of the window are forgotten on the next failure.
	c.advance(2 * time.Minute)
	l.Failed(victim)
	if n := l.Clients(); n != 1 {
		t.Errorf("%d clients remembered after the window, want 1", n)
	}
}

func BenchmarkLimiterFailed(b *testing.B) {
	l := NewLimiter(LimiterConfig{})
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		i++
		l.Failed(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}))
	}
}

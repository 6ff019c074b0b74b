package auth

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// clock is a settable time for the limiter.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newClock() *clock         { return &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }
func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

// fail is one failed login from a (or device, when not ""): the wait
// Reserve refused it with, or the wait after its failure.
func fail(l *Limiter, a netip.Addr, device string) (refused bool, wait time.Duration) {
	done, wait := l.Reserve(a, device)
	if done == nil {
		return true, wait
	}
	return false, done(true)
}

func failN(t testing.TB, l *Limiter, a netip.Addr, n int) {
	t.Helper()
	for i := range n {
		if refused, wait := fail(l, a, ""); refused {
			t.Fatalf("%s: failure %d of %d refused (wait %s)", a, i+1, n, wait)
		}
	}
}

func TestLimiterBlocksTheEleventh(t *testing.T) {
	c := newClock()
	l := NewLimiter(LimiterConfig{Now: c.now})
	a, b := addr("192.0.2.1"), addr("192.0.2.2")
	for i := 1; i <= 10; i++ {
		refused, w := fail(l, a, "")
		if refused || (i < 10) != (w == 0) {
			t.Fatalf("failure %d: refused %v, wait %s", i, refused, w)
		}
		c.advance(time.Second)
	}
	// The 11th, within the minute: blocked until the first failure is a
	// minute old, and not counted.
	if w := l.Blocked(a, ""); w != 50*time.Second {
		t.Errorf("11th attempt: Blocked says %s, want 50s", w)
	}
	if done, w := l.Reserve(a, ""); done != nil || w != 50*time.Second {
		t.Errorf("11th attempt: Reserve says %s, want refused for 50s", w)
	}
	if w := l.Blocked(b, ""); w != 0 {
		t.Errorf("another address waits %s", w)
	}
	c.advance(50 * time.Second)
	if w := l.Blocked(a, ""); w != 0 {
		t.Errorf("a minute after the first failure: still waits %s", w)
	}
	// One failure expired: one more try, then blocked again.
	if refused, w := fail(l, a, ""); refused || w != time.Second {
		t.Errorf("failing again: refused %v, wait %s, want 1s (until the second failure expires)", refused, w)
	}
}

// TestLimiterCountsInFlight: attempts being checked count toward the
// limit, so guesses sent at once are not all checked; an attempt that
// succeeds, or is not checked after all, is forgotten.
func TestLimiterCountsInFlight(t *testing.T) {
	c := newClock()
	l := NewLimiter(LimiterConfig{Now: c.now})
	a := addr("192.0.2.1")
	var dones []func(bool) time.Duration
	for i := range 10 {
		done, w := l.Reserve(a, "")
		if done == nil {
			t.Fatalf("attempt %d refused (wait %s) with %d in flight", i+1, w, i)
		}
		dones = append(dones, done)
	}
	if done, w := l.Reserve(a, ""); done != nil || w != inFlightWait {
		t.Fatalf("11th attempt with 10 in flight: wait %s, want refused for %s", w, inFlightWait)
	}
	if w := l.Blocked(a, ""); w != 0 {
		t.Errorf("Blocked counts attempts in flight: %s", w)
	}
	// Five succeed (or were not checked): five more may come.
	for _, done := range dones[:5] {
		if w := done(false); w != 0 {
			t.Errorf("a success waits %s", w)
		}
	}
	dones[0](true) // a second call has no effect
	for range 5 {
		done, _ := l.Reserve(a, "")
		if done == nil {
			t.Fatal("a place freed by a success was not given")
		}
		dones = append(dones, done)
	}
	if done, _ := l.Reserve(a, ""); done != nil {
		t.Fatal("11th in flight admitted")
	}
	// The ten left fail: blocked for the window.
	for _, done := range dones[5:] {
		done(true)
	}
	if w := l.Blocked(a, ""); w != time.Minute {
		t.Errorf("after 10 failures: wait %s, want 1m", w)
	}
	// Successes leave nothing behind.
	b := addr("192.0.2.2")
	done, _ := l.Reserve(b, "")
	done(false)
	if n := l.Clients(); n != 1 {
		t.Errorf("%d clients remembered, want 1 (a success is forgotten)", n)
	}
}

// TestLimiterConcurrent: 200 attempts at once from one address get 10
// checks, however they interleave.
func TestLimiterConcurrent(t *testing.T) {
	l := NewLimiter(LimiterConfig{})
	a := addr("2001:db8::1")
	var admitted atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 200 {
		wg.Go(func() {
			<-start
			if done, _ := l.Reserve(a, ""); done != nil {
				admitted.Add(1)
				done(true)
			}
		})
	}
	close(start)
	wg.Wait()
	if n := admitted.Load(); n != DefaultFailures {
		t.Errorf("%d of 200 concurrent attempts admitted, want %d", n, DefaultFailures)
	}
}

func TestLimiterSlidingWindow(t *testing.T) {
	c := newClock()
	l := NewLimiter(LimiterConfig{Now: c.now})
	a := addr("192.0.2.1")
	// 9 failures at the end of one minute, then more at the start of the
	// next: a fixed window would allow 19 in two seconds.
	failN(t, l, a, 9)
	c.advance(59 * time.Second)
	if _, w := fail(l, a, ""); w != time.Second {
		t.Errorf("10th failure: wait %s, want 1s", w)
	}
	c.advance(2 * time.Second)
	if w := l.Blocked(a, ""); w != 0 {
		t.Errorf("the 9 old failures expired: still waits %s", w)
	}
}

func TestLimiterClients(t *testing.T) {
	c := newClock()
	l := NewLimiter(LimiterConfig{Failures: 2, Now: c.now})
	// An IPv6 /64 is one client; an IPv4-mapped address is its IPv4 one.
	fail(l, addr("2001:db8:1:2::1"), "")
	if _, w := fail(l, addr("2001:db8:1:2:ffff::9"), ""); w == 0 {
		t.Error("two addresses of one /64 count apart")
	}
	if w := l.Blocked(addr("2001:db8:1:3::1"), ""); w != 0 {
		t.Error("another /64 is blocked")
	}
	fail(l, addr("::ffff:192.0.2.1"), "")
	if _, w := fail(l, addr("192.0.2.1"), ""); w == 0 {
		t.Error("an IPv4-mapped address counts apart from its IPv4 address")
	}
	if w := l.Blocked(addr("fe80::1%eth0"), ""); w != 0 {
		t.Error("a zoned address is blocked")
	}
}

// TestLimiterDevice: a device is counted apart from its address, both
// ways.
func TestLimiterDevice(t *testing.T) {
	c := newClock()
	l := NewLimiter(LimiterConfig{Failures: 2, Now: c.now})
	a := addr("192.0.2.1")
	failN(t, l, a, 2)
	if done, w := l.Reserve(a, "ann's laptop"); done == nil {
		t.Fatalf("a device at a blocked address refused for %s", w)
	} else if w := done(true); w != 0 {
		t.Errorf("the device's first failure: wait %s", w)
	}
	if _, w := fail(l, a, "ann's laptop"); w == 0 {
		t.Error("the device's second failure did not block it")
	}
	if w := l.Blocked(a, "bob's laptop"); w != 0 {
		t.Errorf("another device waits %s", w)
	}
	if w := l.Blocked(addr("192.0.2.2"), ""); w != 0 {
		t.Errorf("the device's failures block another address for %s", w)
	}
}

// TestLimiterWideIPv6: the /64s of one /56 or /48 add up, at 4 and 16
// times the limit, so one /64 cannot block its neighbours but an attacker
// owning the wider network cannot guess from each of its /64s.
func TestLimiterWideIPv6(t *testing.T) {
	c := newClock()
	l := NewLimiter(LimiterConfig{Failures: 2, Now: c.now})
	// One /64 blocked: its /56 neighbour is not.
	failN(t, l, addr("2001:db8:0:1::1"), 2)
	if w := l.Blocked(addr("2001:db8:0:2::1"), ""); w != 0 {
		t.Errorf("a /64 blocks its /56 neighbour for %s", w)
	}
	// Four /64s of the /56 fail twice (8 = 4 x 2): the /56 is blocked.
	for i := 2; i <= 4; i++ {
		failN(t, l, netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, byte(i), 15: 1}), 2)
	}
	if refused, _ := fail(l, addr("2001:db8:0:ff::1"), ""); !refused {
		t.Error("a fifth /64 of a /56 with 8 failures was checked")
	}
	if w := l.Blocked(addr("2001:db8:0:100::1"), ""); w != 0 {
		t.Errorf("another /56 of the /48 blocked for %s", w)
	}
	// Every /56 of the /48 fails from new /64s: 32 failures (16 x 2) block
	// the /48.
	checked := 8
	for i := 1; i < 256 && checked < 40; i++ {
		for j := range 4 {
			a := netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 0, byte(i), byte(j), 15: 1})
			if refused, _ := fail(l, a, ""); !refused {
				checked++
			}
		}
	}
	if checked != 32 {
		t.Errorf("%d failures checked from one /48, want 32", checked)
	}
	if w := l.Blocked(addr("2001:db8:0:ffff::1"), ""); w == 0 {
		t.Error("the /48 is not blocked")
	}
	if w := l.Blocked(addr("2001:db8:1::1"), ""); w != 0 {
		t.Errorf("another /48 blocked for %s", w)
	}
}

// TestLimiterKeepsBlocked: a flood of failures from new IPv4 addresses and
// IPv6 networks, ten times the table, does not make the limiter forget a
// blocked client, and memory stays bounded.
func TestLimiterKeepsBlocked(t *testing.T) {
	c := newClock()
	l := NewLimiter(LimiterConfig{Failures: 3, Clients: 100, Now: c.now})
	v4, v6 := addr("198.51.100.7"), addr("2001:db8:aaaa:1::7")
	failN(t, l, v4, 3)
	failN(t, l, v6, 3)
	for i := range 1000 {
		fail(l, netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), "")
		// A new /48 each time, and new /64s of one /48.
		fail(l, netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, byte(i >> 8), byte(i), 15: 1}), "")
		fail(l, netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0xbb, 0xbb, byte(i >> 8), byte(i), 15: 1}), "")
		if n := l.Clients(); n > 100 {
			t.Fatalf("%d clients remembered, more than the bound 100", n)
		}
	}
	for _, a := range []netip.Addr{v4, v6} {
		if w := l.Blocked(a, ""); w == 0 {
			t.Errorf("%s forgotten in the flood", a)
		}
	}
	// Clients out of the window are forgotten on the next attempt.
	c.advance(2 * time.Minute)
	fail(l, v4, "")
	if n := l.Clients(); n != 1 {
		t.Errorf("%d clients remembered after the window, want 1", n)
	}
}

// TestLimiterFullOfBlocked: when every remembered client is blocked, a new
// one is refused rather than one of them forgotten, until a block ends.
func TestLimiterFullOfBlocked(t *testing.T) {
	c := newClock()
	l := NewLimiter(LimiterConfig{Failures: 1, Clients: 10, Now: c.now})
	for i := range 10 {
		failN(t, l, netip.AddrFrom4([4]byte{10, 0, 0, byte(i)}), 1)
		c.advance(time.Second)
	}
	newcomer := addr("192.0.2.1")
	done, w := l.Reserve(newcomer, "")
	if done != nil || w != 50*time.Second {
		t.Fatalf("a new client with the table full of blocked ones: wait %s, want refused for 50s (until the first block ends)", w)
	}
	for i := range 10 {
		if w := l.Blocked(netip.AddrFrom4([4]byte{10, 0, 0, byte(i)}), ""); w == 0 {
			t.Errorf("10.0.0.%d forgotten", i)
		}
	}
	c.advance(50 * time.Second)
	if refused, _ := fail(l, newcomer, ""); refused {
		t.Error("a new client refused after a block ended")
	}
	if w := l.Blocked(addr("10.0.0.0"), ""); w != 0 {
		t.Error("the client whose block ended is still blocked")
	}
	if n := l.Clients(); n != 10 {
		t.Errorf("%d clients remembered, want 10", n)
	}
}

// BenchmarkLimiterFailed is a failed login from a new address each time:
// the table fills up to DefaultClients, then forgets one for each new one.
func BenchmarkLimiterFailed(b *testing.B) {
	l := NewLimiter(LimiterConfig{})
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		i++
		if done, _ := l.Reserve(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), ""); done != nil {
			done(true)
		}
	}
}

// BenchmarkLimiterFailedIPv6 is BenchmarkLimiterFailed from a new /64 of a
// new /48 each time (three entries each).
func BenchmarkLimiterFailedIPv6(b *testing.B) {
	l := NewLimiter(LimiterConfig{})
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		i++
		a := netip.AddrFrom16([16]byte{0x20, 0x01, byte(i >> 16), byte(i >> 8), byte(i), 15: 1})
		if done, _ := l.Reserve(a, ""); done != nil {
			done(true)
		}
	}
}

// BenchmarkLimiterReserve is a login that succeeds: reserved, then
// released, leaving nothing.
func BenchmarkLimiterReserve(b *testing.B) {
	l := NewLimiter(LimiterConfig{})
	a := addr("192.0.2.1")
	b.ReportAllocs()
	for b.Loop() {
		done, _ := l.Reserve(a, "")
		done(false)
	}
}

// BenchmarkLimiterBlocked is the check of a blocked address.
func BenchmarkLimiterBlocked(b *testing.B) {
	l := NewLimiter(LimiterConfig{})
	a := addr("192.0.2.1")
	failN(b, l, a, 10)
	b.ReportAllocs()
	for b.Loop() {
		l.Blocked(a, "")
	}
}

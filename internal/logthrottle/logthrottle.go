// Package logthrottle keeps a flood of like events (one client's failed
// handshakes, refused logins, refused connections) from flooding the log:
// the first event of each key in a window is logged, the rest are only
// counted, and the memory this takes is bounded by a cap on the keys.
package logthrottle

import (
	"sync"
	"time"
)

// Throttle decides which events to log. Its windows are shared by all keys:
// a window starts with the first event after the previous one ended, and
// every key starts afresh with it, so that the memory is freed at once,
// without sweeps. A key thus gets one event logged per window (two at most
// within any stretch of a window's length). Events of keys past the cap
// are counted and not logged until the window ends: by then the log has
// already said what is going on.
//
// A Throttle is safe for concurrent use.
type Throttle struct {
	window  time.Duration
	maxKeys int

	mu   sync.Mutex
	cur  Window
	keys map[string]int // key -> its events not logged in the current window
}

// Window is what a Throttle did not log in one window.
type Window struct {
	// Start is when the window started: the time of its first event.
	Start time.Time
	// Suppressed is how many events were not logged.
	Suppressed int
	// Keys is how many keys had events not logged, keys past the cap not
	// included.
	Keys int
}

// New returns a Throttle with windows of the given length, remembering at
// most maxKeys keys (at least 1) a window.
func New(window time.Duration, maxKeys int) *Throttle {
	return &Throttle{window: window, maxKeys: max(maxKeys, 1), keys: make(map[string]int)}
}

// Event notes an event of key at now and reports whether it is the key's
// first in the current window, to be logged. If the event starts a new
// window, ended is the previous one (zero before the first), so that the
// caller can log what was left out.
func (t *Throttle) Event(now time.Time, key string) (first bool, ended Window) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cur.Start.IsZero() || now.Sub(t.cur.Start) >= t.window {
		ended, t.cur = t.cur, Window{Start: now}
		clear(t.keys)
	}
	n, seen := t.keys[key]
	switch {
	case seen:
		if n == 0 {
			t.cur.Keys++
		}
		t.keys[key] = n + 1
	case len(t.keys) < t.maxKeys:
		t.keys[key] = 0
		return true, ended
	}
	t.cur.Suppressed++
	return false, ended
}

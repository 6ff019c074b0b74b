package server

import (
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"
)

// blockAfterOne is a LoginLimiter that blocks a client after one failure.
type blockAfterOne struct{ failed bool }

func (l *blockAfterOne) Reserve(netip.Addr, string) (func(bool) time.Duration, time.Duration) {
	if l.failed {
		return nil, time.Minute
	}
	return func(failed bool) time.Duration { l.failed = l.failed || failed; return 0 }, 0
}
func (l *blockAfterOne) Blocked(netip.Addr, string) time.Duration { return 0 }

// TestBasicAuthOnRefused: OnRefused hears of a wrong password (401) and of
// a blocked client (429), and of nothing for a good login.
func TestBasicAuthOnRefused(t *testing.T) {
	var got []string
	mw := NewBasicAuth(BasicAuthConfig{Users: &fakeUsers{}, Limiter: &blockAfterOne{}, OnRefused: func(r string) { got = append(got, r) }})
	h := mw(text(200, "ok"))
	for _, c := range []struct {
		password string
		want     int
	}{{"right", 200}, {"wrong", 401}, {"wrong", 429}} {
		r := tlsRequest("GET", "/", "192.0.2.7:1")
		r.SetBasicAuth("ann", c.password)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != c.want {
			t.Fatalf("password %q: %d, want %d", c.password, w.Code, c.want)
		}
	}
	if len(got) != 2 || got[0] != LoginFailed || got[1] != LoginBlocked {
		t.Fatalf("OnRefused heard %v, want [%s %s]", got, LoginFailed, LoginBlocked)
	}
}

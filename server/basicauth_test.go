package server

import (
	"bytes"
	"crypto/tls"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// fakeUsers lets ann in with "right".
type fakeUsers struct{ checks int }

func (f *fakeUsers) Authenticate(user, password string) bool {
	f.checks++
	return user == "ann" && password == "right"
}

// fakeLimiter blocks an address after two failures.
type fakeLimiter map[netip.Addr]int

func (f fakeLimiter) Blocked(a netip.Addr) time.Duration {
	if f[a] >= 2 {
		return 1500 * time.Millisecond
	}
	return 0
}

func (f fakeLimiter) Failed(a netip.Addr) time.Duration { f[a]++; return f.Blocked(a) }

// tlsRequest is a request as it arrives over HTTPS from addr.
func tlsRequest(method, target, addr string) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	r.TLS = &tls.ConnectionState{}
	r.RemoteAddr = addr
	return r
}

func TestBasicAuth(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("data")) })
	tests := []struct {
		name    string
		prepare func(r *http.Request, l fakeLimiter)
		// want is the status; a 401 must carry the challenge.
		want int
		// wantChecks is how many passwords were checked.
		wantChecks int
		wantLog    string
	}{
		{"no credentials", func(*http.Request, fakeLimiter) {}, 401, 0, ""},
		{"right password", func(r *http.Request, _ fakeLimiter) { r.SetBasicAuth("ann", "right") }, 200, 1, ""},
		{"wrong password", func(r *http.Request, _ fakeLimiter) { r.SetBasicAuth("ann", "wrong") }, 401, 1,
			`msg="login failed" addr=192.0.2.7 user=ann`},
		{"unknown user", func(r *http.Request, _ fakeLimiter) { r.SetBasicAuth("eve", "right") }, 401, 1,
			`msg="login failed" addr=192.0.2.7 user=eve`},
		{"not Basic", func(r *http.Request, _ fakeLimiter) { r.Header.Set("Authorization", "Bearer abc") }, 401, 0, ""},
		{"failure that blocks", func(r *http.Request, l fakeLimiter) {
			r.SetBasicAuth("ann", "wrong")
			l[netip.MustParseAddr("192.0.2.7")] = 1
		}, 401, 1, `msg="login failed; address blocked" addr=192.0.2.7 user=ann retry_after=2`},
		{"blocked, even with the right password", func(r *http.Request, l fakeLimiter) {
			r.SetBasicAuth("ann", "right")
			l[netip.MustParseAddr("192.0.2.7")] = 2
		}, 429, 0, ""},
		{"blocked as IPv4-mapped", func(r *http.Request, l fakeLimiter) {
			r.SetBasicAuth("ann", "right")
			r.RemoteAddr = "[::ffff:192.0.2.7]:4444"
			l[netip.MustParseAddr("192.0.2.7")] = 2
		}, 429, 0, ""},
		{"another address is not blocked", func(r *http.Request, l fakeLimiter) {
			r.SetBasicAuth("ann", "right")
			l[netip.MustParseAddr("192.0.2.8")] = 2
		}, 200, 1, ""},
		{"plain HTTP", func(r *http.Request, _ fakeLimiter) { r.TLS = nil; r.SetBasicAuth("ann", "right") }, 403, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			users, limiter := &fakeUsers{}, fakeLimiter{}
			var logs bytes.Buffer
			h := BasicAuth(users, limiter, slog.New(slog.NewTextHandler(&logs, nil)))(ok)
			r := tlsRequest("GET", "/apps/app1", "192.0.2.7:4444")
			tt.prepare(r, limiter)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.want {
				t.Fatalf("status %d, want %d", w.Code, tt.want)
			}
			challenge := w.Header().Get("WWW-Authenticate")
			if (w.Code == 401) != (challenge == `Basic realm="dashbox", charset="UTF-8"`) {
				t.Errorf("status %d with WWW-Authenticate %q", w.Code, challenge)
			}
			if w.Code != 200 && strings.Contains(w.Body.String(), "data") {
				t.Errorf("status %d with the page's body", w.Code)
			}
			if w.Code == 429 {
				if ra := w.Header().Get("Retry-After"); ra != "2" {
					t.Errorf("Retry-After %q, want 2 (1.5s rounded up)", ra)
				}
			}
			if users.checks != tt.wantChecks {
				t.Errorf("%d password checks, want %d", users.checks, tt.wantChecks)
			}
			if !strings.Contains(logs.String(), tt.wantLog) || (tt.wantLog == "" && logs.Len() > 0) {
				t.Errorf("log %q, want %q", logs.String(), tt.wantLog)
			}
			if strings.Contains(logs.String(), "wrong") || strings.Contains(logs.String(), "right") {
				t.Errorf("the log holds the password: %q", logs.String())
			}
		})
	}
}

// TestBasicAuthUserInAccessLog: the access log's $remote_user is the
// authenticated user, and stays "-" for a failed login.
func TestBasicAuthUserInAccessLog(t *testing.T) {
	var log bytes.Buffer
	h := AccessLog(&log)(BasicAuth(&fakeUsers{}, nil, nil)(http.NotFoundHandler()))
	for _, user := range []string{"ann", "eve"} {
		r := tlsRequest("GET", "/x", "192.0.2.7:4444")
		r.SetBasicAuth(user, "right")
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "192.0.2.7 - ann [") || !strings.HasPrefix(lines[1], "192.0.2.7 - - [") {
		t.Errorf("access log:\n%s\nwant ann on the first line and - on the second", log.String())
	}
}

// TestSetLogUserThroughWrappers: the user reaches the access log through a
// middleware that wraps the response writer with Unwrap.
func TestSetLogUserThroughWrappers(t *testing.T) {
	sw := &statusWriter{ResponseWriter: httptest.NewRecorder()}
	setLogUser(&unwrapper{sw}, "ann")
	if sw.user != "ann" {
		t.Errorf("user %q, want ann", sw.user)
	}
	setLogUser(httptest.NewRecorder(), "ann") // no access log: nothing to do
}

type unwrapper struct{ http.ResponseWriter }

func (u *unwrapper) Unwrap() http.ResponseWriter { return u.ResponseWriter }

package server

import (
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/testenv"

	"github.com/dashbox/dashbox/auth"
	"golang.org/x/crypto/bcrypt"
)

// fakeUsers lets ann in with "right" and bob with "bob", and counts the
// password checks; verified are the credentials it verified before.
type fakeUsers struct {
	checks   int
	verified map[[2]string]bool
}

func (f *fakeUsers) Authenticate(user, password string) bool {
	f.checks++
	return user == "ann" && password == "right" || user == "bob" && password == "bob"
}

func (f *fakeUsers) Verified(user, password string) bool {
	return f.verified[[2]string{user, password}]
}

// fakeLimiter blocks an address after two failures.
type fakeLimiter map[netip.Addr]int

func (f fakeLimiter) Blocked(a netip.Addr, _ string) time.Duration {
	if f[a] >= 2 {
		return 1500 * time.Millisecond
	}
	return 0
}

func (f fakeLimiter) Reserve(a netip.Addr, device string) (func(bool) time.Duration, time.Duration) {
	if w := f.Blocked(a, device); w > 0 {
		return nil, w
	}
	return func(failed bool) time.Duration {
		if failed {
			f[a]++
		}
		return f.Blocked(a, device)
	}, 0
}

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
		}, 429, 0, `msg="logins refused: client blocked after failed logins" refused=1 addr=192.0.2.7 user=ann retry_after=2`},
		{"blocked as IPv4-mapped", func(r *http.Request, l fakeLimiter) {
			r.SetBasicAuth("ann", "right")
			r.RemoteAddr = "[::ffff:192.0.2.7]:4444"
			l[netip.MustParseAddr("192.0.2.7")] = 2
		}, 429, 0, "refused=1 addr=192.0.2.7 user=ann"},
		{"another address is not blocked", func(r *http.Request, l fakeLimiter) {
			r.SetBasicAuth("ann", "right")
			l[netip.MustParseAddr("192.0.2.8")] = 2
		}, 200, 1, ""},
		{"plain HTTP", func(r *http.Request, _ fakeLimiter) { r.TLS = nil; r.SetBasicAuth("ann", "right") }, 403, 0, ""},
		{"verified before", func(r *http.Request, _ fakeLimiter) { r.SetBasicAuth("bob", "bob") }, 200, 0, ""},
		{"verified before, blocked", func(r *http.Request, l fakeLimiter) {
			r.SetBasicAuth("bob", "bob")
			l[netip.MustParseAddr("192.0.2.7")] = 2
		}, 429, 0, `msg="logins refused: client blocked after failed logins" refused=1 addr=192.0.2.7 user=bob retry_after=2`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			users, limiter := &fakeUsers{verified: map[[2]string]bool{{"bob", "bob"}: true}}, fakeLimiter{}
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
			if w.Code == 200 && !strings.HasPrefix(w.Header().Get("Set-Cookie"), DeviceCookie+"=") {
				t.Errorf("logged in without a device cookie: %q", w.Header().Get("Set-Cookie"))
			}
			if w.Code != 200 && w.Header().Get("Set-Cookie") != "" {
				t.Errorf("status %d with a cookie", w.Code)
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

// countingUsers counts the password checks of the Authenticator it wraps.
type countingUsers struct {
	Authenticator
	checks atomic.Int32
}

func (c *countingUsers) Authenticate(user, password string) bool {
	c.checks.Add(1)
	return c.Authenticator.Authenticate(user, password)
}

// realUsers is an auth.Htpasswd with ann (password "right") at bcrypt's
// lowest cost, behind a check counter.
func realUsers(t *testing.T) *countingUsers {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte("right"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "htpasswd")
	if err := os.WriteFile(path, []byte("ann:"+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h, err := auth.OpenHtpasswd(path, auth.Options{PollInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return &countingUsers{Authenticator: h}
}

var (
	_ LoginLimiter  = (*auth.Limiter)(nil)
	_ Authenticator = (*auth.Htpasswd)(nil)
)

// TestBasicAuthConcurrentGuesses: 200 wrong passwords sent at once from
// one address, as over a few HTTP/2 connections, get at most 10 password
// checks (exactly 10 when the checks are not capped), each a 401; the rest
// are refused, 429 or 503, with Retry-After.
func TestBasicAuthConcurrentGuesses(t *testing.T) {
	for _, maxChecks := range []int{0, 200} {
		t.Run(fmt.Sprintf("MaxChecks=%d", maxChecks), func(t *testing.T) {
			users := realUsers(t)
			var logs testenv.SyncBuffer
			h := NewBasicAuth(BasicAuthConfig{Users: users, Limiter: auth.NewLimiter(auth.LimiterConfig{}),
				Logger: slog.New(slog.NewTextHandler(&logs, nil)), MaxChecks: maxChecks})(http.NotFoundHandler())
			start := make(chan struct{})
			var wg sync.WaitGroup
			var mu sync.Mutex
			statuses := map[int]int{}
			for i := range 200 {
				wg.Go(func() {
					r := tlsRequest("GET", "/apps/app0", fmt.Sprintf("[2001:db8::%x]:4444", i))
					r.SetBasicAuth("ann", fmt.Sprint("guess", i))
					w := httptest.NewRecorder()
					<-start
					h.ServeHTTP(w, r)
					if w.Code != 401 && w.Header().Get("Retry-After") == "" {
						t.Errorf("status %d without Retry-After", w.Code)
					}
					mu.Lock()
					statuses[w.Code]++
					mu.Unlock()
				})
			}
			close(start)
			wg.Wait()
			checks := int(users.checks.Load())
			if checks > auth.DefaultFailures || maxChecks == 200 && checks != auth.DefaultFailures {
				t.Errorf("%d passwords checked, want at most %d", checks, auth.DefaultFailures)
			}
			if statuses[401] != checks || statuses[401]+statuses[429]+statuses[503] != 200 {
				t.Errorf("statuses %v for %d checks", statuses, checks)
			}
			if n := strings.Count(logs.String(), `msg="login failed`); n != checks {
				t.Errorf("%d failures logged for %d checks:\n%s", n, checks, logs.String())
			}
			if n := strings.Count(logs.String(), "\n"); n > checks+2 {
				t.Errorf("%d log lines for %d checks: refusals are not aggregated:\n%s", n, checks, logs.String())
			}
			// After 10 failures (fewer when the cap turned some away with
			// 503), blocked, even with the right password.
			r := tlsRequest("GET", "/apps/app0", "[2001:db8::1]:4444")
			r.SetBasicAuth("ann", "right")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if checks == auth.DefaultFailures && w.Code != 429 {
				t.Errorf("the right password after 10 failed guesses: %d, want 429", w.Code)
			}
		})
	}
}

// slowUsers holds each password check until released.
type slowUsers struct {
	fakeUsers
	started, release chan struct{}
}

func (s *slowUsers) Authenticate(user, password string) bool {
	s.started <- struct{}{}
	<-s.release
	return s.fakeUsers.Authenticate(user, password)
}

// TestBasicAuthBusy: beyond MaxChecks checks at once, a login gets 503
// with Retry-After, its password unchecked and the attempt not counted
// against its address; credentials verified before still get in; busy
// refusals are logged once a minute, with their count.
func TestBasicAuthBusy(t *testing.T) {
	users := &slowUsers{fakeUsers: fakeUsers{verified: map[[2]string]bool{{"bob", "bob"}: true}},
		started: make(chan struct{}), release: make(chan struct{})}
	limiter := auth.NewLimiter(auth.LimiterConfig{Failures: 2})
	var logs testenv.SyncBuffer
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	h := NewBasicAuth(BasicAuthConfig{Users: users, Limiter: limiter, Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		MaxChecks: 1, Now: func() time.Time { return now }})(http.NotFoundHandler())
	serve := func(user, password, addr string) *httptest.ResponseRecorder {
		r := tlsRequest("GET", "/apps/app0", addr)
		r.SetBasicAuth(user, password)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	first := make(chan int)
	go func() { first <- serve("ann", "wrong", "192.0.2.1:1").Code }()
	<-users.started // the first check holds the only place
	for range 5 {
		w := serve("ann", "right", "192.0.2.2:1")
		if w.Code != 503 || w.Header().Get("Retry-After") != "1" || !strings.Contains(w.Body.String(), "try again") {
			t.Fatalf("a login while the only place is taken: %d, Retry-After %q, %q; want 503, 1",
				w.Code, w.Header().Get("Retry-After"), w.Body.String())
		}
	}
	if w := serve("bob", "bob", "192.0.2.2:1"); w.Code != 404 {
		t.Errorf("credentials verified before, while busy: %d, want through (404)", w.Code)
	}
	users.release <- struct{}{}
	if code := <-first; code != 401 {
		t.Errorf("the check holding the place: %d, want 401", code)
	}
	if users.checks != 1 {
		t.Errorf("%d passwords checked, want 1", users.checks)
	}
	if w := limiter.Blocked(netip.MustParseAddr("192.0.2.2"), ""); w != 0 || limiter.Clients() != 1 {
		t.Errorf("the busy refusals were counted: 192.0.2.2 waits %s, %d clients remembered", w, limiter.Clients())
	}
	if n := strings.Count(logs.String(), "too many passwords being checked"); n != 1 || !strings.Contains(logs.String(), "refused=1 addr=192.0.2.2") {
		t.Errorf("busy refusals logged %d times, want once:\n%s", n, logs.String())
	}
	// A minute on, the next refusal is logged with the four not logged yet.
	now = now.Add(time.Minute)
	go func() { first <- serve("ann", "wrong", "192.0.2.1:1").Code }()
	<-users.started
	if w := serve("ann", "right", "192.0.2.2:1"); w.Code != 503 {
		t.Errorf("status %d, want 503", w.Code)
	}
	users.release <- struct{}{}
	<-first
	if !strings.Contains(logs.String(), "refused=5 addr=192.0.2.2") {
		t.Errorf("the refusals of the last minute are not counted in the next line:\n%s", logs.String())
	}
}

// TestBasicAuthDeviceCookie: a browser that logged in gets a device
// cookie; with it, it logs in from an address others' failures blocked,
// as the user it names only; a forged, expired or another user's cookie
// does not help, and the device's own failures block the device.
func TestBasicAuthDeviceCookie(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := func() time.Time { return now }
	limiter := auth.NewLimiter(auth.LimiterConfig{Failures: 3, Now: clock})
	users := &fakeUsers{}
	h := NewBasicAuth(BasicAuthConfig{Users: users, Limiter: limiter, Now: clock})(http.NotFoundHandler())
	const office = "192.0.2.7:4444"
	login := func(user, password, addr string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
		r := tlsRequest("GET", "/apps/app0", addr)
		r.SetBasicAuth(user, password)
		for _, c := range cookies {
			r.AddCookie(c)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	cookieOf := func(w *httptest.ResponseRecorder) *http.Cookie {
		t.Helper()
		cs := w.Result().Cookies()
		if len(cs) != 1 || cs[0].Name != DeviceCookie {
			t.Fatalf("cookies %q, want one %s", w.Header()["Set-Cookie"], DeviceCookie)
		}
		c := cs[0]
		if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Domain != "" || c.MaxAge != 30*24*3600 {
			t.Errorf("cookie %q, want HttpOnly, Secure, SameSite=Strict, Path=/, no Domain, 30 days", w.Header().Get("Set-Cookie"))
		}
		return &http.Cookie{Name: c.Name, Value: c.Value}
	}
	blockOffice := func() {
		t.Helper()
		for range 3 {
			login("ann", "guess", office)
		}
		if w := login("ann", "right", office); w.Code != 429 {
			t.Fatalf("the office is not blocked: %d", w.Code)
		}
	}

	ann := cookieOf(login("ann", "right", office))
	bob := cookieOf(login("bob", "bob", "198.51.100.1:1"))
	if w := login("ann", "right", office, ann); w.Header().Get("Set-Cookie") != "" {
		t.Errorf("a fresh cookie is issued again: %q", w.Header().Get("Set-Cookie"))
	}
	blockOffice()

	if w := login("ann", "right", office, ann); w.Code != 404 {
		t.Errorf("ann with her cookie, from the blocked office: %d, want through (404)", w.Code)
	}
	forged := func(c *http.Cookie, f func(string) string) *http.Cookie {
		return &http.Cookie{Name: c.Name, Value: f(c.Value)}
	}
	enc := base64.RawURLEncoding.EncodeToString
	for _, tt := range []struct {
		name   string
		user   string
		pass   string
		cookie *http.Cookie
	}{
		{"bob's cookie for ann", "ann", "right", bob},
		{"ann's cookie for bob", "bob", "bob", ann},
		{"MAC changed", "ann", "right", forged(ann, func(v string) string {
			if v[len(v)-2] == 'A' {
				return v[:len(v)-2] + "B" + v[len(v)-1:]
			}
			return v[:len(v)-2] + "A" + v[len(v)-1:]
		})},
		{"issue time changed", "ann", "right", forged(ann, func(v string) string {
			p := strings.Split(v, ".")
			return p[0] + "." + fmt.Sprint(now.Unix()+1) + "." + p[2]
		})},
		{"bob's cookie renamed ann", "ann", "right", forged(bob, func(v string) string {
			return enc([]byte("ann")) + v[strings.Index(v, "."):]
		})},
		{"no MAC", "ann", "right", forged(ann, func(v string) string { return v[:strings.LastIndex(v, ".")] })},
		{"garbage", "ann", "right", &http.Cookie{Name: DeviceCookie, Value: strings.Repeat("A.", 2000)}},
	} {
		if w := login(tt.user, tt.pass, office, tt.cookie); w.Code != 429 {
			t.Errorf("%s, from the blocked office: %d, want 429", tt.name, w.Code)
		}
	}

	// The device's own failures block the device, not the address.
	checks := users.checks
	for range 3 {
		if w := login("ann", "typo", office, ann); w.Code != 401 {
			t.Fatalf("a wrong password with ann's cookie: %d, want 401", w.Code)
		}
	}
	if users.checks != checks+3 {
		t.Errorf("%d checks for 3 wrong passwords with the cookie", users.checks-checks)
	}
	if w := login("ann", "right", office, ann); w.Code != 429 {
		t.Errorf("ann's device after 3 failures: %d, want 429", w.Code)
	}

	// A day later the cookie is renewed; 30 days after it was issued it
	// is no longer valid.
	now = now.Add(25 * time.Hour)
	if w := login("ann", "right", office, ann); w.Code != 404 || !strings.HasPrefix(w.Header().Get("Set-Cookie"), DeviceCookie+"=") {
		t.Errorf("ann a day later: %d, Set-Cookie %q; want through with a new cookie", w.Code, w.Header().Get("Set-Cookie"))
	}
	now = now.Add(DeviceCookieMaxAge)
	blockOffice()
	if w := login("ann", "right", office, ann); w.Code != 429 {
		t.Errorf("an expired cookie, from the blocked office: %d, want 429", w.Code)
	}
}

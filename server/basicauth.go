package server

import (
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"time"
)

// Realm is the protection space of HTTP Basic authentication: browsers show
// it in the login prompt and send the same credentials to every page in it.
const Realm = "dashbox"

// Authenticator decides whether a user name and password may log in. The
// auth package's Htpasswd is one.
type Authenticator interface {
	Authenticate(user, password string) bool
}

// LoginLimiter slows password guessing down per client address. The auth
// package's Limiter is one.
type LoginLimiter interface {
	// Blocked reports how long addr must wait before its next login
	// attempt is considered; zero means now.
	Blocked(addr netip.Addr) time.Duration
	// Failed records a failed login from addr and reports how long it must
	// now wait.
	Failed(addr netip.Addr) time.Duration
}

// The WWW-Authenticate challenge, shared by every 401 (see securityheaders.go
// on sharing header slices). charset="UTF-8" tells browsers to send
// non-ASCII names and passwords as UTF-8, which is what htpasswd files hold.
var challengeValue = []string{`Basic realm="` + Realm + `", charset="UTF-8"`}

// BasicAuth lets a request through only with the user name and password of
// one of users (HTTP Basic authentication, RFC 7617), and records the user
// for the access log. Without credentials, or with wrong ones, the answer is
// 401 with a challenge, on which browsers ask for a login.
//
// It serves HTTPS only: a request that did not come over TLS is refused with
// 403 and no challenge, so no browser is ever asked to send a password in
// clear text (the plain-HTTP listener only redirects, and never reaches it).
//
// Failed logins are counted per client address by limiter (nil counts
// nothing); a client that failed too often gets 429 with Retry-After, and
// its password is not even checked, so guessing stops costing the server
// bcrypt work. A correct password is refused too while blocked: otherwise
// the limit would still tell a guesser when a guess was right. Each failure
// is logged with the address and the user name, never the password. The
// client address is the connection's: no X-Forwarded-For is believed.
func BasicAuth(users Authenticator, limiter LoginLimiter, logger *slog.Logger) func(http.Handler) http.Handler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.TLS == nil {
				http.Error(w, "403 Forbidden: HTTPS only", http.StatusForbidden)
				return
			}
			user, password, ok := r.BasicAuth()
			if !ok {
				unauthorized(w)
				return
			}
			addr := clientAddr(r)
			if limiter != nil {
				if wait := limiter.Blocked(addr); wait > 0 {
					tooManyFailures(w, wait)
					return
				}
			}
			if !users.Authenticate(user, password) {
				var wait time.Duration
				if limiter != nil {
					wait = limiter.Failed(addr)
				}
				if wait > 0 {
					logger.Warn("login failed; address blocked", "addr", addr.String(), "user", user, "retry_after", retryAfter(wait))
				} else {
					logger.Warn("login failed", "addr", addr.String(), "user", user)
				}
				unauthorized(w)
				return
			}
			setLogUser(w, user)
			next.ServeHTTP(w, r)
		})
	}
}

// unauthorized answers 401 with the challenge.
func unauthorized(w http.ResponseWriter) {
	w.Header()["Www-Authenticate"] = challengeValue
	http.Error(w, "401 Unauthorized: log in with your dashbox user name and password", http.StatusUnauthorized)
}

// tooManyFailures answers 429 with Retry-After in whole seconds.
func tooManyFailures(w http.ResponseWriter, wait time.Duration) {
	secs := retryAfter(wait)
	w.Header().Set("Retry-After", secs)
	http.Error(w, "429 Too Many Requests: too many failed logins from your address; try again in "+secs+" seconds", http.StatusTooManyRequests)
}

// retryAfter is wait in whole seconds, rounded up, at least 1.
func retryAfter(wait time.Duration) string {
	secs := int64((wait + time.Second - 1) / time.Second)
	return strconv.FormatInt(max(secs, 1), 10)
}

// clientAddr is the address of the connection's peer, IPv4-mapped IPv6
// addresses as IPv4; the zero Addr if RemoteAddr does not parse (it always
// does for net/http's connections).
func clientAddr(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		a, _ := netip.ParseAddr(r.RemoteAddr)
		return a.Unmap()
	}
	return ap.Addr().Unmap()
}

package server

import (
	"log/slog"
	"net/http"
	"net/netip"
	"runtime"
	"strconv"
	"time"

	"github.com/dashbox/dashbox/internal/logthrottle"
)

// Realm is the protection space of HTTP Basic authentication: browsers show
// it in the login prompt and send the same credentials to every page in it.
const Realm = "dashbox"

// Authenticator decides whether a user name and password may log in. The
// auth package's Htpasswd is one.
type Authenticator interface {
	// Authenticate checks the password: a bcrypt comparison, unless the
	// credentials were verified before.
	Authenticate(user, password string) bool
	// Verified reports, cheaply and without a bcrypt comparison, whether
	// Authenticate accepted these credentials before and still would.
	// False means only that they are not known to be right.
	Verified(user, password string) bool
}

// LoginLimiter slows password guessing down per client: per address, or
// per device when the request carries a valid device cookie (device is
// then the cookie's value; "" counts by address). The auth package's
// Limiter is one.
type LoginLimiter interface {
	// Reserve counts a login attempt before its password is checked. If
	// the client may not try now, done is nil and wait says for how long.
	// Otherwise done must be called once the check is over, with failed
	// true if the password was wrong (false also if it was not checked
	// after all), and returns how long the client must now wait.
	Reserve(addr netip.Addr, device string) (done func(failed bool) time.Duration, wait time.Duration)
	// Blocked reports how long the client must wait, without counting an
	// attempt: for credentials verified before, which cost no check.
	Blocked(addr netip.Addr, device string) time.Duration
}

// The WWW-Authenticate challenge, shared by every 401 (see securityheaders.go
// on sharing header slices). charset="UTF-8" tells browsers to send
// non-ASCII names and passwords as UTF-8, which is what htpasswd files hold.
var challengeValue = []string{`Basic realm="` + Realm + `", charset="UTF-8"`}

// refusalLogInterval is how often at most a kind of refused login (blocked,
// busy) is logged: a flood of them must not flood the log.
const refusalLogInterval = time.Minute

// BasicAuthConfig configures NewBasicAuth.
type BasicAuthConfig struct {
	// Users checks user names and passwords.
	Users Authenticator
	// Limiter counts login attempts per client; nil counts nothing.
	Limiter LoginLimiter
	// OnRefused, when not nil, is told of each refused login with its
	// reason (LoginFailed, LoginBlocked, LoginBusy), for metrics.
	OnRefused func(reason string)
	// Logger receives failed logins and refusals; nil discards them.
	Logger *slog.Logger
	// MaxChecks caps how many passwords are checked at once; zero means
	// runtime.GOMAXPROCS(0), the CPUs dashbox may use (runtime.NumCPU(),
	// less a cgroup's CPU limit): a bcrypt check keeps one CPU busy for a
	// quarter of a second, and more at once would only queue for CPUs
	// while every other request waits with them.
	MaxChecks int
	// DeviceKey signs the device cookies; nil makes a random key, so that
	// cookies are valid until the process ends.
	DeviceKey []byte
	// Now replaces time.Now, for tests.
	Now func() time.Time
}

// BasicAuth is NewBasicAuth with the other settings at their defaults.
func BasicAuth(users Authenticator, limiter LoginLimiter, logger *slog.Logger) func(http.Handler) http.Handler {
	return NewBasicAuth(BasicAuthConfig{Users: users, Limiter: limiter, Logger: logger})
}

// NewBasicAuth lets a request through only with the user name and password
// of one of cfg.Users (HTTP Basic authentication, RFC 7617), and records the
// user for the access log. Without credentials, or with wrong ones, the
// answer is 401 with a challenge, on which browsers ask for a login.
//
// It serves HTTPS only: a request that did not come over TLS is refused with
// 403 and no challenge, so no browser is ever asked to send a password in
// clear text (the plain-HTTP listener only redirects, and never reaches it).
//
// Guessing is bounded three ways:
//
//   - Each attempt is counted by cfg.Limiter before its password is checked
//     (Reserve), so a client sending a hundred guesses at once gets no more
//     checked than one sending them in turn. A client at its limit gets 429
//     Too Many Requests with Retry-After, and its password is not checked,
//     so guessing stops costing the server bcrypt work. A correct password
//     is refused too while blocked: otherwise the limit would still tell a
//     guesser when a guess was right.
//   - At most cfg.MaxChecks passwords are checked at once; beyond that the
//     answer is 503 Service Unavailable with Retry-After: 1, the password
//     not checked and the attempt not counted. 503, not 429, because the
//     server is busy, not this client too demanding: the client did nothing
//     wrong and may retry at once, and a monitor should see the server
//     overloaded rather than a client throttled.
//   - A browser that logged in gets a device cookie (see deviceCookies);
//     presenting it for the same user, its attempts are counted for that
//     device instead of its address, so others' failures at the address
//     (an office NAT) do not lock it out.
//
// Credentials the Authenticator verified before cost no bcrypt check: they
// are not counted nor capped, only refused while the client is blocked.
//
// Each password check that fails is logged with the address and the user
// name, never the password ("login failed"). Refusals for a blocked client
// or a busy server are logged at most once a minute each, with how many
// there were. The client address is the connection's: no X-Forwarded-For is
// believed.
func NewBasicAuth(cfg BasicAuthConfig) func(http.Handler) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxChecks <= 0 {
		cfg.MaxChecks = runtime.GOMAXPROCS(0)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	a := &basicAuth{
		cfg:     cfg,
		checks:  make(chan struct{}, cfg.MaxChecks),
		cookies: newDeviceCookies(cfg.DeviceKey, cfg.Now),
		blocked: logthrottle.New(refusalLogInterval, 1),
		busy:    logthrottle.New(refusalLogInterval, 1),
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { a.serve(w, r, next) })
	}
}

// basicAuth is the state of one NewBasicAuth middleware.
type basicAuth struct {
	cfg           BasicAuthConfig
	checks        chan struct{} // a semaphore of MaxChecks places
	cookies       *deviceCookies
	blocked, busy *logthrottle.Throttle // of logRefusal, one each
}

func (a *basicAuth) serve(w http.ResponseWriter, r *http.Request, next http.Handler) {
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
	limiter := a.cfg.Limiter
	if a.cfg.Users.Verified(user, password) {
		// The device cookie's signature is checked only if the address
		// is blocked: the usual logged-in request costs a map look-up.
		if limiter != nil {
			if wait := limiter.Blocked(addr, ""); wait > 0 {
				device := a.cookies.device(r, user)
				if device != "" {
					wait = limiter.Blocked(addr, device)
				}
				if wait > 0 {
					a.refuseBlocked(w, addr, user, device, wait)
					return
				}
			}
		}
		a.loggedIn(w, r, next, user)
		return
	}
	device := a.cookies.device(r, user)
	var done func(failed bool) time.Duration
	if limiter != nil {
		var wait time.Duration
		if done, wait = limiter.Reserve(addr, device); done == nil {
			a.refuseBlocked(w, addr, user, device, wait)
			return
		}
	}
	select {
	case a.checks <- struct{}{}:
	default:
		if done != nil {
			done(false)
		}
		a.refused(LoginBusy)
		a.logRefusal(a.busy, "logins refused: too many passwords being checked at once", addr, user, device, 0)
		w.Header().Set("Retry-After", "1")
		http.Error(w, "503 Service Unavailable: too many logins are being checked at once; try again in a second", http.StatusServiceUnavailable)
		return
	}
	ok, wait := a.check(user, password, done)
	if !ok {
		a.refused(LoginFailed)
		attrs := []any{"addr", addr.String(), "user", user}
		if device != "" {
			attrs = append(attrs, "device_cookie", true)
		}
		switch {
		case wait > 0 && device != "":
			a.cfg.Logger.Warn("login failed; device blocked", append(attrs, "retry_after", retryAfter(wait))...)
		case wait > 0:
			a.cfg.Logger.Warn("login failed; address blocked", append(attrs, "retry_after", retryAfter(wait))...)
		default:
			a.cfg.Logger.Warn("login failed", attrs...)
		}
		unauthorized(w)
		return
	}
	a.loggedIn(w, r, next, user)
}

// check checks the password, holding a place of the semaphore, and ends
// the limiter's reservation done (when not nil) with its outcome, even if
// the check panics.
func (a *basicAuth) check(user, password string, done func(failed bool) time.Duration) (ok bool, wait time.Duration) {
	defer func() {
		<-a.checks
		if done != nil {
			wait = done(!ok)
		}
	}()
	return a.cfg.Users.Authenticate(user, password), 0
}

// loggedIn serves a request whose credentials are right, giving the
// browser a device cookie if it needs one.
func (a *basicAuth) loggedIn(w http.ResponseWriter, r *http.Request, next http.Handler, user string) {
	if a.cookies.renew(r, user) {
		a.cookies.set(w, user)
	}
	setLogUser(w, user)
	next.ServeHTTP(w, r)
}

// refuseBlocked answers 429 with Retry-After in whole seconds.
func (a *basicAuth) refuseBlocked(w http.ResponseWriter, addr netip.Addr, user, device string, wait time.Duration) {
	a.refused(LoginBlocked)
	a.logRefusal(a.blocked, "logins refused: client blocked after failed logins", addr, user, device, wait)
	secs := retryAfter(wait)
	w.Header().Set("Retry-After", secs)
	http.Error(w, "429 Too Many Requests: too many failed logins; try again in "+secs+" seconds", http.StatusTooManyRequests)
}

// Reasons a login is refused, as BasicAuthConfig.OnRefused is told.
const (
	// LoginFailed: a wrong user name or password (401).
	LoginFailed = "failed"
	// LoginBlocked: the client failed too often and must wait (429).
	LoginBlocked = "blocked"
	// LoginBusy: too many passwords were being checked at once (503).
	LoginBusy = "busy"
)

// refused tells OnRefused, if set, of a refused login.
func (a *basicAuth) refused(reason string) {
	if a.cfg.OnRefused != nil {
		a.cfg.OnRefused(reason)
	}
}

// logRefusal logs a refusal at most once per refusalLogInterval of its
// throttle, with how many there were since the previous line (this one
// included).
func (a *basicAuth) logRefusal(throttle *logthrottle.Throttle, msg string, addr netip.Addr, user, device string, wait time.Duration) {
	first, ended := throttle.Event(a.cfg.Now(), "")
	if !first {
		return
	}
	attrs := []any{"refused", ended.Suppressed + 1, "addr", addr.String(), "user", user}
	if device != "" {
		attrs = append(attrs, "device_cookie", true)
	}
	if wait > 0 {
		attrs = append(attrs, "retry_after", retryAfter(wait))
	}
	a.cfg.Logger.Warn(msg, attrs...)
}

// unauthorized answers 401 with the challenge.
func unauthorized(w http.ResponseWriter) {
	w.Header()["Www-Authenticate"] = challengeValue
	http.Error(w, "401 Unauthorized: log in with your dashbox user name and password", http.StatusUnauthorized)
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

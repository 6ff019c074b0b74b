package oidc_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/testenv"

	"github.com/dashbox/dashbox/internal/oidctest"
	"github.com/dashbox/dashbox/oidc"
)

// rp is a relying party for the tests: a SignIn against a real provider
// (internal/oidctest), served over HTTPS on loopback by a handler that
// lets signed-in users through to a page naming them, as the server
// package's RequireSignIn does.
type rp struct {
	p      *oidctest.Provider
	s      *oidc.SignIn
	srv    *httptest.Server
	logs   *testenv.SyncBuffer
	offset atomic.Int64 // how far the relying party's clock is ahead
}

// startRP starts a provider with opts and a relying party configured by
// cfg (Issuer, ClientID, ClientSecret, Now and Logger filled in).
func startRP(t *testing.T, opts oidctest.Options, cfg oidc.Config) *rp {
	t.Helper()
	x := &rp{p: oidctest.Start(t, opts), logs: &testenv.SyncBuffer{}}
	cfg.Issuer, cfg.ClientID, cfg.ClientSecret = x.p.Issuer, x.p.ClientID, x.p.ClientSecret
	cfg.Now = func() time.Time { return time.Now().Add(time.Duration(x.offset.Load())) }
	cfg.Logger = slog.New(slog.NewJSONHandler(x.logs, nil))
	var err error
	if x.s, err = oidc.New(cfg); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	x.s.Routes(func(method, pattern string, h http.Handler) { mux.Handle(method+" "+pattern, h) })
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		user, groups, ok := x.s.User(w, r)
		if !ok {
			x.s.Challenge(w, r)
			return
		}
		fmt.Fprintf(w, "signed in as %s %v", user, groups)
	})
	x.srv = httptest.NewTLSServer(mux)
	t.Cleanup(x.srv.Close)
	x.p.AddRedirectURI(x.srv.URL+oidc.CallbackPath, x.srv.URL+oidc.SignedOutPath)
	return x
}

// advance moves the relying party's clock ahead by d.
func (x *rp) advance(d time.Duration) { x.offset.Add(int64(d)) }

// browser is a new client with an empty cookie jar that trusts the relying
// party's certificate and follows no redirects.
func (x *rp) browser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{
		Transport:     x.srv.Client().Transport,
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// get asks for url with c and returns the response and its body.
func get(t *testing.T, c *http.Client, url string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

// signIn signs c in as username and checks it lands on /report, signed in.
func (x *rp) signIn(t *testing.T, c *http.Client, username, password string) {
	t.Helper()
	cb := x.p.Authorize(t, c, x.srv.URL+"/report", username, password)
	resp, body := get(t, c, cb.String())
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/report" || sessionSet(resp) == "" {
		t.Fatalf("signing in: the callback answered %s to %q with session %q: %q\nlogs:\n%s", resp.Status, resp.Header.Get("Location"), sessionSet(resp), body, x.logs)
	}
	x.mustBeIn(t, c, username)
}

// mustBeIn checks c's session is username's.
func (x *rp) mustBeIn(t *testing.T, c *http.Client, username string) *http.Response {
	t.Helper()
	resp, body := get(t, c, x.srv.URL+"/report")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "signed in as "+username) {
		t.Fatalf("/report answers %s %q, want it signed in as %s\nlogs:\n%s", resp.Status, body, username, x.logs)
	}
	return resp
}

// mustBeOut checks c has no session: a page sends it to the provider.
func (x *rp) mustBeOut(t *testing.T, c *http.Client) *http.Response {
	t.Helper()
	resp, body := get(t, c, x.srv.URL+"/report")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), x.p.Issuer+"/") {
		t.Fatalf("/report answers %s (to %q) %q, want a redirect to the provider to sign in", resp.Status, resp.Header.Get("Location"), body)
	}
	return resp
}

// sessionSet returns the session cookie's value resp sets; "" if it sets
// none, or clears it.
func sessionSet(resp *http.Response) string {
	for _, c := range resp.Cookies() {
		if c.Name == oidc.SessionCookie && c.MaxAge >= 0 {
			return c.Value
		}
	}
	return ""
}

// sessionCleared reports whether resp tells the browser to drop the
// session cookie.
func sessionCleared(resp *http.Response) bool {
	for _, c := range resp.Cookies() {
		if c.Name == oidc.SessionCookie && c.MaxAge < 0 {
			return true
		}
	}
	return false
}

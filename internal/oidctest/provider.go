// Package oidctest runs a real OpenID provider for tests: zitadel/oidc's op
// package (an OpenID Certified library) over a minimal in-memory storage,
// on a loopback port the test picks, with the users and groups the test
// chooses, a login form a browser fills in, a session of its own (so that
// RP-initiated logout matters), and knobs to misbehave the way tests need
// (an ID token with other claims or another key, refused refreshes, a key
// rotation, being down). Only tests import it; its helpers fail the test on
// an error.
package oidctest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// User is one account of the provider.
type User struct {
	// ID is the subject (sub claim).
	ID string
	// Username is the login name and the preferred_username claim.
	Username string
	// Password is what the login form wants.
	Password string
	// Email is the email claim.
	Email string
	// EmailUnverified sends email_verified false.
	EmailUnverified bool
	// Groups is the groups claim; nil sends none.
	Groups []string
}

// Options configure Start.
type Options struct {
	// Users are the accounts.
	Users []User
	// TLS, when set, serves HTTPS with it (an https:// issuer signed by a
	// test CA); otherwise the issuer is http://127.0.0.1:port.
	TLS *tls.Config
	// GroupsClaim names the groups claim; "" is "groups".
	GroupsClaim string
	// TokenLifetime is how long ID and access tokens are valid; zero is
	// an hour.
	TokenLifetime time.Duration
	// AccessTokenLifetime, when not zero, is how long access tokens are
	// valid (the expires_in a relying party refreshes by), apart from ID
	// tokens: a test moves a relying party's clock past it to make it
	// refresh while the ID tokens it gets still verify.
	AccessTokenLifetime time.Duration
}

// Provider is a running OpenID provider.
type Provider struct {
	// Issuer is the issuer URL, without a trailing slash.
	Issuer string
	// ClientID and ClientSecret are the one client's credentials.
	ClientID, ClientSecret string

	opts    Options
	srv     *httptest.Server
	storage *storage
	op      *op.Provider

	mu           sync.Mutex
	redirectURIs []string
	logoutURIs   []string
	hook         func(claims map[string]any) (foreignKey bool)
	sessions     map[string]string // provider session cookie → user ID

	refreshRefused atomic.Bool
	refreshes      atomic.Int64
	logins         atomic.Int64
	endSessions    atomic.Int64
	foreign        *rsa.PrivateKey
}

// sessionCookie is the provider's own sign-in session.
const sessionCookie = "oidctest-session"

// Start starts a provider on a loopback port; t.Cleanup stops it.
func Start(tb testing.TB, opts Options) *Provider {
	tb.Helper()
	p := &Provider{opts: opts, ClientID: "dashbox", ClientSecret: randomID(), sessions: map[string]string{}}
	p.storage = newStorage(p)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("oidctest: listening: %v", err)
	}
	scheme := "http"
	if opts.TLS != nil {
		scheme = "https"
	}
	p.Issuer = scheme + "://" + ln.Addr().String()
	var key [32]byte
	rand.Read(key[:])
	p.op, err = op.NewProvider(&op.Config{
		CryptoKey:                key,
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		GrantTypeRefreshToken:    true,
		SupportedUILocales:       []language.Tag{language.English},
		DefaultLogoutRedirectURI: "/signed-out",
	}, p.storage, op.StaticIssuer(p.Issuer), op.WithAllowInsecure())
	if err != nil {
		ln.Close()
		tb.Fatalf("oidctest: making the provider: %v", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", p.loginForm)
	mux.HandleFunc("POST /login", p.login)
	mux.HandleFunc("GET /signed-out", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "signed out of the provider") })
	mux.HandleFunc("/end_session", p.endSession)
	mux.HandleFunc("/oauth/token", p.token)
	mux.Handle("/", p.op)
	p.srv = httptest.NewUnstartedServer(mux)
	p.srv.Listener.Close()
	p.srv.Listener = ln
	if opts.TLS != nil {
		p.srv.TLS = opts.TLS
		p.srv.StartTLS()
	} else {
		p.srv.Start()
	}
	tb.Cleanup(p.Stop)
	return p
}

// Stop stops the provider: afterwards its port refuses connections, as a
// provider that is down does.
func (p *Provider) Stop() {
	p.srv.CloseClientConnections()
	p.srv.Close()
}

// AddRedirectURI registers a redirect URI and a post-logout redirect URI
// of the client (the relying party's callback and where it wants users
// after signing out).
func (p *Provider) AddRedirectURI(callback, afterLogout string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.redirectURIs = append(p.redirectURIs, callback)
	if afterLogout != "" {
		p.logoutURIs = append(p.logoutURIs, afterLogout)
	}
}

// SetIDTokenHook makes the token endpoint hand out ID tokens whose claims
// hook changed, signed with the provider's key or, if hook returns true,
// with a key the provider never published. Nil turns it off.
func (p *Provider) SetIDTokenHook(hook func(claims map[string]any) (foreignKey bool)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hook = hook
}

// RefuseRefresh makes refresh token grants fail with invalid_grant, as
// when an administrator disabled the user.
func (p *Provider) RefuseRefresh(refuse bool) { p.refreshRefused.Store(refuse) }

// Refreshes is how many refresh tokens were issued (at sign-in and at each
// refresh).
func (p *Provider) Refreshes() int64 { return p.refreshes.Load() }

// Logins is how many times the login form accepted a password.
func (p *Provider) Logins() int64 { return p.logins.Load() }

// EndSessions is how many times the end_session endpoint was called.
func (p *Provider) EndSessions() int64 { return p.endSessions.Load() }

// RotateKey replaces the signing key; the key set then lists only the new
// one.
func (p *Provider) RotateKey() { p.storage.rotate() }

func (p *Provider) tokenLifetime() time.Duration {
	if p.opts.TokenLifetime > 0 {
		return p.opts.TokenLifetime
	}
	return time.Hour
}

func (p *Provider) accessTokenLifetime() time.Duration {
	if p.opts.AccessTokenLifetime > 0 {
		return p.opts.AccessTokenLifetime
	}
	return p.tokenLifetime()
}

func (p *Provider) groupsClaim() string {
	if p.opts.GroupsClaim != "" {
		return p.opts.GroupsClaim
	}
	return "groups"
}

func (p *Provider) user(id string) *User {
	for i := range p.opts.Users {
		if p.opts.Users[i].ID == id {
			return &p.opts.Users[i]
		}
	}
	return nil
}

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html><head><title>Sign in to the test provider</title></head><body>
<h1>Sign in to the test provider</h1>
{{if .Error}}<p id="error">{{.Error}}</p>{{end}}
<form method="post" action="/login">
<input type="hidden" name="id" value="{{.ID}}">
<label>User name <input id="username" name="username" autocomplete="username"></label>
<label>Password <input id="password" name="password" type="password"></label>
<button id="submit" type="submit">Sign in</button>
</form></body></html>`))

// loginForm shows the form, or completes the sign-in at once for a browser
// with a provider session (single sign-on).
func (p *Provider) loginForm(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	if c, err := r.Cookie(sessionCookie); err == nil {
		p.mu.Lock()
		userID, ok := p.sessions[c.Value]
		p.mu.Unlock()
		if ok && p.storage.complete(id, userID) == nil {
			http.Redirect(w, r, op.AuthCallbackURL(p.op)(r.Context(), id), http.StatusFound)
			return
		}
	}
	loginPage.Execute(w, map[string]string{"ID": id})
}

func (p *Provider) login(w http.ResponseWriter, r *http.Request) {
	id, name, password := r.FormValue("id"), r.FormValue("username"), r.FormValue("password")
	var u *User
	for i := range p.opts.Users {
		if p.opts.Users[i].Username == name && p.opts.Users[i].Password == password {
			u = &p.opts.Users[i]
		}
	}
	if u == nil {
		w.WriteHeader(http.StatusUnauthorized)
		loginPage.Execute(w, map[string]string{"ID": id, "Error": "wrong user name or password"})
		return
	}
	if err := p.storage.complete(id, u.ID); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	p.logins.Add(1)
	session := randomID()
	p.mu.Lock()
	p.sessions[session] = u.ID
	p.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: session, Path: "/", HttpOnly: true})
	http.Redirect(w, r, op.AuthCallbackURL(p.op)(r.Context(), id), http.StatusFound)
}

// endSession ends the provider's own session too, then lets the op
// package answer (validating the redirect URI).
func (p *Provider) endSession(w http.ResponseWriter, r *http.Request) {
	p.endSessions.Add(1)
	if c, err := r.Cookie(sessionCookie); err == nil {
		p.mu.Lock()
		delete(p.sessions, c.Value)
		p.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Path: "/", MaxAge: -1})
	p.op.ServeHTTP(w, r)
}

// token serves the token endpoint, through the hook when there is one.
func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	hook := p.hook
	p.mu.Unlock()
	if hook == nil {
		p.op.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	p.op.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	var resp map[string]any
	if rec.Code == http.StatusOK && json.Unmarshal(body, &resp) == nil {
		if raw, ok := resp["id_token"].(string); ok {
			signed, err := p.resign(raw, hook)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			resp["id_token"] = signed
			body, _ = json.Marshal(resp)
		}
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(rec.Code)
	w.Write(body)
}

// resign changes raw's claims with hook and signs them again.
func (p *Provider) resign(raw string, hook func(map[string]any) bool) (string, error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return "", errors.New("oidctest: the ID token is not a JWS")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", err
	}
	var claims map[string]any
	d := json.NewDecoder(bytes.NewReader(payload))
	d.UseNumber()
	if err := d.Decode(&claims); err != nil {
		return "", err
	}
	key := p.storage.signing()
	if hook(claims) {
		p.mu.Lock()
		if p.foreign == nil {
			p.foreign, _ = rsa.GenerateKey(rand.Reader, 2048)
		}
		key = signingKey{id: key.id, key: p.foreign} // same key ID, other key
		p.mu.Unlock()
	}
	payload, _ = json.Marshal(claims)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key.key, KeyID: key.id}}, nil)
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// Discovery fetches the discovery document, to check the provider is up.
func (p *Provider) Discovery(ctx context.Context, client *http.Client) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.Issuer+"/.well-known/openid-configuration", nil)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New(resp.Status)
	}
	return nil
}

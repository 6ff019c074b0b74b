package oidc

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// The paths SignIn serves (Routes).
const (
	// CallbackPath is where the provider sends users back: register
	// https://<dashbox's host>/auth/callback as the redirect URI.
	CallbackPath = "/auth/callback"
	// LogoutPath ends the session.
	LogoutPath = "/logout"
	// SignedOutPath is where users land after signing out: register
	// https://<dashbox's host>/signed-out as the post-logout redirect URI.
	SignedOutPath = "/signed-out"
)

const (
	// signInTimeout is how long a user may take at the provider.
	signInTimeout = 10 * time.Minute
	// retryDiscovery is how long a failed discovery is remembered before
	// the provider is asked again.
	retryDiscovery = 5 * time.Second
	// probeInterval is how long the provider is believed down after it
	// did not answer, when sign-ins start (it is asked at each sign-in
	// while it answers: sign-ins are rare, a user's first request of the
	// day).
	probeInterval = 5 * time.Second
	// retryRefresh is how long a session whose refresh could not reach
	// the provider goes on before the next try.
	retryRefresh = time.Minute
	// defaultCheck is how often a session is refreshed when the provider
	// says nothing of its tokens' expiry.
	defaultCheck = time.Hour
	// refreshMemory is how long a refresh's outcome is shared with the
	// session's other requests (which may still carry the old cookie).
	refreshMemory = time.Minute
	// maxRefreshMemory bounds those remembered outcomes.
	maxRefreshMemory = 4096
)

// SignIn signs users in with an OpenID provider and keeps their sessions.
// It satisfies the server package's SignIn interface.
type SignIn struct {
	cfg    Config
	client *http.Client
	seal   *sealer
	keep   map[string]bool // nil keeps all groups (up to maxKeptGroups)
	log    *slog.Logger
	now    func() time.Time

	mu       sync.Mutex
	provider *gooidc.Provider
	endSess  string // end_session_endpoint, if any
	failedAt time.Time
	failErr  error
	probedAt time.Time
	probeErr error

	refreshMu sync.Mutex
	refreshes map[string]*refreshOutcome // by session ID
}

// refreshOutcome is one session's refresh, shared by its parallel requests.
type refreshOutcome struct {
	done    chan struct{}
	at      time.Time
	session *session // nil if the session ended
	cookie  string
}

// New checks cfg and returns a SignIn. It does not reach the provider:
// the discovery document is fetched at the first sign-in, so dashbox
// starts, and serves signed-in users, while the provider is down.
func New(cfg Config) (*SignIn, error) {
	if err := checkIssuer(cfg.Issuer); err != nil {
		return nil, err
	}
	cfg.Issuer = strings.TrimSuffix(cfg.Issuer, "/")
	if cfg.ClientID == "" {
		return nil, errNoClient
	}
	if cfg.ClientSecret == "" {
		return nil, errors.New("the client secret is empty")
	}
	if cfg.GroupsClaim == "" {
		cfg.GroupsClaim = DefaultGroupsClaim
	}
	if cfg.SessionLifetime <= 0 {
		cfg.SessionLifetime = DefaultSessionLifetime
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	key := cfg.SessionKey
	if key == nil {
		key = []byte(randomString())
	}
	seal, err := newSealer(key)
	if err != nil {
		return nil, err
	}
	s := &SignIn{cfg: cfg, client: httpClient(cfg.RootCAs), seal: seal, log: cfg.Logger, now: cfg.Now, refreshes: map[string]*refreshOutcome{}}
	if cfg.KeepGroups != nil {
		s.keep = map[string]bool{}
		for _, g := range slices.Concat(cfg.KeepGroups, cfg.AllowedGroups) {
			s.keep[g] = true
		}
	}
	return s, nil
}

// ctx carries the provider's HTTP client to go-oidc and oauth2.
func (s *SignIn) ctx(parent context.Context) context.Context {
	return context.WithValue(gooidc.ClientContext(parent, s.client), oauth2.HTTPClient, s.client)
}

// discover returns the provider, fetching its discovery document the
// first time (and again after a failure, at most every retryDiscovery).
func (s *SignIn) discover(ctx context.Context) (*gooidc.Provider, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.provider != nil {
		return s.provider, nil
	}
	if !s.failedAt.IsZero() && s.now().Sub(s.failedAt) < retryDiscovery {
		return nil, s.failErr
	}
	p, err := gooidc.NewProvider(s.ctx(ctx), s.cfg.Issuer)
	if err != nil {
		s.failedAt, s.failErr = s.now(), fmt.Errorf("fetching the discovery document of %s: %w", s.cfg.Issuer, err)
		return nil, s.failErr
	}
	var extra struct {
		EndSession string `json:"end_session_endpoint"`
	}
	p.Claims(&extra)
	s.provider, s.endSess = p, extra.EndSession
	return p, nil
}

// probe reports whether the provider answers: a sign-in sent to a
// provider that is down would leave the user on the browser's connection
// error instead of dashbox's page. After a failure it is asked again only
// after probeInterval, so a crowd at a provider that is down costs it
// nothing.
func (s *SignIn) probe(ctx context.Context) error {
	s.mu.Lock()
	if s.probeErr != nil && s.now().Sub(s.probedAt) < probeInterval {
		err := s.probeErr
		s.mu.Unlock()
		return err
	}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.cfg.Issuer+"/.well-known/openid-configuration", nil)
	resp, err := s.client.Do(req)
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("its discovery document answers %s", resp.Status)
		}
	}
	s.mu.Lock()
	s.probedAt, s.probeErr = s.now(), err
	s.mu.Unlock()
	return err
}

func (s *SignIn) oauth2Config(p *gooidc.Provider, r *http.Request) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     s.cfg.ClientID,
		ClientSecret: s.cfg.ClientSecret,
		Endpoint:     p.Endpoint(),
		RedirectURL:  "https://" + r.Host + CallbackPath,
		Scopes:       slices.Concat([]string{gooidc.ScopeOpenID, "email", "profile"}, s.cfg.Scopes),
	}
}

// Routes registers the sign-in's own pages through add (chi's
// Router.Method): the callback, /logout and /signed-out. They need no
// session.
func (s *SignIn) Routes(add func(method, pattern string, h http.Handler)) {
	add(http.MethodGet, CallbackPath, http.HandlerFunc(s.callback))
	add(http.MethodGet, LogoutPath, http.HandlerFunc(s.logout))
	add(http.MethodPost, LogoutPath, http.HandlerFunc(s.logout))
	add(http.MethodGet, SignedOutPath, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page(w, http.StatusOK, "Signed out", "You have signed out of dashbox.", "/", "Sign in again")
	}))
}

// User returns the signed-in user of r's session cookie and their groups;
// ok is false without a valid session. When the session is due for a
// refresh, it refreshes it, giving w the new cookie.
func (s *SignIn) User(w http.ResponseWriter, r *http.Request) (user string, groups []string, ok bool) {
	var sess session
	if !s.seal.open(r, SessionCookie, &sess) {
		return "", nil, false
	}
	now := s.now().Unix()
	if now >= sess.End || sess.User == "" {
		return "", nil, false
	}
	if now >= sess.Check {
		next, cookie := s.refresh(r.Context(), &sess)
		if next == nil {
			clearCookie(w, SessionCookie)
			return "", nil, false
		}
		if cookie != "" {
			setCookie(w, SessionCookie, cookie, time.Unix(next.End, 0))
		}
		sess = *next
	}
	return sess.User, sess.Groups, true
}

// Challenge answers a request without a valid session: a page's request
// is sent to the provider to sign in, and comes back to where it was
// going; a script's (a dashboard's callback) gets 401, since it cannot
// follow the provider's pages.
func (s *SignIn) Challenge(w http.ResponseWriter, r *http.Request) {
	navigate := r.Method == http.MethodGet || r.Method == http.MethodHead
	if mode := r.Header.Get("Sec-Fetch-Mode"); mode != "" && mode != "navigate" {
		navigate = false
	}
	if !navigate {
		http.Error(w, "401 Unauthorized: your session has ended; reload the page to sign in again", http.StatusUnauthorized)
		return
	}
	s.start(w, r, r.URL.RequestURI())
}

// start sends the browser to the provider, to come back to returnTo.
func (s *SignIn) start(w http.ResponseWriter, r *http.Request, returnTo string) {
	p, err := s.discover(r.Context())
	if err == nil {
		err = s.probe(r.Context())
	}
	if err != nil {
		s.log.Warn("sign-in not possible: the identity provider is unreachable", "issuer", s.cfg.Issuer, "err", err)
		w.Header().Set("Retry-After", "30")
		page(w, http.StatusServiceUnavailable, "Sign-in is not possible right now",
			"The identity provider ("+s.cfg.Issuer+") is unreachable, so dashbox cannot sign you in. Try again in a minute; if it lasts, tell your administrator.",
			r.URL.RequestURI(), "Try again")
		return
	}
	if !localPath(returnTo) {
		returnTo = "/"
	}
	st := signIn{State: randomString(), Nonce: randomString(), Verifier: oauth2.GenerateVerifier(), Return: returnTo, Expires: s.now().Add(signInTimeout).Unix()}
	v, err := s.seal.seal(signInCookie, &st)
	if err != nil {
		http.Error(w, "500 Internal Server Error", http.StatusInternalServerError)
		return
	}
	setCookie(w, signInCookie, v, s.now().Add(signInTimeout))
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, s.oauth2Config(p, r).AuthCodeURL(st.State, gooidc.Nonce(st.Nonce), oauth2.S256ChallengeOption(st.Verifier)), http.StatusFound)
}

// localPath reports whether p is a path on this server, not a URL of
// another ("//evil.example/", "/\evil.example/").
func localPath(p string) bool {
	return strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "//") && !strings.HasPrefix(p, "/\\") && len(p) <= 2048
}

// callback serves the provider's redirect back: it checks state, trades
// the code (with the PKCE verifier) for tokens, checks the ID token
// (signature, issuer, audience, expiry, nonce) and the access rules, and
// starts the session.
func (s *SignIn) callback(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	q := r.URL.Query()
	var st signIn
	ok := s.seal.open(r, signInCookie, &st)
	if !ok || s.now().Unix() > st.Expires {
		s.refuse(w, r, http.StatusBadRequest, "sign-in refused: no sign-in in progress in this browser, or it took too long", "This sign-in was not started in this browser, or took too long.")
		return
	}
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(st.State)) != 1 {
		s.refuse(w, r, http.StatusBadRequest, "sign-in refused: wrong state", "This sign-in does not match the one this browser started.")
		return
	}
	// The sign-in cookie is spent, whatever happens next.
	clearCookie(w, signInCookie)
	if e := q.Get("error"); e != "" {
		s.log.Warn("sign-in refused by the identity provider", "error", e, "description", q.Get("error_description"))
		page(w, http.StatusForbidden, "Sign-in refused", "The identity provider refused the sign-in: "+e+" "+q.Get("error_description"), "/", "Try again")
		return
	}
	p, err := s.discover(r.Context())
	if err != nil {
		s.log.Warn("sign-in failed: the identity provider is unreachable", "err", err)
		page(w, http.StatusServiceUnavailable, "Sign-in is not possible right now", "The identity provider ("+s.cfg.Issuer+") is unreachable.", st.Return, "Try again")
		return
	}
	ctx, cancel := context.WithTimeout(s.ctx(r.Context()), 15*time.Second)
	defer cancel()
	tok, err := s.oauth2Config(p, r).Exchange(ctx, q.Get("code"), oauth2.VerifierOption(st.Verifier))
	if err != nil {
		s.refuse(w, r, http.StatusBadRequest, "sign-in refused: the code was not accepted", "The identity provider did not accept this sign-in (a code used twice, or expired).", "err", err)
		return
	}
	claims, idToken, err := s.verify(ctx, p, tok)
	if err != nil {
		s.refuse(w, r, http.StatusBadRequest, "sign-in refused: bad ID token", "The identity provider's answer could not be verified.", "err", err)
		return
	}
	if subtle.ConstantTimeCompare([]byte(claims.Nonce), []byte(st.Nonce)) != 1 {
		s.refuse(w, r, http.StatusBadRequest, "sign-in refused: wrong nonce", "The identity provider's answer is not for this sign-in.")
		return
	}
	if !s.admits(claims) {
		s.log.Warn("sign-in refused: user not allowed", "user", claims.user(), "groups", claims.Groups)
		page(w, http.StatusForbidden, "Not allowed", "You are signed in at the identity provider as "+claims.user()+", who may not use this dashbox.", LogoutPath, "Sign out")
		return
	}
	now := s.now()
	sess := &session{ID: randomString(), Subject: claims.Subject, User: claims.user(), Groups: s.kept(claims.Groups),
		End: now.Add(s.cfg.SessionLifetime).Unix(), Refresh: tok.RefreshToken, IDToken: idToken}
	sess.Check = s.checkTime(now, tok, claims, sess.End)
	v, err := s.seal.sealSession(sess)
	if err != nil {
		http.Error(w, "500 Internal Server Error", http.StatusInternalServerError)
		return
	}
	setCookie(w, SessionCookie, v, time.Unix(sess.End, 0))
	s.log.Info("signed in", "user", sess.User, "addr", r.RemoteAddr)
	http.Redirect(w, r, st.Return, http.StatusFound)
}

// refuse logs a refused sign-in and answers with a page that offers to
// start again.
func (s *SignIn) refuse(w http.ResponseWriter, r *http.Request, status int, logMsg, text string, attrs ...any) {
	s.log.Warn(logMsg, append(attrs, "addr", r.RemoteAddr)...)
	page(w, status, "Sign-in failed", text+" Start again from the page you wanted.", "/", "Start again")
}

// claims are the ID token's claims dashbox reads.
type claims struct {
	Subject       string `json:"sub"`
	Nonce         string `json:"nonce"`
	Email         string `json:"email"`
	EmailVerified *bool  `json:"email_verified"`
	Username      string `json:"preferred_username"`
	// Groups are read from Config.GroupsClaim by verify, never by
	// encoding/json: it would fill them from a "groups" claim (in any
	// case) even when the operator named another claim.
	Groups []string `json:"-"`
}

// user is who the user is shown as.
func (c *claims) user() string {
	switch {
	case c.Email != "":
		return c.Email
	case c.Username != "":
		return c.Username
	}
	return c.Subject
}

// verify checks the token response's ID token and returns its claims and
// the raw token.
func (s *SignIn) verify(ctx context.Context, p *gooidc.Provider, tok *oauth2.Token) (*claims, string, error) {
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		return nil, "", errors.New("the token response has no ID token")
	}
	idt, err := p.Verifier(&gooidc.Config{ClientID: s.cfg.ClientID, Now: s.now}).Verify(ctx, raw)
	if err != nil {
		return nil, "", err
	}
	var c claims
	if err := idt.Claims(&c); err != nil {
		return nil, "", err
	}
	var all map[string]any
	if err := idt.Claims(&all); err != nil {
		return nil, "", err
	}
	switch g := all[s.cfg.GroupsClaim].(type) {
	case string:
		c.Groups = []string{g}
	case []any:
		for _, v := range g {
			if str, ok := v.(string); ok {
				c.Groups = append(c.Groups, str)
			}
		}
	}
	return &c, raw, nil
}

// admits applies the access rules.
func (s *SignIn) admits(c *claims) bool {
	cfg := &s.cfg
	if len(cfg.AllowedDomains) == 0 && len(cfg.AllowedUsers) == 0 && len(cfg.AllowedGroups) == 0 {
		return true
	}
	verified := c.Email != "" && (c.EmailVerified == nil || *c.EmailVerified)
	if verified {
		if at := strings.LastIndexByte(c.Email, '@'); at >= 0 {
			domain := c.Email[at+1:]
			for _, d := range cfg.AllowedDomains {
				if strings.EqualFold(strings.TrimPrefix(d, "@"), domain) {
					return true
				}
			}
		}
	}
	for _, u := range cfg.AllowedUsers {
		if (verified && strings.EqualFold(u, c.Email)) || (c.Username != "" && strings.EqualFold(u, c.Username)) || u == c.Subject {
			return true
		}
	}
	for _, g := range cfg.AllowedGroups {
		if slices.Contains(c.Groups, g) {
			return true
		}
	}
	return false
}

// kept is the groups a session remembers.
func (s *SignIn) kept(groups []string) []string {
	var out []string
	for _, g := range groups {
		if (s.keep == nil && len(out) < maxKeptGroups) || s.keep[g] {
			out = append(out, g)
		}
	}
	return out
}

// checkTime is when a session is next refreshed: when its tokens expire
// (the provider's say on how long its word holds), capped by the session's
// end; never, without a refresh token.
func (s *SignIn) checkTime(now time.Time, tok *oauth2.Token, c *claims, end int64) int64 {
	if tok.RefreshToken == "" {
		return end
	}
	check := now.Add(defaultCheck)
	switch {
	case tok.ExpiresIn > 0:
		// Counted on s.now, the clock sessions are checked against
		// (oauth2 counts Expiry on time.Now).
		check = now.Add(time.Duration(tok.ExpiresIn) * time.Second)
	case !tok.Expiry.IsZero() && tok.Expiry.After(now):
		check = tok.Expiry
	}
	return min(check.Unix(), end)
}

// refresh asks the provider, with the refresh token, whether the session
// goes on, once for all of the session's parallel requests. It returns
// the session to go on with and its cookie (empty if unchanged), or nil
// if the provider ended it. A provider that cannot be reached ends
// nothing: the session goes on, and is refreshed again later.
func (s *SignIn) refresh(ctx context.Context, sess *session) (*session, string) {
	now := s.now()
	if sess.Refresh == "" {
		return sess, ""
	}
	s.refreshMu.Lock()
	if o, ok := s.refreshes[sess.ID]; ok && now.Sub(o.at) < refreshMemory {
		s.refreshMu.Unlock()
		<-o.done
		return o.session, o.cookie
	}
	if len(s.refreshes) >= maxRefreshMemory {
		for id, o := range s.refreshes {
			if now.Sub(o.at) >= refreshMemory {
				delete(s.refreshes, id)
			}
		}
	}
	o := &refreshOutcome{done: make(chan struct{}), at: now}
	if len(s.refreshes) < maxRefreshMemory {
		s.refreshes[sess.ID] = o
	}
	s.refreshMu.Unlock()
	defer close(o.done)
	o.session, o.cookie = s.doRefresh(ctx, sess)
	return o.session, o.cookie
}

func (s *SignIn) doRefresh(ctx context.Context, old *session) (*session, string) {
	sess := *old
	now := s.now()
	retry := func(err error) (*session, string) {
		s.log.Warn("session refresh failed: the identity provider is unreachable; the session goes on", "user", sess.User, "err", err)
		sess.Check = min(now.Add(retryRefresh).Unix(), sess.End)
		v, err := s.seal.sealSession(&sess)
		if err != nil {
			return &sess, ""
		}
		return &sess, v
	}
	// The refresh is the user's request's, but must not be cut short by
	// the user leaving: a rotated refresh token would be lost.
	ctx, cancel := context.WithTimeout(s.ctx(context.WithoutCancel(ctx)), 10*time.Second)
	defer cancel()
	p, err := s.discover(ctx)
	if err != nil {
		return retry(err)
	}
	var r http.Request
	r.Host = "unused" // refreshing needs no redirect URI
	tok, err := s.oauth2Config(p, &r).TokenSource(ctx, &oauth2.Token{RefreshToken: sess.Refresh, Expiry: now.Add(-time.Minute)}).Token()
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		s.log.Info("session ended: the identity provider refused to refresh it", "user", sess.User, "error", re.ErrorCode)
		return nil, ""
	}
	if err != nil {
		return retry(err)
	}
	if tok.RefreshToken != "" {
		sess.Refresh = tok.RefreshToken
	}
	c := &claims{Subject: sess.Subject, Groups: sess.Groups}
	if raw, _ := tok.Extra("id_token").(string); raw != "" {
		nc, raw, err := s.verify(ctx, p, tok)
		if err != nil || nc.Subject != sess.Subject {
			s.log.Warn("session ended: the refreshed ID token is not valid for this session", "user", sess.User, "err", err)
			return nil, ""
		}
		if !s.admits(nc) {
			s.log.Info("session ended: the user may no longer sign in", "user", nc.user())
			return nil, ""
		}
		c, sess.User, sess.Groups, sess.IDToken = nc, nc.user(), s.kept(nc.Groups), raw
	}
	sess.Check = s.checkTime(now, tok, c, sess.End)
	v, err := s.seal.sealSession(&sess)
	if err != nil {
		return &sess, ""
	}
	return &sess, v
}

// logout ends the session and, where the provider supports RP-initiated
// logout, sends the browser to end the provider's session too; it comes
// back to SignedOutPath. A GET from another site is refused: a link on
// another site must not sign users out.
func (s *SignIn) logout(w http.ResponseWriter, r *http.Request) {
	if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
		http.Error(w, "403 Forbidden: signing out is only possible from dashbox's own pages", http.StatusForbidden)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	var sess session
	had := s.seal.open(r, SessionCookie, &sess)
	clearCookie(w, SessionCookie)
	if had {
		s.log.Info("signed out", "user", sess.User, "addr", r.RemoteAddr)
	}
	s.mu.Lock()
	end := s.endSess
	s.mu.Unlock()
	if end == "" {
		if _, err := s.discover(r.Context()); err == nil {
			s.mu.Lock()
			end = s.endSess
			s.mu.Unlock()
		}
	}
	if end == "" || s.probe(r.Context()) != nil {
		http.Redirect(w, r, SignedOutPath, http.StatusSeeOther)
		return
	}
	u, err := url.Parse(end)
	if err != nil {
		http.Redirect(w, r, SignedOutPath, http.StatusSeeOther)
		return
	}
	q := u.Query()
	q.Set("client_id", s.cfg.ClientID)
	q.Set("post_logout_redirect_uri", "https://"+r.Host+SignedOutPath)
	if had && sess.IDToken != "" {
		q.Set("id_token_hint", sess.IDToken)
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{{.Title}} · dashbox</title></head>
<body><main><h1>{{.Title}}</h1><p id="message">{{.Text}}</p>{{if .Link}}<p><a id="link" href="{{.Link}}">{{.LinkText}}</a></p>{{end}}</main></body></html>
`))

// page answers with a small HTML page: a title, a sentence and a link.
func page(w http.ResponseWriter, status int, title, text, link, linkText string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	pageTemplate.Execute(w, map[string]string{"Title": title, "Text": text, "Link": link, "LinkText": linkText})
}

package oidc

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// DefaultSessionLifetime is how long a session lasts when
// Config.SessionLifetime is zero: a working day, after which users sign
// in again (with the provider's own session, usually without typing a
// password).
const DefaultSessionLifetime = 12 * time.Hour

// DefaultGroupsClaim is the claim the user's groups are read from when
// Config.GroupsClaim is empty (Okta, Keycloak's group mapper, Entra ID).
const DefaultGroupsClaim = "groups"

// Config configures New.
type Config struct {
	// Issuer is the provider's issuer URL, such as
	// https://login.microsoftonline.com/<tenant>/v2.0. An http:// issuer
	// is refused unless it is on the loopback interface.
	Issuer string
	// ClientID and ClientSecret are dashbox's credentials at the provider.
	ClientID, ClientSecret string
	// Scopes are asked for besides openid, email and profile (such as
	// offline_access, for a refresh token, or groups).
	Scopes []string
	// RootCAs are the CAs trusted for the issuer's HTTPS; nil is the
	// system's. LoadRootCAs adds an on-premises CA to the system's.
	RootCAs *x509.CertPool
	// AllowedDomains, AllowedUsers and AllowedGroups say who may sign
	// in: a user matching any of them (a verified e-mail address in one
	// of the domains; an e-mail address, user name or subject listed; a
	// group listed). With none of them set, everyone the provider signs
	// in may (restrict it at the provider then).
	AllowedDomains, AllowedUsers, AllowedGroups []string
	// GroupsClaim is the ID token claim holding the user's groups;
	// empty is DefaultGroupsClaim.
	GroupsClaim string
	// KeepGroups are the groups a session remembers, the only ones
	// dashbox asks about (AllowedGroups are added to them); nil keeps up
	// to 64 of them. Providers send users' every group, and the session
	// must fit a cookie.
	KeepGroups []string
	// SessionLifetime is how long a session lasts after signing in;
	// zero is DefaultSessionLifetime.
	SessionLifetime time.Duration
	// SessionKey encrypts the session cookies (LoadSessionKey); nil makes
	// a key that ends with the process.
	SessionKey []byte
	// Logger receives sign-ins, refusals and provider errors; nil
	// discards them.
	Logger *slog.Logger
	// Now replaces time.Now, for tests.
	Now func() time.Time
}

// maxKeptGroups bounds the groups a session keeps when KeepGroups is nil.
const maxKeptGroups = 64

// checkIssuer checks the issuer URL: absolute, https, or http on
// loopback (a provider on the same machine, or a test's).
func checkIssuer(issuer string) error {
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("the issuer %q is not an https:// URL such as https://login.example.com/realms/staff", issuer)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return fmt.Errorf("the issuer %q is http://: an identity provider must be reached over https:// unless it runs on this machine (localhost)", issuer)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("the issuer %q has a query or fragment: give the issuer URL exactly as the provider's discovery document names it", issuer)
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// LoadRootCAs returns the system's CAs and those of the PEM file at path:
// for an issuer whose certificate an on-premises CA signed.
func LoadRootCAs(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the issuer CA file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("the issuer CA file %s holds no PEM certificate", path)
	}
	return pool, nil
}

// httpClient is the client for the provider: its CAs, and timeouts, so
// that a provider that hangs holds no sign-in or refresh for long.
func httpClient(roots *x509.CertPool) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = http.ProxyFromEnvironment
	if roots != nil {
		t.TLSClientConfig = &tls.Config{RootCAs: roots}
	}
	return &http.Client{Transport: t, Timeout: 10 * time.Second}
}

var errNoClient = errors.New("the client ID is empty")

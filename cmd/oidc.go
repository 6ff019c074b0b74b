package cmd

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/dashbox/dashbox/oidc"
	"github.com/dashbox/dashbox/pages"
	"github.com/dashbox/dashbox/server"
)

// sessionKeyFile, in the state directory, holds the key of the single
// sign-on session cookies, so that users stay signed in across restarts.
const sessionKeyFile = "session.key"

// oidcConfig is serve's single sign-on flags (--oidc-*).
type oidcConfig struct {
	issuer          string
	clientID        string
	secretFile      string
	scopes          listFlag
	issuerCA        string
	allowDomains    listFlag
	allowUsers      listFlag
	allowGroups     listFlag
	groupsClaim     string
	sessionLifetime time.Duration
	dashboardGroups listFlag

	// secret is the content of secretFile and groups dashboardGroups by
	// dashboard, read by validateOIDC.
	secret string
	groups map[string][]string
}

// defineOIDCFlags defines the --oidc-* flags on fs.
func defineOIDCFlags(fs *serveFlagSet, o *oidcConfig) {
	fs.StringVar(&o.issuer, "oidc-issuer", "", "sign users in with this OpenID Connect provider (issuer `URL`, such as https://login.microsoftonline.com/TENANT/v2.0) instead of --auth-file; see docs/sso.md")
	fs.StringVar(&o.clientID, "oidc-client-id", "", "dashbox's client `ID` at the --oidc-issuer")
	fs.secret(&o.secretFile, "oidc-client-secret-file", "oidc-client-secret", "`file` holding the client secret of --oidc-client-id (never on the command line)")
	fs.Var(&o.scopes, "oidc-scope", "a `scope` to ask for besides openid, email and profile (offline_access for refreshes at Entra ID and Okta; groups at Okta); repeat for more")
	fs.secret(&o.issuerCA, "oidc-issuer-ca", "oidc-issuer-ca", "PEM `file` with the root certificate of an on-premises --oidc-issuer, when the system does not trust it")
	fs.Var(&o.allowDomains, "oidc-allow-domain", "let users with a verified e-mail address of this `domain` sign in; repeat for more (with no --oidc-allow-* flag, everyone the provider signs in may)")
	fs.Var(&o.allowUsers, "oidc-allow-user", "let this `user` (e-mail address or user name) sign in; repeat for more")
	fs.Var(&o.allowGroups, "oidc-allow-group", "let members of this `group` sign in; repeat for more")
	fs.StringVar(&o.groupsClaim, "oidc-groups-claim", oidc.DefaultGroupsClaim, "ID token `claim` with the user's groups")
	fs.DurationVar(&o.sessionLifetime, "oidc-session-lifetime", oidc.DefaultSessionLifetime, "how long a sign-in lasts; it ends sooner when the provider refuses to refresh it")
	fs.Var(&o.dashboardGroups, "oidc-dashboard-groups", "`DASHBOARD=GROUP,...`: only members of these groups may open the dashboard (app3 or /apps/app3; replaces the groups it declares); repeat for more")
}

// validateOIDC checks the --oidc-* flags, reads the client secret, and
// groups --oidc-dashboard-groups by dashboard.
func (c *serveConfig) validateOIDC() error {
	o := &c.oidc
	if o.issuer == "" {
		for _, f := range []string{"oidc-client-id", "oidc-client-secret-file", "oidc-scope", "oidc-issuer-ca", "oidc-allow-domain", "oidc-allow-user", "oidc-allow-group", "oidc-dashboard-groups"} {
			if slices.Contains(c.set, f) {
				return usageError{fmt.Sprintf("--%s needs --oidc-issuer: give the OpenID Connect provider's issuer URL", f)}
			}
		}
		return nil
	}
	if c.authFile != "" {
		return usageError{"--auth-file and --oidc-issuer exclude each other: users sign in either with the htpasswd file (Basic authentication) or with the identity provider; drop one"}
	}
	if o.clientID == "" {
		return usageError{"--oidc-issuer needs --oidc-client-id: the client ID dashbox is registered with at the provider"}
	}
	if o.secretFile == "" {
		return usageError{"--oidc-issuer needs --oidc-client-secret-file: a file holding the client secret (never on the command line)"}
	}
	b, err := os.ReadFile(o.secretFile)
	if err != nil {
		return fmt.Errorf("--oidc-client-secret-file: reading the client secret: %w", err)
	}
	if o.secret = strings.TrimSpace(string(b)); o.secret == "" || strings.ContainsAny(o.secret, "\r\n") {
		return usageError{fmt.Sprintf("--oidc-client-secret-file %s: the file must hold the client secret alone, on one line", o.secretFile)}
	}
	if o.sessionLifetime < time.Minute {
		return usageError{fmt.Sprintf("invalid --oidc-session-lifetime %s: give a duration of a minute or more, such as 12h", o.sessionLifetime)}
	}
	if _, err := oidc.New(oidc.Config{Issuer: o.issuer, ClientID: o.clientID, ClientSecret: o.secret}); err != nil {
		return usageFlagError("--oidc-issuer", err)
	}
	if o.issuerCA != "" {
		if _, err := oidc.LoadRootCAs(o.issuerCA); err != nil {
			return forFlag("--oidc-issuer-ca", err)
		}
	}
	o.groups, err = parseDashboardGroups(o.dashboardGroups)
	if err != nil {
		return usageError{"invalid --oidc-dashboard-groups: " + err.Error()}
	}
	return nil
}

// parseDashboardGroups reads --oidc-dashboard-groups values. The list flag
// splits "app3=finance,ops" at the comma, so a value without '=' is one
// more group of the dashboard before it.
func parseDashboardGroups(values []string) (map[string][]string, error) {
	groups := map[string][]string{}
	last := ""
	for _, v := range values {
		name, list, ok := strings.Cut(v, "=")
		if !ok {
			if last == "" {
				return nil, fmt.Errorf("%q names no dashboard: give DASHBOARD=GROUP,GROUP such as app3=finance,ops", v)
			}
			groups[last] = append(groups[last], strings.TrimSpace(v))
			continue
		}
		name = strings.TrimSpace(name)
		if name == "" {
			return nil, fmt.Errorf("%q names no dashboard: give DASHBOARD=GROUP,GROUP such as app3=finance,ops", v)
		}
		if !strings.HasPrefix(name, "/") {
			name = "/apps/" + name
		}
		last = name
		groups[name] = nil
		if g := strings.TrimSpace(list); g != "" {
			groups[name] = append(groups[name], g)
		}
	}
	for name, g := range groups {
		if len(g) == 0 {
			return nil, fmt.Errorf("%s has no group: give DASHBOARD=GROUP,GROUP such as app3=finance,ops", name)
		}
	}
	return groups, nil
}

// openOIDC fills in deps' single sign-on from the --oidc-* flags: the
// session key from the state directory, the dashboards' groups (those
// they declare, replaced by the operator's).
func openOIDC(c *serveConfig, deps *server.Deps, dashboards []pages.Dashboard, logger *slog.Logger) error {
	o := &c.oidc
	if o.issuer == "" {
		return nil
	}
	groups := map[string][]string{}
	for _, d := range dashboards {
		if len(d.Groups) > 0 {
			groups[d.Path] = d.Groups
		}
	}
	for path, g := range o.groups {
		if !slices.ContainsFunc(dashboards, func(d pages.Dashboard) bool { return d.Path == path }) {
			return usageError{fmt.Sprintf("invalid --oidc-dashboard-groups: there is no dashboard %s; the dashboards are listed on the home page", path)}
		}
		groups[path] = g
	}
	// The session keeps only the groups dashbox asks about: providers
	// send every group, and a cookie holds 4 KB.
	var keep []string
	if len(groups) > 0 || len(o.allowGroups) > 0 {
		keep = []string{}
	}
	for _, g := range groups {
		keep = append(keep, g...)
	}
	keyPath := filepath.Join(c.stateDir, sessionKeyFile)
	key, replaced, err := oidc.LoadSessionKey(keyPath)
	if err != nil {
		return err
	}
	if replaced {
		logger.Warn("the session key was damaged and is replaced: users sign in once more", "file", keyPath)
	}
	cfg := oidc.Config{
		Issuer: o.issuer, ClientID: o.clientID, ClientSecret: o.secret, Scopes: o.scopes,
		AllowedDomains: o.allowDomains, AllowedUsers: o.allowUsers, AllowedGroups: o.allowGroups,
		GroupsClaim: o.groupsClaim, KeepGroups: keep, SessionLifetime: o.sessionLifetime,
		SessionKey: key, Logger: logger.With("component", "oidc"),
	}
	if o.issuerCA != "" {
		if cfg.RootCAs, err = oidc.LoadRootCAs(o.issuerCA); err != nil {
			return forFlag("--oidc-issuer-ca", err)
		}
	}
	signIn, err := oidc.New(cfg)
	if err != nil {
		return forFlag("--oidc-issuer", err)
	}
	deps.SignIn, deps.DashboardGroups = signIn, groups
	logger.Info("users sign in with single sign-on", "issuer", o.issuer, "redirect_uri", "https://<host>"+oidc.CallbackPath, "dashboards_with_groups", len(groups))
	return nil
}

package main

import (
	"log/slog"
	"strings"

	"github.com/dashbox/dashbox/auth"
	"github.com/dashbox/dashbox/server"
)

// authPollInterval is how often serve checks --auth-file for a change; zero
// is auth.DefaultPollInterval. Tests shorten it.
var authPollInterval = 0 * auth.DefaultPollInterval

// validateAccess checks --auth-file (readable, every hash bcrypt) and
// --allow (networks), without keeping anything open.
func (c *serveConfig) validateAccess() error {
	if c.authFile != "" {
		if _, err := auth.CheckHtpasswd(c.authFile); err != nil {
			return err
		}
	}
	c.allowNets = c.allowNets[:0]
	for _, a := range c.allow {
		p, err := server.ParseNetwork(a)
		if err != nil {
			return usageError{"invalid --allow: " + err.Error()}
		}
		c.allowNets = append(c.allowNets, p)
	}
	return nil
}

// openAccess opens --auth-file for serving, watched for changes until the
// returned Htpasswd is closed, and fills in deps' access control. Without
// --auth-file it returns nil.
func openAccess(c *serveConfig, deps *server.Deps, logger *slog.Logger) (*auth.Htpasswd, error) {
	deps.AllowedNetworks = c.allowNets
	if len(c.allowNets) > 0 {
		nets := make([]string, len(c.allowNets))
		for i, n := range c.allowNets {
			nets[i] = n.String()
		}
		logger.Info("only clients of these networks are served (but /healthz)", "allow", strings.Join(nets, " "))
	}
	if c.authFile == "" {
		return nil, nil
	}
	users, err := auth.OpenHtpasswd(c.authFile, auth.Options{Logger: logger, PollInterval: authPollInterval})
	if err != nil {
		return nil, err
	}
	deps.Users = users
	deps.LoginLimiter = auth.NewLimiter(auth.LimiterConfig{})
	return users, nil
}

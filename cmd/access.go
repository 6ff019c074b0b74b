package cmd

import (
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/dashbox/dashbox/auth"
	"github.com/dashbox/dashbox/server"
)

// authPollInterval is how often serve checks --auth-file for a change; zero
// is auth.DefaultPollInterval. Tests shorten it.
var authPollInterval = 0 * auth.DefaultPollInterval

// deviceKeyFile, in the state directory, holds the key of the login device
// cookies, so that they stay valid across restarts.
const deviceKeyFile = "device-cookie.key"

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
// --auth-file it returns nil. The device cookies' key is kept in the state
// directory.
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
	key, replaced, err := auth.LoadDeviceKey(filepath.Join(c.stateDir, deviceKeyFile))
	if err != nil {
		users.Close()
		return nil, err
	}
	if replaced {
		logger.Warn("the device cookie key was damaged and is replaced: browsers log in once more", "file", filepath.Join(c.stateDir, deviceKeyFile))
	}
	deps.Users = users
	deps.LoginLimiter = auth.NewLimiter(auth.LimiterConfig{})
	deps.DeviceKey = key
	return users, nil
}

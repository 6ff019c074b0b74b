package service

import (
	"fmt"
	"path"
	"regexp"
	"strings"
)

// Defaults filled in by Config when a field is left empty.
const (
	// DefaultName is the unit name (dashbox.service) and the name of the
	// state and logs directories.
	DefaultName = "dashbox"
	// DefaultBinaryPath is where Install puts the binary. A system path: the
	// unit hides home directories from the service (ProtectHome=yes), and a
	// binary any user can replace must never run as a service.
	DefaultBinaryPath = "/usr/local/bin/dashbox"
	// DefaultDescription is the unit's Description=, shown by systemctl.
	DefaultDescription = "dashbox: dashboards over HTTPS"
)

// Config describes the dashbox system service. The zero value installs
// dashbox.service running /usr/local/bin/dashbox serve with serve's defaults.
type Config struct {
	// Name is the unit name without ".service"; it also names the state
	// directory (/var/lib/<Name>) and the logs directory (/var/log/<Name>).
	// Empty means DefaultName. Letters, digits, "-" and "_" only.
	Name string

	// Description is the unit's one-line Description=. Empty means
	// DefaultDescription.
	Description string

	// BinaryPath is the absolute path Install copies the running binary to
	// and the unit runs. Empty means DefaultBinaryPath. It must be outside
	// home directories and temporary directories, which the sandbox hides.
	BinaryPath string

	// Serve is the serve command the service runs, as the CLI parsed and
	// validated it.
	Serve Serve
}

// withDefaults returns c with empty fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.Name == "" {
		c.Name = DefaultName
	}
	if c.Description == "" {
		c.Description = DefaultDescription
	}
	if c.BinaryPath == "" {
		c.BinaryPath = DefaultBinaryPath
	}
	return c
}

// unitName is the systemd unit, e.g. "dashbox.service".
func (c Config) unitName() string { return c.Name + ".service" }

// stateDir is where systemd keeps StateDirectory= for the service, as the
// service sees it ($STATE_DIRECTORY).
func (c Config) stateDir() string { return "/var/lib/" + c.Name }

// logsDir is where systemd keeps LogsDirectory= ($LOGS_DIRECTORY).
func (c Config) logsDir() string { return "/var/log/" + c.Name }

var (
	validName = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	// validBinaryPath keeps the path free of anything systemd would expand
	// or split, so it reads the same in ExecStart= and on disk.
	validBinaryPath = regexp.MustCompile(`^/[A-Za-z0-9_./+-]+$`)
)

// hiddenDirs are hidden from the service by the sandbox (ProtectHome=yes,
// PrivateTmp=yes): nothing it runs or reads may live there.
var hiddenDirs = []string{"/home", "/root", "/run/user", "/tmp", "/var/tmp"}

// hiddenDir returns the hidden directory that p is in, or "".
func hiddenDir(p string) string {
	for _, d := range hiddenDirs {
		if p == d || strings.HasPrefix(p, d+"/") {
			return d
		}
	}
	return ""
}

// validateUnit checks the settings of c (with defaults applied) that name
// the unit and the binary it runs.
func (c Config) validateUnit() error {
	if !validName.MatchString(c.Name) {
		return fmt.Errorf("service name %q: use letters, digits, - and _ only", c.Name)
	}
	if strings.ContainsAny(c.Description, "\n\r") {
		return fmt.Errorf("service description must be one line")
	}
	if !validBinaryPath.MatchString(c.BinaryPath) || path.Clean(c.BinaryPath) != c.BinaryPath {
		return fmt.Errorf("binary path %q: give a clean absolute path such as %s", c.BinaryPath, DefaultBinaryPath)
	}
	if d := hiddenDir(c.BinaryPath); d != "" {
		return fmt.Errorf("binary path %s is under %s, which the service cannot see and other users may control: use %s", c.BinaryPath, d, DefaultBinaryPath)
	}
	return nil
}

// validate checks c (with defaults applied) and serve's arguments against
// what the unit can run, so that a bad setting is refused before anything on
// the system changes rather than turning into a crash loop.
func (c Config) validate() error {
	if err := c.validateUnit(); err != nil {
		return err
	}
	for _, a := range c.Serve.Args {
		switch v := a.Value; a.Kind {
		case StateDir:
			if v != "" && path.Clean(v) != c.stateDir() {
				return fmt.Errorf("--%s=%s: the service keeps its state in %s (systemd StateDirectory=); leave --%s out", a.Flag, v, c.stateDir(), a.Flag)
			}
		case LogFile:
			if v != "" && v != "-" && v != "off" && (!path.IsAbs(v) || !strings.HasPrefix(path.Clean(v), c.logsDir()+"/")) {
				return fmt.Errorf("--%s=%s: the service may only write logs in %s (systemd LogsDirectory=); leave --%s out, or use - for the journal, or off", a.Flag, v, c.logsDir(), a.Flag)
			}
		case ReadDir:
			if v == "" {
				continue
			}
			if !path.IsAbs(v) {
				return fmt.Errorf("--%s=%s: give an absolute path for the service", a.Flag, v)
			}
			if d := hiddenDir(path.Clean(v)); d != "" {
				return fmt.Errorf("--%s=%s is under %s, which the service cannot see: move the files to a directory such as /srv/%s", a.Flag, v, d, c.Name)
			}
		}
	}
	return nil
}

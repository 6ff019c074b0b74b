package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Uninstall stops the service, disables it and removes its unit, the binary
// the unit ran and the logrotate configuration, printing each step to out.
// It keeps the state directory (certificates and the local CA, which browsers
// may trust) and the logs, so that installing again picks them up; purge
// removes them too. Uninstalling what is not installed is not an error: it
// says so (and still purges when asked).
func Uninstall(ctx context.Context, cfg Config, purge bool, out io.Writer) error {
	command := "dashbox service uninstall"
	cfg, svc, err := openInstalled(cfg, command)
	if err != nil {
		return err
	}
	unit, path := cfg.unitName(), unitPath(cfg)

	installed, err := readInstalledUnit(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		fmt.Fprintf(out, "%s %v\n", unit, ErrNotInstalled)
	case err != nil:
		return err
	default:
		// kardianos/service's Uninstall does not stop the service; its
		// sockets would start it again on the next connection.
		if _, err := systemctl(ctx, append([]string{"stop", unit}, cfg.installedSockets()...)...); err != nil {
			return err
		}
		fmt.Fprintf(out, "stopped %s\n", unit)
		for _, name := range cfg.socketNames() {
			removed, err := removeSocket(ctx, name)
			if err != nil {
				return err
			}
			if removed {
				fmt.Fprintf(out, "stopped, disabled and removed %s\n", socketPath(name))
			}
		}
		// It disables the unit, removes the file and reloads systemd.
		if err := svc.Uninstall(); err != nil {
			return fmt.Errorf("uninstalling %s: %v", unit, err)
		}
		// Forget a failed state, so systemctl does not list a ghost unit.
		systemctl(ctx, "reset-failed", unit)
		fmt.Fprintf(out, "disabled %s and removed %s\n", unit, path)
		if err := os.Remove(installed.binary); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("removing the installed binary: %w", err)
		} else if err == nil {
			fmt.Fprintf(out, "removed %s\n", installed.binary)
		}
		if err := os.Remove(installed.binary + previousSuffix); err == nil {
			fmt.Fprintf(out, "removed %s\n", installed.binary+previousSuffix)
		}
	}
	if err := removeLogrotate(cfg, out); err != nil {
		return err
	}
	if !purge {
		fmt.Fprintf(out, "kept %s (certificates, CA) and %s: uninstall --purge removes them\n", cfg.stateDir(), cfg.logsDir())
		return nil
	}
	// With DynamicUser=yes systemd keeps the data in /var/lib/private/<Name>
	// and /var/log/private/<Name>, and the usual paths are symbolic links.
	for _, dir := range []string{cfg.stateDir(), "/var/lib/private/" + cfg.Name, cfg.logsDir(), "/var/log/private/" + cfg.Name} {
		if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("purging: %w", err)
		}
		fmt.Fprintf(out, "removed %s\n", dir)
	}
	return nil
}

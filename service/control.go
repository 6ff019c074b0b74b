package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Control starts, stops or restarts the installed service (action "start",
// "stop" or "restart") through kardianos/service (systemctl) and prints the outcome to
// out. start and restart wait until serve reports it is ready, and print the
// service's last log lines when it fails to.
func Control(ctx context.Context, cfg Config, action string, out io.Writer) error {
	command := "dashbox service " + action
	switch action {
	case "start", "stop", "restart":
	default:
		return fmt.Errorf("unknown service action %q: use start, stop or restart", action)
	}
	cfg, svc, err := openInstalled(cfg, command)
	if err != nil {
		return err
	}
	unit := cfg.unitName()
	if _, err := os.Stat(unitPath(cfg)); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s %w: install it with sudo dashbox service install", unit, ErrNotInstalled)
	}
	if action != "stop" {
		// Let an explicit start retry a unit that hit its start limit.
		systemctl(ctx, "reset-failed", unit)
	}
	stop := svc.Stop
	if sockets := cfg.installedSockets(); len(sockets) > 0 {
		// With its sockets listening, the next connection would start
		// the service again.
		stop = func() error {
			_, err := systemctl(ctx, append([]string{"stop", unit}, sockets...)...)
			return err
		}
	}
	run := map[string]func() error{"start": svc.Start, "stop": stop, "restart": svc.Restart}[action]
	if err := run(); err != nil {
		if action == "stop" {
			return fmt.Errorf("stopping %s failed (%v): see systemctl status %s", unit, err, unit)
		}
		journalTail(ctx, unit, out)
		return fmt.Errorf("%s %s failed (%v): its log is above", action, unit, err)
	}
	switch action {
	case "stop":
		fmt.Fprintf(out, "stopped %s\n", unit)
	default:
		props, err := showProperties(ctx, unit, "MainPID")
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%sed %s, main PID %s\n", action, unit, props["MainPID"])
	}
	return nil
}

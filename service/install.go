package service

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/dashbox/dashbox/internal/atomicfile"
)

// Install installs or updates dashbox as a systemd service and leaves it
// running, printing each step and the URL to open to out. It:
//
//   - checks cfg (Unit's checks) and that it runs as root on systemd, before
//     changing anything;
//   - copies the running binary to cfg.BinaryPath (temporary file, then
//     rename: the running service keeps its old binary until restarted);
//   - writes the unit: through kardianos/service the first time, which also
//     enables it; an update is written in place the same way (temporary file,
//     then rename), since kardianos/service refuses to install over a unit;
//   - enables it (starts at boot) and starts it, or restarts it when the
//     binary, the unit or a file it loads as a credential (--auth-file,
//     --tls-cert, --tls-key, --acme-ca-root) changed, and waits until serve
//     reports it is ready;
//   - writes /etc/logrotate.d/<Name> when logrotate is installed.
//
// Running it again with other serve flags or a newer binary is an upgrade.
// When the service fails to start, its last log lines are printed to out.
func Install(ctx context.Context, cfg Config, out io.Writer) error {
	const command = "dashbox service install"
	cfg = cfg.withDefaults()
	unitText, err := Unit(cfg)
	if err != nil {
		return err
	}
	kc, err := kardianosConfig(cfg, unitText)
	if err != nil {
		return err
	}
	if err := CheckPrivilege(command); err != nil {
		return err
	}
	svc, err := newSystemd(command, kc)
	if err != nil {
		return err
	}
	for _, a := range cfg.Serve.Args {
		if a.Kind == ReadDir {
			if err := checkReadableByAnyone(a.Flag, a.Value); err != nil {
				return err
			}
		}
	}
	_, creds, err := serveExecArgs(cfg.Serve.Args)
	if err != nil {
		return err
	}
	sockets, err := socketUnits(cfg)
	if err != nil {
		return err
	}

	unit := cfg.unitName()
	binChanged, err := installBinary(cfg.BinaryPath, out)
	if err != nil {
		return err
	}

	socketsChanged, err := writeSockets(ctx, cfg, sockets, out)
	if err != nil {
		return err
	}

	path := unitPath(cfg)
	old, err := os.ReadFile(path)
	firstInstall := errors.Is(err, fs.ErrNotExist)
	if err != nil && !firstInstall {
		return fmt.Errorf("reading the installed unit: %w", err)
	}
	unitChanged := firstInstall || string(old) != unitText
	switch {
	case firstInstall:
		// kardianos/service writes the unit, enables it and reloads systemd.
		if err := svc.Install(); err != nil {
			os.Remove(path) // It may have left an empty file behind.
			return fmt.Errorf("installing %s: %v", unit, err)
		}
		fmt.Fprintf(out, "wrote %s\n", path)
	case unitChanged:
		if err := atomicfile.WriteFile(path, []byte(unitText), 0o644); err != nil {
			return fmt.Errorf("updating %s: %w", path, err)
		}
		if _, err := systemctl(ctx, "daemon-reload"); err != nil {
			return err
		}
		fmt.Fprintf(out, "updated %s\n", path)
	default:
		fmt.Fprintf(out, "%s is up to date\n", path)
	}
	if socketsChanged && !unitChanged {
		if _, err := systemctl(ctx, "daemon-reload"); err != nil {
			return err
		}
	}
	enable := []string{"enable", "--quiet", unit}
	for _, s := range sockets {
		enable = append(enable, s.name)
	}
	if _, err := systemctl(ctx, enable...); err != nil {
		return err
	}
	fmt.Fprintf(out, "enabled %s: it starts at boot\n", strings.Join(enable[2:], ", "))

	if err := writeLogrotate(cfg, out); err != nil {
		return err
	}

	props, err := showProperties(ctx, unit, "ActiveState")
	if err != nil {
		return err
	}
	active := props["ActiveState"] == "active"
	// A unit that hit its start limit refuses to start until reset; an
	// install is the administrator saying "try again".
	systemctl(ctx, "reset-failed", unit)
	verb := "started"
	if socketsChanged {
		// New or moved sockets: the running service may hold the ports
		// itself (an install from before socket activation) or the old
		// sockets' listeners. Stop it, then (re)bind the sockets.
		if active {
			if _, err := systemctl(ctx, "stop", unit); err != nil {
				return err
			}
			active, verb = false, "restarted (its sockets changed)"
		}
		restart := []string{"restart"}
		for _, s := range sockets {
			restart = append(restart, s.name)
		}
		if _, err := systemctl(ctx, restart...); err != nil {
			journalTail(ctx, sockets[0].name, out)
			return fmt.Errorf("the sockets did not start (%v): is another program using the ports? (ss -ltnp)", err)
		}
		fmt.Fprintf(out, "listening on %s\n", strings.Join(restart[1:], ", "))
	}
	switch {
	case !active:
		err = svc.Start()
	case binChanged || unitChanged:
		verb = "restarted"
		err = svc.Restart()
	case credentialsChanged(unit, creds):
		// Its copies of the files it loads differ from the files: only a
		// start copies them again.
		verb = "restarted (a file it loads changed since it started)"
		err = svc.Restart()
	default:
		verb = "already running"
	}
	if err != nil {
		journalTail(ctx, unit, out)
		return fmt.Errorf("%s did not start (%v): its log is above; fix the cause and install again", unit, err)
	}
	props, err = showProperties(ctx, unit, "MainPID")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s %s, main PID %s\n", unit, verb, props["MainPID"])
	for _, u := range cfg.Serve.URLs(os.Hostname) {
		fmt.Fprintf(out, "open %s\n", u)
	}
	return nil
}

// executable finds the binary Install copies: the running one. The container
// test installs a stand-in for serve through it.
var executable = os.Executable

// installBinary copies the running executable to dst unless it already holds
// the same bytes, and reports whether it changed dst.
func installBinary(dst string, out io.Writer) (changed bool, err error) {
	self, err := executable()
	if err != nil {
		return false, fmt.Errorf("finding the running binary to install: %w", err)
	}
	if resolved, err := filepath.EvalSymlinks(self); err == nil {
		self = resolved
	}
	src, err := os.ReadFile(self)
	if err != nil {
		return false, fmt.Errorf("reading the running binary: %w", err)
	}
	if cur, err := os.ReadFile(dst); err == nil && sha256.Sum256(cur) == sha256.Sum256(src) {
		fmt.Fprintf(out, "%s is up to date\n", dst)
		return false, nil
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return false, fmt.Errorf("installing the binary: %w", err)
	}
	if err := atomicfile.WriteFile(dst, src, 0o755); err != nil {
		return false, fmt.Errorf("installing the binary: %w", err)
	}
	fmt.Fprintf(out, "installed %s (from %s)\n", dst, self)
	return true, nil
}

// checkReadableByAnyone refuses a directory (the value of serve's --flag)
// the service's user (a dynamic user in no group) cannot list and read:
// every parent must be searchable by others and the directory itself
// readable.
func checkReadableByAnyone(flag, dir string) error {
	if dir == "" {
		return nil
	}
	dir = filepath.Clean(dir)
	for p := dir; ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("--%s=%s: %v", flag, dir, err)
		}
		need, chmod := fs.FileMode(0o001), "o+x"
		if p == dir {
			need, chmod = 0o005, "o+rx"
		}
		if fi.Mode().Perm()&need != need {
			return fmt.Errorf("--%s=%s: the service runs as its own user and cannot read %s (mode %v): run chmod %s %s", flag, dir, p, fi.Mode().Perm(), chmod, p)
		}
		if p == "/" {
			return nil
		}
	}
}

// writeSockets writes the socket units (socket.go) and removes a socket unit
// an earlier install wrote that cfg no longer has (the redirect turned off).
// It reports whether any changed; the caller reloads systemd and (re)starts
// them.
func writeSockets(ctx context.Context, cfg Config, sockets []socketUnit, out io.Writer) (changed bool, err error) {
	want := map[string]bool{}
	for _, s := range sockets {
		want[s.name] = true
		path := socketPath(s.name)
		if old, err := os.ReadFile(path); err == nil && string(old) == s.text {
			continue
		}
		if err := atomicfile.WriteFile(path, []byte(s.text), 0o644); err != nil {
			return changed, fmt.Errorf("writing %s: %w", path, err)
		}
		changed = true
		fmt.Fprintf(out, "wrote %s\n", path)
	}
	for _, name := range cfg.socketNames() {
		if want[name] {
			continue
		}
		removed, err := removeSocket(ctx, name)
		if err != nil {
			return changed, err
		}
		if removed {
			changed = true
			fmt.Fprintf(out, "removed %s\n", socketPath(name))
		}
	}
	return changed, nil
}

// removeSocket stops, disables and removes a socket unit, if it is there.
func removeSocket(ctx context.Context, name string) (bool, error) {
	path := socketPath(name)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	systemctl(ctx, "stop", name)
	systemctl(ctx, "disable", "--quiet", name)
	if err := os.Remove(path); err != nil {
		return false, fmt.Errorf("removing %s: %w", path, err)
	}
	systemctl(ctx, "reset-failed", name)
	return true, nil
}

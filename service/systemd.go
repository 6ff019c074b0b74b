package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	kservice "github.com/kardianos/service"
)

// Errors the commands wrap, for callers that choose an exit status or a hint
// with errors.Is. The messages they are wrapped in say what to do.
var (
	// ErrNotInstalled: the unit is not installed.
	ErrNotInstalled = errors.New("is not installed")
	// ErrNeedRoot: the command changes the system and needs root.
	ErrNeedRoot = errors.New("needs root")
	// ErrNoSystemd: the machine does not run systemd, the only service
	// manager dashbox installs itself into.
	ErrNoSystemd = errors.New("needs systemd")
)

// unitDir is where administrators' (and kardianos/service's) units live.
const unitDir = "/etc/systemd/system"

// unitPath is the unit file of cfg (defaults applied).
func unitPath(cfg Config) string { return filepath.Join(unitDir, cfg.unitName()) }

// CheckPrivilege returns an error saying to use sudo unless the process runs
// as root, or an error saying so when the system cannot run the service at
// all. command names what was run, as the user typed it, e.g.
// "dashbox service install".
func CheckPrivilege(command string) error {
	if runtime.GOOS != "linux" {
		return fmt.Errorf("%s %w: it installs dashbox as a systemd service on Linux; on %s run dashbox serve under your own service manager", command, ErrNoSystemd, runtime.GOOS)
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("%s %w: run it with sudo", command, ErrNeedRoot)
	}
	return nil
}

// newSystemd returns the kardianos/service systemd backend for cfg, whatever
// kardianos/service would pick on its own, and an error saying what runs
// instead when systemd is not the init system.
func newSystemd(command string, kc *kservice.Config) (kservice.Service, error) {
	for _, sys := range kservice.AvailableSystems() {
		if sys.String() != "linux-systemd" {
			continue
		}
		if !sys.Detect() {
			break
		}
		return sys.New(program{}, kc)
	}
	running := "no service manager dashbox knows"
	if p := kservice.Platform(); p != "" {
		running = p
	}
	if runtime.GOOS == "linux" {
		if comm, err := os.ReadFile("/proc/1/comm"); err == nil {
			running = strings.TrimSpace(string(comm)) + " as PID 1"
		}
	}
	return nil, fmt.Errorf("%s %w, but this system runs %s: run dashbox serve under your own service manager", command, ErrNoSystemd, running)
}

// openInstalled is the start of the commands that act on the installed
// unit by name (start, stop, restart, uninstall): cfg with its defaults, a
// root check, and the systemd backend. Install differs: it checks the whole
// configuration, unit text included, before the root check.
func openInstalled(cfg Config, command string) (Config, kservice.Service, error) {
	cfg = cfg.withDefaults()
	kc, err := kardianosConfig(cfg, "")
	if err != nil {
		return cfg, nil, err
	}
	if err := CheckPrivilege(command); err != nil {
		return cfg, nil, err
	}
	svc, err := newSystemd(command, kc)
	return cfg, svc, err
}

// program satisfies kservice.Interface. dashbox never calls Run: serve runs
// in the foreground under systemd, so Start and Stop are never called.
type program struct{}

func (program) Start(kservice.Service) error { return nil }
func (program) Stop(kservice.Service) error  { return nil }

// systemctl runs systemctl with args and returns its standard output. The
// error carries systemctl's own message.
func systemctl(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "systemctl", args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return stdout.String(), fmt.Errorf("systemctl %s: %s", strings.Join(args, " "), firstLine(msg))
	}
	return stdout.String(), nil
}

// firstLine keeps error messages to one line.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// showProperties returns the named properties of unit from systemctl show.
func showProperties(ctx context.Context, unit string, names ...string) (map[string]string, error) {
	args := []string{"show", unit, "--timestamp=unix"}
	for _, n := range names {
		args = append(args, "--property="+n)
	}
	out, err := systemctl(ctx, args...)
	if err != nil {
		return nil, err
	}
	props := make(map[string]string, len(names))
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			props[k] = v
		}
	}
	return props, nil
}

// journalTail copies the last lines the unit logged to out, so a failed start
// shows why without the user having to look it up.
func journalTail(ctx context.Context, unit string, out io.Writer) {
	cmd := exec.CommandContext(ctx, "journalctl", "--unit="+unit, "--lines=20", "--no-pager", "--output=cat")
	cmd.Stdout, cmd.Stderr = out, out
	fmt.Fprintf(out, "last log lines of %s (journalctl -u %s):\n", unit, unit)
	cmd.Run()
}

// installedUnit is what an installed unit file says about the service.
type installedUnit struct {
	// binary is the program ExecStart= runs.
	binary string
	// serveArgs are the arguments after "serve", with the paths of files
	// loaded as credentials put back.
	serveArgs []string
	// credentials maps the name of each credential the unit loads to its
	// source file.
	credentials map[string]string
	// text is the whole file.
	text string
}

// readInstalledUnit reads the unit at path. It returns an error wrapping
// fs.ErrNotExist when there is none.
func readInstalledUnit(path string) (installedUnit, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return installedUnit{}, err
	}
	u := installedUnit{text: string(b), credentials: map[string]string{}}
	for _, line := range strings.Split(u.text, "\n") {
		if name, source, ok := parseLoadCredential(line); ok {
			u.credentials[name] = source
		}
		value, ok := strings.CutPrefix(strings.TrimSpace(line), "ExecStart=")
		if !ok {
			continue
		}
		words, err := splitExecLine(value)
		if err != nil {
			return u, fmt.Errorf("%s: %v", path, err)
		}
		if len(words) > 0 {
			u.binary = words[0]
		}
		if len(words) > 1 && words[1] == "serve" {
			u.serveArgs = words[2:]
		}
	}
	if u.binary == "" {
		return u, fmt.Errorf("%s has no ExecStart= line: remove it or install again", path)
	}
	u.serveArgs = restoreCredentialArgs(u.serveArgs, u.credentials)
	return u, nil
}

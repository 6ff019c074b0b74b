package cmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"

	"github.com/dashbox/dashbox/service"
)

const upgradeUsage = `Usage: dashbox service upgrade [--sha256sums FILE] [--timeout D] FILE
       dashbox service rollback [--timeout D]

upgrade replaces the installed dashbox with FILE (a dashbox binary, or a
release's .tar.gz) and restarts the service through its sockets, so no
connection is refused meanwhile. Before changing anything it refuses a file
that does not match --sha256sums (a release's SHA256SUMS), an archive that is
damaged, a binary for another OS or architecture, or one whose 'version' or
'serve --check' with the installed flags fails. It keeps the installed binary
as dashbox.previous, and waits for /healthz to answer with the new version;
if it does not within --timeout, it puts the previous binary back, restarts
it and exits non-zero saying why.

rollback puts dashbox.previous back (the binary it replaces becomes
dashbox.previous) and restarts the service the same way.

Flags:
`

// runUpgrade is 'dashbox service upgrade' and 'dashbox service rollback'.
func runUpgrade(ctx context.Context, cmd string, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := newFlagSet("service "+cmd, upgradeUsage, stdout)
	var opts service.UpgradeOptions
	if cmd == "upgrade" {
		fs.StringVar(&opts.SHA256Sums, "sha256sums", "", "a release's SHA256SUMS `file`: FILE must be listed in it, by name, with its SHA-256")
	}
	fs.DurationVar(&opts.Timeout, "timeout", service.DefaultUpgradeTimeout, "how long the restarted service may take to answer /healthz with its version before the upgrade is rolled back")
	// Flags may come before or after FILE.
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				if help, ok := fs.Output().(*helpBuffer); ok {
					help.WriteTo(help.stdout)
				}
				return err
			}
			return usageError{flagErrorLine("service "+cmd, err)}
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if _, err := parseFlagsExplicit(fs, nil, getenv); err != nil { // the environment, for flags not given
		return err
	}
	switch {
	case cmd == "upgrade" && len(pos) != 1:
		return usageError{"dashbox service upgrade takes one FILE: the new dashbox binary or a release archive (dashbox service upgrade --help)"}
	case cmd == "rollback" && len(pos) != 0:
		return usageError{fmt.Sprintf("unexpected argument %q: dashbox service rollback takes none", pos[0])}
	case opts.Timeout <= 0:
		return usageError{fmt.Sprintf("invalid --timeout %s: give a positive duration such as 60s", opts.Timeout)}
	}
	if err := service.CheckPrivilege("dashbox service " + cmd); err != nil {
		return err
	}
	st, err := service.Status(ctx, service.Config{})
	if err != nil {
		return err
	}
	if !st.Installed {
		return fmt.Errorf("%s %w: install it first with sudo dashbox service install", st.Unit, service.ErrNotInstalled)
	}
	opts.HealthAddr, opts.ServerName = installedHealthAddr(st.ServeArgs)
	var res service.UpgradeResult
	if cmd == "upgrade" {
		opts.File = pos[0]
		res, err = service.Upgrade(ctx, service.Config{}, opts, stdout)
	} else {
		res, err = service.Rollback(ctx, service.Config{}, opts, stdout)
	}
	if err == nil {
		fmt.Fprintf(stdout, "dashbox %s -> %s\n", res.From, res.To)
	}
	return err
}

// installedHealthAddr is where this machine reaches the HTTPS listener of
// serve run with args (an installed unit's), and the name to ask for.
func installedHealthAddr(args []string) (addr, serverName string) {
	cfg, err := parseServeFlags(args, serviceEnv(func(string) string { return "" }), io.Discard, nil)
	if err != nil {
		return "127.0.0.1:443", "localhost"
	}
	host, port, _ := net.SplitHostPort(cfg.httpsAddr)
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
		if ip != nil && ip.To4() == nil {
			host = "::1"
		}
	}
	serverName = "localhost"
	if len(cfg.domains) > 0 {
		serverName = cfg.domains[0]
	}
	return net.JoinHostPort(host, port), serverName
}

// runningVersion is this binary's version, as 'dashbox version' prints it
// and /healthz?details=1 reports it.
func runningVersion() string {
	v, _, _ := buildInfo()
	return v
}

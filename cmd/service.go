package cmd

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/dashbox/dashbox/service"
)

const serviceUsage = `Usage: dashbox service <command> [flags]

Installs and controls dashbox as a hardened systemd service: it starts at
boot, restarts within a second after a crash, and runs as an unprivileged
user (DynamicUser=yes) without any capability: systemd holds ports 443 and 80
in socket units (dashbox.socket, dashbox-http.socket) and passes them, so a
restart or an upgrade refuses no connection.

Commands:
  install [--install-path PATH] [serve flags]
            validate the serve flags exactly as serve does, copy this binary to
            PATH (default /usr/local/bin/dashbox), write and enable the unit,
            and start it; run again with other flags or a newer binary to
            update and restart (an upgrade is one command)
  unit [serve flags]
            print the unit files install would write (the service and its
            sockets), without installing (no root)
  uninstall [--purge]
            stop, disable and remove the units and the installed binary; keep the
            state directory (certificates, CA) and logs unless --purge
  upgrade [--sha256sums SUMS] FILE
            replace the installed binary with FILE (a binary or a release
            .tar.gz) after checking it, restart without refusing a connection,
            and roll back by itself if the new version does not come up
  rollback  put the binary the last upgrade replaced back, and restart
  start | stop | restart
            control the installed service (stop also stops its sockets);
            systemctl reload dashbox re-reads certificate files, htpasswd and
            reopens the access log, like SIGHUP
  status    installed or not, active or not, since when, main PID, URLs

The service keeps its state in /var/lib/dashbox ($STATE_DIRECTORY) and its
access log in /var/log/dashbox/access.log ($LOGS_DIRECTORY); its other logs
go to the journal: journalctl -u dashbox.

The files of --auth-file, --tls-cert, --tls-key and --acme-ca-root may stay
root's alone (mode 0600): systemd copies them at each start into a directory
only the service can read (LoadCredential=). So a changed file applies on
restart: sudo systemctl restart dashbox (or install again), not on reload.
`

func runService(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, serviceUsage)
		return usageError{"no service command given: run 'dashbox service --help' for the list"}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, serviceUsage)
		return nil
	case "install", "unit":
		if cmd == "install" {
			if err := service.CheckPrivilege("dashbox service install"); err != nil {
				return err
			}
		}
		var installPath string
		serveCfg, err := parseServeFlags(rest, serviceEnv(getenv), stdout, func(fs *flag.FlagSet) {
			fs.StringVar(&installPath, "install-path", service.DefaultBinaryPath, "absolute `path` the binary is installed to and the unit runs")
		})
		if err != nil {
			return err
		}
		if err := serveCfg.validate(); err != nil {
			return err
		}
		serve, err := serveCfg.serviceServe()
		if err != nil {
			return err
		}
		cfg := service.Config{BinaryPath: installPath, Serve: serve}
		if cmd == "unit" {
			unit, err := service.Unit(cfg)
			if err != nil {
				return err
			}
			sockets, err := service.Sockets(cfg)
			if err != nil {
				return err
			}
			for _, s := range sockets {
				unit += "\n# ---- " + s.Path + " ----\n" + s.Text
			}
			_, err = io.WriteString(stdout, unit)
			return err
		}
		if err := service.Install(ctx, cfg, stdout); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "To trust the local CA on a client: sudo dashbox ca > dashbox-root.crt (see docs/certificates.md, Trusting the local CA)")
		return nil
	case "uninstall":
		purge := false
		for _, a := range rest {
			switch a {
			case "--purge", "-purge":
				purge = true
			default:
				return usageError{fmt.Sprintf("unknown argument %q to service uninstall: it takes only --purge", a)}
			}
		}
		return service.Uninstall(ctx, service.Config{}, purge, stdout)
	case "upgrade", "rollback":
		return runUpgrade(ctx, cmd, rest, getenv, stdout)
	case "start", "stop", "restart":
		if len(rest) > 0 {
			return usageError{fmt.Sprintf("unexpected argument %q: dashbox service %s takes none", rest[0], cmd)}
		}
		return service.Control(ctx, service.Config{}, cmd, stdout)
	case "status":
		if len(rest) > 0 {
			return usageError{fmt.Sprintf("unexpected argument %q: dashbox service status takes none", rest[0])}
		}
		st, err := service.Status(ctx, service.Config{})
		if err != nil {
			return err
		}
		if st.Installed {
			st.URLs = installedURLs(st.ServeArgs)
		}
		_, err = io.WriteString(stdout, st.String())
		return err
	}
	return usageError{fmt.Sprintf("unknown service command %q: run 'dashbox service --help' for the list", cmd)}
}

// serviceEnv is the environment serve's defaults are computed in when it runs
// as the service: systemd sets $STATE_DIRECTORY and $LOGS_DIRECTORY there,
// whoever runs 'service install' here.
func serviceEnv(getenv func(string) string) func(string) string {
	return func(key string) string {
		switch key {
		case "STATE_DIRECTORY":
			return "/var/lib/" + service.DefaultName
		case "LOGS_DIRECTORY":
			return "/var/log/" + service.DefaultName
		}
		return getenv(key)
	}
}

// installedURLs are the URLs of serve run with args, the serve arguments
// of an installed unit: its domains on its HTTPS port. The service's own
// environment decides the rest, not this one's.
func installedURLs(args []string) []string {
	cfg, err := parseServeFlags(args, serviceEnv(func(string) string { return "" }), io.Discard, nil)
	if err != nil {
		return nil
	}
	return service.Serve{Domains: cfg.domains, HTTPSAddr: cfg.httpsAddr}.URLs(os.Hostname)
}

package cmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// usageError marks a mistake in the command line itself; it exits with 2, as
// flag parsing errors conventionally do.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func exitCode(err error) int {
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

const mainUsage = `dashbox serves dashboards over HTTPS from one binary.

Usage:
  dashbox <command> [flags]

Commands:
  serve     serve the dashboards over HTTPS, redirecting HTTP to HTTPS
  service   install and control dashbox as a hardened systemd service
  ca        print the local CA's root certificate (PEM) and its SHA-256 fingerprint
  certs     print each certificate's issuer, expiry and last error (from the state directory)
  doctor    check before going live what would make serve fail: files, ports, DNS, CA, clock
  storage   migrate: copy a state directory into the PostgreSQL storage a cluster shares
  passwd    add a user to an htpasswd file for serve --auth-file, or change a password
  version   print the version, commit, build date and Go version
  licenses  print the licences of the third-party software compiled in
  help      print this help, or a command's: dashbox help serve

Every flag can also be set through an environment variable: --https-addr is
DASHBOX_HTTPS_ADDR, --state-dir is DASHBOX_STATE_DIR, and so on. Flags win.

Run 'dashbox <command> --help' for a command's flags.
`

// Run is the whole program, with its inputs injected so tests can run it:
// opts as Main's, args as os.Args, getenv as os.Getenv.
func Run(ctx context.Context, opts Options, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if err := opts.validate(); err != nil {
		return err
	}
	if len(args) < 2 {
		fmt.Fprint(stderr, mainUsage)
		return usageError{"no command given: run 'dashbox serve', or 'dashbox --help' for the list"}
	}
	cmd, rest := args[1], args[2:]
	var err error
	switch cmd {
	case "serve":
		err = runServe(ctx, opts, rest, getenv, stdout, stderr)
	case "ca":
		err = runCA(ctx, rest, getenv, stdout, stderr)
	case "storage":
		err = runStorage(ctx, rest, getenv, stdout, stderr)
	case "certs":
		err = runCerts(ctx, rest, getenv, stdout, stderr)
	case "doctor":
		err = runDoctor(ctx, rest, getenv, stdout)
	case "passwd":
		err = runPasswd(rest, getenv, os.Stdin, stdout, stderr)
	case "service":
		err = runService(ctx, rest, getenv, stdout, stderr)
	case "version", "--version", "-version":
		err = runVersion(rest, stdout)
	case "licenses":
		err = runLicenses(rest, getenv, stdout)
	case "help", "-h", "-help", "--help":
		if len(rest) > 0 && rest[0] != "help" {
			return Run(ctx, opts, []string{args[0], rest[0], "--help"}, getenv, stdout, stderr)
		}
		fmt.Fprint(stdout, mainUsage)
		return nil
	default:
		return usageError{fmt.Sprintf("unknown command %q: run 'dashbox --help' for the list", cmd)}
	}
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

package cmd

import (
	"fmt"
	"io"

	"github.com/dashbox/dashbox/server"
	dashtls "github.com/dashbox/dashbox/tls"
)

// checkServe is `dashbox serve --check` as a function other commands reuse
// ('service upgrade' runs the new binary's, 'doctor' calls it): it parses
// serve's flags and environment as serve does, validates them, and checks
// what serve would touch at start (checkFiles), without binding or
// serving. Its errors are serve's own one-line errors, flag names included.
func checkServe(args []string, getenv func(string) string, stdout io.Writer) (*serveConfig, error) {
	cfg, err := parseServe(args, getenv, stdout)
	if err != nil {
		return nil, err
	}
	return cfg, cfg.checkFiles(nil)
}

// checkFiles checks, beyond validate (flags, certificate files and their
// keys, the htpasswd file, the static directory), what serve opens at
// start: the state directory (created if missing and proved writable, as
// serve does) and the access log (openable for appending, not created).
// It binds nothing. When out is not nil, it says what passed.
func (c *serveConfig) checkFiles(out io.Writer) error {
	if err := dashtls.CheckStateDir(c.stateDir); err != nil {
		return stateDirError(err)
	}
	if err := server.CheckLogFile(c.accessLog); err != nil {
		return forFlag("--access-log", err)
	}
	if out != nil {
		fmt.Fprintf(out, "serve --check: configuration OK (state directory %s, access log %s)\n", c.stateDir, c.accessLog)
	}
	return nil
}

package cmd

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	dashtls "github.com/dashbox/dashbox/tls"
)

const caUsage = `Usage: dashbox ca [flags]

Prints the root certificate of dashbox's local CA (PEM) on stdout, and its
path and SHA-256 fingerprint on stderr, so that you can trust it:

  dashbox ca > dashbox-root.crt
  sudo cp dashbox-root.crt /usr/local/share/ca-certificates/ && sudo update-ca-certificates

The CA is created in the state directory if it is not there yet (serve does
the same), so the root can be trusted before the first start.

With --storage, it prints the root the instances of a cluster share, read
from the storage.

Flags (each also read from DASHBOX_<NAME>; flags win):
`

func runCA(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var stateDir string
	fs := newFlagSet("ca", caUsage, stdout)
	fs.StringVar(&stateDir, "state-dir", defaultStateDir(getenv), "`directory` holding the local CA, as given to serve")
	var sf storageFlags
	sf.define(fs, "storage", storageReadUsage)
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	if err := sf.validate("storage"); err != nil {
		return err
	}
	if sf.url != "" {
		return runCAStorage(ctx, sf, stdout, stderr)
	}
	if stateDir == "" {
		return usageError{"no state directory: set --state-dir"}
	}
	if err := dashtls.CheckStateDir(stateDir); err != nil {
		return stateDirError(err)
	}
	ca, err := dashtls.OpenLocalCA(ctx, stateDir, slog.New(slog.DiscardHandler))
	if err != nil {
		return stateDirError(err)
	}
	if _, err := stdout.Write(ca.RootPEM()); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "dashbox local CA root: %s\nSHA-256 fingerprint: %s\n", ca.RootPath(), ca.Fingerprint())
	return nil
}
